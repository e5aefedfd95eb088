//! The award lines the store computes on write equal the lines the migration that created
//! `award_line` filled it with: on the demo data, the store's refresh of every contract and
//! the migration's own backfill give the same rows, column by column.

use api::store::award_lines::refresh_for_contracts;
use migration::{MigratorTrait, SchemaManager};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

use crate::harness::on_both_databases;

/// The migration that creates and fills `award_line`.
const AWARD_LINES_MIGRATION: &str = "m20261129_000004_award_lines";

/// Every row of `award_line`, each column printed, sorted.
async fn award_lines(db: &DatabaseConnection) -> Vec<String> {
    // SQLite keeps the supplier key as bytes, PostgreSQL as text: both are compared as text.
    let supplier_key = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => "hex(supplier_key)",
        _ => "supplier_key",
    };
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT contract_id, CAST(line_no AS BIGINT), CAST(line_count AS BIGINT), buyer_organisation_id, \
             buyer_siren, buyer_commune_id, notified_on, cpv_division, procedure, initial_amount_cents, \
             current_amount_cents, CAST(social AS BIGINT), CAST(reserved AS BIGINT), \
             CAST(environmental AS BIGINT), supplier_organisation_id, {supplier_key}, supplier_commune_id, \
             ess_family, CAST(inclusive AS BIGINT), CAST(esus AS BIGINT), distance_km, locality_level \
             FROM award_line"
            ),
        ))
        .await
        .unwrap();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|row| {
            let uuid = |i| row.try_get_by_index::<Option<Uuid>>(i).unwrap();
            let int = |i| row.try_get_by_index::<Option<i64>>(i).unwrap();
            let text = |i| row.try_get_by_index::<Option<String>>(i).unwrap();
            format!(
                "{:?}",
                (
                    (uuid(0), int(1), int(2), uuid(3), text(4), text(5)),
                    row.try_get_by_index::<chrono::NaiveDate>(6).unwrap(),
                    (text(7), text(8), int(9), int(10), int(11), int(12), int(13)),
                    (uuid(14), text(15), text(16), text(17), int(18), int(19)),
                    row.try_get_by_index::<Option<f64>>(20).unwrap(),
                    text(21),
                )
            )
        })
        .collect();
    lines.sort();
    lines
}

/// Asserts the two row sets are equal, naming the first row that differs.
fn assert_same_lines(store: &[String], migration: &[String]) {
    let differing = store
        .iter()
        .zip(migration)
        .find(|(from_store, from_migration)| from_store != from_migration);
    assert!(
        differing.is_none() && store.len() == migration.len(),
        "the store's award lines ({} rows) differ from the migration's ({} rows); first difference:\n\
         store:     {:?}\nmigration: {:?}",
        store.len(),
        migration.len(),
        differing.map(|(s, _)| s),
        differing.map(|(_, m)| m),
    );
}

on_both_databases! {
    async fn the_store_computes_the_award_lines_the_migration_backfilled(app: &TestApp) {
        use super::*;

        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let backend = app.db.get_database_backend();

        // The store's refresh, from an empty table, for every contract.
        let contracts: Vec<Uuid> = app
            .db
            .query_all_raw(Statement::from_string(backend, "SELECT id FROM contract"))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index(0).unwrap())
            .collect();
        app.db
            .execute_raw(Statement::from_string(backend, "DELETE FROM award_line"))
            .await
            .unwrap();
        refresh_for_contracts(&app.db, &contracts).await.unwrap();
        let from_store = award_lines(&app.db).await;
        assert!(from_store.len() >= contracts.len() / 2, "{} award lines", from_store.len());

        // The migration itself, run again over the same source rows: it drops the table, then
        // creates it and fills it by its backfill statement.
        let migrations = migration::Migrator::migrations();
        let award_lines_migration = migrations
            .iter()
            .find(|m| m.name() == AWARD_LINES_MIGRATION)
            .expect("the award-line migration is in the list");
        let manager = SchemaManager::new(&app.db);
        award_lines_migration.down(&manager).await.unwrap();
        award_lines_migration.up(&manager).await.unwrap();
        let from_migration = award_lines(&app.db).await;

        assert_same_lines(&from_store, &from_migration);
    }
}
