//! Mutations of partnerships, each with its parties: create, partial update, and bulk upsert
//! by `(source, externalId)` (deletion is in `mutation_deletes`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, prelude::ToPrimitive};
use sea_orm::DatabaseConnection;

use super::{
    errors::OrInternal,
    mutation::{self, UpsertPayload, options, row_id, single, upsert_payload, writer},
    mutation_organisations::patch,
    partnership::{Partnership, PartnershipStatus, PartnershipType, PartyRole},
};
use crate::error_code::ErrorCode;
use crate::store::{
    partnerships::by_ids,
    write::Written,
    write::partnership::{self as store, PartnershipFields, PartnershipPatch, PartyFields},
    write::{Outcome, UserError},
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

/// Euro cents of `amount`; an error on `field` when it has more than 2 decimals.
fn cents(amount: Decimal, field: &str, errors: &mut Vec<UserError>) -> Option<i64> {
    let cents = amount * Decimal::from(100);
    if !cents.fract().is_zero() {
        errors.push(UserError::new(
            field,
            format!("amount {amount} must have at most 2 decimals"),
            ErrorCode::BadUserInput,
        ));
    }
    cents.to_i64()
}

/// The store's parties; errors name fields under `prefix` (`items.3.`).
fn parties(prefix: &str, input: Vec<PartyInput>, errors: &mut Vec<UserError>) -> Vec<PartyFields> {
    let mut parties = Vec::with_capacity(input.len());
    for (position, party) in input.into_iter().enumerate() {
        match row_id(
            &party.organisation_id,
            "Organisation",
            &format!("{prefix}parties.{position}.organisationId"),
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
    parties
}

/// Converts an item; errors name its fields under `prefix` (`items.3.`).
fn fields(prefix: &str, item: PartnershipUpsertItemInput) -> Result<PartnershipFields, Vec<UserError>> {
    let mut errors = Vec::new();
    let amount_cents = item
        .amount
        .and_then(|amount| cents(amount, &format!("{prefix}amount"), &mut errors));
    let parties = parties(prefix, item.parties, &mut errors);
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

/// Converts a patch; errors name its fields.
fn partnership_patch(input: PartnershipPatchInput) -> Result<PartnershipPatch, Vec<UserError>> {
    let mut errors = Vec::new();
    let amount_cents = match input.amount {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(amount) => Some(cents(amount, "amount", &mut errors)),
    };
    let parties = input.parties.map(|input| parties("", input, &mut errors));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PartnershipPatch {
        external_id: input.external_id,
        partnership_type: input.partnership_type.map(Into::into),
        name: input.name,
        description: patch(input.description),
        start_date: patch(input.start_date),
        end_date: patch(input.end_date),
        territory_id: patch(input.territory_id),
        amount_cents,
        status: input.status.map(Into::into),
        parties,
        source_updated_at: patch(input.source_updated_at),
    })
}

/// Input of `createPartnership`.
#[derive(InputObject, Debug, Clone)]
pub struct CreatePartnershipInput {
    /// Source of the record; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// The partnership with its parties: the whole record, as in `upsertPartnerships`.
    pub partnership: PartnershipUpsertItemInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// The fields of a partnership to change: absent fields are unchanged, `null` clears a field.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PartnershipPatchInput {
    /// Id in the writer's source (unique in the source).
    pub external_id: Option<String>,
    /// Kind of partnership.
    pub partnership_type: Option<PartnershipType>,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: MaybeUndefined<String>,
    /// Start date.
    pub start_date: MaybeUndefined<NaiveDate>,
    /// End date, not before `startDate`.
    pub end_date: MaybeUndefined<NaiveDate>,
    /// Territory key: `COM:13055`, `EPCI:200054807`, `DEP:13` or `REG:93`.
    pub territory_id: MaybeUndefined<String>,
    /// Amount in euros (not negative, at most 2 decimals).
    pub amount: MaybeUndefined<Decimal>,
    /// Status.
    pub status: Option<PartnershipStatus>,
    /// Every party, in order: replaces the stored parties (absent: they are kept).
    pub parties: Option<Vec<PartyInput>>,
    /// Last update time of the record in its source.
    pub source_updated_at: MaybeUndefined<DateTime<Utc>>,
}

/// Input of `updatePartnership`.
#[derive(InputObject, Debug, Clone)]
pub struct UpdatePartnershipInput {
    /// Global id of the partnership.
    pub id: ID,
    /// The version the change was made from; when the record is at another version, the
    /// update is a CONFLICT and nothing is written.
    pub expected_version: Option<i32>,
    /// The fields to change (absent: unchanged; null: cleared).
    pub partnership: PartnershipPatchInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreatePartnershipInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of creating or updating a partnership.
#[derive(SimpleObject)]
pub struct PartnershipPayload {
    /// The partnership as written, with its parties (null when rejected or `validateOnly`).
    pub partnership: Option<Partnership>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<mutation::UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

async fn payload(
    db: &DatabaseConnection,
    outcome: Result<Outcome<Written>, Vec<UserError>>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<PartnershipPayload> {
    let outcome = outcome.unwrap_or_else(Outcome::Rejected);
    let (written, user_errors, replayed) = single(Ok(outcome));
    let partnership = match written {
        Some(written) => by_ids(db, &[written.id]).await.or_internal()?.pop().map(Partnership),
        None => None,
    };
    Ok(PartnershipPayload {
        partnership,
        user_errors,
        replayed,
        client_mutation_id,
    })
}

/// Mutations of partnerships.
#[derive(Default)]
pub struct PartnershipMutation;

#[Object]
impl PartnershipMutation {
    /// Creates a partnership with its parties (live organisations). Needs a key; a partner
    /// creates records of its own source.
    async fn create_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership and how to write it.")] input: CreatePartnershipInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared = options(
            ctx,
            "createPartnership",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .map_err(|error| vec![error])
        .and_then(|options| Ok((options, fields("", input.partnership.clone())?)));
        let outcome = match prepared {
            Ok((options, fields)) => Ok(store::create(db, &writer, input.source, fields, &options)
                .await
                .or_internal()?),
            Err(errors) => Err(errors),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Updates the given fields of a partnership (absent fields are unchanged; `parties`, when
    /// given, replaces them all). A partner may only update records of its own source.
    async fn update_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership, its expected version and the fields to change.")]
        input: UpdatePartnershipInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared = options(
            ctx,
            "updatePartnership",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| Ok((options, row_id(&input.id, "Partnership", "id")?)))
        .map_err(|error| vec![error])
        .and_then(|(options, id)| Ok((options, id, partnership_patch(input.partnership.clone())?)));
        let outcome = match prepared {
            Ok((options, id, patch)) => Ok(store::update(db, &writer, id, input.expected_version, patch, &options)
                .await
                .or_internal()?),
            Err(errors) => Err(errors),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

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
                    match fields(&format!("items.{index}."), item) {
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
