//! Persisted queries: GraphQL documents stored under their SHA-256 hash, so that every
//! instance serving the database knows a query any of them registered.

use chrono::Utc;
use entity::persisted_query;
use sea_orm::{ConnectionTrait, EntityTrait, Set, sea_query::OnConflict};

use super::StoreError;

/// The query registered under `sha256_hash`, if any.
pub async fn find(db: &impl ConnectionTrait, sha256_hash: &str) -> Result<Option<String>, StoreError> {
    persisted_query::Entity::find_by_id(sha256_hash.to_owned())
        .one(db)
        .await
        .map(|found| found.map(|model| model.query))
        .map_err(|source| StoreError::Database {
            context: "looking up a persisted query",
            source,
        })
}

/// Registers `query` under `sha256_hash` (the caller checked that it is the query's hash); a
/// hash already registered is left as it is.
pub async fn register(db: &impl ConnectionTrait, sha256_hash: &str, query: &str) -> Result<(), StoreError> {
    let row = persisted_query::ActiveModel {
        sha256_hash: Set(sha256_hash.to_owned()),
        query: Set(query.to_owned()),
        registered_at: Set(Utc::now()),
    };
    persisted_query::Entity::insert(row)
        .on_conflict(
            OnConflict::column(persisted_query::Column::Sha256Hash)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(|_| ())
        .map_err(|source| StoreError::Database {
            context: "registering a persisted query",
            source,
        })
}
