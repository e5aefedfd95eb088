//! Mutations of labels and agreements: create, partial update, and bulk upsert by
//! `(source, externalId)` (deletion is in `mutation_deletes`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::{
    enums::LabelKind,
    errors::OrInternal,
    mutation::{Prepared, UpsertPayload, UserError, options, row_id, single, upsert_payload, writer},
    mutation_organisations::patch,
    organisation::Label,
};
use crate::store::{
    organisations::labels_by_ids,
    write::label::{self as store, LabelFields, LabelPatch},
    write::{self, Outcome},
};

/// One label of a bulk upsert: the whole record.
#[derive(InputObject, Debug, Clone)]
pub struct LabelUpsertItemInput {
    /// Id in the writer's source: the key of the upsert.
    pub external_id: String,
    /// Global id of the holder, a live organisation.
    pub organisation_id: ID,
    /// Kind of label or agreement.
    pub kind: LabelKind,
    /// Issuing body (e.g. the DDETS for an ESUS agreement).
    pub issuer: Option<String>,
    /// Reference of the decision.
    pub reference: Option<String>,
    /// Start of validity.
    pub valid_from: Option<NaiveDate>,
    /// End of validity, not before `validFrom`.
    pub valid_to: Option<NaiveDate>,
    /// Public evidence, an `http(s)://` URL.
    pub evidence_url: Option<String>,
    /// Last update time of the record in its source.
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// Input of `upsertLabels`.
#[derive(InputObject, Debug, Clone)]
pub struct UpsertLabelsInput {
    /// Source of every item; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// Up to 1 000 labels, each keyed by its `externalId`.
    pub items: Vec<LabelUpsertItemInput>,
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

/// The store's fields of a label; errors name fields under `prefix` (`items.3.`).
fn fields(item: &LabelUpsertItemInput, prefix: &str) -> Result<LabelFields, write::UserError> {
    Ok(LabelFields {
        external_id: item.external_id.clone(),
        organisation_id: row_id(
            &item.organisation_id,
            "Organisation",
            &format!("{prefix}organisationId"),
        )?,
        kind: item.kind.into(),
        issuer: item.issuer.clone(),
        reference: item.reference.clone(),
        valid_from: item.valid_from,
        valid_to: item.valid_to,
        evidence_url: item.evidence_url.clone(),
        source_updated_at: item.source_updated_at,
    })
}

/// Input of `createLabel`.
#[derive(InputObject, Debug, Clone)]
pub struct CreateLabelInput {
    /// Source of the record; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// The label: the whole record, as in `upsertLabels`.
    pub label: LabelUpsertItemInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// The fields of a label to change: absent fields are unchanged, `null` clears a field.
#[derive(InputObject, Debug, Clone, Default)]
pub struct LabelPatchInput {
    /// Id in the writer's source (unique in the source).
    pub external_id: Option<String>,
    /// Global id of the holder, a live organisation.
    pub organisation_id: Option<ID>,
    /// Kind of label or agreement.
    pub kind: Option<LabelKind>,
    /// Issuing body.
    pub issuer: MaybeUndefined<String>,
    /// Reference of the decision.
    pub reference: MaybeUndefined<String>,
    /// Start of validity.
    pub valid_from: MaybeUndefined<NaiveDate>,
    /// End of validity, not before `validFrom`.
    pub valid_to: MaybeUndefined<NaiveDate>,
    /// Public evidence, an `http(s)://` URL.
    pub evidence_url: MaybeUndefined<String>,
    /// Last update time of the record in its source.
    pub source_updated_at: MaybeUndefined<DateTime<Utc>>,
}

/// Input of `updateLabel`.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateLabelInput {
    /// Global id of the label.
    pub id: ID,
    /// The version the change was made from; when the record is at another version, the
    /// update is a CONFLICT and nothing is written.
    pub expected_version: Option<i32>,
    /// The fields to change (absent: unchanged; null: cleared).
    pub label: LabelPatchInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreateLabelInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of creating or updating a label.
#[derive(SimpleObject)]
pub struct LabelPayload {
    /// The label as written (null when rejected or `validateOnly`).
    pub label: Option<Label>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

async fn payload(
    db: &DatabaseConnection,
    outcome: Result<Outcome<crate::store::write::Written>, write::UserError>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<LabelPayload> {
    let (written, user_errors, replayed) = single(outcome);
    let label = match written {
        Some(written) => labels_by_ids(db, &[written.id]).await.or_internal()?.pop().map(Label),
        None => None,
    };
    Ok(LabelPayload {
        label,
        user_errors,
        replayed,
        client_mutation_id,
    })
}

/// Mutations of labels.
#[derive(Default)]
pub struct LabelMutation;

#[Object]
impl LabelMutation {
    /// Creates a label. Needs a key; a partner creates records of its own source.
    async fn create_label(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The label and how to write it.")] input: CreateLabelInput,
    ) -> async_graphql::Result<LabelPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared: Prepared<LabelFields> = options(
            ctx,
            "createLabel",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| Ok((options, fields(&input.label, "")?)));
        let outcome = match prepared {
            Ok((options, fields)) => Ok(store::create(db, &writer, input.source, fields, &options)
                .await
                .or_internal()?),
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Updates the given fields of a label (absent fields are unchanged). A partner may only
    /// update records of its own source.
    async fn update_label(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The label, its expected version and the fields to change.")] input: UpdateLabelInput,
    ) -> async_graphql::Result<LabelPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared: Prepared<(uuid::Uuid, LabelPatch)> = options(
            ctx,
            "updateLabel",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| {
            let id = row_id(&input.id, "Label", "id")?;
            let fields = input.label.clone();
            let organisation_id = fields
                .organisation_id
                .as_ref()
                .map(|id| row_id(id, "Organisation", "organisationId"))
                .transpose()?;
            let label_patch = LabelPatch {
                external_id: fields.external_id,
                organisation_id,
                kind: fields.kind.map(Into::into),
                issuer: patch(fields.issuer),
                reference: patch(fields.reference),
                valid_from: patch(fields.valid_from),
                valid_to: patch(fields.valid_to),
                evidence_url: patch(fields.evidence_url),
                source_updated_at: patch(fields.source_updated_at),
            };
            Ok((options, (id, label_patch)))
        });
        let outcome = match prepared {
            Ok((options, (id, label_patch))) => {
                Ok(
                    store::update(db, &writer, id, input.expected_version, label_patch, &options)
                        .await
                        .or_internal()?,
                )
            }
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Creates or updates up to 1 000 labels of one source, keyed by `externalId`, with a
    /// result per item. Items equal to the stored label are UNCHANGED. Rejected items are
    /// skipped unless `atomic` is true.
    async fn upsert_labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The items and how to write them.")] input: UpsertLabelsInput,
    ) -> async_graphql::Result<UpsertPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let prepared = options(
            ctx,
            "upsertLabels",
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
                .collect::<Result<Vec<_>, write::UserError>>()?;
            Ok((options, items))
        });
        let outcome = match prepared {
            Ok((options, items)) => store::upsert(db, &writer, input.source, items, input.atomic, &options)
                .await
                .or_internal()?,
            Err(error) => Outcome::Rejected(vec![error]),
        };
        Ok(upsert_payload(outcome, "Label", client_mutation_id))
    }
}
