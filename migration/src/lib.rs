//! Terrasse's schema, as an ordered list of migrations.
//!
//! One file per change; a migration that has landed is never edited, a later one amends it.
//! The server runs pending migrations at start-up, and the tests run the same migrations on a
//! fresh database, so the schema users get is the schema that is tested.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_foundation;
mod m20261129_000002_partner_writes;
mod m20261129_000004_award_lines;
mod m20261129_000005_persisted_queries;
mod m20261203_000010_persisted_query_last_used;
pub mod m20261203_000011_withheld_values;
mod m20261203_000012_audit_log_paging;
mod m20261204_000013_food_supply;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_foundation::Migration),
            Box::new(m20261129_000002_partner_writes::Migration),
            Box::new(m20261129_000004_award_lines::Migration),
            Box::new(m20261129_000005_persisted_queries::Migration),
            Box::new(m20261203_000010_persisted_query_last_used::Migration),
            Box::new(m20261203_000011_withheld_values::Migration),
            Box::new(m20261203_000012_audit_log_paging::Migration),
            Box::new(m20261204_000013_food_supply::Migration),
        ]
    }
}
