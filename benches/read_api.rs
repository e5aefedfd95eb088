//! Read API benchmark on the demo data: the nested organisations query and a filtered,
//! sorted contracts page, over HTTP with one client and with 16 concurrent clients, on SQLite
//! and (with `BENCH_DATABASE_URL`, a PostgreSQL admin URL) PostgreSQL. Beside each, the time
//! of the same SQL statements replayed directly on the same database (recorded from one
//! execution of the query), so the cost of the GraphQL and HTTP layers shows as a ratio.
//!
//! Run: `cargo bench --bench read_api` (release build). Figures go to docs/BENCHMARKS.md.
//! Targets (read API issue): nested query p50 under 20 ms with one client; GraphQL adds at
//! most 50 % over its SQL.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use api::config::{Config, DatabaseConfig, ServeConfig};
use http_body_util::{BodyExt, Full};
use hyper::{Request, body::Bytes};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// The allocator of the `terrasse` binary, so the in-process figures measure what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The nested query of the read API issue.
const NESTED: &str = "{ organisations(first: 50) { nodes { name
    establishments { nodes { commune { name departement { name } } } }
    contractsWon(first: 5) { nodes { buyer { name } } }
    labels { kind } } } }";

/// A filtered, sorted contracts page.
const CONTRACTS: &str = "{ contracts(first: 50,
    filter: { buyerTerritories: [{ level: DEPARTEMENT, code: \"13\" }], notifiedFrom: \"2022-01-01\" },
    orderBy: { field: AMOUNT, direction: DESC }) {
      nodes { uid amountEur notifiedOn buyer { name } suppliers { distanceKm localityLevel organisation { name essFamily } } } } }";

const SINGLE_CLIENT_REQUESTS: usize = 200;
const CONCURRENT_CLIENTS: usize = 16;
const REQUESTS_PER_CLIENT: usize = 40;

struct Stats {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Stats {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index]
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<44} {:>8.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.percentile(0.5).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3
        )
    }
}

