//! The filter and order inputs of supply link and food project lists, and their validation
//! into store filters.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::types::{ProductFamily, SupplyChannel, SupplyEvidence};
use crate::{
    domain::ValidationError,
    graphql::{
        connection::SortDirection,
        enums::{EssFamily, LabelKind},
        inputs::{TerritoryRef, search_words, territory_ids},
        node::row_ids,
    },
    store::{
        food_projects::FoodProjectFilter,
        supply_links::{SupplyLinkFilter, SupplyLinkSort},
    },
};

/// Filters on supply links. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct SupplyLinkFilterInput {
    /// Supply link global ids.
    pub ids: Option<Vec<ID>>,
    /// The buyer establishment lies within one of these territories, at any level.
    pub buyer_territories: Option<Vec<TerritoryRef>>,
    /// The buyer establishment lies in a commune of one of these food projects (global ids).
    pub food_projects: Option<Vec<ID>>,
    /// The buyer is one of these organisations (global ids).
    pub buyers: Option<Vec<ID>>,
    /// The supplier is one of these organisations (global ids).
    pub suppliers: Option<Vec<ID>>,
    /// With one of these numbers of intermediaries.
    pub channels: Option<Vec<SupplyChannel>>,
    /// Of one of these product families.
    pub product_families: Option<Vec<ProductFamily>>,
    /// Resting on one of these kinds of evidence.
    pub evidence: Option<Vec<SupplyEvidence>>,
    /// The supplier's organisation is of one of these SSE families.
    pub supplier_families: Option<Vec<EssFamily>>,
    /// The supplier's organisation holds a label of one of these kinds.
    pub supplier_labels: Option<Vec<LabelKind>>,
    /// The period ends on or after this day (or is open).
    pub period_from: Option<NaiveDate>,
    /// The period starts on or before this day.
    pub period_to: Option<NaiveDate>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

/// The global ids of `ids` of type `kind`, as row ids; errors name `field`.
fn ids_of(kind: &str, field: &'static str, ids: &Option<Vec<ID>>) -> Result<Vec<uuid::Uuid>, ValidationError> {
    row_ids(kind, field, ids.as_deref().unwrap_or_default())
}

/// The store values of a list of GraphQL enum values.
fn stored<G: Copy + Into<S>, S>(values: &Option<Vec<G>>) -> Vec<S> {
    values.iter().flatten().map(|value| (*value).into()).collect()
}

impl SupplyLinkFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<SupplyLinkFilter, ValidationError> {
        if let (Some(from), Some(to)) = (self.period_from, self.period_to)
            && to < from
        {
            return Err(ValidationError::new(
                "filter.periodTo",
                to.to_string(),
                format!("must not be before periodFrom ({from})"),
            ));
        }
        Ok(SupplyLinkFilter {
            ids: ids_of("SupplyLink", "filter.ids", &self.ids)?,
            buyer_territory_ids: territory_ids(self.buyer_territories.as_deref(), "filter.buyerTerritories.code")?,
            food_project_ids: ids_of("FoodProject", "filter.foodProjects", &self.food_projects)?,
            buyer_organisation_ids: ids_of("Organisation", "filter.buyers", &self.buyers)?,
            supplier_organisation_ids: ids_of("Organisation", "filter.suppliers", &self.suppliers)?,
            channels: stored(&self.channels),
            product_families: stored(&self.product_families),
            evidence: stored(&self.evidence),
            supplier_families: stored(&self.supplier_families),
            supplier_labels: stored(&self.supplier_labels),
            period: (self.period_from, self.period_to),
            updated_since: self.updated_since,
        })
    }
}

/// Fields supply links can be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SupplyLinkSortField {
    /// First day of the period.
    #[default]
    PeriodStart,
    /// Amount (unknown amounts sort as zero).
    Amount,
}

/// Order of a supply link list; ties are broken by id, so paging is stable. By first day of
/// the period by default.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct SupplyLinkOrder {
    /// Field.
    #[graphql(default)]
    pub field: SupplyLinkSortField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl SupplyLinkOrder {
    /// The store sort.
    pub fn sort(&self) -> SupplyLinkSort {
        match self.field {
            SupplyLinkSortField::PeriodStart => SupplyLinkSort::PeriodStart,
            SupplyLinkSortField::Amount => SupplyLinkSort::Amount,
        }
    }
}

/// Filters on food projects. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct FoodProjectFilterInput {
    /// Food project global ids.
    pub ids: Option<Vec<ID>>,
    /// Ids in the national PAT list.
    pub codes: Option<Vec<String>>,
    /// Covers a commune within one of these territories, at any level.
    pub territories: Option<Vec<TerritoryRef>>,
    /// Words that must all appear in the administrative or usual name (case and accents
    /// ignored).
    pub search: Option<String>,
}

impl FoodProjectFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<FoodProjectFilter, ValidationError> {
        Ok(FoodProjectFilter {
            ids: ids_of("FoodProject", "filter.ids", &self.ids)?,
            codes: self.codes.iter().flatten().map(|code| code.trim().to_owned()).collect(),
            territory_ids: territory_ids(self.territories.as_deref(), "filter.territories.code")?,
            name_words: self.search.as_deref().map(search_words).unwrap_or_default(),
        })
    }
}
