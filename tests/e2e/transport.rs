//! GraphQL over HTTP as clients see it: media types and status codes, GET with ETag and 304,
//! security headers, CORS, /metrics, GraphiQL and introspection switches, and hostile input.

use http_body_util::Full;
use hyper::{Request, body::Bytes};

use crate::harness::on_both_databases;

pub(super) fn post(
    addr: std::net::SocketAddr,
    content_type: &str,
    accept: Option<&str>,
    body: impl Into<Bytes>,
) -> Request<Full<Bytes>> {
    let mut request = Request::post(format!("http://{addr}/graphql")).header("content-type", content_type);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.body(Full::new(body.into())).unwrap()
}

pub(super) fn get(addr: std::net::SocketAddr, path: &str, headers: &[(&str, &str)]) -> Request<Full<Bytes>> {
    let mut request = Request::get(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Full::new(Bytes::new())).unwrap()
}

pub(super) const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

on_both_databases! {
    async fn media_types_and_status_codes_follow_graphql_over_http(app: &TestApp) {
        let query = r#"{"query":"{ organisations(first: 1) { totalCount } }"}"#;
        // application/graphql-response+json when accepted; application/json otherwise.
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", Some(super::GRAPHQL_RESPONSE), query)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.header("content-type").starts_with(super::GRAPHQL_RESPONSE));
        assert_eq!(answer.json()["data"]["organisations"]["totalCount"], 0);
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, query)).await;
        assert!(answer.header("content-type").starts_with("application/json"));

        // A request that does not execute: 400 in the new media type, 200 in the legacy one.
        let invalid = r#"{"query":"{ organisations(first: 1) { noSuchField } }"}"#;
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", Some(super::GRAPHQL_RESPONSE), invalid)).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert!(answer.json().get("data").is_none(), "{}", answer.body);
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", Some("application/json"), invalid)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        // Refused by a limit: did not execute either.
        let greedy = r#"{"query":"{ organisations(first: 500) { nodes { establishments(first: 500) { nodes { siret } } } } }"}"#;
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", Some(super::GRAPHQL_RESPONSE), greedy)).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.json()["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");

        // Wrong content type, malformed JSON, no query, unacceptable Accept.
        let answer = crate::harness::exchange(super::post(app.addr, "text/plain", None, query)).await;
        assert_eq!(answer.status, 415, "{}", answer.body);
        assert!(answer.json()["errors"][0]["message"].as_str().unwrap().contains("text/plain"));
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, "{\"query\": ")).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, r#"{"variables": {}}"#)).await;
        assert_eq!((answer.status, answer.json()["errors"][0]["message"].as_str().unwrap()), (400, "the request has no `query`"));
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", Some("text/html"), query)).await;
        assert_eq!(answer.status, 406, "{}", answer.body);

        // Security headers on every answer; the API's also forbid any content.
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, query)).await;
        assert_eq!(answer.header("x-content-type-options"), "nosniff");
        assert_eq!(answer.header("x-frame-options"), "DENY");
        assert!(answer.header("content-security-policy").contains("default-src 'none'"));
        let page = crate::harness::exchange(super::get(app.addr, "/", &[])).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(page.header("content-security-policy"), "", "GraphiQL loads its scripts");
    }
}

