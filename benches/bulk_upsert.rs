//! Measures the bulk upsert of contracts (`store::write::contract::upsert_in`, what
//! `upsertContracts` runs) in batches of 1 000, beside the bare insert of the same rows
//! (`store::contracts::insert_new`: contracts, suppliers and change log, rows built
//! beforehand, no lookup or validation) in the same run, on a fresh SQLite file and, when
//! `BENCH_DATABASE_URL` gives a PostgreSQL admin URL, on a fresh PostgreSQL database. The
//! demo ecosystem provides the buyers and suppliers.
//!
//! Run: `cargo bench --bench bulk_upsert` (release build). Target: creating upsert at least
//! 40% of the bare insert rate. Figures are recorded in docs/BENCHMARKS.md.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::time::{Duration, Instant};

use api::{
    config::DatabaseConfig,
    store::{
        contracts::{NewContracts, insert_new},
        write::ItemStatus,
        write::Writer,
        write::contract::{ContractFields, upsert_in, validated_row},
    },
};
use chrono::{NaiveDate, Utc};
use entity::{
    contract_supplier,
    enums::{ContractKind, IdScheme, LocalityLevel},
    establishment,
};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

const BATCH: usize = 1000;
const BATCHES: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn rate(duration: Duration) -> f64 {
    BATCH as f64 / duration.as_secs_f64()
}

/// One batch of contract items; `variant` changes the amounts.
fn items(tag: &str, batch: usize, sites: &[establishment::Model], variant: i64) -> Vec<ContractFields> {
    (0..BATCH)
        .map(|i| {
            let buyer = &sites[i % 7];
            let supplier = &sites[7 + (i % (sites.len() - 7))];
            ContractFields {
                external_id: Some(format!("{tag}-{batch}-{i}")),
                buyer_siret: buyer.siret.clone().unwrap(),
                buyer_internal_id: format!("{tag}{batch:02}{i:04}"),
                kind: ContractKind::PublicContract,
                object: Some(format!("Marché de services {i}")),
                cpv_code: Some("77310000".into()),
                procedure: Some("Procédure adaptée".into()),
                notified_on: NaiveDate::from_ymd_opt(2025, 1 + (i % 12) as u32, 1),
                duration_months: Some(12 + (i % 36) as i32),
                amount: Some(Decimal::new(1_000_000 + i as i64 * 100 + variant, 2)),
                social_clause: i % 3 == 0,
                social_criterion: false,
                reserved: i % 10 == 0,
                env_clause: false,
                env_criterion: false,
                supplier_sirets: vec![supplier.siret.clone().unwrap()],
                source_updated_at: None,
                details: None,
            }
        })
        .collect()
}

/// The same rows, built for a bare insert (buyer and supplier resolved beforehand).
fn bare_rows(items: Vec<ContractFields>, sites: &[establishment::Model]) -> NewContracts {
    let mut new = NewContracts::default();
    for fields in items {
        let (mut contract, suppliers) = validated_row("BENCH", fields).unwrap();
        let buyer = sites
            .iter()
            .find(|s| s.siret.as_deref() == Some(&contract.buyer_siret))
            .unwrap();
        contract.buyer_establishment_id = Some(buyer.id);
        contract.buyer_organisation_id = Some(buyer.organisation_id);
        for (position, siret) in suppliers.iter().enumerate() {
            let site = sites.iter().find(|s| s.siret.as_deref() == Some(siret)).unwrap();
            new.suppliers.push(contract_supplier::Model {
                id: Uuid::now_v7(),
                contract_id: contract.id,
                position: position as i16,
                id_scheme: IdScheme::Siret,
                id_value: siret.clone(),
                establishment_id: Some(site.id),
                organisation_id: Some(site.organisation_id),
                from_modification: 0,
                distance_km: Some(12.5),
                locality_level: LocalityLevel::SameDepartement,
                created_at: Utc::now(),
            });
        }
        new.contracts.push(contract);
    }
    new
}

async fn upsert_batch(db: &DatabaseConnection, items: Vec<ContractFields>, expected: ItemStatus) -> Duration {
    let writer = Writer {
        key_id: None,
        only_source: None,
        default_source: Some("BENCH".into()),
        certifies_labels: true,
    };
    let started = Instant::now();
    let txn = db.begin().await.unwrap();
    let results = upsert_in(&txn, &writer, "BENCH", items).await.unwrap();
    txn.commit().await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        results.iter().all(|r| r.status == expected),
        "{:?}",
        results.iter().find(|r| r.status != expected)
    );
    elapsed
}

async fn bench(label: &str, db: DatabaseConnection) {
    let started = Instant::now();
    api::db::prepare(&db).await.unwrap();
    api::seed::demo::seed_demo(&db).await.unwrap();
    println!(
        "\n## {label} (prepare and demo seed: {:.1} s)\n",
        started.elapsed().as_secs_f64()
    );
    let sites = establishment::Entity::find()
        .filter(establishment::Column::Siret.is_not_null())
        .filter(establishment::Column::DeletedAt.is_null())
        .order_by_asc(establishment::Column::Siret)
        .limit(60)
        .all(&db)
        .await
        .unwrap();
    let (mut bare, mut created, mut unchanged, mut updated) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for batch in 0..BATCHES {
        // Interleaved, so both see the same table sizes and machine noise.
        let rows = bare_rows(items("R", batch, &sites, 0), &sites);
        let started = Instant::now();
        let txn = db.begin().await.unwrap();
        insert_new(&txn, rows).await.unwrap();
        txn.commit().await.unwrap();
        bare.push(started.elapsed());
        created.push(upsert_batch(&db, items("U", batch, &sites, 0), ItemStatus::Created).await);
        unchanged.push(upsert_batch(&db, items("U", batch, &sites, 0), ItemStatus::Unchanged).await);
        updated.push(upsert_batch(&db, items("U", batch, &sites, 1), ItemStatus::Updated).await);
    }
    let bare = median(bare);
    let created = median(created);
    println!(
        "bare insert (contracts + suppliers + change log): {:>8.0} items/s",
        rate(bare)
    );
    println!(
        "bulk upsert, all new (CREATED):                  {:>8.0} items/s = {:.0}% of bare insert (target >= 40%)",
        rate(created),
        100.0 * bare.as_secs_f64() / created.as_secs_f64()
    );
    println!(
        "bulk upsert, all identical (UNCHANGED):          {:>8.0} items/s",
        rate(median(unchanged))
    );
    println!(
        "bulk upsert, all changed (UPDATED):              {:>8.0} items/s",
        rate(median(updated))
    );
    println!("(medians of {BATCHES} batches of {BATCH} contracts, one supplier each)");
}

#[tokio::main]
async fn main() {
    let path = std::env::temp_dir().join(format!("terrasse_bench_upsert_{}.db", std::process::id()));
    let config = DatabaseConfig::new(format!("sqlite://{}?mode=rwc", path.display()), 2);
    bench("SQLite", api::db::connect(&config).await.unwrap()).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else {
        println!("\nPostgreSQL skipped: set BENCH_DATABASE_URL to an admin URL");
        return;
    };
    let name = format!("terrasse_bench_upsert_{}", std::process::id());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let config = DatabaseConfig::new(url, 2);
    let db = api::db::connect(&config).await.unwrap();
    bench("PostgreSQL", db.clone()).await;
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
