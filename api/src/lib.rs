//! Terrasse: a GraphQL service for the local social and solidarity economy.
//!
//! Data flows HTTP -> auth/limits -> GraphQL resolver -> store (SQL) -> entity model ->
//! GraphQL type. Resolvers never build SQL and the store never knows GraphQL.

pub mod access;
pub mod analytics;
#[cfg(test)]
mod architecture_tests;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error_code;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod keys_cli;
pub mod reference;
pub mod seed;
pub mod store;
