//! Partnerships and their parties: writing them, and reading them filtered and paged, alone
//! or as the nested list of an organisation's partnerships.
//!
//! Filters are built with the sea-query builder only, so the same code runs on SQLite and
//! PostgreSQL. Deleted partnerships (`deleted_at` set) are never read.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{PartnershipType, PartyRole},
    partnership, partnership_party,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, JoinType,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Alias, Expr, ExprTrait, Func, Query},
};
use uuid::Uuid;

use super::{
    DbContext, StoreError, insert_chunked, insert_logged,
    page::{IdKind, KeyKind, Page, PageArgs, SortKey, UNKNOWN_DATE, in_force_on, list_filter, paginate_partitioned},
    rows::{FetchModels, counts, group_by_parent, live_by_ids},
    territories,
};

/// Inserts new partnerships with their parties, logging each partnership in the change log
/// (parties are part of their partnership's record). Call inside a transaction.
pub async fn insert_new<C: ConnectionTrait>(
    db: &C,
    partnerships: Vec<partnership::Model>,
    parties: Vec<partnership_party::Model>,
) -> Result<(), StoreError> {
    insert_logged(db, partnerships)
        .await
        .context("inserting partnerships")?;
    insert_chunked(
        db,
        parties.into_iter().map(IntoActiveModel::into_active_model).collect(),
    )
    .await
    .context("inserting partnership parties")?;
    Ok(())
}

/// Filters on partnerships; fields combine with AND, values within a list with OR. Only
/// live partnerships are ever matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PartnershipFilter {
    /// Restrict to these ids.
    pub ids: Vec<Uuid>,
    /// Of one of these types.
    pub types: Vec<PartnershipType>,
    /// One of these organisations is a party (in any role).
    pub party_organisation_ids: Vec<Uuid>,
    /// Covers a territory lying within one of these territories, at any level (a PTCE
    /// scoped to an EPCI matches the EPCI, its département and its région).
    pub territory_ids: Vec<String>,
    /// Running on this date: started on or before it (or start unknown) and not ended
    /// before it (or end unknown).
    pub active_on: Option<NaiveDate>,
    /// Updated at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Orders of partnership lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnershipSort {
    /// By name, byte-wise (upper case before lower case, accented letters after `z`).
    Name,
    /// By start date (unknown dates sort as the earliest).
    StartDate,
}

/// Alias of the party table in subqueries.
const P: &str = "p";
/// Alias of the derived (organisation, partnership) table of nested lists.
const W: &str = "w";

fn col(column: partnership::Column) -> Expr {
    Expr::col((partnership::Entity, column))
}

impl PartnershipFilter {
    /// The WHERE condition of the filter (live partnerships only).
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all().add(col(partnership::Column::DeletedAt).is_null());
        if !self.ids.is_empty() {
            all = all.add(col(partnership::Column::Id).is_in(self.ids.iter().copied()));
        }
        if !self.types.is_empty() {
            all = all.add(col(partnership::Column::PartnershipType).is_in(self.types.iter().map(|t| t.to_value())));
        }
        if !self.party_organisation_ids.is_empty() {
            all = all.add(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from_as(partnership_party::Entity, P)
                    .and_where(
                        Expr::col((P, partnership_party::Column::PartnershipId))
                            .equals((partnership::Entity, partnership::Column::Id)),
                    )
                    .and_where(
                        Expr::col((P, partnership_party::Column::OrganisationId))
                            .is_in(self.party_organisation_ids.iter().copied()),
                    )
                    .to_owned(),
            ));
        }
        if !self.territory_ids.is_empty() {
            all = all.add(col(partnership::Column::TerritoryId).in_subquery(territories::within(&self.territory_ids)));
        }
        if let Some(on) = self.active_on {
            all = all.add(in_force_on(
                col(partnership::Column::StartDate),
                col(partnership::Column::EndDate),
                on,
            ));
        }
        if let Some(since) = self.updated_since {
            all = all.add(col(partnership::Column::UpdatedAt).gte(since));
        }
        all
    }
}

