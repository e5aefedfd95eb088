//! Mutations of organisation identifiers in other schemes: create, partial update, and bulk
//! upsert by `(source, externalId)` (deletion is in `delete`).

use chrono::{DateTime, Utc};

use super::{
    record,
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::organisation::Identifier,
    store::{
        organisations::identifiers_by_ids,
        write::delete::Deletable,
        write::identifier::{self as store, IdentifierFields, IdentifierPatch},
    },
};

store::identifier_fields!(
    super::declare::input_types,
    [
        /// One identifier of a bulk upsert: the whole record.
        IdentifierUpsertItemInput,
        /// The fields of an identifier to change: absent fields are unchanged, `null` clears
        /// `sourceUpdatedAt`.
        IdentifierPatchInput
    ]
);

record_mutation_types! {
    kind: IdentifierMutation,
    name: "Identifier",
    noun: "identifier",
    article: "an",
    item: IdentifierUpsertItemInput,
    patch: IdentifierPatchInput,
    node: Identifier,
    CreateIdentifierInput {
        /// The identifier: the whole record, as in `upsertIdentifiers`.
        identifier
    }
    UpdateIdentifierInput,
    UpsertIdentifiersInput {
        /// Up to 1 000 identifiers, each keyed by its `externalId`.
        items,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    IdentifierPayload {
        /// The identifier as written (null when rejected or `validateOnly`).
        identifier
    }
}

super::declare::declared_kind!(IdentifierMutation: IdentifierFields, IdentifierPatch; store, Deletable::Identifier; load: identifiers_by_ids => Identifier);

mutation_root! {
    impl IdentifierMutation {
        /// Creates an identifier. Needs a key; a partner creates records of its own source.
        fn create_identifier(#[desc = "The identifier and how to write it."] input: CreateIdentifierInput) -> IdentifierPayload = record::create::<Self>;
        /// Updates the given fields of an identifier (absent fields are unchanged). A partner may
        /// only update records of its own source.
        fn update_identifier(#[desc = "The identifier, its expected version and the fields to change."] input: UpdateIdentifierInput) -> IdentifierPayload = record::update::<Self>;
        /// Creates or updates up to 1 000 identifiers of one source, keyed by `externalId`, with
        /// a result per item. Items equal to the stored identifier are UNCHANGED. Rejected items
        /// are skipped unless `atomic` is true.
        fn upsert_identifiers(#[desc = "The items and how to write them."] input: UpsertIdentifiersInput) -> UpsertPayload = record::upsert::<Self>;
    }
}
