//! Soft deletion of contracts, partnerships, establishments, labels and identifiers: hidden
//! from reads, kept for the change feed as DELETE events. Their shared input and payload are
//! here; each kind's store call is its [`MutableKind::delete`](super::record::MutableKind::delete).

use super::{
    contract::ContractMutation,
    establishment::EstablishmentMutation,
    identifier::IdentifierMutation,
    label::LabelMutation,
    partnership::PartnershipMutation,
    record,
    supply_link::SupplyLinkMutation,
    types::{deletion_types, mutation_root},
};

deletion_types! {
    /// Input of a deletion.
    DeleteInput {
        /// Global id of the record.
        id,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    /// Result of a deletion.
    DeletePayload {
        /// Global id of the deleted record (null when rejected or `validateOnly`).
        deleted_id
    }
}

/// Deletions of records other than organisations.
#[derive(Default)]
pub struct DeleteMutation;

mutation_root! {
    impl DeleteMutation {
        /// Soft-deletes a contract. A partner may only delete records of its own source.
        fn delete_contract(#[desc = "The contract and its expected version."] input: DeleteInput) -> DeletePayload = record::delete::<ContractMutation, _, _>;
        /// Soft-deletes a partnership. A partner may only delete records of its own source.
        fn delete_partnership(#[desc = "The partnership and its expected version."] input: DeleteInput) -> DeletePayload = record::delete::<PartnershipMutation, _, _>;
        /// Soft-deletes an establishment. A partner may only delete records of its own source.
        fn delete_establishment(#[desc = "The establishment and its expected version."] input: DeleteInput) -> DeletePayload = record::delete::<EstablishmentMutation, _, _>;
        /// Soft-deletes a label. A partner may only delete records of its own source.
        fn delete_label(#[desc = "The label and its expected version."] input: DeleteInput) -> DeletePayload = record::delete::<LabelMutation, _, _>;
        /// Soft-deletes an identifier. A partner may only delete records of its own source.
        fn delete_identifier(#[desc = "The identifier and its expected version."] input: DeleteInput) -> DeletePayload = record::delete::<IdentifierMutation, _, _>;
        /// Soft-deletes a supply link. A partner may only delete records of its own source.
        fn delete_supply_link(#[desc = "The supply link and its expected version."] input: DeleteInput) -> DeletePayload = record::delete::<SupplyLinkMutation, _, _>;
    }
}
