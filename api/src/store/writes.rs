//! What every partner write shares: the writer and its rights, user errors, the transaction
//! that runs a write (rolled back on any user error or for `validateOnly`), idempotency keys,
//! and the audit log.
//!
//! A write runs in one transaction that changes the rows (bumping `version`, setting
//! `updated_at`), appends to the change log and the audit log, and remembers the result under
//! the idempotency key when one is given. Any user error rolls the whole transaction back, so
//! nothing is written.

use chrono::{DateTime, Duration, Utc};
use entity::{audit_log, idempotency_key};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::{future::Future, pin::Pin};

use uuid::Uuid;

use super::{DbContext, StoreError, insert_chunked, keys::sha256_hex};
use crate::domain::ValidationError;

/// A boxed future borrowing the write's transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// Who writes, as the store sees it.
#[derive(Debug, Clone)]
pub struct Writer {
    /// The API key writing (recorded in the audit log and scoping idempotency keys); `None`
    /// for the command line.
    pub key_id: Option<Uuid>,
    /// `Some(source)` for a partner, which may only write records of that source; `None` for
    /// an admin, who may write any.
    pub only_source: Option<String>,
    /// The source given to new records when the input names none.
    pub default_source: Option<String>,
    /// Whether the writer may write certified label kinds (those that decide an SSE family,
    /// see [`crate::domain::ess::is_certified`]): admin keys, the sources an admin allows
    /// (`TERRASSE_CERTIFIED_LABEL_SOURCES`) and the command line.
    pub certifies_labels: bool,
}

impl Writer {
    /// A user error when this writer may not write a record of `source`.
    pub fn check_source(&self, field: &str, source: &str) -> Result<(), UserError> {
        match &self.only_source {
            Some(own) if own != source => Err(UserError::new(
                field,
                format!("a partner key of source {own:?} cannot write records of source {source:?}"),
                UserErrorCode::Forbidden,
            )),
            _ => Ok(()),
        }
    }

    /// A FORBIDDEN user error on `field` when this writer may not write a label of `kind`.
    pub fn check_label_kind(&self, field: &str, kind: entity::enums::LabelKind) -> Result<(), UserError> {
        if self.certifies_labels || !crate::domain::ess::is_certified(kind) {
            return Ok(());
        }
        let kind = sea_orm::ActiveEnum::to_value(&kind).to_uppercase();
        Err(UserError::new(
            field,
            format!(
                "label kind {kind} is certified: only admin keys and the sources an admin allows \
                 (TERRASSE_CERTIFIED_LABEL_SOURCES) may write it"
            ),
            UserErrorCode::Forbidden,
        ))
    }

    /// The source of a new record: the one given, else the key's; a user error when neither
    /// exists or the writer may not use it.
    pub fn source_for_new(&self, given: Option<&str>) -> Result<String, UserError> {
        let source = given
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| self.default_source.clone())
            .ok_or_else(|| {
                UserError::new(
                    "source",
                    "a source is required (the key has none): give `source`".to_owned(),
                    UserErrorCode::BadUserInput,
                )
            })?;
        self.check_source("source", &source)?;
        Ok(source)
    }
}

/// How far ahead of the server clock a record's `sourceUpdatedAt` may be (clock skew between
/// the source and Terrasse); later times are refused.
pub const SOURCE_CLOCK_SKEW: Duration = Duration::days(1);

/// A BAD_USER_INPUT user error on `field` when `at` is more than [`SOURCE_CLOCK_SKEW`] after
/// `now`: a source update time in the future would make every later publication of the
/// record (an import included) look older, and be skipped.
pub fn check_source_updated_at(field: &str, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), UserError> {
    match at {
        Some(at) if at > now + SOURCE_CLOCK_SKEW => Err(UserError::new(
            field,
            format!(
                "{field} {} is in the future: at most 1 day after the server time ({})",
                at.to_rfc3339(),
                now.to_rfc3339()
            ),
            UserErrorCode::BadUserInput,
        )),
        _ => Ok(()),
    }
}

