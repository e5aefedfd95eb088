//! Partner writes of public contracts: bulk upsert keyed by `(source, externalId)`, each
//! contract with its initial suppliers. Buyers and suppliers are named by SIRET and must be
//! known establishments; distances and locality levels are computed as at import. Lookups are
//! batched: one query each for the stored contracts, their suppliers, the national keys
//! (`uid`), the establishments and their territories, then multi-row inserts. Importers may
//! also give the rest of the published record (`details`): its other supplier identifiers and
//! modifications are child rows replaced like the suppliers, and its execution place is
//! resolved to a territory.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    contract, contract_modification, contract_supplier,
    enums::{ContractKind, ExecPlaceType, IdScheme, LocalityLevel},
    establishment, postal_code_commune, territory,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    bulk::run_bulk,
    fields::check_source_updated_at,
    record::{external_id_taken, load_for_update, only},
    result::{BulkResult, ItemResult, ItemStatus, Outcome, Patch, UserError, Written},
    settle::Settlement,
    transaction::{Attempt, WriteOptions, run},
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, insert_chunked},
};

/// The field and bulk upsert named when an external id is taken.
const TAKEN: (&str, &str) = ("externalId", "upsertContracts");
use crate::domain::{
    CpvCode, Siret, ValidationError,
    geo::{GeoPoint, Placement, distance_km, locality_level},
};

/// A contract as sent by a partner, not yet validated: the whole record (absent fields take
/// their defaults).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContractFields {
    /// Id of the contract in the writer's source (the key of the upsert).
    pub external_id: Option<String>,
    /// SIRET of the buyer, a known establishment.
    pub buyer_siret: String,
    /// The buyer's own id of the contract, 1 to 16 characters.
    pub buyer_internal_id: String,
    /// Marché or concession.
    pub kind: Option<ContractKind>,
    /// Object.
    pub object: Option<String>,
    /// CPV code.
    pub cpv_code: Option<String>,
    /// Procedure as published.
    pub procedure: Option<String>,
    /// Notification date.
    pub notified_on: Option<NaiveDate>,
    /// Duration in months (positive).
    pub duration_months: Option<i32>,
    /// Amount excluding VAT, euros (not negative, at most 2 decimals).
    pub amount: Option<rust_decimal::Decimal>,
    /// Social clause.
    pub social_clause: bool,
    /// Social award criterion.
    pub social_criterion: bool,
    /// Reserved contract.
    pub reserved: bool,
    /// Environmental clause.
    pub env_clause: bool,
    /// Environmental award criterion.
    pub env_criterion: bool,
    /// SIRETs of the suppliers, in order, each a known establishment.
    pub supplier_sirets: Vec<String>,
    /// Last update time in the source.
    pub source_updated_at: Option<DateTime<Utc>>,
    /// The rest of the published record (DECP importers); `None` keeps the stored values.
    #[serde(default)]
    pub details: Option<ContractDetails>,
}

/// The fields of a published DECP record beyond the core ones, as an importer reads them:
/// every one replaces the stored value when given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContractDetails {
    /// DECP `nature` as published.
    pub nature: Option<String>,
    /// Publication date of the data.
    pub published_on: Option<NaiveDate>,
    /// Execution place code as published.
    pub exec_place_code: Option<String>,
    /// Kind of that code; resolved to a territory when it is a postal code or a commune,
    /// département or région code.
    pub exec_place_type: Option<ExecPlaceType>,
    /// Techniques.
    pub techniques: Vec<String>,
    /// Execution modes.
    pub execution_modes: Vec<String>,
    /// The buyer's id of the parent framework agreement (same buyer).
    pub framework_id: Option<String>,
    /// Innovative contract.
    pub innovative: Option<bool>,
    /// CCAG of reference.
    pub ccag: Option<String>,
    /// Number of offers received.
    pub offers_received: Option<i32>,
    /// Whether an advance was granted.
    pub advance: Option<bool>,
    /// Advance rate, 0 to 1.
    pub advance_rate: Option<f64>,
    /// Grouping of operators.
    pub grouping_type: Option<String>,
    /// Whether subcontracting was declared.
    pub subcontracting_declared: Option<bool>,
    /// Price form.
    pub price_form: Option<String>,
    /// Price types.
    pub price_types: Vec<String>,
    /// Share of EU origin, 0 to 1.
    pub origin_eu: Option<f64>,
    /// Share of French origin, 0 to 1.
    pub origin_fr: Option<f64>,
    /// Social considerations as published.
    pub social_considerations: Vec<String>,
    /// Environmental considerations as published.
    pub environmental_considerations: Vec<String>,
    /// Concession: signature date.
    pub signed_on: Option<NaiveDate>,
    /// Concession: start of execution.
    pub exec_start_on: Option<NaiveDate>,
    /// Concession: public subsidy, euros.
    pub public_subsidy: Option<rust_decimal::Decimal>,
    /// Implausible values kept, each `{field, value, reason}`.
    pub quality_flags: Vec<QualityFlag>,
    /// Suppliers identified otherwise than by SIRET (VAT, foreign registers), after the
    /// SIRET ones; kept as identifiers, without an establishment.
    pub other_suppliers: Vec<SupplierIdentifier>,
    /// Modifications, in publication order; the last values given set the current amount
    /// and duration.
    pub modifications: Vec<ModificationFields>,
}

