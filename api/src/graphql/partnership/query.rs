//! The `partnerships` and `partnership` root fields, and the partnership list of an
//! organisation.

use async_graphql::{Context, ID, Object};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    Partnership,
    filter::{PartnershipFilterInput, PartnershipOrder},
};
use crate::{
    graphql::{
        connection::{TerrasseConnection, connection, list_connection, nested_page, nested_total, page_args},
        errors::{OrInternal, bad_input},
        loaders::Loaders,
        node::row_ids,
    },
    store::{self, page::PageArgs},
};

/// Partnerships between organisations.
#[derive(Default)]
pub struct PartnershipQuery;

/// Partnerships between organisations.
#[Object]
impl PartnershipQuery {
    /// Partnerships matching `filter`, in `orderBy` order (name by default), paged with
    /// `first`/`after` or `last`/`before` (50 by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<PartnershipFilterInput>,
        #[graphql(desc = "Order of the list; ties are broken by id, so paging is stable.")] order_by: Option<
            PartnershipOrder,
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
    ) -> async_graphql::Result<TerrasseConnection<Partnership>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let order = order_by.unwrap_or_default();
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let sort = store::partnerships::sort_key(order.sort(), order.direction.descending(), db.get_database_backend());
        list_connection(db, filter, &sort, &args, Partnership).await
    }

    /// One partnership by its global id; null when no live partnership has it.
    async fn partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the partnership.")] id: ID,
    ) -> async_graphql::Result<Option<Partnership>> {
        let ids = bad_input(row_ids("Partnership", "id", std::slice::from_ref(&id)))?;
        let Some(id) = ids.first().copied() else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .partnerships
            .by_id
            .load_one(id)
            .await
            .or_internal()?
            .map(Partnership))
    }
}

/// Partnerships an organisation is a party to (in any role, once each), by name. For the
/// `Organisation` type.
pub async fn partnerships_of(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Partnership>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.partnerships.pages_of_organisation, (organisation_id, args)).await?;
    let totals = nested_total(
        |loaders| &loaders.partnerships.counts_of_organisation,
        (organisation_id, ()),
    );
    Ok(connection(page, Partnership, totals))
}
