//! Which operation of a document a request runs, chosen exactly as async-graphql chooses it,
//! so that every decision Terrasse takes before execution (the GET rule for mutations, the
//! database a request runs on, its measure against the limits and its charge) is about the
//! operation that then executes.
//!
//! - `operationName` given: the operation of that name (an unnamed single operation never
//!   matches a name);
//! - no `operationName`: the document's only operation, named or not; a document with
//!   several operations names none (async-graphql answers "Operation name required").
//!
//! This module reads parsed documents; it must not know about HTTP or the database.

use async_graphql::{
    Positioned,
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType},
    registry::Registry,
};

/// The operation of `document` a request with `operation_name` runs; `None` when there is
/// none (execution then reports the error).
pub fn select<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Single(operation), None) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The type of the operation a request runs (see [`select`]).
pub fn selected_type(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<OperationType> {
    select(document, operation_name).map(|operation| operation.node.ty)
}

/// The root type of `registry` an operation of type `ty` starts from; `None` when the schema
/// has no such root (no subscriptions).
pub fn root_type(registry: &Registry, ty: OperationType) -> Option<&str> {
    match ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn kind(query: &str, name: Option<&str>) -> Option<OperationType> {
        selected_type(&parse_query(query).unwrap_or_else(|e| panic!("{e}")), name)
    }

    #[test]
    fn operations_are_selected_as_async_graphql_selects_them() {
        assert_eq!(kind("{ a }", None), Some(OperationType::Query));
        assert_eq!(kind("mutation { a }", None), Some(OperationType::Mutation));
        // A single named operation is selected without a name, and by its name.
        assert_eq!(kind("mutation M { a }", None), Some(OperationType::Mutation));
        assert_eq!(kind("mutation M { a }", Some("M")), Some(OperationType::Mutation));
        assert_eq!(kind("mutation M { a }", Some("N")), None);
        // An unnamed operation matches no name.
        assert_eq!(kind("mutation { a }", Some("M")), None);
        // Several operations: the name is required.
        let both = "query Q { a } mutation M { b }";
        assert_eq!(kind(both, None), None);
        assert_eq!(kind(both, Some("M")), Some(OperationType::Mutation));
        assert_eq!(kind(both, Some("Q")), Some(OperationType::Query));
    }
}
