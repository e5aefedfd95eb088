//! The mutation root and what every mutation shares: the writer taken from the request's
//! [`Caller`], write options (`validateOnly`, `idempotencyKey`), and `userErrors`.
//!
//! Policy: an anonymous caller cannot write (the HTTP layer answers 401 before GraphQL runs;
//! resolvers check again with code UNAUTHENTICATED). Problems with the input, a forbidden
//! source, a stale `expectedVersion` or a reused idempotency key are `userErrors` in the
//! payload, and nothing is written; only failures on our side are GraphQL errors (INTERNAL).

use async_graphql::{Context, Enum, ErrorExtensions, ID, InputType, MergedObject, SimpleObject};

use crate::{
    access::{Access, Caller, Role},
    error_code::ErrorCode,
    graphql::node::{global_id, parse_global_id},
    store::write::{self, BulkResult, IdempotencyKey, ItemStatus, Outcome, WriteOptions, Writer, Written},
};

/// Entry points for writing: one root per area, merged.
#[derive(MergedObject, Default)]
pub struct Mutation(
    super::mutation_organisations::OrganisationMutation,
    super::mutation_contracts::ContractMutation,
    super::mutation_partnerships::PartnershipMutation,
    super::mutation_deletes::DeleteMutation,
    super::mutation_labels::LabelMutation,
    super::mutation_establishments::EstablishmentMutation,
    super::mutation_identifiers::IdentifierMutation,
);

/// The options and arguments of a single-record write, or the first user error found.
pub type Prepared<T> = Result<(WriteOptions, T), write::UserError>;

/// Kind of a user error.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// The input is invalid (malformed code, missing field, dates out of order...).
    BadUserInput,
    /// A referenced record (the record itself, a territory...) does not exist.
    NotFound,
    /// The key may not write this record (a partner writes only records of its source).
    Forbidden,
    /// The record changed since `expectedVersion`, a unique value is taken, or the
    /// idempotency key was already used with another input.
    Conflict,
}

impl From<ErrorCode> for UserErrorCode {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::Forbidden => Self::Forbidden,
            ErrorCode::Conflict => Self::Conflict,
            // The store's user errors carry only the four codes above.
            _ => Self::BadUserInput,
        }
    }
}

/// A problem with the input of a mutation; when a payload has any, nothing was written.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    /// Path of the input field at fault, e.g. `siren` or `items.3.siren`.
    pub field: String,
    /// What is wrong, naming the value.
    pub message: String,
    /// Kind of error.
    pub code: UserErrorCode,
}

impl From<write::UserError> for UserError {
    fn from(error: write::UserError) -> Self {
        Self {
            field: error.field,
            message: error.message,
            code: error.code.into(),
        }
    }
}

/// The writer of this request: an UNAUTHENTICATED error for an anonymous caller.
pub fn writer(ctx: &Context<'_>) -> async_graphql::Result<Writer> {
    let caller = ctx.data_opt::<Caller>().cloned().unwrap_or_else(Caller::anonymous);
    match caller.role {
        Role::Anonymous => Err(async_graphql::Error::new(
            "writing needs an API key: send `Authorization: Bearer <API key>`",
        )
        .extend_with(|_, extensions| extensions.set("code", "UNAUTHENTICATED"))),
        Role::Partner => {
            let certifies_labels = caller.source.as_ref().is_some_and(|source| {
                ctx.data_opt::<Access>()
                    .is_some_and(|access| access.certified_label_sources.iter().any(|s| s == source))
            });
            Ok(Writer {
                key_id: caller.key_id,
                only_source: caller.source.clone(),
                default_source: caller.source,
                certifies_labels,
            })
        }
        Role::Admin => Ok(Writer {
            key_id: caller.key_id,
            only_source: None,
            default_source: caller.source,
            certifies_labels: true,
        }),
    }
}

