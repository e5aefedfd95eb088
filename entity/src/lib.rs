//! Terrasse's database entities: plain data mapped by sea-orm.
//!
//! This crate owns the shape of rows and the closed vocabularies stored in them. It holds no
//! GraphQL derives and no business rules: validation lives in `api::domain`, writes in
//! `api::store`. Tables are created by the `migration` crate, never from these entities.
//!
//! Conventions shared by every table a partner can sync (organisations, establishments,
//! identifiers, labels, partnerships, contracts, supply links): a UUID `id`; `source` (`SIRENE`, `DECP`,
//! `DEMO`, `PARTNER:<slug>`, `MANUAL`...) and `external_id`, unique together; `source_updated_at`;
//! `created_at`, `updated_at`; `deleted_at` (soft delete: rows are never removed); `version`
//! (starts at 1, bumped by every write, for optimistic concurrency). Money is stored as whole
//! euro cents in a 64-bit integer (`*_cents`), exact on both databases.

pub mod api_key;
pub mod audit_log;
pub mod canteen;
pub mod canteen_declaration;
pub mod change_log;
pub mod concession_execution;
pub mod contract;
pub mod contract_modification;
pub mod contract_subcontract;
pub mod contract_supplier;
pub mod enums;
pub mod establishment;
pub mod food_project;
pub mod food_project_commune;
pub mod idempotency_key;
pub mod legal_category;
pub mod organic_operator;
pub mod organisation;
pub mod organisation_identifier;
pub mod organisation_label;
pub mod partnership;
pub mod partnership_party;
pub mod persisted_query;
pub mod postal_code_commune;
pub mod supply_link;
pub mod territory;
pub mod territory_membership;
