//! Partner writes of public contracts: bulk upsert keyed by `(source, externalId)`, each
//! contract with its initial suppliers. Buyers and suppliers are named by SIRET and must be
//! known establishments; distances and locality levels are computed as at import. Lookups are
//! batched: one query each for the stored contracts, their suppliers, the national keys
//! (`uid`), the establishments and their territories, then multi-row inserts. Importers may
//! also give the rest of the published record (`details`): its other supplier identifiers and
//! modifications are child rows replaced like the suppliers, and its execution place is
//! resolved to a territory.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    contract, contract_supplier,
    enums::{IdScheme, LocalityLevel},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    bulk::bulk_upsert,
    placing::{Places, establishments_by_siret},
    record::{all_checked, external_id_taken, only, run_create, run_update, with_stored},
    result::{ItemResult, Outcome, UserError, Written},
    settle::Settlement,
    transaction::{Attempt, WriteOptions},
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

/// The field and bulk upsert named when an external id is taken.
const TAKEN: (&str, &str) = ("externalId", "upsertContracts");
pub(crate) use super::contract_fields::contract_fields;
pub use super::contract_fields::{
    ContractDetails, ContractFields, ContractPatch, ModificationFields, QualityFlag, StoredContract,
    SupplierIdentifier, validated_row,
};
use super::{contract_children::*, contract_fields::*, contract_places::*};
bulk_upsert! {
    /// Upserts contracts of `source` keyed by external id (see [`upsert_in`]).
    ContractFields
}

/// The body of [`upsert`], inside its transaction. Items equal to the stored contract (and
/// its initial suppliers) are UNCHANGED: no version bump, no change-log entry.
pub async fn upsert_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<ContractFields>,
) -> Result<Vec<ItemResult>, StoreError> {
    let now = Utc::now();
    let keys: Vec<String> = items
        .iter()
        .map(|i| i.external_id.as_deref().unwrap_or_default().trim().to_owned())
        .collect();
    let stored: HashMap<String, contract::Model> = contract::Entity::find()
        .filter(contract::Column::Source.eq(source))
        .filter(contract::Column::ExternalId.is_in(keys.clone()))
        .all(db)
        .await
        .context("finding contracts by external id")?
        .into_iter()
        .filter_map(|c| c.external_id.clone().map(|k| (k, c)))
        .collect();
    let stored_suppliers = suppliers_of(db, stored.values().map(|c| c.id).collect()).await?;
    let detailed: Vec<Uuid> = keys
        .iter()
        .zip(&items)
        .filter(|(_, item)| item.details.is_some())
        .filter_map(|(key, _)| stored.get(key).map(|c| c.id))
        .collect();
    let stored_modifications = modifications_of(db, detailed).await?;
    let external_ids: Vec<String> = items
        .iter()
        .map(|i| i.external_id.clone().unwrap_or_default())
        .collect();
    let checked = check(db, writer, source, with_stored(&keys, &stored, items), false, now).await?;
    let split = |checked: CheckedContract, old: Option<&contract::Model>| {
        let changed = checked.children_changed(
            old.and_then(|o| stored_suppliers.get(&o.id)),
            old.and_then(|o| stored_modifications.get(&o.id)),
        );
        (checked.model, changed, (checked.suppliers, checked.modifications))
    };
    let add = |children: &mut Children, result: &ItemResult, old: Option<&contract::Model>, changed: &[_], rows| {
        let (suppliers, modifications) = rows;
        children.add(result, old.is_some(), changed, suppliers, modifications);
    };
    let items = (keys.as_slice(), external_ids, checked);
    Settlement::<contract::Entity>::new()
        .items_with_children(db, writer, ("contract", now), items, &stored, (split, add))
        .await
}

