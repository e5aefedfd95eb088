//! Settling the rows of a write: inserts, version-checked updates, the audit and change-log
//! entries, and what written rows feed (the SSE classification of label holders, award lines).

use std::{
    collections::{HashMap, HashSet},
    future::Future,
};

use chrono::{DateTime, Utc};
use entity::{enums::ChangeOp, organisation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable, ModelTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    audit::{AuditEntry, audit},
    classification::{classify_model, labels_counting, legal_category_families},
    result::{ItemResult, ItemStatus, UserError, Written},
    transaction::Attempt,
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, Synced, award_lines, changes, insert_chunked},
};

/// Child rows of settled records (the parties of partnerships, the suppliers and modifications
/// of contracts), queued while their records are settled and written once those are inserted.
pub(crate) trait ChildRows {
    /// Writes the queued rows, replacing the stored ones of updated records.
    fn write<C: ConnectionTrait>(self, db: &C) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The items of a bulk upsert, checked: their keys (trimmed external ids), their external ids
/// as sent, and each checked item or its user errors.
pub(crate) type CheckedItems<'a, T> = (&'a [String], Vec<String>, Vec<Result<T, Vec<UserError>>>);

/// No child rows, for records without children.
impl ChildRows for () {
    async fn write<C: ConnectionTrait>(self, _db: &C) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The rows of a write, settled record by record: new rows are queued for multi-row inserts,
/// changed rows are updated at once (only if their stored version is still the one read), and
/// the audit and change-log entries are written together by [`Settlement::finish`]. Bulk
/// upserts settle many items (audited as `upsert`); single-record creates and updates settle
/// one (audited as `create` or `update`).
pub(crate) struct Settlement<E: EntityTrait> {
    operation: &'static str,
    inserts: Vec<E::ActiveModel>,
    logged: Vec<(Uuid, i32)>,
    audited: Vec<AuditEntry>,
    /// Organisations whose SSE classification a written record feeds (label holders, former
    /// holders of a label moved to another organisation included).
    holders: Vec<Uuid>,
}

/// An entity the engine writes: its rows carry provenance and a version ([`Synced`]), compare
/// for UNCHANGED items, and are inserted or updated column by column.
pub(crate) trait Writable:
    EntityTrait<
        Model: Synced + PartialEq + IntoActiveModel<<Self as EntityTrait>::ActiveModel>,
        ActiveModel: ActiveModelTrait<Entity = Self> + Send,
        Column: Iterable + sea_orm::IdenStatic,
    >
{
}

impl<E> Writable for E
where
    E: EntityTrait,
    E::Model: Synced + PartialEq + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    E::Column: Iterable + sea_orm::IdenStatic,
{
}

impl<E: Writable> Settlement<E> {
    /// Nothing settled yet, for a bulk upsert.
    pub(crate) fn new() -> Self {
        Self::for_operation("upsert")
    }

    /// Nothing settled yet, for a write audited as `operation` (`create`, `update`).
    pub(crate) fn for_operation(operation: &'static str) -> Self {
        Self {
            operation,
            inserts: Vec::new(),
            logged: Vec::new(),
            audited: Vec::new(),
            holders: Vec::new(),
        }
    }

    /// Settles item `index`, whose record is `model` and stored row `old`: CREATED (queued),
    /// UNCHANGED (nothing written), UPDATED, or a CONFLICT user error when the stored row
    /// changed meanwhile. `what` names the record in that error (`label`).
    pub(crate) async fn item<C: ConnectionTrait>(
        &mut self,
        db: &C,
        (index, what): (usize, &str),
        old: Option<&E::Model>,
        model: E::Model,
        now: DateTime<Utc>,
        result: &mut ItemResult,
    ) -> Result<(), StoreError> {
        self.settle(db, (index, what), old, model, now, result, &[]).await
    }

