//! Mutations of labels and agreements: create, partial update, and bulk upsert by
//! `(source, externalId)` (deletion is in `delete`).

use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    record::{self, MutableKind, Rejection, organisation_patch, organisation_row_id, store_input, store_writes},
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::{enums::LabelKind, organisation::Label},
    store::{
        organisations::labels_by_ids,
        write::delete::Deletable,
        write::label::{self as store, LabelFields, LabelPatch},
    },
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

record_mutation_types! {
    kind: LabelMutation,
    name: "Label",
    noun: "label",
    article: "a",
    item: LabelUpsertItemInput,
    patch: LabelPatchInput,
    node: Label,
    CreateLabelInput {
        /// The label: the whole record, as in `upsertLabels`.
        label
    }
    UpdateLabelInput,
    UpsertLabelsInput {
        /// Up to 1 000 labels, each keyed by its `externalId`.
        items,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    LabelPayload {
        /// The label as written (null when rejected or `validateOnly`).
        label
    }
}

impl MutableKind for LabelMutation {
    type Fields = LabelFields;
    type Patch = LabelPatch;

    fn fields(item: LabelUpsertItemInput, prefix: &str) -> Result<LabelFields, Rejection> {
        let organisation_id = organisation_row_id(&item.organisation_id, prefix)?;
        Ok(store_input!(item => LabelFields {
            taken: [external_id, issuer, reference, valid_from, valid_to, evidence_url, source_updated_at],
            converted: [kind],
            with: { organisation_id },
        }))
    }

    fn patch(input: LabelPatchInput) -> Result<LabelPatch, Rejection> {
        let organisation_id = organisation_patch(input.organisation_id.as_ref())?;
        Ok(store_input!(input => LabelPatch {
            taken: [external_id],
            mapped: [kind],
            patched: [issuer, reference, valid_from, valid_to, evidence_url, source_updated_at],
            with: { organisation_id },
        }))
    }

    store_writes!(store, Deletable::Label; load: labels_by_ids => Label);
}

mutation_root! {
    impl LabelMutation {
        /// Creates a label. Needs a key; a partner creates records of its own source.
        fn create_label(#[desc = "The label and how to write it."] input: CreateLabelInput) -> LabelPayload = record::create::<Self>;
        /// Updates the given fields of a label (absent fields are unchanged). A partner may only
        /// update records of its own source.
        fn update_label(#[desc = "The label, its expected version and the fields to change."] input: UpdateLabelInput) -> LabelPayload = record::update::<Self>;
        /// Creates or updates up to 1 000 labels of one source, keyed by `externalId`, with a
        /// result per item. Items equal to the stored label are UNCHANGED. Rejected items are
        /// skipped unless `atomic` is true.
        fn upsert_labels(#[desc = "The items and how to write them."] input: UpsertLabelsInput) -> UpsertPayload = record::upsert::<Self>;
    }
}
