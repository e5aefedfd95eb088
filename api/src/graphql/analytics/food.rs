//! `foodSupplyIndicators`: the supply links of food chains bought within a territory or a
//! territorial food project over a period, in total and split by one dimension, with their
//! short-chain, local and SSE shares; cells built from too few suppliers withheld; and
//! `foodSupplyNetwork`, the buyers and suppliers of those links as a graph.

use std::collections::{BTreeMap, HashMap};

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::SupplyChannel as StoredChannel;
use rust_decimal::Decimal;
use sea_orm::{ActiveEnum, DatabaseConnection};

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
        enums::EssFamily,
        errors::{OrInternal, bad_input},
        inputs::TerritoryRef,
        node::{global_id, row_ids},
        supply::types::SupplyChannel,
    },
    store::analytics::food::{self as analytics_store, FoodCell, FoodDimension, FoodQuery, FoodScope, network},
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
    /// The store's scope, or why the input is not one.
    pub(crate) fn validate(&self) -> Result<FoodScope, ValidationError> {
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

/// What the buyers of the scope spent on food through published public contracts. When
/// `suppressed`, every figure is null.
#[derive(SimpleObject, Debug, Clone)]
pub struct DecpFoodSpendCell {
    /// Whether the figures are withheld (statistical confidentiality).
    pub suppressed: bool,
    /// Why they are withheld.
    pub suppression_reason: Option<String>,
    /// Contracts with a CPV code of agricultural or food products (divisions 03 and 15)
    /// notified in the period by buyers whose establishment lies in the scope.
    pub contracts: Option<i64>,
    /// Their initial amounts in euros excluding VAT (rounded to the cent).
    pub amount_eur: Option<Decimal>,
    /// Distinct suppliers.
    pub suppliers: Option<i64>,
    /// Share of the amount going to suppliers of the SSE (each contract's amount shared
    /// equally between its suppliers).
    pub sse_share_of_amount: Option<f64>,
}

/// Food supply indicators with their total and definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct FoodSupplyIndicators {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// Public contracts for food of the scope's buyers notified in the period (DECP), from
    /// the contracts themselves rather than from the supply links.
    pub decp_food_spend: DecpFoodSpendCell,
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
        let (table, spend) = analytics::food::indicators(db, &query, disclosure)
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
        let visible = spend.suppression.is_none();
        let decp_food_spend = DecpFoodSpendCell {
            suppressed: !visible,
            suppression_reason: spend.suppression.map(|s| reason(s, disclosure.threshold, "suppliers")),
            contracts: visible.then_some(spend.cell.contracts),
            amount_eur: visible.then(|| Cents::rounded(spend.cell.amount_cents).euros()),
            suppliers: visible.then_some(spend.cell.suppliers),
            sse_share_of_amount: visible
                .then(|| (spend.cell.amount_cents > 0.0).then(|| spend.cell.sse_amount_cents / spend.cell.amount_cents))
                .flatten(),
        };
        Ok(FoodSupplyIndicators {
            definitions,
            decp_food_spend,
            dimension: group_by,
            total: cell(&table.total, disclosure.threshold),
            cells: table.cells.iter().map(|c| cell(c, disclosure.threshold)).collect(),
        })
    }
}

/// What a node of a food supply network is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoodNodeRole {
    /// Buys only.
    Buyer,
    /// Supplies only.
    Supplier,
    /// Buys and supplies.
    Both,
}

/// A buyer or a supplier of a food supply network.
#[derive(SimpleObject, Debug, Clone)]
pub struct FoodNetworkNode {
    /// The node's key in `edges`: the organisation's global id, or `name:<name>` for a
    /// supplier known only by its declared name (lower case).
    pub key: String,
    /// The organisation's global id (usable with `node(id:)`); null for a named supplier.
    pub organisation_id: Option<ID>,
    /// Name.
    pub name: String,
    /// SSE family of the organisation; null for a named supplier.
    pub ess_family: Option<EssFamily>,
    /// Whether it buys, supplies or both in this network.
    pub role: FoodNodeRole,
}

/// A buyer–supplier pair of a food supply network.
#[derive(SimpleObject, Debug, Clone)]
pub struct FoodNetworkEdge {
    /// Key of the buyer node.
    pub source: String,
    /// Key of the supplier node.
    pub target: String,
    /// Supply links between them.
    pub links: i64,
    /// Their amount in euros excluding VAT.
    pub amount_eur: Decimal,
    /// Links with at most one intermediary.
    pub short_chain_links: i64,
    /// The number of intermediaries of every link, when they all have the same.
    pub channel: Option<SupplyChannel>,
}

