//! Partner writes of partnerships: bulk upsert keyed by `(source, externalId)`, each
//! partnership with its parties. Parties must be live organisations and the territory must
//! exist; both are checked in one query per batch.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{enums::PartyRole, partnership, partnership_party};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    bulk::bulk_upsert,
    fields::{
        ItemKey, check_provenance, checked_row, known_territories, live_organisations, no_live_organisation, not_before,
    },
    record::{all_checked, external_id_taken, only, run_create, run_update, stored_by_external_id, with_stored},
    result::{ItemResult, ItemStatus, Outcome, UserError, Written},
    settle::{ChildRows, Settlement},
    transaction::{Attempt, WriteOptions},
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, insert_chunked},
};

/// The field and bulk upsert named when an external id is taken.
const TAKEN: (&str, &str) = ("externalId", "upsertPartnerships");
use crate::domain::ValidationError;

/// One party of a partnership as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartyFields {
    /// The organisation (a live one).
    pub organisation_id: Uuid,
    /// Its role.
    pub role: PartyRole,
    /// When it joined.
    pub joined_on: Option<NaiveDate>,
    /// When it left (not before it joined).
    pub left_on: Option<NaiveDate>,
}

super::declare::declare_fields! {
    $
    /// The fields of a partnership, declared once (see [`declare`](super::declare)): the store's
    /// [`PartnershipFields`] and [`PartnershipPatch`] here, the GraphQL inputs in the mutation
    /// layer.
    partnership_fields => store_types;
    /// A partnership as sent by a partner: the whole record, with its parties.
    PartnershipFields, PartnershipPatch of StoredPartnership<'_> {
        /// Kind of partnership.
        partnership_type: (required enum PartnershipType),
        /// Name.
        name: (required String),
        /// Description.
        description: (optional String),
        /// Start date.
        start_date: (optional NaiveDate),
        /// End date, not before `startDate`.
        end_date: (optional NaiveDate),
        /// Territory key: `COM:13055`, `EPCI:200054807`, `DEP:13` or `REG:93`.
        territory_id: (optional String),
        /// Amount in euros (not negative, at most 2 decimals).
        amount_cents: (optional cents named amount),
        /// Status (active by default).
        #[patch = "Status."]
        status: (defaulted enum PartnershipStatus = Active),
        /// Parties, in order.
        #[patch = "Every party, in order: replaces the stored parties (absent: they are kept)."]
        parties: (children PartyFields from PartyInput),
        /// Last update time of the record in its source.
        source_updated_at: (optional DateTime<Utc>),
    }
}

/// A stored partnership with its parties, as a patch applies to it.
pub struct StoredPartnership<'a> {
    /// The partnership's row.
    row: &'a partnership::Model,
    /// Its parties, in order.
    parties: Vec<PartyFields>,
}

impl std::ops::Deref for StoredPartnership<'_> {
    type Target = partnership::Model;

    fn deref(&self) -> &partnership::Model {
        self.row
    }
}

impl<'a> StoredPartnership<'a> {
    fn new(row: &'a partnership::Model, parties: &[partnership_party::Model]) -> Self {
        let parties = parties
            .iter()
            .map(|p| PartyFields {
                organisation_id: p.organisation_id,
                role: p.role,
                joined_on: p.joined_on,
                left_on: p.left_on,
            })
            .collect();
        Self { row, parties }
    }
}

bulk_upsert! {
    /// Upserts partnerships of `source` keyed by external id, replacing the parties of changed
    /// ones. Items equal to the stored partnership and parties are UNCHANGED.
    PartnershipFields
}

fn party_key(party: &partnership_party::Model) -> (Uuid, String, Option<NaiveDate>, Option<NaiveDate>) {
    use sea_orm::ActiveEnum;
    (
        party.organisation_id,
        party.role.to_value(),
        party.joined_on,
        party.left_on,
    )
}

/// The body of [`upsert`], inside its transaction.
pub async fn upsert_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<PartnershipFields>,
) -> Result<Vec<ItemResult>, StoreError> {
    let now = Utc::now();
    let keys: Vec<String> = items.iter().map(|i| i.external_id.trim().to_owned()).collect();
    let stored =
        stored_by_external_id::<partnership::Entity, _>(db, source, &keys, "finding partnerships by external id")
            .await?;
    let stored_ids: Vec<Uuid> = stored.values().map(|p| p.id).collect();
    let stored_parties = parties_of(db, stored_ids).await?;
    let external_ids: Vec<String> = items.iter().map(|i| i.external_id.clone()).collect();
    let checked = check(db, writer, source, with_stored(&keys, &stored, items), now).await?;
    let split = |(model, parties): CheckedPartnership, old: Option<&partnership::Model>| {
        let changed = parties_changed(old.and_then(|o| stored_parties.get(&o.id)), &parties);
        (model, changed.into_iter().collect(), parties)
    };
    let add =
        |children: &mut Children, result: &ItemResult, old: Option<&partnership::Model>, changed: &[_], parties| {
            children.add(result, old.is_some() && !changed.is_empty(), parties);
        };
    let items = (keys.as_slice(), external_ids, checked);
    Settlement::<partnership::Entity>::new()
        .items_with_children(db, writer, ("partnership", now), items, &stored, (split, add))
        .await
}