/// A value kept although implausible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityFlag {
    /// Field as published (`montant`, `dateNotification`).
    pub field: String,
    /// The value.
    pub value: String,
    /// Why it is implausible.
    pub reason: String,
}

/// A supplier identifier of another scheme than SIRET.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierIdentifier {
    /// Scheme (TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE).
    pub scheme: IdScheme,
    /// Value as published, trimmed.
    pub value: String,
}

/// One modification of a contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModificationFields {
    /// Sequence number (DECP `id`, else the position from 1).
    pub seq: i32,
    /// Notification (or signature) date of the modification.
    pub notified_on: Option<NaiveDate>,
    /// Publication date of the modification data.
    pub published_on: Option<NaiveDate>,
    /// New duration in months.
    pub new_duration_months: Option<i32>,
    /// New amount (or global value), euros.
    pub new_amount: Option<rust_decimal::Decimal>,
}

/// A blank contract of `source`.
fn blank(source: &str, now: DateTime<Utc>) -> contract::Model {
    let empty = serde_json::json!([]);
    contract::Model {
        id: Uuid::now_v7(),
        uid: String::new(),
        buyer_internal_id: String::new(),
        kind: ContractKind::PublicContract,
        nature: None,
        object: None,
        cpv_code: None,
        cpv_division: None,
        purchase_type: None,
        procedure: None,
        techniques: empty.clone(),
        execution_modes: empty.clone(),
        framework_uid: None,
        innovative: None,
        ccag: None,
        offers_received: None,
        advance: None,
        advance_rate: None,
        grouping_type: None,
        subcontracting_declared: None,
        exec_place_code: None,
        exec_place_type: None,
        exec_territory_id: None,
        duration_months: None,
        notified_on: None,
        published_on: None,
        amount_cents: None,
        price_form: None,
        price_types: empty.clone(),
        origin_eu: None,
        origin_fr: None,
        social_considerations: empty.clone(),
        environmental_considerations: empty.clone(),
        social_clause: false,
        social_criterion: false,
        reserved: false,
        env_clause: false,
        env_criterion: false,
        current_amount_cents: None,
        current_duration_months: None,
        buyer_siret: String::new(),
        buyer_establishment_id: None,
        buyer_organisation_id: None,
        signed_on: None,
        exec_start_on: None,
        public_subsidy_cents: None,
        quality_flags: empty,
        source: source.to_owned(),
        external_id: None,
        source_updated_at: None,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        version: 1,
    }
}

/// A validated item: the contract fields (buyer not yet resolved) and supplier SIRETs.
struct Validated {
    model: contract::Model,
    suppliers: Vec<String>,
    details: Option<ValidatedDetails>,
}

/// The validated details of an item: its other suppliers and modification rows (contract
/// id to be set).
struct ValidatedDetails {
    other_suppliers: Vec<SupplierIdentifier>,
    modifications: Vec<contract_modification::Model>,
}

/// Euro cents of `amount` (at most 2 decimals, not negative), or the reason it is invalid.
fn cents(amount: rust_decimal::Decimal) -> Result<i64, &'static str> {
    use rust_decimal::prelude::ToPrimitive;
    let cents = amount * rust_decimal::Decimal::from(100);
    if amount.is_sign_negative() && !amount.is_zero() {
        Err("must not be negative")
    } else if !cents.fract().is_zero() {
        Err("must have at most 2 decimals")
    } else {
        cents.to_i64().ok_or("is too large")
    }
}

