//! The payload every bulk upsert answers with, whatever the record kind: whether the batch was
//! committed and one result per item.

use async_graphql::{Enum, ID, SimpleObject};

use super::{Reply, UserError};
use crate::{
    graphql::node::global_id,
    store::write::{BulkResult, ItemStatus},
};

/// What happened to one item of a bulk upsert.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertStatus {
    /// A new record was created.
    Created,
    /// The stored record was changed (or undeleted).
    Updated,
    /// The item equals the stored record: nothing written, version unchanged.
    Unchanged,
    /// The item is invalid (see its userErrors): nothing written for it.
    Rejected,
}

impl From<ItemStatus> for UpsertStatus {
    fn from(status: ItemStatus) -> Self {
        match status {
            ItemStatus::Created => Self::Created,
            ItemStatus::Updated => Self::Updated,
            ItemStatus::Unchanged => Self::Unchanged,
            ItemStatus::Rejected => Self::Rejected,
        }
    }
}

/// The result of one item of a bulk upsert.
#[derive(SimpleObject)]
pub struct UpsertResult {
    /// Position of the item in `items`, from 0.
    pub index: i32,
    /// The item's external id.
    pub external_id: String,
    /// What happened (what would have happened when the batch is not committed).
    pub status: UpsertStatus,
    /// Global id of the record.
    pub id: Option<ID>,
    /// Its version after the call.
    pub version: Option<i32>,
    /// Why the item was rejected.
    pub user_errors: Vec<UserError>,
}

/// Result of a bulk upsert.
#[derive(SimpleObject)]
pub struct UpsertPayload {
    /// Whether the accepted items were written: false with `validateOnly`, with user errors
    /// on the whole call, and for an `atomic` batch with a rejected item.
    pub committed: bool,
    /// One result per item, in input order.
    pub results: Vec<UpsertResult>,
    /// Errors on the whole call (too many items, forbidden source, reused idempotency key).
    pub user_errors: Vec<UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// The payload of a bulk upsert of records of GraphQL type `type_name`: its `result` (none
/// when the whole call was rejected) and the rest of the payload.
pub fn upsert_payload(result: Option<BulkResult>, type_name: &str, reply: Reply) -> UpsertPayload {
    let (committed, items) = result.map_or((false, Vec::new()), |r| (r.committed, r.items));
    UpsertPayload {
        committed,
        results: items
            .into_iter()
            .map(|item| UpsertResult {
                index: i32::try_from(item.index).unwrap_or(i32::MAX),
                external_id: item.external_id,
                status: item.status.into(),
                id: item.id.map(|id| global_id(type_name, id)),
                version: item.version,
                user_errors: item.user_errors.into_iter().map(Into::into).collect(),
            })
            .collect(),
        user_errors: reply.user_errors,
        replayed: reply.replayed,
        client_mutation_id: reply.client_mutation_id,
    }
}
