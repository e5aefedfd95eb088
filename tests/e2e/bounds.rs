//! Input bounds: the hostile inputs measured against the demo (huge filter lists, long names
//! and strings, far dates, absurd numbers, series of thousands of periods) each answer
//! BAD_USER_INPUT naming the field, the size and the cap, before any SQL; values at their cap
//! still work.

use serde_json::{Value, json};

use crate::harness::{TestApp, on_both_databases};

/// The single error of `query`: it must be BAD_USER_INPUT with no data; returns its field and
/// message.
async fn refused(app: &TestApp, query: &str, variables: Value) -> (String, String) {
    let response = app.graphql(query, variables).await;
    let errors = response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("not refused: {response}"));
    assert_eq!(errors.len(), 1, "{response}");
    let error = &errors[0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(response["data"].is_null(), "{response}");
    (
        error["extensions"]["field"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

/// Asserts `message` names each of `parts`.
fn names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{message:?} does not name {part:?}");
    }
}

const BY_NAF: &str = "query($naf: [String!]) { organisations(filter: { naf: $naf }) { totalCount } }";
const BY_CATEGORY: &str = "query($c: [String!]) { organisations(filter: { legalCategories: $c }) { totalCount } }";
const BY_NAME: &str = "query($name: String) { organisations(filter: { name: $name }) { totalCount } }";
const SERIES: &str = r#"query($from: NaiveDate!, $to: NaiveDate!, $g: Granularity!) { procurementTimeSeries(
    scope: { territory: { level: DEPARTEMENT, code: "13" } }, period: { from: $from, to: $to }, granularity: $g
) { cells { contracts } } }"#;

fn repeated(n: usize, item: &str) -> Value {
    Value::Array((0..n).map(|_| Value::from(item)).collect())
}

