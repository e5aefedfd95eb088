//! Partner writes of organisations: create, partial update, soft delete, and bulk upsert keyed
//! by `(source, externalId)`. Every input is validated with the domain types; references
//! (territories) and unique values (SIREN, RNA) are checked in one query per batch.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{enums::ChangeOp, organisation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use super::{
    audit::{AuditEntry, audit},
    bulk::bulk_upsert,
    record::{external_id_taken, run_create, run_update},
    result::{ItemResult, Outcome, UserError, Written},
    settle::{Settlement, changed_fields},
    transaction::{Attempt, WriteOptions},
    writer::Writer,
};
use crate::domain::text::searchable_name;
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, Synced, award_lines, changes, insert_chunked},
};

pub use super::organisation_fields::OrganisationFields;
pub(crate) use super::organisation_fields::organisation_fields;
use super::organisation_fields::{apply, check_references};

/// The field and the bulk mutation an external-id conflict names.
const TAKEN: (&str, &str) = ("externalId", "upsertOrganisations");
pub(crate) use super::organisation_fields::{blank, unresolved};

/// Writes `new` over the row of `old`, provided it still has `old`'s version; `false` when
/// another writer changed it meanwhile.
async fn update_row<C: ConnectionTrait>(
    db: &C,
    old: &organisation::Model,
    new: organisation::Model,
) -> Result<bool, StoreError> {
    let active = new.into_active_model().reset_all();
    let result = organisation::Entity::update_many()
        .set(active)
        .filter(organisation::Column::Id.eq(old.id))
        .filter(organisation::Column::Version.eq(old.version))
        .exec(db)
        .await
        .context("updating an organisation")?;
    Ok(result.rows_affected == 1)
}

/// Writes `new` (its version bumped) over the row of `old` and records the write: audited as
/// `operation` with its changed fields, logged as `change` in the change feed; the award lines
/// of an updated (not deleted) organisation are refreshed. Another writer having changed the
/// row meanwhile is a CONFLICT, and nothing is written.
async fn write_over<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    (old, new): (&organisation::Model, organisation::Model),
    (operation, changed, change): (&'static str, Vec<&'static str>, ChangeOp),
    now: DateTime<Utc>,
) -> Result<Attempt<Written>, StoreError> {
    let written = Written {
        id: old.id,
        version: new.version,
    };
    if !update_row(db, old, new).await? {
        let stale = conflict_stale("expectedVersion", old.id, old.version, old.version + 1);
        return Ok(Attempt::reject(vec![stale]));
    }
    if change == ChangeOp::Upsert {
        award_lines::refresh_for_organisations(db, &[old.id]).await?;
    }
    audit(db, writer, now, vec![audit_entry(operation, old.id, changed)]).await?;
    changes::append(db, organisation::Model::ENTITY, change, [(written.id, written.version)])
        .await
        .context("logging a change")?;
    Ok(Attempt::commit(written))
}

fn conflict_stale(field: &str, id: Uuid, expected: i32, actual: i32) -> UserError {
    UserError::new(
        field,
        format!("organisation {id} is at version {actual}, not the expected version {expected}: reload it and retry"),
        ErrorCode::Conflict,
    )
}

/// Loads an organisation, deleted or not.
pub async fn by_id_any<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<organisation::Model>, StoreError> {
    organisation::Entity::find_by_id(id)
        .one(db)
        .await
        .context("loading an organisation")
}

