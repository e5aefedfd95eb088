//! Soft deletion of contracts, partnerships, establishments, labels and identifiers: hidden from reads,
//! kept for the change feed as DELETE events.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use sea_orm::DatabaseConnection;

use super::{
    errors::OrInternal,
    mutation::{UserError, options, row_id, writer},
    mutation_organisations::split,
    node::global_id,
};
use crate::store::{
    write::Outcome,
    write::delete::{Deletable, delete},
};

/// Input of a deletion.
#[derive(InputObject, Debug, Clone)]
pub struct DeleteInput {
    /// Global id of the record.
    pub id: ID,
    /// The version the deletion was decided from (CONFLICT when stale).
    pub expected_version: Option<i32>,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of a deletion.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// Global id of the deleted record (null when rejected or `validateOnly`).
    pub deleted_id: Option<ID>,
    /// Its version after deletion.
    pub version: Option<i32>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

async fn run(
    ctx: &Context<'_>,
    input: DeleteInput,
    kind: Deletable,
    type_name: &str,
    operation: &str,
) -> async_graphql::Result<DeletePayload> {
    let writer = writer(ctx)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let prepared = options(
        ctx,
        operation,
        &input,
        input.validate_only,
        input.idempotency_key.as_deref(),
    )
    .and_then(|options| Ok((options, row_id(&input.id, type_name, "id")?)));
    let outcome = match prepared {
        Ok((options, id)) => delete(db, &writer, kind, id, input.expected_version, &options)
            .await
            .or_internal()?,
        Err(error) => Outcome::Rejected(vec![error]),
    };
    let (written, committed, user_errors, replayed) = split(outcome);
    let written = written.filter(|_| committed);
    Ok(DeletePayload {
        deleted_id: written.map(|w| global_id(type_name, w.id)),
        version: written.map(|w| w.version),
        user_errors,
        replayed,
        client_mutation_id: input.client_mutation_id,
    })
}

/// Deletions of records other than organisations.
#[derive(Default)]
pub struct DeleteMutation;

#[Object]
impl DeleteMutation {
    /// Soft-deletes a contract. A partner may only delete records of its own source.
    async fn delete_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract and its expected version.")] input: DeleteInput,
    ) -> async_graphql::Result<DeletePayload> {
        run(ctx, input, Deletable::Contract, "Contract", "deleteContract").await
    }

    /// Soft-deletes a partnership. A partner may only delete records of its own source.
    async fn delete_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership and its expected version.")] input: DeleteInput,
    ) -> async_graphql::Result<DeletePayload> {
        run(ctx, input, Deletable::Partnership, "Partnership", "deletePartnership").await
    }

    /// Soft-deletes an establishment. A partner may only delete records of its own source.
    async fn delete_establishment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The establishment and its expected version.")] input: DeleteInput,
    ) -> async_graphql::Result<DeletePayload> {
        run(
            ctx,
            input,
            Deletable::Establishment,
            "Establishment",
            "deleteEstablishment",
        )
        .await
    }

    /// Soft-deletes a label. A partner may only delete records of its own source.
    async fn delete_label(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The label and its expected version.")] input: DeleteInput,
    ) -> async_graphql::Result<DeletePayload> {
        run(ctx, input, Deletable::Label, "Label", "deleteLabel").await
    }

    /// Soft-deletes an identifier. A partner may only delete records of its own source.
    async fn delete_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifier and its expected version.")] input: DeleteInput,
    ) -> async_graphql::Result<DeletePayload> {
        run(ctx, input, Deletable::Identifier, "Identifier", "deleteIdentifier").await
    }
}
