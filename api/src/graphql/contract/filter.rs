//! The filter and order inputs of contract lists, and their validation into store filters.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::types::LocalityLevel;
use crate::{
    domain::{Cents, ValidationError, covering_prefixes},
    graphql::{
        connection::SortDirection,
        enums::{EssFamily, LabelKind},
        inputs::{TerritoryRef, territory_ids},
        node::row_ids,
    },
    store::contracts::{ContractFilter, ContractSort, SupplierFilter, SupplierLocality},
};

/// Cents from euros given by a client (at most 2 decimals, not negative); `field` names
/// the input.
fn cents(field: &'static str, euros: Decimal) -> Result<i64, ValidationError> {
    Cents::from_euros(euros)
        .map(Cents::get)
        .map_err(|error| ValidationError::new(field, euros.to_string(), error.reason()))
}

/// How near the buyer a supplier must be, as a nested scope.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalityScope {
    /// In the buyer's commune (SAME_COMMUNE).
    Commune,
    /// In the buyer's commune or EPCI (SAME_COMMUNE, SAME_EPCI).
    Epci,
    /// In the buyer's département (SAME_COMMUNE to SAME_DEPARTEMENT).
    Departement,
    /// In the buyer's région (SAME_COMMUNE to SAME_REGION).
    Region,
    /// Anywhere in France (every level but FOREIGN and UNKNOWN).
    France,
}

impl LocalityScope {
    /// The locality levels the scope covers.
    fn levels(self) -> Vec<entity::enums::LocalityLevel> {
        use entity::enums::LocalityLevel as Level;
        let nested = [
            Level::SameCommune,
            Level::SameEpci,
            Level::SameDepartement,
            Level::SameRegion,
            Level::National,
        ];
        let depth = match self {
            LocalityScope::Commune => 1,
            LocalityScope::Epci => 2,
            LocalityScope::Departement => 3,
            LocalityScope::Region => 4,
            LocalityScope::France => 5,
        };
        nested[..depth].to_vec()
    }
}

/// Where a supplier is relative to the buyer. Give exactly one field: "local" is a question
/// the client asks (`{ within: EPCI }` or `{ radiusKm: 30 }`), never a fixed rule.
#[derive(InputObject, Debug, Clone)]
pub struct SupplierLocalityInput {
    /// The supplier is within this scope of the buyer: `EPCI` means in the buyer's commune
    /// or EPCI.
    pub within: Option<LocalityScope>,
    /// The supplier's locality level is one of these, exactly (e.g. `[FOREIGN]`); at least
    /// one.
    pub levels: Option<Vec<LocalityLevel>>,
    /// The buyer–supplier distance is known and at most this many km (above 0, at most
    /// 20 000).
    pub radius_km: Option<f64>,
}

impl SupplierLocalityInput {
    /// Largest radius accepted, km (half the Earth's circumference).
    const MAX_RADIUS_KM: f64 = 20_000.0;

    fn validate(&self) -> Result<SupplierLocality, ValidationError> {
        const FIELD: &str = "filter.supplierLocality";
        match (self.within, &self.levels, self.radius_km) {
            (Some(scope), None, None) => Ok(SupplierLocality::Levels(scope.levels())),
            (None, Some(levels), None) if levels.is_empty() => Err(ValidationError::new(
                "filter.supplierLocality.levels",
                "[]",
                "give at least one level",
            )),
            (None, Some(levels), None) => Ok(SupplierLocality::Levels(levels.iter().map(|l| (*l).into()).collect())),
            (None, None, Some(km)) => {
                if km > 0.0 && km <= Self::MAX_RADIUS_KM {
                    Ok(SupplierLocality::WithinKm(km))
                } else {
                    Err(ValidationError::new(
                        "filter.supplierLocality.radiusKm",
                        km.to_string(),
                        format!("must be above 0 and at most {}", Self::MAX_RADIUS_KM),
                    ))
                }
            }
            _ => Err(ValidationError::new(
                FIELD,
                format!("{self:?}"),
                "give exactly one of within, levels, radiusKm",
            )),
        }
    }
}

