//! Mutations of organisation identifiers in other schemes: bulk upsert by
//! `(source, externalId)`.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{
    enums::IdScheme,
    errors::OrInternal,
    mutation::{UpsertPayload, options, row_id, upsert_payload, writer},
};
use crate::store::{
    writes::{Outcome, UserError},
    writes_identifiers::{self as store, IdentifierFields},
};

/// One identifier of a bulk upsert: the whole record.
#[derive(InputObject, Debug, Clone)]
pub struct IdentifierUpsertItemInput {
    /// Id in the writer's source: the key of the upsert.
    pub external_id: String,
    /// Global id of the holder, a live organisation.
    pub organisation_id: ID,
    /// Scheme of the identifier.
    pub scheme: IdScheme,
    /// Value in that scheme (SIREN, SIRET and RNA are checked; unique per scheme).
    pub value: String,
    /// Last update time of the record in its source.
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// Input of `upsertIdentifiers`.
#[derive(InputObject, Debug, Clone)]
pub struct UpsertIdentifiersInput {
    /// Source of every item; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// Up to 1 000 identifiers, each keyed by its `externalId`.
    pub items: Vec<IdentifierUpsertItemInput>,
    /// All or nothing: when any item is rejected, nothing is written.
    #[graphql(default)]
    pub atomic: bool,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Mutations of identifiers.
#[derive(Default)]
pub struct IdentifierMutation;

#[Object]
impl IdentifierMutation {
    /// Creates or updates up to 1 000 identifiers of one source, keyed by `externalId`, with
    /// a result per item. Items equal to the stored identifier are UNCHANGED. Rejected items
    /// are skipped unless `atomic` is true.
    async fn upsert_identifiers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The items and how to write them.")] input: UpsertIdentifiersInput,
    ) -> async_graphql::Result<UpsertPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let prepared = options(
            ctx,
            "upsertIdentifiers",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| {
            let items = input
                .items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    Ok(IdentifierFields {
                        external_id: item.external_id.clone(),
                        organisation_id: row_id(
                            &item.organisation_id,
                            "Organisation",
                            &format!("items.{index}.organisationId"),
                        )?,
                        scheme: item.scheme.into(),
                        value: item.value.clone(),
                        source_updated_at: item.source_updated_at,
                    })
                })
                .collect::<Result<Vec<_>, UserError>>()?;
            Ok((options, items))
        });
        let outcome = match prepared {
            Ok((options, items)) => store::upsert(db, &writer, input.source, items, input.atomic, &options)
                .await
                .or_internal()?,
            Err(error) => Outcome::Rejected(vec![error]),
        };
        Ok(upsert_payload(outcome, "Identifier", client_mutation_id))
    }
}