/// Kind of a user error, from the closed set of client-facing codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserErrorCode {
    /// The input is invalid.
    BadUserInput,
    /// A referenced record does not exist.
    NotFound,
    /// The writer may not write this record.
    Forbidden,
    /// The record changed meanwhile, a unique value is taken, or an idempotency key was reused
    /// with another input.
    Conflict,
}

/// A problem with one input of a write, naming the field and the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserError {
    /// Path of the field (`siren`, `items.3.siren`).
    pub field: String,
    /// What is wrong, with the value.
    pub message: String,
    /// Kind of error.
    pub code: UserErrorCode,
}

impl UserError {
    /// A user error on `field`.
    pub fn new(field: &str, message: String, code: UserErrorCode) -> Self {
        Self {
            field: field.to_owned(),
            message,
            code,
        }
    }

    /// The same error under `prefix.field`.
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}

impl From<ValidationError> for UserError {
    fn from(invalid: ValidationError) -> Self {
        Self {
            message: invalid.to_string(),
            field: invalid.field.into_owned(),
            code: UserErrorCode::BadUserInput,
        }
    }
}

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
                UserErrorCode::BadUserInput,
            ));
        }
        Ok(Self {
            key: key.to_owned(),
            operation: operation.to_owned(),
            request_hash: sha256_hex(&format!("{operation}\n{input}")),
        })
    }
}

/// How a write ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    /// Written and committed.
    Written(T),
    /// The idempotency key had already run with the same input: its first result, nothing
    /// written again.
    Replayed(T),
    /// `validateOnly`: every check passed, nothing written.
    Validated(T),
    /// Nothing written, because of these errors.
    Rejected(Vec<UserError>),
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
    let attempt = body(&txn).await?;
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
            UserErrorCode::Conflict,
        )])));
    }
    let result = serde_json::from_str(&found.response).map_err(|error| StoreError::Database {
        context: "reading a remembered write result",
        source: sea_orm::DbErr::Custom(error.to_string()),
    })?;
    Ok(Some(Outcome::Replayed(result)))
}

/// One audited write of one row.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// `create`, `update`, `delete`, `upsert` or `take_over` (an import taking a natural key
    /// over from a partner's record).
    pub operation: &'static str,
    /// Entity name, as in the change log.
    pub entity: &'static str,
    /// The row.
    pub row_id: Uuid,
    /// Names of the fields that changed.
    pub changed_fields: Vec<&'static str>,
}

/// Appends audit entries for `writer`, in the writing transaction.
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    at: DateTime<Utc>,
    entries: Vec<AuditEntry>,
) -> Result<(), StoreError> {
    let rows = entries
        .into_iter()
        .map(|entry| audit_log::ActiveModel {
            api_key_id: Set(writer.key_id),
            at: Set(at),
            operation: Set(entry.operation.to_owned()),
            entity: Set(entry.entity.to_owned()),
            row_id: Set(entry.row_id),
            changed_fields: Set(serde_json::Value::from(entry.changed_fields).to_string()),
            ..Default::default()
        })
        .collect();
    insert_chunked(db, rows).await.context("appending to the audit log")
}

/// A page of the audit log, newest first, after the entry `before` (an id) when given.
pub async fn audit_page<C: ConnectionTrait>(
    db: &C,
    before: Option<i64>,
    limit: u64,
    entity: Option<&str>,
    row_id: Option<Uuid>,
) -> Result<Vec<audit_log::Model>, StoreError> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut query = audit_log::Entity::find();
    if let Some(before) = before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    if let Some(entity) = entity {
        query = query.filter(audit_log::Column::Entity.eq(entity));
    }
    if let Some(row_id) = row_id {
        query = query.filter(audit_log::Column::RowId.eq(row_id));
    }
    query
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .context("reading the audit log")
}
