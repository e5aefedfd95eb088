//! Public contracts, their suppliers and modifications: writing them, and reading them
//! filtered and paged, alone or as the nested lists of contracts won by an organisation,
//! awarded by an organisation and awarded by the buyers of a territory.
//!
//! Filters are built with the sea-query builder only (no SQL text with placeholders), so the
//! same code runs on SQLite and PostgreSQL. Deleted contracts (`deleted_at` set) are never
//! read.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    contract, contract_modification, contract_supplier,
    enums::{EssFamily, LabelKind, LocalityLevel},
    establishment, organisation, organisation_label, territory_membership,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, JoinType,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use super::{
    DbContext, StoreError, insert_chunked, insert_logged,
    page::{
        IdKind, KeyKind, Page, PageArgs, SortKey, UNKNOWN_DATE, list_filter, paginate_lateral, paginate_partitioned,
    },
    rows::{counts, fetch_grouped, live_by_ids},
};

/// New contracts with their suppliers and modifications, written together.
#[derive(Debug, Default)]
pub struct NewContracts {
    /// Contracts.
    pub contracts: Vec<contract::Model>,
    /// Their suppliers.
    pub suppliers: Vec<contract_supplier::Model>,
    /// Their modifications.
    pub modifications: Vec<contract_modification::Model>,
}

/// Inserts new contracts with their suppliers and modifications, logging each contract in
/// the change log (suppliers and modifications are part of their contract's record), and
/// their award lines. Call inside a transaction.
pub async fn insert_new<C: ConnectionTrait>(db: &C, new: NewContracts) -> Result<(), StoreError> {
    let ids: Vec<Uuid> = new.contracts.iter().map(|c| c.id).collect();
    insert_logged(db, new.contracts).await.context("inserting contracts")?;
    insert_chunked(
        db,
        new.suppliers
            .into_iter()
            .map(IntoActiveModel::into_active_model)
            .collect(),
    )
    .await
    .context("inserting contract suppliers")?;
    insert_chunked(
        db,
        new.modifications
            .into_iter()
            .map(IntoActiveModel::into_active_model)
            .collect(),
    )
    .await
    .context("inserting contract modifications")?;
    super::award_lines::insert_for_new_contracts(db, &ids).await
}

/// Where a supplier is relative to its buyer, as computed when the contract was written.
#[derive(Debug, Clone, PartialEq)]
pub enum SupplierLocality {
    /// The buyer–supplier distance is known and at most this many km.
    WithinKm(f64),
    /// The smallest territory buyer and supplier share is one of these levels. Levels are
    /// exclusive: "in the same EPCI or closer" is `[SameCommune, SameEpci]`.
    Levels(Vec<LocalityLevel>),
}

/// Criteria on a contract's suppliers. A contract matches when **one** of its suppliers
/// (initial or brought by a modification) meets every criterion given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupplierFilter {
    /// The supplier is one of these organisations.
    pub organisation_ids: Vec<Uuid>,
    /// The supplier organisation (live) is of one of these SSE families.
    pub ess_families: Vec<EssFamily>,
    /// The supplier organisation holds a live label of one of these kinds.
    pub labels: Vec<LabelKind>,
    /// The labels must be valid on this date.
    pub label_valid_on: Option<NaiveDate>,
    /// Where the supplier is relative to the buyer.
    pub locality: Option<SupplierLocality>,
}

impl SupplierFilter {
    /// True when no criterion is given (`label_valid_on` alone is no criterion).
    pub fn is_empty(&self) -> bool {
        self.organisation_ids.is_empty()
            && self.ess_families.is_empty()
            && self.labels.is_empty()
            && self.locality.is_none()
    }
}

