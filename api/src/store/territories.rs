//! Territories: loading the reference data, and reading territories by id, code, parent
//! and containment.

use std::collections::{BTreeSet, HashMap};

use entity::{enums::TerritoryLevel, legal_category, postal_code_commune, territory, territory_membership};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait,
    TransactionTrait,
    sea_query::{Alias, BinOper, Expr, ExprTrait, Func, Query, SelectStatement},
};

use super::{
    DbContext, StoreError, insert_chunked,
    page::{IdKind, KeyKind, Page, PageArgs, SortKey, list_filter, paginate_partitioned},
    rows::{FetchModels, counts},
};
use crate::reference::{COG_VINTAGE, ReferenceData};

/// How many rows the reference load wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReferenceLoad {
    /// Territories.
    pub territories: usize,
    /// Containment pairs (territory, ancestor), self pairs included.
    pub memberships: usize,
    /// Postal code to commune pairs.
    pub postal_codes: usize,
    /// Legal categories.
    pub legal_categories: usize,
}

/// Whether the reference territories of the shipped COG vintage are present.
pub async fn reference_loaded<C: ConnectionTrait>(db: &C) -> Result<bool, StoreError> {
    let count = territory::Entity::find()
        .filter(territory::Column::CogVintage.eq(COG_VINTAGE))
        .count(db)
        .await
        .context("counting reference territories")?;
    Ok(count > 0)
}

/// Writes the reference data in one transaction (territories, their containment closure,
/// postal codes, legal categories). Expects none of it to be present.
pub async fn load_reference(db: &DatabaseConnection, data: ReferenceData) -> Result<ReferenceLoad, StoreError> {
    let memberships = containment_closure(&data.territories);
    let load = ReferenceLoad {
        territories: data.territories.len(),
        memberships: memberships.len(),
        postal_codes: data.postal_codes.len(),
        legal_categories: data.legal_categories.len(),
    };
    let txn = db.begin().await.context("starting the reference load")?;
    insert_chunked(&txn, models_to_active::<territory::ActiveModel, _>(data.territories))
        .await
        .context("inserting territories")?;
    insert_chunked(
        &txn,
        models_to_active::<territory_membership::ActiveModel, _>(memberships),
    )
    .await
    .context("inserting territory memberships")?;
    insert_chunked(
        &txn,
        models_to_active::<postal_code_commune::ActiveModel, _>(data.postal_codes),
    )
    .await
    .context("inserting postal codes")?;
    insert_chunked(
        &txn,
        models_to_active::<legal_category::ActiveModel, _>(data.legal_categories),
    )
    .await
    .context("inserting legal categories")?;
    txn.commit().await.context("committing the reference load")?;
    Ok(load)
}

fn models_to_active<A, M>(models: Vec<M>) -> Vec<A>
where
    A: ActiveModelTrait,
    M: IntoActiveModel<A>,
{
    models.into_iter().map(IntoActiveModel::into_active_model).collect()
}

/// Every (territory, ancestor) pair, the territory itself included, from the parent,
/// EPCI, département and région links (following parents transitively).
fn containment_closure(territories: &[territory::Model]) -> Vec<territory_membership::Model> {
    let by_id: HashMap<&str, &territory::Model> = territories.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut rows = Vec::with_capacity(territories.len() * 4);
    for t in territories {
        let mut ancestors: BTreeSet<&str> = BTreeSet::new();
        let mut stack = vec![t];
        while let Some(current) = stack.pop() {
            if !ancestors.insert(current.id.as_str()) {
                continue;
            }
            for link in [
                &current.parent_id,
                &current.epci_id,
                &current.departement_id,
                &current.region_id,
            ]
            .into_iter()
            .flatten()
            {
                if let Some(parent) = by_id.get(link.as_str()) {
                    stack.push(parent);
                }
            }
        }
        rows.extend(ancestors.into_iter().filter_map(|ancestor_id| {
            by_id.get(ancestor_id).map(|ancestor| territory_membership::Model {
                territory_id: t.id.clone(),
                ancestor_id: ancestor_id.to_owned(),
                ancestor_level: ancestor.level,
            })
        }));
    }
    rows
}

/// Territories by id, in no particular order.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[String]) -> Result<Vec<territory::Model>, StoreError> {
    territory::Entity::find()
        .filter(territory::Column::Id.is_in(ids.iter().cloned()))
        .fetch_all(db)
        .await
        .context("loading territories by id")
}

