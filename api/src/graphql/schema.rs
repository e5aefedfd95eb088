//! The schema root and its construction. The schema builds and runs without HTTP
//! (`schema.execute`), which the tests use; `sdl()` is what `terrasse schema` prints and
//! what `schema.graphql` must equal.

use async_graphql::{EmptySubscription, MergedObject, Schema};
use sea_orm::DatabaseConnection;

use super::{
    analytics::{AnalyticsQuery, AnalyticsSeriesQuery, CanteenIndicatorsQuery, FoodIndicatorsQuery, FoodNetworkQuery},
    contract::query::ContractQuery,
    mutation::Mutation,
    node::NodeQuery,
    organisation::query::{EstablishmentQuery, OrganisationQuery},
    partnership::query::PartnershipQuery,
    supply::{canteen::CanteenQuery, organic::OrganicQuery, query::SupplyQuery},
    sync::SyncQuery,
    territory::query::{TerritoryListQuery, TerritoryQuery},
};

/// The Terrasse GraphQL schema.
pub type TerrasseSchema = Schema<Query, Mutation, EmptySubscription>;

// The schema lists the merged roots' fields in this order, so the published order
// (`territory`, `node`, `nodes`, `organisation`, `organisations`, `territories`,
// `establishments`, ...) fixes it.
/// Entry points for reading Terrasse: one root per area, merged.
#[derive(MergedObject, Default)]
pub struct Query(
    TerritoryQuery,
    NodeQuery,
    OrganisationQuery,
    TerritoryListQuery,
    EstablishmentQuery,
    ContractQuery,
    PartnershipQuery,
    SupplyQuery,
    CanteenQuery,
    OrganicQuery,
    AnalyticsQuery,
    AnalyticsSeriesQuery,
    FoodIndicatorsQuery,
    FoodNetworkQuery,
    CanteenIndicatorsQuery,
    SyncQuery,
);

/// Builds the schema over a database. Per-request data (the loaders) is added by the HTTP
/// handler, and query limits are checked by the request executor.
pub fn build_schema(db: DatabaseConnection) -> TerrasseSchema {
    build_schema_for(db, true, crate::config::AnalyticsConfig::default())
}

/// Builds the schema, answering introspection queries or not, with the analytics settings
/// (statistical confidentiality threshold).
pub fn build_schema_for(
    db: DatabaseConnection,
    introspection: bool,
    analytics: crate::config::AnalyticsConfig,
) -> TerrasseSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription);
    let builder = if introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    builder.data(db).data(analytics).finish()
}

/// The schema in SDL, as served.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .finish()
        .sdl()
}
