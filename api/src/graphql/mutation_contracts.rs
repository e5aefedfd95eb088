//! Mutations of public contracts, each with its initial suppliers: create, partial update,
//! and bulk upsert by `(source, externalId)` (deletion is in `mutation_deletes`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;

use super::{
    contract::{Contract, ContractKind},
    errors::OrInternal,
    mutation::{Prepared, UpsertPayload, UserError, options, row_id, single, upsert_payload, writer},
    mutation_organisations::patch,
};
use crate::store::{
    contracts::by_ids,
    write::Outcome,
    write::contract::{self as store, ContractFields, ContractPatch},
};

/// One contract of a bulk upsert: the whole record (absent fields take their defaults).
#[derive(InputObject, Debug, Clone)]
pub struct ContractUpsertItemInput {
    /// Id of the contract in the writer's source: the key of the upsert.
    pub external_id: String,
    /// SIRET of the buyer; must be a known establishment.
    pub buyer_siret: String,
    /// The buyer's own id of the contract (DECP `id`), 1 to 16 characters.
    pub buyer_internal_id: String,
    /// Marché or concession (marché by default).
    pub kind: Option<ContractKind>,
    /// Object, at most 1 000 characters.
    pub object: Option<String>,
    /// CPV code, 8 digits with an optional check digit (`45000000-7`).
    pub cpv_code: Option<String>,
    /// Procedure as published.
    pub procedure: Option<String>,
    /// Notification date.
    pub notified_on: Option<NaiveDate>,
    /// Initial duration in months (positive).
    pub duration_months: Option<i32>,
    /// Initial amount in euros excluding VAT (not negative, at most 2 decimals).
    pub amount: Option<Decimal>,
    /// Has a social clause.
    #[graphql(default)]
    pub social_clause: bool,
    /// Has a social award criterion.
    #[graphql(default)]
    pub social_criterion: bool,
    /// Is a reserved contract.
    #[graphql(default)]
    pub reserved: bool,
    /// Has an environmental clause.
    #[graphql(default)]
    pub env_clause: bool,
    /// Has an environmental award criterion.
    #[graphql(default)]
    pub env_criterion: bool,
    /// SIRETs of the suppliers, in order; each must be a known establishment.
    #[graphql(default)]
    pub supplier_sirets: Vec<String>,
    /// Last update time of the record in its source.
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// Input of `upsertContracts`.
#[derive(InputObject, Debug, Clone)]
pub struct UpsertContractsInput {
    /// Source of every item; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// Up to 1 000 contracts, each keyed by its `externalId`.
    pub items: Vec<ContractUpsertItemInput>,
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

impl From<ContractUpsertItemInput> for ContractFields {
    fn from(input: ContractUpsertItemInput) -> Self {
        Self {
            external_id: Some(input.external_id),
            buyer_siret: input.buyer_siret,
            buyer_internal_id: input.buyer_internal_id,
            kind: input.kind.map(Into::into),
            object: input.object,
            cpv_code: input.cpv_code,
            procedure: input.procedure,
            notified_on: input.notified_on,
            duration_months: input.duration_months,
            amount: input.amount,
            social_clause: input.social_clause,
            social_criterion: input.social_criterion,
            reserved: input.reserved,
            env_clause: input.env_clause,
            env_criterion: input.env_criterion,
            supplier_sirets: input.supplier_sirets,
            source_updated_at: input.source_updated_at,
            details: None,
        }
    }
}

/// Input of `createContract`.
#[derive(InputObject, Debug, Clone)]
pub struct CreateContractInput {
    /// Source of the record; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// The contract with its initial suppliers: the whole record, as in `upsertContracts`.
    pub contract: ContractUpsertItemInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// The fields of a contract to change: absent fields are unchanged, `null` clears a field.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ContractPatchInput {
    /// Id in the writer's source (unique in the source).
    pub external_id: Option<String>,
    /// SIRET of the buyer; must be a known establishment.
    pub buyer_siret: Option<String>,
    /// The buyer's own id of the contract (DECP `id`), 1 to 16 characters.
    pub buyer_internal_id: Option<String>,
    /// Marché or concession.
    pub kind: Option<ContractKind>,
    /// Object, at most 1 000 characters.
    pub object: MaybeUndefined<String>,
    /// CPV code, 8 digits with an optional check digit (`45000000-7`).
    pub cpv_code: MaybeUndefined<String>,
    /// Procedure as published.
    pub procedure: MaybeUndefined<String>,
    /// Notification date.
    pub notified_on: MaybeUndefined<NaiveDate>,
    /// Initial duration in months (positive); the duration after modifications follows.
    pub duration_months: MaybeUndefined<i32>,
    /// Initial amount in euros excluding VAT (not negative, at most 2 decimals); the amount
    /// after modifications follows.
    pub amount: MaybeUndefined<Decimal>,
    /// Has a social clause.
    pub social_clause: Option<bool>,
    /// Has a social award criterion.
    pub social_criterion: Option<bool>,
    /// Is a reserved contract.
    pub reserved: Option<bool>,
    /// Has an environmental clause.
    pub env_clause: Option<bool>,
    /// Has an environmental award criterion.
    pub env_criterion: Option<bool>,
    /// SIRETs of the initial suppliers, in order, each a known establishment: replaces the
    /// stored ones (absent: they are kept).
    pub supplier_sirets: Option<Vec<String>>,
    /// Last update time of the record in its source.
    pub source_updated_at: MaybeUndefined<DateTime<Utc>>,
}

impl From<ContractPatchInput> for ContractPatch {
    fn from(input: ContractPatchInput) -> Self {
        Self {
            external_id: input.external_id,
            buyer_siret: input.buyer_siret,
            buyer_internal_id: input.buyer_internal_id,
            kind: input.kind.map(Into::into),
            object: patch(input.object),
            cpv_code: patch(input.cpv_code),
            procedure: patch(input.procedure),
            notified_on: patch(input.notified_on),
            duration_months: patch(input.duration_months),
            amount: patch(input.amount),
            social_clause: input.social_clause,
            social_criterion: input.social_criterion,
            reserved: input.reserved,
            env_clause: input.env_clause,
            env_criterion: input.env_criterion,
            supplier_sirets: input.supplier_sirets,
            source_updated_at: patch(input.source_updated_at),
        }
    }
}

/// Input of `updateContract`.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateContractInput {
    /// Global id of the contract.
    pub id: ID,
    /// The version the change was made from; when the record is at another version, the
    /// update is a CONFLICT and nothing is written.
    pub expected_version: Option<i32>,
    /// The fields to change (absent: unchanged; null: cleared).
    pub contract: ContractPatchInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreateContractInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of creating or updating a contract.
#[derive(SimpleObject)]
pub struct ContractPayload {
    /// The contract as written, with its suppliers (null when rejected or `validateOnly`).
    pub contract: Option<Contract>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

async fn payload(
    db: &DatabaseConnection,
    outcome: Result<Outcome<crate::store::write::Written>, crate::store::write::UserError>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<ContractPayload> {
    let (written, user_errors, replayed) = single(outcome);
    let contract = match written {
        Some(written) => by_ids(db, &[written.id]).await.or_internal()?.pop().map(Contract::from),
        None => None,
    };
    Ok(ContractPayload {
        contract,
        user_errors,
        replayed,
        client_mutation_id,
    })
}

/// Mutations of contracts.
#[derive(Default)]
pub struct ContractMutation;

#[Object]
impl ContractMutation {
    /// Creates a contract with its initial suppliers; buyer and suppliers are named by SIRET
    /// and must be known. Needs a key; a partner creates records of its own source.
    async fn create_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract and how to write it.")] input: CreateContractInput,
    ) -> async_graphql::Result<ContractPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let outcome = match options(
            ctx,
            "createContract",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        ) {
            Ok(options) => Ok(
                store::create(db, &writer, input.source, input.contract.into(), &options)
                    .await
                    .or_internal()?,
            ),
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Updates the given fields of a contract (absent fields are unchanged; `supplierSirets`,
    /// when given, replaces the initial suppliers). A partner may only update records of its
    /// own source.
    async fn update_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract, its expected version and the fields to change.")] input: UpdateContractInput,
    ) -> async_graphql::Result<ContractPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared: Prepared<uuid::Uuid> = options(
            ctx,
            "updateContract",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| Ok((options, row_id(&input.id, "Contract", "id")?)));
        let outcome = match prepared {
            Ok((options, id)) => {
                Ok(
                    store::update(db, &writer, id, input.expected_version, input.contract.into(), &options)
                        .await
                        .or_internal()?,
                )
            }
            Err(error) => Err(error),
        };
        payload(db, outcome, input.client_mutation_id).await
    }

    /// Creates or updates up to 1 000 contracts of one source, keyed by `externalId`, with a
    /// result per item. Buyers and suppliers are named by SIRET and must be known. Items
    /// equal to the stored contract are UNCHANGED (no new version, no change-feed event).
    /// Rejected items are skipped unless `atomic` is true, when any rejection writes nothing.
    async fn upsert_contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The items and how to write them.")] input: UpsertContractsInput,
    ) -> async_graphql::Result<UpsertPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let outcome = match options(
            ctx,
            "upsertContracts",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        ) {
            Ok(options) => {
                let items = input.items.into_iter().map(Into::into).collect();
                store::upsert(db, &writer, input.source, items, input.atomic, &options)
                    .await
                    .or_internal()?
            }
            Err(error) => Outcome::Rejected(vec![error]),
        };
        Ok(upsert_payload(outcome, "Contract", client_mutation_id))
    }
}