/// Whether the caller is an admin; a FORBIDDEN (or UNAUTHENTICATED) error otherwise.
pub fn require_admin(ctx: &Context<'_>, what: &str) -> async_graphql::Result<()> {
    let role = ctx.data_opt::<Caller>().map_or(Role::Anonymous, |caller| caller.role);
    let (code, message) = match role {
        Role::Admin => return Ok(()),
        Role::Anonymous => ("UNAUTHENTICATED", format!("{what} needs an admin API key")),
        Role::Partner => ("FORBIDDEN", format!("{what} is for admin keys only")),
    };
    Err(async_graphql::Error::new(message).extend_with(|_, extensions| extensions.set("code", code)))
}

/// The write options of a mutation: `validateOnly`, and the idempotency key guarding
/// `operation` run with `input` (the whole input object, hashed).
pub fn options<I: InputType>(
    ctx: &Context<'_>,
    operation: &str,
    input: &I,
    validate_only: bool,
    idempotency_key: Option<&str>,
) -> Result<WriteOptions, write::UserError> {
    let retention = ctx.data_opt::<Access>().map_or_else(
        || Access::default().idempotency_retention,
        |access| access.idempotency_retention,
    );
    let idempotency = idempotency_key
        .map(|key| {
            let input = input.to_value().into_json().unwrap_or_default();
            IdempotencyKey::new(key, operation, &input)
        })
        .transpose()?;
    Ok(WriteOptions {
        validate_only,
        idempotency,
        retention,
    })
}

/// The row id of a global id of `type_name`, as a UUID; a user error on `field` otherwise.
pub fn row_id(id: &async_graphql::ID, type_name: &str, field: &str) -> Result<uuid::Uuid, write::UserError> {
    let bad = || {
        write::UserError::new(
            field,
            format!("{:?} is not the id of a {type_name}", id.as_str()),
            ErrorCode::BadUserInput,
        )
    };
    let (kind, key) = parse_global_id(id).map_err(|_| bad())?;
    if kind != type_name {
        return Err(bad());
    }
    key.parse().map_err(|_| bad())
}

/// How a single-record create or update ended: the record written (when committed: not for
/// `validateOnly` nor when rejected), the user errors, and whether it was a replay.
pub fn single(outcome: Result<Outcome<Written>, write::UserError>) -> (Option<Written>, Vec<UserError>, bool) {
    let outcome = outcome.unwrap_or_else(|error| Outcome::Rejected(vec![error]));
    let (written, committed, user_errors, replayed) = super::mutation_organisations::split(outcome);
    (written.filter(|_| committed), user_errors, replayed)
}

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

/// The payload of a bulk upsert of records of GraphQL type `type_name`.
pub fn upsert_payload(
    outcome: Outcome<BulkResult>,
    type_name: &str,
    client_mutation_id: Option<String>,
) -> UpsertPayload {
    let (result, user_errors, replayed) = match outcome {
        Outcome::Written(result) | Outcome::Validated(result) => (Some(result), Vec::new(), false),
        Outcome::Replayed(result) => (Some(result), Vec::new(), true),
        Outcome::Rejected(errors) => (None, errors.into_iter().map(Into::into).collect(), false),
    };
    let (committed, items) = result.map_or((false, Vec::new()), |r| (r.committed, r.items));
    UpsertPayload {
        committed,
        results: items
            .into_iter()
            .map(|item| UpsertResult {
                index: i32::try_from(item.index).unwrap_or(i32::MAX),
                external_id: item.external_id,
                status: match item.status {
                    ItemStatus::Created => UpsertStatus::Created,
                    ItemStatus::Updated => UpsertStatus::Updated,
                    ItemStatus::Unchanged => UpsertStatus::Unchanged,
                    ItemStatus::Rejected => UpsertStatus::Rejected,
                },
                id: item.id.map(|id| global_id(type_name, id)),
                version: item.version,
                user_errors: item.user_errors.into_iter().map(Into::into).collect(),
            })
            .collect(),
        user_errors,
        replayed,
        client_mutation_id,
    }
}