on_both_databases! {
    async fn oversized_filter_lists_are_refused_naming_field_size_and_cap(app: &TestApp) {
        use super::*;
        for n in [20_000, 1_000, 101] {
            let (field, message) = refused(app, BY_NAF, json!({ "naf": repeated(n, "88.99B") })).await;
            assert_eq!(field, "organisations.filter.naf");
            names(&message, &["organisations.filter.naf", &format!("{n} items"), "at most 100 items"]);
        }
        let (field, message) = refused(app, BY_CATEGORY, json!({ "c": repeated(50_000, "5458") })).await;
        assert_eq!(field, "organisations.filter.legalCategories");
        names(&message, &["50000 items", "at most 100 items"]);
        // The same list as a literal in the document.
        let literal = format!("{{ organisations(filter: {{ naf: {} }}) {{ totalCount }} }}", repeated(1_000, "88"));
        let (field, _) = refused(app, &literal, json!({})).await;
        assert_eq!(field, "organisations.filter.naf");
        // 501 ids.
        let ids: Vec<String> = (0..501).map(|i| format!("id{i}")).collect();
        let (field, message) = refused(app, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
        assert_eq!(field, "nodes.ids");
        names(&message, &["501 items", "at most 500 items"]);
    }

    async fn filter_lists_at_their_cap_still_work(app: &TestApp) {
        use super::*;
        // 100 entries, every section letter among them: 88 divisions once reduced.
        let sections: Vec<String> = (0..100).map(|i| ((b'A' + (i % 21) as u8) as char).to_string()).collect();
        let data = app.query(BY_NAF, json!({ "naf": sections })).await;
        assert_eq!(data["organisations"]["totalCount"], 0);
        let categories: Vec<String> = (0..100).map(|i| format!("{}", 5400 + i)).collect();
        let data = app.query(BY_CATEGORY, json!({ "c": categories })).await;
        assert_eq!(data["organisations"]["totalCount"], 0);
        let ids: Vec<String> = (0..500).map(|i| format!("id{i}")).collect();
        let response = app.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
        for error in response["errors"].as_array().into_iter().flatten() {
            assert_ne!(error["extensions"]["field"], "nodes.ids", "500 ids are within the cap: {error}");
            assert_ne!(error["extensions"]["code"], "INTERNAL", "{error}");
        }
        let data = app.query(BY_NAME, json!({ "name": "un deux trois quatre cinq six sept huit" })).await;
        assert_eq!(data["organisations"]["totalCount"], 0);
    }

    async fn long_names_and_strings_are_refused(app: &TestApp) {
        use super::*;
        let words = vec!["mot"; 5_000].join(" ");
        let (field, message) = refused(app, BY_NAME, json!({ "name": words })).await;
        assert_eq!(field, "organisations.filter.name");
        names(&message, &["5000 words", "at most 8 words"]);
        let (_, message) = refused(app, BY_NAME, json!({ "name": "un deux trois quatre cinq six sept huit neuf" })).await;
        names(&message, &["9 words", "at most 8 words"]);
        let huge = "a".repeat(500_000);
        let (field, message) = refused(
            app,
            "query($p: [String!]) { contracts(filter: { procedures: $p }) { totalCount } }",
            json!({ "p": [huge] }),
        )
        .await;
        assert_eq!(field, "contracts.filter.procedures");
        names(&message, &["500000 characters", "at most 1000 characters"]);
        assert!(message.len() < 200, "the value is not echoed: {}", message.len());
        let (field, message) = refused(app, "query($s: String) { organisation(siren: $s) { name } }", json!({ "s": "9".repeat(500_000) })).await;
        assert_eq!(field, "organisation.siren");
        names(&message, &["500000 characters", "at most 20 characters"]);
    }

    async fn far_dates_and_long_series_are_refused(app: &TestApp) {
        use super::*;
        // The attack: 0001 to 9999 by month (120 000 cells before).
        let (field, message) = refused(app, SERIES, json!({ "from": "0001-01-01", "to": "9999-12-31", "g": "MONTH" })).await;
        assert_eq!(field, "procurementTimeSeries.period.from");
        names(&message, &["0001-01-01", "1900-01-01", "2100-12-31"]);
        let (field, message) = refused(
            app,
            "{ organisations(filter: { labelValidOn: \"+262142-12-31\" }) { totalCount } }",
            json!({}),
        )
        .await;
        assert_eq!(field, "organisations.filter.labelValidOn");
        names(&message, &["+262142-12-31", "1900-01-01", "2100-12-31"]);
        let (field, _) = refused(
            app,
            "{ organisations(filter: { updatedSince: \"+262142-12-31T00:00:00Z\" }) { totalCount } }",
            json!({}),
        )
        .await;
        assert_eq!(field, "organisations.filter.updatedSince");
        // Every series: the period count, computed before any period is built.
        for (series, extra) in [
            ("procurementTimeSeries", r#"scope: { territory: { level: DEPARTEMENT, code: "13" } }"#),
            ("organisationTimeSeries", r#"territory: { level: DEPARTEMENT, code: "13" }"#),
            ("partnershipTimeSeries", r#"territory: { level: DEPARTEMENT, code: "13" }"#),
        ] {
            let query = format!(
                r#"{{ {series}({extra}, period: {{ from: "1900-01-01", to: "2100-12-31" }}, granularity: MONTH) {{ __typename }} }}"#
            );
            let (field, message) = refused(app, &query, json!({})).await;
            assert_eq!(field, "period", "{series}");
            names(&message, &["2412 periods", "at most 600"]);
        }
        // At the caps: 600 months, and the extreme dates by year.
        let data = app.query(SERIES, json!({ "from": "2000-01-01", "to": "2049-12-31", "g": "MONTH" })).await;
        assert_eq!(data["procurementTimeSeries"]["cells"].as_array().unwrap().len(), 600);
        let (_, message) = refused(app, SERIES, json!({ "from": "2000-01-01", "to": "2050-01-01", "g": "MONTH" })).await;
        names(&message, &["601 periods", "at most 600"]);
        let data = app.query(SERIES, json!({ "from": "1900-01-01", "to": "2100-12-31", "g": "YEAR" })).await;
        assert_eq!(data["procurementTimeSeries"]["cells"].as_array().unwrap().len(), 201);
    }

    async fn absurd_numbers_are_refused(app: &TestApp) {
        use super::*;
        let (field, message) = refused(
            app,
            "{ organisations(filter: { near: { latitude: 1e308, longitude: 5, radiusKm: 3 } }) { totalCount } }",
            json!({}),
        )
        .await;
        assert_eq!(field, "near.latitude");
        names(&message, &["-90 and 90"]);
        for first in ["2147483647", "-1"] {
            let (field, message) = refused(app, &format!("{{ organisations(first: {first}) {{ totalCount }} }}"), json!({})).await;
            assert_eq!(field, "first");
            names(&message, &[first, "500"]);
        }
        let (field, message) = refused(
            app,
            r#"{ procurementIndicators(scope: { territory: { level: DEPARTEMENT, code: "13" } },
                period: { from: "2020-01-01", to: "2020-12-31" }, locality: { withinKm: 1e308 }) { __typename } }"#,
            json!({}),
        )
        .await;
        assert_eq!(field, "locality.withinKm");
        names(&message, &["20000"]);
        let (field, message) = refused(
            app,
            "query($a: Decimal) { contracts(filter: { amountMinEur: $a }) { totalCount } }",
            json!({ "a": "-2e15" }),
        )
        .await;
        assert_eq!(field, "contracts.filter.amountMinEur");
        names(&message, &["-2e15", "-1000000000000000 to 1000000000000000"]);
        // Page sizes at the cap still work.
        let data = app.query("{ organisations(first: 500) { totalCount } }", json!({})).await;
        assert_eq!(data["organisations"]["totalCount"], 0);
    }
}
