//! What a write answers: user errors, how the write ended, and the result of each record of
//! a bulk upsert. These types are remembered under idempotency keys, so their serde forms
//! never change.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{domain::ValidationError, error_code::ErrorCode};

/// A change to a nullable field: `None` leaves it, `Some(None)` clears it, `Some(Some(v))`
/// sets it.
pub type Patch<T> = Option<Option<T>>;

/// A problem with one input of a write, naming the field and the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserError {
    /// Path of the field (`siren`, `items.3.siren`).
    pub field: String,
    /// What is wrong, with the value.
    pub message: String,
    /// Kind of error.
    pub code: ErrorCode,
}

impl UserError {
    /// A user error on `field`.
    pub fn new(field: &str, message: String, code: ErrorCode) -> Self {
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

    /// The errors of item `index` of a bulk write, with their fields under `items.<index>`.
    pub fn of_item(index: usize, errors: Vec<UserError>) -> Vec<UserError> {
        errors.into_iter().map(|e| e.under(&format!("items.{index}"))).collect()
    }
}

impl From<ValidationError> for UserError {
    fn from(invalid: ValidationError) -> Self {
        Self {
            message: invalid.to_string(),
            field: invalid.field.into_owned(),
            code: ErrorCode::BadUserInput,
        }
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

/// What a single-record write returns (and what an idempotency key remembers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The record's id.
    pub id: Uuid,
    /// Its version after the write.
    pub version: i32,
}

/// Status of one bulk item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemStatus {
    /// A new record was created.
    Created,
    /// The stored record was changed (or undeleted).
    Updated,
    /// The item equals the stored record: nothing written.
    Unchanged,
    /// The item is invalid: nothing written for it.
    Rejected,
}

/// The result of one bulk item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Position of the item in the input, from 0.
    pub index: usize,
    /// The item's external id, as given.
    pub external_id: String,
    /// What happened.
    pub status: ItemStatus,
    /// The record's id (absent when rejected before one was known).
    pub id: Option<Uuid>,
    /// The record's version after the call.
    pub version: Option<i32>,
    /// Why the item was rejected.
    pub user_errors: Vec<UserError>,
}

impl ItemResult {
    /// The result of item `index` keyed `external_id`, rejected until it is settled.
    pub fn unsettled(index: usize, external_id: String) -> Self {
        Self {
            index,
            external_id,
            status: ItemStatus::Rejected,
            id: None,
            version: None,
            user_errors: Vec::new(),
        }
    }
}

/// The result of a bulk upsert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    /// Whether the accepted items were written (false for `validateOnly`, and for an atomic
    /// batch with a rejected item).
    pub committed: bool,
    /// One result per item, in input order.
    pub items: Vec<ItemResult>,
}
