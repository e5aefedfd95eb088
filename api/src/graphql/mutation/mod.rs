//! The mutation root and what every mutation shares: the writer taken from the request's
//! [`Caller`], the client-facing `userErrors`, and (in [`record`]) the one shape of a
//! create, update, delete and bulk upsert that every record kind goes through.
//!
//! Policy: an anonymous caller cannot write (the HTTP layer answers 401 before GraphQL runs;
//! resolvers check again with code UNAUTHENTICATED). Problems with the input, a forbidden
//! source, a stale `expectedVersion` or a reused idempotency key are `userErrors` in the
//! payload, and nothing is written; only failures on our side are GraphQL errors (INTERNAL).
//!
//! A record kind lives in one module here: its GraphQL inputs, its GraphQL types stamped by
//! [`record_mutation_types!`](types::record_mutation_types), its [`record::MutableKind`] impl
//! (input -> store fields, the store calls) and its root object of thin resolvers.

use async_graphql::{Context, Enum, ErrorExtensions, MergedObject, SimpleObject};

use crate::{
    access::{Access, Caller, Role},
    error_code::ErrorCode,
    store::write::{self, Writer},
};

pub mod contract;
pub mod declare;
pub mod delete;
pub mod establishment;
pub mod identifier;
pub mod label;
pub mod organisation;
pub mod partnership;
pub mod record;
pub mod supply_link;
pub mod types;
pub mod upsert;

/// Entry points for writing: one root per area, merged.
#[derive(MergedObject, Default)]
pub struct Mutation(
    organisation::OrganisationMutation,
    contract::ContractMutation,
    partnership::PartnershipMutation,
    delete::DeleteMutation,
    label::LabelMutation,
    establishment::EstablishmentMutation,
    identifier::IdentifierMutation,
    supply_link::SupplyLinkMutation,
);

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

/// What every payload carries besides the record.
pub struct Reply {
    /// Why nothing was written.
    pub user_errors: Vec<UserError>,
    /// Whether this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
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
