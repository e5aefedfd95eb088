//! Configuration, read once at start-up from command-line flags and the environment into
//! typed structs. Flags win over the environment; every variable has a default, so Terrasse
//! runs with no set-up on an embedded SQLite file.
//!
//! | variable | flag | default | meaning |
//! |---|---|---|---|
//! | `DATABASE_URL` | `--database-url` | `sqlite://terrasse.db?mode=rwc` | SQLite file (created if missing) or `postgres://user@host:port/db` |
//! | `TERRASSE_DB_MAX_CONNECTIONS` | `--db-max-connections` | `10` | size of the database connection pool |
//! | `TERRASSE_LISTEN` | `--listen` | `127.0.0.1:8080` | address the HTTP server binds (`serve`) |
//! | `TERRASSE_LOG_FORMAT` | `--log-format` | `text` | `text` or `json` log lines on standard error |
//! | `TERRASSE_ANONYMOUS_READ` | `--anonymous-read` | `true` | whether requests without an API key may read (`false`: every request needs a key) |
//! | `TERRASSE_IDEMPOTENCY_RETENTION_HOURS` | `--idempotency-retention-hours` | `24` | how long the first result of a mutation sent with an `idempotencyKey` is kept for replays |
//! | `RUST_LOG` | | `info` | log filter, e.g. `terrasse=debug,sqlx=warn` |

use std::net::SocketAddr;

/// Where the database is and how many connections to keep.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseConfig {
    /// Database URL: `sqlite://FILE?mode=rwc` (the file is created if missing) or
    /// `postgres://USER@HOST:PORT/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://terrasse.db?mode=rwc",
        global = true
    )]
    pub database_url: String,
    /// Largest number of pooled database connections.
    #[arg(long, env = "TERRASSE_DB_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub db_max_connections: u32,
}

/// Format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, env = "TERRASSE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Generate the demo ecosystem first if the database holds no organisation yet.
    #[arg(long)]
    pub demo: bool,
    /// Whether requests without an API key may read.
    #[arg(long, env = "TERRASSE_ANONYMOUS_READ", default_value_t = true, action = clap::ArgAction::Set)]
    pub anonymous_read: bool,
    /// Hours the first result of a mutation sent with an `idempotencyKey` is kept.
    #[arg(long, env = "TERRASSE_IDEMPOTENCY_RETENTION_HOURS", default_value_t = 24)]
    pub idempotency_retention_hours: u32,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database.
    pub database: DatabaseConfig,
    /// The HTTP server.
    pub serve: ServeConfig,
}