/// The sort key of a partnership list on `backend`; ties are broken by id. Names compare
/// byte-wise on every database (PostgreSQL is told `COLLATE "C"`, SQLite compares bytes).
pub fn sort_key(sort: PartnershipSort, descending: bool, backend: DbBackend) -> SortKey {
    let (name, expr, kind) = match sort {
        PartnershipSort::Name => (
            "NAME",
            match backend {
                DbBackend::Postgres => Expr::cust(r#""partnership"."name" COLLATE "C""#),
                _ => col(partnership::Column::Name),
            },
            KeyKind::Text,
        ),
        PartnershipSort::StartDate => (
            "START_DATE",
            Func::coalesce([col(partnership::Column::StartDate), Expr::val(UNKNOWN_DATE)]).into(),
            KeyKind::Date,
        ),
    };
    SortKey::new(
        name,
        (expr, kind),
        (col(partnership::Column::Id), IdKind::Uuid),
        descending,
    )
}

list_filter!(PartnershipFilter => partnership::Entity, "partnerships");

/// Live partnerships by id.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<partnership::Model>, StoreError> {
    live_by_ids::<partnership::Entity, C>(db, ids).await
}

/// Rank of a role in party lists: leads first, associates last.
fn role_rank(role: PartyRole) -> u8 {
    match role {
        PartyRole::Lead => 0,
        PartyRole::Member => 1,
        PartyRole::Funder => 2,
        PartyRole::PublicPartner => 3,
        PartyRole::Associate => 4,
    }
}

/// Parties of each partnership: by role (lead, member, funder, public partner, associate),
/// then by joining date (unknown first).
pub async fn parties_of<C: ConnectionTrait>(
    db: &C,
    partnership_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<partnership_party::Model>>, StoreError> {
    let rows = partnership_party::Entity::find()
        .filter(partnership_party::Column::PartnershipId.is_in(partnership_ids.iter().copied()))
        .order_by_asc(partnership_party::Column::JoinedOn)
        .order_by_asc(partnership_party::Column::Id)
        .fetch_all(db)
        .await
        .context("loading parties of partnerships")?;
    let mut grouped = group_by_parent(rows, |row| row.partnership_id);
    for parties in grouped.values_mut() {
        // Stable: keeps the date order within a role.
        parties.sort_by_key(|party| role_rank(party.role));
    }
    Ok(grouped)
}

/// Partnerships matching `filter` joined to the organisations among `organisation_ids`
/// that are parties to them, each (organisation, partnership) pair once whatever the
/// number of roles.
fn select_with_parties(organisation_ids: &[Uuid], filter: &PartnershipFilter) -> Select<partnership::Entity> {
    let parties = Query::select()
        .distinct()
        .expr_as(
            Expr::col((P, partnership_party::Column::PartnershipId)),
            Alias::new("partnership_id"),
        )
        .expr_as(
            Expr::col((P, partnership_party::Column::OrganisationId)),
            Alias::new("organisation_id"),
        )
        .from_as(partnership_party::Entity, P)
        .and_where(Expr::col((P, partnership_party::Column::OrganisationId)).is_in(organisation_ids.iter().copied()))
        .to_owned();
    let mut select = partnership::Entity::find().filter(filter.condition());
    QueryTrait::query(&mut select).join_subquery(
        JoinType::InnerJoin,
        parties,
        Alias::new(W),
        Expr::col((W, Alias::new("partnership_id"))).equals((partnership::Entity, partnership::Column::Id)),
    );
    select
}

/// For each organisation, one page of the partnerships matching `filter` it is a party to,
/// in one query; keyed by the organisation id as text.
pub async fn pages_of_organisations<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
    filter: &PartnershipFilter,
    sort: &SortKey,
    args: &PageArgs,
) -> Result<HashMap<String, Page<partnership::Model>>, StoreError> {
    let partition = (Expr::col((W, Alias::new("organisation_id"))), IdKind::Uuid);
    paginate_partitioned(db, select_with_parties(organisation_ids, filter), partition, sort, args)
        .await
        .map_err(|e| StoreError::from_page(e, "paging partnerships of organisations"))
}

/// For each organisation, the number of partnerships matching `filter` it is a party to;
/// organisations without any are absent.
pub async fn counts_of_organisations<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
    filter: &PartnershipFilter,
) -> Result<HashMap<Uuid, u64>, StoreError> {
    let organisation = Expr::col((W, Alias::new("organisation_id")));
    let rows: Vec<(Uuid, i64)> = select_with_parties(organisation_ids, filter)
        .select_only()
        .expr_as(organisation.clone(), "organisation_id")
        .expr_as(col(partnership::Column::Id).count(), "n")
        .group_by(organisation)
        .into_tuple()
        .all(db)
        .await
        .context("counting partnerships of organisations")?;
    Ok(counts(rows))
}