/// Checks contracts, each with its stored record (`None` for a new one), and builds the rows
/// to write: validation of each item, then one query each for the national keys, the
/// establishments and their territories. A stored contract keeps the fields the input does not
/// carry. With `keep_suppliers`, `supplierSirets` is ignored and the stored suppliers stay.
/// Errors name the fields without the `items.<i>` prefix.
async fn check<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<(Option<&contract::Model>, ContractFields)>,
    keep_suppliers: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Result<CheckedContract, Vec<UserError>>>, StoreError> {
    let mut checked: Vec<Result<CheckedContract, Vec<UserError>>> = Vec::with_capacity(items.len());
    let mut valid: Vec<(usize, Option<&contract::Model>, Validated)> = Vec::with_capacity(items.len());
    let mut seen_keys: HashMap<String, usize> = HashMap::new();
    let mut seen_uids: HashMap<String, usize> = HashMap::new();
    for (index, (old, fields)) in items.into_iter().enumerate() {
        checked.push(Err(Vec::new()));
        let blank = blank(old.map_or(source, |o| o.source.as_str()), now);
        let key_required = old.is_none_or(|o| o.external_id.is_some());
        match validate(fields, blank, key_required) {
            Ok(mut item) => {
                if keep_suppliers {
                    item.suppliers.clear();
                }
                let key = item.model.external_id.clone().unwrap_or_default();
                let mut duplicate = Vec::new();
                if let Some(first) = seen_keys.insert(key.clone(), index) {
                    duplicate.push(UserError::new(
                        "externalId",
                        format!("externalId {key:?} already appears in item {first}"),
                        ErrorCode::Conflict,
                    ));
                }
                if let Some(first) = seen_uids.insert(item.model.uid.clone(), index) {
                    duplicate.push(UserError::new(
                        "buyerInternalId",
                        format!(
                            "buyer {} and id {:?} already appear in item {first}",
                            item.model.buyer_siret, item.model.buyer_internal_id
                        ),
                        ErrorCode::Conflict,
                    ));
                }
                if duplicate.is_empty() {
                    valid.push((index, old, item));
                } else {
                    checked[index] = Err(duplicate);
                }
            }
            Err(errors) => checked[index] = Err(errors),
        }
    }

    // Batched lookups.
    let uids: Vec<String> = valid.iter().map(|(_, _, v)| v.model.uid.clone()).collect();
    let uid_holders: HashMap<String, (Uuid, String)> = if uids.is_empty() {
        HashMap::new()
    } else {
        contract::Entity::find()
            .select_only()
            .columns([contract::Column::Uid, contract::Column::Id, contract::Column::Source])
            .filter(contract::Column::Uid.is_in(uids))
            .into_tuple::<(String, Uuid, String)>()
            .all(db)
            .await
            .context("checking contract keys")?
            .into_iter()
            .map(|(uid, id, source)| (uid, (id, source)))
            .collect()
    };
    let sirets: HashSet<String> = valid
        .iter()
        .flat_map(|(_, _, v)| std::iter::once(v.model.buyer_siret.clone()).chain(v.suppliers.iter().cloned()))
        .collect();
    let establishments = establishments_by_siret(db, sirets).await?;
    let placed = Places::load(db, establishments.values()).await?;

    let places = ExecPlaces::load(db, valid.iter().map(|(_, _, v)| &v.model)).await?;

    for (index, old, item) in valid {
        let Validated {
            mut model,
            suppliers,
            details,
        } = item;
        model.exec_territory_id = places.resolve(&model);
        let mut errors = Vec::new();
        let buyer = establishments.get(&model.buyer_siret);
        match buyer {
            Some(buyer) => {
                model.buyer_establishment_id = Some(buyer.id);
                model.buyer_organisation_id = Some(buyer.organisation_id);
            }
            None => errors.push(UserError::new(
                "buyerSiret",
                format!("no known establishment has SIRET {}", model.buyer_siret),
                ErrorCode::NotFound,
            )),
        }
        if let Some((holder, holder_source)) = uid_holders.get(&model.uid)
            && old.is_none_or(|old| old.id != *holder)
        {
            errors.push(UserError::new(
                "buyerInternalId",
                format!(
                    "contract {} (buyer {} id {:?}) already exists, from source {holder_source:?}",
                    model.uid, model.buyer_siret, model.buyer_internal_id
                ),
                ErrorCode::Conflict,
            ));
        }
        let id = old.map_or(model.id, |o| o.id);
        let mut rows = Vec::with_capacity(suppliers.len());
        for (position, siret) in suppliers.iter().enumerate() {
            let Some(site) = establishments.get(siret) else {
                errors.push(UserError::new(
                    &format!("suppliers.{position}"),
                    format!("no known establishment has SIRET {siret}"),
                    ErrorCode::NotFound,
                ));
                continue;
            };
            let (distance, locality) = match buyer {
                Some(buyer) => placed.proximity(buyer, site),
                None => (None, LocalityLevel::Unknown),
            };
            rows.push(contract_supplier::Model {
                id: Uuid::now_v7(),
                contract_id: id,
                position: i16::try_from(position).unwrap_or(i16::MAX),
                id_scheme: IdScheme::Siret,
                id_value: siret.clone(),
                establishment_id: Some(site.id),
                organisation_id: Some(site.organisation_id),
                from_modification: 0,
                distance_km: distance,
                locality_level: locality,
                created_at: now,
            });
        }
        let (other_suppliers, modifications) = details
            .map(|d| (d.other_suppliers, Some(d.modifications)))
            .unwrap_or_default();
        for (offset, other) in other_suppliers.into_iter().enumerate() {
            let locality = match other.scheme {
                IdScheme::HorsUe => LocalityLevel::Foreign,
                IdScheme::Tva if !other.value.to_ascii_uppercase().starts_with("FR") => LocalityLevel::Foreign,
                _ => LocalityLevel::Unknown,
            };
            rows.push(contract_supplier::Model {
                id: Uuid::now_v7(),
                contract_id: id,
                position: i16::try_from(suppliers.len() + offset).unwrap_or(i16::MAX),
                id_scheme: other.scheme,
                id_value: other.value,
                establishment_id: None,
                organisation_id: None,
                from_modification: 0,
                distance_km: None,
                locality_level: locality,
                created_at: now,
            });
        }
        let modifications = modifications.map(|rows| {
            rows.into_iter()
                .map(|mut row| {
                    row.contract_id = id;
                    row
                })
                .collect::<Vec<_>>()
        });
        if let Some(old) = old
            && let Err(error) = writer.check_source("source", &old.source)
        {
            errors.push(error);
        }
        if !errors.is_empty() {
            checked[index] = Err(errors);
            continue;
        }
        let model = match old {
            None => model,
            Some(old) => {
                // Fields the input does not carry keep their stored values.
                let mut candidate = old.clone();
                candidate.uid = model.uid;
                candidate.buyer_internal_id = model.buyer_internal_id;
                candidate.kind = model.kind;
                candidate.object = model.object;
                candidate.cpv_code = model.cpv_code;
                candidate.cpv_division = model.cpv_division;
                candidate.purchase_type = model.purchase_type;
                candidate.procedure = model.procedure;
                candidate.notified_on = model.notified_on;
                candidate.duration_months = model.duration_months;
                candidate.current_duration_months = model.current_duration_months;
                candidate.amount_cents = model.amount_cents;
                candidate.current_amount_cents = model.current_amount_cents;
                candidate.social_clause = model.social_clause;
                candidate.social_criterion = model.social_criterion;
                candidate.reserved = model.reserved;
                candidate.env_clause = model.env_clause;
                candidate.env_criterion = model.env_criterion;
                candidate.buyer_siret = model.buyer_siret;
                candidate.buyer_establishment_id = model.buyer_establishment_id;
                candidate.buyer_organisation_id = model.buyer_organisation_id;
                candidate.external_id = model.external_id;
                candidate.source_updated_at = model.source_updated_at;
                candidate.deleted_at = None;
                // The rest of the published record replaces the stored one only when given
                // (`modifications` is given exactly when `details` is).
                if modifications.is_some() {
                    candidate.nature = model.nature;
                    candidate.published_on = model.published_on;
                    candidate.exec_place_code = model.exec_place_code;
                    candidate.exec_place_type = model.exec_place_type;
                    candidate.exec_territory_id = model.exec_territory_id;
                    candidate.techniques = model.techniques;
                    candidate.execution_modes = model.execution_modes;
                    candidate.framework_uid = model.framework_uid;
                    candidate.innovative = model.innovative;
                    candidate.ccag = model.ccag;
                    candidate.offers_received = model.offers_received;
                    candidate.advance = model.advance;
                    candidate.advance_rate = model.advance_rate;
                    candidate.grouping_type = model.grouping_type;
                    candidate.subcontracting_declared = model.subcontracting_declared;
                    candidate.price_form = model.price_form;
                    candidate.price_types = model.price_types;
                    candidate.origin_eu = model.origin_eu;
                    candidate.origin_fr = model.origin_fr;
                    candidate.social_considerations = model.social_considerations;
                    candidate.environmental_considerations = model.environmental_considerations;
                    candidate.signed_on = model.signed_on;
                    candidate.exec_start_on = model.exec_start_on;
                    candidate.public_subsidy_cents = model.public_subsidy_cents;
                    candidate.quality_flags = model.quality_flags;
                }
                candidate
            }
        };
        checked[index] = Ok(CheckedContract {
            model,
            suppliers: (!keep_suppliers).then_some(rows),
            modifications,
        });
    }
    Ok(checked)
}