/// Applies `details` onto `model`, validating the shares, rates and amounts.
fn apply_details(
    details: ContractDetails,
    model: &mut contract::Model,
    errors: &mut Vec<UserError>,
) -> ValidatedDetails {
    let mut invalid = |field: &str, value: String, reason: &str| {
        errors.push(ValidationError::new(field.to_owned(), value, reason.to_owned()).into());
    };
    let share = |value: Option<f64>| value.filter(|v| !(0.0..=1.0).contains(v));
    for (field, value) in [
        ("details.advanceRate", share(details.advance_rate)),
        ("details.originEu", share(details.origin_eu)),
        ("details.originFr", share(details.origin_fr)),
    ] {
        if let Some(value) = value {
            invalid(field, value.to_string(), "must be a share between 0 and 1");
        }
    }
    if let Some(offers) = details.offers_received
        && offers < 0
    {
        invalid("details.offersReceived", offers.to_string(), "must not be negative");
    }
    let text = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let list = |values: Vec<String>| serde_json::Value::from(values);
    model.nature = text(details.nature);
    model.published_on = details.published_on;
    model.exec_place_code = text(details.exec_place_code);
    model.exec_place_type = details.exec_place_type;
    model.techniques = list(details.techniques);
    model.execution_modes = list(details.execution_modes);
    model.framework_uid = text(details.framework_id).map(|id| format!("{}{id}", model.buyer_siret));
    model.innovative = details.innovative;
    model.ccag = text(details.ccag);
    model.offers_received = details.offers_received;
    model.advance = details.advance;
    model.advance_rate = details.advance_rate;
    model.grouping_type = text(details.grouping_type);
    model.subcontracting_declared = details.subcontracting_declared;
    model.price_form = text(details.price_form);
    model.price_types = list(details.price_types);
    model.origin_eu = details.origin_eu;
    model.origin_fr = details.origin_fr;
    model.social_considerations = list(details.social_considerations);
    model.environmental_considerations = list(details.environmental_considerations);
    model.signed_on = details.signed_on;
    model.exec_start_on = details.exec_start_on;
    if let Some(subsidy) = details.public_subsidy {
        match cents(subsidy) {
            Ok(cents) => model.public_subsidy_cents = Some(cents),
            Err(reason) => invalid("details.publicSubsidy", subsidy.to_string(), reason),
        }
    }
    model.quality_flags = serde_json::to_value(&details.quality_flags).unwrap_or_default();
    let mut modifications = Vec::with_capacity(details.modifications.len());
    let mut seqs = HashSet::new();
    for (position, modification) in details.modifications.into_iter().enumerate() {
        if !seqs.insert(modification.seq) {
            invalid(
                &format!("details.modifications.{position}.seq"),
                modification.seq.to_string(),
                "appears twice",
            );
            continue;
        }
        let new_amount_cents = match modification.new_amount.map(cents).transpose() {
            Ok(cents) => cents,
            Err(reason) => {
                invalid(
                    &format!("details.modifications.{position}.newAmount"),
                    modification.new_amount.unwrap_or_default().to_string(),
                    reason,
                );
                None
            }
        };
        if let Some(months) = modification.new_duration_months
            && months <= 0
        {
            invalid(
                &format!("details.modifications.{position}.newDurationMonths"),
                months.to_string(),
                "must be a positive number of months",
            );
        }
        if let Some(cents) = new_amount_cents {
            model.current_amount_cents = Some(cents);
        }
        if let Some(months) = modification.new_duration_months {
            model.current_duration_months = Some(months);
        }
        modifications.push(contract_modification::Model {
            id: Uuid::now_v7(),
            contract_id: model.id,
            seq: modification.seq,
            notified_on: modification.notified_on,
            published_on: modification.published_on,
            new_duration_months: modification.new_duration_months,
            new_amount_cents,
            created_at: model.created_at,
        });
    }
    let mut seen = HashSet::new();
    let other_suppliers = details
        .other_suppliers
        .into_iter()
        .map(|s| SupplierIdentifier {
            scheme: s.scheme,
            value: s.value.trim().to_owned(),
        })
        .filter(|s| !s.value.is_empty() && seen.insert((s.scheme, s.value.clone())))
        .collect();
    ValidatedDetails {
        other_suppliers,
        modifications,
    }
}

