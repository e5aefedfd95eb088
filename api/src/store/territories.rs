//! Territories: loading the reference data, and reading territories by id, code, parent
//! and containment.

use std::collections::{BTreeSet, HashMap};

use entity::{enums::TerritoryLevel, legal_category, postal_code_commune, territory, territory_membership};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
    sea_query::{BinOper, Expr, ExprTrait},
};

use super::{DbContext, StoreError, insert_chunked};
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
        .all(db)
        .await
        .context("loading territories by id")
}

/// The territory of a level with an INSEE code (SIREN for an EPCI), at the shipped vintage.
pub async fn by_code<C: ConnectionTrait>(
    db: &C,
    level: TerritoryLevel,
    code: &str,
) -> Result<Option<territory::Model>, StoreError> {
    territory::Entity::find()
        .filter(territory::Column::Level.eq(level))
        .filter(territory::Column::Code.eq(code))
        .filter(territory::Column::CogVintage.eq(COG_VINTAGE))
        .one(db)
        .await
        .context("loading a territory by code")
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
        .all(db)
        .await
        .context("loading postal codes of communes")?;
    let mut grouped: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows {
        grouped.entry(row.commune_id).or_default().push(row.postal_code);
    }
    Ok(grouped)
}
