//! Query limits and the cost of a request, checked before anything runs.
//!
//! A public GraphQL endpoint must refuse, cheaply and with a clear reason, the documents that
//! would make it do unbounded work: deep nesting, alias bombs, huge selections and nested
//! lists whose sizes multiply. Each operation is measured on its parsed document, with the
//! schema's types, before validation and execution:
//!
//! - **depth**: the deepest chain of nested fields, introspection included;
//! - **aliases** and **fields**: how many of each the document selects (fragments counted
//!   where they are spread);
//! - **cost** (requested): every field costs 1, and a list multiplies the cost of what it
//!   selects by its size: a connection by its page size (`first` or `last`, else the default
//!   page of 50), `nodes(ids:)` by the number of ids, the lists of analytics answers, the
//!   change feed and the partnership network by what their arguments let them return (series
//!   periods, groups, territories: see `Walk::root_lists`), any other list by
//!   [`UNPAGED_LIST_ESTIMATE`]. The `nodes` and `edges` of a connection are not multiplied
//!   again. A mutation also costs [`WRITE_COST`] per record it writes (every item of a bulk
//!   `input.items`).
//! - **introspection** is priced like any field, its lists by the schema's own sizes
//!   ([`SchemaSizes`]); an `ofType` chain longer than the schema's deepest type wrapping
//!   answers `null` and is priced as one field. A document whose root fields are all
//!   introspection fields may cost as much as the standard introspection query of the served
//!   schema (measured once, `introspection::STANDARD_COST`) when that is above the cost limit,
//!   so tools can read the schema however it grows, while aliased walks down the schema cannot.
//!
//! The operation measured is the one async-graphql executes ([`operation::select`]).
//!
//! A document over a limit is refused with `QUERY_TOO_COMPLEX`, naming the limit, the
//! measure and by how much it is exceeded; nothing is executed. Every response carries
//! `extensions.cost`: `requested` (the measure above), `actual` (the number of fields in the
//! response data, plus the write points of a mutation) and `limit`; the HTTP layer charges
//! the rate limiter the requested cost before execution and settles it on the actual cost.
//!
//! The check runs in the request executor, on the document async-graphql then executes
//! (parsed once), rather than as a schema extension: any extension makes async-graphql wrap
//! every field's resolution in extension hooks, a cost paid on every field of every response.
//!
//! This module measures documents; it must not know about HTTP or the database.

pub mod bounds;
mod introspection;
mod pricing;
mod registry;
mod walk;

use std::collections::HashSet;

use async_graphql::{
    Request, Response, ServerError, Value, Variables, parser::types::ExecutableDocument, registry::Registry,
};

pub use self::{
    introspection::{SchemaSizes, standard_introspection_query},
    pricing::{MAX_SERIES_PERIODS, NETWORK_EDGES, NETWORK_NODES, UNPAGED_LIST_ESTIMATE, WRITE_COST},
};
use self::{registry::TYPES, walk::Walk};
use super::{errors::coded_error, operation};
pub use crate::config::limits::QueryLimits;
use crate::error_code::ErrorCode;

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
    /// The part of the cost spent writing ([`WRITE_COST`] per record a mutation writes): spent
    /// whatever the answer, so counted in the actual cost too.
    pub writes: u64,
    /// Whether every root field is an introspection field (`__schema`, `__type`,
    /// `__typename`): such a document may cost as much as the standard introspection query of
    /// the served schema ([`cost_limit`]).
    pub introspection_only: bool,
}

/// The cost limit of a document measured as `measure`: `limits.max_cost`, or for an
/// introspection-only document at least the cost of the standard introspection query of the
/// served schema, so that tools can always read the schema however it grows, while two
/// aliased walks of it still exceed the limit.
pub fn cost_limit(limits: &QueryLimits, measure: &Measure) -> u64 {
    if measure.introspection_only {
        limits.max_cost.max(*introspection::STANDARD_COST)
    } else {
        limits.max_cost
    }
}

