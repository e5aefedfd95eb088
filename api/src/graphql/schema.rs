//! The schema root and its construction. The schema builds and runs without HTTP
//! (`schema.execute`), which the tests use; `sdl()` is what `terrasse schema` prints and
//! what `schema.graphql` must equal.

use async_graphql::{Context, EmptyMutation, EmptySubscription, Object, Schema};
use entity::enums::TerritoryLevel as StoredLevel;
use sea_orm::DatabaseConnection;

use super::{
    enums::TerritoryLevel,
    errors::{OrInternal, bad_input},
    organisation::Organisation,
    territory::Territory,
};
use crate::{
    domain::{CommuneCode, Siren},
    store,
};

/// The Terrasse GraphQL schema.
pub type TerrasseSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema over a database. Per-request data (the loaders) is added by the HTTP
/// handler.
pub fn build_schema(db: DatabaseConnection) -> TerrasseSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(db)
        .finish()
}

/// The schema in SDL, as served.
pub fn sdl() -> String {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

/// Entry points for reading Terrasse.
pub struct Query;

#[Object]
impl Query {
    /// A territory by level and code: the INSEE code (`13055`, `2A004`, `13` for a
    /// département, `93` for a région) or, for an EPCI, its SIREN.
    async fn territory(
        &self,
        ctx: &Context<'_>,
        code: String,
        level: TerritoryLevel,
    ) -> async_graphql::Result<Option<Territory>> {
        let level = StoredLevel::from(level);
        let code = match level {
            StoredLevel::Commune
            | StoredLevel::ArrondissementMunicipal
            | StoredLevel::CommuneDeleguee
            | StoredLevel::CommuneAssociee => {
                bad_input(CommuneCode::parse(&code).map_err(|e| e.with_field("code")))?
                    .as_str()
                    .to_owned()
            }
            StoredLevel::Epci => bad_input(Siren::parse(&code).map_err(|e| e.with_field("code")))?
                .as_str()
                .to_owned(),
            StoredLevel::Departement | StoredLevel::Region => code.trim().to_uppercase(),
        };
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(store::territories::by_code(db, level, &code)
            .await
            .or_internal()?
            .map(Territory))
    }

    /// An organisation by SIREN (9 digits; spaces are ignored).
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        siren: String,
    ) -> async_graphql::Result<Option<Organisation>> {
        let siren = bad_input(Siren::parse(&siren))?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(store::organisations::by_siren(db, &siren)
            .await
            .or_internal()?
            .map(Organisation))
    }
}
