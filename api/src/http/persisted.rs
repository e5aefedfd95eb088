//! Persisted queries: automatic persisted queries (the Apollo APQ protocol) and an allow-list
//! mode for public deployments.
//!
//! A request may name its query by hash in `extensions.persistedQuery`
//! (`{"version": 1, "sha256Hash": "<64 lowercase hex digits>"}`), over POST or GET:
//!
//! - hash alone, registered: the registered query runs (a dashboard can GET it by hash and get
//!   ETag caching on a short URL);
//! - hash alone, unknown: error `PERSISTED_QUERY_NOT_FOUND`; the client sends the hash again
//!   with its query;
//! - hash with its query: the hash must be the query's SHA-256 (else `BAD_USER_INPUT`); in
//!   `auto` mode the query is then registered and runs.
//!
//! Registered queries are stored in the database (`persisted_query`), so every instance
//! serving it knows a query any of them registered; each instance keeps those it has seen in
//! memory. Modes (`TERRASSE_PERSISTED_QUERIES`):
//!
//! - `off`: a request carrying `persistedQuery` is answered `PERSISTED_QUERY_NOT_SUPPORTED`;
//! - `auto` (default): the protocol above; queries sent in full run as usual;
//! - `allowlist`: only the operations of the manifest (`TERRASSE_PERSISTED_QUERIES_MANIFEST`,
//!   loaded at start) run, named by hash or sent in full; anything else is refused with
//!   `FORBIDDEN`, and nothing is registered. Admin API keys bypass the allow-list (they run
//!   any query), so operators can still explore.
//!
//! The manifest is a JSON object mapping hashes to queries (each hash checked at start), or a
//! directory of `.graphql` files, one operation each, registered under their content's hash.
//! In `auto` mode its operations are registered too.
//!
//! Nothing is written before the caller is admitted: [`PersistedQueries::resolve`] only reads
//! and answers what is to be recorded ([`Pending`]); the HTTP layer records it
//! ([`PersistedQueries::record`]) once the caller passed authentication, the anonymous-read
//! rule, the query limits and the rate limit. A query longer than [`MAX_QUERY_BYTES`] is
//! refused with `BAD_USER_INPUT` and not registered. Every entry remembers when it was last
//! used (marked at most once a day per instance); entries unused for [`UNUSED_EXPIRY_DAYS`]
//! days are deleted, by a registration on the primary at most once per [`PRUNE_INTERVAL`] per
//! instance.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use async_graphql::{ServerError, Value};
use sea_orm::DatabaseConnection;

use crate::access::{Caller, Role};
pub use crate::config::persisted::Mode;
use crate::{
    error_code::ErrorCode,
    graphql::errors::{ApiError, coded_error},
    store::{StoreError, keys::sha256_hex, persisted_queries},
};

/// Most registered queries an instance keeps in memory; past it the memory is emptied and
/// refilled from the database as queries come.
const MAX_REMEMBERED: usize = 10_000;

/// Longest query registered (64 KiB): a registration stores the text for every later request,
/// so it is held to well below the request body limit.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Days after which a registered query nobody used is deleted.
pub const UNUSED_EXPIRY_DAYS: i64 = 30;

/// Least time between two prunings by one instance.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(3_600);

/// Least time between two marks of one query's use by one instance.
const TOUCH_INTERVAL: Duration = Duration::from_secs(24 * 3_600);

/// What a resolved request leaves to record once its caller is admitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pending {
    /// Nothing.
    #[default]
    Nothing,
    /// Register the query sent with its hash.
    Register {
        /// The query's SHA-256.
        hash: String,
        /// The query.
        query: Arc<str>,
    },
    /// Mark the registered query used.
    Touch {
        /// Its SHA-256.
        hash: String,
    },
}

/// A query an instance has seen, and when it last marked it used.
type Remembered = (Arc<str>, Option<Instant>);

