//! `foodSupplyIndicators`: the supply links of food chains bought within a territory or a
//! territorial food project over a period, in total and split by one dimension, with their
//! short-chain, local and SSE shares; cells built from too few suppliers withheld.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;

use super::{
    definitions::withheld,
    disclosure,
    inputs::{PeriodInput, territory_id},
    types::{IndicatorDefinitions, reason},
};
use crate::{
    analytics::{self, Published},
    domain::{Cents, ValidationError},
    graphql::{
        errors::{OrInternal, bad_input},
        inputs::TerritoryRef,
        node::row_ids,
    },
    store::analytics::food::{FoodCell, FoodDimension, FoodQuery, FoodScope},
};

/// Whose purchases: the buyers within a territory, or within a territorial food project's
/// communes. Give exactly one.
#[derive(InputObject, Debug, Clone)]
pub struct FoodScopeInput {
    /// A territory, any level.
    pub territory: Option<TerritoryRef>,
    /// A food project (global id).
    pub food_project: Option<ID>,
}

impl FoodScopeInput {
    fn validate(&self) -> Result<FoodScope, ValidationError> {
        match (&self.territory, &self.food_project) {
            (Some(territory), None) => Ok(FoodScope::Territory(
                territory_id(territory)
                    .map_err(|e| e.with_field("scope.territory.code"))?
                    .into_string(),
            )),
            (None, Some(id)) => {
                let ids = row_ids("FoodProject", "scope.foodProject", std::slice::from_ref(id))?;
                Ok(FoodScope::FoodProject(ids[0]))
            }
            _ => Err(ValidationError::new(
                "scope",
                "",
                "give exactly one of territory and foodProject",
            )),
        }
    }
}

/// How food supply cells are split.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoodSupplyDimension {
    /// By product family (stored values: `dairy`, `fruit_vegetables`…).
    ProductFamily,
    /// By number of intermediaries (`direct`, `one_intermediary`, `long`, `unknown`).
    Channel,
    /// By evidence (`decp_contract`, `canteen_purchase`, `central_kitchen`, `partner`).
    Evidence,
    /// By locality level of the supplier (`same_commune` … `unknown`).
    LocalityLevel,
}

impl From<FoodSupplyDimension> for FoodDimension {
    fn from(value: FoodSupplyDimension) -> Self {
        match value {
            FoodSupplyDimension::ProductFamily => Self::ProductFamily,
            FoodSupplyDimension::Channel => Self::Channel,
            FoodSupplyDimension::Evidence => Self::Evidence,
            FoodSupplyDimension::LocalityLevel => Self::LocalityLevel,
        }
    }
}

/// A share of the links and of their amount; null when there is nothing to share.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct FoodShare {
    /// Share of the links, 0 to 1.
    pub of_links: Option<f64>,
    /// Share of the amount, 0 to 1.
    pub of_amount: Option<f64>,
}

/// Food supply figures of one cell (or of the total). When `suppressed`, every figure is null.
#[derive(SimpleObject, Debug, Clone)]
pub struct FoodSupplyCell {
    /// The cell's key (the stored value of the dimension); null for the total.
    pub key: Option<String>,
    /// Whether the figures are withheld (statistical confidentiality).
    pub suppressed: bool,
    /// Why they are withheld.
    pub suppression_reason: Option<String>,
    /// Supply links.
    pub links: Option<i64>,
    /// Distinct buyer establishments.
    pub buyers: Option<i64>,
    /// Distinct suppliers (organisations, and declared names of suppliers not known by SIRET).
    pub suppliers: Option<i64>,
    /// Amount in euros excluding VAT over the links' whole periods (links without an amount
    /// count zero).
    pub amount_eur: Option<Decimal>,
    /// Short circuits: at most one intermediary (`DIRECT` or `ONE_INTERMEDIARY`).
    pub short_chain: Option<FoodShare>,
    /// Suppliers in the buyer's département or closer (`localityLevel` same commune, EPCI or
    /// département).
    pub local: Option<FoodShare>,
    /// Suppliers of the social and solidarity economy (SSE family other than non-SSE or
    /// unknown).
    pub sse: Option<FoodShare>,
    /// Mean buyer–supplier distance in km over the links with a known distance.
    pub mean_distance_km: Option<f64>,
}

