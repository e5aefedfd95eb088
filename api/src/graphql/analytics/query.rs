//! The dashboard indicator queries: procurement indicators and their time series,
//! organisation indicators, partnership counts and networks.

use async_graphql::{Context, Object};
use chrono::{NaiveDate, Utc};
use entity::enums::{EssFamily as StoredFamily, PartnershipType as StoredPartnershipType};
use sea_orm::{ActiveEnum, DatabaseConnection};

use super::{
    super::{
        enums::TerritoryLevel,
        errors::{OrInternal, bad_input},
        inputs::TerritoryRef,
        node::global_id,
    },
    definitions::{PARTNERSHIPS_ARE_PUBLIC, jobs_estimate, partnership_definitions, procurement_definitions, withheld},
    disclosure,
    inputs::{
        AmountBasis, BuyerScopeInput, Granularity, LocalityInput, OrganisationDimension, PeriodInput,
        ProcurementDimension, ProcurementGrouping, procurement_query, series_periods, territory_id,
    },
    types::{
        AreaKey, IndicatorDefinitions, NetworkEdge, NetworkNode, OrganisationIndicators, PartnershipCountCell,
        PartnershipIndicators, PartnershipNetwork, ProcurementIndicators, organisation_cell, procurement_cell,
    },
};
use crate::{
    analytics::{self, Disclosure},
    domain::ValidationError,
    store::analytics::{self as store, ProcurementQuery},
};

/// Dashboard analytics: grouped procurement, organisation and partnership indicators.
#[derive(Default)]
pub struct AnalyticsQuery;