/// Filters on contracts; fields combine with AND, values within a list with OR. Only live
/// contracts are ever matched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContractFilter {
    /// Restrict to these ids.
    pub ids: Vec<Uuid>,
    /// Awarded by one of these organisations.
    pub buyer_organisation_ids: Vec<Uuid>,
    /// Awarded by a buyer whose governed territory (`public_authority_territory_id`) or one
    /// of whose live establishments lies within one of these territories, at any level.
    pub buyer_territory_ids: Vec<String>,
    /// Criteria on the suppliers.
    pub suppliers: SupplierFilter,
    /// CPV code prefixes (2 to 8 digits, validated by the caller).
    pub cpv_prefixes: Vec<String>,
    /// Procedures, exactly as published.
    pub procedures: Vec<String>,
    /// Has (or has not) a social clause.
    pub social_clause: Option<bool>,
    /// Has (or has not) a social award criterion.
    pub social_criterion: Option<bool>,
    /// Is (or is not) reserved.
    pub reserved: Option<bool>,
    /// Has any social consideration (clause, criterion or reservation), or none.
    pub has_social: Option<bool>,
    /// Has (or has not) an environmental clause.
    pub env_clause: Option<bool>,
    /// Has (or has not) an environmental award criterion.
    pub env_criterion: Option<bool>,
    /// Has any environmental consideration (clause or criterion), or none.
    pub has_environmental: Option<bool>,
    /// Notified on or after this date.
    pub notified_from: Option<NaiveDate>,
    /// Notified on or before this date.
    pub notified_to: Option<NaiveDate>,
    /// Initial amount at least this many cents.
    pub amount_min_cents: Option<i64>,
    /// Initial amount at most this many cents.
    pub amount_max_cents: Option<i64>,
    /// Updated at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Orders of contract lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractSort {
    /// By notification date (unknown dates sort as the earliest).
    NotifiedOn,
    /// By current amount (after modifications), else the initial amount; unknown amounts
    /// sort as the smallest.
    Amount,
}

/// Alias of the supplier table in subqueries.
const CS: &str = "cs";
/// Alias of the organisation table in subqueries.
const O: &str = "o";
/// Alias of the label table in subqueries.
const L: &str = "l";
/// Alias of the establishment table in subqueries.
const E: &str = "e";
/// Alias of the territory membership table in subqueries.
const M: &str = "m";
/// Alias of the derived (parent, contract) table of nested lists.
const W: &str = "w";

fn col(column: contract::Column) -> Expr {
    Expr::col((contract::Entity, column))
}

/// `SELECT id FROM organisation o WHERE deleted_at IS NULL AND …`: live organisations of
/// the families and holding the labels asked for.
fn supplier_organisations(filter: &SupplierFilter) -> SelectStatement {
    let mut organisations = Query::select()
        .column((O, organisation::Column::Id))
        .from_as(organisation::Entity, O)
        .and_where(Expr::col((O, organisation::Column::DeletedAt)).is_null())
        .to_owned();
    if !filter.ess_families.is_empty() {
        organisations.and_where(
            Expr::col((O, organisation::Column::EssFamily)).is_in(filter.ess_families.iter().map(|f| f.to_value())),
        );
    }
    if !filter.labels.is_empty() {
        let mut holders = Query::select()
            .column((L, organisation_label::Column::OrganisationId))
            .from_as(organisation_label::Entity, L)
            .and_where(Expr::col((L, organisation_label::Column::DeletedAt)).is_null())
            .and_where(
                Expr::col((L, organisation_label::Column::Kind)).is_in(filter.labels.iter().map(|k| k.to_value())),
            )
            .to_owned();
        if let Some(on) = filter.label_valid_on {
            holders
                .cond_where(
                    Condition::any()
                        .add(Expr::col((L, organisation_label::Column::ValidFrom)).is_null())
                        .add(Expr::col((L, organisation_label::Column::ValidFrom)).lte(on)),
                )
                .cond_where(
                    Condition::any()
                        .add(Expr::col((L, organisation_label::Column::ValidTo)).is_null())
                        .add(Expr::col((L, organisation_label::Column::ValidTo)).gte(on)),
                );
        }
        organisations.and_where(Expr::col((O, organisation::Column::Id)).in_subquery(holders));
    }
    organisations
}

/// `EXISTS (SELECT 1 FROM contract_supplier cs WHERE cs.contract_id = contract.id AND …)`:
/// one supplier of the current contract row meets every criterion.
fn supplier_exists(filter: &SupplierFilter) -> Expr {
    let mut suppliers = Query::select()
        .expr(Expr::val(1))
        .from_as(contract_supplier::Entity, CS)
        .and_where(
            Expr::col((CS, contract_supplier::Column::ContractId)).equals((contract::Entity, contract::Column::Id)),
        )
        .to_owned();
    if !filter.organisation_ids.is_empty() {
        suppliers.and_where(
            Expr::col((CS, contract_supplier::Column::OrganisationId)).is_in(filter.organisation_ids.iter().copied()),
        );
    }
    if !filter.ess_families.is_empty() || !filter.labels.is_empty() {
        suppliers.and_where(
            Expr::col((CS, contract_supplier::Column::OrganisationId)).in_subquery(supplier_organisations(filter)),
        );
    }
    match &filter.locality {
        Some(SupplierLocality::WithinKm(km)) => {
            suppliers.and_where(Expr::col((CS, contract_supplier::Column::DistanceKm)).lte(*km));
        }
        Some(SupplierLocality::Levels(levels)) => {
            suppliers.and_where(
                Expr::col((CS, contract_supplier::Column::LocalityLevel)).is_in(levels.iter().map(|l| l.to_value())),
            );
        }
        None => {}
    }
    Expr::exists(suppliers)
}

