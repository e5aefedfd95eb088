//! Canteens of the national register and their yearly declarations: written by their
//! importers (a canteen keyed by SIRET, a declaration by canteen and year; equal records left
//! alone) and read by GraphQL and the canteen indicators.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{canteen, canteen_declaration};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    DbContext, StoreError, insert_chunked,
    keyed::Keyed,
    organisations::escape_like,
    page::{IdKind, KeyKind, SortKey, list_filter},
    rows::{FetchModels, group_by_parent},
    territories,
};
use crate::store::write::ItemStatus;

/// A canteen as the register gives it (without row id or times).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanteenRecord {
    /// SIRET (checked).
    pub siret: String,
    /// Name.
    pub name: String,
    /// Id in the register.
    pub register_id: Option<String>,
    /// Commune id, when known.
    pub commune_id: Option<String>,
    /// `public` or `private`.
    pub economic_model: Option<String>,
    /// `direct` or `conceded`.
    pub management_type: Option<String>,
    /// `central`, `central_serving`, `site` or `site_cooked_elsewhere`.
    pub production_type: Option<String>,
    /// The central kitchen's SIRET (checked).
    pub central_kitchen_siret: Option<String>,
    /// Meals per day.
    pub daily_meals: Option<i64>,
    /// Meals per year.
    pub yearly_meals: Option<i64>,
    /// Sectors.
    pub sectors: Option<String>,
    /// Line ministry.
    pub line_ministry: Option<String>,
    /// Registration day.
    pub registered_on: Option<chrono::NaiveDate>,
}

/// Writes canteens keyed by SIRET: CREATED, UPDATED (when any field differs) or UNCHANGED,
/// in the order given. Call inside a transaction.
pub async fn write<C: ConnectionTrait>(
    db: &C,
    source: &str,
    records: Vec<CanteenRecord>,
    now: DateTime<Utc>,
) -> Result<Vec<ItemStatus>, StoreError> {
    let rows = records
        .into_iter()
        .map(|record| canteen::Model {
            id: Uuid::now_v7(),
            siret: record.siret,
            name_search: crate::domain::text::fold_for_search(&record.name),
            name: record.name,
            register_id: record.register_id,
            commune_id: record.commune_id,
            economic_model: record.economic_model,
            management_type: record.management_type,
            production_type: record.production_type,
            central_kitchen_siret: record.central_kitchen_siret,
            daily_meals: record.daily_meals,
            yearly_meals: record.yearly_meals,
            sectors: record.sectors,
            line_ministry: record.line_ministry,
            registered_on: record.registered_on,
            source: source.to_owned(),
            created_at: now,
            updated_at: now,
        })
        .collect();
    Keyed::<canteen::Entity> {
        column: canteen::Column::Siret,
        key: |row| row.siret.clone(),
        adopt: |new, old| {
            (new.id, new.created_at, new.updated_at) = (old.id, old.created_at, old.updated_at);
        },
        touch: |row, now| row.updated_at = now,
        what: "writing canteens",
    }
    .write(db, rows, now)
    .await
}

/// The ids of the canteens with these SIRETs.
pub async fn ids_by_siret<C: ConnectionTrait>(
    db: &C,
    sirets: Vec<String>,
) -> Result<HashMap<String, Uuid>, StoreError> {
    Ok(canteen::Entity::find()
        .filter(canteen::Column::Siret.is_in(sirets))
        .fetch_all(db)
        .await
        .context("finding canteens by SIRET")?
        .into_iter()
        .map(|c| (c.siret, c.id))
        .collect())
}

