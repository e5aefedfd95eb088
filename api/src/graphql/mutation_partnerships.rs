//! Mutations of partnerships: bulk upsert by `(source, externalId)`, each partnership with its
//! parties.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, prelude::ToPrimitive};
use sea_orm::DatabaseConnection;

use super::{
    errors::OrInternal,
    mutation::{UpsertPayload, options, row_id, upsert_payload, writer},
    partnership::{PartnershipStatus, PartnershipType, PartyRole},
};
use crate::store::{
    writes::{Outcome, UserError, UserErrorCode},
    writes_partnerships::{self as store, PartnershipFields, PartyFields},
};

/// One party of a partnership.
#[derive(InputObject, Debug, Clone)]
pub struct PartyInput {
    /// Global id of a live organisation.
    pub organisation_id: ID,
    /// Its role.
    pub role: PartyRole,
    /// When it joined.
    pub joined_on: Option<NaiveDate>,
    /// When it left, not before `joinedOn`.
    pub left_on: Option<NaiveDate>,
}

/// One partnership of a bulk upsert: the whole record, parties included (they replace the
/// stored ones).
#[derive(InputObject, Debug, Clone)]
pub struct PartnershipUpsertItemInput {
    /// Id in the writer's source: the key of the upsert.
    pub external_id: String,
    /// Kind of partnership.
    pub partnership_type: PartnershipType,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Start date.
    pub start_date: Option<NaiveDate>,
    /// End date, not before `startDate`.
    pub end_date: Option<NaiveDate>,
    /// Territory key: `COM:13055`, `EPCI:200054807`, `DEP:13` or `REG:93`.
    pub territory_id: Option<String>,
    /// Amount in euros (not negative, at most 2 decimals).
    pub amount: Option<Decimal>,
    /// Status (active by default).
    pub status: Option<PartnershipStatus>,
    /// Parties, in order.
    #[graphql(default)]
    pub parties: Vec<PartyInput>,
    /// Last update time of the record in its source.
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// Input of `upsertPartnerships`.
#[derive(InputObject, Debug, Clone)]
pub struct UpsertPartnershipsInput {
    /// Source of every item; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// Up to 1 000 partnerships, each keyed by its `externalId`.
    pub items: Vec<PartnershipUpsertItemInput>,
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

/// Converts an item; errors name the item's fields.
fn fields(index: usize, item: PartnershipUpsertItemInput) -> Result<PartnershipFields, Vec<UserError>> {
    let mut errors = Vec::new();
    let amount_cents = item.amount.and_then(|amount| {
        let cents = amount * Decimal::from(100);
        if !cents.fract().is_zero() {
            errors.push(UserError::new(
                &format!("items.{index}.amount"),
                format!("amount {amount} must have at most 2 decimals"),
                UserErrorCode::BadUserInput,
            ));
        }
        cents.to_i64()
    });
    let mut parties = Vec::with_capacity(item.parties.len());
    for (position, party) in item.parties.into_iter().enumerate() {
        match row_id(
            &party.organisation_id,
            "Organisation",
            &format!("items.{index}.parties.{position}.organisationId"),
        ) {
            Ok(organisation_id) => parties.push(PartyFields {
                organisation_id,
                role: party.role.into(),
                joined_on: party.joined_on,
                left_on: party.left_on,
            }),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PartnershipFields {
        external_id: item.external_id,
        partnership_type: item.partnership_type.into(),
        name: item.name,
        description: item.description,
        start_date: item.start_date,
        end_date: item.end_date,
        territory_id: item.territory_id,
        amount_cents,
        status: item.status.map_or(entity::enums::PartnershipStatus::Active, Into::into),
        parties,
        source_updated_at: item.source_updated_at,
    })
}

/// Mutations of partnerships.
#[derive(Default)]
pub struct PartnershipMutation;

#[Object]
impl PartnershipMutation {
    /// Creates or updates up to 1 000 partnerships of one source, keyed by `externalId`, with
    /// their parties (live organisations) and a result per item. Items equal to the stored
    /// partnership are UNCHANGED. Rejected items are skipped unless `atomic` is true.
    async fn upsert_partnerships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The items and how to write them.")] input: UpsertPartnershipsInput,
    ) -> async_graphql::Result<UpsertPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let outcome = match options(
            ctx,
            "upsertPartnerships",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        ) {
            Ok(options) => {
                let mut items = Vec::with_capacity(input.items.len());
                let mut errors = Vec::new();
                for (index, item) in input.items.into_iter().enumerate() {
                    match fields(index, item) {
                        Ok(item) => items.push(item),
                        Err(item_errors) => errors.extend(item_errors),
                    }
                }
                if errors.is_empty() {
                    store::upsert(db, &writer, input.source, items, input.atomic, &options)
                        .await
                        .or_internal()?
                } else {
                    Outcome::Rejected(errors)
                }
            }
            Err(error) => Outcome::Rejected(vec![error]),
        };
        Ok(upsert_payload(outcome, "Partnership", client_mutation_id))
    }
}
