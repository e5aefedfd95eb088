//! The `supplyLinks`, `supplyLink`, `foodProjects` and `foodProject` root fields.

use async_graphql::{Context, ID, Object};
use sea_orm::DatabaseConnection;

use super::{
    FoodProject, SupplyLink,
    filter::{FoodProjectFilterInput, SupplyLinkFilterInput, SupplyLinkOrder},
};
use crate::{
    graphql::{
        connection::{SortDirection, TerrasseConnection, list_connection, page_args},
        errors::{OrInternal, bad_input},
        loaders::Loaders,
        node::row_ids,
    },
    store::{food_projects, supply_links},
};

/// Short food supply chains.
#[derive(Default)]
pub struct SupplyQuery;

/// Short food supply chains.
#[Object]
impl SupplyQuery {
    /// Supply links matching `filter`, in `orderBy` order (first day of the period by
    /// default), paged with `first`/`after` or `last`/`before` (50 by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn supply_links(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<SupplyLinkFilterInput>,
        #[graphql(desc = "Order of the list; ties are broken by id, so paging is stable.")] order_by: Option<
            SupplyLinkOrder,
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
    ) -> async_graphql::Result<TerrasseConnection<SupplyLink>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let order = order_by.unwrap_or_default();
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let sort = supply_links::sort_key(order.sort(), order.direction.descending());
        list_connection(db, filter, &sort, &args, SupplyLink).await
    }

    /// One supply link by its global id; null when no live link has it.
    async fn supply_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the supply link.")] id: ID,
    ) -> async_graphql::Result<Option<SupplyLink>> {
        let ids = bad_input(row_ids("SupplyLink", "id", std::slice::from_ref(&id)))?;
        let Some(id) = ids.first().copied() else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders.supply.by_id.load_one(id).await.or_internal()?.map(SupplyLink))
    }

    /// Territorial food projects (PAT) matching `filter`, by name, paged with
    /// `first`/`after` or `last`/`before` (50 by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn food_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<FoodProjectFilterInput>,
        #[graphql(desc = "Direction of the name order; ties are broken by id, so paging is stable.")] direction: Option<
            SortDirection,
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
    ) -> async_graphql::Result<TerrasseConnection<FoodProject>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let sort = food_projects::sort_key(direction.unwrap_or_default().descending());
        list_connection(db, filter, &sort, &args, FoodProject).await
    }

    /// One food project by its global id or its id in the national PAT list (give one);
    /// null when none has it.
    async fn food_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the food project.")] id: Option<ID>,
        #[graphql(desc = "Id in the national PAT list.")] code: Option<String>,
    ) -> async_graphql::Result<Option<FoodProject>> {
        let db = ctx.data::<DatabaseConnection>()?;
        match (id, code) {
            (Some(id), None) => {
                let ids = bad_input(row_ids("FoodProject", "id", std::slice::from_ref(&id)))?;
                let Some(id) = ids.first().copied() else {
                    return Ok(None);
                };
                let loaders = ctx.data::<Loaders>()?;
                Ok(loaders
                    .supply
                    .food_project_by_id
                    .load_one(id)
                    .await
                    .or_internal()?
                    .map(FoodProject))
            }
            (None, Some(code)) => Ok(food_projects::by_code(db, code.trim())
                .await
                .or_internal()?
                .map(FoodProject)),
            (id, _) => bad_input(Err(crate::domain::ValidationError::new(
                "id",
                id.map(|id| id.to_string()).unwrap_or_default(),
                "give either id or code",
            ))),
        }
    }
}
