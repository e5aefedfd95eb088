//! Mutations of public contracts: bulk upsert by `(source, externalId)`, each contract with
//! its initial suppliers.

use async_graphql::{Context, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;

use super::{
    contract::ContractKind,
    errors::OrInternal,
    mutation::{UpsertPayload, options, upsert_payload, writer},
};
use crate::store::{
    writes::Outcome,
    writes_contracts::{self as store, ContractFields},
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

/// Mutations of contracts.
#[derive(Default)]
pub struct ContractMutation;

#[Object]
impl ContractMutation {
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
