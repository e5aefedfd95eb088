//! The filter and order inputs of territory lists, and their validation into store filters.

use async_graphql::{Enum, InputObject};

use crate::{
    domain::ValidationError,
    graphql::{
        connection::SortDirection,
        enums::TerritoryLevel,
        inputs::{TerritoryRef, search_words, territory_ids},
    },
    store::territories::{TerritoryFilter, TerritorySort},
};

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
        filter.within = territory_ids(self.within.as_deref(), "filter.within.code")?;
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
