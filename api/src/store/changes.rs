//! The change log: appended to, in the writing transaction, by every store write to a
//! syncable record. Its `seq` is the cursor partners follow.

use chrono::Utc;
use entity::{change_log, enums::ChangeOp};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Set, Statement};
use uuid::Uuid;

use super::insert_chunked;

/// Appends one change-log row per `(row id, version)` for `entity`. On PostgreSQL the rows
/// carry the current transaction id, so a feed reader can hold back rows of transactions that
/// are still in flight.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    entity: &str,
    op: ChangeOp,
    rows: impl IntoIterator<Item = (Uuid, i32)>,
) -> Result<(), DbErr> {
    let tx_id = current_tx_id(db).await?;
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

/// The PostgreSQL transaction id of the current transaction; `None` on SQLite.
async fn current_tx_id<C: ConnectionTrait>(db: &C) -> Result<Option<i64>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_current_xact_id()::text::bigint AS tx_id",
        ))
        .await?;
    row.map(|row| row.try_get::<i64>("", "tx_id")).transpose()
}