/// Validates `fields` onto `model`; the external id is required unless `key_required` is false
/// (a stored contract that has none, such as an imported one, may stay without).
fn validate(
    fields: ContractFields,
    mut model: contract::Model,
    key_required: bool,
) -> Result<Validated, Vec<UserError>> {
    let mut errors: Vec<UserError> = Vec::new();
    let mut check = |result: Result<(), ValidationError>| {
        if let Err(invalid) = result {
            errors.push(invalid.into());
        }
    };
    match fields
        .external_id
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
    {
        Some(id) if id.chars().count() <= 200 => model.external_id = Some(id),
        Some(id) => check(Err(ValidationError::new(
            "externalId",
            id,
            "must have at most 200 characters",
        ))),
        None if key_required => check(Err(ValidationError::new(
            "externalId",
            "",
            "is required (it is the key of upsertContracts)",
        ))),
        None => {}
    }
    check(
        Siret::parse(&fields.buyer_siret)
            .map_err(|e| e.with_field("buyerSiret"))
            .map(|siret| model.buyer_siret = siret.as_str().to_owned()),
    );
    let internal = fields.buyer_internal_id.trim();
    if internal.is_empty() || internal.chars().count() > 16 {
        check(Err(ValidationError::new(
            "buyerInternalId",
            internal,
            "must have 1 to 16 characters (DECP `id`)",
        )));
    } else {
        model.buyer_internal_id = internal.to_owned();
    }
    model.uid = format!("{}{}", model.buyer_siret, model.buyer_internal_id);
    model.kind = fields.kind.unwrap_or(ContractKind::PublicContract);
    model.object = fields.object.map(|o| o.trim().to_owned()).filter(|o| !o.is_empty());
    if let Some(object) = &model.object
        && object.chars().count() > 1000
    {
        check(Err(ValidationError::new(
            "object",
            object.clone(),
            "must have at most 1 000 characters",
        )));
    }
    if let Some(cpv) = fields.cpv_code.filter(|c| !c.trim().is_empty()) {
        check(CpvCode::parse(&cpv).map_err(|e| e.with_field("cpvCode")).map(|cpv| {
            model.cpv_division = Some(cpv.division().to_owned());
            model.purchase_type = Some(cpv.purchase_type());
            model.cpv_code = Some(cpv.as_str()[..8].to_owned());
        }));
    }
    model.procedure = fields.procedure.filter(|p| !p.trim().is_empty());
    model.notified_on = fields.notified_on;
    match fields.duration_months {
        Some(months) if months <= 0 => check(Err(ValidationError::new(
            "durationMonths",
            months.to_string(),
            "must be a positive number of months",
        ))),
        months => {
            model.duration_months = months;
            model.current_duration_months = months;
        }
    }
    if let Some(amount) = fields.amount {
        match cents(amount) {
            Ok(cents) => {
                model.amount_cents = Some(cents);
                model.current_amount_cents = Some(cents);
            }
            Err(reason) => check(Err(ValidationError::new("amount", amount.to_string(), reason))),
        }
    }
    model.social_clause = fields.social_clause;
    model.social_criterion = fields.social_criterion;
    model.reserved = fields.reserved;
    model.env_clause = fields.env_clause;
    model.env_criterion = fields.env_criterion;
    if let Err(error) = check_source_updated_at("sourceUpdatedAt", fields.source_updated_at, Utc::now()) {
        errors.push(error);
    }
    model.source_updated_at = fields.source_updated_at;
    let mut suppliers = Vec::with_capacity(fields.supplier_sirets.len());
    for (position, raw) in fields.supplier_sirets.iter().enumerate() {
        match Siret::parse(raw) {
            Ok(siret) => suppliers.push(siret.as_str().to_owned()),
            Err(invalid) => errors.push(UserError::from(invalid.with_field(format!("suppliers.{position}")))),
        }
    }
    let details = fields
        .details
        .map(|details| apply_details(details, &mut model, &mut errors));
    if errors.is_empty() {
        Ok(Validated {
            model,
            suppliers,
            details,
        })
    } else {
        Err(errors)
    }
}

/// The contract row an item validates to, before its buyer and suppliers are resolved, with
/// its supplier SIRETs (for benchmarks and tools that insert rows directly).
pub fn validated_row(source: &str, fields: ContractFields) -> Result<(contract::Model, Vec<String>), Vec<UserError>> {
    validate(fields, blank(source, Utc::now()), true).map(|v| (v.model, v.suppliers))
}

/// Upserts contracts of `source` keyed by external id (see [`upsert_in`]).
pub async fn upsert(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    items: Vec<ContractFields>,
    atomic: bool,
    options: &WriteOptions,
) -> Result<Outcome<BulkResult>, StoreError> {
    let writer_inner = writer.clone();
    run_bulk(db, writer, source, items.len(), atomic, options, move |txn, source| {
        Box::pin(async move { upsert_in(txn, &writer_inner, &source, items).await })
    })
    .await
}

/// Errors of item `index`, with fields under `items.<index>`.
fn prefixed(index: usize, errors: Vec<UserError>) -> Vec<UserError> {
    errors.into_iter().map(|e| e.under(&format!("items.{index}"))).collect()
}

