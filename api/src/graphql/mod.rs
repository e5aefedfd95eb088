//! The GraphQL API: one folder per feature (`organisation`, `contract`, `partnership`,
//! `territory`, `sync`), each with its types, root fields (`query`), filter and order inputs
//! (`filter`) and loaders; and the pieces they share at this level: the schema, global ids
//! (`node`), connections, enums, inputs, loaders, errors and the request executor.
//!
//! Resolvers are thin: arguments -> store call -> wrap the entity model in its GraphQL type.
//! Every relation between types goes through a DataLoader ([`loaders`]), so a page of N
//! parents costs one query per relation, not N.

pub mod analytics;
pub mod connection;
pub mod contract;
pub mod enums;
pub mod errors;
pub mod executor;
pub mod fetch_queue;
pub mod input_text;
pub mod inputs;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod nesting;
pub mod node;
pub mod operation;
pub mod organisation;
pub mod partnership;
pub mod schema;
pub mod supply;
pub mod sync;
pub mod territory;

pub use schema::{TerrasseSchema, build_schema, build_schema_for, sdl};