/// The food supply network of a scope, ready to draw as a graph.
#[derive(SimpleObject, Debug, Clone)]
pub struct FoodSupplyNetwork {
    /// The definitions the network follows.
    pub definitions: IndicatorDefinitions,
    /// Buyers and suppliers, sorted by key.
    pub nodes: Vec<FoodNetworkNode>,
    /// One edge per buyer–supplier pair, largest amounts first.
    pub edges: Vec<FoodNetworkEdge>,
}

/// The node key of an organisation or a named supplier.
fn node_key(organisation: Option<uuid::Uuid>, name: Option<&str>) -> String {
    match organisation {
        Some(id) => global_id("Organisation", id).0,
        None => format!("name:{}", name.unwrap_or_default()),
    }
}

/// Food supply networks.
#[derive(Default)]
pub struct FoodNetworkQuery;

/// Food supply networks.
#[Object]
impl FoodNetworkQuery {
    /// The food supply network of the buyers within a territory or a territorial food project,
    /// over the supply links whose period overlaps `period`: buyers (their organisations) and
    /// suppliers (organisations, or declared names), one edge per pair with its links, amount
    /// and channel. At most 2 000 edges (the largest amounts) and their ends.
    async fn food_supply_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose purchases: a territory or a food project.")] scope: FoodScopeInput,
        #[graphql(desc = "Links whose period overlaps this one, both ends included.")] period: PeriodInput,
    ) -> async_graphql::Result<FoodSupplyNetwork> {
        let scope = bad_input(scope.validate())?;
        let period = bad_input(period.validate())?;
        let query = FoodQuery {
            scope,
            period: (period.from, period.to),
            group_by: None,
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let edges = network(db, &query).await.or_internal()?;
        let mut roles: BTreeMap<String, (Option<uuid::Uuid>, Option<String>, bool, bool)> = BTreeMap::new();
        for edge in &edges {
            roles
                .entry(node_key(Some(edge.buyer), None))
                .or_insert((Some(edge.buyer), None, false, false))
                .2 = true;
            let (key, written) = edge.supplier_name.clone().unzip();
            roles
                .entry(node_key(edge.supplier, key.as_deref()))
                .or_insert((edge.supplier, written, false, false))
                .3 = true;
        }
        let ids: Vec<uuid::Uuid> = roles.values().filter_map(|(id, ..)| *id).collect();
        let organisations: HashMap<uuid::Uuid, entity::organisation::Model> =
            crate::store::organisations::by_ids(db, &ids)
                .await
                .or_internal()?
                .into_iter()
                .map(|o| (o.id, o))
                .collect();
        let nodes = roles
            .into_iter()
            .map(|(key, (id, name, buys, supplies))| {
                let organisation = id.and_then(|id| organisations.get(&id));
                FoodNetworkNode {
                    key,
                    organisation_id: id.map(|id| global_id("Organisation", id)),
                    name: organisation.map_or_else(|| name.clone().unwrap_or_default(), |o| o.name.clone()),
                    ess_family: organisation.map(|o| o.ess_family.into()),
                    role: match (buys, supplies) {
                        (true, true) => FoodNodeRole::Both,
                        (true, false) => FoodNodeRole::Buyer,
                        _ => FoodNodeRole::Supplier,
                    },
                }
            })
            .collect();
        let edges = edges
            .into_iter()
            .map(|edge| FoodNetworkEdge {
                source: node_key(Some(edge.buyer), None),
                target: node_key(edge.supplier, edge.supplier_name.as_ref().map(|(key, _)| key.as_str())),
                links: edge.links,
                amount_eur: Cents::new(edge.amount_cents).euros(),
                short_chain_links: edge.short_chain_links,
                channel: edge
                    .channel
                    .and_then(|c| StoredChannel::try_from_value(&c).ok())
                    .map(Into::into),
            })
            .collect();
        Ok(FoodSupplyNetwork {
            definitions: IndicatorDefinitions::new(
                "Live supply links of food chains whose buyer establishment lies in the scope and \
                 whose period overlaps the period asked, grouped by buyer organisation and supplier \
                 (its organisation, or its declared name without case)."
                    .into(),
                "Not applied: supply links are public in this API (`supplyLinks`).".into(),
            ),
            nodes,
            edges,
        })
    }
}

