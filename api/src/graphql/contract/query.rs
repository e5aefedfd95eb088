//! The `contracts` and `contract` root fields, and the contract lists of organisations and
//! territories.

use async_graphql::{Context, Object};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    Contract,
    filter::{ContractFilterInput, ContractOrder},
};
use crate::{
    domain::ValidationError,
    graphql::{
        connection::{TerrasseConnection, connection, list_connection, nested_page, nested_total, page_args},
        errors::{OrInternal, bad_input},
        loaders::Loaders,
    },
    store::{self, page::PageArgs},
};

/// Public procurement: contracts and concessions.
#[derive(Default)]
pub struct ContractQuery;

/// Public procurement: contracts and concessions.
#[Object]
impl ContractQuery {
    /// Contracts matching `filter`, in `orderBy` order (latest notification first by
    /// default), paged with `first`/`after` or `last`/`before` (50 by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<ContractFilterInput>,
        #[graphql(desc = "Order of the list; ties are broken by id, so paging is stable.")] order_by: Option<
            ContractOrder,
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
    ) -> async_graphql::Result<TerrasseConnection<Contract>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let order = order_by.unwrap_or_default();
        let sort = store::contracts::sort_key(order.sort(), order.direction.descending());
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        list_connection(db, filter, &sort, &args, Contract::from).await
    }

    /// One contract by its national key `uid` (buyer SIRET followed by the buyer's id); null
    /// when no live contract has it.
    async fn contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "National key: the buyer's SIRET followed by the buyer's own id.")] uid: String,
    ) -> async_graphql::Result<Option<Contract>> {
        let key = uid.trim();
        if key.is_empty() {
            return bad_input(Err(ValidationError::new("uid", uid.as_str(), "must not be empty")));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(store::contracts::by_uid(db, key)
            .await
            .or_internal()?
            .map(Contract::from))
    }
}

/// Contracts won by an organisation (as a supplier, initially or by a modification), latest
/// notification first. For the `Organisation` type.
pub async fn contracts_won(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Contract>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.contracts.won_pages, (organisation_id, args)).await?;
    let totals = nested_total(|loaders| &loaders.contracts.won_counts, (organisation_id, ()));
    Ok(connection(page, Contract::from, totals))
}

/// Contracts awarded by an organisation (as the buyer), latest notification first. For the
/// `Organisation` type.
pub async fn contracts_awarded(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Contract>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.contracts.awarded_pages, (organisation_id, args)).await?;
    let totals = nested_total(|loaders| &loaders.contracts.awarded_counts, (organisation_id, ()));
    Ok(connection(page, Contract::from, totals))
}

/// Contracts awarded by buyers within a territory (by the territory they govern or by one of
/// their establishments, at any level), latest notification first. For the `Territory` type;
/// `territory_id` is the internal id (`DEP:13`).
pub async fn contracts_awarded_in_territory(
    ctx: &Context<'_>,
    territory_id: String,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Contract>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.contracts.territory_pages, (territory_id.clone(), args)).await?;
    let totals = nested_total(|loaders| &loaders.contracts.territory_counts, (territory_id, ()));
    Ok(connection(page, Contract::from, totals))
}
