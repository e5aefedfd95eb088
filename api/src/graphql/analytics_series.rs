//! Time series of the organisation and partnership indicators (the procurement series is
//! `procurementTimeSeries`, in [`super::analytics`]): the stock at the end of every period of
//! a granularity, every period present (zero when nothing counts), so a chart needs no gap
//! filling. Figures come from `store::analytics_series` (SQL `GROUP BY` over the list of
//! periods); organisation cells follow the same statistical confidentiality as the
//! organisation indicators, applied period by period.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::{Context, Object, SimpleObject};
use entity::enums::PartnershipType as StoredPartnershipType;
use sea_orm::{ActiveEnum, DatabaseConnection, Iterable};

use super::{
    analytics::{
        Granularity, IndicatorDefinitions, OrganisationDimension, OrganisationFigures, PeriodInput, confidentiality,
        jobs_estimate, may_see_unsuppressed, series_periods_within, threshold,
    },
    errors::{OrInternal, bad_input},
    inputs::TerritoryRef,
    partnership::PartnershipType,
};
use crate::{
    domain::{
        ValidationError,
        disclosure::{self, CellFacts},
    },
    store::{
        analytics::OrganisationDimension as StoredOrgDimension,
        analytics_series::{self as store, OrganisationSeriesCell as StoredCell},
    },
};

/// Validates `period` and splits it into the periods of `granularity` (at most
/// [`MAX_PERIODS`](super::analytics::MAX_PERIODS), counted before any is built).
fn periods(period: PeriodInput, granularity: Granularity) -> Result<Vec<store::SeriesPeriod>, ValidationError> {
    series_periods_within(granularity, period)
}

/// Organisation counts of one period (and key), counted on the period's last day (see
/// `definitions.counted`). When `suppressed`, every figure is null.
#[derive(SimpleObject, Debug, Clone)]
pub struct OrganisationSeriesCell {
    /// Period key: `2024`, `2024-Q2` or `2024-05`.
    pub period: String,
    /// Key of the grouping (empty for `NONE`, `unknown` when missing, `none` for
    /// organisations without a label under `LABEL`).
    pub key: String,
    /// The figures.
    #[graphql(flatten)]
    pub figures: OrganisationFigures,
}

/// An organisation time series, with its definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct OrganisationTimeSeries {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// The territory's organisations per period, one cell per period (groupings aside).
    pub totals: Vec<OrganisationSeriesCell>,
    /// One cell per period and key: every period, and in each period every key met in any
    /// period (zero when absent); sorted by period then key.
    pub cells: Vec<OrganisationSeriesCell>,
}

/// Partnership counts of one type in one period.
#[derive(SimpleObject, Debug, Clone)]
pub struct PartnershipSeriesCell {
    /// Period key: `2024`, `2024-Q2` or `2024-05`.
    pub period: String,
    /// Partnership type.
    pub partnership_type: PartnershipType,
    /// Partnerships active on the period's last day.
    pub partnerships: i64,
    /// Distinct organisations taking part in them.
    pub organisations: i64,
}

/// A partnership time series, with its definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct PartnershipTimeSeries {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// One cell per period and partnership type (every type, zero when none); sorted by period
    /// then type.
    pub cells: Vec<PartnershipSeriesCell>,
}

