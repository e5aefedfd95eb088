//! Persisted queries: automatic persisted queries by SHA-256 hash over POST and GET (shared by
//! every instance through the database), and the allow-list mode.

use api::store::keys::sha256_hex;
use entity::enums::ApiRole;

use crate::{
    harness::{TestApp, on_both_databases},
    transport::{get, post},
};

const DIRECTORY: &str = "query Directory { organisations(first: 5) { totalCount nodes { name } } }";

fn by_hash(hash: &str) -> serde_json::Value {
    serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// `/graphql?extensions=...` naming a query by hash.
fn get_path(hash: &str) -> String {
    let extensions: String = form_urlencoded::byte_serialize(by_hash(hash).to_string().as_bytes()).collect();
    format!("/graphql?extensions={extensions}")
}

on_both_databases! {
    async fn automatic_persisted_queries_register_by_hash_and_serve_get_with_etags(app: &TestApp) {
        super::automatic_persisted_queries_register_by_hash_and_serve_get_with_etags(app).await;
    }
}

async fn automatic_persisted_queries_register_by_hash_and_serve_get_with_etags(app: &TestApp) {
    crate::organisations::write_association(&app.db).await;
    let hash = sha256_hex(DIRECTORY);

    // Unknown hash: the client is told to send the query.
    let answer = crate::harness::exchange(get(app.addr, &get_path(&hash), &[])).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let error = &answer.json()["errors"][0];
    assert_eq!(error["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND", "{error}");
    assert!(error["message"].as_str().unwrap().contains(&hash), "{error}");

    // A hash that is not the query's: refused, nothing registered.
    let wrong = serde_json::json!({ "query": DIRECTORY, "extensions": by_hash(&"0".repeat(64)) }).to_string();
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, wrong)).await;
    let error = &answer.json()["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&format!("the SHA-256 of the query is {hash}")),
        "{error}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM persisted_query").await, 0);
    let bad_version = serde_json::json!({ "query": DIRECTORY, "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash } } }).to_string();
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, bad_version)).await;
    assert_eq!(
        answer.json()["errors"][0]["message"],
        "extensions.persistedQuery.version must be 1, not 2"
    );

    // The query with its hash registers it, and runs.
    let register = serde_json::json!({ "query": DIRECTORY, "extensions": by_hash(&hash) }).to_string();
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, register)).await;
    assert_eq!(
        answer.json()["data"]["organisations"]["totalCount"],
        1,
        "{}",
        answer.body
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM persisted_query").await, 1);

    // Then the hash alone runs it, over GET with an ETag and 304.
    let answer = crate::harness::exchange(get(app.addr, &get_path(&hash), &[])).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.json()["data"]["organisations"]["nodes"][0]["name"],
        "Société Coopérative des Jardins"
    );
    let etag = answer.header("etag").to_owned();
    assert!(etag.starts_with("W/"), "{etag}");
    let again = crate::harness::exchange(get(app.addr, &get_path(&hash), &[("if-none-match", &etag)])).await;
    assert_eq!(again.status, 304);

    // Another instance on the same database knows it too (stored, not in memory).
    let other = app.sibling(|_| {}).await;
    let answer = crate::harness::exchange(get(other, &get_path(&hash), &[])).await;
    assert_eq!(
        answer.json()["data"]["organisations"]["totalCount"],
        1,
        "{}",
        answer.body
    );
    // A mutation registered by hash (by a caller who may write: registration waits for
    // admission) still cannot run over GET.
    let mutation = "mutation { deleteOrganisation(input: { id: \"x\" }) { deletedId } }";
    let register = serde_json::json!({ "query": mutation, "extensions": by_hash(&sha256_hex(mutation)) }).to_string();
    let anonymous = crate::harness::exchange(post(app.addr, "application/json", None, register.clone())).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM persisted_query").await,
        1,
        "not admitted, not registered"
    );
    let admin = crate::writes::key(app, ApiRole::Admin, None).await;
    let mut request = post(app.addr, "application/json", None, register);
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {admin}").parse().unwrap());
    crate::harness::exchange(request).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM persisted_query").await, 2);
    let answer = crate::harness::exchange(get(other, &get_path(&sha256_hex(mutation)), &[])).await;
    assert_eq!(answer.status, 405, "{}", answer.body);

    // Turned off: a hash is refused with the protocol's code.
    let off = app
        .sibling(|serve| serve.persisted_queries = api::http::persisted::Mode::Off)
        .await;
    let answer = crate::harness::exchange(get(off, &get_path(&hash), &[])).await;
    assert_eq!(
        answer.json()["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_SUPPORTED",
        "{}",
        answer.body
    );
}

on_both_databases! {
    async fn the_allow_list_runs_only_registered_operations(app: &TestApp) {
        super::the_allow_list_runs_only_registered_operations(app).await;
    }
}

