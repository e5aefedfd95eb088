//! Mutations of organisation identifiers in other schemes: create, partial update, and bulk
//! upsert by `(source, externalId)` (deletion is in `mutation_deletes`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{
    enums::IdScheme,
    errors::OrInternal,
    mutation::{self, Prepared, UpsertPayload, options, row_id, single, upsert_payload, writer},
    mutation_organisations::patch,
    organisation::Identifier,
};
use crate::store::{
    organisations::identifiers_by_ids,
    write::Written,
    write::identifier::{self as store, IdentifierFields, IdentifierPatch},
    write::{Outcome, UserError},
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

/// The store's fields of an identifier; errors name fields under `prefix` (`items.3.`).
fn fields(item: &IdentifierUpsertItemInput, prefix: &str) -> Result<IdentifierFields, UserError> {
    Ok(IdentifierFields {
        external_id: item.external_id.clone(),
        organisation_id: row_id(
            &item.organisation_id,
            "Organisation",
            &format!("{prefix}organisationId"),
        )?,
        scheme: item.scheme.into(),
        value: item.value.clone(),
        source_updated_at: item.source_updated_at,
    })
}

/// Input of `createIdentifier`.
#[derive(InputObject, Debug, Clone)]
pub struct CreateIdentifierInput {
    /// Source of the record; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// The identifier: the whole record, as in `upsertIdentifiers`.
    pub identifier: IdentifierUpsertItemInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// The fields of an identifier to change: absent fields are unchanged, `null` clears
/// `sourceUpdatedAt`.
#[derive(InputObject, Debug, Clone, Default)]
pub struct IdentifierPatchInput {
    /// Id in the writer's source (unique in the source).
    pub external_id: Option<String>,
    /// Global id of the holder, a live organisation.
    pub organisation_id: Option<ID>,
    /// Scheme of the identifier.
    pub scheme: Option<IdScheme>,
    /// Value in that scheme (SIREN, SIRET and RNA are checked; unique per scheme).
    pub value: Option<String>,
    /// Last update time of the record in its source.
    pub source_updated_at: MaybeUndefined<DateTime<Utc>>,
}

/// Input of `updateIdentifier`.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateIdentifierInput {
    /// Global id of the identifier.
    pub id: ID,
    /// The version the change was made from; when the record is at another version, the
    /// update is a CONFLICT and nothing is written.
    pub expected_version: Option<i32>,
    /// The fields to change (absent: unchanged; null: cleared).
    pub identifier: IdentifierPatchInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreateIdentifierInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of creating or updating an identifier.
#[derive(SimpleObject)]
pub struct IdentifierPayload {
    /// The identifier as written (null when rejected or `validateOnly`).
    pub identifier: Option<Identifier>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<mutation::UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

async fn payload(
    db: &DatabaseConnection,
    outcome: Result<Outcome<Written>, UserError>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<IdentifierPayload> {
    let (written, user_errors, replayed) = single(outcome);
    let identifier = match written {
        Some(written) => identifiers_by_ids(db, &[written.id])
            .await
            .or_internal()?
            .pop()
            .map(Identifier),
        None => None,
    };
    Ok(IdentifierPayload {
        identifier,
        user_errors,
        replayed,
        client_mutation_id,
    })
}

/// Mutations of identifiers.
#[derive(Default)]
pub struct IdentifierMutation;

#[Object]
impl IdentifierMutation {
    /// Creates an identifier. Needs a key; a partner creates records of its own source.
    async fn create_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifier and how to write it.")] input: CreateIdentifierInput,
    ) -> async_graphql::Result<IdentifierPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared: Prepared<IdentifierFields> = options(
            ctx,
            "createIdentifier",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| Ok((options, fields(&input.identifier, "")?)));
        let outcome = match prepared {
            Ok((options, fields)) => Ok(store::create(db, &writer, input.source, fields, &options)
                .await
                .or_internal()?),
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Updates the given fields of an identifier (absent fields are unchanged). A partner may
    /// only update records of its own source.
    async fn update_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifier, its expected version and the fields to change.")]
        input: UpdateIdentifierInput,
    ) -> async_graphql::Result<IdentifierPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared: Prepared<(uuid::Uuid, IdentifierPatch)> = options(
            ctx,
            "updateIdentifier",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| {
            let id = row_id(&input.id, "Identifier", "id")?;
            let fields = input.identifier.clone();
            let identifier_patch = IdentifierPatch {
                external_id: fields.external_id,
                organisation_id: fields
                    .organisation_id
                    .as_ref()
                    .map(|id| row_id(id, "Organisation", "organisationId"))
                    .transpose()?,
                scheme: fields.scheme.map(Into::into),
                value: fields.value,
                source_updated_at: patch(fields.source_updated_at),
            };
            Ok((options, (id, identifier_patch)))
        });
        let outcome = match prepared {
            Ok((options, (id, identifier_patch))) => {
                Ok(
                    store::update(db, &writer, id, input.expected_version, identifier_patch, &options)
                        .await
                        .or_internal()?,
                )
            }
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

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
                .map(|(index, item)| fields(item, &format!("items.{index}.")))
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
