//! The `Territory` type: a région, département, EPCI, commune or arrondissement, with its
//! parent chain, the territories it contains, and the organisations and contracts within it.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use entity::{enums::TerritoryLevel as StoredLevel, territory};

use crate::graphql::{
    connection::{TerrasseConnection, connection, nested_page, nested_total, page_args},
    contract::{self, Contract},
    enums::{GeoSource, TerritoryLevel, Zone},
    errors::OrInternal,
    loaders::Loaders,
    node::global_id,
    organisation::{
        self, Organisation,
        filter::{OrganisationFilterInput, OrganisationOrder},
    },
};

/// A territory of the Code officiel géographique (COG 2026): région, département, EPCI,
/// commune, municipal arrondissement, commune déléguée or associée.
pub struct Territory(pub Arc<territory::Model>);

impl From<territory::Model> for Territory {
    fn from(model: territory::Model) -> Self {
        Self(Arc::new(model))
    }
}

impl Territory {
    /// The territory with internal id `id` (none when `id` is none), through the request's
    /// loader.
    pub async fn load(ctx: &Context<'_>, id: &Option<String>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = id else { return Ok(None) };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .territories
            .by_id
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

/// A territory of the Code officiel géographique (COG 2026): région, département, EPCI,
/// commune, municipal arrondissement, commune déléguée or associée.
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
    /// commune).
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Level of the territories listed; by default the level just below.")] level: Option<
            TerritoryLevel,
        >,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Territory>> {
        let level = level.map_or_else(|| level_below(self.0.level), Into::into);
        let args = page_args(first, after, last, before)?;
        let loaders = ctx.data::<Loaders>()?;
        let page = nested_page(&loaders.territories.contained_pages, (self.0.id.clone(), (level, args))).await?;
        let totals = nested_total(
            |loaders| &loaders.territories.contained_counts,
            (self.0.id.clone(), level),
        );
        Ok(connection(page, Territory::from, totals))
    }

    /// Organisations with an establishment in this territory (at any depth), matching
    /// `filter`, in `orderBy` order (name by default).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<OrganisationFilterInput>,
        #[graphql(desc = "Order of the list; ties are broken by id, so paging is stable.")] order_by: Option<
            OrganisationOrder,
        >,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Organisation>> {
        let (filter, order, _) = organisation::filter::validate_list(filter, order_by)?;
        let args = page_args(first, after, last, before)?;
        organisation::query::organisations_within(ctx, self.0.id.clone(), filter, order, args).await
    }

    /// Contracts awarded by public buyers in this territory (the buyer governs a territory within it, or has an establishment there), most recently notified first.
    async fn contracts_awarded(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Contract>> {
        contract::contracts_awarded_in_territory(ctx, self.0.id.clone(), page_args(first, after, last, before)?).await
    }
}
