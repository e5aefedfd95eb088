//! Measures `terrasse import decp` on a generated DECP 2022 file (default 1 000 000
//! contracts, `IMPORT_BENCH_CONTRACTS` to change it), beside the bare insert of the same rows
//! (`store::contracts::insert_new`, rows built beforehand, buyers and suppliers resolved, no
//! parsing, lookup or validation) in the same run, on a fresh SQLite file and, when
//! `BENCH_DATABASE_URL` gives a PostgreSQL admin URL, on a fresh PostgreSQL database. Prints
//! rows per second and the peak resident memory (VmHWM) after each phase.
//!
//! `IMPORT_BENCH_BATCH` sets the import's batch size (records per transaction; default
//! [`api::import::BATCH_SIZE`]).
//!
//! Run: `cargo bench --bench import` (release build). Target: at least 20 000 contracts/s and
//! under 300 MB peak RSS. Figures are recorded in docs/BENCHMARKS.md.
//!
//! With `IMPORT_BENCH_PROFILE=1`, every SQL statement is timed (sea-orm's metric callback)
//! and each phase ends with the statements that took the most time, grouped by their
//! beginning: count, total time and time per call, beside the phase's wall time.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::{
    collections::HashMap,
    io::{BufWriter, Write},
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use api::{
    config::DatabaseConfig,
    domain::Siret,
    import::{
        Progress, RejectReport,
        decp::{DecpOptions, import_decp},
    },
    store::{
        contracts::{NewContracts, insert_new},
        write::contract::{ContractFields, validated_row},
    },
};
use chrono::{NaiveDate, Utc};
use entity::{
    contract_supplier,
    enums::{ContractKind, IdScheme, LocalityLevel},
    establishment,
};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, TransactionTrait};
use uuid::Uuid;

/// The allocator of the `terrasse` binary, which runs `terrasse import decp`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BUYERS: usize = 200;
const SUPPLIERS: usize = 5_000;
const POSTAL_CODES: [&str; 5] = ["13001", "35000", "69001", "31000", "75001"];

/// `count` valid SIRETs whose SIREN starts with `prefix` (two digits).
fn sirets(prefix: u32, count: usize) -> Vec<String> {
    let mut found = Vec::with_capacity(count);
    let mut n = 0u32;
    while found.len() < count {
        let siren = (0..10)
            .map(|check| format!("{prefix:02}{n:06}{check}"))
            .find(|s| api::domain::Siren::parse(s).is_ok());
        n += 1;
        let Some(siren) = siren else { continue };
        if let Some(siret) = (10..100)
            .map(|nic| format!("{siren}000{nic:02}"))
            .find(|s| Siret::parse(s).is_ok())
        {
            found.push(siret);
        }
    }
    found
}

/// Contract `i`: buyer, supplier and values, as the generated file and the bare rows share.
struct Generated<'a> {
    buyer: &'a str,
    supplier: &'a str,
    id: String,
    month: u32,
    months: i32,
    cents: i64,
    postal_code: &'static str,
}

fn generated<'a>(i: usize, buyers: &'a [String], suppliers: &'a [String], tag: &str) -> Generated<'a> {
    Generated {
        buyer: &buyers[i % buyers.len()],
        supplier: &suppliers[(i * 7) % suppliers.len()],
        id: format!("{tag}{i:09}"),
        month: 1 + (i % 12) as u32,
        months: 12 + (i % 36) as i32,
        cents: 4_000_000 + (i as i64 % 100_000) * 100,
        postal_code: POSTAL_CODES[i % POSTAL_CODES.len()],
    }
}

/// Writes the DECP 2022 file of `count` contracts.
fn write_file(path: &Path, count: usize, buyers: &[String], suppliers: &[String]) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(b"{\"marches\": {\"marche\": [\n").unwrap();
    for i in 0..count {
        let g = generated(i, buyers, suppliers, "D");
        if i > 0 {
            out.write_all(b",\n").unwrap();
        }
        write!(
            out,
            r#"{{"id": "{id}", "acheteur": {{"id": "{buyer}"}}, "nature": "Marché", "objet": "Prestations de services {i}", "codeCPV": "77310000", "procedure": "Procédure adaptée", "lieuExecution": {{"code": "{postal}", "typeCode": "Code postal"}}, "dureeMois": {months}, "dateNotification": "2025-{month:02}-01", "datePublicationDonnees": "2025-{month:02}-10", "montant": {amount}, "formePrix": "Forfaitaire", "titulaires": [{{"titulaire": {{"id": "{supplier}", "typeIdentifiant": "SIRET"}}}}], "considerationsSociales": {{"considerationSociale": ["Clause sociale"]}}, "considerationsEnvironnementales": {{"considerationEnvironnementale": ["Pas de considération environnementale"]}}, "modifications": []}}"#,
            id = g.id,
            buyer = g.buyer,
            postal = g.postal_code,
            months = g.months,
            month = g.month,
            amount = Decimal::new(g.cents, 2),
            supplier = g.supplier,
        )
        .unwrap();
    }
    out.write_all(b"\n]}}\n").unwrap();
    out.flush().unwrap();
}