/// Creates an organisation of `source` (the key's source when `None`).
pub async fn create(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    fields: OrganisationFields,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    run_create(db, writer, options, source, move |txn, writer, source, now| {
        Box::pin(async move {
            let mut model = blank(source, now);
            let mut errors = apply(fields, &mut model, true);
            let mut by_index = HashMap::new();
            check_references(txn, &[(0, &model)], &mut by_index).await?;
            errors.extend(by_index.remove(&0).unwrap_or_default());
            let key = model.external_id.as_deref();
            errors.extend(external_id_taken::<organisation::Entity, _>(txn, &model.source, key, None, TAKEN).await?);
            if !errors.is_empty() {
                return Ok(Attempt::reject(errors));
            }
            let written = Written {
                id: model.id,
                version: model.version,
            };
            let fields = changed_fields(None, &model);
            insert_chunked(txn, vec![model.into_active_model()])
                .await
                .context("inserting an organisation")?;
            let entries = vec![audit_entry("create", written.id, fields)];
            audit(txn, &writer, now, entries).await?;
            changes::append(
                txn,
                organisation::Model::ENTITY,
                ChangeOp::Upsert,
                [(written.id, written.version)],
            )
            .await
            .context("logging a change")?;
            Ok(Attempt::commit(written))
        })
    })
    .await
}

fn audit_entry(operation: &'static str, row_id: Uuid, changed_fields: Vec<&'static str>) -> AuditEntry {
    AuditEntry {
        operation,
        entity: organisation::Model::ENTITY,
        row_id,
        changed_fields,
    }
}

/// Updates the given fields of organisation `id`; `expected_version`, when given, must be its
/// current version.
pub async fn update(
    db: &DatabaseConnection,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    fields: OrganisationFields,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let target = (id, expected_version);
    run_update::<organisation::Entity>(
        db,
        writer,
        options,
        target,
        "organisation",
        move |txn, writer, old, now| {
            Box::pin(async move {
                let mut new = old.clone();
                let mut errors = apply(fields, &mut new, false);
                let mut by_index = HashMap::new();
                check_references(txn, &[(0, &new)], &mut by_index).await?;
                errors.extend(by_index.remove(&0).unwrap_or_default());
                let (key, stored) = (new.external_id.as_deref(), Some((id, old.external_id.as_deref())));
                errors
                    .extend(external_id_taken::<organisation::Entity, _>(txn, &new.source, key, stored, TAKEN).await?);
                if !errors.is_empty() {
                    return Ok(Attempt::reject(errors));
                }
                let fields = changed_fields(Some(&old), &new);
                if fields.is_empty() {
                    return Ok(Attempt::commit(Written {
                        id,
                        version: old.version,
                    }));
                }
                new.version = old.version + 1;
                new.updated_at = now;
                write_over(txn, &writer, (&old, new), ("update", fields, ChangeOp::Upsert), now).await
            })
        },
    )
    .await
}

/// Soft-deletes organisation `id` (hidden from reads, kept for the change feed).
pub async fn delete(
    db: &DatabaseConnection,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let target = (id, expected_version);
    run_update::<organisation::Entity>(
        db,
        writer,
        options,
        target,
        "organisation",
        move |txn, writer, old, now| {
            Box::pin(async move {
                let mut new = old.clone();
                new.deleted_at = Some(now);
                new.updated_at = now;
                new.version = old.version + 1;
                write_over(
                    txn,
                    &writer,
                    (&old, new),
                    ("delete", vec!["deleted_at"], ChangeOp::Delete),
                    now,
                )
                .await
            })
        },
    )
    .await
}

/// The organisations of `source` with these external ids, deleted ones included.
async fn find_by_external_ids<C: ConnectionTrait>(
    db: &C,
    source: &str,
    external_ids: &[String],
) -> Result<Vec<organisation::Model>, StoreError> {
    let mut found = Vec::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(10_000) {
        found.extend(
            organisation::Entity::find()
                .filter(organisation::Column::Source.eq(source))
                .filter(organisation::Column::ExternalId.is_in(chunk.iter().cloned()))
                .all(db)
                .await
                .context("finding organisations by external id")?,
        );
    }
    Ok(found)
}

bulk_upsert! {
    /// Upserts organisations of `source` keyed by external id: every item is a whole record
    /// (absent fields take their defaults). Items equal to the stored record are left untouched.
    /// With `atomic`, one rejected item rejects the batch.
    OrganisationFields
}