/// Settles one checked contract of a single-record write, with its suppliers.
async fn settle_one<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    (operation, old): (&'static str, Option<&contract::Model>),
    checked: Result<CheckedContract, Vec<UserError>>,
    errors: Vec<UserError>,
    now: DateTime<Utc>,
) -> Result<Attempt<Written>, StoreError> {
    let checked = match all_checked(checked, errors) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Attempt::reject(errors)),
    };
    let ids = old.map(|o| vec![o.id]).unwrap_or_default();
    let stored = suppliers_of(db, ids.clone()).await?;
    // Single-record writes carry no modifications: the stored ones are read only when given.
    let stored_modifications = if checked.modifications.is_some() {
        modifications_of(db, ids).await?
    } else {
        HashMap::new()
    };
    let changed = checked.children_changed(
        old.and_then(|o| stored.get(&o.id)),
        old.and_then(|o| stored_modifications.get(&o.id)),
    );
    let settled = Settlement::<contract::Entity>::for_operation(operation);
    let (suppliers, modifications) = (checked.suppliers, checked.modifications);
    settled
        .record_with_children(
            db,
            writer,
            ("contract", old),
            (checked.model, &changed),
            now,
            |result| {
                let mut children = Children::default();
                children.add(result, old.is_some(), &changed, suppliers, modifications);
                children
            },
        )
        .await
}