/// Time spent in SQL statements, by the statement's beginning (`IMPORT_BENCH_PROFILE=1`).
type Profile = Arc<Mutex<HashMap<String, (usize, Duration)>>>;

/// The group of a statement: its text up to the values or the filter, at most 90 characters.
fn statement_group(sql: &str) -> String {
    let cut = [" VALUES ", " WHERE ", " SELECT c.id"]
        .iter()
        .filter_map(|marker| sql.find(marker))
        .min()
        .unwrap_or(sql.len());
    let head = &sql[..cut];
    let head = match head.find(" (") {
        Some(open) if head.starts_with("INSERT") => &head[..open],
        _ => head,
    };
    head.chars().take(90).collect()
}

/// Prints the statements of `profile` by total time, then clears it.
fn print_profile(profile: &Profile, wall: f64) {
    let mut groups: Vec<(String, (usize, Duration))> = profile.lock().unwrap().drain().collect();
    groups.sort_by_key(|(_, (_, elapsed))| std::cmp::Reverse(*elapsed));
    let total: f64 = groups.iter().map(|(_, (_, d))| d.as_secs_f64()).sum();
    let count: usize = groups.iter().map(|(_, (n, _))| n).sum();
    println!(
        "  SQL: {count} statements, {total:.2} s of {wall:.2} s wall ({:.0}%)",
        100.0 * total / wall
    );
    for (group, (n, elapsed)) in groups.iter().take(16) {
        println!(
            "  {:>8.3} s {n:>7} x {:>8.1} us  {group}",
            elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e6 / *n as f64
        );
    }
}

