//! Partner writes over HTTP: API keys, the authorization matrix, validation, idempotent
//! replay, optimistic concurrency, bulk upsert results, atomic rollback, the change feed and
//! the audit log.

use entity::enums::ApiRole;
use http_body_util::{BodyExt, Full};
use hyper::{Request, body::Bytes};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    fixtures::siren,
    harness::{TestApp, on_both_databases},
    writes_records::{KINDS, change, record},
};

/// Sends a GraphQL request with an optional bearer key; returns the status and JSON body.
pub async fn call(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
    call_at(app.addr, key, query, variables).await
}

/// Like [`call`], to the server at `addr` (a sibling with other settings).
pub async fn call_at(addr: std::net::SocketAddr, key: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let mut request = Request::post(format!("http://{addr}/graphql")).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    send(request.body(Full::new(Bytes::from(body))).unwrap()).await
}

async fn send(request: Request<Full<Bytes>>) -> (u16, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

/// Like [`call`], but fails on any HTTP or GraphQL error and returns `data`.
pub async fn data(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    let (status, body) = call(app, Some(key), query, variables).await;
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"].clone()
}

/// Creates an API key directly in the store; returns the secret.
pub async fn key(app: &TestApp, role: ApiRole, source: Option<&str>) -> String {
    api::store::keys::create(&app.db, "test key", role, source)
        .await
        .unwrap()
        .secret
}

const CREATE: &str = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) {
    organisation { id name siren version source externalId } replayed clientMutationId
    userErrors { field message code } } }";
const UPDATE: &str = "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) {
    organisation { id name siren version } replayed userErrors { field message code } } }";
const DELETE: &str = "mutation($input: DeleteOrganisationInput!) { deleteOrganisation(input: $input) {
    deletedId version replayed userErrors { field message code } } }";
const UPSERT: &str = "mutation($input: UpsertOrganisationsInput!) { upsertOrganisations(input: $input) {
    committed replayed userErrors { field message code }
    results { index externalId status id version userErrors { field message code } } } }";

/// Creates an organisation as `key`; returns its global id.
async fn create(app: &TestApp, key: &str, input: Value) -> String {
    let data = data(app, key, CREATE, json!({ "input": input })).await;
    let payload = &data["createOrganisation"];
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload["organisation"]["id"].as_str().unwrap().to_owned()
}

fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(sql).await
}

on_both_databases! {
    async fn bad_keys_get_401_and_anonymous_callers_cannot_write(app: &TestApp) {
        super::bad_keys_get_401_and_anonymous_callers_cannot_write(app).await
    }

    async fn every_role_meets_every_mutation_as_the_matrix_says(app: &TestApp) {
        super::every_role_meets_every_mutation_as_the_matrix_says(app).await
    }

    async fn invalid_input_names_field_and_value_and_writes_nothing(app: &TestApp) {
        super::invalid_input_names_field_and_value_and_writes_nothing(app).await
    }

    async fn a_replayed_idempotency_key_returns_the_first_result(app: &TestApp) {
        super::a_replayed_idempotency_key_returns_the_first_result(app).await
    }

    async fn a_stale_expected_version_is_a_conflict(app: &TestApp) {
        super::a_stale_expected_version_is_a_conflict(app).await
    }

    async fn a_bulk_upsert_reports_each_item(app: &TestApp) {
        super::a_bulk_upsert_reports_each_item(app).await
    }

    async fn an_atomic_batch_with_a_bad_item_writes_nothing(app: &TestApp) {
        super::an_atomic_batch_with_a_bad_item_writes_nothing(app).await
    }

    async fn the_change_feed_reports_every_change_in_order(app: &TestApp) {
        super::the_change_feed_reports_every_change_in_order(app).await
    }

    async fn only_admins_read_the_audit_log(app: &TestApp) {
        super::only_admins_read_the_audit_log(app).await
    }

    async fn the_example_sync_script_mirrors_the_database(app: &TestApp) {
        super::the_example_sync_script_mirrors_the_database(app).await
    }

    async fn contracts_are_upserted_with_their_suppliers(app: &TestApp) {
        super::contracts_are_upserted_with_their_suppliers(app).await
    }

    async fn partnerships_are_upserted_with_their_parties(app: &TestApp) {
        super::partnerships_are_upserted_with_their_parties(app).await
    }

    async fn the_authorization_matrix_covers_every_mutation(app: &TestApp) {
        super::the_authorization_matrix_covers_every_mutation(app).await
    }

    async fn labels_are_upserted_for_live_organisations(app: &TestApp) {
        super::labels_are_upserted_for_live_organisations(app).await
    }

    async fn establishments_are_upserted_under_their_organisation(app: &TestApp) {
        super::establishments_are_upserted_under_their_organisation(app).await
    }

    async fn identifiers_are_upserted_once_per_scheme_and_value(app: &TestApp) {
        super::identifiers_are_upserted_once_per_scheme_and_value(app).await
    }
}

