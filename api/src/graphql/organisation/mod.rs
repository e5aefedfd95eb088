//! Organisations and what hangs off them: the `Organisation`, `Establishment`, `Identifier`
//! and `Label` types, the organisation root fields, their filter and order inputs, the
//! loaders of organisations and their dependants, and the organisation list of a territory.

pub mod filter;
pub mod loaders;
pub mod query;
pub mod records;
pub mod types;

pub use records::{Establishment, Identifier, Label};
pub use types::Organisation;
