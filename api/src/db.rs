//! Connecting to the database and bringing it up to date: pending migrations, then the
//! reference territories when they are absent.
//!
//! The server's pools ([`connect_serving`]) also bound every SQL statement by the request
//! that runs it: PostgreSQL connections carry a `statement_timeout` (the request timeout),
//! and on SQLite a statement started within [`within_deadline`] is interrupted once the
//! request's deadline passes or the request is abandoned (its future dropped). Imports and
//! the other commands use [`connect`], without either bound.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr,
    sqlx::{Error as SqlxError, SqliteConnection},
};

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

/// Opens the server's pool of `url` (the primary's or the replica's): like [`connect`], with
/// every statement bounded by `statement_timeout` on PostgreSQL, and by the deadline of the
/// request running it on SQLite (see [`within_deadline`]).
pub async fn connect_serving(
    url: &str,
    config: &DatabaseConfig,
    statement_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = options(url, config);
    let milliseconds = statement_timeout.as_millis().max(1);
    options
        .map_sqlx_postgres_opts(move |opts| opts.options([("statement_timeout", milliseconds)]))
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_connect(|connection, _| Box::pin(follow_request_deadline(connection)))
                .before_acquire(|connection, _| {
                    Box::pin(async move { follow_request_deadline(connection).await.map(|()| true) })
                })
        });
    Database::connect(options).await
}

/// Number of SQLite virtual-machine steps between two checks of a statement's deadline (a
/// check reads the clock: a few nanoseconds every few microseconds of work).
const SQLITE_STEPS_PER_CHECK: i32 = 1_000;

tokio::task_local! {
    /// The deadline of the request the current task runs.
    static REQUEST_DEADLINE: Arc<StatementDeadline>;
}

/// When the statements of one request must stop.
#[derive(Debug)]
struct StatementDeadline {
    at: Instant,
    abandoned: AtomicBool,
}

impl StatementDeadline {
    /// Whether a statement of the request may go on.
    fn allows(&self) -> bool {
        !self.abandoned.load(Ordering::Relaxed) && Instant::now() < self.at
    }
}

/// Marks the request abandoned when its future ends or is dropped.
struct Abandon(Arc<StatementDeadline>);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.abandoned.store(true, Ordering::Relaxed);
    }
}

/// Runs `work` (a request's execution) with `deadline` for its SQLite statements: a statement
/// of a pool opened by [`connect_serving`] that runs past `deadline`, or still runs once
/// `work` is dropped (the request timed out or its client left), is interrupted, and its
/// connection goes back to the pool free. (The sqlx worker thread of a SQLite connection
/// would otherwise run an abandoned statement to its end, holding the connection.)
pub async fn within_deadline<F: Future>(deadline: tokio::time::Instant, work: F) -> F::Output {
    let deadline = Arc::new(StatementDeadline {
        at: deadline.into_std(),
        abandoned: AtomicBool::new(false),
    });
    let _abandon = Abandon(deadline.clone());
    REQUEST_DEADLINE.scope(deadline, work).await
}

/// Gives a SQLite connection being handed out the deadline of the acquiring request (a
/// progress handler that interrupts its statements), or none outside a request. Connections
/// are acquired in the task of the request that uses them, so the task's deadline is the
/// right one.
async fn follow_request_deadline(connection: &mut SqliteConnection) -> Result<(), SqlxError> {
    let deadline = REQUEST_DEADLINE.try_with(Arc::clone).ok();
    let mut handle = connection.lock_handle().await?;
    match deadline {
        Some(deadline) => handle.set_progress_handler(SQLITE_STEPS_PER_CHECK, move || deadline.allows()),
        None => handle.remove_progress_handler(),
    }
    Ok(())
}

/// Whether a database error is a statement stopped by its bound: PostgreSQL's
/// `statement_timeout` (SQLSTATE 57014, query canceled) or a SQLite statement interrupted at
/// its request's deadline (SQLITE_INTERRUPT).
pub fn is_statement_timeout(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error))) = error else {
        return false;
    };
    match error.as_ref() {
        SqlxError::Database(database) => {
            matches!(database.code().as_deref(), Some("57014" | "9")) || database.message().contains("interrupted")
        }
        _ => false,
    }
}

async fn connect_to(url: &str, config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    Database::connect(options(url, config)).await
}

/// The pool settings shared by every connection.
fn options(url: &str, config: &DatabaseConfig) -> ConnectOptions {
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
    options
}

/// Connects to the database ([`connect`]) and brings it up to date ([`prepare`]): what every
/// command that reads or writes records starts with.
pub async fn connect_prepared(config: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    let db = connect(config).await?;
    prepare(&db).await?;
    Ok(db)
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