/// For each ancestor id, the territories of `level` it contains (itself excluded), ordered
/// by code.
pub async fn contained<C: ConnectionTrait>(
    db: &C,
    ancestor_ids: &[String],
    level: TerritoryLevel,
) -> Result<HashMap<String, Vec<territory::Model>>, StoreError> {
    let rows: Vec<(territory_membership::Model, Option<territory::Model>)> = territory_membership::Entity::find()
        .filter(territory_membership::Column::AncestorId.is_in(ancestor_ids.iter().cloned()))
        .filter(
            Expr::col((territory_membership::Entity, territory_membership::Column::TerritoryId)).binary(
                BinOper::NotEqual,
                Expr::col((territory_membership::Entity, territory_membership::Column::AncestorId)),
            ),
        )
        .find_also_related(territory::Entity)
        .filter(territory::Column::Level.eq(level))
        .order_by_asc(territory::Column::Code)
        .all(db)
        .await
        .context("loading contained territories")?;
    let mut grouped: HashMap<String, Vec<territory::Model>> = HashMap::new();
    for (membership, child) in rows {
        if let Some(child) = child {
            grouped.entry(membership.ancestor_id).or_default().push(child);
        }
    }
    Ok(grouped)
}

/// For each commune (or municipal arrondissement) id, the postal codes serving it, in order.
/// Ids without postal codes are absent from the map.
pub async fn postal_codes_of<C: ConnectionTrait>(
    db: &C,
    commune_ids: &[String],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let rows = postal_code_commune::Entity::find()
        .filter(postal_code_commune::Column::CommuneId.is_in(commune_ids.iter().cloned()))
        .order_by_asc(postal_code_commune::Column::CommuneId)
        .order_by_asc(postal_code_commune::Column::PostalCode)
        .fetch_all(db)
        .await
        .context("loading postal codes of communes")?;
    let mut grouped: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows {
        grouped.entry(row.commune_id).or_default().push(row.postal_code);
    }
    Ok(grouped)
}
/// Filters on territories; fields combine with AND, values within a list with OR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TerritoryFilter {
    /// Levels.
    pub levels: Vec<TerritoryLevel>,
    /// Lies within one of these territories (any level; the territory itself excluded).
    pub within: Vec<String>,
    /// Folded words that must all appear in the folded name.
    pub name_words: Vec<String>,
}

impl TerritoryFilter {
    /// The WHERE condition of the filter, at the shipped COG vintage.
    pub fn condition(&self) -> Condition {
        let col = |c: territory::Column| Expr::col((territory::Entity, c));
        let mut all = Condition::all().add(col(territory::Column::CogVintage).eq(COG_VINTAGE));
        if !self.levels.is_empty() {
            all = all.add(col(territory::Column::Level).is_in(self.levels.iter().map(|l| l.to_value())));
        }
        if !self.within.is_empty() {
            all = all.add(
                col(territory::Column::Id).in_subquery(
                    Query::select()
                        .column(territory_membership::Column::TerritoryId)
                        .from(territory_membership::Entity)
                        .and_where(
                            Expr::col(territory_membership::Column::AncestorId).is_in(self.within.iter().cloned()),
                        )
                        .and_where(
                            Expr::col(territory_membership::Column::TerritoryId)
                                .binary(BinOper::NotEqual, Expr::col(territory_membership::Column::AncestorId)),
                        )
                        .to_owned(),
                ),
            );
        }
        for word in &self.name_words {
            all = all.add(col(territory::Column::NameSearch).like(format!("%{}%", word.replace(['%', '_', '\\'], ""))));
        }
        all
    }
}

/// Orders of territory lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerritorySort {
    /// By INSEE code.
    Code,
    /// By folded name.
    Name,
    /// By population (unknown first).
    Population,
}

/// The ids of the territories that have one of `ancestors` among their ancestors in
/// `territory_membership` (any level), as a subquery.
pub fn within(ancestors: &[String]) -> SelectStatement {
    Query::select()
        .column(territory_membership::Column::TerritoryId)
        .from(territory_membership::Entity)
        .and_where(Expr::col(territory_membership::Column::AncestorId).is_in(ancestors.iter().cloned()))
        .to_owned()
}

/// The sort key of a territory list.
pub fn sort_key(sort: TerritorySort, descending: bool) -> SortKey {
    let col = |c: territory::Column| Expr::col((territory::Entity, c));
    let (name, expr, kind) = match sort {
        TerritorySort::Code => ("CODE", col(territory::Column::Code), KeyKind::Text),
        TerritorySort::Name => ("NAME", col(territory::Column::NameSearch), KeyKind::Text),
        TerritorySort::Population => (
            "POPULATION",
            Func::coalesce([col(territory::Column::Population), Expr::val(-1_i64)]).into(),
            KeyKind::Integer,
        ),
    };
    SortKey::new(
        name,
        (expr, kind),
        (col(territory::Column::Id), IdKind::Text),
        descending,
    )
}

list_filter!(TerritoryFilter => territory::Entity, "territories");