/// `(organisation_id, ancestor_id)` of public buyers whose governed territory lies within
/// one of `territory_ids`.
fn governing_within(territory_ids: &[String]) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col((O, organisation::Column::Id)), Alias::new("organisation_id"))
        .expr_as(
            Expr::col((M, territory_membership::Column::AncestorId)),
            Alias::new("ancestor_id"),
        )
        .from_as(organisation::Entity, O)
        .join_as(
            JoinType::InnerJoin,
            territory_membership::Entity,
            Alias::new(M),
            Expr::col((M, territory_membership::Column::TerritoryId))
                .equals((O, organisation::Column::PublicAuthorityTerritoryId)),
        )
        .and_where(Expr::col((M, territory_membership::Column::AncestorId)).is_in(territory_ids.iter().cloned()))
        .and_where(Expr::col((O, organisation::Column::DeletedAt)).is_null())
        .to_owned()
}

/// `(organisation_id, ancestor_id)` of organisations with a live establishment within one
/// of `territory_ids`.
fn established_within(territory_ids: &[String]) -> SelectStatement {
    Query::select()
        .expr_as(
            Expr::col((E, establishment::Column::OrganisationId)),
            Alias::new("organisation_id"),
        )
        .expr_as(
            Expr::col((M, territory_membership::Column::AncestorId)),
            Alias::new("ancestor_id"),
        )
        .from_as(establishment::Entity, E)
        .join_as(
            JoinType::InnerJoin,
            territory_membership::Entity,
            Alias::new(M),
            Expr::col((M, territory_membership::Column::TerritoryId)).equals((E, establishment::Column::CommuneId)),
        )
        .and_where(Expr::col((M, territory_membership::Column::AncestorId)).is_in(territory_ids.iter().cloned()))
        .and_where(Expr::col((E, establishment::Column::DeletedAt)).is_null())
        .to_owned()
}

impl ContractFilter {
    /// The WHERE condition of the filter (live contracts only).
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all().add(col(contract::Column::DeletedAt).is_null());
        if !self.ids.is_empty() {
            all = all.add(col(contract::Column::Id).is_in(self.ids.iter().copied()));
        }
        if !self.buyer_organisation_ids.is_empty() {
            all =
                all.add(col(contract::Column::BuyerOrganisationId).is_in(self.buyer_organisation_ids.iter().copied()));
        }
        if !self.buyer_territory_ids.is_empty() {
            let governing = governing_within(&self.buyer_territory_ids);
            let established = established_within(&self.buyer_territory_ids);
            let governing = Query::select()
                .column(Alias::new("organisation_id"))
                .from_subquery(governing, Alias::new("g"))
                .to_owned();
            let established = Query::select()
                .column(Alias::new("organisation_id"))
                .from_subquery(established, Alias::new("s"))
                .to_owned();
            all = all.add(
                Condition::any()
                    .add(col(contract::Column::BuyerOrganisationId).in_subquery(governing))
                    .add(col(contract::Column::BuyerOrganisationId).in_subquery(established)),
            );
        }
        if !self.suppliers.is_empty() {
            all = all.add(supplier_exists(&self.suppliers));
        }
        if !self.cpv_prefixes.is_empty() {
            let mut any = Condition::any();
            for prefix in &self.cpv_prefixes {
                any = any.add(col(contract::Column::CpvCode).like(format!("{prefix}%")));
            }
            all = all.add(any);
        }
        if !self.procedures.is_empty() {
            all = all.add(col(contract::Column::Procedure).is_in(self.procedures.iter().cloned()));
        }
        let flags = [
            (contract::Column::SocialClause, self.social_clause),
            (contract::Column::SocialCriterion, self.social_criterion),
            (contract::Column::Reserved, self.reserved),
            (contract::Column::EnvClause, self.env_clause),
            (contract::Column::EnvCriterion, self.env_criterion),
        ];
        for (column, wanted) in flags {
            if let Some(wanted) = wanted {
                all = all.add(col(column).eq(wanted));
            }
        }
        let groups = [
            (
                self.has_social,
                &[
                    contract::Column::SocialClause,
                    contract::Column::SocialCriterion,
                    contract::Column::Reserved,
                ][..],
            ),
            (
                self.has_environmental,
                &[contract::Column::EnvClause, contract::Column::EnvCriterion][..],
            ),
        ];
        for (wanted, columns) in groups {
            match wanted {
                Some(true) => {
                    let mut any = Condition::any();
                    for column in columns {
                        any = any.add(col(*column).eq(true));
                    }
                    all = all.add(any);
                }
                Some(false) => {
                    for column in columns {
                        all = all.add(col(*column).eq(false));
                    }
                }
                None => {}
            }
        }
        if let Some(from) = self.notified_from {
            all = all.add(col(contract::Column::NotifiedOn).gte(from));
        }
        if let Some(to) = self.notified_to {
            all = all.add(col(contract::Column::NotifiedOn).lte(to));
        }
        if let Some(min) = self.amount_min_cents {
            all = all.add(col(contract::Column::AmountCents).gte(min));
        }
        if let Some(max) = self.amount_max_cents {
            all = all.add(col(contract::Column::AmountCents).lte(max));
        }
        if let Some(since) = self.updated_since {
            all = all.add(col(contract::Column::UpdatedAt).gte(since));
        }
        all
    }
}