/// The body of [`upsert`], inside its transaction: one query to find the stored records, one
/// per reference check, multi-row inserts for new records, the change log and the audit.
pub async fn upsert_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<OrganisationFields>,
) -> Result<Vec<ItemResult>, StoreError> {
    let now = Utc::now();
    let mut results: Vec<ItemResult> = Vec::with_capacity(items.len());
    let mut candidates: Vec<(usize, organisation::Model)> = Vec::with_capacity(items.len());
    let mut errors: HashMap<usize, Vec<UserError>> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, fields) in items.into_iter().enumerate() {
        let external_id = fields.external_id.clone().flatten().unwrap_or_default();
        results.push(ItemResult::unsettled(index, external_id.clone()));
        let mut model = blank(source.to_owned(), now);
        let mut item_errors = apply(fields, &mut model, true);
        match &model.external_id {
            None => item_errors.push(UserError::new(
                "externalId",
                "externalId is required in a bulk upsert (it is the key)".to_owned(),
                ErrorCode::BadUserInput,
            )),
            Some(key) => {
                if let Some(first) = seen.insert(key.clone(), index) {
                    item_errors.push(UserError::new(
                        "externalId",
                        format!("externalId {key:?} already appears in item {first}"),
                        ErrorCode::Conflict,
                    ));
                }
            }
        }
        if !item_errors.is_empty() {
            errors.insert(index, item_errors);
        }
        candidates.push((index, model));
    }
    let keys: Vec<String> = candidates.iter().filter_map(|(_, m)| m.external_id.clone()).collect();
    let stored: HashMap<String, organisation::Model> = find_by_external_ids(db, source, &keys)
        .await?
        .into_iter()
        .filter_map(|m| m.external_id.clone().map(|k| (k, m)))
        .collect();
    // Take the stored identity, so unchanged items compare equal.
    for (_, model) in &mut candidates {
        if let Some(old) = model.external_id.as_ref().and_then(|k| stored.get(k)) {
            model.id = old.id;
            model.created_at = old.created_at;
            model.updated_at = old.updated_at;
            model.version = old.version;
            model.diffusible = old.diffusible;
            model.name_search = searchable_name(&model.name, model.diffusible);
            model.resolved = old.resolved;
            model.sirene_ess_flag = old.sirene_ess_flag;
            model.societe_mission = old.societe_mission;
            model.headcount_band = old.headcount_band;
            model.headcount_year = old.headcount_year;
            model.employer = old.employer;
            model.company_category = old.company_category;
        }
    }
    settle_candidates(
        db,
        writer,
        candidates,
        |model| model.external_id.as_ref().and_then(|k| stored.get(k)),
        &mut errors,
        &mut results,
        now,
    )
    .await?;
    for (index, item_errors) in errors {
        results[index].user_errors = UserError::of_item(index, item_errors);
    }
    Ok(results)
}

/// The end of a bulk upsert of organisations: checks the references of the candidates without
/// errors (one query per kind), then settles each with its stored row (`stored_of`), a
/// changed row of a source the writer may not write being FORBIDDEN, and writes the audit and
/// change-log entries. Errors found are added to `errors` (field names without prefix), for
/// the caller to put in `results`.
pub(super) async fn settle_candidates<'s, C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    candidates: Vec<(usize, organisation::Model)>,
    stored_of: impl Fn(&organisation::Model) -> Option<&'s organisation::Model>,
    errors: &mut HashMap<usize, Vec<UserError>>,
    results: &mut [ItemResult],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let checked: Vec<(usize, &organisation::Model)> = candidates
        .iter()
        .filter(|(index, _)| !errors.contains_key(index))
        .map(|(index, model)| (*index, model))
        .collect();
    check_references(db, &checked, errors).await?;
    let mut settled = Settlement::<organisation::Entity>::new();
    for (index, model) in candidates {
        if errors.contains_key(&index) {
            continue;
        }
        let old = stored_of(&model);
        if let Some(old) = old
            && *old != model
            && let Err(error) = writer.check_source("source", &old.source)
        {
            errors.insert(index, vec![error]);
            continue;
        }
        settled
            .item(db, (index, "organisation"), old, model, now, &mut results[index])
            .await?;
    }
    settled.finish(db, writer, now).await
}
