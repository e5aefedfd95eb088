//! The served schema's types (queries and mutations, their fields, arguments and input
//! types), built once from the Rust types and shared by the measure of documents and the input
//! bounds.

use std::sync::LazyLock;

use async_graphql::{OutputType, registry::Registry};

use crate::graphql::{mutation::Mutation, schema::Query};

/// The schema's types (queries and mutations, their fields, arguments and input types), built
/// once and shared by the measure and the input bounds.
pub(in crate::graphql) static TYPES: LazyLock<Registry> = LazyLock::new(|| {
    let mut registry = Registry {
        query_type: Query::type_name().into_owned(),
        mutation_type: Some(Mutation::type_name().into_owned()),
        ..Registry::default()
    };
    Query::create_type_info(&mut registry);
    Mutation::create_type_info(&mut registry);
    registry
});
