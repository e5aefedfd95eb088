//! Metering of everything a request can ask for: introspection like any field, analytics cells
//! and the change feed by what they can return, a cost above the estimate charged after the
//! answer, and mutations selected as async-graphql selects them, measured and rate-limited.

use entity::enums::ApiRole;
use serde_json::{Value, json};

use crate::{
    harness::{TestApp, on_both_databases},
    transport::get,
};

/// The introspection query graphql-js's `getIntrospectionQuery` builds with every option on
/// (the one GraphiQL and common clients send), with `type_depth` nested `ofType` (7 in
/// graphql-js 16, 9 in graphql-js 17).
pub fn standard_introspection_query(type_depth: usize) -> String {
    api::graphql::limits::standard_introspection_query(type_depth)
}

/// `aliases` aliased walks down the schema: types, their fields, their fields' types' fields...
pub fn aliased_schema_walks(aliases: usize) -> String {
    let walk = "__schema { types { name fields { name type { name fields { name type { name fields { name args { name } } } } } } } }";
    let body: String = (0..aliases).map(|i| format!("w{i}: {walk} ")).collect();
    format!("{{ {body} }}")
}

async fn post(
    app: &TestApp,
    addr: std::net::SocketAddr,
    key: Option<&str>,
    query: &str,
    variables: Value,
) -> crate::harness::Answer {
    let _ = app;
    let mut request = hyper::Request::post(format!("http://{addr}/graphql")).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    crate::harness::exchange(
        request
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .unwrap(),
    )
    .await
}

on_both_databases! {
    async fn introspection_is_metered_and_the_standard_query_passes(app: &TestApp) {
        super::introspection_is_metered_and_the_standard_query_passes(app).await;
    }
}

async fn introspection_is_metered_and_the_standard_query_passes(app: &TestApp) {
    for depth in [7, 9] {
        let response = app.graphql(&standard_introspection_query(depth), json!({})).await;
        assert!(
            response.get("errors").is_none(),
            "ofType depth {depth}: {:?}",
            response["errors"]
        );
        let types = response["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.len() > 100, "{}", types.len());
        let cost = &response["extensions"]["cost"];
        // Within the limit, which is the standard query's own cost when that is above the
        // configured one.
        assert!(
            cost["requested"].as_u64().unwrap() <= cost["limit"].as_u64().unwrap(),
            "{cost}"
        );
        assert!(cost["limit"].as_u64().unwrap() >= 50_000, "{cost}");
        assert!(
            cost["requested"].as_u64().unwrap() > 1_000,
            "introspection is priced: {cost}"
        );
    }
    // 29 aliased walks down the schema: each within the alias limit, together far over the
    // cost limit. Nothing runs.
    let response = app.graphql(&aliased_schema_walks(29), json!({})).await;
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "QUERY_TOO_COMPLEX", "{error}");
    assert!(
        error["message"].as_str().unwrap().starts_with("query cost is "),
        "{error}"
    );
    assert!(response["data"].is_null());
    // Introspection nesting counts towards the depth limit.
    let deep = "{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } } } }";
    let response = app.graphql(deep, json!({})).await;
    assert_eq!(
        response["errors"][0]["message"], "query depth is 13, over the limit of 12 by 1",
        "{response}"
    );
}

on_both_databases! {
    async fn series_and_the_feed_are_priced_by_what_they_return_and_excess_is_charged(app: &TestApp) {
        super::series_and_the_feed_are_priced_by_what_they_return_and_excess_is_charged(app).await;
    }
}

