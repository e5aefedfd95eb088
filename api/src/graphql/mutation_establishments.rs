//! Mutations of establishments: create, partial update, and bulk upsert by
//! `(source, externalId)` (deletion is in `mutation_deletes`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::{
    enums::EstablishmentStatus,
    errors::OrInternal,
    mutation::{self, Prepared, UpsertPayload, options, row_id, single, upsert_payload, writer},
    mutation_organisations::patch,
    organisation::Establishment,
};
use crate::store::{
    organisations::establishments_by_ids,
    write::Written,
    write::establishment::{self as store, EstablishmentFields, EstablishmentPatch},
    write::{Outcome, UserError},
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

/// Input of `upsertEstablishments`.
#[derive(InputObject, Debug, Clone)]
pub struct UpsertEstablishmentsInput {
    /// Source of every item; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// Up to 1 000 establishments, each keyed by its `externalId`.
    pub items: Vec<EstablishmentUpsertItemInput>,
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

/// The store's fields of an establishment; errors name fields under `prefix` (`items.3.`).
fn fields(item: &EstablishmentUpsertItemInput, prefix: &str) -> Result<EstablishmentFields, UserError> {
    Ok(EstablishmentFields {
        external_id: item.external_id.clone(),
        organisation_id: row_id(
            &item.organisation_id,
            "Organisation",
            &format!("{prefix}organisationId"),
        )?,
        siret: item.siret.clone(),
        name: item.name.clone(),
        is_headquarters: item.is_headquarters,
        address_line1: item.address_line1.clone(),
        address_line2: item.address_line2.clone(),
        postal_code: item.postal_code.clone(),
        commune_id: item.commune_id.clone(),
        latitude: item.latitude,
        longitude: item.longitude,
        naf_code: item.naf_code.clone(),
        admin_status: item
            .admin_status
            .map_or(entity::enums::EstablishmentStatus::Active, Into::into),
        opened_on: item.opened_on,
        closed_on: item.closed_on,
        source_updated_at: item.source_updated_at,
    })
}

/// Input of `createEstablishment`.
#[derive(InputObject, Debug, Clone)]
pub struct CreateEstablishmentInput {
    /// Source of the record; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// The establishment: the whole record, as in `upsertEstablishments`.
    pub establishment: EstablishmentUpsertItemInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
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

/// Input of `updateEstablishment`.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateEstablishmentInput {
    /// Global id of the establishment.
    pub id: ID,
    /// The version the change was made from; when the record is at another version, the
    /// update is a CONFLICT and nothing is written.
    pub expected_version: Option<i32>,
    /// The fields to change (absent: unchanged; null: cleared).
    pub establishment: EstablishmentPatchInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreateEstablishmentInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of creating or updating an establishment.
#[derive(SimpleObject)]
pub struct EstablishmentPayload {
    /// The establishment as written (null when rejected or `validateOnly`).
    pub establishment: Option<Establishment>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<mutation::UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

async fn payload(
    db: &DatabaseConnection,
    outcome: Result<Outcome<Written>, UserError>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<EstablishmentPayload> {
    let (written, user_errors, replayed) = single(outcome);
    let establishment = match written {
        Some(written) => establishments_by_ids(db, &[written.id])
            .await
            .or_internal()?
            .pop()
            .map(Establishment),
        None => None,
    };
    Ok(EstablishmentPayload {
        establishment,
        user_errors,
        replayed,
        client_mutation_id,
    })
}

/// The store's patch of an establishment.
fn establishment_patch(input: EstablishmentPatchInput) -> Result<EstablishmentPatch, UserError> {
    Ok(EstablishmentPatch {
        external_id: input.external_id,
        organisation_id: input
            .organisation_id
            .as_ref()
            .map(|id| row_id(id, "Organisation", "organisationId"))
            .transpose()?,
        siret: patch(input.siret),
        name: patch(input.name),
        is_headquarters: input.is_headquarters,
        address_line1: patch(input.address_line1),
        address_line2: patch(input.address_line2),
        postal_code: patch(input.postal_code),
        commune_id: patch(input.commune_id),
        latitude: patch(input.latitude),
        longitude: patch(input.longitude),
        naf_code: patch(input.naf_code),
        admin_status: input.admin_status.map(Into::into),
        opened_on: patch(input.opened_on),
        closed_on: patch(input.closed_on),
        source_updated_at: patch(input.source_updated_at),
    })
}

/// Mutations of establishments.
#[derive(Default)]
pub struct EstablishmentMutation;

#[Object]
impl EstablishmentMutation {
    /// Creates an establishment. Needs a key; a partner creates records of its own source.
    async fn create_establishment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The establishment and how to write it.")] input: CreateEstablishmentInput,
    ) -> async_graphql::Result<EstablishmentPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared: Prepared<EstablishmentFields> = options(
            ctx,
            "createEstablishment",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| Ok((options, fields(&input.establishment, "")?)));
        let outcome = match prepared {
            Ok((options, fields)) => Ok(store::create(db, &writer, input.source, fields, &options)
                .await
                .or_internal()?),
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Updates the given fields of an establishment (absent fields are unchanged). A partner
    /// may only update records of its own source.
    async fn update_establishment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The establishment, its expected version and the fields to change.")]
        input: UpdateEstablishmentInput,
    ) -> async_graphql::Result<EstablishmentPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared: Prepared<(uuid::Uuid, EstablishmentPatch)> = options(
            ctx,
            "updateEstablishment",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| {
            let id = row_id(&input.id, "Establishment", "id")?;
            Ok((options, (id, establishment_patch(input.establishment.clone())?)))
        });
        let outcome = match prepared {
            Ok((options, (id, patch))) => Ok(store::update(db, &writer, id, input.expected_version, patch, &options)
                .await
                .or_internal()?),
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Creates or updates up to 1 000 establishments of one source, keyed by `externalId`,
    /// with a result per item. Items equal to the stored establishment are UNCHANGED.
    /// Rejected items are skipped unless `atomic` is true.
    async fn upsert_establishments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The items and how to write them.")] input: UpsertEstablishmentsInput,
    ) -> async_graphql::Result<UpsertPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let prepared = options(
            ctx,
            "upsertEstablishments",
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
                .collect::<Result<Vec<_>, UserError>>()?;
            Ok((options, items))
        });
        let outcome = match prepared {
            Ok((options, items)) => store::upsert(db, &writer, input.source, items, input.atomic, &options)
                .await
                .or_internal()?,
            Err(error) => Outcome::Rejected(vec![error]),
        };
        Ok(upsert_payload(outcome, "Establishment", client_mutation_id))
    }
}
