//! Time series of the organisation and partnership indicators (the procurement series is
//! `procurementTimeSeries`, in [`super::query`]): the stock at the end of every period of a
//! granularity, every period present (zero when nothing counts), so a chart needs no gap
//! filling. The analytics service computes them ([`crate::analytics::organisations::series`],
//! [`crate::analytics::partnerships::series`]); organisation cells follow the same statistical
//! confidentiality as the organisation indicators, applied period by period.

use async_graphql::{Context, Object, SimpleObject};
use sea_orm::DatabaseConnection;

use super::{
    super::{
        errors::{OrInternal, bad_input},
        inputs::TerritoryRef,
        partnership::PartnershipType,
    },
    definitions::{PARTNERSHIPS_ARE_PUBLIC, jobs_estimate, withheld},
    disclosure,
    inputs::{Granularity, OrganisationDimension, PeriodInput, series_periods, territory_id},
    types::{IndicatorDefinitions, OrganisationFigures},
};
use crate::{
    analytics::{self, Published},
    store::analytics_series::OrganisationSeriesCell as StoredCell,
};

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

fn series_cell(published: &Published<StoredCell>, threshold: i64) -> OrganisationSeriesCell {
    let cell = &published.cell;
    OrganisationSeriesCell {
        period: cell.period.clone(),
        key: cell.key.clone(),
        figures: OrganisationFigures::new(
            cell.organisations,
            cell.sse_organisations,
            cell.estimated_jobs,
            published.suppression,
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
        let territory_id = bad_input(territory_id(&territory))?;
        let periods = bad_input(series_periods(granularity, period))?;
        let db = ctx.data::<DatabaseConnection>()?;
        let disclosure = disclosure(ctx);
        let series = analytics::organisations::series(
            db,
            &territory_id,
            &periods,
            group_by.unwrap_or_default().into(),
            disclosure,
        )
        .await
        .or_internal()?;
        let threshold = disclosure.threshold;
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
                confidentiality: withheld(
                    disclosure,
                    "organisations",
                    " Applied to each period's table on its own.",
                ),
            },
            totals: series.totals.iter().map(|cell| series_cell(cell, threshold)).collect(),
            cells: series.cells.iter().map(|cell| series_cell(cell, threshold)).collect(),
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
        let territory_id = bad_input(territory_id(&territory))?;
        let periods = bad_input(series_periods(granularity, period))?;
        let db = ctx.data::<DatabaseConnection>()?;
        let cells = analytics::partnerships::series(db, &territory_id, &periods)
            .await
            .or_internal()?
            .into_iter()
            .map(|cell| PartnershipSeriesCell {
                period: cell.period,
                partnership_type: cell.partnership_type.into(),
                partnerships: cell.partnerships,
                organisations: cell.organisations,
            })
            .collect();
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
                confidentiality: PARTNERSHIPS_ARE_PUBLIC.into(),
            },
            cells,
        })
    }
}