/// The sort key of a contract list; ties are broken by id.
pub fn sort_key(sort: ContractSort, descending: bool) -> SortKey {
    let (name, expr, kind) = match sort {
        ContractSort::NotifiedOn => (
            "NOTIFIED_ON",
            Func::coalesce([col(contract::Column::NotifiedOn), Expr::val(UNKNOWN_DATE)]).into(),
            KeyKind::Date,
        ),
        ContractSort::Amount => (
            "AMOUNT",
            Func::coalesce([
                col(contract::Column::CurrentAmountCents),
                col(contract::Column::AmountCents),
                Expr::val(-1_i64),
            ])
            .into(),
            KeyKind::Integer,
        ),
    };
    SortKey::new(
        name,
        (expr, kind),
        (col(contract::Column::Id), IdKind::Uuid),
        descending,
    )
}

/// The order of nested contract lists (won, awarded): latest notification first.
pub fn nested_sort() -> SortKey {
    sort_key(ContractSort::NotifiedOn, true)
}

list_filter!(ContractFilter => contract::Entity, "contracts");

/// The live contract with this national key (buyer SIRET + buyer's id).
pub async fn by_uid<C: ConnectionTrait>(db: &C, uid: &str) -> Result<Option<contract::Model>, StoreError> {
    contract::Entity::find()
        .filter(contract::Column::Uid.eq(uid))
        .filter(contract::Column::DeletedAt.is_null())
        .one(db)
        .await
        .context("loading a contract by uid")
}

/// Live contracts by id.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<contract::Model>, StoreError> {
    live_by_ids::<contract::Entity, C>(db, ids).await
}

