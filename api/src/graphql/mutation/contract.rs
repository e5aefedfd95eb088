//! Mutations of public contracts, each with its initial suppliers: create, partial update,
//! and bulk upsert by `(source, externalId)` (deletion is in `delete`).

use async_graphql::{InputObject, MaybeUndefined};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{
    record::{self, MutableKind, Rejection, store_input, store_writes},
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::contract::{Contract, ContractKind},
    store::{
        contracts,
        write::contract::{self as store, ContractFields, ContractPatch},
        write::delete::Deletable,
    },
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

impl From<ContractUpsertItemInput> for ContractFields {
    fn from(input: ContractUpsertItemInput) -> Self {
        store_input!(input => ContractFields {
            taken: [
                buyer_siret, buyer_internal_id, object, cpv_code, procedure, notified_on, duration_months, amount,
                social_clause, social_criterion, reserved, env_clause, env_criterion, supplier_sirets,
                source_updated_at,
            ],
            mapped: [kind],
            with: { external_id: Some(input.external_id), details: None },
        })
    }
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
        store_input!(input => ContractPatch {
            taken: [
                external_id, buyer_siret, buyer_internal_id, social_clause, social_criterion, reserved, env_clause,
                env_criterion, supplier_sirets,
            ],
            mapped: [kind],
            patched: [object, cpv_code, procedure, notified_on, duration_months, amount, source_updated_at],
        })
    }
}

record_mutation_types! {
    kind: ContractMutation,
    name: "Contract",
    noun: "contract",
    article: "a",
    item: ContractUpsertItemInput,
    patch: ContractPatchInput,
    node: Contract,
    CreateContractInput {
        /// The contract with its initial suppliers: the whole record, as in `upsertContracts`.
        contract
    }
    UpdateContractInput,
    UpsertContractsInput {
        /// Up to 1 000 contracts, each keyed by its `externalId`.
        items,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    ContractPayload {
        /// The contract as written, with its suppliers (null when rejected or `validateOnly`).
        contract
    }
}

impl MutableKind for ContractMutation {
    type Fields = ContractFields;
    type Patch = ContractPatch;

    fn fields(item: ContractUpsertItemInput, _prefix: &str) -> Result<ContractFields, Rejection> {
        Ok(item.into())
    }

    fn patch(input: ContractPatchInput) -> Result<ContractPatch, Rejection> {
        Ok(input.into())
    }

    store_writes!(store, Deletable::Contract; load: contracts::by_ids => Contract::from);
}

mutation_root! {
    impl ContractMutation {
        /// Creates a contract with its initial suppliers; buyer and suppliers are named by SIRET
        /// and must be known. Needs a key; a partner creates records of its own source.
        fn create_contract(#[desc = "The contract and how to write it."] input: CreateContractInput) -> ContractPayload = record::create::<Self>;
        /// Updates the given fields of a contract (absent fields are unchanged; `supplierSirets`,
        /// when given, replaces the initial suppliers). A partner may only update records of its
        /// own source.
        fn update_contract(#[desc = "The contract, its expected version and the fields to change."] input: UpdateContractInput) -> ContractPayload = record::update::<Self>;
        /// Creates or updates up to 1 000 contracts of one source, keyed by `externalId`, with a
        /// result per item. Buyers and suppliers are named by SIRET and must be known. Items
        /// equal to the stored contract are UNCHANGED (no new version, no change-feed event).
        /// Rejected items are skipped unless `atomic` is true, when any rejection writes nothing.
        fn upsert_contracts(#[desc = "The items and how to write them."] input: UpsertContractsInput) -> UpsertPayload = record::upsert::<Self>;
    }
}
