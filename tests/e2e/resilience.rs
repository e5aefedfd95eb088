//! No request can stop the server or hold it: a panic answers its own request only, a SQL
//! statement stops at its request's time limit and frees its connection, and a client that
//! sends its headers too slowly is disconnected.

use std::time::{Duration, Instant};

use api::config::DatabaseConfig;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{Backend, TestApp, on_both_databases};

on_both_databases! {
    async fn a_panic_answers_internal_for_its_request_alone(app: &TestApp) {
        super::a_panic_answers_internal_for_its_request_alone(app).await;
    }
}

async fn a_panic_answers_internal_for_its_request_alone(app: &TestApp) {
    let server = app
        .sibling(|serve| serve.panic_on_operation = Some("Boom".into()))
        .await;
    let post =
        |body: &'static str| crate::harness::exchange(crate::transport::post(server, "application/json", None, body));
    for _ in 0..3 {
        let answer =
            post(r#"{"query":"query Boom { organisations(first: 1) { totalCount } }","operationName":"Boom"}"#).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let body = answer.json();
        assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL", "{body}");
        assert_eq!(
            body["errors"][0]["message"], "internal error",
            "nothing of the panic leaks: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["requestId"],
            answer.header("x-request-id"),
            "the request id leads to the logged panic: {body}"
        );
        // The server goes on serving, other operations and the same one.
        let answer = post(r#"{"query":"query Fine { organisations(first: 1) { totalCount } }"}"#).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(
            answer.json()["data"]["organisations"]["totalCount"],
            0,
            "{}",
            answer.body
        );
    }
    let answer = crate::harness::exchange(crate::transport::get(server, "/healthz", &[])).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
}

/// A statement that runs for minutes unless stopped.
fn slow_statement(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 5000000000) \
             SELECT MAX(n) FROM counter"
        }
        Backend::Postgres => "SELECT pg_sleep(120)",
    }
}

async fn execute(db: &DatabaseConnection, sql: &str) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
}

/// The next statement on a one-connection pool answers at once: the connection is free.
async fn answers_promptly(db: &DatabaseConnection, what: &str) {
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(5), execute(db, "SELECT 1")).await;
    assert!(
        matches!(answer, Ok(Ok(Some(_)))),
        "{what}: the next statement failed or waited: {answer:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{what}: waited {:?}",
        started.elapsed()
    );
}

on_both_databases! {
    async fn statements_stop_at_the_request_time_limit(app: &TestApp) {
        super::statements_stop_at_the_request_time_limit(app).await;
    }
}

async fn statements_stop_at_the_request_time_limit(app: &TestApp) {
    // The server's pool, one connection, statements bounded by a 1 s request timeout.
    let db = api::db::connect_serving(
        &app.database_url,
        &DatabaseConfig::new(app.database_url.clone(), 1),
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    let slow = slow_statement(app.backend());

    // A statement running past the request's deadline fails, as a timeout.
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    let result = api::db::within_deadline(deadline, execute(&db, slow)).await;
    let elapsed = started.elapsed();
    let error = result.expect_err("the statement is stopped");
    assert!(
        api::db::is_statement_timeout(&error),
        "a timeout, not another failure: {error}"
    );
    assert!(elapsed < Duration::from_secs(4), "stopped after {elapsed:?}");
    let answer = api::graphql::errors::ApiError::from(&api::store::StoreError::Database {
        context: "reading",
        source: error,
    });
    assert_eq!(
        answer.code().as_str(),
        "QUERY_TOO_COMPLEX",
        "clients are told to ask for less, not INTERNAL"
    );
    answers_promptly(&db, "after a statement stopped at its deadline").await;

    // On SQLite, a request abandoned before its deadline (dropped: it timed out, or its
    // client left) does not leave its statement running on the connection. (On PostgreSQL the
    // statement is stopped by `statement_timeout`; sqlx does not give the connection back to
    // the pool after a query future is dropped mid-flight: see docs/DEPLOYMENT.md.)
    if app.backend() == Backend::Postgres {
        db.close().await.unwrap();
        return;
    }
    let far = tokio::time::Instant::now() + Duration::from_secs(600);
    let abandoned = tokio::time::timeout(
        Duration::from_millis(300),
        api::db::within_deadline(far, execute(&db, slow)),
    )
    .await;
    assert!(abandoned.is_err(), "the statement was still running when abandoned");
    answers_promptly(&db, "after an abandoned statement").await;
    db.close().await.unwrap();
}

/// Writes `bytes` one by one, `pause` apart, until the server closes the connection; returns
/// what the server answered and how long it took to close.
async fn dribble(server: std::net::SocketAddr, bytes: &'static [u8], pause: Duration) -> (String, Duration) {
    let started = Instant::now();
    let stream = tokio::net::TcpStream::connect(server).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        for byte in bytes {
            if writer.write_all(std::slice::from_ref(byte)).await.is_err() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
        std::future::pending::<()>().await;
    });
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(8), reader.read_to_end(&mut answer)).await;
    writing.abort();
    assert!(
        closed.is_ok(),
        "the connection is still open after {:?}",
        started.elapsed()
    );
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

on_both_databases! {
    async fn clients_sending_headers_slowly_are_disconnected(app: &TestApp) {
        super::clients_sending_headers_slowly_are_disconnected(app).await;
    }
}

async fn clients_sending_headers_slowly_are_disconnected(app: &TestApp) {
    let server = app.sibling(|serve| serve.header_read_timeout_secs = 1).await;
    // Half a request line, then nothing.
    let (answer, elapsed) = dribble(server, b"GET /healthz HT", Duration::from_millis(1)).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "closed after {elapsed:?}"
    );
    // Headers sent a byte every 100 ms: the bound is on the whole head, not between bytes.
    let head = b"GET /healthz HTTP/1.1\r\nhost: terrasse\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let (answer, elapsed) = dribble(server, head, Duration::from_millis(100)).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(elapsed < Duration::from_secs(4), "closed after {elapsed:?}");
    // Others are served meanwhile and after.
    let answer = crate::harness::exchange(crate::transport::get(server, "/healthz", &[])).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    // A request sent at once is answered as usual, on a kept-alive connection too.
    let (answer, _) = dribble(
        server,
        b"GET /healthz HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

on_both_databases! {
    async fn values_nested_too_deep_are_refused_before_parsing(app: &TestApp) {
        super::values_nested_too_deep_are_refused_before_parsing(app).await;
    }
}

async fn values_nested_too_deep_are_refused_before_parsing(app: &TestApp) {
    // 200 000 nested lists (400 kB) are refused with a clear code, before parsing.
    let deep = format!(
        "{{ organisations(first: 1, filter: {{ naf: {}\"88.99B\"{} }}) {{ totalCount }} }}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let body = serde_json::json!({ "query": deep }).to_string();
    let answer = crate::harness::exchange(crate::transport::post(app.addr, "application/json", None, body)).await;
    assert!(answer.status < 500, "{}", answer.status);
    let answer = answer.json();
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{answer}");
    assert!(
        answer["errors"][0]["message"].as_str().unwrap().contains("64 levels"),
        "{answer}"
    );
    // Values nested a few levels are fine; the server is alive.
    let data = app
        .query(
            "{ organisations(first: 1, filter: { naf: [\"88.99B\"] }) { totalCount } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(data["organisations"]["totalCount"], 0);
}
