//! One operation per request; batches (a JSON array body) only when turned on, of at most 10
//! operations, each limited, costed and rate-limited like a single request; bodies over 1 MiB.

use serde_json::Value;

use crate::{
    harness::{TestApp, on_both_databases},
    transport::post,
};

/// A query that requests and spends 25 cost points (25 fields).
fn spend_25() -> Value {
    let fields: String = (0..25).map(|i| format!("a{i}: __typename ")).collect();
    serde_json::json!({ "query": format!("{{ {fields} }}") })
}

on_both_databases! {
    async fn batches_are_off_by_default_and_limited_to_ten_operations(app: &TestApp) {
        super::batches_are_off_by_default_and_limited_to_ten_operations(app).await;
    }
}

async fn batches_are_off_by_default_and_limited_to_ten_operations(app: &TestApp) {
    crate::organisations::write_association(&app.db).await;
    let list = serde_json::json!({ "query": "query Directory { organisations(first: 5) { totalCount nodes { name } } }", "operationName": "Directory" });
    let two = serde_json::json!([list, list]).to_string();
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, two.clone())).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let error = &answer.json()["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        error["message"].as_str().unwrap().contains("TERRASSE_BATCH_REQUESTS"),
        "{error}"
    );

    let batching = app.sibling(|serve| serve.batch_requests = true).await;
    // Each operation answers in order, with its own cost; one over a limit is refused alone.
    let greedy = serde_json::json!({ "query": "{ organisations(first: 500) { nodes { establishments(first: 500) { nodes { siret } } } } }" });
    let typo = serde_json::json!({ "query": "{ organisations { noSuchField } }" });
    let batch = serde_json::json!([list, greedy, typo, { "query": "{ syncState { cursor } }" }]).to_string();
    let answer = crate::harness::exchange(post(batching, "application/json", None, batch)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answers = answer.json();
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 4);
    assert_eq!(answers[0]["data"]["organisations"]["totalCount"], 1);
    assert_eq!(answers[0]["extensions"]["cost"]["requested"], 16);
    assert_eq!(
        answers[1]["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{}",
        answers[1]
    );
    assert!(answers[1].get("data").is_none(), "nothing ran: {}", answers[1]);
    assert_eq!(answers[2]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(answers[3]["data"]["syncState"]["cursor"].is_string(), "{}", answers[3]);

    let ten = serde_json::json!(vec![list.clone(); 10]).to_string();
    let answer = crate::harness::exchange(post(batching, "application/json", None, ten)).await;
    assert_eq!(
        (answer.status, answer.json().as_array().map(Vec::len)),
        (200, Some(10)),
        "{}",
        answer.body
    );
    let eleven = serde_json::json!(vec![list.clone(); 11]).to_string();
    let answer = crate::harness::exchange(post(batching, "application/json", None, eleven)).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(
        answer.json()["errors"][0]["message"],
        "a batch may hold at most 10 operations; this one holds 11"
    );
    let answer = crate::harness::exchange(post(batching, "application/json", None, "[]")).await;
    assert_eq!(answer.status, 400, "{}", answer.body);

    // A mutation in a batch needs a key like a single one: the whole batch is refused.
    let mutation =
        serde_json::json!({ "query": "mutation { deleteOrganisation(input: { id: \"x\" }) { deletedId } }" });
    let answer = crate::harness::exchange(post(
        batching,
        "application/json",
        None,
        serde_json::json!([list, mutation]).to_string(),
    ))
    .await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.json()["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

on_both_databases! {
    async fn each_operation_of_a_batch_is_charged_to_the_budget(app: &TestApp) {
        super::each_operation_of_a_batch_is_charged_to_the_budget(app).await;
    }
}

async fn each_operation_of_a_batch_is_charged_to_the_budget(app: &TestApp) {
    // A bucket of 60 points restored at 1 per second; each operation costs 25.
    let tight = app
        .sibling(|serve| {
            serve.batch_requests = true;
            serve.rate_limit_points = 60;
            serve.rate_limit_restore = 1;
        })
        .await;
    let batch = serde_json::json!([spend_25(), spend_25()]).to_string();
    let answer = crate::harness::exchange(post(tight, "application/json", None, batch.clone())).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answers = answer.json();
    let first = answers[0]["extensions"]["cost"]["remaining"].as_u64().unwrap();
    let second = answers[1]["extensions"]["cost"]["remaining"].as_u64().unwrap();
    // The batch is charged whole (2 × 25) before it runs; nothing to refund.
    assert!((10..=12).contains(&first), "60 - 50: {answers}");
    assert_eq!(first, second, "{answers}");
    assert_eq!(answer.header("ratelimit-remaining"), second.to_string());
    // The next batch costs 50 with ~10 left: refused whole, before anything runs.
    let answer = crate::harness::exchange(post(tight, "application/json", None, batch)).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert!(
        answer.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("costs 25 points"),
        "{}",
        answer.body
    );
    assert!(!answer.header("retry-after").is_empty());
    // The refused batch's first operation was charged then refunded: a single 5-point
    // request still passes.
    let small: String = (0..5).map(|i| format!("a{i}: __typename ")).collect();
    let small = serde_json::json!({ "query": format!("{{ {small} }}") }).to_string();
    let answer = crate::harness::exchange(post(tight, "application/json", None, small)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let remaining: u64 = answer.header("ratelimit-remaining").parse().unwrap();
    assert!((5..=8).contains(&remaining), "~10 - 5: {remaining}");
}

on_both_databases! {
    async fn bodies_over_one_mebibyte_get_413_with_the_limit(app: &TestApp) {
        super::bodies_over_one_mebibyte_get_413_with_the_limit(app).await;
    }
}

async fn bodies_over_one_mebibyte_get_413_with_the_limit(app: &TestApp) {
    let huge = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(1_048_577)
    );
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, huge)).await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    let error = &answer.json()["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("over the limit of 1048576 bytes"),
        "{error}"
    );
    // Just under the limit is read (and answered).
    let fits = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(1_000_000)
    );
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, fits)).await;
    assert_eq!(answer.status, 200, "{}", &answer.body[..200.min(answer.body.len())]);
    assert_eq!(answer.json()["data"]["__typename"], "Query");
}
