//! The mutation root and what every mutation shares: the writer taken from the request's
//! [`Caller`], write options (`validateOnly`, `idempotencyKey`), and `userErrors`.
//!
//! Policy: an anonymous caller cannot write (the HTTP layer answers 401 before GraphQL runs;
//! resolvers check again with code UNAUTHENTICATED). Problems with the input, a forbidden
//! source, a stale `expectedVersion` or a reused idempotency key are `userErrors` in the
//! payload, and nothing is written; only failures on our side are GraphQL errors (INTERNAL).

use async_graphql::{Context, Enum, ErrorExtensions, InputType, MergedObject, SimpleObject};

use crate::{
    graphql::node::parse_global_id,
    http::{
        Access,
        auth::{Caller, Role},
    },
    store::writes::{self, IdempotencyKey, WriteOptions, Writer},
};

/// Entry points for writing: one root per area, merged.
#[derive(MergedObject, Default)]
pub struct Mutation(super::mutation_organisations::OrganisationMutation);

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

impl From<writes::UserErrorCode> for UserErrorCode {
    fn from(code: writes::UserErrorCode) -> Self {
        match code {
            writes::UserErrorCode::BadUserInput => Self::BadUserInput,
            writes::UserErrorCode::NotFound => Self::NotFound,
            writes::UserErrorCode::Forbidden => Self::Forbidden,
            writes::UserErrorCode::Conflict => Self::Conflict,
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

impl From<writes::UserError> for UserError {
    fn from(error: writes::UserError) -> Self {
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
        Role::Partner => Ok(Writer {
            key_id: caller.key_id,
            only_source: caller.source.clone(),
            default_source: caller.source,
        }),
        Role::Admin => Ok(Writer {
            key_id: caller.key_id,
            only_source: None,
            default_source: caller.source,
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
) -> Result<WriteOptions, writes::UserError> {
    let retention = ctx
        .data_opt::<Access>()
        .copied()
        .unwrap_or_default()
        .idempotency_retention;
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
pub fn row_id(id: &async_graphql::ID, type_name: &str, field: &str) -> Result<uuid::Uuid, writes::UserError> {
    let bad = || {
        writes::UserError::new(
            field,
            format!("{:?} is not the id of a {type_name}", id.as_str()),
            writes::UserErrorCode::BadUserInput,
        )
    };
    let (kind, key) = parse_global_id(id).map_err(|_| bad())?;
    if kind != type_name {
        return Err(bad());
    }
    key.parse().map_err(|_| bad())
}
