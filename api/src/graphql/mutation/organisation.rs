//! Mutations of organisations: create, partial update, soft delete, bulk upsert by
//! `(source, externalId)`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    record::{self, MutableKind, Rejection, store_writes},
    types::{deletion_types, mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::organisation::Organisation,
    store::{
        StoreError,
        write::organisation::{self as store, OrganisationFields},
    },
};

store::organisation_fields!(
    super::declare::patch_input_type,
    [
        /// Fields of an organisation. On create and in a bulk upsert, absent fields take their
        /// default (null, family UNKNOWN, status ACTIVE); on update, absent fields are left unchanged
        /// and `null` clears a field.
        OrganisationFieldsInput
    ]
);

record_mutation_types! {
    kind: OrganisationMutation,
    name: "Organisation",
    noun: "organisation",
    article: "an",
    item: OrganisationFieldsInput,
    patch: OrganisationFieldsInput,
    node: Organisation,
    CreateOrganisationInput {
        /// The organisation's fields.
        organisation
    }
    UpdateOrganisationInput,
    UpsertOrganisationsInput {
        /// Up to 1 000 whole records, each keyed by its `externalId`.
        items,
        /// Makes retries safe (see `CreateOrganisationInput.idempotencyKey`).
        idempotency_key
    }
    OrganisationPayload {
        /// The organisation as written (null when rejected or `validateOnly`).
        organisation
    }
}

deletion_types! {
    /// Input of `deleteOrganisation`.
    DeleteOrganisationInput {
        /// Global id of the organisation.
        id,
        /// Makes retries safe (see `CreateOrganisationInput.idempotencyKey`).
        idempotency_key
    }
    /// Result of deleting an organisation.
    DeleteOrganisationPayload {
        /// Global id of the deleted organisation (null when rejected or `validateOnly`).
        deleted_id
    }
}

impl MutableKind for OrganisationMutation {
    type Fields = OrganisationFields;
    type Patch = OrganisationFields;

    fn fields(item: OrganisationFieldsInput, _prefix: &str) -> Result<OrganisationFields, Rejection> {
        item.into_store()
    }

    fn patch(input: OrganisationFieldsInput) -> Result<OrganisationFields, Rejection> {
        input.into_store()
    }

    store_writes!(store);

    async fn load(db: &DatabaseConnection, id: Uuid) -> Result<Option<Organisation>, StoreError> {
        let organisation = store::by_id_any(db, id).await?;
        Ok(organisation.filter(|o| o.deleted_at.is_none()).map(Organisation::from))
    }
}

mutation_root! {
    impl OrganisationMutation {
        /// Creates an organisation. Needs a key; a partner creates records of its own source.
        fn create_organisation(#[desc = "The organisation and how to write it."] input: CreateOrganisationInput) -> OrganisationPayload = record::create::<Self>;
        /// Updates the given fields of an organisation (absent fields are unchanged). A partner
        /// may only update records of its own source.
        fn update_organisation(#[desc = "The organisation, its expected version and the fields to change."] input: UpdateOrganisationInput) -> OrganisationPayload = record::update::<Self>;
        /// Soft-deletes an organisation: hidden from reads, kept for the change feed (a DELETE
        /// event). A partner may only delete records of its own source.
        fn delete_organisation(#[desc = "The organisation and its expected version."] input: DeleteOrganisationInput) -> DeleteOrganisationPayload = record::delete::<Self, _, _>;
        /// Creates or updates up to 1 000 organisations of one source, keyed by `externalId`,
        /// with a result per item. Items equal to the stored record are UNCHANGED (no new
        /// version, no change-feed event). Rejected items are skipped unless `atomic` is true,
        /// when any rejection writes nothing.
        fn upsert_organisations(#[desc = "The items and how to write them."] input: UpsertOrganisationsInput) -> UpsertPayload = record::upsert::<Self>;
    }
}