/// The registered queries and the mode.
pub struct PersistedQueries {
    mode: Mode,
    manifest: HashMap<String, Arc<str>>,
    /// Queries seen, with when this instance last marked each used.
    remembered: Mutex<HashMap<String, Remembered>>,
    /// When this instance last pruned unused entries.
    pruned: Mutex<Option<Instant>>,
    db: DatabaseConnection,
}

/// A store failure as clients see it (logged; `INTERNAL`, or `UNAVAILABLE` while the database
/// cannot be reached).
fn store_failure(error: &StoreError) -> ServerError {
    let error = ApiError::from(error);
    coded_error(error.code(), error.to_string())
}

/// Reads a manifest: a JSON object hash -> query, or a directory of `.graphql` files.
pub fn read_manifest(path: &Path) -> anyhow::Result<HashMap<String, Arc<str>>> {
    let mut manifest = HashMap::new();
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|error| anyhow::anyhow!("cannot read the persisted-query directory {}: {error}", path.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|file| file.extension().is_some_and(|extension| extension == "graphql"))
            .collect();
        files.sort();
        for file in files {
            let query = std::fs::read_to_string(&file)
                .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", file.display()))?;
            async_graphql::parser::parse_query(&query)
                .map_err(|error| anyhow::anyhow!("{} is not a GraphQL document: {error}", file.display()))?;
            manifest.insert(sha256_hex(&query), Arc::from(query));
        }
        return Ok(manifest);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|error| anyhow::anyhow!("cannot read the persisted-query manifest {}: {error}", path.display()))?;
    let entries: HashMap<String, String> = serde_json::from_str(&text).map_err(|error| {
        anyhow::anyhow!(
            "the persisted-query manifest {} is not a JSON object of hash -> query: {error}",
            path.display()
        )
    })?;
    for (hash, query) in entries {
        let actual = sha256_hex(&query);
        if actual != hash {
            anyhow::bail!(
                "the persisted-query manifest {} lists {hash:?}, but the SHA-256 of its query is {actual}",
                path.display()
            );
        }
        async_graphql::parser::parse_query(&query)
            .map_err(|error| anyhow::anyhow!("the query registered under {hash} is not a GraphQL document: {error}"))?;
        manifest.insert(hash, Arc::from(query));
    }
    Ok(manifest)
}

