//! Spawns Terrasse on a fresh database and talks to it over HTTP.

use std::{net::SocketAddr, path::PathBuf};

use api::config::{Config, DatabaseConfig, ServeConfig};
use http_body_util::{BodyExt, Full};
use hyper::{Request, body::Bytes};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL used for PostgreSQL when `TEST_DATABASE_URL` is not set.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Fingerprint of everything that shapes a fresh database: the migrations and the reference
/// data. Templates are named after it, so a changed schema never reuses a stale template.
fn schema_fingerprint() -> String {
    use std::hash::{Hash, Hasher};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["migration/src", "data"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        std::fs::read(&file).unwrap().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// A short tag of this checkout's path, so that test runs of several checkouts sharing one
/// PostgreSQL server each keep (and clean up) only their own templates.
fn checkout_tag() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_MANIFEST_DIR").hash(&mut hasher);
    format!("{:016x}", hasher.finish())[..8].to_owned()
}

static SQLITE_TEMPLATE: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
static POSTGRES_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
static POSTGRES_COPY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A SQLite file migrated and loaded with the reference data, built once per test run.
async fn sqlite_template() -> &'static PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let path = std::env::temp_dir().join(format!(
                "terrasse_template_{}_{}.db",
                schema_fingerprint(),
                std::process::id()
            ));
            let _ = std::fs::remove_file(&path);
            let config = DatabaseConfig::new(format!("sqlite://{}?mode=rwc", path.display()), 1);
            let db = api::db::connect(&config).await.unwrap();
            api::db::prepare(&db).await.unwrap();
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
            db.close().await.unwrap();
            path
        })
        .await
}

/// A PostgreSQL database migrated and loaded with the reference data, named after the schema
/// fingerprint and kept between runs; built (under a temporary name, then renamed) if absent.
async fn postgres_template(admin: &DatabaseConnection, admin_url: &str) -> &'static String {
    POSTGRES_TEMPLATE
        .get_or_init(|| async {
            let template = format!("terrasse_template_{}_{}", checkout_tag(), schema_fingerprint());
            let exists = admin
                .query_one_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT 1 FROM pg_database WHERE datname = '{template}'"),
                ))
                .await
                .unwrap()
                .is_some();
            if !exists {
                // This checkout's templates of earlier schemas are dead weight: drop them. Other
                // checkouts' templates are left alone, as their test runs may be using them.
                let stale = admin
                    .query_all_raw(Statement::from_string(
                        admin.get_database_backend(),
                        format!(
                            "SELECT datname FROM pg_database WHERE datname LIKE 'terrasse\\_template\\_{}\\_%' AND datname <> '{template}'",
                            checkout_tag()
                        ),
                    ))
                    .await
                    .unwrap();
                for row in stale {
                    let name: String = row.try_get_by_index(0).unwrap();
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                }
                let building = format!("{template}_{}", std::process::id());
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}"))
                    .await
                    .unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {building}"))
                    .await
                    .unwrap();
                let config = DatabaseConfig::new(replace_database(admin_url, &building), 1);
                let db = api::db::connect(&config).await.unwrap();
                api::db::prepare(&db).await.unwrap();
                db.close().await.unwrap();
                // Another run may have finished the same template meanwhile: then keep theirs.
                if admin
                    .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                    .await
                    .is_err()
                {
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}"))
                        .await
                        .unwrap();
                }
            }
            template
        })
        .await
}

/// A running server over its own database, removed when dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: DatabaseConnection,
    pub database_url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestApp {
    /// Starts a server on a fresh database of `backend`; `None` when PostgreSQL was not
    /// required (no `TEST_DATABASE_URL`) and is unreachable.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        let name = format!("terrasse_test_{}", uuid::Uuid::now_v7().simple());
        let (database_url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                std::fs::copy(sqlite_template().await, &path).unwrap();
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Cleanup::SqliteFile(path),
                )
            }
            Backend::Postgres => {
                let required = std::env::var("TEST_DATABASE_URL").ok();
                let admin_url = required.clone().unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
                let admin = match Database::connect(&admin_url).await {
                    Ok(admin) => admin,
                    Err(error) if required.is_none() => {
                        eprintln!(
                            "\n!!! PostgreSQL tests DID NOT RUN: {DEFAULT_POSTGRES_URL} is unreachable ({error}). \
                             Set TEST_DATABASE_URL to run them.\n"
                        );
                        return None;
                    }
                    Err(error) => panic!("TEST_DATABASE_URL={admin_url} is unreachable: {error}"),
                };
                let template = postgres_template(&admin, &admin_url).await;
                {
                    // Copies from one template must not overlap.
                    let _copying = POSTGRES_COPY.lock().await;
                    admin
                        .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                        .await
                        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
                }
                admin.close().await.ok();
                (
                    replace_database(&admin_url, &name),
                    Cleanup::PostgresDatabase { admin_url, name },
                )
            }
        };
        let config = Config {
            database: DatabaseConfig::new(database_url.clone(), 5),
            serve: ServeConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                demo: false,
                ..ServeConfig::default()
            },
        };
        let app = api::http::Application::build(config).await.expect("server builds");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped());
        let db = Database::connect(&database_url).await.unwrap();
        Some(TestApp {
            addr,
            db,
            database_url,
            cleanup,
        })
    }

    /// GETs a path; returns the status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let request = Request::get(format!("http://{}{path}", self.addr))
            .body(Full::new(Bytes::new()))
            .unwrap();
        send(request).await
    }

    /// POSTs a GraphQL query with variables; returns the decoded JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = Request::post(format!("http://{}/graphql", self.addr))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let (status, body) = send(request).await;
        assert_eq!(status, 200, "GraphQL answered {status}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
    }

    /// Like [`TestApp::graphql`], but fails the test on any GraphQL error and returns `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
        response["data"].clone()
    }

    /// Runs a GraphQL query on the schema directly (no HTTP), through the same executor as the
    /// server, over a new connection that counts the SQL statements it sends; returns the
    /// response data and that count.
    pub async fn query_counting_statements(&self, query: &str) -> (Value, usize) {
        count_statements(self.database_url.clone(), query.to_owned()).await
    }

    /// Runs a scalar SQL query (first column of the first row, as i64).
    pub async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no row for {sql}"));
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

