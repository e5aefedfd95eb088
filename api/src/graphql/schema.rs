//! The schema root and its construction. The schema builds and runs without HTTP
//! (`schema.execute`), which the tests use; `sdl()` is what `terrasse schema` prints and
//! what `schema.graphql` must equal.

use std::sync::Arc;

use async_graphql::{Context, EmptySubscription, ID, MergedObject, Object, Schema, futures_util::future::join_all};
use sea_orm::DatabaseConnection;

use super::{
    connection::SortDirection,
    connection::{ConnectionTotals, TerrasseConnection, connection, page_args},
    enums::TerritoryLevel,
    errors::{OrInternal, bad_input},
    filters::{
        EstablishmentFilterInput, LabelFilterInput, OrganisationFilterInput, OrganisationOrder, TerritoryFilterInput,
        TerritoryOrder, territory_id,
    },
    loaders::Loaders,
    node::{Node, resolve_node},
    organisation::{Establishment, Label, Organisation},
    territory::Territory,
};
use crate::{
    domain::{Rna, Siren, Siret, ValidationError},
    store::{self, page::MAX_PAGE_SIZE},
};

/// The Terrasse GraphQL schema.
pub type TerrasseSchema = Schema<Query, super::mutation::Mutation, EmptySubscription>;

/// Entry points for reading Terrasse: one root per area, merged.
#[derive(MergedObject, Default)]
pub struct Query(
    CoreQuery,
    super::contract::ContractQuery,
    super::partnership::PartnershipQuery,
    super::analytics::AnalyticsQuery,
    super::analytics::AnalyticsSeriesQuery,
    super::sync::SyncQuery,
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
    let builder = Schema::build(
        Query::default(),
        super::mutation::Mutation::default(),
        EmptySubscription,
    );
    let builder = if introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    builder.data(db).data(analytics).finish()
}

/// The schema in SDL, as served.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        super::mutation::Mutation::default(),
        EmptySubscription,
    )
    .finish()
    .sdl()
}

/// Territories, organisations, establishments, labels and global ids.
#[derive(Default)]
pub struct CoreQuery;