/// The `persistedQuery` extension of a request, checked.
fn requested_hash(request: &async_graphql::Request) -> Result<Option<String>, ServerError> {
    let Some(extension) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let bad = |message: String| coded_error(ErrorCode::BadUserInput, message);
    let Value::Object(extension) = extension else {
        return Err(bad(format!(
            "extensions.persistedQuery must be an object, not {extension}"
        )));
    };
    match extension.get("version") {
        Some(Value::Number(version)) if version.as_u64() == Some(1) => {}
        other => {
            return Err(bad(format!(
                "extensions.persistedQuery.version must be 1, not {}",
                other.map_or_else(|| "missing".to_owned(), ToString::to_string)
            )));
        }
    }
    match extension.get("sha256Hash") {
        Some(Value::String(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        other => Err(bad(format!(
            "extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits, not {}",
            other.map_or_else(|| "missing".to_owned(), ToString::to_string)
        ))),
    }
}

impl PersistedQueries {
    /// Persisted queries in `mode`, with the manifest's operations, stored in `db` (the
    /// primary database: a registration must be visible to every instance at once).
    pub fn new(mode: Mode, manifest: HashMap<String, Arc<str>>, db: DatabaseConnection) -> Self {
        Self {
            mode,
            manifest,
            remembered: Mutex::new(HashMap::new()),
            pruned: Mutex::new(None),
            db,
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    fn remembered(&self, hash: &str) -> Option<Arc<str>> {
        self.remembered.lock().ok()?.get(hash).map(|(query, _)| query.clone())
    }

    fn remember(&self, hash: &str, query: Arc<str>, touched: Option<Instant>) {
        if let Ok(mut remembered) = self.remembered.lock() {
            if remembered.len() >= MAX_REMEMBERED {
                remembered.clear();
            }
            let entry = remembered.entry(hash.to_owned()).or_insert((query, None));
            if touched.is_some() {
                entry.1 = touched;
            }
        }
    }

    /// Whether this instance marked `hash` used less than [`TOUCH_INTERVAL`] ago.
    fn recently_touched(&self, hash: &str, now: Instant) -> bool {
        self.remembered
            .lock()
            .ok()
            .and_then(|remembered| remembered.get(hash).and_then(|(_, touched)| *touched))
            .is_some_and(|touched| now.saturating_duration_since(touched) < TOUCH_INTERVAL)
    }

    /// Records what [`Self::resolve`] left pending, once the caller is admitted and charged:
    /// registers a query (pruning unused entries at most once per [`PRUNE_INTERVAL`]), or marks
    /// a registered one used (at most once per [`TOUCH_INTERVAL`]).
    pub async fn record(&self, pending: Pending) -> Result<(), ServerError> {
        let now = Instant::now();
        match pending {
            Pending::Nothing => Ok(()),
            Pending::Touch { hash } => {
                if self.recently_touched(&hash, now) {
                    return Ok(());
                }
                persisted_queries::touch(&self.db, &hash, chrono::Utc::now())
                    .await
                    .map_err(|error| store_failure(&error))?;
                if let Some(query) = self.remembered(&hash) {
                    self.remember(&hash, query, Some(now));
                }
                Ok(())
            }
            Pending::Register { hash, query } => {
                self.prune_if_due(now).await;
                persisted_queries::register(&self.db, &hash, &query, chrono::Utc::now())
                    .await
                    .map_err(|error| store_failure(&error))?;
                self.remember(&hash, query, Some(now));
                Ok(())
            }
        }
    }

    /// Deletes entries unused for [`UNUSED_EXPIRY_DAYS`], unless this instance did less than
    /// [`PRUNE_INTERVAL`] ago. A failure is logged: the registration goes on.
    async fn prune_if_due(&self, now: Instant) {
        {
            let Ok(mut pruned) = self.pruned.lock() else {
                return;
            };
            if pruned.is_some_and(|at| now.saturating_duration_since(at) < PRUNE_INTERVAL) {
                return;
            }
            *pruned = Some(now);
        }
        let before = chrono::Utc::now() - chrono::Duration::days(UNUSED_EXPIRY_DAYS);
        match persisted_queries::prune(&self.db, before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "pruned persisted queries unused for {UNUSED_EXPIRY_DAYS} days"),
            Err(error) => tracing::warn!(%error, "cannot prune unused persisted queries"),
        }
    }

    /// The query registered under `hash`: the manifest's, else (in `auto` mode) the memory's,
    /// else the database's.
    async fn lookup(&self, hash: &str) -> Result<Option<Arc<str>>, ServerError> {
        if let Some(query) = self.manifest.get(hash) {
            return Ok(Some(query.clone()));
        }
        if self.mode != Mode::Auto {
            return Ok(None);
        }
        if let Some(query) = self.remembered(hash) {
            return Ok(Some(query));
        }
        match persisted_queries::find(&self.db, hash).await {
            Ok(Some(query)) => {
                let query: Arc<str> = Arc::from(query);
                self.remember(hash, query.clone(), None);
                Ok(Some(query))
            }
            Ok(None) => Ok(None),
            Err(error) => Err(store_failure(&error)),
        }
    }

    /// Fills in the query of a request that names it by hash, checks a query sent with its
    /// hash, and enforces the allow-list; answers what to record once the caller is admitted
    /// (nothing is written here), or an error that answers the request instead (nothing runs).
    pub async fn resolve(&self, request: &mut async_graphql::Request, caller: &Caller) -> Result<Pending, ServerError> {
        let hash = requested_hash(request)?;
        let has_text = !request.query.trim().is_empty();
        let bypass = caller.role == Role::Admin;
        if self.mode == Mode::Off {
            return match hash {
                None => Ok(Pending::Nothing),
                Some(_) => Err(coded_error(
                    ErrorCode::PersistedQueryNotSupported,
                    "persisted queries are turned off on this server (TERRASSE_PERSISTED_QUERIES=off): send the query text without extensions.persistedQuery".to_owned(),
                )),
            };
        }
        let not_allowed = |hash: &str| {
            coded_error(
                ErrorCode::Forbidden,
                format!(
                    "this server runs only registered operations (TERRASSE_PERSISTED_QUERIES=allowlist), and none is registered under sha256Hash {hash}"
                ),
            )
        };
        let Some(hash) = hash else {
            // A query sent in full: in allow-list mode it must be one of the manifest's.
            if self.mode == Mode::Allowlist && !bypass {
                let actual = sha256_hex(&request.query);
                if !self.manifest.contains_key(&actual) {
                    return Err(not_allowed(&actual));
                }
            }
            return Ok(Pending::Nothing);
        };
        if !has_text {
            return match self.lookup(&hash).await? {
                Some(query) => {
                    request.query = query.to_string();
                    Ok(if self.mode == Mode::Auto && !self.manifest.contains_key(&hash) {
                        Pending::Touch { hash }
                    } else {
                        Pending::Nothing
                    })
                }
                None if self.mode == Mode::Allowlist => Err(not_allowed(&hash)),
                None => Err(coded_error(
                    ErrorCode::PersistedQueryNotFound,
                    format!(
                        "PersistedQueryNotFound: no query is registered under sha256Hash {hash}; send it again with its query to register it"
                    ),
                )),
            };
        }
        let actual = sha256_hex(&request.query);
        if actual != hash {
            return Err(coded_error(
                ErrorCode::BadUserInput,
                format!("extensions.persistedQuery.sha256Hash is {hash}, but the SHA-256 of the query is {actual}"),
            ));
        }
        if self.mode == Mode::Allowlist {
            return if bypass || self.manifest.contains_key(&hash) {
                Ok(Pending::Nothing)
            } else {
                Err(not_allowed(&hash))
            };
        }
        if self.manifest.contains_key(&hash) {
            return Ok(Pending::Nothing);
        }
        if self.remembered(&hash).is_some() {
            return Ok(Pending::Touch { hash });
        }
        if request.query.len() > MAX_QUERY_BYTES {
            return Err(coded_error(
                ErrorCode::BadUserInput,
                format!(
                    "the query to register is {} bytes, over the limit of {MAX_QUERY_BYTES} bytes (64 KiB) for persisted queries: send it without extensions.persistedQuery",
                    request.query.len()
                ),
            ));
        }
        // Only documents are stored: a query that does not parse is answered (with its syntax
        // error) but not registered.
        if async_graphql::parser::parse_query(&request.query).is_err() {
            return Ok(Pending::Nothing);
        }
        Ok(Pending::Register {
            hash,
            query: Arc::from(request.query.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_checked_against_their_hashes() {
        let dir = std::env::temp_dir().join(format!("terrasse_manifest_{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let query = "query Directory { organisations(first: 5) { totalCount } }";
        std::fs::write(dir.join("directory.graphql"), query).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("notes.txt"), "not an operation").unwrap_or_else(|e| panic!("{e}"));
        let manifest = read_manifest(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(manifest.len(), 1);
        assert_eq!(manifest.get(&sha256_hex(query)).map(|q| &**q), Some(query));

        let file = dir.join("manifest.json");
        std::fs::write(&file, serde_json::json!({ sha256_hex(query): query }).to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_manifest(&file).map(|m| m.len()).ok(), Some(1));
        std::fs::write(&file, serde_json::json!({ "0".repeat(64): query }).to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        let error = read_manifest(&file).expect_err("wrong hash").to_string();
        assert!(error.contains(&sha256_hex(query)), "{error}");
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }
}