async fn count_statements(database_url: String, query: String) -> (Value, usize) {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let statements = Arc::new(AtomicUsize::new(0));
    let mut db = Database::connect(&database_url).await.unwrap();
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    // Statement counts are measured whatever the page size, so without a cost limit.
    let limits = api::graphql::limits::QueryLimits {
        max_cost: u64::MAX,
        ..Default::default()
    };
    let schema = api::graphql::build_schema(db.clone());
    let request = async_graphql::Request::new(query);
    let response = api::graphql::executor::execute_within(&schema, request, db.clone(), &limits).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().unwrap();
    let count = statements.load(Ordering::SeqCst);
    db.close().await.unwrap();
    (data, count)
}

/// A response as a test reads it.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: hyper::HeaderMap,
    /// Body, as text (lossy).
    pub body: String,
}

impl Answer {
    /// A header's value, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends any request and returns status, headers and body.
pub async fn exchange(request: Request<Full<Bytes>>) -> Answer {
    try_exchange(request).await.unwrap()
}

/// Sends any request and returns status, headers and body, or the connection's error.
pub async fn try_exchange(request: Request<Full<Bytes>>) -> Result<Answer, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.request(request).await.map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

impl TestApp {
    /// Starts a second server on this test's database with other settings; returns its
    /// address (it stops with the test's runtime).
    pub async fn sibling(&self, configure: impl FnOnce(&mut ServeConfig)) -> SocketAddr {
        let mut serve = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            demo: false,
            ..ServeConfig::default()
        };
        configure(&mut serve);
        let config = Config {
            database: DatabaseConfig::new(self.database_url.clone(), 2),
            serve,
        };
        let app = api::http::Application::build(config).await.expect("server builds");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped());
        addr
    }
}

impl TestApp {
    /// Starts a second server on this test's database that reads queries from `read_url` (a
    /// read replica); returns its address.
    pub async fn sibling_with_replica(&self, read_url: &str) -> SocketAddr {
        let serve = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            demo: false,
            ..ServeConfig::default()
        };
        let mut database = DatabaseConfig::new(self.database_url.clone(), 2);
        database.database_read_url = Some(read_url.to_owned());
        let app = api::http::Application::build(Config { database, serve })
            .await
            .expect("server builds");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped());
        addr
    }

    /// Starts a second server with its own database settings (e.g. through a proxy to this
    /// test's database) and server settings; returns its address.
    pub async fn sibling_with(&self, database: DatabaseConfig, configure: impl FnOnce(&mut ServeConfig)) -> SocketAddr {
        let mut serve = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            demo: false,
            ..ServeConfig::default()
        };
        configure(&mut serve);
        let app = api::http::Application::build(Config { database, serve })
            .await
            .expect("server builds");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped());
        addr
    }

    /// Which database this test runs on.
    pub fn backend(&self) -> Backend {
        if self.database_url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

async fn send(request: Request<Full<Bytes>>) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// `postgres://u@h:p/db?x` with the database replaced by `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, database) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own runtime.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        let admin = Database::connect(&admin_url).await?;
                        admin
                            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                            .await?;
                        admin.close().await
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("warning: could not drop test database {name}");
                }
            }
        }
    }
}

/// Declares each test twice, `…::sqlite` and `…::postgres`.
macro_rules! on_both_databases {
    ($($(#[$meta:meta])* async fn $name:ident($app:ident: &TestApp) $body:block)*) => {$(
        $(#[$meta])*
        mod $name {
            async fn run($app: &$crate::harness::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite).await.unwrap();
                run(&app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::harness::TestApp::spawn($crate::harness::Backend::Postgres).await {
                    run(&app).await;
                }
            }
        }
    )*};
}
pub(crate) use on_both_databases;
