//! Load test and the price of hardening: the server in-process on the demo data, N concurrent
//! clients for D seconds on a mix of list, nested and analytics queries, answers counted by
//! status (there must be no 5xx), requests per second, p50 and p99 latency, and the process's
//! memory (VmRSS sampled every 100 ms, VmHWM at the end). The same load runs against a server
//! with the hardening on (query limits, metrics, the per-request log line, rate limiting) and
//! one with all of it off, on the same database, interleaved (on, off, on, off...) so a noisy
//! machine weighs on both alike; the ratio is printed (target: hardening costs at most 10 %).
//!
//! The rate limiter is on with a budget no client exhausts, so its bookkeeping is measured
//! without refusals; log lines are formatted as JSON and written to a sink.
//!
//! Run: `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench
//! load`. Settings: `LOAD_CLIENTS` (64), `LOAD_SECS` (60 per configuration), `LOAD_ROUNDS`
//! (3: each configuration runs in rounds of `LOAD_SECS / LOAD_ROUNDS`), `LOAD_SQLITE=1` to
//! also run on SQLite. Figures go to docs/BENCHMARKS.md.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use api::{
    config::{Config, DatabaseConfig, ServeConfig},
    graphql::limits::QueryLimits,
};
use http_body_util::{BodyExt, Full};
use hyper::{Request, body::Bytes};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use sea_orm::{ConnectionTrait, Database};

/// The allocator of the `terrasse` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A page of organisations.
const LIST: &str = "query List { organisations(first: 20) { totalCount nodes { name siren essFamily } } }";

/// The nested query of the read API issue.
const NESTED: &str = "query Nested { organisations(first: 50) { nodes { name
    establishments { nodes { commune { name departement { name } } } }
    contractsWon(first: 5) { nodes { buyer { name } } }
    labels { kind } } } }";

/// A dashboard: SSE organisations by commune and family in a département.
const ANALYTICS: &str = include_str!("../examples/dashboards/sse_organisations_by_commune.graphql");

/// The mix: two lists, one nested, one analytics query, in turn.
const MIX: [&str; 4] = [LIST, NESTED, LIST, ANALYTICS];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |value| {
        value.parse().unwrap_or_else(|_| panic!("{name}={value:?}"))
    })
}

/// The current resident set and its high-water mark, kB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(Default)]
struct Run {
    elapsed: Duration,
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
    peak_rss_kb: u64,
}

impl Run {
    fn add(&mut self, other: Run) {
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        self.peak_rss_kb = self.peak_rss_kb.max(other.peak_rss_kb);
    }

    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted
            .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }

    fn server_errors(&self) -> u64 {
        self.statuses.range(500..).map(|(_, count)| count).sum()
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<28} {:>7} requests {:>8.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   peak RSS {:>6.1} MiB   statuses {:?}",
            self.latencies.len(),
            self.rate(),
            self.percentile(0.5).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
            self.peak_rss_kb as f64 / 1024.0,
            self.statuses
        )
    }
}