/// The supplier rows of a contract, comparable across writes (ids and times left out).
fn supplier_key(row: &contract_supplier::Model) -> (i16, String, Option<Uuid>) {
    (row.position, row.id_value.clone(), row.establishment_id)
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
    let checked = check(
        db,
        writer,
        source,
        keys.iter().map(|key| stored.get(key)).zip(items).collect(),
        false,
        now,
    )
    .await?;
    let mut results = Vec::with_capacity(checked.len());
    let mut settled = Settlement::<contract::Entity>::new();
    let mut children = Children::default();
    for (index, (checked, external_id)) in checked.into_iter().zip(external_ids).enumerate() {
        let mut result = ItemResult {
            index,
            external_id,
            status: ItemStatus::Rejected,
            id: None,
            version: None,
            user_errors: Vec::new(),
        };
        match checked {
            Err(errors) => result.user_errors = prefixed(index, errors),
            Ok(checked) => {
                let old = stored.get(&keys[index]);
                let changed = checked.children_changed(
                    old.and_then(|o| stored_suppliers.get(&o.id)),
                    old.and_then(|o| stored_modifications.get(&o.id)),
                );
                settled
                    .settle(db, (index, "contract"), old, checked.model, now, &mut result, &changed)
                    .await?;
                children.add(
                    &result,
                    old.is_some(),
                    &changed,
                    checked.suppliers,
                    checked.modifications,
                );
            }
        }
        results.push(result);
    }
    settled.insert_new(db).await?;
    children.write(db).await?;
    settled.finish(db, writer, now).await?;
    Ok(results)
}

/// The initial suppliers (not brought by a modification) of these contracts.
async fn suppliers_of<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<contract_supplier::Model>>, StoreError> {
    let mut suppliers: HashMap<Uuid, Vec<contract_supplier::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(suppliers);
    }
    for row in contract_supplier::Entity::find()
        .filter(contract_supplier::Column::ContractId.is_in(ids))
        .filter(contract_supplier::Column::FromModification.eq(0))
        .all(db)
        .await
        .context("loading contract suppliers")?
    {
        suppliers.entry(row.contract_id).or_default().push(row);
    }
    Ok(suppliers)
}

/// The modifications of these contracts.
async fn modifications_of<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<contract_modification::Model>>, StoreError> {
    let mut modifications: HashMap<Uuid, Vec<contract_modification::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(modifications);
    }
    for row in contract_modification::Entity::find()
        .filter(contract_modification::Column::ContractId.is_in(ids))
        .all(db)
        .await
        .context("loading contract modifications")?
    {
        modifications.entry(row.contract_id).or_default().push(row);
    }
    Ok(modifications)
}

/// The modification rows of a contract, comparable across writes (ids and times left out).
fn modification_key(
    row: &contract_modification::Model,
) -> (i32, Option<NaiveDate>, Option<NaiveDate>, Option<i32>, Option<i64>) {
    (
        row.seq,
        row.notified_on,
        row.published_on,
        row.new_duration_months,
        row.new_amount_cents,
    )
}

/// A checked contract: its row, its initial supplier rows and its modification rows (`None`:
/// keep the stored ones).
struct CheckedContract {
    model: contract::Model,
    suppliers: Option<Vec<contract_supplier::Model>>,
    modifications: Option<Vec<contract_modification::Model>>,
}

impl CheckedContract {
    /// The child rows that differ from the stored ones: `suppliers` when the initial suppliers
    /// are given and differ, `modifications` when the modifications are given and differ.
    fn children_changed(
        &self,
        stored_suppliers: Option<&Vec<contract_supplier::Model>>,
        stored_modifications: Option<&Vec<contract_modification::Model>>,
    ) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if let Some(new) = &self.suppliers {
            let mut old_rows: Vec<_> =
                stored_suppliers.map_or_else(Vec::new, |rows| rows.iter().map(supplier_key).collect());
            old_rows.sort();
            let new_rows: Vec<_> = new.iter().map(supplier_key).collect();
            if old_rows != new_rows {
                changed.push("suppliers");
            }
        }
        if let Some(new) = &self.modifications {
            let mut old_rows: Vec<_> =
                stored_modifications.map_or_else(Vec::new, |rows| rows.iter().map(modification_key).collect());
            old_rows.sort();
            let mut new_rows: Vec<_> = new.iter().map(modification_key).collect();
            new_rows.sort();
            if old_rows != new_rows {
                changed.push("modifications");
            }
        }
        changed
    }
}

/// Child rows to write once the contracts are settled: the suppliers and modifications of
/// created contracts, and the replacements of those of updated ones whose suppliers or
/// modifications changed.
#[derive(Default)]
struct Children {
    replaced_suppliers: Vec<Uuid>,
    suppliers: Vec<contract_supplier::Model>,
    replaced_modifications: Vec<Uuid>,
    modifications: Vec<contract_modification::Model>,
}

