//! Mutations of labels and agreements: bulk upsert by `(source, externalId)`.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::{
    enums::LabelKind,
    errors::OrInternal,
    mutation::{UpsertPayload, options, row_id, upsert_payload, writer},
};
use crate::store::{
    writes::Outcome,
    writes_labels::{self as store, LabelFields},
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

/// Mutations of labels.
#[derive(Default)]
pub struct LabelMutation;

#[Object]
impl LabelMutation {
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
                .map(|(index, item)| {
                    Ok(LabelFields {
                        external_id: item.external_id.clone(),
                        organisation_id: row_id(
                            &item.organisation_id,
                            "Organisation",
                            &format!("items.{index}.organisationId"),
                        )?,
                        kind: item.kind.into(),
                        issuer: item.issuer.clone(),
                        reference: item.reference.clone(),
                        valid_from: item.valid_from,
                        valid_to: item.valid_to,
                        evidence_url: item.evidence_url.clone(),
                        source_updated_at: item.source_updated_at,
                    })
                })
                .collect::<Result<Vec<_>, crate::store::writes::UserError>>()?;
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
