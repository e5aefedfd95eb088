//! Configuration, read once at start-up from command-line flags and the environment into
//! typed structs. Flags win over the environment; every variable has a default, so Terrasse
//! runs with no set-up on an embedded SQLite file.
//!
//! | variable | flag | default | meaning |
//! |---|---|---|---|
//! | `DATABASE_URL` | `--database-url` | `sqlite://terrasse.db?mode=rwc` | SQLite file (created if missing) or `postgres://user@host:port/db` |
//! | `DATABASE_READ_URL` | `--database-read-url` | none | optional read replica (PostgreSQL): queries and analytics read from it; mutations, the change feed (`changes`, `auditLog`), persisted-query registration and API-key checks use `DATABASE_URL` (docs/DEPLOYMENT.md: replica lag) |
//! | `TERRASSE_DB_MAX_CONNECTIONS` | `--db-max-connections` | `10` | size of the database connection pool |
//! | `TERRASSE_DB_ACQUIRE_TIMEOUT_MS` | `--db-acquire-timeout-ms` | `3000` | longest wait for a pooled connection (fail fast while the database is down) |
//! | `TERRASSE_LISTEN` | `--listen` | `127.0.0.1:8080` | address the HTTP server binds (`serve`) |
//! | `TERRASSE_LOG_FORMAT` | `--log-format` | `text` | `text` or `json` log lines on standard error |
//! | `TERRASSE_MAX_DEPTH` | `--max-depth` | `12` | deepest nesting of fields a query may have |
//! | `TERRASSE_MAX_COST` | `--max-cost` | `50000` | largest requested cost of a query (see `graphql::limits`) |
//! | `TERRASSE_MAX_ALIASES` | `--max-aliases` | `30` | most aliases in one query |
//! | `TERRASSE_MAX_FIELDS` | `--max-fields` | `500` | most fields in one query |
//! | `TERRASSE_ANONYMOUS_READ` | `--anonymous-read` | `true` | whether requests without an API key may read (`false`: every request needs a key) |
//! | `TERRASSE_GRAPHIQL` | `--graphiql` | `true` | serve GraphiQL at `/` |
//! | `TERRASSE_INTROSPECTION` | `--introspection` | `true` | answer introspection queries |
//! | `TERRASSE_CORS_ORIGINS` | `--cors-origins` | none | browser origins allowed by CORS, comma-separated |
//! | `TERRASSE_REQUEST_TIMEOUT_SECS` | `--request-timeout-secs` | `10` | longest a GraphQL request may run; also each SQL statement of the server (PostgreSQL `statement_timeout`, SQLite statements interrupted at the request's deadline) |
//! | `TERRASSE_HEADER_READ_TIMEOUT_SECS` | `--header-read-timeout-secs` | `10` | longest a client may take to send a request's headers (slow clients are disconnected; at least 1) |
//! | `TERRASSE_RATE_LIMIT_POINTS` | `--rate-limit-points` | `100000` | cost points of a client's full bucket (per API key, else per address; 0: no limit) |
//! | `TERRASSE_RATE_LIMIT_RESTORE` | `--rate-limit-restore` | `1000` | cost points restored per second |
//! | `TERRASSE_BATCH_REQUESTS` | `--batch-requests` | `false` | accept batched requests (a JSON array body of at most 10 operations, each limited, costed and rate-limited like a single one) |
//! | `TERRASSE_PERSISTED_QUERIES` | `--persisted-queries` | `auto` | `off`, `auto` (automatic persisted queries by SHA-256 hash, registered in the database) or `allowlist` (only the manifest's operations run; admin keys bypass) |
//! | `TERRASSE_PERSISTED_QUERIES_MANIFEST` | `--persisted-queries-manifest` | none | registered operations loaded at start: a JSON object hash -> query, or a directory of `.graphql` files |
//! | `TERRASSE_METRICS` | `--metrics` | `true` | count requests and serve `/metrics` (`false`: `/metrics` is 404) |
//! | `TERRASSE_REQUEST_LOG` | `--request-log` | `true` | one structured log line per GraphQL request |
//! | `TERRASSE_CACHE_CONTROL` | `--cache-control` | `no-cache` | `Cache-Control` of GET answers (which carry an ETag) |
//! | `TERRASSE_IDEMPOTENCY_RETENTION_HOURS` | `--idempotency-retention-hours` | `24` | how long the first result of a mutation sent with an `idempotencyKey` is kept for replays |
//! | `TERRASSE_CERTIFIED_LABEL_SOURCES` | `--certified-label-sources` | none | partner sources allowed to write certified label kinds (ESUS, SIAE kinds, GEIQ, EA, EATT, ESAT, SCOP, SCIC, CAE), comma-separated, e.g. `PARTNER:dreets,PARTNER:france-travail`; admin keys and the command line always may (docs/SYNC.md) |
//! | `RUST_LOG` | | `info` | log filter, e.g. `terrasse=debug,sqlx=warn` |
//! | `TERRASSE_SUPPRESSION_THRESHOLD` | | `3` | smallest number of distinct suppliers or organisations behind a grouped figure shown to anonymous callers (docs/ANALYTICS.md) |

use std::{net::SocketAddr, path::PathBuf};

pub mod limits;
pub mod persisted;

pub use limits::QueryLimits;
pub use persisted::Mode as PersistedQueryMode;

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
    /// Optional read replica of `database_url`: queries and analytics read from it, while
    /// mutations, the change feed and API-key checks use `database_url`.
    #[arg(long, env = "DATABASE_READ_URL", global = true)]
    pub database_read_url: Option<String>,
    /// Largest number of pooled database connections.
    #[arg(long, env = "TERRASSE_DB_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub db_max_connections: u32,
    /// Longest wait for a pooled connection, milliseconds: while the database is down,
    /// requests fail after this long instead of queueing.
    #[arg(long, env = "TERRASSE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 3_000, global = true)]
    pub db_acquire_timeout_ms: u64,
}