pub async fn bad_keys_get_401_and_anonymous_callers_cannot_write(app: &TestApp) {
    let read = "{ syncState { cursor } }";
    let (status, _) = call(app, None, read, json!({})).await;
    assert_eq!(status, 200, "anonymous reads are allowed by default");
    for bad in ["not-a-key", &format!("trs_{}", "0".repeat(64))] {
        let (status, body) = call(app, Some(bad), read, json!({})).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let partner = key(app, ApiRole::Partner, Some("PARTNER:ress")).await;
    let (status, _) = call(app, Some(&partner), read, json!({})).await;
    assert_eq!(status, 200);
    // A revoked key is refused.
    let id = api::store::keys::list(&app.db).await.unwrap()[0].id;
    api::store::keys::revoke(&app.db, id).await.unwrap();
    let (status, body) = call(app, Some(&partner), read, json!({})).await;
    assert_eq!(status, 401);
    assert!(
        body["errors"][0]["message"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    // Anonymous writes are refused before anything runs.
    let input = json!({ "organisation": { "name": "Anonyme" }, "source": "X" });
    let (status, body) = call(app, None, CREATE, json!({ "input": input })).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Mutations over GET are refused, even with a valid key.
    let admin = key(app, ApiRole::Admin, None).await;
    let query = "mutation%20%7B%20deleteOrganisation(input%3A%7Bid%3A%22x%22%7D)%20%7B%20deletedId%20%7D%20%7D";
    let request = Request::get(format!("http://{}/graphql?query={query}", app.addr))
        .header("authorization", format!("Bearer {admin}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let (status, body) = send(request).await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 0);
}

pub async fn every_role_meets_every_mutation_as_the_matrix_says(app: &TestApp) {
    let admin = key(app, ApiRole::Admin, None).await;
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let own = create(
        app,
        &admin,
        json!({ "source": "PARTNER:a", "organisation": { "name": "A1", "externalId": "a1" } }),
    )
    .await;
    let other = create(
        app,
        &admin,
        json!({ "source": "PARTNER:b", "organisation": { "name": "B1", "externalId": "b1" } }),
    )
    .await;
    let before = count(app, "SELECT COUNT(*) FROM change_log").await;

    // Partner: other source forbidden, for every mutation, and nothing is written.
    let forbidden = [
        (
            CREATE,
            json!({ "source": "PARTNER:b", "organisation": { "name": "X" } }),
            "createOrganisation",
        ),
        (
            UPDATE,
            json!({ "id": other, "organisation": { "name": "X" } }),
            "updateOrganisation",
        ),
        (DELETE, json!({ "id": other }), "deleteOrganisation"),
        (
            UPSERT,
            json!({ "source": "PARTNER:b", "items": [{ "name": "X", "externalId": "x" }] }),
            "upsertOrganisations",
        ),
    ];
    for (query, input, field) in &forbidden {
        let data = data(app, &partner, query, json!({ "input": input })).await;
        assert_eq!(codes(&data[field]), ["FORBIDDEN"], "{field}: {data:#}");
    }
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM change_log").await,
        before,
        "forbidden writes wrote"
    );
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM organisation WHERE name = 'X'").await,
        0
    );

    // Anonymous: 401 for every mutation.
    for (query, input, _) in &forbidden {
        let (status, body) = call(app, None, query, json!({ "input": input })).await;
        assert_eq!(status, 401, "{body}");
    }

    // Partner on its own source, then admin on the other: every mutation succeeds.
    for (key, source, id) in [(&partner, "PARTNER:a", &own), (&admin, "PARTNER:b", &other)] {
        let created = data(
            app,
            key,
            CREATE,
            json!({ "input": { "source": source, "organisation": { "name": "New" } } }),
        )
        .await;
        assert_eq!(
            codes(&created["createOrganisation"]),
            Vec::<String>::new(),
            "{created:#}"
        );
        assert_eq!(created["createOrganisation"]["organisation"]["source"], source);
        let updated = data(
            app,
            key,
            UPDATE,
            json!({ "input": { "id": id, "organisation": { "acronym": "ACR" } } }),
        )
        .await;
        assert_eq!(
            updated["updateOrganisation"]["organisation"]["version"], 2,
            "{updated:#}"
        );
        let upserted = data(
            app,
            key,
            UPSERT,
            json!({ "input": { "source": source, "items": [{ "name": "U", "externalId": "u" }] } }),
        )
        .await;
        assert_eq!(
            upserted["upsertOrganisations"]["results"][0]["status"], "CREATED",
            "{upserted:#}"
        );
        let deleted = data(app, key, DELETE, json!({ "input": { "id": id } })).await;
        assert_eq!(deleted["deleteOrganisation"]["version"], 3, "{deleted:#}");
    }
    // A partner key's default source is its own.
    let created = data(
        app,
        &partner,
        CREATE,
        json!({ "input": { "organisation": { "name": "Default" } } }),
    )
    .await;
    assert_eq!(created["createOrganisation"]["organisation"]["source"], "PARTNER:a");
}

pub async fn invalid_input_names_field_and_value_and_writes_nothing(app: &TestApp) {
    let admin = key(app, ApiRole::Admin, Some("PARTNER:a")).await;
    let input = json!({ "organisation": {
        "name": "Régie", "siren": "123456789", "rna": "X123", "nafCode": "00.00Z",
        "publicAuthorityTerritoryId": "COM:99999", "createdOn": "2020-01-01", "ceasedOn": "2019-01-01"
    } });
    let data = data(app, &admin, CREATE, json!({ "input": input })).await;
    let payload = &data["createOrganisation"];
    assert!(payload["organisation"].is_null());
    let errors = payload["userErrors"].as_array().unwrap();
    let by_field = |field: &str| {
        errors
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("no error on {field}: {payload:#}"))
            .clone()
    };
    assert!(by_field("siren")["message"].as_str().unwrap().contains("123456789"));
    assert!(by_field("rna")["message"].as_str().unwrap().contains("X123"));
    assert!(by_field("nafCode")["message"].as_str().unwrap().contains("00.00Z"));
    assert!(by_field("ceasedOn")["message"].as_str().unwrap().contains("2019-01-01"));
    let territory = by_field("publicAuthorityTerritoryId");
    assert!(territory["message"].as_str().unwrap().contains("COM:99999"));
    assert_eq!(territory["code"], "NOT_FOUND");
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 0);
    assert_eq!(count(app, "SELECT COUNT(*) FROM change_log").await, 0);

    // validateOnly: a valid input passes every check and writes nothing.
    let valid = json!({ "validateOnly": true, "organisation": { "name": "Régie", "siren": siren(44_120_001), "publicAuthorityTerritoryId": "COM:13055" } });
    let data = crate::writes::data(app, &admin, CREATE, json!({ "input": valid })).await;
    assert_eq!(data["createOrganisation"]["userErrors"], json!([]));
    assert!(data["createOrganisation"]["organisation"].is_null());
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 0);
    assert_eq!(count(app, "SELECT COUNT(*) FROM audit_log").await, 0);

    // A SIREN held by another organisation is a conflict.
    create(
        app,
        &admin,
        json!({ "organisation": { "name": "First", "siren": siren(44_120_001) } }),
    )
    .await;
    let data = crate::writes::data(
        app,
        &admin,
        CREATE,
        json!({ "input": { "organisation": { "name": "Second", "siren": siren(44_120_001) } } }),
    )
    .await;
    assert_eq!(codes(&data["createOrganisation"]), ["CONFLICT"]);
    assert_eq!(data["createOrganisation"]["userErrors"][0]["field"], "siren");
}

pub async fn a_replayed_idempotency_key_returns_the_first_result(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let input = json!({ "idempotencyKey": "import-42", "clientMutationId": "c1", "organisation": { "name": "Jardins", "externalId": "j1" } });
    let first = data(app, &partner, CREATE, json!({ "input": input })).await;
    let again = data(app, &partner, CREATE, json!({ "input": input })).await;
    assert_eq!(first["createOrganisation"]["replayed"], false);
    assert_eq!(again["createOrganisation"]["replayed"], true);
    assert_eq!(
        first["createOrganisation"]["organisation"]["id"],
        again["createOrganisation"]["organisation"]["id"]
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 1);
    assert_eq!(count(app, "SELECT COUNT(*) FROM change_log").await, 1);
    // Same key, another input: a conflict, nothing written.
    let changed = json!({ "idempotencyKey": "import-42", "organisation": { "name": "Autre", "externalId": "j2" } });
    let conflict = data(app, &partner, CREATE, json!({ "input": changed })).await;
    assert_eq!(codes(&conflict["createOrganisation"]), ["CONFLICT"]);
    assert_eq!(
        conflict["createOrganisation"]["userErrors"][0]["field"],
        "idempotencyKey"
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 1);
    // Keys are per API key: another key may use the same idempotency key.
    let other = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let theirs = data(app, &other, CREATE, json!({ "input": changed })).await;
    assert_eq!(theirs["createOrganisation"]["replayed"], false);
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 2);
    // A replayed bulk upsert returns the same per-item results.
    let bulk = json!({ "idempotencyKey": "bulk-1", "items": [{ "name": "B", "externalId": "b" }] });
    let first = data(app, &partner, UPSERT, json!({ "input": bulk })).await;
    let again = data(app, &partner, UPSERT, json!({ "input": bulk })).await;
    assert_eq!(again["upsertOrganisations"]["replayed"], true);
    assert_eq!(
        first["upsertOrganisations"]["results"],
        again["upsertOrganisations"]["results"]
    );
    assert_eq!(again["upsertOrganisations"]["results"][0]["status"], "CREATED");
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 3);
}

pub async fn a_stale_expected_version_is_a_conflict(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let id = create(app, &partner, json!({ "organisation": { "name": "V1" } })).await;
    let update = |version: i32, name: &str| json!({ "input": { "id": id, "expectedVersion": version, "organisation": { "name": name } } });
    let ok = data(app, &partner, UPDATE, update(1, "V2")).await;
    assert_eq!(ok["updateOrganisation"]["organisation"]["version"], 2);
    let stale = data(app, &partner, UPDATE, update(1, "V2 bis")).await;
    assert_eq!(codes(&stale["updateOrganisation"]), ["CONFLICT"]);
    assert!(
        stale["updateOrganisation"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("version 2")
    );
    let stale_delete = data(
        app,
        &partner,
        DELETE,
        json!({ "input": { "id": id, "expectedVersion": 1 } }),
    )
    .await;
    assert_eq!(codes(&stale_delete["deleteOrganisation"]), ["CONFLICT"]);
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM organisation WHERE name = 'V2' AND version = 2 AND deleted_at IS NULL"
        )
        .await,
        1
    );
    // An update that changes nothing keeps the version and logs nothing.
    let logged = count(app, "SELECT COUNT(*) FROM change_log").await;
    let same = data(app, &partner, UPDATE, update(2, "V2")).await;
    assert_eq!(same["updateOrganisation"]["organisation"]["version"], 2);
    assert_eq!(count(app, "SELECT COUNT(*) FROM change_log").await, logged);
    // Deleted: hidden from reads, and a second delete is NOT_FOUND.
    let deleted = data(
        app,
        &partner,
        DELETE,
        json!({ "input": { "id": id, "expectedVersion": 2 } }),
    )
    .await;
    assert_eq!(deleted["deleteOrganisation"]["version"], 3);
    let read = data(
        app,
        &partner,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert!(read["node"].is_null());
    let again = data(app, &partner, DELETE, json!({ "input": { "id": id } })).await;
    assert_eq!(codes(&again["deleteOrganisation"]), ["NOT_FOUND"]);
}