on_both_databases! {
    async fn get_answers_carry_an_etag_that_changes_with_the_data(app: &TestApp) {
        let path = "/graphql?query=%7B%20organisations(first%3A%205)%20%7B%20totalCount%20%7D%20%7D";
        let first = crate::harness::exchange(super::get(app.addr, path, &[])).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.json()["data"]["organisations"]["totalCount"], 0);
        let etag = first.header("etag").to_owned();
        assert!(etag.starts_with("W/\""), "{etag}");
        assert_eq!(first.header("cache-control"), "no-cache");

        let again = crate::harness::exchange(super::get(app.addr, path, &[("if-none-match", &etag)])).await;
        assert_eq!(again.status, 304);
        assert_eq!(again.body, "");
        assert_eq!(again.header("etag"), etag);

        // A write moves the change log: the old tag no longer matches and the new data comes.
        crate::organisations::write_association(&app.db).await;
        let changed = crate::harness::exchange(super::get(app.addr, path, &[("if-none-match", &etag)])).await;
        assert_eq!(changed.status, 200);
        assert_ne!(changed.header("etag"), etag);
        assert_eq!(changed.json()["data"]["organisations"]["totalCount"], 1);

        // POST answers are not tagged; GET refuses mutations; bad GET parameters are 400.
        let posted = crate::harness::exchange(super::post(app.addr, "application/json", None, r#"{"query":"{ __typename }"}"#)).await;
        assert_eq!(posted.header("etag"), "");
        let mutation = crate::harness::exchange(super::get(app.addr, "/graphql?query=mutation%20%7B%20__typename%20%7D", &[])).await;
        assert_eq!(mutation.status, 405, "{}", mutation.body);
        let bad = crate::harness::exchange(super::get(app.addr, "/graphql?query=%7B__typename%7D&variables=%7Bnot-json", &[])).await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(bad.json()["errors"][0]["message"].as_str().unwrap().contains("`variables` is not JSON"));
    }
}

on_both_databases! {
    async fn metrics_count_requests_errors_and_expose_the_change_log(app: &TestApp) {
        crate::organisations::write_association(&app.db).await;
        let ok = r#"{"query":"query Directory { organisations(first: 1) { totalCount } }","operationName":"Directory"}"#;
        crate::harness::exchange(super::post(app.addr, "application/json", None, ok)).await;
        crate::harness::exchange(super::post(app.addr, "application/json", None, ok)).await;
        crate::harness::exchange(super::post(app.addr, "application/json", None, r#"{"query":"{ nope }"}"#)).await;
        let metrics = crate::harness::exchange(super::get(app.addr, "/metrics", &[])).await;
        assert_eq!(metrics.status, 200);
        assert!(metrics.header("content-type").starts_with("text/plain"));
        let body = metrics.body;
        assert!(body.contains("terrasse_graphql_requests_total{operation=\"Directory\",outcome=\"ok\"} 2"), "{body}");
        assert!(body.contains("terrasse_graphql_requests_total{operation=\"anonymous\",outcome=\"error\"} 1"), "{body}");
        assert!(body.contains("terrasse_graphql_request_duration_seconds_count{operation=\"Directory\"} 2"), "{body}");
        assert!(body.contains("terrasse_graphql_errors_total{code=\"BAD_USER_INPUT\"} 1"), "{body}");
        let sequence = app.scalar("SELECT MAX(seq) FROM change_log").await;
        assert!(sequence > 0);
        assert!(body.contains(&format!("terrasse_change_log_sequence {sequence}")), "{body}");
        assert!(body.contains("terrasse_db_pool_connections "), "{body}");
    }
}

on_both_databases! {
    async fn graphiql_introspection_cors_and_timeout_follow_the_configuration(app: &TestApp) {
        // Defaults: GraphiQL and introspection on, no cross-origin access.
        let introspection = r#"{"query":"{ __schema { queryType { name } } }"}"#;
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, introspection)).await;
        assert_eq!(answer.json()["data"]["__schema"]["queryType"]["name"], "Query");
        let preflight = |addr, origin: &str| {
            hyper::Request::builder()
                .method("OPTIONS")
                .uri(format!("http://{addr}/graphql"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .body(http_body_util::Full::new(hyper::body::Bytes::new()))
                .unwrap()
        };
        let answer = crate::harness::exchange(preflight(app.addr, "https://carte.example.org")).await;
        assert_eq!(answer.header("access-control-allow-origin"), "", "no origin is allowed by default");

        let locked = app
            .sibling(|serve| {
                serve.graphiql = false;
                serve.introspection = false;
                serve.cors_origins = vec!["https://carte.example.org".to_owned()];
            })
            .await;
        assert_eq!(crate::harness::exchange(super::get(locked, "/", &[])).await.status, 404);
        let answer = crate::harness::exchange(super::post(locked, "application/json", None, introspection)).await;
        let answer = answer.json();
        assert!(
            answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("__schema")) || answer["data"]["__schema"].is_null(),
            "introspection is off: {answer}"
        );
        let answer = crate::harness::exchange(preflight(locked, "https://carte.example.org")).await;
        assert_eq!(answer.header("access-control-allow-origin"), "https://carte.example.org");
        let answer = crate::harness::exchange(preflight(locked, "https://elsewhere.example.com")).await;
        assert_eq!(answer.header("access-control-allow-origin"), "");

        // A request running past the timeout is abandoned with a clear error.
        let hasty = app.sibling(|serve| serve.request_timeout_secs = 0).await;
        let slow = r#"{"query":"{ organisations(first: 5) { totalCount nodes { name } } }"}"#;
        let answer = crate::harness::exchange(super::post(hasty, "application/json", None, slow)).await;
        let answer = answer.json();
        assert_eq!(answer["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{answer}");
        assert!(answer["errors"][0]["message"].as_str().unwrap().contains("longer than the limit of 0 s"), "{answer}");
    }
}

on_both_databases! {
    async fn hostile_requests_get_a_clear_client_error(app: &TestApp) {
        // Invalid UTF-8, a body over 1 MiB, variables of the wrong type, deep nesting, a huge
        // list of ids, a giant string argument.
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, hyper::body::Bytes::from_static(b"{\"query\":\"\xff\xfe\"}"))).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        let huge = format!(r#"{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}"#, "a".repeat(1_100_000));
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, huge)).await;
        assert_eq!(answer.status, 413);
        let typed = r#"{"query":"query($n: Int) { organisations(first: $n) { totalCount } }","variables":{"n":"ten"}}"#;
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, typed)).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{}", answer.body);
        let deep = format!(r#"{{"query":"{{ organisations {{ nodes {{ {} __typename {} }} }} }}"}}"#, "establishments { nodes { organisation { ".repeat(5), "} } } ".repeat(5));
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, deep)).await;
        assert_eq!(answer.json()["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{}", answer.body);
        let ids: Vec<String> = (0..5_000).map(|i| format!("\\\"T3JnYW5pc2F0aW9uOm{i}\\\"")).collect();
        let many = format!(r#"{{"query":"{{ nodes(ids: [{}]) {{ id }} }}"}}"#, ids.join(","));
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, many)).await;
        assert!(answer.status < 500, "{}", answer.status);
        assert!(answer.json()["errors"][0]["extensions"]["code"].is_string(), "{}", &answer.body[..200.min(answer.body.len())]);
        let giant = format!(r#"{{"query":"{{ organisation(siren: \"{}\") {{ name }} }}"}}"#, "9".repeat(500_000));
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, giant)).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}

