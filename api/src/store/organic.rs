//! Organic operators of the Agence Bio: written by their importer (keyed by their number) and
//! read filtered, paged and counted by sales channel within a scope.

use chrono::{DateTime, Utc};
use entity::organic_operator;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    DbContext, StoreError,
    analytics::food::FoodScope,
    keyed::Keyed,
    page::{IdKind, KeyKind, SortKey, list_filter},
    rows::FetchModels,
    territories,
};
use crate::store::write::ItemStatus;

/// The sales channels of the Agence Bio's categories, as stored.
pub const CHANNELS: [&str; 6] = [
    "vente_directe",
    "artisan_commercant",
    "magasin_specialise",
    "gms",
    "grossiste",
    "restaurant",
];

/// Writes operators keyed by their number: CREATED, UPDATED or UNCHANGED, in order. Call
/// inside a transaction.
pub async fn write<C: ConnectionTrait>(
    db: &C,
    rows: Vec<organic_operator::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<ItemStatus>, StoreError> {
    Keyed::<organic_operator::Entity> {
        column: organic_operator::Column::NumeroBio,
        key: |row| row.numero_bio.clone(),
        adopt: |new, old| {
            (new.id, new.created_at, new.updated_at) = (old.id, old.created_at, old.updated_at);
        },
        touch: |row, now| row.updated_at = now,
        what: "writing organic operators",
    }
    .write(db, rows, now)
    .await
}

/// Filters on organic operators; fields combine with AND, values within a list with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OrganicFilter {
    /// Restrict to these ids.
    pub ids: Vec<Uuid>,
    /// Located in a commune within one of these territories.
    pub territory_ids: Vec<String>,
    /// Located in a commune of one of these food projects.
    pub food_project_ids: Vec<Uuid>,
    /// Selling through one of these channels (stored values).
    pub channels: Vec<String>,
}

fn col(column: organic_operator::Column) -> Expr {
    Expr::col((organic_operator::Entity, column))
}

/// The condition "sells through `channel`" on the comma-separated categories.
fn sells_through(channel: &str) -> Expr {
    Expr::cust(r#"(',' || "organic_operator"."categories" || ',')"#).like(format!("%,{channel},%"))
}

impl OrganicFilter {
    /// The WHERE condition of the filter.
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all();
        if !self.ids.is_empty() {
            all = all.add(col(organic_operator::Column::Id).is_in(self.ids.iter().copied()));
        }
        if !self.territory_ids.is_empty() {
            all =
                all.add(col(organic_operator::Column::CommuneId).in_subquery(territories::within(&self.territory_ids)));
        }
        if !self.food_project_ids.is_empty() {
            all = all.add(
                col(organic_operator::Column::CommuneId)
                    .in_subquery(super::food_projects::territories_in(&self.food_project_ids)),
            );
        }
        if !self.channels.is_empty() {
            let mut any = Condition::any();
            for channel in &self.channels {
                any = any.add(sells_through(channel));
            }
            all = all.add(any);
        }
        all
    }
}

/// The sort key of an operator list: by number, then id.
pub fn sort_key(descending: bool) -> SortKey {
    SortKey::new(
        "NUMERO_BIO",
        (col(organic_operator::Column::NumeroBio), KeyKind::Text),
        (col(organic_operator::Column::Id), IdKind::Uuid),
        descending,
    )
}

list_filter!(OrganicFilter => organic_operator::Entity, "organic operators");

/// Operators by id.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<organic_operator::Model>, StoreError> {
    organic_operator::Entity::find()
        .filter(organic_operator::Column::Id.is_in(ids.iter().copied()))
        .fetch_all(db)
        .await
        .context("loading organic operators by id")
}

/// The operators located in `scope` in total and selling through each channel of
/// [`CHANNELS`] (an operator may sell through several), as `(total, per channel)`; only
/// operators engaged in certification (`ENGAGEE`) count.
pub async fn by_channel<C: ConnectionTrait>(db: &C, scope: &FoodScope) -> Result<(i64, Vec<i64>), StoreError> {
    use super::analytics::Sql;
    let mut sql = Sql::new(db.get_database_backend());
    let counts: Vec<String> = CHANNELS
        .iter()
        .map(|c| {
            format!("CAST(SUM(CASE WHEN (',' || o.categories || ',') LIKE '%,{c},%' THEN 1 ELSE 0 END) AS BIGINT)")
        })
        .collect();
    sql.push(&format!(
        "SELECT COUNT(*), {} FROM organic_operator o \
         JOIN territory_membership m ON m.territory_id = o.commune_id AND m.ancestor_id ",
        counts.join(", ")
    ));
    super::analytics::food::in_scope(&mut sql, scope);
    sql.push(" WHERE o.certification = 'ENGAGEE'");
    let rows = sql
        .rows(
            db,
            ("counting organic operators", "reading organic operator counts"),
            |row| {
                let total: i64 = row.try_get_by_index(0)?;
                let per = (1..=CHANNELS.len())
                    .map(|i| row.try_get_by_index::<Option<i64>>(i).map(Option::unwrap_or_default))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((total, per))
            },
        )
        .await?;
    Ok(rows.into_iter().next().unwrap_or_else(|| (0, vec![0; CHANNELS.len()])))
}