async fn post(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    addr: SocketAddr,
    query: &str,
) {
    let body = serde_json::json!({ "query": query }).to_string();
    let request = Request::post(format!("http://{addr}/graphql"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(
        !bytes.windows(9).any(|w| w == b"\"errors\":"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
}

async fn load(addr: SocketAddr, query: &'static str, clients: usize, per_client: usize) -> Stats {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let latencies = latencies.clone();
            tokio::spawn(async move {
                let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
                for _ in 0..per_client {
                    let t = Instant::now();
                    post(&client, addr, query).await;
                    latencies.lock().unwrap().push(t.elapsed());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let latencies = latencies.lock().unwrap().clone();
    Stats {
        requests: latencies.len(),
        elapsed,
        latencies,
    }
}

/// The SQL statements one execution of `query` sends, recorded through a metric callback.
async fn statements_of(database_url: &str, query: &str) -> Vec<Statement> {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut db = Database::connect(database_url).await.unwrap();
    let sink = recorded.clone();
    db.set_metric_callback(move |info| sink.lock().unwrap().push(info.statement.clone()));
    let schema = api::graphql::build_schema(db.clone());
    let response = api::graphql::executor::execute(&schema, async_graphql::Request::new(query), db).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    recorded.lock().unwrap().clone()
}

/// Executes `query` on the schema in-process (no HTTP, no JSON over the wire), `runs` times
/// in sequence: the GraphQL layer alone.
async fn execute_in_process(database_url: &str, query: &str, runs: usize) -> Stats {
    let db = Database::connect(database_url).await.unwrap();
    let schema = api::graphql::build_schema(db.clone());
    let mut latencies = Vec::with_capacity(runs);
    let started = Instant::now();
    for _ in 0..runs {
        let t = Instant::now();
        let response = api::graphql::executor::execute(&schema, async_graphql::Request::new(query), db.clone()).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        latencies.push(t.elapsed());
    }
    Stats {
        requests: runs,
        elapsed: started.elapsed(),
        latencies,
    }
}

/// Replays the statements sequentially, as one request would, `runs` times.
async fn replay(db: &DatabaseConnection, statements: &[Statement], runs: usize) -> Stats {
    let mut latencies = Vec::with_capacity(runs);
    let started = Instant::now();
    for _ in 0..runs {
        let t = Instant::now();
        for statement in statements {
            db.query_all_raw(statement.clone()).await.unwrap();
        }
        latencies.push(t.elapsed());
    }
    Stats {
        requests: runs,
        elapsed: started.elapsed(),
        latencies,
    }
}

async fn bench(label: &str, database_url: String) {
    let config = Config {
        database: DatabaseConfig::new(database_url.clone(), 16),
        serve: ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            demo: true,
            // Rate limiting on, with a budget the bench's requests do not exhaust (the default
            // one ran out during the warm-up: HTTP 429): its bookkeeping is measured, without
            // refusals, as in the load bench.
            rate_limit_points: 1_000_000_000_000,
            rate_limit_restore: 1_000_000_000,
            ..ServeConfig::default()
        },
    };
    let started = Instant::now();
    let app = api::http::Application::build(config).await.unwrap();
    println!(
        "\n## {label} (migrate, reference data and demo seed: {:.1} s)\n",
        started.elapsed().as_secs_f64()
    );
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped());
    let db = Database::connect(&database_url).await.unwrap();
    for (name, query) in [
        ("nested organisations query", NESTED),
        ("contracts page (filtered, sorted)", CONTRACTS),
    ] {
        load(addr, query, 1, 20).await; // warm-up
        let statements = statements_of(&database_url, query).await;
        let single = load(addr, query, 1, SINGLE_CLIENT_REQUESTS).await;
        let concurrent = load(addr, query, CONCURRENT_CLIENTS, REQUESTS_PER_CLIENT).await;
        let in_process = execute_in_process(&database_url, query, SINGLE_CLIENT_REQUESTS).await;
        let sql = replay(&db, &statements, SINGLE_CLIENT_REQUESTS).await;
        println!("{name}: {} SQL statements per request", statements.len());
        println!("{}", single.line("  GraphQL over HTTP, 1 client"));
        println!(
            "{}",
            concurrent.line(&format!("  GraphQL over HTTP, {CONCURRENT_CLIENTS} clients"))
        );
        println!("{}", in_process.line("  GraphQL executed in-process, 1 client"));
        println!("{}", sql.line("  same SQL replayed directly, 1 client"));
        let sql_p50 = sql.percentile(0.5).as_secs_f64();
        println!(
            "  ratio p50 / SQL p50: over HTTP {:.2}, GraphQL layer alone {:.2}",
            single.percentile(0.5).as_secs_f64() / sql_p50,
            in_process.percentile(0.5).as_secs_f64() / sql_p50
        );
    }
}

/// Profiling mode: with `BENCH_PROFILE_DATABASE_URL` set to an already seeded database
/// (`terrasse seed --demo`), only runs the nested query `BENCH_PROFILE_RUNS` times (default
/// 50): executed in-process, or with `BENCH_PROFILE_MODE=sql` its SQL statements replayed.
/// Under `valgrind --tool=callgrind` (which counts instructions of every thread, whatever
/// else the machine is doing) the two modes give the GraphQL-over-SQL ratio in instructions;
/// `BENCH_PROFILE_RUNS=0` measures the start-up to subtract.
async fn profile(database_url: &str) {
    let runs = std::env::var("BENCH_PROFILE_RUNS").map_or(50, |runs| runs.parse().unwrap());
    let stats = if std::env::var("BENCH_PROFILE_MODE").as_deref() == Ok("sql") {
        let statements = statements_of(database_url, NESTED).await;
        let db = Database::connect(database_url).await.unwrap();
        replay(&db, &statements, runs).await
    } else {
        execute_in_process(database_url, NESTED, 1).await; // warm-up, as statements_of
        execute_in_process(database_url, NESTED, runs).await
    };
    if runs > 0 {
        println!("{}", stats.line("nested query"));
    }
}

#[tokio::main]
async fn main() {
    if let Ok(database_url) = std::env::var("BENCH_PROFILE_DATABASE_URL") {
        profile(&database_url).await;
        return;
    }
    let path = std::env::temp_dir().join(format!("terrasse_bench_read_{}.db", std::process::id()));
    bench("SQLite", format!("sqlite://{}?mode=rwc", path.display())).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else {
        println!("\nPostgreSQL: skipped (set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)");
        return;
    };
    let admin = Database::connect(&admin_url).await.unwrap();
    let name = format!("terrasse_bench_read_{}", std::process::id());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    bench("PostgreSQL", format!("{base}/{name}")).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}