fn cell(published: &Published<FoodCell>, threshold: i64) -> FoodSupplyCell {
    let cell = &published.cell;
    let visible = published.suppression.is_none();
    #[expect(clippy::cast_precision_loss, reason = "counts and cents far below 2^52")]
    let share = |(links, cents): (i64, i64)| {
        let ratio = |part: i64, whole: i64| (whole > 0).then(|| part as f64 / whole as f64);
        visible.then(|| FoodShare {
            of_links: ratio(links, cell.links),
            of_amount: ratio(cents, cell.amount_cents),
        })
    };
    FoodSupplyCell {
        key: cell.key.clone(),
        suppressed: !visible,
        suppression_reason: published.suppression.map(|s| reason(s, threshold, "suppliers")),
        links: visible.then_some(cell.links),
        buyers: visible.then_some(cell.buyers),
        suppliers: visible.then_some(cell.suppliers),
        amount_eur: visible.then(|| Cents::new(cell.amount_cents).euros()),
        short_chain: share(cell.short_chain),
        local: share(cell.local),
        sse: share(cell.sse),
        mean_distance_km: cell.mean_distance_km.filter(|_| visible),
    }
}

/// Food supply indicators with their total and definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct FoodSupplyIndicators {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// The split, when asked.
    pub dimension: Option<FoodSupplyDimension>,
    /// The whole scope and period.
    pub total: FoodSupplyCell,
    /// One cell per key of the dimension, sorted by key (none without a dimension).
    pub cells: Vec<FoodSupplyCell>,
}

/// Food supply indicators.
#[derive(Default)]
pub struct FoodIndicatorsQuery;

/// Food supply indicators.
#[Object]
impl FoodIndicatorsQuery {
    /// Food supply indicators of the buyers within a territory or a territorial food project,
    /// for the supply links whose period overlaps `period`: links, buyers, suppliers, amount,
    /// and the short-chain, local and SSE shares, in total and split by `groupBy`. Cells built
    /// from too few suppliers are withheld (see `definitions.confidentiality`).
    async fn food_supply_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose purchases: a territory or a food project.")] scope: FoodScopeInput,
        #[graphql(desc = "Links whose period overlaps this one, both ends included.")] period: PeriodInput,
        #[graphql(desc = "One dimension to split by; the total only when omitted.")] group_by: Option<
            FoodSupplyDimension,
        >,
    ) -> async_graphql::Result<FoodSupplyIndicators> {
        let scope = bad_input(scope.validate())?;
        let period = bad_input(period.validate())?;
        let query = FoodQuery {
            scope,
            period: (period.from, period.to),
            group_by: group_by.map(Into::into),
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let disclosure = disclosure(ctx);
        let table = analytics::food::indicators(db, &query, disclosure)
            .await
            .or_internal()?;
        let mut definitions = IndicatorDefinitions::new(
            "Live supply links of food chains whose buyer establishment lies in the scope (an \
             arrondissement municipal in its commune) and whose period overlaps the period asked \
             (an open-ended link overlaps every period after its start)."
                .into(),
            withheld(disclosure, "suppliers", ""),
        );
        definitions.date_basis = Some("The link's period: first to last day (open when unknown).".into());
        definitions.amount_basis = Some(
            "The link's whole amount excluding VAT, not prorated to the period; links without an \
             amount count in the links but add nothing to the amount."
                .into(),
        );
        definitions.locality_rule = Some(
            "Local: the supplier establishment is in the buyer's commune, EPCI or département; \
             links whose supplier is known only by name are of unknown locality (not local). The \
             number of intermediaries is a separate matter: a short circuit has at most one."
                .into(),
        );
        Ok(FoodSupplyIndicators {
            definitions,
            dimension: group_by,
            total: cell(&table.total, disclosure.threshold),
            cells: table.cells.iter().map(|c| cell(c, disclosure.threshold)).collect(),
        })
    }
}
