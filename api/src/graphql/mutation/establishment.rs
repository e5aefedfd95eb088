//! Mutations of establishments: create, partial update, and bulk upsert by
//! `(source, externalId)` (deletion is in `delete`).

use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    record::{self, MutableKind, Rejection, organisation_patch, organisation_row_id, store_input, store_writes},
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::{enums::EstablishmentStatus, organisation::Establishment},
    store::{
        organisations::establishments_by_ids,
        write::delete::Deletable,
        write::establishment::{self as store, EstablishmentFields, EstablishmentPatch},
    },
};

/// One establishment of a bulk upsert: the whole record.
#[derive(InputObject, Debug, Clone)]
pub struct EstablishmentUpsertItemInput {
    /// Id in the writer's source: the key of the upsert.
    pub external_id: String,
    /// Global id of its organisation, a live one.
    pub organisation_id: ID,
    /// SIRET, 14 digits with a valid key, starting with the organisation's SIREN.
    pub siret: Option<String>,
    /// Trade name (enseigne).
    pub name: Option<String>,
    /// Whether this is the head office.
    #[graphql(default)]
    pub is_headquarters: bool,
    /// First address line.
    pub address_line1: Option<String>,
    /// Second address line.
    pub address_line2: Option<String>,
    /// Postal code, 5 digits.
    pub postal_code: Option<String>,
    /// Commune as a territory key: `COM:13055`, or `ARM:13201` for an arrondissement.
    pub commune_id: Option<String>,
    /// Latitude, WGS84 (with `longitude`).
    pub latitude: Option<f64>,
    /// Longitude, WGS84 (with `latitude`).
    pub longitude: Option<f64>,
    /// Activity code, NAF rév. 2 (e.g. `88.99B`).
    pub naf_code: Option<String>,
    /// Open or closed (open by default).
    pub admin_status: Option<EstablishmentStatus>,
    /// Opening date.
    pub opened_on: Option<NaiveDate>,
    /// Closing date, not before `openedOn`.
    pub closed_on: Option<NaiveDate>,
    /// Last update time of the record in its source.
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// The fields of an establishment to change: absent fields are unchanged, `null` clears a
/// field.
#[derive(InputObject, Debug, Clone, Default)]
pub struct EstablishmentPatchInput {
    /// Id in the writer's source (unique in the source).
    pub external_id: Option<String>,
    /// Global id of its organisation, a live one.
    pub organisation_id: Option<ID>,
    /// SIRET, 14 digits with a valid key, starting with the organisation's SIREN.
    pub siret: MaybeUndefined<String>,
    /// Trade name (enseigne).
    pub name: MaybeUndefined<String>,
    /// Whether this is the head office.
    pub is_headquarters: Option<bool>,
    /// First address line.
    pub address_line1: MaybeUndefined<String>,
    /// Second address line.
    pub address_line2: MaybeUndefined<String>,
    /// Postal code, 5 digits.
    pub postal_code: MaybeUndefined<String>,
    /// Commune as a territory key: `COM:13055`, or `ARM:13201` for an arrondissement.
    pub commune_id: MaybeUndefined<String>,
    /// Latitude, WGS84 (with `longitude`).
    pub latitude: MaybeUndefined<f64>,
    /// Longitude, WGS84 (with `latitude`).
    pub longitude: MaybeUndefined<f64>,
    /// Activity code, NAF rév. 2 (e.g. `88.99B`).
    pub naf_code: MaybeUndefined<String>,
    /// Open or closed.
    pub admin_status: Option<EstablishmentStatus>,
    /// Opening date.
    pub opened_on: MaybeUndefined<NaiveDate>,
    /// Closing date, not before `openedOn`.
    pub closed_on: MaybeUndefined<NaiveDate>,
    /// Last update time of the record in its source.
    pub source_updated_at: MaybeUndefined<DateTime<Utc>>,
}

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

impl MutableKind for EstablishmentMutation {
    type Fields = EstablishmentFields;
    type Patch = EstablishmentPatch;

    fn fields(item: EstablishmentUpsertItemInput, prefix: &str) -> Result<EstablishmentFields, Rejection> {
        let organisation_id = organisation_row_id(&item.organisation_id, prefix)?;
        let admin_status = item
            .admin_status
            .map_or(entity::enums::EstablishmentStatus::Active, Into::into);
        Ok(store_input!(item => EstablishmentFields {
            taken: [
                external_id, siret, name, is_headquarters, address_line1, address_line2, postal_code, commune_id,
                latitude, longitude, naf_code, opened_on, closed_on, source_updated_at,
            ],
            with: { organisation_id, admin_status },
        }))
    }

    fn patch(input: EstablishmentPatchInput) -> Result<EstablishmentPatch, Rejection> {
        let organisation_id = organisation_patch(input.organisation_id.as_ref())?;
        Ok(store_input!(input => EstablishmentPatch {
            taken: [external_id, is_headquarters],
            mapped: [admin_status],
            patched: [
                siret, name, address_line1, address_line2, postal_code, commune_id, latitude, longitude, naf_code,
                opened_on, closed_on, source_updated_at,
            ],
            with: { organisation_id },
        }))
    }

    store_writes!(store, Deletable::Establishment; load: establishments_by_ids => Establishment);
}

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
