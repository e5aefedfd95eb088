//! Connecting to the database and bringing it up to date: pending migrations, then the
//! reference territories when they are absent.

use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::{config::DatabaseConfig, reference, store};

/// Page cache of each SQLite connection, KiB (SQLite's default is 2 000 KiB): bulk writes
/// (imports, bulk upserts) touch the pages of every index of the tables they write, and with a
/// small cache each transaction spills and reads pages again before it commits. The cache grows
/// only as pages are used.
const SQLITE_CACHE_KIB: u32 = 32_768;

/// Write-ahead log size, in pages, at which a committing SQLite connection copies the log
/// back into the database file (SQLite's default is 1 000 pages, 4 MB). A bulk write of 1 000
/// contracts dirties more than that in indexes spread over the whole file, so with the
/// default every transaction was copied back and synced at once; at 16 384 pages (64 MB) a
/// page rewritten by several transactions is copied once. Measured on 200 000 imported DECP
/// contracts: 4 389 contracts/s instead of 3 234 (docs/BENCHMARKS.md), same peak memory.
const SQLITE_WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// Opens the connection pool. SQLite files use write-ahead logging (checkpointed every
/// [`SQLITE_WAL_AUTOCHECKPOINT_PAGES`]), a 5 s busy timeout, enforced foreign keys, a larger
/// page cache ([`SQLITE_CACHE_KIB`]) and temporary structures (statement journals, sorts) in
/// memory.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    connect_to(&config.database_url, config).await
}

/// Opens the pool of the read replica (`DATABASE_READ_URL`) when one is configured, with the
/// primary's pool settings. The replica is not migrated: it follows the primary.
pub async fn connect_replica(config: &DatabaseConfig) -> Result<Option<DatabaseConnection>, DbErr> {
    match &config.database_read_url {
        Some(url) if !url.trim().is_empty() => connect_to(url, config).await.map(Some),
        _ => Ok(None),
    }
}

async fn connect_to(url: &str, config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(config.db_max_connections)
        .acquire_timeout(Duration::from_millis(config.db_acquire_timeout_ms))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"))
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", SQLITE_WAL_AUTOCHECKPOINT_PAGES.to_string())
        });
    Database::connect(options).await
}

/// Runs pending migrations, then loads the reference territories if they are absent.
pub async fn prepare(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    if !store::territories::reference_loaded(db).await? {
        let started = Instant::now();
        let data = reference::load()?;
        let load = store::territories::load_reference(db, data).await?;
        store::refresh_statistics(db).await?;
        tracing::info!(
            territories = load.territories,
            memberships = load.memberships,
            postal_codes = load.postal_codes,
            legal_categories = load.legal_categories,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "loaded reference territories (COG {})",
            reference::COG_VINTAGE
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database that accepts connections and never answers (a hung server) costs a caller
    /// the acquire timeout, not forever: requests fail fast while the database is down.
    #[tokio::test]
    async fn a_database_that_does_not_answer_fails_within_the_acquire_timeout() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = silent.local_addr().map(|a| a.port()).unwrap_or_default();
        let mut config = DatabaseConfig::new(format!("postgres://postgres@127.0.0.1:{port}/terrasse"), 2);
        config.db_acquire_timeout_ms = 300;
        let started = Instant::now();
        let result = connect(&config).await;
        let elapsed = started.elapsed();
        assert!(result.is_err(), "the server never answers");
        assert!(
            elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(3),
            "gave up after {elapsed:?}"
        );
        drop(silent);
    }
}
