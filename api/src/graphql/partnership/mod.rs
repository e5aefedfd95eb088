//! Partnerships between organisations: the `Partnership` and `PartnershipParty` types, the
//! `partnerships` and `partnership` root fields, their filter and order inputs, the loaders
//! of partnerships and their parties, and the partnership list that the `Organisation` type
//! exposes ([`query::partnerships_of`]).

pub mod filter;
pub mod loaders;
pub mod query;
pub mod types;

pub use query::partnerships_of;
pub use types::{Partnership, PartnershipParty, PartnershipStatus, PartnershipType, PartyRole};