    /// Like [`Settlement::item`], for a record whose child rows (`parties`, `suppliers`,
    /// `modifications`) changed when `children_changed` names them: the record is then UPDATED
    /// even when its own columns are equal, and the children are listed among the changed
    /// fields. The
    /// caller replaces the child rows when the status is CREATED or UPDATED.
    #[expect(clippy::too_many_arguments, reason = "one settled item and its context")]
    pub(crate) async fn settle<C: ConnectionTrait>(
        &mut self,
        db: &C,
        (index, what): (usize, &str),
        old: Option<&E::Model>,
        mut model: E::Model,
        now: DateTime<Utc>,
        result: &mut ItemResult,
        children_changed: &[&'static str],
    ) -> Result<(), StoreError> {
        let (id, _) = model.sync_key();
        result.id = Some(id);
        let Some(old) = old else {
            result.status = ItemStatus::Created;
            result.version = Some(1);
            self.logged.push((id, 1));
            self.audit(id, changed_fields(None, &model));
            self.holders.extend(model.classified_holder());
            self.inserts.push(model.into_active_model());
            return Ok(());
        };
        let (_, old_version) = old.sync_key();
        if model == *old && children_changed.is_empty() {
            result.status = ItemStatus::Unchanged;
            result.version = Some(old_version);
            return Ok(());
        }
        let mut fields = changed_fields(Some(old), &model);
        fields.extend(children_changed.iter().copied());
        let version = old_version + 1;
        model.set_version(version, now);
        let (holder, former_holder) = (model.classified_holder(), old.classified_holder());
        let column = |name: &str| Expr::col((E::default(), Alias::new(name)));
        let updated = E::update_many()
            .set(model.into_active_model().reset_all())
            .filter(column("id").eq(id))
            .filter(column("version").eq(old_version))
            .exec(db)
            .await
            .context("updating a record")?;
        if updated.rows_affected == 1 {
            result.status = ItemStatus::Updated;
            result.version = Some(version);
            self.logged.push((id, version));
            self.audit(id, fields);
            self.holders.extend(holder);
            if former_holder != holder {
                self.holders.extend(former_holder);
            }
        } else {
            result.id = None;
            let conflict = |field: &str| {
                UserError::new(
                    field,
                    format!("{what} {id} changed meanwhile: reload it and retry"),
                    ErrorCode::Conflict,
                )
            };
            result.user_errors = vec![if self.operation == "upsert" {
                conflict("version").under(&format!("items.{index}"))
            } else {
                conflict("expectedVersion")
            }];
        }
        Ok(())
    }

    /// Settles the one record of a single-record write; its id and version, or the CONFLICT
    /// on `expectedVersion` when the stored row changed since it was read.
    pub(crate) async fn record<C: ConnectionTrait>(
        &mut self,
        db: &C,
        what: &str,
        old: Option<&E::Model>,
        model: E::Model,
        now: DateTime<Utc>,
        children_changed: Option<&'static str>,
    ) -> Result<Result<Written, Vec<UserError>>, StoreError> {
        let mut result = ItemResult::unsettled(0, model.external_id().unwrap_or_default().to_owned());
        self.settle(db, (0, what), old, model, now, &mut result, children_changed.as_slice())
            .await?;
        Ok(match (result.id, result.version) {
            (Some(id), Some(version)) if result.user_errors.is_empty() => Ok(Written { id, version }),
            _ => Err(result.user_errors),
        })
    }

    /// Settles the checked items of a bulk upsert (item `i` keyed by `keys[i]`, stored as
    /// `stored[keys[i]]` when it exists): `split` takes a checked item (given its stored record)
    /// apart into its row, the kinds of child rows that changed (which make the record
    /// UPDATED) and its child rows, which `add` queues into `K` once the row is settled (given
    /// its result). A result per item, user errors prefixed with `items.<i>`; the child rows
    /// are written once the new rows are inserted, then the audit and change-log entries.
    /// `what` names the record in conflict messages.
    pub(crate) async fn items_with_children<C, T, R, K, S, A>(
        mut self,
        db: &C,
        writer: &Writer,
        (what, now): (&'static str, DateTime<Utc>),
        (keys, external_ids, checked): CheckedItems<'_, T>,
        stored: &HashMap<String, E::Model>,
        (mut split, mut add): (S, A),
    ) -> Result<Vec<ItemResult>, StoreError>
    where
        C: ConnectionTrait,
        K: ChildRows + Default,
        S: FnMut(T, Option<&E::Model>) -> (E::Model, Vec<&'static str>, R),
        A: FnMut(&mut K, &ItemResult, Option<&E::Model>, &[&'static str], R),
    {
        let mut results = Vec::with_capacity(checked.len());
        let mut children = K::default();
        for (index, (checked, external_id)) in checked.into_iter().zip(external_ids).enumerate() {
            let mut result = ItemResult::unsettled(index, external_id);
            match checked {
                Err(errors) => result.user_errors = UserError::of_item(index, errors),
                Ok(checked) => {
                    let old = stored.get(&keys[index]);
                    let (model, changed, rows) = split(checked, old);
                    self.settle(db, (index, what), old, model, now, &mut result, &changed)
                        .await?;
                    add(&mut children, &result, old, &changed, rows);
                }
            }
            results.push(result);
        }
        self.insert_new(db).await?;
        children.write(db).await?;
        self.finish(db, writer, now).await?;
        Ok(results)
    }

    /// Settles the one record of a single-record write with its child rows: `children` queues
    /// the child rows of the settled record (given its result), written once the record is
    /// inserted; then the audit and change-log entries. Rejected with the record's user errors
    /// (a CONFLICT on `expectedVersion` when the stored row changed since it was read).
    pub(crate) async fn record_with_children<C: ConnectionTrait, K: ChildRows>(
        mut self,
        db: &C,
        writer: &Writer,
        (what, old): (&str, Option<&E::Model>),
        (model, changed): (E::Model, &[&'static str]),
        now: DateTime<Utc>,
        children: impl FnOnce(&ItemResult) -> K,
    ) -> Result<Attempt<Written>, StoreError> {
        let mut result = ItemResult::unsettled(0, String::new());
        self.settle(db, (0, what), old, model, now, &mut result, changed)
            .await?;
        let (Some(id), Some(version)) = (result.id, result.version) else {
            return Ok(Attempt::reject(result.user_errors));
        };
        let children = children(&result);
        self.insert_new(db).await?;
        children.write(db).await?;
        self.finish(db, writer, now).await?;
        Ok(Attempt::commit(Written { id, version }))
    }

    fn audit(&mut self, row_id: Uuid, changed_fields: Vec<&'static str>) {
        self.audited.push(AuditEntry {
            operation: self.operation,
            entity: E::Model::ENTITY,
            row_id,
            changed_fields,
        });
    }

    /// Inserts the rows queued so far (before inserting rows that reference them).
    pub(crate) async fn insert_new<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), StoreError> {
        insert_chunked(db, std::mem::take(&mut self.inserts))
            .await
            .context("inserting new records")
    }

    /// Inserts the queued rows and writes the audit and change-log entries of the batch (the
    /// change log last, see docs/SYNC.md).
    pub(crate) async fn finish<C: ConnectionTrait>(
        mut self,
        db: &C,
        writer: &Writer,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.insert_new(db).await?;
        // Version 1 is a record created by this write; an update is at version 2 or more.
        let ids = |created: bool| -> Vec<Uuid> {
            self.logged
                .iter()
                .filter(|(_, version)| (*version == 1) == created)
                .map(|(id, _)| *id)
                .collect()
        };
        award_lines::refresh_written(db, E::Model::ENTITY, &ids(true), &ids(false)).await?;
        Box::pin(labels_changed(db, writer, self.holders)).await?;
        audit(db, writer, now, self.audited).await?;
        changes::append(db, E::Model::ENTITY, ChangeOp::Upsert, self.logged)
            .await
            .context("logging changes")?;
        Ok(())
    }
}

/// Names of the columns whose values differ between two versions of a row, bookkeeping
/// columns (`updated_at`, `version`, derived search text) left out.
pub(crate) fn changed_fields<M>(old: Option<&M>, new: &M) -> Vec<&'static str>
where
    M: ModelTrait,
    <M::Entity as EntityTrait>::Column: Iterable + sea_orm::IdenStatic,
{
    <<M::Entity as EntityTrait>::Column as Iterable>::iter()
        .filter(|column| {
            !matches!(
                sea_orm::IdenStatic::as_str(column),
                "updated_at" | "version" | "name_search" | "created_at"
            )
        })
        .filter(|column| old.is_none_or(|old| old.get(*column) != new.get(*column)))
        .map(|column| sea_orm::IdenStatic::as_str(&column))
        .collect()
}

/// After labels were written or deleted: decides the SSE family of their holders (current
/// and former) again, and computes again the award lines of the holders whose family stayed
/// (a changed family refreshes its own lines as the organisation is written). Call in the
/// write's transaction, after the labels.
pub(crate) async fn labels_changed<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    mut holders: Vec<Uuid>,
) -> Result<(), StoreError> {
    if holders.is_empty() {
        return Ok(());
    }
    holders.sort_unstable();
    holders.dedup();
    let reclassified: HashSet<Uuid> = reclassify_in(db, writer, &holders).await?.into_iter().collect();
    holders.retain(|holder| !reclassified.contains(holder));
    award_lines::refresh_for_organisations(db, &holders).await
}

/// Decides again the SSE family of these organisations from the evidence stored (legal
/// category, labels valid today, Sirene flag), and writes those whose family or basis
/// changed (audited, logged). A family declared by a writer stays when the evidence supports
/// none. Returns the ids of the organisations changed.
pub async fn reclassify_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    organisation_ids: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    if organisation_ids.is_empty() {
        return Ok(Vec::new());
    }
    let now: DateTime<Utc> = Utc::now();
    let models = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(organisation_ids.iter().copied()))
        .filter(organisation::Column::DeletedAt.is_null())
        .all(db)
        .await
        .context("loading organisations to classify")?;
    let families = legal_category_families(db).await?;
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let labels = labels_counting(db, &ids).await?;
    let mut settled = Settlement::<organisation::Entity>::new();
    let mut changed = Vec::new();
    for (index, old) in models.iter().enumerate() {
        let mut model = old.clone();
        classify_model(
            &mut model,
            &families,
            labels.get(&old.id).map_or(&[][..], Vec::as_slice),
        );
        if model == *old {
            continue;
        }
        let mut result = ItemResult::unsettled(index, old.external_id.as_deref().unwrap_or_default().to_owned());
        settled
            .item(db, (index, "organisation"), Some(old), model, now, &mut result)
            .await?;
        if result.status == ItemStatus::Updated {
            changed.push(old.id);
        }
    }
    settled.finish(db, writer, now).await?;
    Ok(changed)
}
