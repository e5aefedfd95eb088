//! Mutations of organisations: create, partial update, soft delete, bulk upsert by
//! `(source, externalId)`.

use async_graphql::{InputObject, MaybeUndefined};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    record::{self, MutableKind, Rejection, store_input, store_writes},
    types::{deletion_types, mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::{
        enums::{EssFamily, OrganisationStatus},
        organisation::Organisation,
    },
    store::{
        StoreError,
        write::organisation::{self as store, OrganisationFields},
    },
};

/// Fields of an organisation. On create and in a bulk upsert, absent fields take their
/// default (null, family UNKNOWN, status ACTIVE); on update, absent fields are left unchanged
/// and `null` clears a field.
#[derive(InputObject, Debug, Clone, Default)]
pub struct OrganisationFieldsInput {
    /// Name (dénomination); required on create.
    pub name: Option<String>,
    /// SIREN, 9 digits with a valid Luhn key (spaces ignored).
    pub siren: MaybeUndefined<String>,
    /// RNA number of an association, `W` + 9 digits.
    pub rna: MaybeUndefined<String>,
    /// Acronym (sigle).
    pub acronym: MaybeUndefined<String>,
    /// INSEE legal category, 4 digits (e.g. `9220` for a declared association).
    pub legal_category_code: MaybeUndefined<String>,
    /// SSE family, as declared by the writer.
    pub ess_family: Option<EssFamily>,
    /// Main activity, NAF rév. 2 (e.g. `88.99B`).
    pub naf_code: MaybeUndefined<String>,
    /// Administrative status.
    pub admin_status: Option<OrganisationStatus>,
    /// Creation date.
    pub created_on: MaybeUndefined<NaiveDate>,
    /// Cessation date, not before `createdOn`.
    pub ceased_on: MaybeUndefined<NaiveDate>,
    /// For a public authority, the territory it governs, as a territory key: `COM:13055`,
    /// `EPCI:200054807`, `DEP:13` or `REG:93`.
    pub public_authority_territory_id: MaybeUndefined<String>,
    /// Id of the record in the writer's source; required in a bulk upsert, where it is the key.
    pub external_id: MaybeUndefined<String>,
    /// Last update time of the record in its source.
    pub source_updated_at: MaybeUndefined<DateTime<Utc>>,
}

impl From<OrganisationFieldsInput> for OrganisationFields {
    fn from(input: OrganisationFieldsInput) -> Self {
        store_input!(input => OrganisationFields {
            taken: [name],
            mapped: [ess_family, admin_status],
            patched: [
                siren, rna, acronym, legal_category_code, naf_code, created_on, ceased_on, public_authority_territory_id,
                external_id, source_updated_at,
            ],
        })
    }
}

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
        Ok(item.into())
    }

    fn patch(input: OrganisationFieldsInput) -> Result<OrganisationFields, Rejection> {
        Ok(input.into())
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
