//! The fields of a public contract as sent, and their validation into a contract row (money
//! in cents, codes checked, dates in order), before buyers and suppliers are resolved.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    contract, contract_modification,
    enums::{ContractKind, ExecPlaceType, IdScheme},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    fields::{check_source_updated_at, new_row},
    result::UserError,
};
use crate::domain::{Cents, CentsError, CpvCode, Siret, ValidationError};

super::declare::declare_fields! {
    $
    /// The fields of a contract, declared once (see [`declare`](super::declare)): the store's
    /// [`ContractFields`] and [`ContractPatch`] here, the GraphQL inputs in the mutation layer.
    /// Importers fill the same struct, with the rest of the published record in `details`.
    contract_fields => store_types;
    /// A contract as sent by a partner or read by an importer, not yet validated: the
    /// whole record.
    #[key = "Id of the contract in the writer's source: the key of the upsert."]
    ContractFields, ContractPatch of StoredContract<'_>, key optional, internal
        /// The rest of the published record (DECP importers); `None` keeps the stored values.
        details: Option<ContractDetails> {
        /// SIRET of the buyer; must be a known establishment.
        buyer_siret: (required String),
        /// The buyer's own id of the contract (DECP `id`), 1 to 16 characters.
        buyer_internal_id: (required String),
        /// Marché or concession (marché by default).
        #[patch = "Marché or concession."]
        kind: (defaulted enum ContractKind = PublicContract),
        /// Object, at most 1 000 characters.
        object: (optional String),
        /// CPV code, 8 digits with an optional check digit (`45000000-7`).
        cpv_code: (optional String),
        /// Procedure as published.
        procedure: (optional String),
        /// Notification date.
        notified_on: (optional NaiveDate),
        /// Initial duration in months (positive).
        #[patch = "Initial duration in months (positive); the duration after modifications follows."]
        duration_months: (optional i32),
        /// Initial amount in euros excluding VAT (not negative, at most 2 decimals).
        #[patch = "Initial amount in euros excluding VAT (not negative, at most 2 decimals); the amount\nafter modifications follows."]
        amount: (optional rust_decimal::Decimal),
        /// Has a social clause.
        social_clause: (flag),
        /// Has a social award criterion.
        social_criterion: (flag),
        /// Is a reserved contract.
        reserved: (flag),
        /// Has an environmental clause.
        env_clause: (flag),
        /// Has an environmental award criterion.
        env_criterion: (flag),
        /// SIRETs of the suppliers, in order; each must be a known establishment.
        #[patch = "SIRETs of the initial suppliers, in order, each a known establishment: replaces the\nstored ones (absent: they are kept)."]
        supplier_sirets: (list String),
        /// Last update time of the record in its source.
        source_updated_at: (optional DateTime<Utc>),
    }
}

/// A stored contract as a patch applies to it: its row, with the initial amount in euros.
/// The initial suppliers are left empty: an update that keeps them does not check or write
/// them again.
pub struct StoredContract<'a> {
    /// The contract's row.
    row: &'a contract::Model,
    /// Its initial amount in euros.
    amount: Option<rust_decimal::Decimal>,
    /// Empty: kept suppliers are not rewritten.
    supplier_sirets: Vec<String>,
}

impl std::ops::Deref for StoredContract<'_> {
    type Target = contract::Model;

    fn deref(&self) -> &contract::Model {
        self.row
    }
}

impl<'a> StoredContract<'a> {
    /// The stored contract `row`.
    pub fn new(row: &'a contract::Model) -> Self {
        Self {
            row,
            amount: row.amount_cents.map(|cents| Cents::new(cents).euros()),
            supplier_sirets: Vec::new(),
        }
    }
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
pub(super) fn blank(source: &str, now: DateTime<Utc>) -> contract::Model {
    let empty = serde_json::json!([]);
    new_row!(
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
        },
        created: (source.to_owned(), now),
    )
}

/// A validated item: the contract fields (buyer not yet resolved) and supplier SIRETs.
pub(super) struct Validated {
    pub(super) model: contract::Model,
    pub(super) suppliers: Vec<String>,
    pub(super) details: Option<ValidatedDetails>,
}

/// The validated details of an item: its other suppliers and modification rows (contract
/// id to be set).
pub(super) struct ValidatedDetails {
    pub(super) other_suppliers: Vec<SupplierIdentifier>,
    pub(super) modifications: Vec<contract_modification::Model>,
}

/// Euro cents of `amount` (at most 2 decimals, not negative), or the reason it is invalid
/// ([`Cents::from_euros`], which cannot overflow).
pub(super) fn cents(amount: rust_decimal::Decimal) -> Result<i64, &'static str> {
    Cents::from_euros(amount).map(Cents::get).map_err(CentsError::reason)
}

/// Applies `details` onto `model`, validating the shares, rates and amounts.
pub(super) fn apply_details(
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
pub(super) fn validate(
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
    model.kind = fields.kind;
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

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::cents;

    #[test]
    fn amounts_become_cents_and_the_largest_is_refused_without_overflow() {
        assert_eq!(cents(Decimal::new(125_050, 2)), Ok(125_050));
        assert_eq!(cents(Decimal::new(1, 3)), Err("must have at most 2 decimal places"));
        assert_eq!(cents(Decimal::new(-1, 0)), Err("must not be negative"));
        assert_eq!(cents(Decimal::MAX), Err("is too large"));
    }
}