/// Creates a contract of `source` (the key's source when `None`) with its initial suppliers,
/// checked as in [`upsert`]; its external id must not be in use in that source.
pub async fn create(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    fields: ContractFields,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    run_create(db, writer, options, source, move |txn, writer, source, now| {
        Box::pin(async move {
            let key = fields.external_id.as_deref();
            let taken = external_id_taken::<contract::Entity, _>(txn, &source, key, None, TAKEN).await?;
            let checked = only(check(txn, &writer, &source, vec![(None, fields)], false, now).await?);
            settle_one(
                txn,
                &writer,
                ("create", None),
                checked,
                taken.into_iter().collect(),
                now,
            )
            .await
        })
    })
    .await
}

/// Updates the given fields of contract `id` (its initial suppliers when given), checked as in
/// [`upsert`]; `expected_version`, when given, must be its current version. The amount and
/// duration after modifications follow the initial ones only when those are changed.
pub async fn update(
    db: &DatabaseConnection,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    patch: ContractPatch,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let target = (id, expected_version);
    run_update::<contract::Entity>(db, writer, options, target, "contract", move |txn, writer, old, now| {
        Box::pin(async move {
            let keep_suppliers = patch.supplier_sirets.is_none();
            let (keep_amount, keep_duration) = (patch.amount.is_none(), patch.duration_months.is_none());
            let fields = patch.applied_to(&StoredContract::new(&old));
            let (key, stored) = (fields.external_id.as_deref(), Some((id, old.external_id.as_deref())));
            let taken = external_id_taken::<contract::Entity, _>(txn, &old.source, key, stored, TAKEN).await?;
            let mut checked = only(
                check(
                    txn,
                    &writer,
                    &old.source,
                    vec![(Some(&old), fields)],
                    keep_suppliers,
                    now,
                )
                .await?,
            );
            if let Ok(checked) = &mut checked {
                if keep_amount {
                    checked.model.current_amount_cents = old.current_amount_cents;
                }
                if keep_duration {
                    checked.model.current_duration_months = old.current_duration_months;
                }
            }
            settle_one(
                txn,
                &writer,
                ("update", Some(&old)),
                checked,
                taken.into_iter().collect(),
                now,
            )
            .await
        })
    })
    .await
}

/// The source update time of the stored contracts with these national keys (`uid`), so an
/// importer can leave a stored contract alone when the record it reads is an older
/// publication of it.
pub async fn source_updated_by_uid<C: ConnectionTrait>(
    db: &C,
    uids: Vec<String>,
) -> Result<HashMap<String, Option<DateTime<Utc>>>, StoreError> {
    if uids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(contract::Entity::find()
        .select_only()
        .columns([contract::Column::Uid, contract::Column::SourceUpdatedAt])
        .filter(contract::Column::Uid.is_in(uids))
        .into_tuple::<(String, Option<DateTime<Utc>>)>()
        .all(db)
        .await
        .context("reading contract publication times")?
        .into_iter()
        .collect())
}