async fn series_and_the_feed_are_priced_by_what_they_return_and_excess_is_charged(app: &TestApp) {
    // A cost above the estimate is charged after the answer: the Query type has more
    // fields than a type has on average, and the budget left shows the actual cost.
    let response = app
        .graphql("{ __type(name: \"Query\") { fields { name } } }", json!({}))
        .await;
    let cost = &response["extensions"]["cost"];
    let (requested, actual) = (cost["requested"].as_u64().unwrap(), cost["actual"].as_u64().unwrap());
    assert!(actual > requested, "{cost}");
    assert_eq!(cost["remaining"].as_u64().unwrap(), 100_000 - actual, "{cost}");

    // Ten years of months: 120 cells, priced before anything runs.
    let series = "{ organisationTimeSeries(territory: { level: REGION, code: \"93\" },
            period: { from: \"2015-01-01\", to: \"2024-12-31\" }, granularity: MONTH) { totals { period } } }";
    let response = app.graphql(series, json!({})).await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(
        response["data"]["organisationTimeSeries"]["totals"]
            .as_array()
            .unwrap()
            .len(),
        120
    );
    assert_eq!(response["extensions"]["cost"]["requested"], 1 + (1 + 120), "{response}");
    // With a variable period, and split by a dimension: periods × groups.
    let split = "query($period: PeriodInput!) { organisationTimeSeries(territory: { level: REGION, code: \"93\" },
            period: $period, granularity: YEAR, groupBy: NAF_SECTION) { cells { key } } }";
    let response = app
        .graphql(split, json!({ "period": { "from": "2020-01-01", "to": "2024-06-30" } }))
        .await;
    assert_eq!(
        response["extensions"]["cost"]["requested"],
        1 + (1 + 5 * 21),
        "{response}"
    );

    // The change feed by its page.
    let admin = crate::writes::key(app, ApiRole::Admin, None).await;
    let answer = post(
        app,
        app.addr,
        Some(&admin),
        "{ changes(first: 1000) { events { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        answer.json()["extensions"]["cost"]["requested"],
        1 + (1 + 1000),
        "{}",
        answer.body
    );
    let answer = post(
        app,
        app.addr,
        Some(&admin),
        "{ changes { events { id } hasMore } }",
        json!({}),
    )
    .await;
    assert_eq!(
        answer.json()["extensions"]["cost"]["requested"],
        1 + (1 + 100) + 1,
        "{}",
        answer.body
    );
}

const UPSERT: &str = "mutation Upsert($input: UpsertOrganisationsInput!) { upsertOrganisations(input: $input) {
    committed results { status } } }";

on_both_databases! {
    async fn named_mutations_are_selected_like_graphql_measured_and_rate_limited(app: &TestApp) {
        super::named_mutations_are_selected_like_graphql_measured_and_rate_limited(app).await;
    }
}

async fn named_mutations_are_selected_like_graphql_measured_and_rate_limited(app: &TestApp) {
    let admin = crate::writes::key(app, ApiRole::Admin, None).await;
    // A single named mutation without operationName is still a mutation: not over GET.
    let query: String = form_urlencoded::byte_serialize(
        b"mutation M { deleteOrganisation(input: { id: \"T3JnYW5pc2F0aW9uOjE=\" }) { deletedId } }",
    )
    .collect();
    let bearer = format!("Bearer {admin}");
    let answer = crate::harness::exchange(get(
        app.addr,
        &format!("/graphql?query={query}"),
        &[("authorization", bearer.as_str())],
    ))
    .await;
    assert_eq!(answer.status, 405, "{}", answer.body);

    // A mutation is priced by the records it writes: 10 points per item.
    let items: Vec<Value> = (0..5)
        .map(|i| json!({ "externalId": format!("x{i}"), "name": format!("Atelier {i}") }))
        .collect();
    let input = json!({ "input": { "source": "MANUAL", "items": items } });
    let answer = post(app, app.addr, Some(&admin), UPSERT, input.clone()).await;
    let body = answer.json();
    assert_eq!(body["data"]["upsertOrganisations"]["committed"], true, "{body}");
    // upsertOrganisations 1 + 5 writes × 10, committed 1, results 1 + 5 × status 1.
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requested"], 1 + 50 + 1 + (1 + 5), "{cost}");
    assert!(
        cost["actual"].as_u64().unwrap() >= 50,
        "writes are spent whatever the answer: {cost}"
    );

    // With a small budget, a burst of writes by one key is refused.
    let server = app
        .sibling(|serve| {
            serve.rate_limit_points = 200;
            serve.rate_limit_restore = 1;
        })
        .await;
    let mut refused = 0;
    let mut written = 0;
    for i in 0..6 {
        let items: Vec<Value> = (0..5)
            .map(|j| json!({ "externalId": format!("burst{i}-{j}"), "name": format!("Atelier {i}-{j}") }))
            .collect();
        let answer = post(
            app,
            server,
            Some(&admin),
            UPSERT,
            json!({ "input": { "source": "MANUAL", "items": items } }),
        )
        .await;
        if answer.status == 429 {
            assert_eq!(
                answer.json()["errors"][0]["extensions"]["code"],
                "RATE_LIMITED",
                "{}",
                answer.body
            );
            refused += 1;
        } else {
            assert_eq!(answer.status, 200, "{}", answer.body);
            written += 1;
        }
    }
    assert!(
        refused >= 2,
        "a burst of writes is rate-limited: {written} written, {refused} refused"
    );
    assert!(written <= 4, "{written} written");
}
