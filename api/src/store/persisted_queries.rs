//! Persisted queries: GraphQL documents stored under their SHA-256 hash, so that every
//! instance serving the database knows a query any of them registered, with when each was last
//! used so that unused ones can be pruned.

use chrono::{DateTime, Utc};
use entity::persisted_query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Condition, Expr, OnConflict},
};

use super::StoreError;

/// The query registered under `sha256_hash`, if any.
pub async fn find(db: &impl ConnectionTrait, sha256_hash: &str) -> Result<Option<String>, StoreError> {
    persisted_query::Entity::find_by_id(sha256_hash.to_owned())
        .one(db)
        .await
        .map(|found| found.map(|model| model.query))
        .map_err(failed("looking up a persisted query"))
}

/// Registers `query` under `sha256_hash` (the caller checked that it is the query's hash) at
/// `now`; a hash already registered is left as it is, but marked used at `now`.
pub async fn register(
    db: &impl ConnectionTrait,
    sha256_hash: &str,
    query: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = persisted_query::ActiveModel {
        sha256_hash: Set(sha256_hash.to_owned()),
        query: Set(query.to_owned()),
        registered_at: Set(now),
        last_used_at: Set(Some(now)),
    };
    persisted_query::Entity::insert(row)
        .on_conflict(
            OnConflict::column(persisted_query::Column::Sha256Hash)
                .update_column(persisted_query::Column::LastUsedAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(|_| ())
        .map_err(failed("registering a persisted query"))
}

/// Marks the query registered under `sha256_hash` used at `now`.
pub async fn touch(db: &impl ConnectionTrait, sha256_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    persisted_query::Entity::update_many()
        .col_expr(persisted_query::Column::LastUsedAt, Expr::value(now))
        .filter(persisted_query::Column::Sha256Hash.eq(sha256_hash))
        .exec(db)
        .await
        .map(|_| ())
        .map_err(failed("marking a persisted query used"))
}

/// Deletes the queries not used since `before` (those never marked used counting from their
/// registration); answers how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    persisted_query::Entity::delete_many()
        .filter(
            Condition::any()
                .add(persisted_query::Column::LastUsedAt.lt(before))
                .add(
                    Condition::all()
                        .add(persisted_query::Column::LastUsedAt.is_null())
                        .add(persisted_query::Column::RegisteredAt.lt(before)),
                ),
        )
        .exec(db)
        .await
        .map(|result| result.rows_affected)
        .map_err(failed("pruning unused persisted queries"))
}

/// The store error of a failed statement, `context` saying what it was doing.
fn failed(context: &'static str) -> impl FnOnce(sea_orm::DbErr) -> StoreError {
    move |source| StoreError::Database { context, source }
}
