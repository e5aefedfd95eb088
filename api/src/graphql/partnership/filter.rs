//! The filter and order inputs of partnership lists, and their validation into store filters.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::types::PartnershipType;
use crate::{
    domain::ValidationError,
    graphql::{
        connection::SortDirection,
        inputs::{TerritoryRef, territory_ids},
        node::row_ids,
    },
    store::partnerships::{PartnershipFilter, PartnershipSort},
};

/// Filters on partnerships. Fields combine with AND; values within a list with OR.
/// Organisations are given by their global ids (as returned by `organisation(siren:)`).
#[derive(InputObject, Debug, Clone, Default)]
pub struct PartnershipFilterInput {
    /// Partnership global ids.
    pub ids: Option<Vec<ID>>,
    /// Types.
    pub types: Option<Vec<PartnershipType>>,
    /// One of these organisations (global ids) is a party, in any role.
    pub parties: Option<Vec<ID>>,
    /// Covers a territory within one of these territories, at any level: a PTCE scoped to
    /// an EPCI matches that EPCI, its département and its région, not its communes.
    pub territories: Option<Vec<TerritoryRef>>,
    /// Running on this date: started on or before it (or start unknown), and ended on or
    /// after it (or end unknown).
    pub active_on: Option<NaiveDate>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl PartnershipFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<PartnershipFilter, ValidationError> {
        Ok(PartnershipFilter {
            ids: row_ids("Partnership", "filter.ids", self.ids.as_deref().unwrap_or_default())?,
            types: self.types.iter().flatten().map(|t| (*t).into()).collect(),
            party_organisation_ids: row_ids(
                "Organisation",
                "filter.parties",
                self.parties.as_deref().unwrap_or_default(),
            )?,
            active_on: self.active_on,
            updated_since: self.updated_since,
            territory_ids: territory_ids(self.territories.as_deref(), "filter.territories.code")?,
        })
    }
}

/// Fields partnerships can be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnershipSortField {
    /// Name, compared byte-wise (case and accents matter: `Z` sorts before `a`, `É` after
    /// `z`).
    #[default]
    Name,
    /// Start date (unknown dates sort as the earliest).
    StartDate,
}

/// Order of a partnership list; ties are broken by id, so paging is stable. By name by
/// default.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct PartnershipOrder {
    /// Field.
    #[graphql(default)]
    pub field: PartnershipSortField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl PartnershipOrder {
    /// The store sort.
    pub fn sort(&self) -> PartnershipSort {
        match self.field {
            PartnershipSortField::Name => PartnershipSort::Name,
            PartnershipSortField::StartDate => PartnershipSort::StartDate,
        }
    }
}