/// The first of `limits` that `measure` exceeds, as a message naming the limit, the measure and the
/// excess.
fn exceeded(limits: &QueryLimits, measure: &Measure) -> Result<(), String> {
    let over = |what: &str, value: u64, limit: u64| {
        Err(format!(
            "query {what} is {value}, over the limit of {limit} by {}",
            value - limit
        ))
    };
    let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    if measure.depth > limits.max_depth {
        return over("depth", wide(measure.depth), wide(limits.max_depth));
    }
    if measure.aliases > limits.max_aliases {
        return over("alias count", wide(measure.aliases), wide(limits.max_aliases));
    }
    if measure.fields > limits.max_fields {
        return over("field count", wide(measure.fields), wide(limits.max_fields));
    }
    let max_cost = cost_limit(limits, measure);
    if measure.cost > max_cost {
        return over("cost", measure.cost, max_cost);
    }
    Ok(())
}

/// Measures the operation of `document` that a request runs, selected as async-graphql selects
/// it ([`operation::select`]); `None` when there is no such operation (validation then
/// reports it).
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
    let operation = operation::select(document, operation_name)?;
    let root = operation::root_type(registry, operation.node.ty)?;
    let mut walk = Walk {
        registry,
        sizes: SchemaSizes::of(registry),
        document,
        variables,
        measure: Measure::default(),
        spreading: HashSet::new(),
        field_cap,
        root,
        of_type: 0,
        reference: false,
        definitions: &operation.node.variable_definitions,
        inherited: Vec::new(),
    };
    let cost = walk.selection_set(&operation.node.selection_set, root, 1);
    walk.measure.cost = cost;
    walk.measure.introspection_only = operation.node.selection_set.node.items.iter().all(|item| {
        matches!(&item.node, async_graphql::parser::types::Selection::Field(field) if field.node.name.node.starts_with("__"))
    });
    Some(walk.measure)
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

/// Checks a request against `limits` before it runs: `Ok` with its measure (none when the
/// document does not parse or names no operation: execution then reports that), or the
/// `QUERY_TOO_COMPLEX` error to answer (or the `BAD_USER_INPUT` of an argument over its
/// bound, see `bounds`).
pub fn admit(request: &mut Request, limits: &QueryLimits) -> Result<Option<Measure>, ServerError> {
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(None);
    };
    bounds::admit(document, operation_name.as_deref(), &variables)?;
    let Some(measure) = measure(
        &TYPES,
        document,
        operation_name.as_deref(),
        &variables,
        limits.max_fields,
    ) else {
        return Ok(None);
    };
    match exceeded(limits, &measure) {
        Ok(()) => Ok(Some(measure)),
        Err(message) => Err(coded_error(ErrorCode::QueryTooComplex, message)),
    }
}

/// The actual cost of an answered request measured as `measure`: the fields of its response
/// data, plus its writes.
pub fn spent(response: &Response, measure: &Measure) -> u64 {
    actual_cost(&response.data).saturating_add(measure.writes)
}

/// Adds `extensions.cost` to a response: `requested` (the measure), `actual` ([`spent`]) and
/// `limit`.
pub fn report_cost(response: &mut Response, measure: &Measure, limits: &QueryLimits) {
    let cost = async_graphql::value!({
        "requested": measure.cost,
        "actual": spent(response, measure),
        "limit": cost_limit(limits, measure),
    });
    response.extensions.insert("cost".to_owned(), cost);
}