impl Children {
    /// Queues the child rows of a settled contract; those of a stored contract (`stored`) go
    /// when `changed` names them.
    fn add(
        &mut self,
        result: &ItemResult,
        stored: bool,
        changed: &[&'static str],
        suppliers: Option<Vec<contract_supplier::Model>>,
        modifications: Option<Vec<contract_modification::Model>>,
    ) {
        let Some(id) = result.id else {
            return;
        };
        let replace = |what: &str| match result.status {
            ItemStatus::Created => Some(false),
            ItemStatus::Updated if stored && changed.contains(&what) => Some(true),
            _ => None,
        };
        if let (Some(rows), Some(replace)) = (suppliers, replace("suppliers")) {
            if replace {
                self.replaced_suppliers.push(id);
            }
            self.suppliers.extend(rows.into_iter().map(|mut row| {
                row.contract_id = id;
                row
            }));
        }
        if let (Some(rows), Some(replace)) = (modifications, replace("modifications")) {
            if replace {
                self.replaced_modifications.push(id);
            }
            self.modifications.extend(rows.into_iter().map(|mut row| {
                row.contract_id = id;
                row
            }));
        }
    }

    /// Replaces the initial suppliers and the modifications (call after the new contracts are
    /// inserted).
    async fn write<C: ConnectionTrait>(self, db: &C) -> Result<(), StoreError> {
        if !self.replaced_suppliers.is_empty() {
            contract_supplier::Entity::delete_many()
                .filter(contract_supplier::Column::ContractId.is_in(self.replaced_suppliers))
                .filter(contract_supplier::Column::FromModification.eq(0))
                .exec(db)
                .await
                .context("replacing contract suppliers")?;
        }
        if !self.replaced_modifications.is_empty() {
            contract_modification::Entity::delete_many()
                .filter(contract_modification::Column::ContractId.is_in(self.replaced_modifications))
                .exec(db)
                .await
                .context("replacing contract modifications")?;
        }
        insert_chunked(
            db,
            self.modifications
                .into_iter()
                .map(IntoActiveModel::into_active_model)
                .collect(),
        )
        .await
        .context("inserting contract modifications")?;
        insert_chunked(
            db,
            self.suppliers
                .into_iter()
                .map(IntoActiveModel::into_active_model)
                .collect(),
        )
        .await
        .context("inserting contract suppliers")
    }
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
    let establishments: HashMap<String, establishment::Model> = establishment::Entity::find()
        .filter(establishment::Column::Siret.is_in(sirets))
        .filter(establishment::Column::DeletedAt.is_null())
        .all(db)
        .await
        .context("finding establishments by SIRET")?
        .into_iter()
        .filter_map(|e| e.siret.clone().map(|s| (s, e)))
        .collect();
    let communes: HashSet<String> = establishments.values().filter_map(|e| e.commune_id.clone()).collect();
    let placed = if communes.is_empty() {
        Vec::new()
    } else {
        territory::Entity::find()
            .filter(territory::Column::Id.is_in(communes))
            .all(db)
            .await
            .context("placing establishments")?
    };
    let placements: HashMap<String, Placement> = placed
        .into_iter()
        .map(|t| {
            let placement = Placement {
                commune_id: Some(
                    t.parent_id
                        .clone()
                        .filter(|_| t.id.starts_with("ARM:"))
                        .unwrap_or(t.id.clone()),
                ),
                epci_id: t.epci_id,
                departement_id: t.departement_id,
                region_id: t.region_id,
            };
            (t.id, placement)
        })
        .collect();
    let place = |e: &establishment::Model| {
        e.commune_id
            .as_ref()
            .and_then(|c| placements.get(c))
            .cloned()
            .unwrap_or_default()
    };
    let point = |e: &establishment::Model| {
        e.latitude
            .zip(e.longitude)
            .map(|(latitude, longitude)| GeoPoint { latitude, longitude })
    };

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
                Some(buyer) => (
                    point(buyer).zip(point(site)).map(|(a, b)| distance_km(a, b)),
                    locality_level(&place(buyer), &place(site)),
                ),
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

/// Changes to a contract: absent fields (`None`) keep their stored value; for nullable fields
/// `Some(None)` clears it. `supplier_sirets`, when given, replaces the initial suppliers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContractPatch {
    /// New external id.
    pub external_id: Option<String>,
    /// SIRET of the buyer.
    pub buyer_siret: Option<String>,
    /// The buyer's own id of the contract.
    pub buyer_internal_id: Option<String>,
    /// Marché or concession.
    pub kind: Option<ContractKind>,
    /// Object.
    pub object: Patch<String>,
    /// CPV code.
    pub cpv_code: Patch<String>,
    /// Procedure.
    pub procedure: Patch<String>,
    /// Notification date.
    pub notified_on: Patch<NaiveDate>,
    /// Duration in months.
    pub duration_months: Patch<i32>,
    /// Amount excluding VAT, euros.
    pub amount: Patch<rust_decimal::Decimal>,
    /// Social clause.
    pub social_clause: Option<bool>,
    /// Social award criterion.
    pub social_criterion: Option<bool>,
    /// Reserved contract.
    pub reserved: Option<bool>,
    /// Environmental clause.
    pub env_clause: Option<bool>,
    /// Environmental award criterion.
    pub env_criterion: Option<bool>,
    /// SIRETs of the initial suppliers, replacing the stored ones.
    pub supplier_sirets: Option<Vec<String>>,
    /// Last update time in the source.
    pub source_updated_at: Patch<DateTime<Utc>>,
}

impl ContractPatch {
    /// The whole record: `stored` with this patch applied (suppliers left empty when the
    /// patch keeps the stored ones).
    fn applied_to(self, stored: &contract::Model) -> ContractFields {
        ContractFields {
            external_id: self.external_id.or_else(|| stored.external_id.clone()),
            buyer_siret: self.buyer_siret.unwrap_or_else(|| stored.buyer_siret.clone()),
            buyer_internal_id: self
                .buyer_internal_id
                .unwrap_or_else(|| stored.buyer_internal_id.clone()),
            kind: Some(self.kind.unwrap_or(stored.kind)),
            object: self.object.unwrap_or_else(|| stored.object.clone()),
            cpv_code: self.cpv_code.unwrap_or_else(|| stored.cpv_code.clone()),
            procedure: self.procedure.unwrap_or_else(|| stored.procedure.clone()),
            notified_on: self.notified_on.unwrap_or(stored.notified_on),
            duration_months: self.duration_months.unwrap_or(stored.duration_months),
            amount: self
                .amount
                .unwrap_or_else(|| stored.amount_cents.map(|cents| rust_decimal::Decimal::new(cents, 2))),
            social_clause: self.social_clause.unwrap_or(stored.social_clause),
            social_criterion: self.social_criterion.unwrap_or(stored.social_criterion),
            reserved: self.reserved.unwrap_or(stored.reserved),
            env_clause: self.env_clause.unwrap_or(stored.env_clause),
            env_criterion: self.env_criterion.unwrap_or(stored.env_criterion),
            supplier_sirets: self.supplier_sirets.unwrap_or_default(),
            source_updated_at: self.source_updated_at.unwrap_or(stored.source_updated_at),
            details: None,
        }
    }
}

/// Settles one checked contract of a single-record write, with its suppliers.
async fn settle_one<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    (operation, old): (&'static str, Option<&contract::Model>),
    checked: Result<CheckedContract, Vec<UserError>>,
    mut errors: Vec<UserError>,
    now: DateTime<Utc>,
) -> Result<Attempt<Written>, StoreError> {
    let checked = match checked {
        Ok(checked) if errors.is_empty() => checked,
        Ok(_) => return Ok(Attempt::reject(errors)),
        Err(more) => {
            errors.extend(more);
            return Ok(Attempt::reject(errors));
        }
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
    let mut settled = Settlement::<contract::Entity>::for_operation(operation);
    let mut result = ItemResult {
        index: 0,
        external_id: String::new(),
        status: ItemStatus::Rejected,
        id: None,
        version: None,
        user_errors: Vec::new(),
    };
    settled
        .settle(db, (0, "contract"), old, checked.model, now, &mut result, &changed)
        .await?;
    let (Some(id), Some(version)) = (result.id, result.version) else {
        return Ok(Attempt::reject(result.user_errors));
    };
    let mut children = Children::default();
    children.add(
        &result,
        old.is_some(),
        &changed,
        checked.suppliers,
        checked.modifications,
    );
    settled.insert_new(db).await?;
    children.write(db).await?;
    settled.finish(db, writer, now).await?;
    Ok(Attempt::commit(Written { id, version }))
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
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let source = match writer_inner.source_for_new(source.as_deref()) {
                Ok(source) => source,
                Err(error) => return Ok(Attempt::reject(vec![error])),
            };
            let now = Utc::now();
            let taken = match fields.external_id.as_deref() {
                Some(external_id) => {
                    external_id_taken::<contract::Entity, _>(txn, &source, external_id, None, TAKEN).await?
                }
                None => None,
            };
            let checked = only(check(txn, &writer_inner, &source, vec![(None, fields)], false, now).await?);
            settle_one(
                txn,
                &writer_inner,
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
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let old = match load_for_update::<contract::Entity, _>(txn, &writer_inner, id, expected_version, "contract")
                .await?
            {
                Ok(old) => old,
                Err(error) => return Ok(Attempt::reject(vec![error])),
            };
            let now = Utc::now();
            let keep_suppliers = patch.supplier_sirets.is_none();
            let (keep_amount, keep_duration) = (patch.amount.is_none(), patch.duration_months.is_none());
            let fields = patch.applied_to(&old);
            let taken = match fields.external_id.as_deref().map(str::trim) {
                Some(external_id) if old.external_id.as_deref() != Some(external_id) => {
                    external_id_taken::<contract::Entity, _>(txn, &old.source, external_id, Some(id), TAKEN).await?
                }
                _ => None,
            };
            let mut checked = only(
                check(
                    txn,
                    &writer_inner,
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
                &writer_inner,
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

/// The territories the execution places of a batch may resolve to, read in two queries.
struct ExecPlaces {
    /// Communes (and municipal arrondissements) served by each postal code.
    postal_codes: HashMap<String, Vec<String>>,
    /// Known territory ids among the candidates, with their département.
    known: HashMap<String, Option<String>>,
}

impl ExecPlaces {
    /// The territory id candidates for a published code, best first (postal codes aside).
    fn candidates(kind: ExecPlaceType, code: &str) -> Vec<String> {
        let padded = if code.len() == 1 {
            format!("0{code}")
        } else {
            code.to_owned()
        };
        match kind {
            ExecPlaceType::CommuneCode => vec![format!("COM:{code}"), format!("ARM:{code}")],
            ExecPlaceType::DepartementCode => vec![format!("DEP:{padded}")],
            ExecPlaceType::RegionCode => vec![format!("REG:{padded}")],
            _ => Vec::new(),
        }
    }

    async fn load<'a, C: ConnectionTrait>(
        db: &C,
        models: impl Iterator<Item = &'a contract::Model>,
    ) -> Result<Self, StoreError> {
        let mut postal: HashSet<String> = HashSet::new();
        let mut ids: HashSet<String> = HashSet::new();
        for model in models {
            let (Some(kind), Some(code)) = (model.exec_place_type, model.exec_place_code.as_deref()) else {
                continue;
            };
            if kind == ExecPlaceType::PostalCode {
                postal.insert(code.to_owned());
            } else {
                ids.extend(Self::candidates(kind, code));
            }
        }
        let mut postal_codes: HashMap<String, Vec<String>> = HashMap::new();
        if !postal.is_empty() {
            for row in postal_code_commune::Entity::find()
                .filter(postal_code_commune::Column::PostalCode.is_in(postal))
                .all(db)
                .await
                .context("resolving execution postal codes")?
            {
                ids.insert(row.commune_id.clone());
                postal_codes.entry(row.postal_code).or_default().push(row.commune_id);
            }
        }
        let known = if ids.is_empty() {
            HashMap::new()
        } else {
            territory::Entity::find()
                .select_only()
                .columns([territory::Column::Id, territory::Column::DepartementId])
                .filter(territory::Column::Id.is_in(ids))
                .into_tuple::<(String, Option<String>)>()
                .all(db)
                .await
                .context("resolving execution places")?
                .into_iter()
                .collect()
        };
        Ok(Self { postal_codes, known })
    }

    /// The territory of a contract's execution place: the commune a postal code serves (its
    /// département when it serves communes of one département only), the commune,
    /// département or région of an INSEE code; `None` for other kinds and unknown codes.
    fn resolve(&self, model: &contract::Model) -> Option<String> {
        let kind = model.exec_place_type?;
        let code = model.exec_place_code.as_deref()?;
        if kind != ExecPlaceType::PostalCode {
            return Self::candidates(kind, code)
                .into_iter()
                .find(|id| self.known.contains_key(id));
        }
        let communes: Vec<&String> = self
            .postal_codes
            .get(code)?
            .iter()
            .filter(|id| self.known.contains_key(*id))
            .collect();
        // A postal code of a city with municipal arrondissements lists the city and one
        // arrondissement: the city is the place.
        let cities: Vec<&&String> = communes.iter().filter(|id| id.starts_with("COM:")).collect();
        if let [only] = cities.as_slice() {
            return Some((**only).clone());
        }
        if let [only] = communes.as_slice() {
            return Some((*only).clone());
        }
        let mut departements = communes.iter().map(|c| self.known.get(*c).cloned().flatten());
        let first = departements.next()??;
        departements
            .all(|d| d.as_deref() == Some(first.as_str()))
            .then_some(first)
    }
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