/// `clients` clients sending the mix to `addr` for `duration`.
async fn load(addr: SocketAddr, clients: usize, duration: Duration) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(memory().0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                peak.fetch_max(memory().0, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let results = Arc::new(Mutex::new(Run::default()));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client_index| {
            let (stop, results) = (stop.clone(), results.clone());
            tokio::spawn(async move {
                let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
                let bodies: Vec<Bytes> = MIX
                    .iter()
                    .map(|query| Bytes::from(serde_json::json!({ "query": query }).to_string()))
                    .collect();
                let mut latencies = Vec::new();
                let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
                let mut turn = client_index;
                while !stop.load(Ordering::SeqCst) {
                    let request = Request::post(format!("http://{addr}/graphql"))
                        .header("content-type", "application/json")
                        .body(Full::new(bodies[turn % bodies.len()].clone()))
                        .unwrap();
                    turn += 1;
                    let sent = Instant::now();
                    let status = match client.request(request).await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let bytes = response
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            if status == 200 && bytes.windows(9).any(|w| w == b"\"errors\":") {
                                eprintln!("error answer: {}", String::from_utf8_lossy(&bytes));
                            }
                            status
                        }
                        Err(error) => {
                            eprintln!("request failed: {error}");
                            599
                        }
                    };
                    latencies.push(sent.elapsed());
                    *statuses.entry(status).or_default() += 1;
                }
                let mut results = results.lock().unwrap();
                results.latencies.extend(latencies);
                for (status, count) in statuses {
                    *results.statuses.entry(status).or_default() += count;
                }
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    sampler.await.unwrap();
    let mut run = std::mem::take(&mut *results.lock().unwrap());
    run.elapsed = elapsed;
    run.peak_rss_kb = peak.load(Ordering::SeqCst);
    run
}

async fn serve(database_url: &str, hardened: bool, demo: bool) -> SocketAddr {
    let mut serve = ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        demo,
        ..ServeConfig::default()
    };
    if hardened {
        // On, with a budget no client exhausts: the limiter's bookkeeping without refusals.
        serve.rate_limit_points = 1_000_000_000_000;
        serve.rate_limit_restore = 1_000_000_000;
    } else {
        serve.limits = QueryLimits {
            max_depth: usize::MAX,
            max_cost: u64::MAX,
            max_aliases: usize::MAX,
            max_fields: usize::MAX,
        };
        serve.metrics = false;
        serve.request_log = false;
        serve.rate_limit_points = 0;
    }
    let config = Config {
        database: DatabaseConfig::new(database_url.to_owned(), 16),
        serve,
    };
    let app = api::http::Application::build(config).await.unwrap();
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped());
    addr
}

async fn bench(label: &str, database_url: &str) {
    let clients = env_number("LOAD_CLIENTS", 64) as usize;
    let seconds = env_number("LOAD_SECS", 60);
    let rounds = env_number("LOAD_ROUNDS", 3).max(1);
    let round = Duration::from_secs_f64(seconds as f64 / rounds as f64);
    let started = Instant::now();
    // The first server seeds the demo data; the second finds it.
    let hardened = serve(database_url, true, true).await;
    let bare = serve(database_url, false, false).await;
    println!(
        "\n## {label}: {clients} clients, {seconds} s per configuration in {rounds} rounds (start-up and demo seed {:.1} s)\n",
        started.elapsed().as_secs_f64()
    );
    load(hardened, clients, Duration::from_secs(2)).await; // warm-up
    load(bare, clients, Duration::from_secs(2)).await;
    let (mut on, mut off) = (Run::default(), Run::default());
    for index in 1..=rounds {
        let run = load(hardened, clients, round).await;
        println!("{}", run.line(&format!("round {index} hardening on")));
        on.add(run);
        let run = load(bare, clients, round).await;
        println!("{}", run.line(&format!("round {index} hardening off")));
        off.add(run);
    }
    println!("{}", on.line("total hardening on"));
    println!("{}", off.line("total hardening off"));
    println!(
        "throughput on/off {:.3} (cost of hardening {:+.1} %), p50 on/off {:.3}, p99 on/off {:.3}; 5xx answers: {} on, {} off; VmHWM {:.1} MiB",
        on.rate() / off.rate(),
        (1.0 - on.rate() / off.rate()) * 100.0,
        on.percentile(0.5).as_secs_f64() / off.percentile(0.5).as_secs_f64(),
        on.percentile(0.99).as_secs_f64() / off.percentile(0.99).as_secs_f64(),
        on.server_errors(),
        off.server_errors(),
        memory().1 as f64 / 1024.0
    );
    assert_eq!(on.server_errors() + off.server_errors(), 0, "no 5xx under load");
}

#[tokio::main]
async fn main() {
    // Log lines are formatted as in production (JSON), then discarded.
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"))
        .with_writer(std::io::sink)
        .init();
    if std::env::var("LOAD_SQLITE").as_deref() == Ok("1") {
        let path = std::env::temp_dir().join(format!("terrasse_bench_load_{}.db", std::process::id()));
        bench("SQLite", &format!("sqlite://{}?mode=rwc", path.display())).await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else {
        println!("\nPostgreSQL: skipped (set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)");
        return;
    };
    let admin = Database::connect(&admin_url).await.unwrap();
    let name = format!("terrasse_bench_load_{}", std::process::id());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    bench("PostgreSQL", &format!("{base}/{name}")).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}
