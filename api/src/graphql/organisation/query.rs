//! The organisation root fields (`organisation`, `organisations`, `establishments`,
//! `labels`, `establishment`) and the organisation list of a territory.

use async_graphql::{Context, ID, Object};
use sea_orm::DatabaseConnection;

use super::{
    Establishment, Label, Organisation,
    filter::{EstablishmentFilterInput, LabelFilterInput, OrganisationFilterInput, OrganisationOrder, validate_list},
    loaders::OrganisationListKey,
};
use crate::{
    domain::{Rna, Siren, Siret, ValidationError},
    graphql::{
        connection::{
            SortDirection, TerrasseConnection, connection, list_connection, nested_page, nested_total, page_args,
        },
        errors::{OrInternal, bad_input},
        loaders::Loaders,
        node::{Node, resolve_node},
    },
    store::{
        organisations::{self as store, OrganisationFilter},
        page::PageArgs,
    },
};

/// Organisations by key, and lists of organisations.
#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
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
            store::by_siren(db, &bad_input(Siren::parse(&siren))?).await
        } else if let Some(siret) = siret {
            store::by_siret(db, &bad_input(Siret::parse(&siret))?).await
        } else {
            let rna = rna.unwrap_or_default();
            store::by_rna(db, &bad_input(Rna::parse(&rna))?).await
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
        let (filter, _, sort) = validate_list(filter, order_by)?;
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        list_connection(db, filter, &sort, &args, Organisation::from).await
    }
}

/// Lists of establishments and labels, and establishments by SIRET.
#[derive(Default)]
pub struct EstablishmentQuery;

#[Object]
impl EstablishmentQuery {
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
        let sort = store::establishment_siret_sort(direction.descending());
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        list_connection(db, filter, &sort, &args, Establishment).await
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
        let sort = store::label_sort(direction.descending());
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        list_connection(db, filter, &sort, &args, Label).await
    }

    /// An establishment by SIRET (14 digits; spaces are ignored).
    async fn establishment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "SIRET, 14 digits (spaces ignored).")] siret: String,
    ) -> async_graphql::Result<Option<Establishment>> {
        let siret = bad_input(Siret::parse(&siret))?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(store::establishment_by_siret(db, &siret)
            .await
            .or_internal()?
            .map(Establishment))
    }
}

/// Organisations with an establishment within a territory (at any depth), matching `filter`
/// in `order`. For the `Territory` type; `territory_id` is the internal id (`DEP:13`).
pub async fn organisations_within(
    ctx: &Context<'_>,
    territory_id: String,
    filter: OrganisationFilter,
    order: OrganisationOrder,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Organisation>> {
    let key = OrganisationListKey {
        filter: filter.clone(),
        sort: order.sort(),
        descending: order.direction.descending(),
        args,
    };
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.organisations.within_pages, (territory_id.clone(), key)).await?;
    let totals = nested_total(|loaders| &loaders.organisations.within_counts, (territory_id, filter));
    Ok(connection(page, Organisation::from, totals))
}
