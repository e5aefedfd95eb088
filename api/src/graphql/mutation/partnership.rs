//! Mutations of partnerships, each with its parties: create, partial update, and bulk upsert
//! by `(source, externalId)` (deletion is in `delete`).

use async_graphql::{ID, InputObject, MaybeUndefined};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{
    record::{self, MutableKind, Rejection, organisation_row_id, store_input, store_writes},
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    domain::Cents,
    error_code::ErrorCode,
    graphql::partnership::{Partnership, PartnershipStatus, PartnershipType, PartyRole},
    store::{
        partnerships::by_ids,
        write::UserError,
        write::delete::Deletable,
        write::partnership::{self as store, PartnershipFields, PartnershipPatch, PartyFields},
    },
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

/// Euro cents of `amount` (either sign); an error on `field` when it is not a whole number of
/// cents or too large to store.
fn cents(amount: Decimal, field: &str, errors: &mut Vec<UserError>) -> Option<i64> {
    match Cents::from_signed_euros(amount) {
        Ok(cents) => Some(cents.get()),
        Err(error) => {
            errors.push(UserError::new(
                field,
                format!("amount {amount} {}", error.reason()),
                ErrorCode::BadUserInput,
            ));
            None
        }
    }
}

/// The store's parties; errors name fields under `prefix` (`items.3.`).
fn parties(prefix: &str, input: Vec<PartyInput>, errors: &mut Vec<UserError>) -> Vec<PartyFields> {
    let mut parties = Vec::with_capacity(input.len());
    for (position, party) in input.into_iter().enumerate() {
        match organisation_row_id(&party.organisation_id, &format!("{prefix}parties.{position}.")) {
            Ok(organisation_id) => parties.push(PartyFields {
                organisation_id,
                role: party.role.into(),
                joined_on: party.joined_on,
                left_on: party.left_on,
            }),
            Err(party_errors) => errors.extend(party_errors),
        }
    }
    parties
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

record_mutation_types! {
    kind: PartnershipMutation,
    name: "Partnership",
    noun: "partnership",
    article: "a",
    item: PartnershipUpsertItemInput,
    patch: PartnershipPatchInput,
    node: Partnership,
    CreatePartnershipInput {
        /// The partnership with its parties: the whole record, as in `upsertPartnerships`.
        partnership
    }
    UpdatePartnershipInput,
    UpsertPartnershipsInput {
        /// Up to 1 000 partnerships, each keyed by its `externalId`.
        items,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    PartnershipPayload {
        /// The partnership as written, with its parties (null when rejected or `validateOnly`).
        partnership
    }
}

impl MutableKind for PartnershipMutation {
    type Fields = PartnershipFields;
    type Patch = PartnershipPatch;

    fn fields(item: PartnershipUpsertItemInput, prefix: &str) -> Result<PartnershipFields, Rejection> {
        let mut errors = Vec::new();
        let amount_cents = item
            .amount
            .and_then(|amount| cents(amount, &format!("{prefix}amount"), &mut errors));
        let parties = parties(prefix, item.parties, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let status = item.status.map_or(entity::enums::PartnershipStatus::Active, Into::into);
        Ok(store_input!(item => PartnershipFields {
            taken: [external_id, name, description, start_date, end_date, territory_id, source_updated_at],
            converted: [partnership_type],
            with: { amount_cents, status, parties },
        }))
    }

    fn patch(input: PartnershipPatchInput) -> Result<PartnershipPatch, Rejection> {
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
        Ok(store_input!(input => PartnershipPatch {
            taken: [external_id, name],
            mapped: [partnership_type, status],
            patched: [description, start_date, end_date, territory_id, source_updated_at],
            with: { amount_cents, parties },
        }))
    }

    store_writes!(store, Deletable::Partnership; load: by_ids => Partnership);
}

mutation_root! {
    impl PartnershipMutation {
        /// Creates a partnership with its parties (live organisations). Needs a key; a partner
        /// creates records of its own source.
        fn create_partnership(#[desc = "The partnership and how to write it."] input: CreatePartnershipInput) -> PartnershipPayload = record::create::<Self>;
        /// Updates the given fields of a partnership (absent fields are unchanged; `parties`, when
        /// given, replaces them all). A partner may only update records of its own source.
        fn update_partnership(#[desc = "The partnership, its expected version and the fields to change."] input: UpdatePartnershipInput) -> PartnershipPayload = record::update::<Self>;
        /// Creates or updates up to 1 000 partnerships of one source, keyed by `externalId`, with
        /// their parties (live organisations) and a result per item. Items equal to the stored
        /// partnership are UNCHANGED. Rejected items are skipped unless `atomic` is true.
        fn upsert_partnerships(#[desc = "The items and how to write them."] input: UpsertPartnershipsInput) -> UpsertPayload = record::upsert::<Self>;
    }
}
