//! Mutations of establishments: create, partial update, and bulk upsert by
//! `(source, externalId)` (deletion is in `delete`).

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    record,
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::organisation::Establishment,
    store::{
        organisations::establishments_by_ids,
        write::delete::Deletable,
        write::establishment::{self as store, EstablishmentFields, EstablishmentPatch},
    },
};

store::establishment_fields!(
    super::declare::input_types,
    [
        /// One establishment of a bulk upsert: the whole record.
        EstablishmentUpsertItemInput,
        /// The fields of an establishment to change: absent fields are unchanged, `null` clears a
        /// field.
        EstablishmentPatchInput
    ]
);

record_mutation_types! {
    kind: EstablishmentMutation,
    name: "Establishment",
    noun: "establishment",
    article: "an",
    item: EstablishmentUpsertItemInput,
    patch: EstablishmentPatchInput,
    node: Establishment,
    CreateEstablishmentInput {
        /// The establishment: the whole record, as in `upsertEstablishments`.
        establishment
    }
    UpdateEstablishmentInput,
    UpsertEstablishmentsInput {
        /// Up to 1 000 establishments, each keyed by its `externalId`.
        items,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    EstablishmentPayload {
        /// The establishment as written (null when rejected or `validateOnly`).
        establishment
    }
}

super::declare::declared_kind!(EstablishmentMutation: EstablishmentFields, EstablishmentPatch; store, Deletable::Establishment; load: establishments_by_ids => Establishment);

mutation_root! {
    impl EstablishmentMutation {
        /// Creates an establishment. Needs a key; a partner creates records of its own source.
        fn create_establishment(#[desc = "The establishment and how to write it."] input: CreateEstablishmentInput) -> EstablishmentPayload = record::create::<Self>;
        /// Updates the given fields of an establishment (absent fields are unchanged). A partner
        /// may only update records of its own source.
        fn update_establishment(#[desc = "The establishment, its expected version and the fields to change."] input: UpdateEstablishmentInput) -> EstablishmentPayload = record::update::<Self>;
        /// Creates or updates up to 1 000 establishments of one source, keyed by `externalId`,
        /// with a result per item. Items equal to the stored establishment are UNCHANGED.
        /// Rejected items are skipped unless `atomic` is true.
        fn upsert_establishments(#[desc = "The items and how to write them."] input: UpsertEstablishmentsInput) -> UpsertPayload = record::upsert::<Self>;
    }
}
