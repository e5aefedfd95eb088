//! Public procurement: the `Contract`, `ContractSupplier` and `ContractModification` types,
//! the `contracts` and `contract` root fields, their filter and order inputs, the loaders of
//! contracts and of what hangs off them, and the contract lists that the `Organisation` and
//! `Territory` types expose ([`query::contracts_won`], [`query::contracts_awarded`],
//! [`query::contracts_awarded_in_territory`]).

pub mod filter;
pub mod loaders;
pub mod query;
pub mod supplier;
pub mod types;

pub use query::{contracts_awarded, contracts_awarded_in_territory, contracts_won};
pub use supplier::{ContractModification, ContractSupplier};
pub use types::{Contract, ContractKind, ExecPlaceType, LocalityLevel, PurchaseType};
