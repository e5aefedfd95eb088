//! Short food supply chains: the `SupplyLink` and `FoodProject` types, the `supplyLinks`,
//! `supplyLink`, `foodProjects` and `foodProject` root fields, their filter and order inputs,
//! and their loaders; the canteens of the national register (`canteen`).

pub mod canteen;
pub mod filter;
pub mod loaders;
pub mod organic;
pub mod query;
pub mod types;

pub use canteen::Canteen;
pub use organic::OrganicOperator;
pub use types::{FoodProject, SupplyLink};