pub async fn a_bulk_upsert_reports_each_item(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let items = json!([
        { "name": "Un", "externalId": "1", "siren": siren(44_130_001) },
        { "name": "Deux", "externalId": "2" },
        { "name": "Trois", "externalId": "3", "siren": "999" },
        { "name": "Un bis", "externalId": "1" },
        { "name": "Sans clé" },
    ]);
    let data = data(app, &partner, UPSERT, json!({ "input": { "items": items } })).await;
    let payload = &data["upsertOrganisations"];
    assert_eq!(payload["committed"], true);
    let statuses: Vec<&str> = payload["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["CREATED", "CREATED", "REJECTED", "REJECTED", "REJECTED"]);
    assert_eq!(payload["results"][2]["userErrors"][0]["field"], "items.2.siren");
    assert_eq!(payload["results"][3]["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(payload["results"][4]["userErrors"][0]["field"], "items.4.externalId");
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 2);
    let logged = count(app, "SELECT COUNT(*) FROM change_log").await;
    assert_eq!(logged, 2);

    // Same items again: unchanged, no version bump, no change-log entry; one changed item.
    let again = json!([
        { "name": "Un", "externalId": "1", "siren": siren(44_130_001) },
        { "name": "Deux modifié", "externalId": "2" },
    ]);
    let second = crate::writes::data(app, &partner, UPSERT, json!({ "input": { "items": again } })).await;
    let results = &second["upsertOrganisations"]["results"];
    assert_eq!(results[0]["status"], "UNCHANGED");
    assert_eq!(results[0]["version"], 1);
    assert_eq!(results[1]["status"], "UPDATED");
    assert_eq!(results[1]["version"], 2);
    assert_eq!(count(app, "SELECT COUNT(*) FROM change_log").await, logged + 1);
    assert_eq!(count(app, "SELECT COUNT(*) FROM audit_log").await, 3);

    // More than 1 000 items: refused as a whole.
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({ "name": "N", "externalId": i.to_string() }))
        .collect();
    let refused = crate::writes::data(app, &partner, UPSERT, json!({ "input": { "items": many } })).await;
    assert_eq!(refused["upsertOrganisations"]["userErrors"][0]["field"], "items");
    assert_eq!(refused["upsertOrganisations"]["committed"], false);
}

pub async fn an_atomic_batch_with_a_bad_item_writes_nothing(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let items = json!([
        { "name": "Un", "externalId": "1" },
        { "name": "Deux", "externalId": "2", "nafCode": "nope" },
    ]);
    let data = data(
        app,
        &partner,
        UPSERT,
        json!({ "input": { "items": items, "atomic": true } }),
    )
    .await;
    let payload = &data["upsertOrganisations"];
    assert_eq!(payload["committed"], false);
    assert_eq!(payload["results"][0]["status"], "CREATED");
    assert_eq!(payload["results"][1]["status"], "REJECTED");
    assert_eq!(payload["results"][1]["userErrors"][0]["field"], "items.1.nafCode");
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 0);
    assert_eq!(count(app, "SELECT COUNT(*) FROM change_log").await, 0);
    assert_eq!(count(app, "SELECT COUNT(*) FROM audit_log").await, 0);
    // Without the bad item, the atomic batch commits.
    let good = json!([{ "name": "Un", "externalId": "1" }]);
    let data = crate::writes::data(
        app,
        &partner,
        UPSERT,
        json!({ "input": { "items": good, "atomic": true } }),
    )
    .await;
    assert_eq!(data["upsertOrganisations"]["committed"], true);
    assert_eq!(count(app, "SELECT COUNT(*) FROM organisation").await, 1);
}

pub async fn the_change_feed_reports_every_change_in_order(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let start = data(app, &partner, "{ syncState { cursor } }", json!({})).await["syncState"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = create(app, &partner, json!({ "organisation": { "name": "Un" } })).await;
    let two = create(app, &partner, json!({ "organisation": { "name": "Deux" } })).await;
    data(
        app,
        &partner,
        UPDATE,
        json!({ "input": { "id": one, "organisation": { "name": "Un bis" } } }),
    )
    .await;
    data(app, &partner, DELETE, json!({ "input": { "id": two } })).await;
    let feed = "query($after: String, $first: Int) { changes(after: $after, first: $first, entities: [ORGANISATION]) {
        endCursor hasMore events { cursor entity id operation version
          record { ... on Organisation { name version } } tombstone { id version } } } }";
    let mut after = start.clone();
    let mut events = Vec::new();
    loop {
        let page = data(app, &partner, feed, json!({ "after": after, "first": 2 })).await;
        let changes = &page["changes"];
        events.extend(changes["events"].as_array().unwrap().iter().cloned());
        after = changes["endCursor"].as_str().unwrap().to_owned();
        if changes["hasMore"] == false {
            break;
        }
    }
    let summary: Vec<(String, String, i64)> = events
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_owned(),
                e["operation"].as_str().unwrap().to_owned(),
                e["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (one.clone(), "UPSERT".into(), 1),
            (two.clone(), "UPSERT".into(), 1),
            (one.clone(), "UPSERT".into(), 2),
            (two.clone(), "DELETE".into(), 2),
        ]
    );
    assert_eq!(events[2]["record"]["name"], "Un bis");
    assert!(events[1]["record"].is_null(), "deleted since: its DELETE event follows");
    assert_eq!(events[3]["tombstone"]["id"], two.as_str());
    assert_eq!(events[3]["entity"], "ORGANISATION");
    // The end cursor is now the sync state, and nothing follows it.
    let state = data(app, &partner, "{ syncState { cursor } }", json!({})).await;
    assert_eq!(state["syncState"]["cursor"], after.as_str());
    let empty = data(app, &partner, feed, json!({ "after": after })).await;
    assert_eq!(empty["changes"]["events"], json!([]));
    // Entity filters and bad arguments.
    let none = data(
        app,
        &partner,
        "query($after: String) { changes(after: $after, entities: [CONTRACT]) { events { id } } }",
        json!({ "after": start }),
    )
    .await;
    assert_eq!(none["changes"]["events"], json!([]));
    let (_, bad) = call(
        app,
        Some(&partner),
        "{ changes(after: \"x\") { endCursor } }",
        json!({}),
    )
    .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

pub async fn only_admins_read_the_audit_log(app: &TestApp) {
    let admin = key(app, ApiRole::Admin, Some("PARTNER:a")).await;
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let id = create(
        app,
        &partner,
        json!({ "organisation": { "name": "Un", "siren": siren(44_140_001) } }),
    )
    .await;
    data(
        app,
        &partner,
        UPDATE,
        json!({ "input": { "id": id, "organisation": { "acronym": "U" } } }),
    )
    .await;
    let query = "query($id: ID) { auditLog(recordId: $id) { hasNextPage nodes { apiKeyId operation entity recordId changedFields } } }";
    for (key, code) in [(Some(partner.as_str()), "FORBIDDEN"), (None, "UNAUTHENTICATED")] {
        let (_, body) = call(app, key, query, json!({ "id": id })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    }
    let log = data(app, &admin, query, json!({ "id": id })).await;
    let nodes = log["auditLog"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0]["operation"], "update");
    assert_eq!(nodes[0]["changedFields"], json!(["acronym"]));
    assert_eq!(nodes[1]["operation"], "create");
    assert!(nodes[1]["changedFields"].as_array().unwrap().contains(&json!("siren")));
    assert_eq!(nodes[0]["recordId"], id.as_str());
    let partner_key_id = api::store::keys::list(&app.db).await.unwrap()[1].id.to_string();
    assert_eq!(nodes[0]["apiKeyId"], partner_key_id.as_str());
}

