//! Input pieces the features' filters share: territories named by level and code, search
//! circles and name searches. Every bad value gives BAD_USER_INPUT naming the input field
//! and the value.

use async_graphql::InputObject;
use entity::enums::TerritoryLevel as StoredLevel;

use super::enums::TerritoryLevel;
use crate::domain::{TerritoryId, ValidationError, geo::Near, text::fold_for_search};

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

/// The internal ids of the territories of a filter; `field` names the input's code field
/// (`filter.territories.code`).
pub fn territory_ids(refs: Option<&[TerritoryRef]>, field: &'static str) -> Result<Vec<String>, ValidationError> {
    refs.unwrap_or_default()
        .iter()
        .map(|territory| territory.territory_id().map_err(|e| e.with_field(field)))
        .collect()
}

/// The distinct words of a name search, folded (at most `bounds::MAX_SEARCH_WORDS`, checked
/// before execution).
pub fn search_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in fold_for_search(name).split(' ').filter(|w| !w.is_empty()) {
        if !words.iter().any(|seen| seen == word) {
            words.push(word.to_owned());
        }
    }
    words
}