impl DatabaseConfig {
    /// Settings for `database_url` with `max_connections`, the other settings at their
    /// defaults.
    pub fn new(database_url: impl Into<String>, max_connections: u32) -> Self {
        Self {
            database_url: database_url.into(),
            database_read_url: None,
            db_max_connections: max_connections,
            db_acquire_timeout_ms: 3_000,
        }
    }
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
    /// Limits every query must stay within.
    #[command(flatten)]
    pub limits: QueryLimits,
    /// Whether requests without an API key may read.
    #[arg(long, env = "TERRASSE_ANONYMOUS_READ", default_value_t = true, action = clap::ArgAction::Set)]
    pub anonymous_read: bool,
    /// Hours the first result of a mutation sent with an `idempotencyKey` is kept.
    #[arg(long, env = "TERRASSE_IDEMPOTENCY_RETENTION_HOURS", default_value_t = 24)]
    pub idempotency_retention_hours: u32,
    /// Serve GraphiQL at `/` (turn off for public deployments that do not want it).
    #[arg(long, env = "TERRASSE_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
    /// Answer introspection queries (`__schema`, `__type`).
    #[arg(long, env = "TERRASSE_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Origins allowed to call the API from a browser (CORS), comma-separated
    /// `scheme://host[:port]`; none by default.
    #[arg(long, env = "TERRASSE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Longest a GraphQL request may run, seconds; past it the request is abandoned (its
    /// database work with it) and answered with a `QUERY_TOO_COMPLEX` error.
    #[arg(long, env = "TERRASSE_REQUEST_TIMEOUT_SECS", default_value_t = 10)]
    pub request_timeout_secs: u64,
    /// Longest a client may take to send a request line and headers, seconds; past it the
    /// connection is closed (a client sending its headers byte by byte holds no connection
    /// longer than this).
    #[arg(long, env = "TERRASSE_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,
    /// Cost points a client's rate-limit bucket holds when full (0 turns rate limiting off).
    #[arg(long, env = "TERRASSE_RATE_LIMIT_POINTS", default_value_t = 100_000)]
    pub rate_limit_points: u64,
    /// Cost points restored to a bucket per second.
    #[arg(long, env = "TERRASSE_RATE_LIMIT_RESTORE", default_value_t = 1_000)]
    pub rate_limit_restore: u64,
    /// Accept batched requests: a JSON array body of at most 10 operations, each limited,
    /// costed and rate-limited like a single request.
    #[arg(long, env = "TERRASSE_BATCH_REQUESTS", default_value_t = false, action = clap::ArgAction::Set)]
    pub batch_requests: bool,
    /// Persisted queries: `off`, `auto` (registered by hash on first use) or `allowlist`
    /// (only the manifest's operations run; admin keys bypass).
    #[arg(long, env = "TERRASSE_PERSISTED_QUERIES", value_enum, default_value_t = PersistedQueryMode::Auto)]
    pub persisted_queries: PersistedQueryMode,
    /// Registered operations loaded at start: a JSON object hash -> query, or a directory of
    /// `.graphql` files.
    #[arg(long, env = "TERRASSE_PERSISTED_QUERIES_MANIFEST")]
    pub persisted_queries_manifest: Option<PathBuf>,
    /// Count requests and serve `/metrics`.
    #[arg(long, env = "TERRASSE_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,
    /// Log one structured line per GraphQL request.
    #[arg(long, env = "TERRASSE_REQUEST_LOG", default_value_t = true, action = clap::ArgAction::Set)]
    pub request_log: bool,
    /// `Cache-Control` of GraphQL answers to GET (which also carry an ETag).
    #[arg(long, env = "TERRASSE_CACHE_CONTROL", default_value = "no-cache")]
    pub cache_control: String,
    /// Statistical confidentiality of dashboard figures: smallest number of distinct
    /// contributors behind a grouped figure shown to anonymous callers (at least 1).
    #[arg(long, env = "TERRASSE_SUPPRESSION_THRESHOLD", default_value_t = crate::domain::disclosure::DEFAULT_THRESHOLD,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub suppression_threshold: i64,
    /// Partner sources (`PARTNER:<slug>`) allowed to write certified label kinds, those that
    /// decide an SSE family (ESUS, SIAE kinds, GEIQ, EA, EATT, ESAT, SCOP, SCIC, CAE);
    /// comma-separated. Admin keys and the command line always may.
    #[arg(long, env = "TERRASSE_CERTIFIED_LABEL_SOURCES", value_delimiter = ',')]
    pub certified_label_sources: Vec<String>,
    /// Test-only fault injection: an operation sent with this `operationName` panics once executed, to prove a
    /// panic stays within its request. Neither a flag nor an environment variable can set it:
    /// only code building a `ServeConfig` (the end-to-end tests).
    #[arg(skip)]
    pub panic_on_operation: Option<String>,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database.
    pub database: DatabaseConfig,
    /// The HTTP server.
    pub serve: ServeConfig,
}

/// Settings of the dashboard analytics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyticsConfig {
    /// Smallest number of distinct contributors behind a grouped figure shown to callers who
    /// may not see small counts (`ServeConfig::suppression_threshold`, at least 1).
    pub suppression_threshold: i64,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            suppression_threshold: crate::domain::disclosure::DEFAULT_THRESHOLD,
        }
    }
}