/// Eight writers commit concurrently on PostgreSQL while a reader follows the feed; the
/// reader's mirror ends equal to the database, every change-log entry seen exactly once, in
/// order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_writers_and_a_feed_reader_agree_on_postgres() {
    use std::{
        collections::{BTreeMap, HashSet},
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        },
    };
    let Some(app) = TestApp::spawn(crate::harness::Backend::Postgres).await else {
        return;
    };
    let app = Arc::new(app);
    let admin = key(&app, ApiRole::Admin, Some("PARTNER:a")).await;
    let done = Arc::new(AtomicBool::new(false));

    let reader = {
        let (app, admin, done) = (app.clone(), admin.clone(), done.clone());
        tokio::spawn(async move {
            let feed = "query($after: String) { changes(after: $after, first: 37, entities: [ORGANISATION]) {
                endCursor hasMore events { cursor id operation version } } }";
            let mut mirror: BTreeMap<String, i64> = BTreeMap::new();
            let mut seen: Vec<i64> = Vec::new();
            let mut after = "0".to_owned();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = data(&app, &admin, feed, json!({ "after": after })).await;
                let changes = &page["changes"];
                for event in changes["events"].as_array().unwrap() {
                    seen.push(event["cursor"].as_str().unwrap().parse().unwrap());
                    let id = event["id"].as_str().unwrap().to_owned();
                    let version = event["version"].as_i64().unwrap();
                    if let Some(previous) = mirror.get(&id) {
                        assert!(version > *previous, "{id}: version {version} after {previous}");
                    }
                    match event["operation"].as_str().unwrap() {
                        "DELETE" => mirror.insert(id, -version),
                        _ => mirror.insert(id, version),
                    };
                }
                after = changes["endCursor"].as_str().unwrap().to_owned();
                if finished && changes["hasMore"] == false {
                    break;
                }
            }
            (mirror, seen)
        })
    };

    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (app, admin) = (app.clone(), admin.clone());
            tokio::spawn(async move {
                for round in 0..6 {
                    let id = create(
                        &app,
                        &admin,
                        json!({ "organisation": { "name": format!("W{writer} R{round}") } }),
                    )
                    .await;
                    let items: Vec<Value> = (0..5)
                        .map(|i| json!({ "name": format!("W{writer} R{round} I{i}"), "externalId": format!("{writer}-{i}") }))
                        .collect();
                    data(&app, &admin, UPSERT, json!({ "input": { "items": items } })).await;
                    data(
                        &app,
                        &admin,
                        UPDATE,
                        json!({ "input": { "id": id, "organisation": { "acronym": format!("A{round}") } } }),
                    )
                    .await;
                    if round % 2 == 0 {
                        data(&app, &admin, DELETE, json!({ "input": { "id": id } })).await;
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let (mirror, seen) = reader.await.unwrap();

    // Every entry of the change log seen once, in sequence order.
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT seq FROM change_log WHERE entity = 'organisation' ORDER BY seq",
        ))
        .await
        .unwrap();
    let logged: Vec<i64> = rows.iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
    assert_eq!(seen, logged, "the reader missed, repeated or reordered events");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    // 8 writers x 6 rounds: 48 created, 24 deleted; 40 upserted (5 per writer).
    let live: BTreeMap<String, i64> = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT id::text, version, deleted_at IS NOT NULL FROM organisation",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let id: String = r.try_get_by_index(0).unwrap();
            let version: i32 = r.try_get_by_index(1).unwrap();
            let deleted: bool = r.try_get_by_index(2).unwrap();
            let global = api::graphql::node::global_id("Organisation", id).0;
            (
                global,
                if deleted {
                    -i64::from(version)
                } else {
                    i64::from(version)
                },
            )
        })
        .collect();
    assert_eq!(live.len(), 48 + 40);
    assert_eq!(live.values().filter(|v| **v < 0).count(), 24);
    assert_eq!(mirror, live, "the mirror differs from the database");
}

