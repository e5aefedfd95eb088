//! The `territory` and `territories` root fields.

use async_graphql::{Context, Object};
use sea_orm::DatabaseConnection;

use super::{
    Territory,
    filter::{TerritoryFilterInput, TerritoryOrder},
};
use crate::{
    graphql::{
        connection::{TerrasseConnection, list_connection, page_args},
        enums::TerritoryLevel,
        errors::bad_input,
        inputs::territory_id,
    },
    store,
};

/// A territory by level and code.
#[derive(Default)]
pub struct TerritoryQuery;

#[Object]
impl TerritoryQuery {
    /// A territory by level and code: the INSEE code (`13055`, `2A004`, `13` for a
    /// département, `93` for a région) or, for an EPCI, its SIREN.
    async fn territory(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "INSEE code, or SIREN for an EPCI.")] code: String,
        #[graphql(desc = "Level of the territory.")] level: TerritoryLevel,
    ) -> async_graphql::Result<Option<Territory>> {
        let id = bad_input(territory_id(level.into(), &code))?;
        Territory::load(ctx, &Some(id)).await
    }
}

/// Lists of territories.
#[derive(Default)]
pub struct TerritoryListQuery;

#[Object]
impl TerritoryListQuery {
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
        let db = ctx.data::<DatabaseConnection>()?;
        list_connection(db, filter, &sort, &args, Territory::from).await
    }
}
