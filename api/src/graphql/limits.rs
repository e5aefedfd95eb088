//! Query limits and the cost of a request, checked before anything runs.
//!
//! A public GraphQL endpoint must refuse, cheaply and with a clear reason, the documents that
//! would make it do unbounded work: deep nesting, alias bombs, huge selections and nested
//! lists whose sizes multiply. Each operation is measured on its parsed document, with the
//! schema's types, before validation and execution:
//!
//! - **depth**: the deepest chain of nested fields (introspection fields excluded, so
//!   GraphiQL's introspection query is not refused);
//! - **aliases** and **fields**: how many of each the document selects (fragments counted
//!   where they are spread);
//! - **cost** (requested): every field costs 1, and a list multiplies the cost of what it
//!   selects by its size: a connection by its page size (`first` or `last`, else the default
//!   page of 50), `nodes(ids:)` by the number of ids, any other list by
//!   [`UNPAGED_LIST_ESTIMATE`]. The `nodes` and `edges` of a connection are not multiplied
//!   again.
//!
//! A document over a limit is refused with `QUERY_TOO_COMPLEX`, naming the limit, the
//! measure and by how much it is exceeded; nothing is executed. Every response carries
//! `extensions.cost`: `requested` (the measure above, an upper bound), `actual` (the number
//! of fields in the response data) and `limit`.
//!
//! The check runs in the request executor, on the document async-graphql then executes
//! (parsed once), rather than as a schema extension: any extension makes async-graphql wrap
//! every field's resolution in extension hooks, a cost paid on every field of every response.
//!
//! This module measures documents; it must not know about HTTP or the database.

use std::{collections::HashSet, sync::LazyLock};

use async_graphql::{
    ErrorExtensionValues, Name, OutputType, Positioned, Request, Response, ServerError, Value, Variables,
    parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet},
    registry::{MetaTypeName, Registry},
};

use super::schema::Query;
use crate::store::page::DEFAULT_PAGE_SIZE;

/// Size assumed for a list that takes no page arguments (labels, suppliers, parties...).
pub const UNPAGED_LIST_ESTIMATE: u64 = 10;

/// Nesting beyond which the measure stops descending (cyclic fragments, absurd documents);
/// the depth limit refuses such documents anyway.
const MEASURE_DEPTH_CAP: usize = 64;

/// The limits a document must stay within. Every limit is configurable (see `config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct QueryLimits {
    /// Deepest nesting of fields accepted.
    #[arg(long, env = "TERRASSE_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Largest requested cost accepted (see the cost rules in the API documentation).
    #[arg(long, env = "TERRASSE_MAX_COST", default_value_t = 50_000)]
    pub max_cost: u64,
    /// Most aliases accepted in one document.
    #[arg(long, env = "TERRASSE_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most fields accepted in one document.
    #[arg(long, env = "TERRASSE_MAX_FIELDS", default_value_t = 500)]
    pub max_fields: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_cost: 50_000,
            max_aliases: 30,
            max_fields: 500,
        }
    }
}

/// What a document asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// Requested cost.
    pub cost: u64,
    /// Deepest nesting.
    pub depth: usize,
    /// Aliases.
    pub aliases: usize,
    /// Fields.
    pub fields: usize,
}

impl QueryLimits {
    /// The first limit `measure` exceeds, as a message naming the limit, the measure and the
    /// excess.
    pub fn check(&self, measure: &Measure) -> Result<(), String> {
        let over = |what: &str, value: u64, limit: u64| {
            Err(format!(
                "query {what} is {value}, over the limit of {limit} by {}",
                value - limit
            ))
        };
        let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        if measure.depth > self.max_depth {
            return over("depth", wide(measure.depth), wide(self.max_depth));
        }
        if measure.aliases > self.max_aliases {
            return over("alias count", wide(measure.aliases), wide(self.max_aliases));
        }
        if measure.fields > self.max_fields {
            return over("field count", wide(measure.fields), wide(self.max_fields));
        }
        if measure.cost > self.max_cost {
            return over("cost", measure.cost, self.max_cost);
        }
        Ok(())
    }
}

/// Measures the operation of `document` that a request runs (`operation_name`, or the only
/// one); `None` when there is no such operation (validation then reports it).
///
/// The walk stops once it has counted more than `field_cap` fields: fragments spread several
/// times each are counted where they are spread, so a short document can stand for billions
/// of fields (a fragment bomb), and measuring it whole would be the unbounded work the limits
/// exist to refuse. The measure is then a lower bound, already over the field limit.
pub fn measure(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    field_cap: usize,
) -> Option<Measure> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let root = match operation.node.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    }?;
    let mut walk = Walk {
        registry,
        document,
        variables,
        measure: Measure::default(),
        spreading: HashSet::new(),
        field_cap,
    };
    let cost = walk.selection_set(&operation.node.selection_set, root, 1);
    walk.measure.cost = cost;
    Some(walk.measure)
}

struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    measure: Measure,
    /// Fragments being spread on the current path (a cycle is not followed).
    spreading: HashSet<&'a str>,
    /// Fields counted beyond which the walk stops.
    field_cap: usize,
}

