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
