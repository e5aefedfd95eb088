//! Territorial food projects (PAT) and their communes: read as a scope next to the
//! administrative territories, and written by the PAT list importer (a project keyed by its
//! code in the national list; its communes replaced with it).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{food_project, food_project_commune};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{
    DbContext, StoreError, insert_chunked,
    organisations::escape_like,
    page::{IdKind, KeyKind, SortKey, list_filter},
    rows::{FetchModels, group_by_parent},
    territories,
};
use crate::store::write::ItemStatus;

/// Filters on food projects; fields combine with AND, values within a list with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FoodProjectFilter {
    /// Restrict to these ids.
    pub ids: Vec<Uuid>,
    /// With these codes in the national list.
    pub codes: Vec<String>,
    /// Covering a commune within one of these territories (any level).
    pub territory_ids: Vec<String>,
    /// Folded words that must all appear in the folded names.
    pub name_words: Vec<String>,
}

fn col(column: food_project::Column) -> Expr {
    Expr::col((food_project::Entity, column))
}

impl FoodProjectFilter {
    /// The WHERE condition of the filter.
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all();
        if !self.ids.is_empty() {
            all = all.add(col(food_project::Column::Id).is_in(self.ids.iter().copied()));
        }
        if !self.codes.is_empty() {
            all = all.add(col(food_project::Column::Code).is_in(self.codes.iter().cloned()));
        }
        if !self.territory_ids.is_empty() {
            let covering = Query::select()
                .column(food_project_commune::Column::FoodProjectId)
                .from(food_project_commune::Entity)
                .and_where(
                    Expr::col(food_project_commune::Column::CommuneId)
                        .in_subquery(territories::within(&self.territory_ids)),
                )
                .to_owned();
            all = all.add(col(food_project::Column::Id).in_subquery(covering));
        }
        for word in &self.name_words {
            all = all.add(col(food_project::Column::NameSearch).like(format!("%{}%", escape_like(word))));
        }
        all
    }
}

/// The territories lying in a commune of one of these food projects (the communes and their
/// arrondissements municipaux), as a subquery.
pub fn territories_in(ids: &[Uuid]) -> sea_orm::sea_query::SelectStatement {
    let communes = Query::select()
        .column(food_project_commune::Column::CommuneId)
        .from(food_project_commune::Entity)
        .and_where(Expr::col(food_project_commune::Column::FoodProjectId).is_in(ids.iter().copied()))
        .to_owned();
    Query::select()
        .column(entity::territory_membership::Column::TerritoryId)
        .from(entity::territory_membership::Entity)
        .and_where(Expr::col(entity::territory_membership::Column::AncestorId).in_subquery(communes))
        .to_owned()
}

/// The sort key of a food project list: by folded name, ties broken by id.
pub fn sort_key(descending: bool) -> SortKey {
    SortKey::new(
        "NAME",
        (col(food_project::Column::NameSearch), KeyKind::Text),
        (col(food_project::Column::Id), IdKind::Uuid),
        descending,
    )
}

list_filter!(FoodProjectFilter => food_project::Entity, "food projects");

/// Food projects by id.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<food_project::Model>, StoreError> {
    food_project::Entity::find()
        .filter(food_project::Column::Id.is_in(ids.iter().copied()))
        .fetch_all(db)
        .await
        .context("loading food projects by id")
}

/// The commune ids of each food project, in code order.
pub async fn communes_of<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<food_project_commune::Model>>, StoreError> {
    let rows = food_project_commune::Entity::find()
        .filter(food_project_commune::Column::FoodProjectId.is_in(ids.iter().copied()))
        .order_by_asc(food_project_commune::Column::CommuneId)
        .fetch_all(db)
        .await
        .context("loading the communes of food projects")?;
    Ok(group_by_parent(rows, |row| row.food_project_id))
}

