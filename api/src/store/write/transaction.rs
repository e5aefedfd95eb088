//! The transaction that runs a write: rolled back on any user error or for `validateOnly`,
//! remembering its result under the client's idempotency key when one is given.
//!
//! A write runs in one transaction that changes the rows (bumping `version`, setting
//! `updated_at`), appends to the change log and the audit log, and remembers the result under
//! the idempotency key when one is given. Any user error rolls the whole transaction back, so
//! nothing is written.

use std::{future::Future, pin::Pin};

use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use super::{
    result::{Outcome, UserError},
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, keys::sha256_hex},
};

/// A boxed future borrowing the write's transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// How a write is run.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Run every check, then roll back.
    pub validate_only: bool,
    /// The client's idempotency key and the hash of the operation and its input.
    pub idempotency: Option<IdempotencyKey>,
    /// How long a remembered result is kept.
    pub retention: Duration,
}

/// An idempotency key as sent, with what it guards.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The client's key.
    pub key: String,
    /// The mutation field name.
    pub operation: String,
    /// Hex SHA-256 of the operation and its input.
    pub request_hash: String,
}

impl IdempotencyKey {
    /// A key guarding `operation` run with `input` (any JSON form of the whole input).
    pub fn new(key: &str, operation: &str, input: &serde_json::Value) -> Result<Self, UserError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(UserError::new(
                "idempotencyKey",
                format!("idempotencyKey {key:?} must have 1 to 200 characters"),
                ErrorCode::BadUserInput,
            ));
        }
        Ok(Self {
            key: key.to_owned(),
            operation: operation.to_owned(),
            request_hash: sha256_hex(&format!("{operation}\n{input}")),
        })
    }
}

/// What a write's body returns: its result to commit, or user errors to roll back. A result
/// may also ask to be rolled back (`commit: false`), as a non-committed atomic batch does.
pub struct Attempt<T> {
    /// The result.
    pub result: Result<T, Vec<UserError>>,
    /// Whether to commit when `result` is `Ok`.
    pub commit: bool,
}

impl<T> Attempt<T> {
    /// A result to commit.
    pub fn commit(result: T) -> Self {
        Self {
            result: Ok(result),
            commit: true,
        }
    }

    /// User errors: roll back.
    pub fn reject(errors: Vec<UserError>) -> Self {
        Self {
            result: Err(errors),
            commit: false,
        }
    }
}

/// Runs a write's `body` in a transaction with the idempotency and `validateOnly` rules of
/// [`WriteOptions`]. The result is remembered under the idempotency key (in the same
/// transaction) when committed.
pub async fn run<T, F>(
    db: &DatabaseConnection,
    writer: &Writer,
    options: &WriteOptions,
    body: F,
) -> Result<Outcome<T>, StoreError>
where
    T: Serialize + DeserializeOwned + Send,
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> TxFuture<'t, Result<Attempt<T>, StoreError>>,
{
    let guard = match (&options.idempotency, writer.key_id, options.validate_only) {
        (Some(idempotency), Some(key_id), false) => Some((idempotency, key_id)),
        _ => None,
    };
    if let Some((idempotency, key_id)) = guard
        && let Some(outcome) = replay(db, key_id, idempotency).await?
    {
        return Ok(outcome);
    }
    // On SQLite a write takes the write lock at BEGIN: a deferred transaction that reads
    // first and then writes while another writer commits fails with SQLITE_BUSY at once
    // (the busy timeout does not apply to a lock upgrade in WAL mode).
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .context("starting a write")?;
    let attempt = match body(&txn).await {
        // Checks find no record with the write's unique values, but another write inserting
        // the same values can commit between the check and the insert: the loser is told to
        // send its write again, as for a stale version.
        Err(error) if is_unique_violation(&error) => {
            txn.rollback().await.context("rolling back a write that lost a race")?;
            return Ok(Outcome::Rejected(vec![concurrent_write()]));
        }
        attempt => attempt?,
    };
    let result = match attempt.result {
        Err(errors) => {
            txn.rollback().await.context("rolling back a rejected write")?;
            return Ok(Outcome::Rejected(errors));
        }
        Ok(result) => result,
    };
    if options.validate_only || !attempt.commit {
        txn.rollback().await.context("rolling back a write")?;
        return Ok(if options.validate_only {
            Outcome::Validated(result)
        } else {
            Outcome::Written(result)
        });
    }
    if let Some((idempotency, key_id)) = guard {
        let response = serde_json::to_string(&result).map_err(|error| StoreError::Database {
            context: "remembering a write's result",
            source: sea_orm::DbErr::Custom(error.to_string()),
        })?;
        let now = Utc::now();
        let saved = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            api_key_id: Set(key_id),
            key: Set(idempotency.key.clone()),
            operation: Set(idempotency.operation.clone()),
            request_hash: Set(idempotency.request_hash.clone()),
            response: Set(response),
            created_at: Set(now),
            expires_at: Set(now + options.retention),
        })
        .exec_without_returning(&txn)
        .await;
        if let Err(error) = saved {
            // The same key committed meanwhile (a concurrent retry): answer as a replay.
            txn.rollback().await.context("rolling back a concurrent retry")?;
            return match replay(db, key_id, idempotency).await? {
                Some(outcome) => Ok(outcome),
                None => Err(error).context("remembering an idempotency key"),
            };
        }
    }
    txn.commit().await.context("committing a write")?;
    Ok(Outcome::Written(result))
}

/// The remembered result of an idempotency key, if live: a replay when the input is the same,
/// a CONFLICT when it differs.
async fn replay<T: DeserializeOwned>(
    db: &DatabaseConnection,
    key_id: Uuid,
    idempotency: &IdempotencyKey,
) -> Result<Option<Outcome<T>>, StoreError> {
    let now = Utc::now();
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ExpiresAt.lt(now))
        .exec(db)
        .await
        .context("forgetting expired idempotency keys")?;
    let Some(found) = idempotency_key::Entity::find_by_id((key_id, idempotency.key.clone()))
        .one(db)
        .await
        .context("looking up an idempotency key")?
    else {
        return Ok(None);
    };
    if found.request_hash != idempotency.request_hash {
        return Ok(Some(Outcome::Rejected(vec![UserError::new(
            "idempotencyKey",
            format!(
                "idempotencyKey {:?} was already used at {} for {} with another input",
                idempotency.key,
                found.created_at.to_rfc3339(),
                found.operation
            ),
            ErrorCode::Conflict,
        )])));
    }
    let result = serde_json::from_str(&found.response).map_err(|error| StoreError::Database {
        context: "reading a remembered write result",
        source: sea_orm::DbErr::Custom(error.to_string()),
    })?;
    Ok(Some(Outcome::Replayed(result)))
}

/// Whether a write failed because a concurrent write committed a row with the same unique
/// values first.
fn is_unique_violation(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Database { source, .. }
            if matches!(source.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
    )
}

/// The CONFLICT user error of a write that lost a race on unique values.
fn concurrent_write() -> UserError {
    UserError::new(
        "input",
        "another write of a record with the same unique values (external id, uid, SIREN, SIRET…) was committed \
         while this one ran: nothing was written; send the write again"
            .to_owned(),
        ErrorCode::Conflict,
    )
}