/// Suppliers of each contract: the initial ones, then those brought by each modification,
/// each group in published order.
pub async fn suppliers_of<C: ConnectionTrait>(
    db: &C,
    contract_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<contract_supplier::Model>>, StoreError> {
    let select = contract_supplier::Entity::find()
        .filter(contract_supplier::Column::ContractId.is_in(contract_ids.iter().copied()))
        .order_by_asc(contract_supplier::Column::FromModification)
        .order_by_asc(contract_supplier::Column::Position)
        .order_by_asc(contract_supplier::Column::Id);
    fetch_grouped(db, select, |row| row.contract_id, "loading suppliers of contracts").await
}

/// Modifications of each contract, by sequence number.
pub async fn modifications_of<C: ConnectionTrait>(
    db: &C,
    contract_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<contract_modification::Model>>, StoreError> {
    let select = contract_modification::Entity::find()
        .filter(contract_modification::Column::ContractId.is_in(contract_ids.iter().copied()))
        .order_by_asc(contract_modification::Column::Seq)
        .order_by_asc(contract_modification::Column::Id);
    fetch_grouped(db, select, |row| row.contract_id, "loading modifications of contracts").await
}

/// Whose contracts a nested list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractParents<'a> {
    /// Organisations, as suppliers: the contracts they won (a contract listing the same
    /// organisation twice counts once).
    Winners(&'a [Uuid]),
    /// Organisations, as buyers: the contracts they awarded.
    Buyers(&'a [Uuid]),
    /// Territories: the contracts awarded by buyers within them at any level (see
    /// [`ContractFilter::buyer_territory_ids`]; a buyer matching both ways counts once).
    BuyerTerritories(&'a [String]),
}

/// Contracts matching `filter` joined to their parents, each (parent, contract) pair once;
/// and the parent-id expression with its type.
fn select_with_parents(
    parents: ContractParents<'_>,
    filter: &ContractFilter,
) -> (Select<contract::Entity>, Expr, IdKind) {
    let mut select = contract::Entity::find().filter(filter.condition());
    match parents {
        ContractParents::Winners(organisation_ids) => {
            let winners = Query::select()
                .distinct()
                .expr_as(
                    Expr::col((CS, contract_supplier::Column::ContractId)),
                    Alias::new("contract_id"),
                )
                .expr_as(
                    Expr::col((CS, contract_supplier::Column::OrganisationId)),
                    Alias::new("parent_id"),
                )
                .from_as(contract_supplier::Entity, CS)
                .and_where(
                    Expr::col((CS, contract_supplier::Column::OrganisationId)).is_in(organisation_ids.iter().copied()),
                )
                .to_owned();
            QueryTrait::query(&mut select).join_subquery(
                JoinType::InnerJoin,
                winners,
                Alias::new(W),
                Expr::col((W, Alias::new("contract_id"))).equals((contract::Entity, contract::Column::Id)),
            );
            (select, Expr::col((W, Alias::new("parent_id"))), IdKind::Uuid)
        }
        ContractParents::Buyers(organisation_ids) => {
            select = select.filter(contract::Column::BuyerOrganisationId.is_in(organisation_ids.iter().copied()));
            (select, col(contract::Column::BuyerOrganisationId), IdKind::Uuid)
        }
        ContractParents::BuyerTerritories(territory_ids) => {
            let buyers = governing_within(territory_ids)
                .union(UnionType::Distinct, established_within(territory_ids))
                .to_owned();
            QueryTrait::query(&mut select).join_subquery(
                JoinType::InnerJoin,
                buyers,
                Alias::new(W),
                Expr::col((W, Alias::new("organisation_id")))
                    .equals((contract::Entity, contract::Column::BuyerOrganisationId)),
            );
            (select, Expr::col((W, Alias::new("ancestor_id"))), IdKind::Text)
        }
    }
}

/// For each parent, one page of its contracts matching `filter`, in one query. Pages are
/// keyed by the parent id as text (the uuid of an organisation, `DEP:13` for a territory).
pub async fn pages_of<C: ConnectionTrait>(
    db: &C,
    parents: ContractParents<'_>,
    filter: &ContractFilter,
    sort: &SortKey,
    args: &PageArgs,
) -> Result<HashMap<String, Page<contract::Model>>, StoreError> {
    let paged = match parents {
        // PostgreSQL pages organisations' contracts with LATERAL: its planner estimates the
        // rows of one organisation well, and reads them through the indexes; the window
        // over all the batch's contracts made it scan the whole contract table.
        ContractParents::Winners(organisation_ids) | ContractParents::Buyers(organisation_ids)
            if db.get_database_backend() == DbBackend::Postgres =>
        {
            let won = matches!(parents, ContractParents::Winners(_));
            let per_organisation = |organisation: Expr| {
                let select = contract::Entity::find().filter(filter.condition());
                if won {
                    select.filter(
                        col(contract::Column::Id).in_subquery(
                            Query::select()
                                .column((CS, contract_supplier::Column::ContractId))
                                .from_as(contract_supplier::Entity, CS)
                                .and_where(Expr::col((CS, contract_supplier::Column::OrganisationId)).eq(organisation))
                                .to_owned(),
                        ),
                    )
                } else {
                    select.filter(col(contract::Column::BuyerOrganisationId).eq(organisation))
                }
            };
            paginate_lateral(db, organisation_ids, per_organisation, sort, args).await
        }
        _ => {
            let (select, partition, kind) = select_with_parents(parents, filter);
            paginate_partitioned(db, select, (partition, kind), sort, args).await
        }
    };
    paged.map_err(|e| StoreError::from_page(e, "paging contracts of parents"))
}

/// For each parent, the number of its contracts matching `filter`, keyed like
/// [`pages_of`]; parents without any are absent.
pub async fn counts_of<C: ConnectionTrait>(
    db: &C,
    parents: ContractParents<'_>,
    filter: &ContractFilter,
) -> Result<HashMap<String, u64>, StoreError> {
    let (select, partition, kind) = select_with_parents(parents, filter);
    let select = select
        .select_only()
        .expr_as(partition.clone(), "parent_id")
        .expr_as(col(contract::Column::Id).count(), "n")
        .group_by(partition);
    let counted = db
        .query_all(&select.into_query())
        .await
        .and_then(|rows| {
            rows.iter()
                .map(|row| Ok((kind.read(row, "parent_id")?, row.try_get::<i64>("", "n")?)))
                .collect::<Result<Vec<_>, DbErr>>()
        })
        .context("counting contracts of their parents")?;
    Ok(counts(counted))
}
