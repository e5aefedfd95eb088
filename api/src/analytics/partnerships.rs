//! Partnership indicators: counts, the network and the series. Partnerships and their parties
//! are public in this API, so nothing is withheld; the series has every period and every
//! partnership type.

use std::collections::BTreeMap;

use entity::enums::PartnershipType;
use sea_orm::{ActiveEnum, ConnectionTrait, Iterable};

use crate::{
    domain::TerritoryId,
    store::{
        StoreError,
        analytics_series::{SeriesPeriod, partnership_series},
    },
};

/// Partnership counts of one type in one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipSeriesCell {
    /// Period key.
    pub period: String,
    /// Partnership type.
    pub partnership_type: PartnershipType,
    /// Partnerships active on the period's last day.
    pub partnerships: i64,
    /// Distinct organisations taking part in them.
    pub organisations: i64,
}

/// Partnerships of `territory` active at the end of each of `periods`, one cell per period
/// and type (every type, zero when none), sorted by period then type.
pub async fn series<C: ConnectionTrait>(
    db: &C,
    territory: &TerritoryId,
    periods: &[SeriesPeriod],
) -> Result<Vec<PartnershipSeriesCell>, StoreError> {
    let found = partnership_series(db, territory.as_str(), periods).await?;
    let mut found: BTreeMap<(String, String), _> = found
        .into_iter()
        .map(|cell| ((cell.period.clone(), cell.partnership_type.clone()), cell))
        .collect();
    let mut types: Vec<PartnershipType> = PartnershipType::iter().collect();
    types.sort_by_key(ActiveEnum::to_value);
    let mut cells = Vec::with_capacity(periods.len() * types.len());
    for period in periods {
        for kind in &types {
            let cell = found.remove(&(period.key.clone(), kind.to_value()));
            cells.push(PartnershipSeriesCell {
                period: period.key.clone(),
                partnership_type: *kind,
                partnerships: cell.as_ref().map_or(0, |c| c.partnerships),
                organisations: cell.as_ref().map_or(0, |c| c.organisations),
            });
        }
    }
    Ok(cells)
}