/// The stored parties of these partnerships.
async fn parties_of<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<partnership_party::Model>>, StoreError> {
    let mut parties: HashMap<Uuid, Vec<partnership_party::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(parties);
    }
    for party in partnership_party::Entity::find()
        .filter(partnership_party::Column::PartnershipId.is_in(ids))
        .all(db)
        .await
        .context("loading partnership parties")?
    {
        parties.entry(party.partnership_id).or_default().push(party);
    }
    Ok(parties)
}

/// `Some("parties")` when `new` differs from the stored parties (order aside).
fn parties_changed(
    stored: Option<&Vec<partnership_party::Model>>,
    new: &[partnership_party::Model],
) -> Option<&'static str> {
    let mut old_keys: Vec<_> = stored.map_or_else(Vec::new, |p| p.iter().map(party_key).collect());
    let mut new_keys: Vec<_> = new.iter().map(party_key).collect();
    old_keys.sort();
    new_keys.sort();
    (old_keys != new_keys).then_some("parties")
}

/// Party rows to write once the partnerships are settled: those of created partnerships,
/// and the replacements of the parties of updated ones.
#[derive(Default)]
struct Children {
    replaced: Vec<Uuid>,
    rows: Vec<partnership_party::Model>,
}

impl ChildRows for Children {
    /// Replaces the parties (call after the new partnerships are inserted).
    async fn write<C: ConnectionTrait>(self, db: &C) -> Result<(), StoreError> {
        if !self.replaced.is_empty() {
            partnership_party::Entity::delete_many()
                .filter(partnership_party::Column::PartnershipId.is_in(self.replaced))
                .exec(db)
                .await
                .context("replacing partnership parties")?;
        }
        insert_chunked(
            db,
            self.rows.into_iter().map(IntoActiveModel::into_active_model).collect(),
        )
        .await
        .context("inserting partnership parties")
    }
}

impl Children {
    /// Queues the parties of a settled partnership; `replace` when its stored ones go
    /// (nothing when it was unchanged or refused).
    fn add(&mut self, result: &ItemResult, replace: bool, parties: Vec<partnership_party::Model>) {
        let Some(id) = result.id else { return };
        match result.status {
            ItemStatus::Created => self.rows.extend(parties),
            ItemStatus::Updated if replace => {
                self.replaced.push(id);
                self.rows.extend(parties);
            }
            _ => {}
        }
    }
}

/// A checked partnership: its row and its party rows.
type CheckedPartnership = (partnership::Model, Vec<partnership_party::Model>);

