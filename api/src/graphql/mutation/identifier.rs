//! Mutations of organisation identifiers in other schemes: create, partial update, and bulk
//! upsert by `(source, externalId)` (deletion is in `delete`).

use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::{DateTime, Utc};

use super::{
    record::{self, MutableKind, Rejection, organisation_patch, organisation_row_id, store_input, store_writes},
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::{enums::IdScheme, organisation::Identifier},
    store::{
        organisations::identifiers_by_ids,
        write::delete::Deletable,
        write::identifier::{self as store, IdentifierFields, IdentifierPatch},
    },
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

impl MutableKind for IdentifierMutation {
    type Fields = IdentifierFields;
    type Patch = IdentifierPatch;

    fn fields(item: IdentifierUpsertItemInput, prefix: &str) -> Result<IdentifierFields, Rejection> {
        let organisation_id = organisation_row_id(&item.organisation_id, prefix)?;
        Ok(store_input!(item => IdentifierFields {
            taken: [external_id, value, source_updated_at],
            converted: [scheme],
            with: { organisation_id },
        }))
    }

    fn patch(input: IdentifierPatchInput) -> Result<IdentifierPatch, Rejection> {
        let organisation_id = organisation_patch(input.organisation_id.as_ref())?;
        Ok(store_input!(input => IdentifierPatch {
            taken: [external_id, value],
            mapped: [scheme],
            patched: [source_updated_at],
            with: { organisation_id },
        }))
    }

    store_writes!(store, Deletable::Identifier; load: identifiers_by_ids => Identifier);
}

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
