//! Analytics benchmark on PostgreSQL with 1 000 000 synthetic contracts: the grouped
//! procurement indicators (by year and CPV division, for the buyers of one département) through
//! the GraphQL schema, beside the same SQL statements run bare on the same database in the same
//! run, and a minimal hand-written `GROUP BY` over the award lines (count and amount only) for
//! scale.
//!
//! The database is built once by the synthetic generator and reused: `BENCH_DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/terrasse_bench`) is migrated, and seeded with
//! `BENCH_ORGANISATIONS` (100 000) organisations and `BENCH_CONTRACTS` (1 000 000) contracts
//! only when it holds no organisation yet.
//!
//! Run: `cargo bench --bench analytics`. Figures go to docs/BENCHMARKS.md and
//! docs/ANALYTICS.md. Targets (analytics issue): under 500 ms, and at most 1.5× the bare SQL.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::time::{Duration, Instant};

use api::{
    config::DatabaseConfig,
    store::analytics::{AmountBasis, BuyerScope, LocalScale, LocalityRule, ProcurementDimension, ProcurementQuery},
};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/terrasse_bench";
const RUNS: usize = 5;

/// The benchmarked query; `{DEP}` is replaced by the département code.
const QUERY: &str = r#"{ procurementIndicators(
    scope: { territory: { level: DEPARTEMENT, code: "{DEP}" } }
    period: { from: "2019-01-01", to: "2025-12-31" }
    groupBy: [{ dimension: YEAR }, { dimension: CPV_DIVISION }]
  ) {
    total { contracts amountEur distinctSuppliers }
    cells { keys { key } suppressed contracts contractEquivalents amountEur
      sse { ofCount ofAmount } inclusiveEmployment { ofCount ofAmount } esus { ofCount ofAmount }
      local { ofCount ofAmount } socialConsideration { ofCount ofAmount } reserved { ofCount ofAmount }
      environmentalConsideration { ofCount ofAmount } meanDistanceKm medianDistanceKm distinctSuppliers }
  } }"#;

/// Count and amount only, grouped the same way, over the same award lines: the floor any
/// answer costs (`DEP` replaced).
const MINIMAL_SQL: &str = "SELECT to_char(al.notified_on, 'YYYY'), al.cpv_division, COUNT(*), SUM(al.initial_amount_cents) \
     FROM award_line al \
     JOIN territory_membership sm ON sm.territory_id = al.buyer_commune_id AND sm.ancestor_id = 'DEP:DEP' \
     WHERE al.notified_on BETWEEN '2019-01-01' AND '2025-12-31' GROUP BY 1, 2";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn time<F, Fut>(mut run: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run().await; // warm-up
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        run().await;
        times.push(start.elapsed());
    }
    let max = *times.iter().max().unwrap();
    (median(times), max)
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let config = DatabaseConfig::new(url.clone(), 4);
    let db = api::db::connect(&config).await.unwrap();
    api::db::prepare(&db).await.unwrap();
    if !api::seed::demo::has_organisations(&db).await.unwrap() {
        let organisations = env_usize("BENCH_ORGANISATIONS", 100_000);
        let contracts = env_usize("BENCH_CONTRACTS", 1_000_000);
        let start = Instant::now();
        let summary =
            api::seed::demo::synthetic::seed_synthetic(&db, organisations, contracts, |line| eprintln!("{line}"))
                .await
                .unwrap();
        println!("built in {:.0} s: {summary}", start.elapsed().as_secs_f64());
    }
    let contracts = scalar(&db, "SELECT COUNT(*) FROM contract").await;
    println!("database: {contracts} contracts");
    // The largest département of the data (Bouches-du-Rhône) and a middle-sized one (Vaucluse).
    for departement in ["13", "84"] {
        bench_scope(&db, departement).await;
    }
}

async fn bench_scope(db: &DatabaseConnection, departement: &str) {
    let in_scope = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM contract c JOIN establishment be ON be.id = c.buyer_establishment_id \
             JOIN territory_membership sm ON sm.territory_id = be.commune_id AND sm.ancestor_id = 'DEP:{departement}' \
             WHERE c.notified_on BETWEEN '2019-01-01' AND '2025-12-31'"
        ),
    )
    .await;
    let graphql_query = QUERY.replace("{DEP}", departement);
    let minimal_sql = MINIMAL_SQL.replace("DEP:DEP", &format!("DEP:{departement}"));

    // GraphQL, through the same executor as the server.
    let schema = api::graphql::build_schema(db.clone());
    let (graphql, graphql_max) = time(|| {
        let (schema, db, graphql_query) = (schema.clone(), db.clone(), graphql_query.clone());
        async move {
            let response =
                api::graphql::executor::execute(&schema, async_graphql::Request::new(graphql_query), db).await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
        }
    })
    .await;

    // The same two statements (cells and total), run bare, side by side as the resolver does.
    let query = ProcurementQuery {
        scope: BuyerScope::Territory(format!("DEP:{departement}")),
        from: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        amount_basis: AmountBasis::Initial,
        locality: LocalityRule::Scale(LocalScale::Epci),
        group_by: vec![ProcurementDimension::Year, ProcurementDimension::CpvDivision],
    };
    let total = ProcurementQuery {
        group_by: Vec::new(),
        ..query.clone()
    };
    let backend = db.get_database_backend();
    let (bare, bare_max) = time(|| {
        let db = db.clone();
        let (cells, total) = (
            api::store::analytics::procurement_statement(backend, &query),
            api::store::analytics::procurement_statement(backend, &total),
        );
        async move {
            let (a, b) = futures_join(db.query_all_raw(cells), db.query_all_raw(total)).await;
            assert!(!a.unwrap().is_empty());
            assert_eq!(b.unwrap().len(), 1);
        }
    })
    .await;
    let (cells_only, _) = time(|| {
        let db = db.clone();
        let statement = api::store::analytics::procurement_statement(backend, &query);
        async move {
            assert!(!db.query_all_raw(statement).await.unwrap().is_empty());
        }
    })
    .await;
    let (minimal, _) = time(|| {
        let (db, minimal_sql) = (db.clone(), minimal_sql.clone());
        async move {
            let statement = Statement::from_string(db.get_database_backend(), minimal_sql);
            assert!(!db.query_all_raw(statement).await.unwrap().is_empty());
        }
    })
    .await;

    println!(
        "grouped procurement indicators, département {departement} ({in_scope} contracts 2019-2025), \
         by year x CPV division ({RUNS} runs, median / max):"
    );
    println!(
        "  GraphQL (cells + total)             {:>8.1} ms / {:>8.1} ms",
        ms(graphql),
        ms(graphql_max)
    );
    println!(
        "  same SQL run bare (cells + total)   {:>8.1} ms / {:>8.1} ms",
        ms(bare),
        ms(bare_max)
    );
    println!("  cells statement alone               {:>8.1} ms", ms(cells_only));
    println!("  minimal GROUP BY (count, amount)    {:>8.1} ms", ms(minimal));
    println!(
        "  ratio GraphQL / bare SQL: {:.2} (target <= 1.5); GraphQL under 500 ms: {}",
        graphql.as_secs_f64() / bare.as_secs_f64(),
        if graphql < Duration::from_millis(500) {
            "yes"
        } else {
            "NO"
        }
    );
}

async fn futures_join<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    async_graphql::futures_util::future::join(a, b).await
}
