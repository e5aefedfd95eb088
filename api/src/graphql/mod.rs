//! The GraphQL API: schema, global ids, loaders, errors and one module per type.
//!
//! Resolvers are thin: arguments -> store call -> wrap the entity model in its GraphQL type.
//! Every relation between types goes through a DataLoader ([`loaders`]), so a page of N
//! parents costs one query per relation, not N.

pub mod analytics;
pub mod bounds;
pub mod connection;
pub mod contract;
pub mod enums;
pub mod errors;
pub mod executor;
pub mod filters;
pub mod input_text;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod mutation_contracts;
pub mod mutation_deletes;
pub mod mutation_establishments;
pub mod mutation_identifiers;
pub mod mutation_labels;
pub mod mutation_organisations;
pub mod mutation_partnerships;
pub mod nesting;
pub mod node;
pub mod operation;
pub mod organisation;
pub mod partnership;
pub mod schema;
pub mod sync;
pub mod territory;

pub use schema::{TerrasseSchema, build_schema, build_schema_for, sdl};