#[cfg(test)]
mod tests {
    use super::{introspection::SIZES, pricing::PARTNERSHIP_TYPES, *};

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
            assert_eq!(
                code,
                Some(Value::from(ErrorCode::QueryTooComplex.as_str())),
                "{error:?}"
            );
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
        // Introspection nesting past the schema's deepest type wrapping answers null and is not
        // counted: GraphiQL's own query must pass.
        let introspection = format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(8),
            "} ".repeat(8)
        );
        let response = run(&introspection, serde_json::json!({}), QueryLimits::default()).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    fn measured(query: &str, variables: serde_json::Value) -> Measure {
        let document = async_graphql::parser::parse_query(query).unwrap_or_else(|e| panic!("{e}"));
        measure(&TYPES, &document, None, &Variables::from_json(variables), 10_000)
            .unwrap_or_else(|| panic!("no operation"))
    }

    #[test]
    fn mutations_are_measured_with_their_items_and_selected_like_async_graphql() {
        let upsert = "mutation Upsert($input: UpsertOrganisationsInput!) {
            upsertOrganisations(input: $input) { committed results { status } } }";
        let items: Vec<_> = (0..7)
            .map(|i| serde_json::json!({ "externalId": i.to_string() }))
            .collect();
        let measure = measured(upsert, serde_json::json!({ "input": { "items": items } }));
        // 1 + 7 writes of 10, committed, results 1 + 7 × status.
        assert_eq!((measure.cost, measure.writes), (1 + 70 + 1 + (1 + 7), 70));
        let literal = measured(
            r#"mutation M { upsertLabels(input: { source: "MANUAL", items: [{}, {}] }) { committed } }"#,
            serde_json::json!({}),
        );
        assert_eq!(literal.writes, 20);
        let single = measured(
            r#"mutation { deleteOrganisation(input: { id: "x" }) { deletedId } }"#,
            serde_json::json!({}),
        );
        assert_eq!((single.cost, single.writes), (1 + 10 + 1, 10));
    }

    #[test]
    fn introspection_lists_are_sized_by_the_schema() {
        let sizes = *SIZES;
        assert!(sizes.types > 100, "{sizes:?}");
        assert!((2..=5).contains(&sizes.max_wrapping), "{sizes:?}");
        let measure = measured("{ __schema { types { name } } }", serde_json::json!({}));
        assert_eq!(measure.cost, 1 + (1 + sizes.types));
        assert_eq!(measure.depth, 3);
        // ofType past the deepest wrapping: one field, nothing below priced or counted deep.
        let chain = |n: usize| {
            format!(
                "{{ __type(name: \"Query\") {{ {} name {} }} }}",
                "ofType { ".repeat(n),
                "} ".repeat(n)
            )
        };
        let deepest = measured(&chain(sizes.max_wrapping), serde_json::json!({}));
        let past = measured(&chain(sizes.max_wrapping + 5), serde_json::json!({}));
        assert_eq!(past.depth, deepest.depth, "the null ofType is as deep as the last name");
        assert!(past.cost <= deepest.cost + 1, "{past:?} {deepest:?}");
    }

    #[tokio::test]
    async fn series_and_analytics_cells_are_priced_by_what_they_return() {
        let series = "query($to: NaiveDate!) { procurementTimeSeries(scope: { buyerSiren: \"1\" },
            period: { from: \"2020-01-01\", to: $to }, granularity: QUARTER) { cells { contracts } } }";
        assert_eq!(
            requested(series, serde_json::json!({ "to": "2024-12-31" })).await,
            1 + (1 + 20)
        );
        let grouped = r#"{ procurementIndicators(scope: { buyerSiren: "1" },
            period: { from: "2020-01-01", to: "2021-12-31" },
            groupBy: [{ dimension: YEAR }, { dimension: CPV_DIVISION }]) { cells { contracts } } }"#;
        assert_eq!(requested(grouped, serde_json::json!({})).await, 1 + (1 + 2 * 45));
        let communes = r#"{ organisationIndicators(territory: { level: DEPARTEMENT, code: "13" },
            level: COMMUNE, groupBy: NAF_SECTION) { cells { key } } }"#;
        assert_eq!(requested(communes, serde_json::json!({})).await, 1 + (1 + 350 * 21));
        let network =
            r#"{ partnershipNetwork(territory: { level: REGION, code: "93" }) { nodes { id } edges { source } } }"#;
        assert_eq!(
            requested(network, serde_json::json!({})).await,
            1 + (1 + NETWORK_NODES) + (1 + NETWORK_EDGES)
        );
        // A period that cannot be read (here a variable not given) is priced at the cap of a
        // series; one spanning millennia by its periods.
        let unreadable = r#"query($period: PeriodInput!) { partnershipTimeSeries(territory: { level: REGION, code: "93" },
            period: $period, granularity: MONTH) { cells { partnerships } } }"#;
        let measure = measured(unreadable, serde_json::json!({}));
        assert_eq!(measure.cost, 1 + (1 + MAX_SERIES_PERIODS * PARTNERSHIP_TYPES));
        let millennia = r#"{ procurementTimeSeries(scope: { buyerSiren: "1" },
            period: { from: "0001-01-01", to: "9999-12-31" }, granularity: MONTH) { cells { contracts } } }"#;
        assert_eq!(measured(millennia, serde_json::json!({})).cost, 1 + (1 + 9_999 * 12));
    }
}