#[Object]
impl CoreQuery {
    /// A territory by level and code: the INSEE code (`13055`, `2A004`, `13` for a
    /// département, `93` for a région) or, for an EPCI, its SIREN.
    async fn territory(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "INSEE code, or SIREN for an EPCI.")] code: String,
        #[graphql(desc = "Level of the territory.")] level: TerritoryLevel,
    ) -> async_graphql::Result<Option<Territory>> {
        let id = bad_input(territory_id(level.into(), &code))?;
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders.territories.load_one(id).await.or_internal()?.map(Territory))
    }

    /// Fetches any object by its global id; null when no live object has it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        resolve_node(ctx.data::<Loaders>()?, &id).await
    }

    /// Fetches objects by global ids, in the same order (null where none has the id); at most
    /// 500 ids.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 500.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE_SIZE as usize {
            return bad_input(Err(ValidationError::new(
                "ids",
                ids.len().to_string(),
                format!("at most {MAX_PAGE_SIZE} ids"),
            )));
        }
        let loaders = ctx.data::<Loaders>()?;
        join_all(ids.iter().map(|id| resolve_node(loaders, id)))
            .await
            .into_iter()
            .collect()
    }

    /// One organisation by exactly one of: global `id`, `siren`, `siret` of any of its
    /// establishments, or `rna`.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: Option<ID>,
        #[graphql(desc = "SIREN, 9 digits (spaces ignored).")] siren: Option<String>,
        #[graphql(desc = "SIRET of any of its establishments, 14 digits.")] siret: Option<String>,
        #[graphql(desc = "RNA number of an association (`W` + 9).")] rna: Option<String>,
    ) -> async_graphql::Result<Option<Organisation>> {
        let given = [id.is_some(), siren.is_some(), siret.is_some(), rna.is_some()]
            .iter()
            .filter(|g| **g)
            .count();
        if given != 1 {
            return bad_input(Err(ValidationError::new(
                "organisation",
                format!("{given} keys"),
                "give exactly one of id, siren, siret, rna",
            )));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let found = if let Some(id) = id {
            return Ok(match resolve_node(ctx.data::<Loaders>()?, &id).await? {
                Some(Node::Organisation(organisation)) => Some(organisation),
                _ => None,
            });
        } else if let Some(siren) = siren {
            store::organisations::by_siren(db, &bad_input(Siren::parse(&siren))?).await
        } else if let Some(siret) = siret {
            store::organisations::by_siret(db, &bad_input(Siret::parse(&siret))?).await
        } else {
            let rna = rna.unwrap_or_default();
            store::organisations::by_rna(db, &bad_input(Rna::parse(&rna))?).await
        };
        Ok(found.or_internal()?.map(Organisation::from))
    }

    /// Organisations matching `filter`, in `orderBy` order (name by default), paged with
    /// `first`/`after` or `last`/`before` (50 by default, at most 500).
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
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let order = order_by.unwrap_or_default();
        let sort = bad_input(store::organisations::sort_key(
            order.sort(),
            order.direction.descending(),
            filter.near.as_ref(),
        ))?;
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let page = store::organisations::page(&db, &filter, &sort, &args)
            .await
            .or_internal()?;
        let totals = ConnectionTotals::new(move |_| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { store::organisations::count(&db, &filter).await.map_err(Arc::new) })
        });
        Ok(connection(page, Organisation::from, totals))
    }

    /// Territories matching `filter`, in `orderBy` order (code by default).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn territories(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<TerritoryFilterInput>,
        #[graphql(desc = "Order of the list; ties are broken by id, so paging is stable.")] order_by: Option<
            TerritoryOrder,
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
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let order = order_by.unwrap_or_default();
        let sort = store::territories::sort_key(order.sort(), order.direction.descending());
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let page = store::territories::page(&db, &filter, &sort, &args)
            .await
            .or_internal()?;
        let totals = ConnectionTotals::new(move |_| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { store::territories::count(&db, &filter).await.map_err(Arc::new) })
        });
        Ok(connection(page, Territory::from, totals))
    }

    /// Establishments matching `filter`, by SIRET.
    #[expect(
        clippy::too_many_arguments,
        reason = "Relay paging arguments plus filter and direction"
    )]
    async fn establishments(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<EstablishmentFilterInput>,
        #[graphql(default, desc = "Sort direction.")] direction: SortDirection,
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
    ) -> async_graphql::Result<TerrasseConnection<Establishment>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let sort = store::organisations::establishment_siret_sort(direction.descending());
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let page = store::organisations::establishment_page(&db, &filter, &sort, &args)
            .await
            .or_internal()?;
        let totals = ConnectionTotals::new(move |_| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move {
                store::organisations::establishment_count(&db, &filter)
                    .await
                    .map_err(Arc::new)
            })
        });
        Ok(connection(page, Establishment, totals))
    }

    /// Labels and agreements matching `filter`, by start of validity.
    #[expect(
        clippy::too_many_arguments,
        reason = "Relay paging arguments plus filter and direction"
    )]
    async fn labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<LabelFilterInput>,
        #[graphql(default, desc = "Sort direction.")] direction: SortDirection,
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
    ) -> async_graphql::Result<TerrasseConnection<Label>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let sort = store::organisations::label_sort(direction.descending());
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let page = store::organisations::label_page(&db, &filter, &sort, &args)
            .await
            .or_internal()?;
        let totals = ConnectionTotals::new(move |_| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { store::organisations::label_count(&db, &filter).await.map_err(Arc::new) })
        });
        Ok(connection(page, Label, totals))
    }

    /// An establishment by SIRET (14 digits; spaces are ignored).
    async fn establishment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "SIRET, 14 digits (spaces ignored).")] siret: String,
    ) -> async_graphql::Result<Option<Establishment>> {
        let siret = bad_input(Siret::parse(&siret))?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(store::organisations::establishment_by_siret(db, &siret)
            .await
            .or_internal()?
            .map(Establishment))
    }
}
