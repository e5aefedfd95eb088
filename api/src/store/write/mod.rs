//! Every partner, import and command-line write of syncable records.
//!
//! The engine sits at the bottom and knows no record kind: [`writer`] (who writes and what
//! it may write), [`result`] (what a write answers), [`transaction`] (the transaction,
//! `validateOnly` and idempotency keys), [`audit`], [`fields`] (checks every kind applies the
//! same way), [`settle`] (inserts, version-checked updates, change log, audit, and what
//! written rows feed), [`classification`], [`bulk`], [`declare`] (a kind's fields declared once) and [`record`] (create, update and bulk
//! upsert written once for every [`record::RecordKind`]).
//!
//! One module per record kind sits on top: [`organisation`], [`establishment`], [`contract`],
//! [`label`], [`partnership`], [`identifier`], [`supply_link`]; `placing` places
//! the establishments of a write for distances and locality levels; [`register`] writes Sirene units and
//! establishments keyed by their natural keys, [`takeover`] hands natural keys over from
//! partners to authoritative sources, [`delete`] soft-deletes records of every kind but
//! organisations. No engine module imports a record-kind module.

pub mod audit;
pub mod bulk;
pub mod classification;
pub mod contract;
mod contract_children;
mod contract_fields;
mod contract_places;
pub mod declare;
pub mod delete;
pub mod establishment;
pub mod fields;
pub mod identifier;
pub mod label;
pub mod organisation;
mod organisation_fields;
pub mod partnership;
mod placing;
pub mod record;
pub mod register;
pub mod result;
pub mod settle;
pub mod supply_link;
pub mod takeover;
pub mod transaction;
pub mod writer;

pub use self::{
    audit::{AUDIT_ORDER_NAME, AuditFilter, audit_order},
    bulk::MAX_BULK_ITEMS,
    fields::SOURCE_CLOCK_SKEW,
    result::{BulkResult, ItemResult, ItemStatus, Outcome, Patch, UserError, Written},
    transaction::{IdempotencyKey, WriteOptions},
    writer::Writer,
};
