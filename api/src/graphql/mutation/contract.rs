//! Mutations of public contracts, each with its initial suppliers: create, partial update,
//! and bulk upsert by `(source, externalId)` (deletion is in `delete`).

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    record,
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::contract::Contract,
    store::{
        contracts,
        write::contract::{self as store, ContractDetails, ContractFields, ContractPatch},
        write::delete::Deletable,
    },
};

store::contract_fields!(
    super::declare::input_types,
    [
        /// One contract of a bulk upsert: the whole record (absent fields take their defaults).
        ContractUpsertItemInput,
        /// The fields of a contract to change: absent fields are unchanged, `null` clears a field.
        ContractPatchInput
    ]
);

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

super::declare::declared_kind!(ContractMutation: ContractFields, ContractPatch; store, Deletable::Contract; load: contracts::by_ids => Contract::from);

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

#[cfg(test)]
mod tests {
    use entity::enums::ContractKind;

    use super::{ContractPatchInput, ContractUpsertItemInput};

    fn item() -> ContractUpsertItemInput {
        ContractUpsertItemInput {
            external_id: "C-1".into(),
            buyer_siret: "21130055300016".into(),
            buyer_internal_id: "2026-001".into(),
            kind: None,
            object: None,
            cpv_code: None,
            procedure: None,
            notified_on: None,
            duration_months: None,
            amount: None,
            social_clause: true,
            social_criterion: false,
            reserved: false,
            env_clause: false,
            env_criterion: false,
            supplier_sirets: vec!["21130055300016".into()],
            source_updated_at: None,
        }
    }

    #[test]
    fn an_item_is_keyed_defaults_to_a_public_contract_and_never_sets_details() {
        let fields = item().into_store("items.0.").expect("a valid item");
        assert_eq!(fields.external_id.as_deref(), Some("C-1"));
        assert_eq!(fields.kind, ContractKind::PublicContract);
        assert!(fields.social_clause && !fields.reserved);
        assert!(fields.details.is_none(), "details are for importers only");
    }

    #[test]
    fn a_patch_leaves_absent_fields_and_suppliers_alone() {
        let patch = ContractPatchInput::default().into_store().expect("an empty patch");
        assert!(patch.kind.is_none() && patch.amount.is_none() && patch.supplier_sirets.is_none());
        // A patch has no `details` at all: GraphQL cannot touch the published details.
    }
}
