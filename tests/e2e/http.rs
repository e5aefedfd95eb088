//! The HTTP surface: GraphiQL, health and readiness.

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
