//! Territories of the Code officiel géographique: the `Territory` type, the `territory` and
//! `territories` queries, their filter and order inputs, and the loaders of territories and
//! of the territories within them.

pub mod filter;
pub mod loaders;
pub mod query;
pub mod types;

pub use types::Territory;