async fn the_example_sync_script_mirrors_the_database(app: &TestApp) {
    use std::{collections::BTreeMap, sync::Arc};
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let items: Vec<Value> = (0..20)
        .map(|i| json!({ "name": format!("Initial {i}"), "externalId": format!("i{i}") }))
        .collect();
    let first = data(app, &partner, UPSERT, json!({ "input": { "items": items } })).await;
    let ids: Vec<String> = first["upsertOrganisations"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let state = std::env::temp_dir().join(format!("terrasse_mirror_{}", uuid::Uuid::now_v7().simple()));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sync/mirror.py");
    let run_script = {
        let (url, key, state) = (format!("http://{}/graphql", app.addr), partner.clone(), state.clone());
        move || {
            let output = std::process::Command::new("python3")
                .arg(&script)
                .args(["--url", &url, "--key", &key, "--state"])
                .arg(&state)
                .output()
                .expect("python3 runs");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8_lossy(&output.stdout).into_owned()
        }
    };
    // Writes of every kind happen while the script takes its snapshot and follows the feed.
    let ids = Arc::new(ids);
    let sirets = sirets(app).await;
    let holder = crate::writes_records::organisation(app, &partner, "Holder").await;
    let pair = (sirets[0].as_str(), sirets[1].as_str());
    let writes = async {
        // Three steps (create two, update one, delete one) for each other kind.
        for round in 0..3 * KINDS.len() {
            let id = &ids[round];
            match round % 3 {
                _ if round >= 12 => {}
                0 => {
                    data(app, &partner, DELETE, json!({ "input": { "id": id } })).await;
                }
                1 => {
                    data(
                        app,
                        &partner,
                        UPDATE,
                        json!({ "input": { "id": id, "organisation": { "name": format!("Renamed {round}") } } }),
                    )
                    .await;
                }
                _ => {
                    create(
                        app,
                        &partner,
                        json!({ "organisation": { "name": format!("New {round}") } }),
                    )
                    .await;
                }
            }
            // Each other kind: two created, the first updated, the second deleted.
            let (index, step) = (round % KINDS.len(), round / KINDS.len());
            let kind = &KINDS[index];
            if step == 0 {
                for n in 0..2 {
                    let fields = record(index, &format!("m{index}-{n}"), &holder, pair);
                    let created = data(
                        app,
                        &partner,
                        &kind.create_query(),
                        json!({ "input": { kind.record: fields } }),
                    )
                    .await;
                    assert_eq!(created[kind.create]["userErrors"], json!([]), "{created:#}");
                }
            } else {
                let listed = app
                    .db
                    .query_all_raw(sea_orm::Statement::from_string(
                        app.db.get_database_backend(),
                        format!(
                            "SELECT id FROM {} WHERE external_id IN ('m{index}-0', 'm{index}-1') ORDER BY external_id",
                            kind.table
                        ),
                    ))
                    .await
                    .unwrap();
                let ids: Vec<String> = listed
                    .iter()
                    .map(|r| {
                        api::graphql::node::global_id(kind.type_name, r.try_get_by_index::<uuid::Uuid>(0).unwrap()).0
                    })
                    .collect();
                if step == 1 {
                    let updated = data(
                        app,
                        &partner,
                        &kind.update_query(),
                        json!({ "input": { "id": ids[0], kind.record: change(index, round) } }),
                    )
                    .await;
                    assert_eq!(updated[kind.update]["userErrors"], json!([]), "{updated:#}");
                } else {
                    let query = format!(
                        "mutation($input: DeleteInput!) {{ delete{}(input: $input) {{ userErrors {{ message }} }} }}",
                        kind.type_name
                    );
                    let deleted = data(app, &partner, &query, json!({ "input": { "id": ids[1] } })).await;
                    assert_eq!(
                        deleted[format!("delete{}", kind.type_name)]["userErrors"],
                        json!([]),
                        "{deleted:#}"
                    );
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
    };
    let (first_run, ()) = tokio::join!(tokio::task::spawn_blocking(run_script.clone()), writes);
    assert!(first_run.unwrap().starts_with("snapshot:"));
    // A second run resumes from the saved cursor.
    let second_run = tokio::task::spawn_blocking(run_script).await.unwrap();
    assert!(second_run.starts_with("applied"), "{second_run}");

    let mirror: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_str(&std::fs::read_to_string(state.join("mirror.json")).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&state);
    let query = |sql: String| {
        let db = &app.db;
        async move {
            db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
        }
    };
    // Organisations: version and name.
    let mirrored: BTreeMap<String, (i64, String)> = mirror["ORGANISATION"]
        .iter()
        .map(|(id, record)| {
            (
                id.clone(),
                (
                    record["version"].as_i64().unwrap(),
                    record["name"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let rows = query("SELECT id, version, name FROM organisation WHERE deleted_at IS NULL".into()).await;
    let stored: BTreeMap<String, (i64, String)> = rows
        .iter()
        .map(|r| {
            let id: uuid::Uuid = r.try_get_by_index(0).unwrap();
            let version: i32 = r.try_get_by_index(1).unwrap();
            let name: String = r.try_get_by_index(2).unwrap();
            (
                api::graphql::node::global_id("Organisation", id).0,
                (i64::from(version), name),
            )
        })
        .collect();
    assert!(stored.len() > 20 - 4 + 4, "{}", stored.len());
    assert_eq!(
        mirrored, stored,
        "the mirror of organisations differs from the database"
    );
    // Every other kind: id and version of each live record.
    for (entity, kind) in [
        "ESTABLISHMENT",
        "IDENTIFIER",
        "LABEL",
        "PARTNERSHIP",
        "CONTRACT",
        "SUPPLY_LINK",
    ]
    .into_iter()
    .zip(&KINDS)
    {
        let mirrored: BTreeMap<String, i64> = mirror[entity]
            .iter()
            .map(|(id, record)| (id.clone(), record["version"].as_i64().unwrap()))
            .collect();
        let rows = query(format!(
            "SELECT id, version FROM {} WHERE deleted_at IS NULL",
            kind.table
        ))
        .await;
        let stored: BTreeMap<String, i64> = rows
            .iter()
            .map(|r| {
                let id: uuid::Uuid = r.try_get_by_index(0).unwrap();
                let version: i32 = r.try_get_by_index(1).unwrap();
                (api::graphql::node::global_id(kind.type_name, id).0, i64::from(version))
            })
            .collect();
        assert_eq!(mirrored, stored, "the mirror of {entity} differs from the database");
        let written = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM {} WHERE external_id LIKE 'm%' AND (version > 1 OR deleted_at IS NOT NULL)",
                kind.table
            ))
            .await;
        assert_eq!(
            written, 2,
            "{entity}: one record updated and one deleted while mirroring"
        );
    }
}

const UPSERT_CONTRACTS: &str = "mutation($input: UpsertContractsInput!) { upsertContracts(input: $input) {
    committed replayed userErrors { field message code }
    results { index externalId status id version userErrors { field message code } } } }";

pub async fn sirets(app: &TestApp) -> Vec<String> {
    crate::contracts::write_organisations(&app.db).await;
    app.db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT siret FROM establishment WHERE siret IS NOT NULL ORDER BY siret",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

pub async fn contracts_are_upserted_with_their_suppliers(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let sirets = sirets(app).await;
    let (buyer, supplier, other) = (&sirets[0], &sirets[1], &sirets[2]);
    let item = |id: &str, internal: &str, amount: &str, suppliers: Vec<&String>| {
        json!({ "externalId": id, "buyerSiret": buyer, "buyerInternalId": internal, "object": "Entretien des espaces verts",
                "cpvCode": "77310000-6", "notifiedOn": "2025-03-01", "durationMonths": 24, "amount": amount,
                "socialClause": true, "supplierSirets": suppliers })
    };
    let unknown = crate::fixtures::siret(&siren(55_550_001), 1);
    let items = json!([
        item("c1", "2025-001", "120000.50", vec![supplier]),
        item("c2", "2025-002", "-5", vec![supplier]),
        item("c3", "2025-003", "1000", vec![&unknown]),
        { "externalId": "c4", "buyerSiret": "12345678901234", "buyerInternalId": "x" },
        item("c5", "2025-001", "1", vec![]),
    ]);
    let data = data(app, &partner, UPSERT_CONTRACTS, json!({ "input": { "items": items } })).await;
    let results = &data["upsertContracts"]["results"];
    let statuses: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["CREATED", "REJECTED", "REJECTED", "REJECTED", "REJECTED"],
        "{data:#}"
    );
    let error = |i: usize| results[i]["userErrors"][0].clone();
    assert_eq!(error(1)["field"], "items.1.amount");
    assert!(error(1)["message"].as_str().unwrap().contains("-5"));
    assert_eq!(error(2)["field"], "items.2.suppliers.0");
    assert_eq!(error(2)["code"], "NOT_FOUND");
    assert!(error(2)["message"].as_str().unwrap().contains(&unknown));
    assert_eq!(error(3)["field"], "items.3.buyerSiret");
    assert_eq!(error(4)["code"], "CONFLICT", "same buyer and internal id as item 0");
    assert_eq!(count(app, "SELECT COUNT(*) FROM contract").await, 1);
    assert_eq!(count(app, "SELECT COUNT(*) FROM contract_supplier").await, 1);
    assert_eq!(count(app, "SELECT amount_cents FROM contract").await, 12_000_050);
    let read = crate::writes::data(
        app,
        &partner,
        "query($id: ID!) { node(id: $id) { ... on Contract { version suppliers { idValue } } } }",
        json!({ "id": results[0]["id"] }),
    )
    .await;
    assert_eq!(read["node"]["version"], 1, "{read:#}");
    assert_eq!(read["node"]["suppliers"][0]["idValue"], supplier.as_str());

    // Identical: UNCHANGED; new supplier: UPDATED with suppliers replaced.
    let logged = count(app, "SELECT COUNT(*) FROM change_log WHERE entity = 'contract'").await;
    let again = json!([item("c1", "2025-001", "120000.50", vec![supplier])]);
    let second = crate::writes::data(app, &partner, UPSERT_CONTRACTS, json!({ "input": { "items": again } })).await;
    assert_eq!(second["upsertContracts"]["results"][0]["status"], "UNCHANGED");
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM change_log WHERE entity = 'contract'").await,
        logged
    );
    let changed = json!([item("c1", "2025-001", "120000.50", vec![other, supplier])]);
    let third = crate::writes::data(
        app,
        &partner,
        UPSERT_CONTRACTS,
        json!({ "input": { "items": changed } }),
    )
    .await;
    assert_eq!(third["upsertContracts"]["results"][0]["status"], "UPDATED");
    assert_eq!(third["upsertContracts"]["results"][0]["version"], 2);
    assert_eq!(count(app, "SELECT COUNT(*) FROM contract_supplier").await, 2);
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM change_log WHERE entity = 'contract'").await,
        logged + 1
    );

    // Atomic: one bad item, nothing written.
    let atomic = json!([
        item("c6", "2025-006", "10", vec![]),
        item("c7", "2025-007", "-1", vec![])
    ]);
    let fourth = crate::writes::data(
        app,
        &partner,
        UPSERT_CONTRACTS,
        json!({ "input": { "items": atomic, "atomic": true } }),
    )
    .await;
    assert_eq!(fourth["upsertContracts"]["committed"], false);
    assert_eq!(count(app, "SELECT COUNT(*) FROM contract").await, 1);
    // Another partner cannot write this source.
    let stranger = key(app, ApiRole::Partner, Some("PARTNER:b")).await;
    let forbidden = crate::writes::data(
        app,
        &stranger,
        UPSERT_CONTRACTS,
        json!({ "input": { "source": "PARTNER:a", "items": again } }),
    )
    .await;
    assert_eq!(codes(&forbidden["upsertContracts"]), ["FORBIDDEN"]);
    // Anonymous: 401.
    let (status, _) = call(app, None, UPSERT_CONTRACTS, json!({ "input": { "items": again } })).await;
    assert_eq!(status, 401);

    // Deletion: a stale version conflicts, another source is forbidden, then the contract is
    // hidden and the feed reports a DELETE.
    let contract = results[0]["id"].as_str().unwrap();
    let delete = "mutation($input: DeleteInput!) { deleteContract(input: $input) { deletedId version userErrors { field code } } }";
    let stale = crate::writes::data(
        app,
        &partner,
        delete,
        json!({ "input": { "id": contract, "expectedVersion": 1 } }),
    )
    .await;
    assert_eq!(codes(&stale["deleteContract"]), ["CONFLICT"]);
    let forbidden = crate::writes::data(app, &stranger, delete, json!({ "input": { "id": contract } })).await;
    assert_eq!(codes(&forbidden["deleteContract"]), ["FORBIDDEN"]);
    let deleted = crate::writes::data(
        app,
        &partner,
        delete,
        json!({ "input": { "id": contract, "expectedVersion": 2 } }),
    )
    .await;
    assert_eq!(deleted["deleteContract"]["version"], 3, "{deleted:#}");
    let read = crate::writes::data(
        app,
        &partner,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": contract }),
    )
    .await;
    assert!(read["node"].is_null());
    let feed = crate::writes::data(
        app,
        &partner,
        "{ changes(entities: [CONTRACT]) { events { id operation version } } }",
        json!({}),
    )
    .await;
    let events = feed["changes"]["events"].as_array().unwrap();
    assert_eq!(
        events.last().unwrap(),
        &json!({ "id": contract, "operation": "DELETE", "version": 3 })
    );
    // Establishments of another source: forbidden to a partner, allowed to an admin.
    let establishment = crate::writes::data(
        app,
        &partner,
        "query($siret: String!) { establishment(siret: $siret) { id } }",
        json!({ "siret": other }),
    )
    .await;
    let establishment = establishment["establishment"]["id"].as_str().unwrap().to_owned();
    let delete =
        "mutation($input: DeleteInput!) { deleteEstablishment(input: $input) { deletedId userErrors { field code } } }";
    let forbidden = crate::writes::data(app, &partner, delete, json!({ "input": { "id": establishment } })).await;
    assert_eq!(codes(&forbidden["deleteEstablishment"]), ["FORBIDDEN"]);
    let admin = key(app, ApiRole::Admin, None).await;
    let deleted = crate::writes::data(app, &admin, delete, json!({ "input": { "id": establishment } })).await;
    assert_eq!(deleted["deleteEstablishment"]["deletedId"], establishment.as_str());
    let wrong_type = crate::writes::data(app, &admin, delete, json!({ "input": { "id": contract } })).await;
    assert_eq!(codes(&wrong_type["deleteEstablishment"]), ["BAD_USER_INPUT"]);
}

const UPSERT_PARTNERSHIPS: &str = "mutation($input: UpsertPartnershipsInput!) { upsertPartnerships(input: $input) {
    committed userErrors { field message code }
    results { index externalId status id version userErrors { field message code } } } }";

pub async fn partnerships_are_upserted_with_their_parties(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let lead = create(app, &partner, json!({ "organisation": { "name": "Régie" } })).await;
    let member = create(app, &partner, json!({ "organisation": { "name": "SCOP" } })).await;
    let gone = create(app, &partner, json!({ "organisation": { "name": "Dissoute" } })).await;
    data(app, &partner, DELETE, json!({ "input": { "id": gone } })).await;
    let item = |id: &str, parties: Value, end: &str| {
        json!({ "externalId": id, "partnershipType": "PTCE", "name": format!("Pôle {id}"), "startDate": "2024-01-01",
                "endDate": end, "territoryId": "EPCI:200054807", "amount": "25000", "parties": parties })
    };
    let both = json!([{ "organisationId": lead, "role": "LEAD" }, { "organisationId": member, "role": "MEMBER" }]);
    let items = json!([
        item("p1", both.clone(), "2026-12-31"),
        item("p2", json!([{ "organisationId": gone, "role": "MEMBER" }]), "2026-12-31"),
        item("p3", json!([]), "2023-01-01"),
        { "externalId": "p4", "partnershipType": "PTCE", "name": "Ailleurs", "territoryId": "COM:00000" },
    ]);
    let first = data(
        app,
        &partner,
        UPSERT_PARTNERSHIPS,
        json!({ "input": { "items": items } }),
    )
    .await;
    let results = &first["upsertPartnerships"]["results"];
    let statuses: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["CREATED", "REJECTED", "REJECTED", "REJECTED"], "{first:#}");
    assert_eq!(results[1]["userErrors"][0]["field"], "items.1.parties.0.organisationId");
    assert_eq!(results[1]["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(results[2]["userErrors"][0]["field"], "items.2.endDate");
    assert!(
        results[2]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2023-01-01")
    );
    assert_eq!(results[3]["userErrors"][0]["field"], "items.3.territoryId");
    assert_eq!(count(app, "SELECT COUNT(*) FROM partnership_party").await, 2);
    let read = crate::writes::data(
        app,
        &partner,
        "query($id: ID!) { node(id: $id) { ... on Partnership { name parties { role organisation { name } } } } }",
        json!({ "id": results[0]["id"] }),
    )
    .await;
    assert_eq!(read["node"]["parties"].as_array().unwrap().len(), 2, "{read:#}");

    let same = crate::writes::data(
        app,
        &partner,
        UPSERT_PARTNERSHIPS,
        json!({ "input": { "items": [item("p1", both.clone(), "2026-12-31")] } }),
    )
    .await;
    assert_eq!(same["upsertPartnerships"]["results"][0]["status"], "UNCHANGED");
    let fewer = json!([{ "organisationId": lead, "role": "LEAD" }]);
    let changed = crate::writes::data(
        app,
        &partner,
        UPSERT_PARTNERSHIPS,
        json!({ "input": { "items": [item("p1", fewer, "2026-12-31")] } }),
    )
    .await;
    assert_eq!(changed["upsertPartnerships"]["results"][0]["status"], "UPDATED");
    assert_eq!(count(app, "SELECT COUNT(*) FROM partnership_party").await, 1);
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM change_log WHERE entity = 'partnership'").await,
        2
    );
    // A malformed party id rejects the call, nothing written.
    let bad = json!([item(
        "p9",
        json!([{ "organisationId": "nope", "role": "MEMBER" }]),
        "2026-12-31"
    )]);
    let refused = crate::writes::data(app, &partner, UPSERT_PARTNERSHIPS, json!({ "input": { "items": bad } })).await;
    assert_eq!(
        refused["upsertPartnerships"]["userErrors"][0]["field"],
        "items.0.parties.0.organisationId"
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM partnership").await, 1);
    // Amounts that are not whole cents are refused by name (the input bounds keep amounts
    // within what is stored).
    for (amount, reason) in [
        ("12.345", "amount 12.345 must have at most 2 decimal places"),
        ("-0.001", "amount -0.001 must have at most 2 decimal places"),
    ] {
        let mut refused_item = item("p8", json!([]), "2026-12-31");
        refused_item["amount"] = json!(amount);
        let answer = crate::writes::data(
            app,
            &partner,
            UPSERT_PARTNERSHIPS,
            json!({ "input": { "items": [refused_item] } }),
        )
        .await;
        let payload = &answer["upsertPartnerships"];
        assert_eq!(payload["committed"], false, "{answer:#}");
        assert_eq!(payload["userErrors"][0]["field"], "items.0.amount", "{answer:#}");
        assert_eq!(payload["userErrors"][0]["message"], reason, "{answer:#}");
        assert_eq!(payload["userErrors"][0]["code"], "BAD_USER_INPUT", "{answer:#}");
    }
    assert_eq!(count(app, "SELECT COUNT(*) FROM partnership").await, 1);
}

/// Every mutation against every role: anonymous callers get HTTP 401, a partner writing
/// another source gets FORBIDDEN (and nothing is written), a partner on its own source and an
/// admin on any source succeed.
pub async fn the_authorization_matrix_covers_every_mutation(app: &TestApp) {
    let admin = key(app, ApiRole::Admin, None).await;
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let sirets = sirets(app).await;
    let (buyer, supplier) = (&sirets[0], &sirets[1]);
    let first_id = |data: &Value, list: &str| data[list]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let reads = crate::writes::data(
        app,
        &admin,
        "{ labels(first: 2) { nodes { id } } establishments(first: 2) { nodes { id } } }",
        json!({}),
    )
    .await;
    let (label, establishment) = (first_id(&reads, "labels"), first_id(&reads, "establishments"));
    let contract = |source: &str, id: &str| json!({ "source": source, "items": [{ "externalId": id, "buyerSiret": buyer, "buyerInternalId": id, "supplierSirets": [supplier] }] });
    let partnership = |source: &str, id: &str| json!({ "source": source, "items": [{ "externalId": id, "partnershipType": "NETWORK_MEMBERSHIP", "name": id }] });
    // Records of source PARTNER:b, written by the admin, for the partner to be refused.
    let upserted = |data: Value, field: &str| data[field]["results"][0]["id"].as_str().unwrap().to_owned();
    let other_org = create(
        app,
        &admin,
        json!({ "source": "PARTNER:b", "organisation": { "name": "B" } }),
    )
    .await;
    let other_contract = upserted(
        crate::writes::data(
            app,
            &admin,
            UPSERT_CONTRACTS,
            json!({ "input": contract("PARTNER:b", "b1") }),
        )
        .await,
        "upsertContracts",
    );
    let other_partnership = upserted(
        crate::writes::data(
            app,
            &admin,
            UPSERT_PARTNERSHIPS,
            json!({ "input": partnership("PARTNER:b", "b1") }),
        )
        .await,
        "upsertPartnerships",
    );
    let delete = |field: &str| {
        format!(
            "mutation($input: DeleteInput!) {{ {field}(input: $input) {{ deletedId userErrors {{ field code }} }} }}"
        )
    };
    // One record of each kind written one at a time, of source PARTNER:b.
    let pair = (buyer.as_str(), supplier.as_str());
    let mut others = Vec::new();
    for (index, kind) in KINDS.iter().enumerate() {
        let fields = record(index, &format!("b-{index}"), &other_org, pair);
        let created = crate::writes::data(
            app,
            &admin,
            &kind.create_query(),
            json!({ "input": { "source": "PARTNER:b", kind.record: fields } }),
        )
        .await;
        let id = &created[kind.create][kind.record]["id"];
        others.push(id.as_str().unwrap_or_else(|| panic!("{created:#}")).to_owned());
    }
    let mut forbidden: Vec<(String, Value, &str)> = Vec::new();
    for (index, kind) in KINDS.iter().enumerate() {
        let fields = record(index, &format!("x-{index}"), &other_org, pair);
        forbidden.push((
            kind.create_query(),
            json!({ "source": "PARTNER:b", kind.record: fields }),
            kind.create,
        ));
        forbidden.push((
            kind.update_query(),
            json!({ "id": others[index], kind.record: change(index, 2) }),
            kind.update,
        ));
    }
    forbidden.push((
        delete("deleteIdentifier"),
        json!({ "id": others[1] }),
        "deleteIdentifier",
    ));
    forbidden.extend([
        (
            CREATE.into(),
            json!({ "source": "PARTNER:b", "organisation": { "name": "X" } }),
            "createOrganisation",
        ),
        (
            UPDATE.into(),
            json!({ "id": other_org, "organisation": { "name": "X" } }),
            "updateOrganisation",
        ),
        (DELETE.into(), json!({ "id": other_org }), "deleteOrganisation"),
        (
            UPSERT.into(),
            json!({ "source": "PARTNER:b", "items": [{ "name": "X", "externalId": "x" }] }),
            "upsertOrganisations",
        ),
        (UPSERT_CONTRACTS.into(), contract("PARTNER:b", "b2"), "upsertContracts"),
        (
            UPSERT_PARTNERSHIPS.into(),
            partnership("PARTNER:b", "b2"),
            "upsertPartnerships",
        ),
        (
            delete("deleteContract"),
            json!({ "id": other_contract }),
            "deleteContract",
        ),
        (
            delete("deletePartnership"),
            json!({ "id": other_partnership }),
            "deletePartnership",
        ),
        (
            delete("deleteEstablishment"),
            json!({ "id": establishment }),
            "deleteEstablishment",
        ),
        (delete("deleteLabel"), json!({ "id": label }), "deleteLabel"),
        (
            UPSERT_LABELS.into(),
            json!({ "source": "PARTNER:b", "items": [{ "externalId": "l", "organisationId": other_org, "kind": "RUP" }] }),
            "upsertLabels",
        ),
        (
            UPSERT_ESTABLISHMENTS.into(),
            json!({ "source": "PARTNER:b", "items": [{ "externalId": "e", "organisationId": other_org }] }),
            "upsertEstablishments",
        ),
        (
            UPSERT_IDENTIFIERS.into(),
            json!({ "source": "PARTNER:b", "items": [{ "externalId": "i", "organisationId": other_org, "scheme": "PARTNER", "value": "b-1" }] }),
            "upsertIdentifiers",
        ),
    ]);
    // A revoked partner key of the right source.
    let revoked = api::store::keys::create(&app.db, "revoked key", ApiRole::Partner, Some("PARTNER:a"))
        .await
        .unwrap();
    api::store::keys::revoke(&app.db, revoked.record.id).await.unwrap();
    let logged = count(app, "SELECT COUNT(*) FROM change_log").await;
    for (query, input, field) in &forbidden {
        let (status, body) = call(app, None, query, json!({ "input": input })).await;
        assert_eq!(
            (status, &body["errors"][0]["extensions"]["code"]),
            (401, &json!("UNAUTHENTICATED")),
            "{field}: {body}"
        );
        let (status, body) = call(app, Some(&revoked.secret), query, json!({ "input": input })).await;
        assert_eq!(
            (status, &body["errors"][0]["extensions"]["code"]),
            (401, &json!("UNAUTHENTICATED")),
            "revoked key, {field}: {body}"
        );
        let data = crate::writes::data(app, &partner, query, json!({ "input": input })).await;
        assert_eq!(codes(&data[field]), ["FORBIDDEN"], "{field}: {data:#}");
    }
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM change_log").await,
        logged,
        "refused writes wrote"
    );
    // The partner on its own source.
    let own_org = create(app, &partner, json!({ "organisation": { "name": "A" } })).await;
    let own_contract = upserted(
        crate::writes::data(
            app,
            &partner,
            UPSERT_CONTRACTS,
            json!({ "input": contract("PARTNER:a", "a1") }),
        )
        .await,
        "upsertContracts",
    );
    let own_partnership = upserted(
        crate::writes::data(
            app,
            &partner,
            UPSERT_PARTNERSHIPS,
            json!({ "input": partnership("PARTNER:a", "a1") }),
        )
        .await,
        "upsertPartnerships",
    );
    // Every kind written one at a time, on the partner's own source (its default).
    let mut owns = Vec::new();
    for (index, kind) in KINDS.iter().enumerate() {
        let fields = record(index, &format!("a-{index}"), &own_org, pair);
        let created = crate::writes::data(
            app,
            &partner,
            &kind.create_query(),
            json!({ "input": { kind.record: fields } }),
        )
        .await;
        assert_eq!(
            created[kind.create]["userErrors"],
            json!([]),
            "{}: {created:#}",
            kind.create
        );
        let id = &created[kind.create][kind.record]["id"];
        owns.push(id.as_str().unwrap_or_else(|| panic!("{created:#}")).to_owned());
    }
    let mut allowed_to_partner: Vec<(String, Value, &str)> = Vec::new();
    for (index, kind) in KINDS.iter().enumerate() {
        allowed_to_partner.push((
            kind.update_query(),
            json!({ "id": owns[index], "expectedVersion": 1, kind.record: change(index, 1) }),
            kind.update,
        ));
    }
    allowed_to_partner.push((delete("deleteIdentifier"), json!({ "id": owns[1] }), "deleteIdentifier"));
    allowed_to_partner.push((delete("deleteLabel"), json!({ "id": owns[2] }), "deleteLabel"));
    allowed_to_partner.push((
        delete("deleteEstablishment"),
        json!({ "id": owns[0] }),
        "deleteEstablishment",
    ));
    allowed_to_partner.extend([
        (
            UPDATE.into(),
            json!({ "id": own_org, "organisation": { "name": "A2" } }),
            "updateOrganisation",
        ),
        (
            UPSERT.into(),
            json!({ "items": [{ "name": "Y", "externalId": "y" }] }),
            "upsertOrganisations",
        ),
        (
            UPSERT_LABELS.into(),
            json!({ "items": [{ "externalId": "l", "organisationId": own_org, "kind": "RUP" }] }),
            "upsertLabels",
        ),
        (
            UPSERT_ESTABLISHMENTS.into(),
            json!({ "items": [{ "externalId": "e", "organisationId": own_org }] }),
            "upsertEstablishments",
        ),
        (
            UPSERT_IDENTIFIERS.into(),
            json!({ "items": [{ "externalId": "i", "organisationId": own_org, "scheme": "PARTNER", "value": "a-1" }] }),
            "upsertIdentifiers",
        ),
        (
            delete("deleteContract"),
            json!({ "id": own_contract }),
            "deleteContract",
        ),
        (
            delete("deletePartnership"),
            json!({ "id": own_partnership }),
            "deletePartnership",
        ),
        (DELETE.into(), json!({ "id": own_org }), "deleteOrganisation"),
    ]);
    for (query, input, field) in &allowed_to_partner {
        let data = crate::writes::data(app, &partner, query, json!({ "input": input })).await;
        assert_eq!(data[field]["userErrors"], json!([]), "{field}: {data:#}");
    }
    // The admin on any source: every refused call above now succeeds.
    for (query, input, field) in &forbidden {
        let data = crate::writes::data(app, &admin, query, json!({ "input": input })).await;
        assert_eq!(data[field]["userErrors"], json!([]), "{field}: {data:#}");
    }
}

const UPSERT_LABELS: &str = "mutation($input: UpsertLabelsInput!) { upsertLabels(input: $input) {
    committed userErrors { field message code }
    results { index externalId status id version userErrors { field message code } } } }";

