//! Partner writes of partnerships: bulk upsert keyed by `(source, externalId)`, each
//! partnership with its parties. Parties must be live organisations and the territory must
//! exist; both are checked in one query per batch.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{ChangeOp, PartnershipStatus, PartnershipType, PartyRole},
    organisation, partnership, partnership_party, territory,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    DbContext, StoreError, Synced, changes, insert_chunked,
    writes::{AuditEntry, Outcome, UserError, UserErrorCode, WriteOptions, Writer, audit},
    writes_organisations::{BulkResult, ItemResult, ItemStatus, changed_fields, run_bulk},
};
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

/// A partnership as sent by a partner: the whole record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnershipFields {
    /// Id in the writer's source: the key of the upsert.
    pub external_id: String,
    /// Kind of partnership.
    pub partnership_type: PartnershipType,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Start date.
    pub start_date: Option<NaiveDate>,
    /// End date (not before the start date).
    pub end_date: Option<NaiveDate>,
    /// Territory id (`COM:13055`, `EPCI:<siren>`, `DEP:13`, `REG:93`).
    pub territory_id: Option<String>,
    /// Amount in euro cents (not negative).
    pub amount_cents: Option<i64>,
    /// Status.
    pub status: PartnershipStatus,
    /// Parties, in order.
    pub parties: Vec<PartyFields>,
    /// Last update time in the source.
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// Upserts partnerships of `source` keyed by external id, replacing the parties of changed
/// ones. Items equal to the stored partnership and parties are UNCHANGED.
pub async fn upsert(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    items: Vec<PartnershipFields>,
    atomic: bool,
    options: &WriteOptions,
) -> Result<Outcome<BulkResult>, StoreError> {
    let writer_inner = writer.clone();
    run_bulk(db, writer, source, items.len(), atomic, options, move |txn, source| {
        Box::pin(async move { upsert_in(txn, &writer_inner, &source, items).await })
    })
    .await
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
    let stored: HashMap<String, partnership::Model> = partnership::Entity::find()
        .filter(partnership::Column::Source.eq(source))
        .filter(partnership::Column::ExternalId.is_in(keys.clone()))
        .all(db)
        .await
        .context("finding partnerships by external id")?
        .into_iter()
        .filter_map(|p| p.external_id.clone().map(|k| (k, p)))
        .collect();
    let stored_ids: Vec<Uuid> = stored.values().map(|p| p.id).collect();
    let mut stored_parties: HashMap<Uuid, Vec<partnership_party::Model>> = HashMap::new();
    if !stored_ids.is_empty() {
        for party in partnership_party::Entity::find()
            .filter(partnership_party::Column::PartnershipId.is_in(stored_ids))
            .all(db)
            .await
            .context("loading partnership parties")?
        {
            stored_parties.entry(party.partnership_id).or_default().push(party);
        }
    }
    let organisations: HashSet<Uuid> = items
        .iter()
        .flat_map(|i| i.parties.iter().map(|p| p.organisation_id))
        .collect();
    let live: HashSet<Uuid> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .filter(organisation::Column::Id.is_in(organisations))
        .filter(organisation::Column::DeletedAt.is_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await
        .context("checking parties")?
        .into_iter()
        .collect();
    let territories: HashSet<String> = items.iter().filter_map(|i| i.territory_id.clone()).collect();
    let known: HashSet<String> = territory::Entity::find()
        .select_only()
        .column(territory::Column::Id)
        .filter(territory::Column::Id.is_in(territories))
        .into_tuple::<String>()
        .all(db)
        .await
        .context("checking territories")?
        .into_iter()
        .collect();

    let mut results = Vec::with_capacity(items.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (mut inserts, mut new_parties, mut replaced, mut logged, mut audited) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (index, item) in items.into_iter().enumerate() {
        let key = item.external_id.trim().to_owned();
        let mut result = ItemResult {
            index,
            external_id: item.external_id.clone(),
            status: ItemStatus::Rejected,
            id: None,
            version: None,
            user_errors: Vec::new(),
        };
        let mut errors: Vec<UserError> = Vec::new();
        let mut invalid = |e: ValidationError| errors.push(e.into());
        if key.is_empty() || key.chars().count() > 200 {
            invalid(ValidationError::new(
                "externalId",
                key.clone(),
                "must have 1 to 200 characters",
            ));
        } else if let Some(first) = seen.insert(key.clone(), index) {
            errors.push(UserError::new(
                "externalId",
                format!("externalId {key:?} already appears in item {first}"),
                UserErrorCode::Conflict,
            ));
        }
        let name = item.name.trim().to_owned();
        if name.is_empty() {
            errors.push(UserError::new(
                "name",
                "name must not be empty".into(),
                UserErrorCode::BadUserInput,
            ));
        }
        if let (Some(start), Some(end)) = (item.start_date, item.end_date)
            && end < start
        {
            errors.push(
                ValidationError::new(
                    "endDate",
                    end.to_string(),
                    format!("must not be before startDate ({start})"),
                )
                .into(),
            );
        }
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
                UserErrorCode::NotFound,
            ));
        }
        let old = stored.get(&key);
        let id = old.map_or_else(Uuid::now_v7, |o| o.id);
        let mut parties = Vec::with_capacity(item.parties.len());
        for (position, party) in item.parties.iter().enumerate() {
            if !live.contains(&party.organisation_id) {
                errors.push(UserError::new(
                    &format!("parties.{position}.organisationId"),
                    format!("no live organisation has id {}", party.organisation_id),
                    UserErrorCode::NotFound,
                ));
            }
            if let (Some(joined), Some(left)) = (party.joined_on, party.left_on)
                && left < joined
            {
                errors.push(
                    ValidationError::new(
                        format!("parties.{position}.leftOn"),
                        left.to_string(),
                        format!("must not be before joinedOn ({joined})"),
                    )
                    .into(),
                );
            }
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
        if let Some(old) = old
            && let Err(error) = writer.check_source("source", &old.source)
        {
            errors.push(error);
        }
        if !errors.is_empty() {
            result.user_errors = errors.into_iter().map(|e| e.under(&format!("items.{index}"))).collect();
            results.push(result);
            continue;
        }
        let mut model = partnership::Model {
            id,
            partnership_type: item.partnership_type,
            name,
            description: item.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
            start_date: item.start_date,
            end_date: item.end_date,
            territory_id: item.territory_id,
            amount_cents: item.amount_cents,
            status: item.status,
            source: source.to_owned(),
            external_id: Some(key),
            source_updated_at: item.source_updated_at,
            created_at: old.map_or(now, |o| o.created_at),
            updated_at: old.map_or(now, |o| o.updated_at),
            deleted_at: None,
            version: old.map_or(1, |o| o.version),
        };
        result.id = Some(id);
        match old {
            None => {
                result.status = ItemStatus::Created;
                result.version = Some(1);
                logged.push((id, 1));
                audited.push(AuditEntry {
                    operation: "upsert",
                    entity: partnership::Model::ENTITY,
                    row_id: id,
                    changed_fields: changed_fields(None, &model),
                });
                new_parties.extend(parties);
                inserts.push(model.into_active_model());
            }
            Some(old) => {
                let mut old_keys: Vec<_> = stored_parties
                    .get(&id)
                    .map_or_else(Vec::new, |p| p.iter().map(party_key).collect());
                let mut new_keys: Vec<_> = parties.iter().map(party_key).collect();
                old_keys.sort();
                new_keys.sort();
                let parties_changed = old_keys != new_keys;
                if model == *old && !parties_changed {
                    result.status = ItemStatus::Unchanged;
                    result.version = Some(old.version);
                    results.push(result);
                    continue;
                }
                let mut fields = changed_fields(Some(old), &model);
                if parties_changed {
                    fields.push("parties");
                    replaced.push(id);
                    new_parties.extend(parties);
                }
                model.version = old.version + 1;
                model.updated_at = now;
                let version = model.version;
                let updated = partnership::Entity::update_many()
                    .set(model.into_active_model().reset_all())
                    .filter(partnership::Column::Id.eq(id))
                    .filter(partnership::Column::Version.eq(old.version))
                    .exec(db)
                    .await
                    .context("updating a partnership")?;
                if updated.rows_affected != 1 {
                    result.id = None;
                    result.user_errors = vec![
                        UserError::new(
                            "version",
                            format!("partnership {id} changed meanwhile: retry"),
                            UserErrorCode::Conflict,
                        )
                        .under(&format!("items.{index}")),
                    ];
                    if parties_changed {
                        replaced.pop();
                        new_parties.retain(|p| p.partnership_id != id);
                    }
                    results.push(result);
                    continue;
                }
                result.status = ItemStatus::Updated;
                result.version = Some(version);
                logged.push((id, version));
                audited.push(AuditEntry {
                    operation: "upsert",
                    entity: partnership::Model::ENTITY,
                    row_id: id,
                    changed_fields: fields,
                });
            }
        }
        results.push(result);
    }
    if !replaced.is_empty() {
        partnership_party::Entity::delete_many()
            .filter(partnership_party::Column::PartnershipId.is_in(replaced))
            .exec(db)
            .await
            .context("replacing partnership parties")?;
    }
    insert_chunked(db, inserts).await.context("inserting partnerships")?;
    insert_chunked(
        db,
        new_parties
            .into_iter()
            .map(IntoActiveModel::into_active_model)
            .collect(),
    )
    .await
    .context("inserting partnership parties")?;
    audit(db, writer, now, audited).await?;
    changes::append(db, partnership::Model::ENTITY, ChangeOp::Upsert, logged)
        .await
        .context("logging changes")?;
    Ok(results)
}