/// Every (period, key) of `periods` × the keys met in `cells`, with the stored cell or zeros.
fn full_grid(periods: &[store::SeriesPeriod], cells: Vec<StoredCell>, keys: &BTreeSet<String>) -> Vec<StoredCell> {
    let mut found: BTreeMap<(String, String), StoredCell> = cells
        .into_iter()
        .map(|cell| ((cell.period.clone(), cell.key.clone()), cell))
        .collect();
    let mut grid = Vec::new();
    for period in periods {
        for key in keys {
            grid.push(
                found
                    .remove(&(period.key.clone(), key.clone()))
                    .unwrap_or_else(|| StoredCell {
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

fn series_cell(
    cell: &StoredCell,
    suppression: Option<disclosure::Suppression>,
    threshold: i64,
) -> OrganisationSeriesCell {
    OrganisationSeriesCell {
        period: cell.period.clone(),
        key: cell.key.clone(),
        figures: OrganisationFigures::new(
            cell.organisations,
            cell.sse_organisations,
            cell.estimated_jobs,
            suppression,
            threshold,
        ),
    }
}

/// Time series of organisation and partnership indicators.
#[derive(Default)]
pub struct AnalyticsSeriesQuery;

/// Time series of organisation and partnership indicators.
#[Object]
impl AnalyticsSeriesQuery {
    /// Organisations of a territory counted at the end of every period of `granularity` in
    /// `period` (the last period ends on `period.to`), optionally split by a dimension; every
    /// period is present, zero when nothing counts. Cells built from too few organisations
    /// are withheld, period by period (see `definitions.confidentiality`).
    async fn organisation_time_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory whose organisations count (head office inside it).")] territory: TerritoryRef,
        #[graphql(desc = "The days counted: the stock is taken on the last day of each period.")] period: PeriodInput,
        #[graphql(desc = "Time step.")] granularity: Granularity,
        #[graphql(desc = "Split of each period; NONE by default.")] group_by: Option<OrganisationDimension>,
    ) -> async_graphql::Result<OrganisationTimeSeries> {
        let territory_id = bad_input(territory.territory_id())?;
        let periods = bad_input(periods(period, granularity))?;
        let dimension: StoredOrgDimension = group_by.unwrap_or_default().into();
        let db = ctx.data::<DatabaseConnection>()?;
        let (cells, totals) = async_graphql::futures_util::future::join(
            store::organisation_series(db, &territory_id, &periods, dimension),
            store::organisation_series(db, &territory_id, &periods, StoredOrgDimension::None),
        )
        .await;
        let (cells, totals) = (cells.or_internal()?, totals.or_internal()?);
        let mut keys: BTreeSet<String> = cells.iter().map(|cell| cell.key.clone()).collect();
        if dimension == StoredOrgDimension::None {
            keys.insert(String::new());
        }
        let cells = full_grid(&periods, cells, &keys);
        let totals = full_grid(&periods, totals, &BTreeSet::from([String::new()]));

        let threshold = threshold(ctx);
        let suppress = !may_see_unsuppressed(ctx);
        let mut out_cells = Vec::with_capacity(cells.len());
        let mut out_totals = Vec::with_capacity(totals.len());
        // Each period is its own table: its cells and its total.
        for total in &totals {
            let in_period: Vec<&StoredCell> = cells.iter().filter(|cell| cell.period == total.period).collect();
            let decision = if suppress {
                let facts: Vec<CellFacts> = in_period
                    .iter()
                    .map(|cell| CellFacts {
                        keys: vec![cell.key.clone()],
                        contributors: cell.organisations,
                        #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
                        size: cell.organisations as f64,
                        empty: cell.organisations == 0,
                    })
                    .collect();
                disclosure::decide(&facts, total.organisations, threshold)
            } else {
                disclosure::Decision {
                    cells: vec![None; in_period.len()],
                    total: None,
                }
            };
            out_totals.push(series_cell(total, decision.total, threshold));
            out_cells.extend(
                in_period
                    .iter()
                    .zip(&decision.cells)
                    .map(|(cell, suppression)| series_cell(cell, *suppression, threshold)),
            );
        }
        Ok(OrganisationTimeSeries {
            definitions: IndicatorDefinitions {
                counted: format!(
                    "Organisations whose current head-office establishment is in {:?} {}, counted on the last \
                     day of each period when they exist and are active then: not deleted, created on or \
                     before that day (unknown creation dates count as always existing), not ceased on or \
                     before it (organisations ceased on an unknown date count in no period). Current SSE \
                     family and headcount band. SSE: SSE family other than non-SSE or unknown.",
                    territory.level, territory.code
                ),
                date_basis: Some(format!(
                    "Stock on the last day of each {granularity:?} period; the last period ends on {}. Labels valid \
                     on that day.",
                    period.to
                )),
                amount_basis: None,
                locality_rule: None,
                allocation: None,
                estimates: Some(format!(
                    "{} Headcount bands are the current ones for every period.",
                    jobs_estimate()
                )),
                confidentiality: if suppress {
                    format!(
                        "{} Applied to each period's table on its own.",
                        confidentiality(threshold, "organisations")
                    )
                } else {
                    "Not applied: the caller may see every cell.".into()
                },
            },
            totals: out_totals,
            cells: out_cells,
        })
    }

    /// Partnerships of a territory active at the end of every period of `granularity` in
    /// `period` (the last period ends on `period.to`), by type; every period and every type is
    /// present, zero when none. Partnerships and their parties are public in this API, so
    /// these counts are not withheld.
    async fn partnership_time_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory (partnerships whose territory is it or inside it).")] territory: TerritoryRef,
        #[graphql(desc = "The days counted: partnerships active on the last day of each period.")] period: PeriodInput,
        #[graphql(desc = "Time step.")] granularity: Granularity,
    ) -> async_graphql::Result<PartnershipTimeSeries> {
        let territory_id = bad_input(territory.territory_id())?;
        let periods = bad_input(periods(period, granularity))?;
        let db = ctx.data::<DatabaseConnection>()?;
        let found = store::partnership_series(db, &territory_id, &periods)
            .await
            .or_internal()?;
        let mut found: BTreeMap<(String, String), store::PartnershipSeriesCell> = found
            .into_iter()
            .map(|cell| ((cell.period.clone(), cell.partnership_type.clone()), cell))
            .collect();
        let mut types: Vec<StoredPartnershipType> = StoredPartnershipType::iter().collect();
        types.sort_by_key(ActiveEnum::to_value);
        let mut cells = Vec::with_capacity(periods.len() * types.len());
        for period in &periods {
            for kind in &types {
                let cell = found.remove(&(period.key.clone(), kind.to_value()));
                cells.push(PartnershipSeriesCell {
                    period: period.key.clone(),
                    partnership_type: (*kind).into(),
                    partnerships: cell.as_ref().map_or(0, |c| c.partnerships),
                    organisations: cell.as_ref().map_or(0, |c| c.organisations),
                });
            }
        }
        Ok(PartnershipTimeSeries {
            definitions: IndicatorDefinitions {
                counted: format!(
                    "Partnerships not deleted whose territory is {:?} {} or inside it, active on the last day of \
                     each period: started on or before it (or no start date), not ended before it (or no end \
                     date); organisations are their parties (any role).",
                    territory.level, territory.code
                ),
                date_basis: Some(format!(
                    "Partnerships active on the last day of each {granularity:?} period; the last period ends on {}.",
                    period.to
                )),
                amount_basis: None,
                locality_rule: None,
                allocation: None,
                estimates: None,
                confidentiality: "Not applied: partnerships and their parties are public in this API.".into(),
            },
            cells,
        })
    }
}