async fn the_allow_list_runs_only_registered_operations(app: &TestApp) {
    crate::organisations::write_association(&app.db).await;
    let hash = sha256_hex(DIRECTORY);
    let manifest = std::env::temp_dir().join(format!("terrasse_manifest_{}.json", uuid::Uuid::now_v7().simple()));
    std::fs::write(&manifest, serde_json::json!({ hash.clone(): DIRECTORY }).to_string()).unwrap();
    let public = app
        .sibling(|serve| {
            serve.persisted_queries = api::http::persisted::Mode::Allowlist;
            serve.persisted_queries_manifest = Some(manifest.clone());
        })
        .await;
    // A registered operation, by hash or in full.
    let answer = crate::harness::exchange(get(public, &get_path(&hash), &[])).await;
    assert_eq!(
        answer.json()["data"]["organisations"]["totalCount"],
        1,
        "{}",
        answer.body
    );
    let full = serde_json::json!({ "query": DIRECTORY }).to_string();
    let answer = crate::harness::exchange(post(public, "application/json", None, full)).await;
    assert_eq!(
        answer.json()["data"]["organisations"]["totalCount"],
        1,
        "{}",
        answer.body
    );

    // Anything else is refused, and nothing is registered.
    let other = "{ organisations(first: 1) { totalCount } }";
    for body in [
        serde_json::json!({ "query": other }),
        serde_json::json!({ "query": other, "extensions": by_hash(&sha256_hex(other)) }),
        serde_json::json!({ "extensions": by_hash(&sha256_hex(other)) }),
    ] {
        let answer = crate::harness::exchange(post(
            public,
            "application/json",
            Some(crate::transport::GRAPHQL_RESPONSE),
            body.to_string(),
        ))
        .await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        let error = &answer.json()["errors"][0];
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{error}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("TERRASSE_PERSISTED_QUERIES=allowlist"),
            "{error}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM persisted_query").await, 0);

    // Admin keys bypass the allow-list; partner keys do not.
    for (role, source, allowed) in [
        (ApiRole::Admin, None, true),
        (ApiRole::Partner, Some("PARTNER:a"), false),
    ] {
        let key = crate::writes::key(app, role, source).await;
        let request = hyper::Request::post(format!("http://{public}/graphql"))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {key}"))
            .body(http_body_util::Full::new(hyper::body::Bytes::from(
                serde_json::json!({ "query": other }).to_string(),
            )))
            .unwrap();
        let answer = crate::harness::exchange(request).await.json();
        assert_eq!(
            answer["data"]["organisations"]["totalCount"] == 1,
            allowed,
            "{role:?}: {answer}"
        );
    }
    std::fs::remove_file(&manifest).unwrap();
}

on_both_databases! {
    async fn registration_waits_for_admission_is_bounded_and_unused_entries_expire(app: &TestApp) {
        super::registration_waits_for_admission_is_bounded_and_unused_entries_expire(app).await;
    }
}

async fn registration_waits_for_admission_is_bounded_and_unused_entries_expire(app: &TestApp) {
    let count = || app.scalar("SELECT COUNT(*) FROM persisted_query");
    let register =
        |query: &str| serde_json::json!({ "query": query, "extensions": by_hash(&sha256_hex(query)) }).to_string();

    // Anonymous reads off: a caller without a key registers nothing.
    let closed = app.sibling(|serve| serve.anonymous_read = false).await;
    let answer = crate::harness::exchange(post(closed, "application/json", None, register(DIRECTORY))).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(count().await, 0, "not admitted, nothing written");

    // A rate-limited caller registers nothing either.
    let stingy = app
        .sibling(|serve| {
            serve.rate_limit_points = 5;
            serve.rate_limit_restore = 1;
        })
        .await;
    let answer = crate::harness::exchange(post(stingy, "application/json", None, register(DIRECTORY))).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert_eq!(count().await, 0, "not charged, nothing written");

    // An over-long query is refused, not stored.
    let long = format!("# {}\n{{ __typename }}", "x".repeat(70_000));
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, register(&long))).await;
    let error = &answer.json()["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("over the limit of 65536 bytes"),
        "{error}"
    );
    assert_eq!(count().await, 0);

    // An entry nobody used for 40 days is pruned when a query is registered; a used one stays.
    let old = "{ territories(first: 1) { totalCount } }";
    let days_ago = |days| chrono::Utc::now() - chrono::Duration::days(days);
    api::store::persisted_queries::register(&app.db, &sha256_hex(old), old, days_ago(40))
        .await
        .unwrap();
    let recent = "{ territories(first: 2) { totalCount } }";
    api::store::persisted_queries::register(&app.db, &sha256_hex(recent), recent, days_ago(2))
        .await
        .unwrap();
    assert_eq!(count().await, 2);
    let answer = crate::harness::exchange(post(app.addr, "application/json", None, register(DIRECTORY))).await;
    assert!(answer.json().get("errors").is_none(), "{}", answer.body);
    let hashes = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM persisted_query WHERE sha256_hash IN ('{}', '{}')",
            sha256_hex(recent),
            sha256_hex(DIRECTORY)
        ))
        .await;
    assert_eq!((count().await, hashes), (2, 2), "the unused entry is gone");

    // Running a registered query by hash marks it used.
    let before = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM persisted_query WHERE sha256_hash = '{}' AND last_used_at > registered_at",
            sha256_hex(recent)
        ))
        .await;
    assert_eq!(before, 0);
    let answer = crate::harness::exchange(get(app.addr, &get_path(&sha256_hex(recent)), &[])).await;
    assert!(answer.json().get("errors").is_none(), "{}", answer.body);
    let after = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM persisted_query WHERE sha256_hash = '{}' AND last_used_at > registered_at",
            sha256_hex(recent)
        ))
        .await;
    assert_eq!(after, 1, "marked used");
}
