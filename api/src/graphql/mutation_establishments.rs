//! Mutations of establishments: bulk upsert by `(source, externalId)`.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::{
    enums::EstablishmentStatus,
    errors::OrInternal,
    mutation::{UpsertPayload, options, row_id, upsert_payload, writer},
};
use crate::store::{
    writes::{Outcome, UserError},
    writes_establishments::{self as store, EstablishmentFields},
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

/// Mutations of establishments.
#[derive(Default)]
pub struct EstablishmentMutation;

#[Object]
impl EstablishmentMutation {
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
                .map(|(index, item)| {
                    Ok(EstablishmentFields {
                        external_id: item.external_id.clone(),
                        organisation_id: row_id(
                            &item.organisation_id,
                            "Organisation",
                            &format!("items.{index}.organisationId"),
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
                })
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