pub async fn labels_are_upserted_for_live_organisations(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let holder = create(app, &partner, json!({ "organisation": { "name": "Régie" } })).await;
    let gone = create(app, &partner, json!({ "organisation": { "name": "Dissoute" } })).await;
    data(app, &partner, DELETE, json!({ "input": { "id": gone } })).await;
    let label = |id: &str, holder: &str, to: &str| {
        json!({ "externalId": id, "organisationId": holder, "kind": "RUP", "issuer": "DDETS 13",
                "validFrom": "2024-01-01", "validTo": to, "evidenceUrl": "https://example.org/esus" })
    };
    let items = json!([
        label("l1", &holder, "2028-12-31"),
        label("l2", &gone, "2028-12-31"),
        label("l3", &holder, "2020-01-01")
    ]);
    let first = data(app, &partner, UPSERT_LABELS, json!({ "input": { "items": items } })).await;
    let results = &first["upsertLabels"]["results"];
    let statuses: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["CREATED", "REJECTED", "REJECTED"], "{first:#}");
    assert_eq!(results[1]["userErrors"][0]["field"], "items.1.organisationId");
    assert_eq!(results[1]["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(results[2]["userErrors"][0]["field"], "items.2.validTo");
    let read = crate::writes::data(
        app,
        &partner,
        "query($id: ID!) { node(id: $id) { ... on Organisation { labels { kind validTo } } } }",
        json!({ "id": holder }),
    )
    .await;
    assert_eq!(
        read["node"]["labels"],
        json!([{ "kind": "RUP", "validTo": "2028-12-31" }]),
        "{read:#}"
    );
    let same = crate::writes::data(
        app,
        &partner,
        UPSERT_LABELS,
        json!({ "input": { "items": [label("l1", &holder, "2028-12-31")] } }),
    )
    .await;
    assert_eq!(same["upsertLabels"]["results"][0]["status"], "UNCHANGED");
    let renewed = crate::writes::data(
        app,
        &partner,
        UPSERT_LABELS,
        json!({ "input": { "items": [label("l1", &holder, "2029-06-30")] } }),
    )
    .await;
    assert_eq!(renewed["upsertLabels"]["results"][0]["status"], "UPDATED");
    assert_eq!(renewed["upsertLabels"]["results"][0]["version"], 2);
    let delete = "mutation($input: DeleteInput!) { deleteLabel(input: $input) { version userErrors { code } } }";
    let deleted = crate::writes::data(
        app,
        &partner,
        delete,
        json!({ "input": { "id": results[0]["id"], "expectedVersion": 2 } }),
    )
    .await;
    assert_eq!(deleted["deleteLabel"]["version"], 3, "{deleted:#}");
    let feed = crate::writes::data(
        app,
        &partner,
        "{ changes(entities: [LABEL]) { events { operation version } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        feed["changes"]["events"],
        json!([{ "operation": "UPSERT", "version": 1 }, { "operation": "UPSERT", "version": 2 }, { "operation": "DELETE", "version": 3 }])
    );
}

const UPSERT_ESTABLISHMENTS: &str =
    "mutation($input: UpsertEstablishmentsInput!) { upsertEstablishments(input: $input) {
    committed userErrors { field message code }
    results { index externalId status id version userErrors { field message code } } } }";