impl<'a> Walk<'a> {
    /// Cost of a selection set on `type_name` at nesting `depth`.
    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>, type_name: &str, depth: usize) -> u64 {
        if depth > MEASURE_DEPTH_CAP {
            self.measure.depth = self.measure.depth.max(depth);
            return 0;
        }
        let mut cost = 0_u64;
        for selection in &set.node.items {
            if self.measure.fields > self.field_cap {
                break;
            }
            let item = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.measure.fields += 1;
                    if field.alias.is_some() {
                        self.measure.aliases += 1;
                    }
                    let name = field.name.node.as_str();
                    if name.starts_with("__") {
                        // Introspection: priced as one field, its nesting not counted.
                        1
                    } else {
                        self.measure.depth = self.measure.depth.max(depth);
                        let meta = self.registry.types.get(type_name).and_then(|ty| ty.field_by_name(name));
                        match meta {
                            None => 1,
                            Some(meta) => {
                                let child = MetaTypeName::concrete_typename(&meta.ty);
                                let size = self.list_size(field, type_name, &meta.ty, child);
                                let children = self.selection_set(&field.selection_set, child, depth + 1);
                                children.saturating_mul(size).saturating_add(1)
                            }
                        }
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.document.fragments.get(name) {
                        Some(fragment) if self.spreading.insert(name) => {
                            let on = fragment.node.type_condition.node.on.node.as_str();
                            let on = if self.registry.types.contains_key(on) {
                                on
                            } else {
                                type_name
                            };
                            let cost = self.selection_set(&fragment.node.selection_set, on, depth);
                            self.spreading.remove(name);
                            cost
                        }
                        _ => 0,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |condition| condition.node.on.node.as_str());
                    self.selection_set(&fragment.node.selection_set, on, depth)
                }
            };
            cost = cost.saturating_add(item);
        }
        cost
    }

    /// How many times a field's selection is resolved per parent.
    fn list_size(&self, field: &async_graphql::parser::types::Field, parent: &str, ty: &str, child: &str) -> u64 {
        let argument = |name: &str| field.get_argument(name).map(|value| value.node.clone());
        let number = |value: async_graphql::Value| match value {
            async_graphql::Value::Number(n) => n.as_u64(),
            _ => None,
        };
        let resolved = |name: &str| {
            argument(name).and_then(|value| {
                value
                    .into_const_with(|variable: Name| self.variables.get(&variable).cloned().ok_or(()))
                    .ok()
            })
        };
        if child.ends_with("Connection") {
            return resolved("first")
                .and_then(number)
                .or_else(|| resolved("last").and_then(number))
                .unwrap_or(DEFAULT_PAGE_SIZE);
        }
        if !is_list(ty) || parent.ends_with("Connection") {
            return 1;
        }
        match resolved("ids") {
            Some(async_graphql::Value::List(ids)) => u64::try_from(ids.len()).unwrap_or(u64::MAX),
            _ => UNPAGED_LIST_ESTIMATE,
        }
    }
}

fn is_list(ty: &str) -> bool {
    ty.trim_end_matches('!').starts_with('[')
}

/// Fields in response data: the request's actual cost.
pub fn actual_cost(data: &Value) -> u64 {
    match data {
        Value::Object(fields) => fields
            .values()
            .fold(u64::try_from(fields.len()).unwrap_or(u64::MAX), |sum, value| {
                sum.saturating_add(actual_cost(value))
            }),
        Value::List(items) => items.iter().fold(0, |sum, item| sum.saturating_add(actual_cost(item))),
        _ => 0,
    }
}

/// The schema's types, as the measure needs them (fields and their types), built once.
static TYPES: LazyLock<Registry> = LazyLock::new(|| {
    let mut registry = Registry {
        query_type: Query::type_name().into_owned(),
        ..Registry::default()
    };
    Query::create_type_info(&mut registry);
    registry
});

/// Checks a request against `limits` before it runs: `Ok` with the requested cost (none when
/// the document does not parse or names no operation: execution then reports that), or the
/// `QUERY_TOO_COMPLEX` error to answer (or the `BAD_USER_INPUT` of an argument over its
/// bound, see `bounds`).
pub fn admit(request: &mut Request, limits: &QueryLimits) -> Result<Option<u64>, ServerError> {
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(None);
    };
    super::bounds::admit(document, operation_name.as_deref(), &variables)?;
    let Some(measure) = measure(
        &TYPES,
        document,
        operation_name.as_deref(),
        &variables,
        limits.max_fields,
    ) else {
        return Ok(None);
    };
    match limits.check(&measure) {
        Ok(()) => Ok(Some(measure.cost)),
        Err(message) => {
            let mut error = ServerError::new(message, None);
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", "QUERY_TOO_COMPLEX");
            error.extensions = Some(extensions);
            Err(error)
        }
    }
}

