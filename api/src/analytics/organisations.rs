//! Organisation indicators and their time series: the cells per territory (and key), the
//! total of the territory asked, every (period, key) of a series present, and cells built
//! from too few organisations withheld (each period of a series its own table).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::ConnectionTrait;

use super::{Disclosure, Published, Table, organisation_facts};
use crate::{
    domain::TerritoryId,
    store::{
        StoreError,
        analytics::{OrganisationCell, OrganisationDimension, OrganisationQuery, organisations},
        analytics_series::{OrganisationSeriesCell, SeriesPeriod, organisation_series},
    },
};

/// The cells of `query` and the total of its territory (counted at the territory's own
/// level, `territory_level`), with confidentiality applied.
pub async fn indicators<C: ConnectionTrait>(
    db: &C,
    query: OrganisationQuery,
    territory: &TerritoryId,
    disclosure: Disclosure,
) -> Result<Table<OrganisationCell>, StoreError> {
    let cells = organisations(db, &query).await?;
    let total_query = OrganisationQuery {
        level: territory.level(),
        dimension: OrganisationDimension::None,
        ..query.clone()
    };
    let total = organisations(db, &total_query)
        .await?
        .into_iter()
        .find(|cell| cell.territory_id == territory.as_str())
        .unwrap_or(OrganisationCell {
            territory_id: territory.to_string(),
            territory_name: String::new(),
            key: String::new(),
            organisations: 0,
            sse_organisations: 0,
            estimated_jobs: 0.0,
        });
    let two_dimensional = query.dimension != OrganisationDimension::None;
    let facts: Vec<_> = cells
        .iter()
        .map(|cell| {
            let keys = if two_dimensional {
                vec![cell.territory_id.clone(), cell.key.clone()]
            } else {
                vec![cell.territory_id.clone()]
            };
            organisation_facts(keys, cell.organisations)
        })
        .collect();
    let total_organisations = total.organisations;
    Ok(Table::decide(disclosure, total, total_organisations, cells, &facts))
}

/// An organisation series: one table per period, its total and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationSeries {
    /// The territory's organisations per period, in period order.
    pub totals: Vec<Published<OrganisationSeriesCell>>,
    /// One cell per period and key: every period, and in each period every key met in any
    /// period (zero when absent); sorted by period then key.
    pub cells: Vec<Published<OrganisationSeriesCell>>,
}

/// Organisations of `territory` counted at the end of each of `periods`, split by
/// `dimension`, with every (period, key) present and confidentiality applied period by
/// period.
pub async fn series<C: ConnectionTrait>(
    db: &C,
    territory: &TerritoryId,
    periods: &[SeriesPeriod],
    dimension: OrganisationDimension,
    disclosure: Disclosure,
) -> Result<OrganisationSeries, StoreError> {
    let (cells, totals) = tokio::join!(
        organisation_series(db, territory.as_str(), periods, dimension),
        organisation_series(db, territory.as_str(), periods, OrganisationDimension::None),
    );
    let (cells, totals) = (cells?, totals?);
    let mut keys: BTreeSet<String> = cells.iter().map(|cell| cell.key.clone()).collect();
    if dimension == OrganisationDimension::None {
        keys.insert(String::new());
    }
    let cells = full_grid(periods, cells, &keys);
    let totals = full_grid(periods, totals, &BTreeSet::from([String::new()]));

    let mut series = OrganisationSeries {
        totals: Vec::with_capacity(totals.len()),
        cells: Vec::with_capacity(cells.len()),
    };
    let mut cells = cells.into_iter().peekable();
    // Each period is its own table: its cells and its total.
    for total in totals {
        let mut in_period = Vec::new();
        while let Some(cell) = cells.next_if(|cell| cell.period == total.period) {
            in_period.push(cell);
        }
        let facts: Vec<_> = in_period
            .iter()
            .map(|cell| organisation_facts(vec![cell.key.clone()], cell.organisations))
            .collect();
        let total_organisations = total.organisations;
        let table = Table::decide(disclosure, total, total_organisations, in_period, &facts);
        series.totals.push(table.total);
        series.cells.extend(table.cells);
    }
    Ok(series)
}

/// Every (period, key) of `periods` × `keys`, with the stored cell or zeros.
fn full_grid(
    periods: &[SeriesPeriod],
    cells: Vec<OrganisationSeriesCell>,
    keys: &BTreeSet<String>,
) -> Vec<OrganisationSeriesCell> {
    let mut found: BTreeMap<(String, String), OrganisationSeriesCell> = cells
        .into_iter()
        .map(|cell| ((cell.period.clone(), cell.key.clone()), cell))
        .collect();
    let mut grid = Vec::with_capacity(periods.len() * keys.len());
    for period in periods {
        for key in keys {
            grid.push(
                found
                    .remove(&(period.key.clone(), key.clone()))
                    .unwrap_or_else(|| OrganisationSeriesCell {
                        period: period.key.clone(),
                        key: key.clone(),
                        organisations: 0,
                        sse_organisations: 0,
                        estimated_jobs: 0.0,
                    }),
            );
        }
    }
    grid
}
