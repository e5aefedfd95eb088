//! The HTTP surface: GraphiQL, health and readiness, error codes, query limits and costs.

use crate::harness::on_both_databases;

on_both_databases! {
    async fn graphiql_health_and_readiness_answer(app: &TestApp) {
        let (status, body) = app.get("/").await;
        assert_eq!(status, 200);
        assert!(body.contains("graphiql") || body.contains("GraphiQL"), "{body}");
        assert_eq!(app.get("/healthz").await, (200, "ok".to_owned()));
        assert_eq!(app.get("/readyz").await, (200, "ready".to_owned()));
        let (status, _) = app.get("/no-such-page").await;
        assert_eq!(status, 404);
    }
}

on_both_databases! {
    async fn errors_carry_a_stable_code_and_internal_ones_a_request_id(app: &TestApp) {
        use sea_orm::ConnectionTrait;
        let response = app.graphql("{ organisations(first: \"ten\") { totalCount } }", serde_json::json!({})).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{response}");
        let response = app.graphql("{ noSuchField }", serde_json::json!({})).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{response}");

        crate::organisations::write_association(&app.db).await;
        app.db.execute_unprepared("DROP TABLE organisation_label").await.unwrap();
        let response = app
            .graphql("{ organisation(siren: \"552100554\") { name labels { kind } } }", serde_json::json!({}))
            .await;
        let error = &response["errors"][0];
        assert_eq!(error["extensions"]["code"], "INTERNAL", "{response}");
        assert_eq!(error["message"], "internal error");
        assert!(!response.to_string().contains("organisation_label"), "database details never leak: {response}");
        let request_id = error["extensions"]["requestId"].as_str().unwrap();
        assert_eq!(request_id.len(), 36, "a UUID request id: {request_id}");
        assert_eq!(response["data"]["organisation"]["name"], "Société Coopérative des Jardins", "other fields still answer");
    }
}

on_both_databases! {
    async fn queries_over_a_limit_are_refused_and_every_response_reports_its_cost(app: &TestApp) {
        crate::organisations::write_association(&app.db).await;
        let response = app
            .graphql("{ organisations(first: 10) { nodes { name } } }", serde_json::json!({}))
            .await;
        assert_eq!(response["data"]["organisations"]["nodes"].as_array().unwrap().len(), 1, "{response}");
        // requested: 1 + 10 × (nodes + name); actual: organisations, nodes, one name.
        // The caller's budget (100 000 points, 1 000 per second) was charged 21, refunded 18.
        let cost = &response["extensions"]["cost"];
        assert_eq!((&cost["requested"], &cost["actual"], &cost["limit"]), (&serde_json::json!(21), &serde_json::json!(3), &serde_json::json!(50000)), "{cost}");
        assert!((99_997..=100_000).contains(&cost["remaining"].as_u64().unwrap()), "{cost}");
        assert_eq!(cost["restoreRate"], 1000);

        let greedy = "query Greedy($n: Int) { organisations(first: $n) { nodes { establishments(first: $n) { nodes { siret } } } } }";
        let response = app.graphql(greedy, serde_json::json!({ "n": 500 })).await;
        let error = &response["errors"][0];
        assert_eq!(error["extensions"]["code"], "QUERY_TOO_COMPLEX", "{response}");
        assert_eq!(error["message"], "query cost is 501001, over the limit of 50000 by 451001");
        assert!(response["data"].is_null(), "nothing runs: {response}");

        let aliases: String = (0..40).map(|i| format!("a{i}: organisations(first: 1) {{ totalCount }} ")).collect();
        let response = app.graphql(&format!("{{ {aliases} }}"), serde_json::json!({})).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{response}");
        assert_eq!(response["errors"][0]["message"], "query alias count is 40, over the limit of 30 by 10");
    }
}
