//! The change log: appended to, in the writing transaction, by every store write to a
//! syncable record. Its `seq` is the cursor partners follow.

use chrono::Utc;
use entity::{change_log, enums::ChangeOp};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Set, Statement};
use uuid::Uuid;

use super::insert_chunked;

/// Key of the PostgreSQL transaction-level advisory lock that orders change-log appends.
const APPEND_LOCK: i64 = 0x7465_7272_6173_7365; // "terrasse"

/// Appends one change-log row per `(row id, version)` for `entity`. On PostgreSQL the rows
/// carry the current transaction id, and the append first takes a transaction-level advisory
/// lock held until commit, so that sequence order equals commit order (see docs/SYNC.md):
/// call it as the last write of the transaction, to hold the lock briefly.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    entity: &str,
    op: ChangeOp,
    rows: impl IntoIterator<Item = (Uuid, i32)>,
) -> Result<(), DbErr> {
    let rows: Vec<(Uuid, i32)> = rows.into_iter().collect();
    if rows.is_empty() {
        return Ok(());
    }
    let tx_id = lock_and_tx_id(db).await?;
    let changed_at = Utc::now();
    let entries: Vec<change_log::ActiveModel> = rows
        .into_iter()
        .map(|(row_id, version)| change_log::ActiveModel {
            entity: Set(entity.to_owned()),
            row_id: Set(row_id),
            op: Set(op),
            version: Set(version),
            changed_at: Set(changed_at),
            tx_id: Set(tx_id),
            ..Default::default()
        })
        .collect();
    insert_chunked(db, entries).await
}

/// On PostgreSQL, takes the append lock (see [`append`]) and returns the id of the current
/// transaction, in one statement (one round trip); `None` on SQLite.
async fn lock_and_tx_id<C: ConnectionTrait>(db: &C) -> Result<Option<i64>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    // The lock is taken before the transaction id is read: FROM before the select list.
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_current_xact_id()::text::bigint AS tx_id FROM pg_advisory_xact_lock({APPEND_LOCK})"),
        ))
        .await?;
    row.map(|row| row.try_get::<i64>("", "tx_id")).transpose()
}

/// Largest page of the change feed.
pub const MAX_FEED_PAGE: u64 = 1000;

/// Up to `first` change-log entries after sequence `after`, in sequence order, of the given
/// entities (all when empty). Every entry served is committed, and no entry with a smaller
/// sequence can commit later (appends are ordered by the lock taken in [`append`]), so a
/// reader that resumes after the last sequence it saw misses nothing and sees nothing twice.
pub async fn feed<C: ConnectionTrait>(
    db: &C,
    after: i64,
    first: u64,
    entities: &[&str],
) -> Result<Vec<change_log::Model>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut query = change_log::Entity::find().filter(change_log::Column::Seq.gt(after));
    if !entities.is_empty() {
        query = query.filter(change_log::Column::Entity.is_in(entities.iter().copied()));
    }
    query
        .order_by_asc(change_log::Column::Seq)
        .limit(first.min(MAX_FEED_PAGE))
        .all(db)
        .await
}

/// The sequence of the latest committed change (0 when none): a snapshot read after this
/// call, followed by the feed from this cursor, misses nothing.
pub async fn current_cursor<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QuerySelect};
    let max: Option<Option<i64>> = change_log::Entity::find()
        .select_only()
        .column_as(change_log::Column::Seq.max(), "max_seq")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}
