//! Filter and order inputs, and their validation into store filters. Every bad value gives
//! BAD_USER_INPUT naming the input field and the value.

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{HeadcountBand as StoredBand, TerritoryLevel as StoredLevel};
use sea_orm::Iterable;

use super::{
    connection::SortDirection,
    enums::{EssFamily, HeadcountBand, LabelKind, OrganisationStatus, TerritoryLevel},
};
use crate::{
    domain::{TerritoryId, ValidationError, covering_prefixes, geo::Near, naf_prefixes, text::fold_for_search},
    store::{
        organisations::{EstablishmentFilter, LabelFilter, OrganisationFilter, OrganisationSort},
        territories::{TerritoryFilter, TerritorySort},
    },
};

/// A territory named by level and code (INSEE code; SIREN for an EPCI).
#[derive(InputObject, Debug, Clone)]
pub struct TerritoryRef {
    /// Level.
    pub level: TerritoryLevel,
    /// INSEE code (`13055`, `2A004`, `13`, `93`) or, for an EPCI, its SIREN.
    pub code: String,
}

impl TerritoryRef {
    /// The internal territory id, after validating the code for its level.
    pub fn territory_id(&self) -> Result<String, ValidationError> {
        territory_id(self.level.into(), &self.code)
    }
}

/// The internal id (`COM:13055`) of a territory given by level and code.
pub fn territory_id(level: StoredLevel, code: &str) -> Result<String, ValidationError> {
    TerritoryId::for_level(level, code).map(TerritoryId::into_string)
}

/// A search circle.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct NearInput {
    /// Latitude of the centre (WGS84).
    pub latitude: f64,
    /// Longitude of the centre (WGS84).
    pub longitude: f64,
    /// Radius in km (above 0, at most 1000).
    pub radius_km: f64,
}

impl NearInput {
    /// The validated circle.
    pub fn validate(&self) -> Result<Near, ValidationError> {
        Near::new(self.latitude, self.longitude, self.radius_km)
    }
}

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
        let mut filter = OrganisationFilter::default();
        for territory in self.territories.iter().flatten() {
            filter.territory_ids.push(
                territory
                    .territory_id()
                    .map_err(|e| e.with_field("filter.territories.code"))?,
            );
        }
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

/// The distinct words of a name search, folded (at most `bounds::MAX_SEARCH_WORDS`, checked
/// before execution).
fn search_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in fold_for_search(name).split(' ').filter(|w| !w.is_empty()) {
        if !words.iter().any(|seen| seen == word) {
            words.push(word.to_owned());
        }
    }
    words
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

/// Filters on territories. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct TerritoryFilterInput {
    /// Levels.
    pub levels: Option<Vec<TerritoryLevel>>,
    /// Lies within one of these territories, at any depth (the communes of a région…).
    pub within: Option<Vec<TerritoryRef>>,
    /// Words that must all appear in the name, ignoring case and accents.
    pub name: Option<String>,
}

impl TerritoryFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<TerritoryFilter, ValidationError> {
        let mut filter = TerritoryFilter {
            levels: self.levels.iter().flatten().map(|l| (*l).into()).collect(),
            ..TerritoryFilter::default()
        };
        for territory in self.within.iter().flatten() {
            filter.within.push(
                territory
                    .territory_id()
                    .map_err(|e| e.with_field("filter.within.code"))?,
            );
        }
        if let Some(name) = &self.name {
            filter.name_words = search_words(name);
        }
        Ok(filter)
    }
}

/// Fields territories can be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerritorySortField {
    /// INSEE code (SIREN for EPCI).
    #[default]
    Code,
    /// Name, ignoring case and accents.
    Name,
    /// Population (unknown first in ascending order).
    Population,
}

/// Order of a territory list; ties are broken by id.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct TerritoryOrder {
    /// Field.
    #[graphql(default)]
    pub field: TerritorySortField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl TerritoryOrder {
    /// The store sort.
    pub fn sort(&self) -> TerritorySort {
        match self.field {
            TerritorySortField::Code => TerritorySort::Code,
            TerritorySortField::Name => TerritorySort::Name,
            TerritorySortField::Population => TerritorySort::Population,
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
        let mut filter = EstablishmentFilter::default();
        for territory in self.territories.iter().flatten() {
            filter.territory_ids.push(
                territory
                    .territory_id()
                    .map_err(|e| e.with_field("filter.territories.code"))?,
            );
        }
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
        let mut filter = LabelFilter {
            kinds: self.kinds.iter().flatten().map(|k| (*k).into()).collect(),
            valid_on: self.valid_on,
            updated_since: self.updated_since,
            ..LabelFilter::default()
        };
        for territory in self.territories.iter().flatten() {
            filter.territory_ids.push(
                territory
                    .territory_id()
                    .map_err(|e| e.with_field("filter.territories.code"))?,
            );
        }
        Ok(filter)
    }
}