/// A food project as the list gives it, with its communes (`COM:<code>` ids, known ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoodProjectRecord {
    /// Code in the national list.
    pub code: String,
    /// Administrative name.
    pub name: String,
    /// Name in common use.
    pub usual_name: Option<String>,
    /// Page on the national list.
    pub sheet_url: Option<String>,
    /// Régions as listed.
    pub regions: Option<String>,
    /// Départements as listed.
    pub departements: Option<String>,
    /// EPCI as listed.
    pub epcis: Option<String>,
    /// Its communes, sorted, without repeats.
    pub communes: Vec<String>,
}

/// Writes food projects keyed by code: a new one is CREATED, one that differs from the stored
/// project or communes is UPDATED (its communes replaced), an equal one is UNCHANGED. Call
/// inside a transaction.
pub async fn write<C: ConnectionTrait>(
    db: &C,
    source: &str,
    records: Vec<FoodProjectRecord>,
    now: DateTime<Utc>,
) -> Result<Vec<ItemStatus>, StoreError> {
    let codes: Vec<String> = records.iter().map(|r| r.code.clone()).collect();
    let stored: HashMap<String, food_project::Model> = food_project::Entity::find()
        .filter(food_project::Column::Code.is_in(codes))
        .fetch_all(db)
        .await
        .context("finding food projects by code")?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let ids: Vec<Uuid> = stored.values().map(|p| p.id).collect();
    let stored_communes = communes_of(db, &ids).await?;
    let (mut inserts, mut replaced, mut communes, mut statuses) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for record in records {
        let name_search = crate::domain::text::fold_for_search(&format!(
            "{} {}",
            record.name,
            record.usual_name.as_deref().unwrap_or_default()
        ));
        let old = stored.get(&record.code);
        let model = food_project::Model {
            id: old.map_or_else(Uuid::now_v7, |o| o.id),
            code: record.code,
            name: record.name,
            usual_name: record.usual_name,
            name_search,
            sheet_url: record.sheet_url,
            regions: record.regions,
            departements: record.departements,
            epcis: record.epcis,
            source: source.to_owned(),
            created_at: old.map_or(now, |o| o.created_at),
            updated_at: old.map_or(now, |o| o.updated_at),
        };
        let old_communes: Vec<&str> = old
            .and_then(|o| stored_communes.get(&o.id))
            .map(|rows| rows.iter().map(|r| r.commune_id.as_str()).collect())
            .unwrap_or_default();
        let rows = record.communes.iter().map(|commune| food_project_commune::Model {
            food_project_id: model.id,
            commune_id: commune.clone(),
        });
        match old {
            Some(old) if *old == model && old_communes == record.communes => statuses.push(ItemStatus::Unchanged),
            Some(_) => {
                replaced.push(model.id);
                communes.extend(rows);
                food_project::Entity::update(sea_orm::ActiveModelTrait::reset_all(
                    food_project::Model {
                        updated_at: now,
                        ..model
                    }
                    .into_active_model(),
                ))
                .exec(db)
                .await
                .context("updating a food project")?;
                statuses.push(ItemStatus::Updated);
            }
            None => {
                communes.extend(rows);
                inserts.push(model.into_active_model());
                statuses.push(ItemStatus::Created);
            }
        }
    }
    if !replaced.is_empty() {
        food_project_commune::Entity::delete_many()
            .filter(food_project_commune::Column::FoodProjectId.is_in(replaced))
            .exec(db)
            .await
            .context("replacing the communes of food projects")?;
    }
    insert_chunked(db, inserts).await.context("inserting food projects")?;
    insert_chunked(
        db,
        communes.into_iter().map(IntoActiveModel::into_active_model).collect(),
    )
    .await
    .context("inserting the communes of food projects")?;
    Ok(statuses)
}

/// The food project with this code in the national list.
pub async fn by_code<C: ConnectionTrait>(db: &C, code: &str) -> Result<Option<food_project::Model>, StoreError> {
    Ok(food_project::Entity::find()
        .filter(food_project::Column::Code.eq(code))
        .fetch_all(db)
        .await
        .context("loading a food project by code")?
        .pop())
}
