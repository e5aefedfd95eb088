//! A read replica (`DATABASE_READ_URL`): the test points it at another database than the
//! primary, so each answer shows which database served it.

use entity::enums::ApiRole;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::{
    harness::{Backend, TestApp, on_both_databases},
    transport::get,
};

async fn call(addr: std::net::SocketAddr, key: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = hyper::Request::post(format!("http://{addr}/graphql")).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
    let answer = crate::harness::exchange(
        request
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

on_both_databases! {
    async fn queries_read_the_replica_and_writes_and_the_feed_the_primary(app: &TestApp) {
        super::queries_read_the_replica_and_writes_and_the_feed_the_primary(app).await;
    }
}

async fn queries_read_the_replica_and_writes_and_the_feed_the_primary(app: &TestApp) {
    // The "replica" is a database of its own: one organisation there, none on the primary,
    // and the primary's partnership tables are gone, so only the replica can answer
    // partnership lists and analytics.
    let replica = TestApp::spawn(app.backend()).await.unwrap();
    crate::organisations::write_association(&replica.db).await;
    for table in ["partnership_party", "partnership"] {
        app.db.execute_unprepared(&format!("DROP TABLE {table}")).await.unwrap();
    }
    let admin = crate::writes::key(app, ApiRole::Admin, None).await;
    let server = app.sibling_with_replica(&replica.database_url).await;

    let read = call(
        server,
        None,
        "{ organisations(first: 5) { totalCount } partnerships(first: 5) { totalCount }
            partnershipIndicators(territory: { level: REGION, code: \"93\" }) { cells { partnerships } } }",
        serde_json::json!({}),
    )
    .await;
    assert!(
        read.get("errors").is_none(),
        "the replica answers queries and analytics: {read}"
    );
    assert_eq!(read["data"]["organisations"]["totalCount"], 1, "{read}");
    assert_eq!(read["data"]["partnerships"]["totalCount"], 0);

    // A mutation (admin key, checked on the primary) writes the primary.
    let create = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } userErrors { message } } }";
    let input = serde_json::json!({ "input": { "source": "MANUAL", "organisation": { "name": "Régie de quartier du Panier" } } });
    let created = call(server, Some(&admin), create, input).await;
    assert_eq!(
        created["data"]["createOrganisation"]["userErrors"],
        serde_json::json!([]),
        "{created}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation").await, 1);
    assert_eq!(replica.scalar("SELECT COUNT(*) FROM organisation").await, 1);
    // A single named mutation sent without operationName is a mutation all the same: it runs
    // on the primary.
    let named = "mutation Create($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } userErrors { message } } }";
    let input = serde_json::json!({ "input": { "source": "MANUAL", "organisation": { "name": "Atelier du Panier" } } });
    let second = call(server, Some(&admin), named, input).await;
    assert_eq!(
        second["data"]["createOrganisation"]["userErrors"],
        serde_json::json!([]),
        "{second}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation").await, 2);
    assert_eq!(replica.scalar("SELECT COUNT(*) FROM organisation").await, 1);
    // Queries still read the replica: read-your-writes is not guaranteed on queries.
    let read = call(
        server,
        None,
        "{ organisations(first: 5) { nodes { name } } }",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        read["data"]["organisations"]["nodes"][0]["name"], "Société Coopérative des Jardins",
        "{read}"
    );

    // The ETag of a GET answer and the `syncState` cursor are read where the answer is: the
    // replica has not seen the write, so a tag or a cursor from the primary would be ahead of
    // the data (a stale 304 later; a mirror starting its feed after changes its snapshot
    // lacks).
    replica.db.execute_unprepared("DELETE FROM change_log").await.unwrap();
    let primary_sequence = app.scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log").await;
    let replica_sequence = replica.scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log").await;
    assert!(primary_sequence > replica_sequence, "the primary is ahead");
    let path = "/graphql?query=%7B%20organisations(first%3A%205)%20%7B%20totalCount%20%7D%20%7D";
    let answer = crate::harness::exchange(get(server, path, &[])).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let etag = answer.header("etag").to_owned();
    assert!(
        etag.starts_with(&format!("W/\"{replica_sequence}-")),
        "the tag carries the replica's sequence {replica_sequence}, not the primary's {primary_sequence}: {etag}"
    );
    let state = call(server, None, "{ syncState { cursor } }", serde_json::json!({})).await;
    assert_eq!(
        state["data"]["syncState"]["cursor"],
        replica_sequence.to_string(),
        "the cursor is the replica's: {state}"
    );
    // Once the replica replays the write, the tag changes and the new data is served.
    replica
        .db
        .execute_unprepared(
            "INSERT INTO change_log (entity, row_id, op, version, changed_at) \
             SELECT 'organisation', id, 'upsert', version, updated_at FROM organisation",
        )
        .await
        .unwrap();
    let answer = crate::harness::exchange(get(server, path, &[("if-none-match", &etag)])).await;
    assert_eq!(
        answer.status,
        200,
        "the replica moved on: no 304 ({})",
        answer.header("etag")
    );
    assert_ne!(answer.header("etag"), etag);

    // The change feed and the audit log read the primary: the write is there at once.
    let feed = call(
        server,
        Some(&admin),
        "{ syncState { cursor } changes(first: 10) { endCursor events { id sequence } }
            auditLog(first: 5) { nodes { operation } } }",
        serde_json::json!({}),
    )
    .await;
    assert!(feed.get("errors").is_none(), "{feed}");
    let created_id = created["data"]["createOrganisation"]["organisation"]["id"].clone();
    let events = feed["data"]["changes"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "the primary's feed holds the two writes: {feed}");
    assert_eq!(events[0]["id"], created_id, "{feed}");
    assert_eq!(
        events[1]["sequence"],
        app.scalar("SELECT MAX(seq) FROM change_log").await.to_string()
    );
    assert_eq!(
        feed["data"]["syncState"]["cursor"], feed["data"]["changes"]["endCursor"],
        "{feed}"
    );
    assert_eq!(feed["data"]["auditLog"]["nodes"].as_array().unwrap().len(), 2, "{feed}");

    // Readiness checks both databases.
    assert_eq!(crate::harness::exchange(get(server, "/readyz", &[])).await.status, 200);
    if app.backend() == Backend::Postgres {
        let name = replica.database_url.rsplit('/').next().unwrap().to_owned();
        app.db
            .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
        let answer = crate::harness::exchange(get(server, "/readyz", &[])).await;
        assert_eq!((answer.status, answer.body.as_str()), (503, "read replica unreachable"));
    }
}