/// Writes declarations keyed by canteen and year: CREATED, UPDATED or UNCHANGED (the update
/// time aside), in the order given. Call inside a transaction.
pub async fn write_declarations<C: ConnectionTrait>(
    db: &C,
    declarations: Vec<canteen_declaration::Model>,
) -> Result<Vec<ItemStatus>, StoreError> {
    let ids: Vec<Uuid> = declarations.iter().map(|d| d.canteen_id).collect();
    let stored: HashMap<(Uuid, i16), canteen_declaration::Model> = canteen_declaration::Entity::find()
        .filter(canteen_declaration::Column::CanteenId.is_in(ids))
        .fetch_all(db)
        .await
        .context("finding canteen declarations")?
        .into_iter()
        .map(|d| ((d.canteen_id, d.year), d))
        .collect();
    let (mut inserts, mut statuses) = (Vec::new(), Vec::with_capacity(declarations.len()));
    for declaration in declarations {
        match stored.get(&(declaration.canteen_id, declaration.year)) {
            Some(old)
                if canteen_declaration::Model {
                    updated_at: old.updated_at,
                    ..declaration.clone()
                } == *old =>
            {
                statuses.push(ItemStatus::Unchanged);
            }
            Some(_) => {
                declaration
                    .into_active_model()
                    .reset_all()
                    .update(db)
                    .await
                    .context("updating a canteen declaration")?;
                statuses.push(ItemStatus::Updated);
            }
            None => {
                inserts.push(declaration.into_active_model());
                statuses.push(ItemStatus::Created);
            }
        }
    }
    insert_chunked(db, inserts)
        .await
        .context("inserting canteen declarations")?;
    Ok(statuses)
}

/// Filters on canteens; fields combine with AND, values within a list with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CanteenFilter {
    /// Restrict to these ids.
    pub ids: Vec<Uuid>,
    /// In a commune within one of these territories.
    pub territory_ids: Vec<String>,
    /// In a commune of one of these food projects.
    pub food_project_ids: Vec<Uuid>,
    /// Of these management types (stored values).
    pub management_types: Vec<String>,
    /// Of these production types (stored values).
    pub production_types: Vec<String>,
    /// Folded words that must all appear in the folded name.
    pub name_words: Vec<String>,
}

fn col(column: canteen::Column) -> Expr {
    Expr::col((canteen::Entity, column))
}

impl CanteenFilter {
    /// The WHERE condition of the filter.
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all();
        if !self.ids.is_empty() {
            all = all.add(col(canteen::Column::Id).is_in(self.ids.iter().copied()));
        }
        if !self.territory_ids.is_empty() {
            all = all.add(col(canteen::Column::CommuneId).in_subquery(territories::within(&self.territory_ids)));
        }
        if !self.food_project_ids.is_empty() {
            all = all.add(
                col(canteen::Column::CommuneId)
                    .in_subquery(super::food_projects::territories_in(&self.food_project_ids)),
            );
        }
        if !self.management_types.is_empty() {
            all = all.add(col(canteen::Column::ManagementType).is_in(self.management_types.iter().cloned()));
        }
        if !self.production_types.is_empty() {
            all = all.add(col(canteen::Column::ProductionType).is_in(self.production_types.iter().cloned()));
        }
        for word in &self.name_words {
            all = all.add(col(canteen::Column::NameSearch).like(format!("%{}%", escape_like(word))));
        }
        all
    }
}

/// The sort key of a canteen list: by SIRET, ties impossible (unique), then id.
pub fn sort_key(descending: bool) -> SortKey {
    SortKey::new(
        "SIRET",
        (col(canteen::Column::Siret), KeyKind::Text),
        (col(canteen::Column::Id), IdKind::Uuid),
        descending,
    )
}

list_filter!(CanteenFilter => canteen::Entity, "canteens");

/// Canteens by id.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<canteen::Model>, StoreError> {
    canteen::Entity::find()
        .filter(canteen::Column::Id.is_in(ids.iter().copied()))
        .fetch_all(db)
        .await
        .context("loading canteens by id")
}

/// The canteen with this SIRET.
pub async fn by_siret<C: ConnectionTrait>(db: &C, siret: &str) -> Result<Option<canteen::Model>, StoreError> {
    Ok(canteen::Entity::find()
        .filter(canteen::Column::Siret.eq(siret))
        .fetch_all(db)
        .await
        .context("loading a canteen by SIRET")?
        .pop())
}

/// The declarations of each canteen, by year.
pub async fn declarations_of<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<canteen_declaration::Model>>, StoreError> {
    let rows = canteen_declaration::Entity::find()
        .filter(canteen_declaration::Column::CanteenId.is_in(ids.iter().copied()))
        .order_by_asc(canteen_declaration::Column::Year)
        .fetch_all(db)
        .await
        .context("loading canteen declarations")?;
    Ok(group_by_parent(rows, |row| row.canteen_id))
}