/// Peak resident memory of this process so far, MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn bench(
    label: &str,
    mut db: DatabaseConnection,
    file: &Path,
    count: usize,
    buyers: &[String],
    suppliers: &[String],
) {
    api::db::prepare(&db).await.unwrap();
    let profile: Option<Profile> = std::env::var("IMPORT_BENCH_PROFILE")
        .is_ok_and(|v| v == "1")
        .then(Profile::default);
    if let Some(profile) = &profile {
        let sink = profile.clone();
        db.set_metric_callback(move |info| {
            let mut groups = sink.lock().unwrap();
            let entry = groups.entry(statement_group(&info.statement.sql)).or_default();
            entry.0 += 1;
            entry.1 += info.elapsed;
        });
    }
    let profiled = |wall: f64| {
        if let Some(profile) = &profile {
            print_profile(profile, wall);
        }
    };
    println!("\n## {label}\n");
    let started = Instant::now();
    let mut report = RejectReport::discard();
    let mut progress = Progress::new("bench", None).quiet();
    let options = DecpOptions {
        batch_size: std::env::var("IMPORT_BENCH_BATCH")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(api::import::BATCH_SIZE),
        ..DecpOptions::default()
    };
    let summary = import_decp(&db, file, &options, &mut report, Some(&mut progress))
        .await
        .unwrap();
    let import = started.elapsed().as_secs_f64();
    assert_eq!(summary.imported as usize, count, "{summary}");
    println!(
        "import decp (parse, validate, unresolved records, upsert): {:>8.0} contracts/s ({count} in {import:.1} s), peak RSS {:.0} MB",
        count as f64 / import,
        peak_rss_mb()
    );
    profiled(import);
    let started = Instant::now();
    let mut again = RejectReport::discard();
    let summary = import_decp(&db, file, &options, &mut again, Some(&mut progress))
        .await
        .unwrap();
    let second = started.elapsed().as_secs_f64();
    assert_eq!(summary.unchanged as usize, count, "{summary}");
    println!(
        "second import (all UNCHANGED):                          {:>8.0} contracts/s, peak RSS {:.0} MB",
        count as f64 / second,
        peak_rss_mb()
    );
    profiled(second);

    // The same rows, inserted bare (other ids), buyers and suppliers resolved beforehand.
    let sites: HashMap<String, establishment::Model> = establishment::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.siret.clone().map(|s| (s, e)))
        .collect();
    let mut bare_time = 0.0;
    for start in (0..count).step_by(1000) {
        let mut new = NewContracts::default();
        for i in start..(start + 1000).min(count) {
            let g = generated(i, buyers, suppliers, "R");
            let fields = ContractFields {
                external_id: Some(format!("{}{}", g.buyer, g.id)),
                buyer_siret: g.buyer.to_owned(),
                buyer_internal_id: g.id.clone(),
                kind: ContractKind::PublicContract,
                object: Some(format!("Prestations de services {i}")),
                cpv_code: Some("77310000".into()),
                procedure: Some("Procédure adaptée".into()),
                notified_on: NaiveDate::from_ymd_opt(2025, g.month, 1),
                duration_months: Some(g.months),
                amount: Some(Decimal::new(g.cents, 2)),
                social_clause: true,
                social_criterion: false,
                reserved: false,
                env_clause: false,
                env_criterion: false,
                supplier_sirets: vec![g.supplier.to_owned()],
                source_updated_at: None,
                details: None,
            };
            let (mut contract, _) = validated_row("bench", fields).unwrap();
            let buyer = &sites[g.buyer];
            let site = &sites[g.supplier];
            contract.buyer_establishment_id = Some(buyer.id);
            contract.buyer_organisation_id = Some(buyer.organisation_id);
            new.suppliers.push(contract_supplier::Model {
                id: Uuid::now_v7(),
                contract_id: contract.id,
                position: 0,
                id_scheme: IdScheme::Siret,
                id_value: g.supplier.to_owned(),
                establishment_id: Some(site.id),
                organisation_id: Some(site.organisation_id),
                from_modification: 0,
                distance_km: None,
                locality_level: LocalityLevel::Unknown,
                created_at: Utc::now(),
            });
            new.contracts.push(contract);
        }
        let started = Instant::now();
        let txn = db.begin().await.unwrap();
        insert_new(&txn, new).await.unwrap();
        txn.commit().await.unwrap();
        bare_time += started.elapsed().as_secs_f64();
    }
    println!(
        "bare insert of the same rows (contracts + suppliers + change log): {:>8.0} contracts/s; import = {:.0}% of it",
        count as f64 / bare_time,
        100.0 * bare_time / import
    );
    profiled(bare_time);
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("IMPORT_BENCH_CONTRACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let buyers = sirets(21, BUYERS);
    let suppliers = sirets(44, SUPPLIERS);
    let file = std::env::temp_dir().join(format!("terrasse_bench_decp_{}.json", std::process::id()));
    let started = Instant::now();
    write_file(&file, count, &buyers, &suppliers);
    println!(
        "generated {count} DECP 2022 contracts ({:.0} MB) in {:.1} s, peak RSS {:.0} MB",
        std::fs::metadata(&file).unwrap().len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    let path = std::env::temp_dir().join(format!("terrasse_bench_import_{}.db", std::process::id()));
    let config = DatabaseConfig::new(format!("sqlite://{}?mode=rwc", path.display()), 2);
    bench(
        "SQLite",
        api::db::connect(&config).await.unwrap(),
        &file,
        count,
        &buyers,
        &suppliers,
    )
    .await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") {
        let name = format!("terrasse_bench_import_{}", std::process::id());
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        // The database name replaces the admin URL's; its parameters (`?sslmode=disable`) stay.
        let (base, parameters) = admin_url.split_once('?').unwrap_or((admin_url.as_str(), ""));
        let parameters = if parameters.is_empty() {
            String::new()
        } else {
            format!("?{parameters}")
        };
        let url = format!("{}/{name}{parameters}", base.rsplit_once('/').unwrap().0);
        let db = api::db::connect(&DatabaseConfig::new(url, 2)).await.unwrap();
        bench("PostgreSQL", db.clone(), &file, count, &buyers, &suppliers).await;
        db.close().await.unwrap();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .unwrap();
    } else {
        println!("\nPostgreSQL skipped: set BENCH_DATABASE_URL to an admin URL");
    }
    let _ = std::fs::remove_file(&file);
}