on_both_databases! {
    async fn clients_over_their_budget_get_429_with_retry_after(app: &TestApp) {
        crate::organisations::write_association(&app.db).await;
        // A bucket of 60 points restored at 1 per second.
        let tight = app
            .sibling(|serve| {
                serve.rate_limit_points = 60;
                serve.rate_limit_restore = 1;
            })
            .await;
        // requested 1 + 20 × 2 = 41, actual 3: 38 come back after the answer.
        let query = r#"{"query":"{ organisations(first: 20) { nodes { name } } }"}"#;
        let answer = crate::harness::exchange(super::post(tight, "application/json", None, query)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let cost = answer.json()["extensions"]["cost"].clone();
        assert_eq!((cost["requested"].as_u64(), cost["actual"].as_u64()), (Some(41), Some(3)), "{cost}");
        let remaining = cost["remaining"].as_u64().unwrap();
        assert!((57..=60).contains(&remaining), "60 - 41 + 38, plus what time restored: {cost}");
        assert_eq!(cost["restoreRate"], 1);
        assert_eq!(answer.header("ratelimit-limit"), "60");
        assert_eq!(answer.header("ratelimit-remaining"), remaining.to_string());
        assert_eq!(answer.header("ratelimit-policy"), "60;w=60");

        // Requests that spend what they ask for (25 fields, 25 points) empty the bucket; the
        // next one is refused before it runs, with the wait.
        let spend: String = (0..25).map(|i| format!("a{i}: __typename ")).collect();
        let spend = format!(r#"{{"query":"{{ {spend} }}"}}"#);
        for _ in 0..2 {
            let answer = crate::harness::exchange(super::post(tight, "application/json", None, spend.clone())).await;
            assert_eq!(answer.status, 200, "{}", answer.body);
        }
        let answer = crate::harness::exchange(super::post(tight, "application/json", None, spend.clone())).await;
        assert_eq!(answer.status, 429, "{}", answer.body);
        let error = &answer.json()["errors"][0];
        assert_eq!(error["extensions"]["code"], "RATE_LIMITED");
        assert!(error["message"].as_str().unwrap().contains("costs 25 points"), "{error}");
        let retry_after: u64 = answer.header("retry-after").parse().unwrap();
        assert!((10..=25).contains(&retry_after), "25 points missing ~8-15 at 1 per second: {retry_after}");
        assert!(!answer.header("ratelimit-remaining").is_empty());

        // A request costing more than a full bucket can never pass: no Retry-After.
        let greedy = r#"{"query":"{ organisations(first: 40) { nodes { name } } }"}"#;
        let answer = crate::harness::exchange(super::post(tight, "application/json", None, greedy)).await;
        assert_eq!(answer.status, 429, "{}", answer.body);
        assert!(answer.json()["errors"][0]["message"].as_str().unwrap().contains("more than a full budget of 60"));
        assert_eq!(answer.header("retry-after"), "");
        let metrics = crate::harness::exchange(super::get(tight, "/metrics", &[])).await;
        assert!(metrics.body.contains("terrasse_rate_limited_total 2"), "{}", metrics.body);

        // The default server's budget is untouched by the other server's clients.
        let answer = crate::harness::exchange(super::post(app.addr, "application/json", None, greedy)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.header("ratelimit-limit"), "100000");
    }
}