/// How canteen cells are split.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanteenIndicatorDimension {
    /// By management type (`direct`, `conceded`, `unknown`).
    Management,
    /// By production type (`central`, `central_serving`, `site`, `site_cooked_elsewhere`,
    /// `unknown`).
    Production,
}

/// Canteen figures of one cell (or of the total). When `suppressed`, every figure is null.
#[derive(SimpleObject, Debug, Clone)]
pub struct CanteenCell {
    /// The cell's key (the stored value of the dimension); null for the total.
    pub key: Option<String>,
    /// Whether the figures are withheld (statistical confidentiality).
    pub suppressed: bool,
    /// Why they are withheld.
    pub suppression_reason: Option<String>,
    /// Canteens of the register.
    pub canteens: Option<i64>,
    /// Of which with a declaration for the year.
    pub declaring: Option<i64>,
    /// Meals per year of all of them (as registered).
    pub yearly_meals: Option<i64>,
    /// Declared share of organic products, weighted by yearly meals over the declaring
    /// canteens with a share and a meal count.
    pub organic_share: Option<f64>,
    /// Declared share of the other EGalim-quality products (organic excluded), weighted
    /// likewise.
    pub egalim_share: Option<f64>,
}

/// Canteen indicators with their total and definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct CanteenIndicators {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// The total of the scope.
    pub total: CanteenCell,
    /// One cell per key of the dimension, sorted by key (none without a dimension).
    pub cells: Vec<CanteenCell>,
}

fn canteen_cell(published: &Published<analytics_store::CanteenCell>, threshold: i64) -> CanteenCell {
    let cell = &published.cell;
    let visible = published.suppression.is_none();
    CanteenCell {
        key: cell.key.clone(),
        suppressed: !visible,
        suppression_reason: published
            .suppression
            .map(|s| reason(s, threshold, "declaring canteens")),
        canteens: visible.then_some(cell.canteens),
        declaring: visible.then_some(cell.declaring),
        yearly_meals: visible.then_some(cell.yearly_meals),
        organic_share: cell.organic_share.filter(|_| visible),
        egalim_share: cell.egalim_share.filter(|_| visible),
    }
}

/// Canteen indicators.
#[derive(Default)]
pub struct CanteenIndicatorsQuery;

/// Canteen indicators.
#[Object]
impl CanteenIndicatorsQuery {
    /// Canteen indicators of a territory or a territorial food project for one year: canteens
    /// of the register, how many declared their purchases, and the declared organic and EGalim
    /// shares, in total and split by `groupBy`. Cells built from too few declaring canteens are
    /// withheld (see `definitions.confidentiality`).
    async fn canteen_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where: a territory or a food project.")] scope: FoodScopeInput,
        #[graphql(desc = "The year of the purchases declared (2000 to 2100).")] year: i32,
        #[graphql(desc = "One dimension to split by; the total only when omitted.")] group_by: Option<
            CanteenIndicatorDimension,
        >,
    ) -> async_graphql::Result<CanteenIndicators> {
        let scope = bad_input(scope.validate())?;
        let year = bad_input(
            i16::try_from(year)
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| ValidationError::new("year", year.to_string(), "must be a year from 2000 to 2100")),
        )?;
        let group_by = group_by.map(|g| match g {
            CanteenIndicatorDimension::Management => analytics_store::CanteenDimension::Management,
            CanteenIndicatorDimension::Production => analytics_store::CanteenDimension::Production,
        });
        let db = ctx.data::<DatabaseConnection>()?;
        let disclosure = disclosure(ctx);
        let table = analytics::food::canteen_indicators(db, &scope, year, group_by, disclosure)
            .await
            .or_internal()?;
        let mut definitions = IndicatorDefinitions::new(
            "Canteens of the national register whose commune lies in the scope, with their \
             declaration of the year's purchases when they made one."
                .into(),
            withheld(disclosure, "declaring canteens", ""),
        );
        definitions.amount_basis = Some(
            "Shares as declared by each canteen (of its food purchases excluding VAT), averaged \
             with each canteen weighted by its registered yearly meals; canteens without a share \
             or a meal count are left out of the averages."
                .into(),
        );
        Ok(CanteenIndicators {
            definitions,
            total: canteen_cell(&table.total, disclosure.threshold),
            cells: table
                .cells
                .iter()
                .map(|c| canteen_cell(c, disclosure.threshold))
                .collect(),
        })
    }
}