pub async fn establishments_are_upserted_under_their_organisation(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let own_siren = siren(44_150_001);
    let holder = create(
        app,
        &partner,
        json!({ "organisation": { "name": "Régie", "siren": own_siren } }),
    )
    .await;
    let site = |id: &str, siret: &str, commune: &str| {
        json!({ "externalId": id, "organisationId": holder, "siret": siret, "name": "Atelier", "isHeadquarters": true,
                "postalCode": "13002", "communeId": commune, "latitude": 43.3, "longitude": 5.37 })
    };
    let good = crate::fixtures::siret(&own_siren, 1);
    let foreign = crate::fixtures::siret(&siren(44_150_002), 1);
    let items = json!([
        site("e1", &good, "COM:13055"),
        site("e2", &foreign, "COM:13055"),
        site("e3", &crate::fixtures::siret(&own_siren, 2), "COM:99999"),
        site("e4", "123", "COM:13055"),
        site("e5", &good, "COM:13055"),
    ]);
    let first = data(
        app,
        &partner,
        UPSERT_ESTABLISHMENTS,
        json!({ "input": { "items": items } }),
    )
    .await;
    let results = &first["upsertEstablishments"]["results"];
    let statuses: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["CREATED", "REJECTED", "REJECTED", "REJECTED", "REJECTED"],
        "{first:#}"
    );
    assert_eq!(results[1]["userErrors"][0]["field"], "items.1.siret");
    assert!(
        results[1]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&foreign)
    );
    assert_eq!(results[2]["userErrors"][0]["field"], "items.2.communeId");
    assert_eq!(results[3]["userErrors"][0]["field"], "items.3.siret");
    assert_eq!(results[4]["userErrors"][0]["code"], "CONFLICT");
    let read = crate::writes::data(
        app,
        &partner,
        "query($siret: String!) { establishment(siret: $siret) { name commune { name } } }",
        json!({ "siret": good }),
    )
    .await;
    assert_eq!(read["establishment"]["commune"]["name"], "Marseille", "{read:#}");
    let same = crate::writes::data(
        app,
        &partner,
        UPSERT_ESTABLISHMENTS,
        json!({ "input": { "items": [site("e1", &good, "COM:13055")] } }),
    )
    .await;
    assert_eq!(same["upsertEstablishments"]["results"][0]["status"], "UNCHANGED");
    let moved = crate::writes::data(
        app,
        &partner,
        UPSERT_ESTABLISHMENTS,
        json!({ "input": { "items": [site("e1", &good, "ARM:13202")] } }),
    )
    .await;
    assert_eq!(
        moved["upsertEstablishments"]["results"][0]["status"], "UPDATED",
        "{moved:#}"
    );
    let log = crate::writes::data(
        app,
        &key(app, ApiRole::Admin, None).await,
        "{ auditLog(entity: ESTABLISHMENT) { nodes { operation changedFields } } }",
        json!({}),
    )
    .await;
    assert_eq!(log["auditLog"]["nodes"][0]["changedFields"], json!(["commune_id"]));
}

