//! Mutations of labels and agreements: create, partial update, and bulk upsert by
//! `(source, externalId)` (deletion is in `delete`).

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    record,
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::organisation::Label,
    store::{
        organisations::labels_by_ids,
        write::delete::Deletable,
        write::label::{self as store, LabelFields, LabelPatch},
    },
};

store::label_fields!(
    super::declare::input_types,
    [
        /// One label of a bulk upsert: the whole record.
        LabelUpsertItemInput,
        /// The fields of a label to change: absent fields are unchanged, `null` clears a field.
        LabelPatchInput
    ]
);

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

super::declare::declared_kind!(LabelMutation: LabelFields, LabelPatch; store, Deletable::Label; load: labels_by_ids => Label);

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