/// Filters on contracts. Fields combine with AND; values within a list with OR. The
/// supplier criteria (`suppliers`, `supplierEssFamilies`, `supplierLabels`,
/// `supplierLocality`) must all hold for one same supplier: `{ supplierEssFamilies:
/// [COOPERATIVE], supplierLocality: { within: EPCI } }` finds contracts won by a cooperative
/// of the buyer's EPCI. Organisations are given by their global ids (as returned by
/// `organisation(siren:)`).
#[derive(InputObject, Debug, Clone, Default)]
pub struct ContractFilterInput {
    /// Contract global ids.
    pub ids: Option<Vec<ID>>,
    /// Awarded by one of these organisations (global ids).
    pub buyers: Option<Vec<ID>>,
    /// Awarded by a buyer within one of these territories, at any level: the territory the
    /// buyer governs (for a commune, EPCI…) or one of its establishments lies within it.
    pub buyer_territories: Option<Vec<TerritoryRef>>,
    /// Won by one of these organisations (global ids), initially or by a modification.
    pub suppliers: Option<Vec<ID>>,
    /// Won by an organisation of one of these SSE families.
    pub supplier_ess_families: Option<Vec<EssFamily>>,
    /// Won by an organisation holding one of these labels (valid on
    /// `supplierLabelValidOn` when given).
    pub supplier_labels: Option<Vec<LabelKind>>,
    /// Date on which the supplier's labels must be valid.
    pub supplier_label_valid_on: Option<NaiveDate>,
    /// Won by a supplier this near the buyer.
    pub supplier_locality: Option<SupplierLocalityInput>,
    /// CPV code prefixes of 2 to 8 digits: division (`45`), group (`452`), class (`4521`)…
    pub cpv_prefixes: Option<Vec<String>>,
    /// Procedures, exactly as published (`Procédure adaptée`, `Appel d'offres ouvert`…).
    pub procedures: Option<Vec<String>>,
    /// Has (true) or has not (false) a social clause.
    pub social_clause: Option<bool>,
    /// Has or has not a social award criterion.
    pub social_criterion: Option<bool>,
    /// Is or is not reserved.
    pub reserved: Option<bool>,
    /// Has at least one social consideration (clause, criterion or reservation), or none.
    pub has_social: Option<bool>,
    /// Has or has not an environmental clause.
    pub env_clause: Option<bool>,
    /// Has or has not an environmental award criterion.
    pub env_criterion: Option<bool>,
    /// Has at least one environmental consideration (clause or criterion), or none.
    pub has_environmental: Option<bool>,
    /// Notified on or after this date.
    pub notified_from: Option<NaiveDate>,
    /// Notified on or before this date.
    pub notified_to: Option<NaiveDate>,
    /// Initial amount (euros excluding VAT) at least this.
    pub amount_min_eur: Option<Decimal>,
    /// Initial amount (euros excluding VAT) at most this.
    pub amount_max_eur: Option<Decimal>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl ContractFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<ContractFilter, ValidationError> {
        let mut filter = ContractFilter {
            ids: row_ids("Contract", "filter.ids", self.ids.as_deref().unwrap_or_default())?,
            buyer_organisation_ids: row_ids(
                "Organisation",
                "filter.buyers",
                self.buyers.as_deref().unwrap_or_default(),
            )?,
            buyer_territory_ids: territory_ids(self.buyer_territories.as_deref(), "filter.buyerTerritories.code")?,
            ..ContractFilter::default()
        };
        filter.suppliers = SupplierFilter {
            organisation_ids: row_ids(
                "Organisation",
                "filter.suppliers",
                self.suppliers.as_deref().unwrap_or_default(),
            )?,
            ess_families: self
                .supplier_ess_families
                .iter()
                .flatten()
                .map(|f| (*f).into())
                .collect(),
            labels: self.supplier_labels.iter().flatten().map(|k| (*k).into()).collect(),
            label_valid_on: self.supplier_label_valid_on,
            locality: self
                .supplier_locality
                .as_ref()
                .map(SupplierLocalityInput::validate)
                .transpose()?,
        };
        for prefix in self.cpv_prefixes.iter().flatten() {
            let digits = prefix.trim();
            if !(2..=8).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ValidationError::new(
                    "filter.cpvPrefixes",
                    prefix.as_str(),
                    "must be 2 to 8 digits",
                ));
            }
            filter.cpv_prefixes.push(digits.to_owned());
        }
        filter.cpv_prefixes = covering_prefixes(std::mem::take(&mut filter.cpv_prefixes));
        for procedure in self.procedures.iter().flatten() {
            if procedure.trim().is_empty() {
                return Err(ValidationError::new(
                    "filter.procedures",
                    procedure.as_str(),
                    "must not be empty",
                ));
            }
            filter.procedures.push(procedure.trim().to_owned());
        }
        filter.social_clause = self.social_clause;
        filter.social_criterion = self.social_criterion;
        filter.reserved = self.reserved;
        filter.has_social = self.has_social;
        filter.env_clause = self.env_clause;
        filter.env_criterion = self.env_criterion;
        filter.has_environmental = self.has_environmental;
        if let (Some(from), Some(to)) = (self.notified_from, self.notified_to)
            && from > to
        {
            return Err(ValidationError::new(
                "filter.notifiedFrom",
                from.to_string(),
                "is after notifiedTo",
            ));
        }
        filter.notified_from = self.notified_from;
        filter.notified_to = self.notified_to;
        filter.amount_min_cents = self
            .amount_min_eur
            .map(|eur| cents("filter.amountMinEur", eur))
            .transpose()?;
        filter.amount_max_cents = self
            .amount_max_eur
            .map(|eur| cents("filter.amountMaxEur", eur))
            .transpose()?;
        if let (Some(min), Some(max)) = (filter.amount_min_cents, filter.amount_max_cents)
            && min > max
        {
            return Err(ValidationError::new(
                "filter.amountMinEur",
                Cents::new(min).euros().to_string(),
                "is above amountMaxEur",
            ));
        }
        filter.updated_since = self.updated_since;
        Ok(filter)
    }
}

/// Fields contracts can be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContractSortField {
    /// Notification date (unknown dates sort as the earliest).
    #[default]
    NotifiedOn,
    /// Current amount (after modifications), else the initial amount (unknown amounts sort
    /// as the smallest).
    Amount,
}

/// Order of a contract list; ties are broken by id, so paging is stable. Latest
/// notification first by default.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ContractOrder {
    /// Field.
    #[graphql(default)]
    pub field: ContractSortField,
    /// Direction (descending by default).
    #[graphql(default_with = "SortDirection::Desc")]
    pub direction: SortDirection,
}

impl Default for ContractOrder {
    fn default() -> Self {
        Self {
            field: ContractSortField::NotifiedOn,
            direction: SortDirection::Desc,
        }
    }
}

impl ContractOrder {
    /// The store sort.
    pub fn sort(&self) -> ContractSort {
        match self.field {
            ContractSortField::NotifiedOn => ContractSort::NotifiedOn,
            ContractSortField::Amount => ContractSort::Amount,
        }
    }
}