const UPSERT_IDENTIFIERS: &str = "mutation($input: UpsertIdentifiersInput!) { upsertIdentifiers(input: $input) {
    committed userErrors { field message code }
    results { index externalId status id version userErrors { field message code } } } }";

pub async fn identifiers_are_upserted_once_per_scheme_and_value(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let holder = create(app, &partner, json!({ "organisation": { "name": "Régie" } })).await;
    let id = |key: &str, scheme: &str, value: &str| json!({ "externalId": key, "organisationId": holder, "scheme": scheme, "value": value });
    let items = json!([
        id("i1", "RNA", "w133000001"),
        id("i2", "RNA", "W12"),
        id("i3", "TVA", "FR12345678901"),
        id("i4", "RNA", "W133000001"),
    ]);
    let first = data(
        app,
        &partner,
        UPSERT_IDENTIFIERS,
        json!({ "input": { "items": items } }),
    )
    .await;
    let results = &first["upsertIdentifiers"]["results"];
    let statuses: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["CREATED", "REJECTED", "CREATED", "REJECTED"], "{first:#}");
    assert_eq!(results[1]["userErrors"][0]["field"], "items.1.value");
    assert!(results[1]["userErrors"][0]["message"].as_str().unwrap().contains("W12"));
    assert_eq!(results[3]["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM organisation_identifier WHERE value = 'W133000001'"
        )
        .await,
        1
    );
    let same = crate::writes::data(
        app,
        &partner,
        UPSERT_IDENTIFIERS,
        json!({ "input": { "items": [id("i3", "TVA", "FR12345678901")] } }),
    )
    .await;
    assert_eq!(same["upsertIdentifiers"]["results"][0]["status"], "UNCHANGED");
    let feed = crate::writes::data(
        app,
        &partner,
        "{ changes(entities: [IDENTIFIER]) { events { operation version } } }",
        json!({}),
    )
    .await;
    assert_eq!(feed["changes"]["events"].as_array().unwrap().len(), 2);
}
