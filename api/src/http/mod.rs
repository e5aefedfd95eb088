//! The HTTP server: GraphiQL at `/` (unless turned off), GraphQL at `/graphql` (POST, and GET
//! for queries, following GraphQL over HTTP: see [`transport`]), `/healthz` (the process is
//! up), `/readyz` (the databases answer) and `/metrics` (Prometheus, see [`metrics`]). API
//! keys and the checks made before GraphQL runs are in [`auth`]; persisted queries in
//! [`persisted`]; security headers and CORS in [`headers`]. The server itself (start-up, the
//! router, health) is in `server`; the GraphQL endpoint's pipeline (admission, charging,
//! answering) in `endpoint`.
//!
//! With a read replica (`DATABASE_READ_URL`), queries run on the replica and mutations, the
//! change feed ([`auth::PRIMARY_FIELDS`]), API-key checks and persisted-query registration on
//! the primary. The ETag of a GET answer is read on the database that answers it.
//!
//! No request can stop the server: a panic while handling one becomes an `INTERNAL` error for
//! that request alone (logged with its request id), each SQL statement is bounded by the request
//! timeout (see [`crate::db::connect_serving`]), and a client gets
//! `TERRASSE_HEADER_READ_TIMEOUT_SECS` to send its request headers before its connection is
//! closed.

pub mod auth;
mod endpoint;
pub mod headers;
pub mod metrics;
pub mod persisted;
pub mod rate_limit;
mod server;
pub mod transport;

use std::{any::Any, sync::Arc, time::Duration};

use axum::http::HeaderValue;
use sea_orm::DatabaseConnection;
pub use server::{Application, router};

use crate::{
    access::Access,
    graphql::{TerrasseSchema, limits::QueryLimits},
};

/// The databases a server uses.
#[derive(Clone)]
pub struct Databases {
    /// Writes, the change feed, API keys and persisted-query registration; also queries when
    /// there is no replica.
    pub primary: DatabaseConnection,
    /// The read replica queries and analytics use (`DATABASE_READ_URL`), if any.
    pub replica: Option<DatabaseConnection>,
}

impl Databases {
    /// The primary alone.
    pub fn primary(primary: DatabaseConnection) -> Self {
        Self { primary, replica: None }
    }

    /// Where a request runs: the primary when it must (`needs_primary`), else the replica if
    /// there is one.
    fn for_request(&self, needs_primary: bool) -> &DatabaseConnection {
        match &self.replica {
            Some(replica) if !needs_primary => replica,
            _ => &self.primary,
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
struct AppState {
    db: Databases,
    schema: TerrasseSchema,
    limits: QueryLimits,
    access: Access,
    cache_control: HeaderValue,
    timeout: Duration,
    batching: bool,
    request_log: bool,
    /// `None` when metrics are turned off.
    metrics: Option<Arc<metrics::Metrics>>,
    limiter: Arc<rate_limit::RateLimiter>,
    persisted: Arc<persisted::PersistedQueries>,
    /// Test-only: the operation name that panics ([`crate::config::ServeConfig::panic_on_operation`]).
    panic_on_operation: Option<Arc<str>>,
}

/// The message a panic was raised with, if it is text.
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not text)")
}
