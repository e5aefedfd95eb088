//! Measures loading all French reference territories (COG 2026) into an empty database:
//! parsing the embedded files, then migrations + load, on a fresh SQLite file and, when
//! `BENCH_DATABASE_URL` gives a PostgreSQL admin URL, on a fresh PostgreSQL database.
//!
//! Run: `cargo bench --bench reference_load` (release build). Target: under 5 s on SQLite.
//! Figures are recorded in docs/BENCHMARKS.md.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::time::{Duration, Instant};

use api::config::DatabaseConfig;
use sea_orm::{ConnectionTrait, Database};

const RUNS: usize = 3;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn load_once(database_url: String) -> Duration {
    let config = DatabaseConfig::new(database_url, 2);
    let db = api::db::connect(&config).await.unwrap();
    let started = Instant::now();
    api::db::prepare(&db).await.unwrap();
    let elapsed = started.elapsed();
    db.close().await.unwrap();
    elapsed
}

#[tokio::main]
async fn main() {
    let parse: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let data = api::reference::load().unwrap();
            assert!(data.territories.len() > 38_000);
            started.elapsed()
        })
        .collect();
    println!(
        "parse embedded reference files: median {:?} over {RUNS} runs",
        median(parse)
    );

    let mut sqlite = Vec::new();
    for run in 0..RUNS {
        let path = std::env::temp_dir().join(format!("terrasse_bench_{}_{run}.db", std::process::id()));
        sqlite.push(load_once(format!("sqlite://{}?mode=rwc", path.display())).await);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let sqlite = median(sqlite);
    println!("SQLite: migrate + load all France into an empty file: median {sqlite:?} over {RUNS} runs (target < 5 s)");

    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else {
        println!("PostgreSQL: skipped (set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)");
        return;
    };
    let admin = Database::connect(&admin_url).await.unwrap();
    let mut postgres = Vec::new();
    for run in 0..RUNS {
        let name = format!("terrasse_bench_{}_{run}", std::process::id());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
        postgres.push(load_once(format!("{base}/{name}")).await);
        admin
            .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
    let postgres = median(postgres);
    println!("PostgreSQL: migrate + load all France into an empty database: median {postgres:?} over {RUNS} runs");
    println!(
        "ratio PostgreSQL / SQLite: {:.2}",
        postgres.as_secs_f64() / sqlite.as_secs_f64()
    );
}