/// Adds `extensions.cost` to a response.
pub fn report_cost(response: &mut Response, requested: u64, limits: &QueryLimits) {
    let cost = async_graphql::value!({
        "requested": requested,
        "actual": actual_cost(&response.data),
        "limit": limits.max_cost,
    });
    response.extensions.insert("cost".to_owned(), cost);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `query` on a schema over an empty database: limits and costs are decided before
    /// any resolver runs, so the resolvers' failures do not matter here.
    async fn run(query: &str, variables: serde_json::Value, limits: QueryLimits) -> async_graphql::Response {
        let db = sea_orm::Database::connect("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let schema = crate::graphql::build_schema(db.clone());
        let request = async_graphql::Request::new(query).variables(Variables::from_json(variables));
        crate::graphql::executor::execute_within(&schema, request, db, &limits).await
    }

    async fn requested(query: &str, variables: serde_json::Value) -> u64 {
        let response = run(query, variables, QueryLimits::default()).await;
        let cost = response
            .extensions
            .get("cost")
            .unwrap_or_else(|| panic!("no cost: {response:?}"));
        let json = cost.clone().into_json().unwrap_or_default();
        json["requested"].as_u64().unwrap_or_else(|| panic!("{json}"))
    }

    #[tokio::test]
    async fn lists_multiply_the_cost_of_their_selection() {
        // organisations (1) + 20 × (nodes 1 + name 1)
        let cost = requested("{ organisations(first: 20) { nodes { name } } }", serde_json::json!({})).await;
        assert_eq!(cost, 1 + 20 * 2);
        // the default page of 50, and a nested page size given by a variable
        let cost = requested(
            "query($n: Int) { organisations { nodes { contractsWon(first: $n) { nodes { uid } } } } }",
            serde_json::json!({ "n": 5 }),
        )
        .await;
        assert_eq!(cost, 1 + 50 * (1 + (1 + 5 * (1 + 1))));
        // nodes(ids:) by the number of ids; unpaged lists by the estimate
        let cost = requested(r#"{ nodes(ids: ["a", "b", "c"]) { id } }"#, serde_json::json!({})).await;
        assert_eq!(cost, 1 + 3);
        let cost = requested(
            r#"{ organisation(siren: "1") { labels { kind } } }"#,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(cost, 1 + (1 + UNPAGED_LIST_ESTIMATE));
        // fragments are priced where they are spread
        let cost = requested(
            "query { a: organisations(first: 2) { ...F } b: organisations(first: 2) { ...F } }
             fragment F on OrganisationConnection { nodes { name } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(cost, 2 * (1 + 2 * 2));
    }

    #[tokio::test]
    async fn documents_over_a_limit_are_refused_with_the_limit_and_the_excess() {
        let refusal = |response: async_graphql::Response| {
            let error = response
                .errors
                .first()
                .cloned()
                .unwrap_or_else(|| panic!("not refused"));
            let code = error.extensions.as_ref().and_then(|e| e.get("code")).cloned();
            assert_eq!(code, Some(Value::from("QUERY_TOO_COMPLEX")), "{error:?}");
            assert_eq!(response.data, Value::Null);
            error.message
        };
        let deep = "{ organisations { nodes { establishments { nodes { commune { epci { departement {
            region { children { nodes { children { nodes { children { nodes { name } } } } } } } } } } } } } } }";
        assert_eq!(
            refusal(run(deep, serde_json::json!({}), QueryLimits::default()).await),
            "query depth is 15, over the limit of 12 by 3"
        );
        let costly = "{ organisations(first: 500) { nodes { establishments(first: 500) { nodes { name } } } } }";
        assert_eq!(
            refusal(run(costly, serde_json::json!({}), QueryLimits::default()).await),
            "query cost is 501001, over the limit of 50000 by 451001"
        );
        let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
        assert_eq!(
            refusal(
                run(
                    &format!("{{ {aliases} }}"),
                    serde_json::json!({}),
                    QueryLimits::default()
                )
                .await
            ),
            "query alias count is 31, over the limit of 30 by 1"
        );
        let few_fields = QueryLimits {
            max_fields: 2,
            ..QueryLimits::default()
        };
        assert_eq!(
            refusal(
                run(
                    "{ organisations { nodes { name } } }",
                    serde_json::json!({}),
                    few_fields
                )
                .await
            ),
            "query field count is 3, over the limit of 2 by 1"
        );
        // A fragment bomb (each fragment spreads the previous one twice: 2^40 fields) is
        // refused quickly, the walk stopping past the field limit.
        let mut bomb = String::from("query { ...F40 } fragment F0 on Query { __typename }");
        for level in 1..=40 {
            bomb.push_str(&format!(
                " fragment F{level} on Query {{ ...F{p} ...F{p} }}",
                p = level - 1
            ));
        }
        let started = std::time::Instant::now();
        let message = refusal(run(&bomb, serde_json::json!({}), QueryLimits::default()).await);
        assert!(
            message.starts_with("query field count is 501, over the limit of 500"),
            "{message}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        // Introspection nesting is not counted: GraphiQL's own query must pass.
        let introspection = format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(8),
            "} ".repeat(8)
        );
        let response = run(&introspection, serde_json::json!({}), QueryLimits::default()).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }
}