/// Checks partnerships, each with its stored record (`None` for a new one), and builds the
/// rows to write; one query each for the parties and the territories. Errors name the fields
/// without the `items.<i>` prefix; an external id repeated in the batch is a CONFLICT.
async fn check<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<(Option<&partnership::Model>, PartnershipFields)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<CheckedPartnership, Vec<UserError>>>, StoreError> {
    let organisations: HashSet<Uuid> = items
        .iter()
        .flat_map(|(_, i)| i.parties.iter().map(|p| p.organisation_id))
        .collect();
    let live = live_organisations(db, organisations, "checking parties").await?;
    let territories: HashSet<String> = items.iter().filter_map(|(_, i)| i.territory_id.clone()).collect();
    let known = known_territories(db, territories, "checking territories").await?;

    let mut checked = Vec::with_capacity(items.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, (old, item)) in items.into_iter().enumerate() {
        let key = ItemKey::new(&item.external_id, old.map(|o| o.external_id.as_deref()));
        let mut errors: Vec<UserError> = key.check(&mut seen, index).into_iter().collect();
        let name = item.name.trim().to_owned();
        if name.is_empty() {
            errors.push(UserError::new(
                "name",
                "name must not be empty".into(),
                ErrorCode::BadUserInput,
            ));
        }
        errors.extend(not_before(("startDate", item.start_date), ("endDate", item.end_date)).map(Into::into));
        if let Some(cents) = item.amount_cents
            && cents < 0
        {
            errors.push(
                ValidationError::new("amount", format!("{}", cents as f64 / 100.0), "must not be negative").into(),
            );
        }
        if let Some(territory) = &item.territory_id
            && !known.contains(territory)
        {
            errors.push(UserError::new(
                "territoryId",
                format!("unknown territory {territory:?} (expected an id like \"COM:13055\", \"DEP:13\", \"REG:93\" or \"EPCI:<siren>\")"),
                ErrorCode::NotFound,
            ));
        }
        let id = old.map_or_else(Uuid::now_v7, |o| o.id);
        let mut parties = Vec::with_capacity(item.parties.len());
        for (position, party) in item.parties.iter().enumerate() {
            if !live.contains(&party.organisation_id) {
                errors.push(no_live_organisation(
                    &format!("parties.{position}.organisationId"),
                    party.organisation_id,
                ));
            }
            let left_on = (format!("parties.{position}.leftOn"), party.left_on);
            errors.extend(not_before(("joinedOn", party.joined_on), left_on).map(Into::into));
            parties.push(partnership_party::Model {
                id: Uuid::now_v7(),
                partnership_id: id,
                organisation_id: party.organisation_id,
                role: party.role,
                joined_on: party.joined_on,
                left_on: party.left_on,
                created_at: now,
            });
        }
        check_provenance(
            writer,
            old.map(|o| o.source.as_str()),
            item.source_updated_at,
            now,
            &mut errors,
        );
        if !errors.is_empty() {
            checked.push(Err(errors));
            continue;
        }
        let model = checked_row!(
            partnership::Model {
                id,
                partnership_type: item.partnership_type,
                name,
                description: item.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
                start_date: item.start_date,
                end_date: item.end_date,
                territory_id: item.territory_id,
                amount_cents: item.amount_cents,
                status: item.status,
            },
            provenance: (old, source, key, item.source_updated_at, now),
        );
        checked.push(Ok((model, parties)));
    }
    Ok(checked)
}

/// Settles one checked partnership of a single-record write, with its parties.
async fn settle_one<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    (operation, old, stored_parties): (&'static str, Option<&partnership::Model>, &[partnership_party::Model]),
    checked: Result<CheckedPartnership, Vec<UserError>>,
    errors: Vec<UserError>,
    now: DateTime<Utc>,
) -> Result<Attempt<Written>, StoreError> {
    let (model, parties) = match all_checked(checked, errors) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Attempt::reject(errors)),
    };
    let changed = parties_changed(old.map(|_| stored_parties.to_vec()).as_ref(), &parties);
    let settled = Settlement::<partnership::Entity>::for_operation(operation);
    let replace = old.is_some() && changed.is_some();
    settled
        .record_with_children(
            db,
            writer,
            ("partnership", old),
            (model, changed.as_slice()),
            now,
            |result| {
                let mut children = Children::default();
                children.add(result, replace, parties);
                children
            },
        )
        .await
}

/// Creates a partnership of `source` (the key's source when `None`) with its parties,
/// checked as in [`upsert`]; its external id must not be in use in that source.
pub async fn create(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    fields: PartnershipFields,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    run_create(db, writer, options, source, move |txn, writer, source, now| {
        Box::pin(async move {
            let key = Some(fields.external_id.as_str());
            let taken = external_id_taken::<partnership::Entity, _>(txn, &source, key, None, TAKEN).await?;
            let checked = only(check(txn, &writer, &source, vec![(None, fields)], now).await?);
            let errors = taken.into_iter().collect();
            settle_one(txn, &writer, ("create", None, &[]), checked, errors, now).await
        })
    })
    .await
}

/// Updates the given fields of partnership `id` (its parties when given), checked as in
/// [`upsert`]; `expected_version`, when given, must be its current version.
pub async fn update(
    db: &DatabaseConnection,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    patch: PartnershipPatch,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let target = (id, expected_version);
    run_update::<partnership::Entity>(
        db,
        writer,
        options,
        target,
        "partnership",
        move |txn, writer, old, now| {
            Box::pin(async move {
                let stored_parties = parties_of(txn, vec![id]).await?.remove(&id).unwrap_or_default();
                let fields = patch.applied_to(&StoredPartnership::new(&old, &stored_parties));
                let (key, stored) = (
                    Some(fields.external_id.as_str()),
                    Some((id, old.external_id.as_deref())),
                );
                let taken = external_id_taken::<partnership::Entity, _>(txn, &old.source, key, stored, TAKEN).await?;
                let checked = only(check(txn, &writer, &old.source, vec![(Some(&old), fields)], now).await?);
                let errors = taken.into_iter().collect();
                settle_one(
                    txn,
                    &writer,
                    ("update", Some(&old), &stored_parties),
                    checked,
                    errors,
                    now,
                )
                .await
            })
        },
    )
    .await
}