/// For each ancestor, one page of the territories of `level` within it, by code, in one query.
pub async fn contained_pages<C: ConnectionTrait>(
    db: &C,
    ancestor_ids: &[String],
    level: TerritoryLevel,
    args: &PageArgs,
) -> Result<HashMap<String, Page<territory::Model>>, StoreError> {
    let mut select = territory::Entity::find()
        .filter(territory::Column::Level.eq(level))
        .filter(territory::Column::CogVintage.eq(COG_VINTAGE));
    QueryTrait::query(&mut select).join_as(
        JoinType::InnerJoin,
        territory_membership::Entity,
        Alias::new("m"),
        Condition::all()
            .add(
                Expr::col(("m", territory_membership::Column::TerritoryId))
                    .equals((territory::Entity, territory::Column::Id)),
            )
            .add(Expr::col(("m", territory_membership::Column::AncestorId)).is_in(ancestor_ids.iter().cloned()))
            .add(Expr::col(("m", territory_membership::Column::TerritoryId)).binary(
                BinOper::NotEqual,
                Expr::col(("m", territory_membership::Column::AncestorId)),
            )),
    );
    let partition = (Expr::col(("m", territory_membership::Column::AncestorId)), IdKind::Text);
    paginate_partitioned(db, select, partition, &sort_key(TerritorySort::Code, false), args)
        .await
        .map_err(|e| StoreError::from_page(e, "paging contained territories"))
}

/// For each ancestor, the number of territories of `level` within it.
pub async fn contained_counts<C: ConnectionTrait>(
    db: &C,
    ancestor_ids: &[String],
    level: TerritoryLevel,
) -> Result<HashMap<String, u64>, StoreError> {
    let rows: Vec<(String, i64)> = territory_membership::Entity::find()
        .select_only()
        .column(territory_membership::Column::AncestorId)
        .column_as(territory_membership::Column::TerritoryId.count(), "n")
        .inner_join(territory::Entity)
        .filter(territory_membership::Column::AncestorId.is_in(ancestor_ids.iter().cloned()))
        .filter(territory::Column::Level.eq(level))
        .filter(
            Expr::col((territory_membership::Entity, territory_membership::Column::TerritoryId)).binary(
                BinOper::NotEqual,
                Expr::col((territory_membership::Entity, territory_membership::Column::AncestorId)),
            ),
        )
        .group_by(territory_membership::Column::AncestorId)
        .into_tuple()
        .all(db)
        .await
        .context("counting contained territories")?;
    Ok(counts(rows))
}

/// Where each commune code of the reference data points, for importers that read bare INSEE
/// codes (Sirene's `codeCommuneEtablissement`): a current commune to itself (`COM:…`), a
/// municipal arrondissement of Paris, Lyon or Marseille to itself (`ARM:…`), a commune
/// déléguée or associée to the commune it belongs to. One query; about 37 000 entries.
pub async fn commune_ids_by_code<C: ConnectionTrait>(db: &C) -> Result<HashMap<String, String>, StoreError> {
    let rows: Vec<(String, String, TerritoryLevel, Option<String>)> = territory::Entity::find()
        .select_only()
        .columns([
            territory::Column::Id,
            territory::Column::Code,
            territory::Column::Level,
            territory::Column::ParentId,
        ])
        .filter(territory::Column::Level.is_in([
            TerritoryLevel::Commune,
            TerritoryLevel::ArrondissementMunicipal,
            TerritoryLevel::CommuneDeleguee,
            TerritoryLevel::CommuneAssociee,
        ]))
        .into_tuple()
        .all(db)
        .await
        .context("loading commune codes")?;
    let mut by_code: HashMap<String, String> = HashMap::with_capacity(rows.len());
    // Current communes and arrondissements first; a former commune's code only where no
    // current one has it.
    let mut former = Vec::new();
    for (id, code, level, parent) in rows {
        match level {
            TerritoryLevel::Commune | TerritoryLevel::ArrondissementMunicipal => {
                by_code.insert(code, id);
            }
            _ => former.extend(parent.map(|parent| (code, parent))),
        }
    }
    for (code, parent) in former {
        by_code.entry(code).or_insert(parent);
    }
    Ok(by_code)
}

/// The ids of the communes and municipal arrondissements within any of `ancestor_ids` (a
/// commune is within itself). One query.
pub async fn communes_within<C: ConnectionTrait>(
    db: &C,
    ancestor_ids: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let rows: Vec<(String, TerritoryLevel)> = territory_membership::Entity::find()
        .select_only()
        .column(territory_membership::Column::TerritoryId)
        .column(territory::Column::Level)
        .join(JoinType::InnerJoin, territory_membership::Relation::Territory.def())
        .filter(territory_membership::Column::AncestorId.is_in(ancestor_ids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await
        .context("loading the communes of a territory")?;
    Ok(rows
        .into_iter()
        .filter(|(_, level)| matches!(level, TerritoryLevel::Commune | TerritoryLevel::ArrondissementMunicipal))
        .map(|(id, _)| id)
        .collect())
}