/// Dashboard analytics: grouped procurement, organisation and partnership indicators.
#[Object]
impl AnalyticsQuery {
    /// Procurement indicators (SPASER) for a scope and a period, grouped by at most two
    /// dimensions, with the total of the scope and the definitions used. Cells built from
    /// too few suppliers are withheld (see `definitions.confidentiality`).
    async fn procurement_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose contracts: one buyer or the buyers of a territory.")] scope: BuyerScopeInput,
        #[graphql(desc = "Notification dates counted, both ends included.")] period: PeriodInput,
        #[graphql(desc = "Which amount is summed; INITIAL by default.")] amount_basis: Option<AmountBasis>,
        #[graphql(desc = "What makes a supplier local; same EPCI by default.")] locality: Option<LocalityInput>,
        #[graphql(desc = "Zero, one or two grouping dimensions.")] group_by: Option<Vec<ProcurementGrouping>>,
    ) -> async_graphql::Result<ProcurementIndicators> {
        let group_by = group_by.unwrap_or_default();
        if group_by.len() > 2 {
            return bad_input(Err(ValidationError::new(
                "groupBy",
                group_by.len().to_string(),
                "at most two dimensions",
            )));
        }
        let query = bad_input(procurement_query(&scope, period, amount_basis, locality, &group_by))?;
        let dimensions = group_by.iter().map(|g| g.dimension).collect();
        procurement_indicators(ctx, &scope, query, dimensions, None).await
    }

    /// A time series of procurement indicators: one cell per period of `granularity` from the
    /// start to the end of `period`, empty periods included (zero contracts), so a chart
    /// needs no gap filling.
    async fn procurement_time_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose contracts: one buyer or the buyers of a territory.")] scope: BuyerScopeInput,
        #[graphql(desc = "Notification dates counted, both ends included.")] period: PeriodInput,
        #[graphql(desc = "Time step.")] granularity: Granularity,
        #[graphql(desc = "Which amount is summed; INITIAL by default.")] amount_basis: Option<AmountBasis>,
        #[graphql(desc = "What makes a supplier local; same EPCI by default.")] locality: Option<LocalityInput>,
    ) -> async_graphql::Result<ProcurementIndicators> {
        let dimension = granularity.dimension();
        let grouping = [ProcurementGrouping { dimension, level: None }];
        let periods = bad_input(series_periods(granularity, period))?
            .into_iter()
            .map(|period| period.key)
            .collect();
        let query = bad_input(procurement_query(&scope, period, amount_basis, locality, &grouping))?;
        procurement_indicators(ctx, &scope, query, vec![dimension], Some(periods)).await
    }

    /// Organisation indicators per territory at `level` inside `territory`: counts, SSE share
    /// and ESTIMATED salaried jobs, optionally split by a second dimension. Cells built from
    /// too few organisations are withheld (see `definitions.confidentiality`).
    async fn organisation_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory whose organisations count (head office inside it).")] territory: TerritoryRef,
        #[graphql(desc = "Level of the territories of the cells, at or below `territory`'s.")] level: TerritoryLevel,
        #[graphql(desc = "Second grouping; NONE by default.")] group_by: Option<OrganisationDimension>,
        #[graphql(desc = "Reference date for labels; today by default.")] as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<OrganisationIndicators> {
        let territory_id = bad_input(territory_id(&territory))?;
        let as_of = as_of.unwrap_or_else(|| Utc::now().date_naive());
        let db = ctx.data::<DatabaseConnection>()?;
        let query = store::OrganisationQuery {
            territory: territory_id.to_string(),
            level: level.into(),
            dimension: group_by.unwrap_or_default().into(),
            as_of,
        };
        let disclosure = disclosure(ctx);
        let table = analytics::organisations::indicators(db, query, &territory_id, disclosure)
            .await
            .or_internal()?;
        Ok(OrganisationIndicators {
            definitions: IndicatorDefinitions {
                date_basis: Some(format!("Labels valid on {as_of}.")),
                estimates: Some(jobs_estimate()),
                ..IndicatorDefinitions::new(
                    format!(
                        "Active, not deleted organisations whose head-office establishment is in {:?} {}, \
                         placed in the territory of that establishment's commune at the level asked; public \
                         authorities included. SSE: SSE family other than non-SSE or unknown.",
                        territory.level, territory.code
                    ),
                    withheld(disclosure, "organisations", ""),
                )
            },
            total: organisation_cell(&table.total, disclosure.threshold),
            cells: table
                .cells
                .iter()
                .map(|cell| organisation_cell(cell, disclosure.threshold))
                .collect(),
        })
    }

    /// Partnership counts by type and territory for partnerships whose territory is
    /// `territory` or inside it. Partnerships and their parties are public in this API, so
    /// these counts are not withheld.
    async fn partnership_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory.")] territory: TerritoryRef,
        #[graphql(desc = "Roll each partnership's territory up to this level; its own territory when omitted.")]
        level: Option<TerritoryLevel>,
    ) -> async_graphql::Result<PartnershipIndicators> {
        let territory_id = bad_input(territory_id(&territory))?;
        let db = ctx.data::<DatabaseConnection>()?;
        let cells = store::partnerships(db, territory_id.as_str(), level.map(Into::into))
            .await
            .or_internal()?;
        let cells = cells
            .into_iter()
            .map(|cell| -> async_graphql::Result<PartnershipCountCell> {
                let kind = StoredPartnershipType::try_from_value(&cell.partnership_type)
                    .map_err(|_| async_graphql::Error::new("internal error"))?;
                Ok(PartnershipCountCell {
                    partnership_type: kind.into(),
                    territory: AreaKey::new(&cell.territory_id, &cell.territory_name),
                    partnerships: cell.partnerships,
                    organisations: cell.organisations,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(PartnershipIndicators {
            definitions: IndicatorDefinitions::new(partnership_definitions(&territory), PARTNERSHIPS_ARE_PUBLIC.into()),
            cells,
        })
    }

    /// The partnership network of a territory: the organisations taking part in partnerships
    /// whose territory is `territory` or inside it (non-diffusible organisations left out),
    /// and one weighted edge per pair sharing at least one of them. At most 1 000
    /// organisations (those in the most partnerships) and 5 000 edges (the pairs sharing the
    /// most partnerships) are returned.
    async fn partnership_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory.")] territory: TerritoryRef,
    ) -> async_graphql::Result<PartnershipNetwork> {
        let territory_id = bad_input(territory_id(&territory))?;
        let db = ctx.data::<DatabaseConnection>()?;
        let (nodes, edges) = store::network(db, territory_id.as_str(), store::NetworkCaps::default())
            .await
            .or_internal()?;
        let nodes = nodes
            .into_iter()
            .map(|node| -> async_graphql::Result<NetworkNode> {
                let family = StoredFamily::try_from_value(&node.ess_family)
                    .map_err(|_| async_graphql::Error::new("internal error"))?;
                Ok(NetworkNode {
                    id: global_id("Organisation", node.organisation_id),
                    name: node.name,
                    siren: node.siren,
                    ess_family: family.into(),
                    partnerships: node.partnerships,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(PartnershipNetwork {
            definitions: IndicatorDefinitions::new(
                format!("{} Diffusible organisations only.", partnership_definitions(&territory)),
                PARTNERSHIPS_ARE_PUBLIC.into(),
            ),
            nodes,
            edges: edges
                .into_iter()
                .map(|edge| NetworkEdge {
                    source: global_id("Organisation", edge.source),
                    target: global_id("Organisation", edge.target),
                    shared_partnerships: edge.shared_partnerships,
                })
                .collect(),
        })
    }
}

/// Runs a procurement aggregate and its total through the service and wraps them, with the
/// definitions of `query`.
async fn procurement_indicators(
    ctx: &Context<'_>,
    scope: &BuyerScopeInput,
    query: ProcurementQuery,
    dimensions: Vec<ProcurementDimension>,
    periods: Option<Vec<String>>,
) -> async_graphql::Result<ProcurementIndicators> {
    let db = ctx.data::<DatabaseConnection>()?;
    let disclosure: Disclosure = disclosure(ctx);
    let table = analytics::procurement::indicators(db, &query, periods, disclosure)
        .await
        .or_internal()?;
    Ok(ProcurementIndicators {
        definitions: procurement_definitions(scope, &query, disclosure),
        total: procurement_cell(&table.total, &[], disclosure.threshold),
        cells: table
            .cells
            .iter()
            .map(|cell| procurement_cell(cell, &dimensions, disclosure.threshold))
            .collect(),
        dimensions,
    })
}
