//! The `Territory` type: a région, département, EPCI, commune or arrondissement, with its
//! parent chain and the territories it contains.

use async_graphql::{Context, ID, Object};
use entity::{enums::TerritoryLevel as StoredLevel, territory};

use super::{
    enums::{GeoSource, TerritoryLevel, Zone},
    errors::{OrInternal, bad_input},
    loaders::Loaders,
    node::global_id,
};
use crate::domain::ValidationError;

/// Largest `first` accepted by `Territory.children`.
const MAX_CHILDREN: i32 = 1_000;

/// A territory of the Code officiel géographique (COG 2026): région, département, EPCI,
/// commune, municipal arrondissement, commune déléguée or associée.
pub struct Territory(pub territory::Model);

impl Territory {
    async fn load(ctx: &Context<'_>, id: &Option<String>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = id else { return Ok(None) };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .territories
            .load_one(id.clone())
            .await
            .or_internal()?
            .map(Territory))
    }
}

/// The level just below `level`, listed by `children` when no level is asked for.
fn level_below(level: StoredLevel) -> StoredLevel {
    match level {
        StoredLevel::Region => StoredLevel::Departement,
        StoredLevel::Departement | StoredLevel::Epci => StoredLevel::Commune,
        StoredLevel::Commune
        | StoredLevel::ArrondissementMunicipal
        | StoredLevel::CommuneDeleguee
        | StoredLevel::CommuneAssociee => StoredLevel::ArrondissementMunicipal,
    }
}

#[Object]
impl Territory {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Territory", &self.0.id)
    }

    /// INSEE code (the SIREN for an EPCI).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Administrative level.
    async fn level(&self) -> TerritoryLevel {
        self.0.level.into()
    }

    /// Official name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// SIREN of the local authority, where it has one.
    async fn siren(&self) -> Option<&str> {
        self.0.siren.as_deref()
    }

    /// Municipal population (for groupings, the sum over member communes where the source
    /// gives none).
    async fn population(&self) -> Option<i64> {
        self.0.population
    }

    /// Latitude (WGS84) of the representative point; see `geoSource`.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }

    /// Longitude (WGS84) of the representative point; see `geoSource`.
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }

    /// Where the coordinates come from.
    async fn geo_source(&self) -> GeoSource {
        self.0.geo_source.into()
    }

    /// Metropolitan France, overseas département or overseas collectivity.
    async fn zone(&self) -> Option<Zone> {
        self.0.zone.map(Into::into)
    }

    /// COG vintage (year) of this territory.
    async fn cog_vintage(&self) -> i16 {
        self.0.cog_vintage
    }

    /// Immediate parent: the commune of an arrondissement or commune déléguée, the EPCI
    /// (or, outside any EPCI, the département) of a commune, the région of a département.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.parent_id).await
    }

    /// The EPCI containing this territory.
    async fn epci(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.epci_id).await
    }

    /// The département containing this territory (null for an EPCI spanning several).
    async fn departement(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.departement_id).await
    }

    /// The région containing this territory (null for an EPCI spanning several).
    async fn region(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.region_id).await
    }

    /// Territories of `level` inside this one, by code: by default the level just below
    /// (départements of a région, communes of a département or EPCI, arrondissements of a
    /// commune). At most `first` (1 to 1000) are returned.
    async fn children(
        &self,
        ctx: &Context<'_>,
        level: Option<TerritoryLevel>,
        #[graphql(default = 100)] first: i32,
    ) -> async_graphql::Result<Vec<Territory>> {
        if !(1..=MAX_CHILDREN).contains(&first) {
            return bad_input(Err(ValidationError::new(
                "first",
                first.to_string(),
                format!("must be between 1 and {MAX_CHILDREN}"),
            )));
        }
        let level = level.map_or_else(|| level_below(self.0.level), Into::into);
        let loaders = ctx.data::<Loaders>()?;
        let children = loaders
            .contained
            .load_one((self.0.id.clone(), level))
            .await
            .or_internal()?;
        Ok(children
            .unwrap_or_default()
            .into_iter()
            .take(usize::try_from(first).unwrap_or_default())
            .map(Territory)
            .collect())
    }
}
