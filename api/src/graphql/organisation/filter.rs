//! The filter and order inputs of organisation, establishment and label lists, and their
//! validation into store filters.

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::HeadcountBand as StoredBand;
use sea_orm::Iterable;

use crate::{
    domain::{ValidationError, covering_prefixes, naf_prefixes},
    graphql::{
        connection::SortDirection,
        enums::{EssFamily, HeadcountBand, LabelKind, OrganisationStatus},
        errors::bad_input,
        inputs::{NearInput, TerritoryRef, search_words, territory_ids},
    },
    store::{
        organisations::{self, EstablishmentFilter, LabelFilter, OrganisationFilter, OrganisationSort},
        page::SortKey,
    },
};

/// Filters on organisations. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct OrganisationFilterInput {
    /// Has an establishment in one of these territories, at any level (a département, EPCI
    /// or région matches every organisation with an establishment in a commune below it).
    pub territories: Option<Vec<TerritoryRef>>,
    /// SSE family.
    pub ess_families: Option<Vec<EssFamily>>,
    /// INSEE legal category (4 digits).
    pub legal_categories: Option<Vec<String>>,
    /// NAF rév. 2 prefixes: section letter (`Q`), division (`88`), group (`88.9`), class
    /// (`88.99`) or sub-class (`88.99B`).
    pub naf: Option<Vec<String>>,
    /// Holds one of these labels (valid on `labelValidOn` when given).
    pub labels: Option<Vec<LabelKind>>,
    /// Date on which the labels must be valid.
    pub label_valid_on: Option<NaiveDate>,
    /// Smallest headcount band (bands are ordered NON_EMPLOYER, ZERO, FROM_1_TO_2, …).
    pub headcount_min: Option<HeadcountBand>,
    /// Largest headcount band.
    pub headcount_max: Option<HeadcountBand>,
    /// Administrative status.
    pub admin_status: Option<Vec<OrganisationStatus>>,
    /// Words that must all appear in the name, ignoring case and accents
    /// ("societe cooperative" finds "Société Coopérative").
    pub name: Option<String>,
    /// Has an establishment within this circle.
    pub near: Option<NearInput>,
    /// Public authorities (communes, EPCI…) only, or none of them.
    pub is_public_buyer: Option<bool>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl OrganisationFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<OrganisationFilter, ValidationError> {
        let mut filter = OrganisationFilter {
            territory_ids: territory_ids(self.territories.as_deref(), "filter.territories.code")?,
            ..OrganisationFilter::default()
        };
        filter.ess_families = self.ess_families.iter().flatten().map(|f| (*f).into()).collect();
        for code in self.legal_categories.iter().flatten() {
            let code = code.trim();
            if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ValidationError::new("filter.legalCategories", code, "must be 4 digits"));
            }
            filter.legal_categories.push(code.to_owned());
        }
        let mut prefixes = Vec::new();
        for prefix in self.naf.iter().flatten() {
            prefixes.extend(naf_prefixes(prefix).map_err(|e| e.with_field("filter.naf"))?);
        }
        // A section letter stands for up to 24 divisions: the condition holds each distinct
        // prefix once (at most the 88 divisions, or the prefixes given).
        filter.naf_prefixes = covering_prefixes(prefixes);
        filter.legal_categories.sort_unstable();
        filter.legal_categories.dedup();
        filter.labels = self.labels.iter().flatten().map(|k| (*k).into()).collect();
        filter.label_valid_on = self.label_valid_on;
        if self.headcount_min.is_some() || self.headcount_max.is_some() {
            let min: StoredBand = self.headcount_min.map_or(StoredBand::NonEmployer, Into::into);
            let max: StoredBand = self.headcount_max.map_or(StoredBand::From10000, Into::into);
            if min > max {
                return Err(ValidationError::new(
                    "filter.headcountMin",
                    format!("{:?}", self.headcount_min),
                    "is above headcountMax",
                ));
            }
            filter.headcount_bands = StoredBand::iter().filter(|b| (min..=max).contains(b)).collect();
        }
        filter.admin_statuses = self.admin_status.iter().flatten().map(|s| (*s).into()).collect();
        if let Some(name) = &self.name {
            filter.name_words = search_words(name);
        }
        filter.near = self.near.map(|near| near.validate()).transpose()?;
        filter.public_buyer = self.is_public_buyer;
        filter.updated_since = self.updated_since;
        Ok(filter)
    }
}

/// Fields organisations can be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrganisationSortField {
    /// Name, ignoring case and accents.
    #[default]
    Name,
    /// Creation date (unknown dates first in ascending order).
    CreatedOn,
    /// Distance of the nearest establishment to the `near` filter's centre (requires `near`).
    Distance,
}

/// Order of an organisation list; ties are broken by id, so paging is stable.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct OrganisationOrder {
    /// Field.
    #[graphql(default)]
    pub field: OrganisationSortField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrganisationOrder {
    /// The store sort.
    pub fn sort(&self) -> OrganisationSort {
        match self.field {
            OrganisationSortField::Name => OrganisationSort::Name,
            OrganisationSortField::CreatedOn => OrganisationSort::CreatedOn,
            OrganisationSortField::Distance => OrganisationSort::Distance,
        }
    }
}

/// Filters on establishments. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct EstablishmentFilterInput {
    /// In a commune within one of these territories, at any level.
    pub territories: Option<Vec<TerritoryRef>>,
    /// Within this circle.
    pub near: Option<NearInput>,
    /// Head offices only (true), or secondary establishments only (false).
    pub is_headquarters: Option<bool>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl EstablishmentFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<EstablishmentFilter, ValidationError> {
        let mut filter = EstablishmentFilter {
            territory_ids: territory_ids(self.territories.as_deref(), "filter.territories.code")?,
            ..EstablishmentFilter::default()
        };
        filter.near = self.near.map(|near| near.validate()).transpose()?;
        filter.headquarters = self.is_headquarters;
        filter.updated_since = self.updated_since;
        Ok(filter)
    }
}

/// Filters on labels. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct LabelFilterInput {
    /// Kinds.
    pub kinds: Option<Vec<LabelKind>>,
    /// Valid on this date.
    pub valid_on: Option<NaiveDate>,
    /// Held by an organisation with an establishment within one of these territories.
    pub territories: Option<Vec<TerritoryRef>>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl LabelFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<LabelFilter, ValidationError> {
        Ok(LabelFilter {
            kinds: self.kinds.iter().flatten().map(|k| (*k).into()).collect(),
            valid_on: self.valid_on,
            updated_since: self.updated_since,
            territory_ids: territory_ids(self.territories.as_deref(), "filter.territories.code")?,
        })
    }
}

/// Validates the filter and order of an organisation list (DISTANCE needs `near`) into the
/// store filter, the order and its sort key.
pub fn validate_list(
    filter: Option<OrganisationFilterInput>,
    order_by: Option<OrganisationOrder>,
) -> async_graphql::Result<(OrganisationFilter, OrganisationOrder, SortKey)> {
    let filter = bad_input(filter.unwrap_or_default().validate())?;
    let order = order_by.unwrap_or_default();
    let sort = bad_input(organisations::sort_key(
        order.sort(),
        order.direction.descending(),
        filter.near.as_ref(),
    ))?;
    Ok((filter, order, sort))
}
