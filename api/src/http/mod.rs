//! The HTTP server: GraphiQL at `/` (unless turned off), GraphQL at `/graphql` (POST, and GET
//! for queries, following GraphQL over HTTP: see [`transport`]), `/healthz` (the process is
//! up), `/readyz` (the databases answer) and `/metrics` (Prometheus, see [`metrics`]). API
//! keys and the checks made before GraphQL runs are in [`auth`]; persisted queries in
//! [`persisted`]; security headers and CORS in [`headers`].
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
pub mod headers;
pub mod metrics;
pub mod persisted;
pub mod rate_limit;
pub mod transport;

use std::{
    any::Any,
    net::SocketAddr,
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};

use async_graphql::{futures_util::FutureExt, http::GraphiQLSource};
use axum::{
    Extension, Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, DefaultBodyLimit, RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{
    access::{Access, Caller},
    config::{Config, ServeConfig},
    db,
    graphql::{
        TerrasseSchema, build_schema_for, executor,
        limits::{self, QueryLimits},
        nesting,
    },
    seed, store,
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
    /// Test-only: the operation name that panics ([`ServeConfig::panic_on_operation`]).
    panic_on_operation: Option<Arc<str>>,
}

/// A built server: database ready, listener bound, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
}

impl Application {
    /// Connects to the database, migrates it, loads reference territories if absent (and the
    /// demo ecosystem when asked and the database has no organisation), then opens the serving
    /// pools of the primary and of the read replica, if any (their statements bounded by the
    /// request timeout, see [`db::connect_serving`]), and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let setup = db::connect(&config.database).await?;
        db::prepare(&setup).await?;
        if config.serve.demo && !seed::demo::has_organisations(&setup).await? {
            let summary = seed::demo::seed_demo(&setup).await?;
            tracing::info!("{summary}");
        }
        // Statements get at least a second, whatever the request timeout.
        let statement_timeout = Duration::from_secs(config.serve.request_timeout_secs.max(1));
        let url = &config.database.database_url;
        let primary = if url.contains(":memory:") || url.contains("mode=memory") {
            // An in-memory SQLite database lives as long as its pool: keep the one prepared.
            setup
        } else {
            setup.close().await?;
            db::connect_serving(url, &config.database, statement_timeout).await?
        };
        let replica = match &config.database.database_read_url {
            Some(url) if !url.trim().is_empty() => {
                Some(db::connect_serving(url, &config.database, statement_timeout).await?)
            }
            _ => None,
        };
        let listener = TcpListener::bind(config.serve.listen).await?;
        Ok(Self {
            listener,
            router: router(Databases { primary, replica }, &config.serve)?,
            header_read_timeout: Duration::from_secs(config.serve.header_read_timeout_secs.max(1)),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves HTTP/1.1 until SIGINT or SIGTERM, then lets in-flight requests finish. A client
    /// that has not sent a request's line and headers within the header read timeout
    /// (`TERRASSE_HEADER_READ_TIMEOUT_SECS`) is disconnected, so slow clients cannot hold
    /// connections open. Each request carries its client's address (`ConnectInfo`).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            header_read_timeout,
        } = self;
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_read_timeout);
        let connections = hyper_util::server::graceful::GracefulShutdown::new();
        let mut stop = std::pin::pin!(shutdown_signal());
        loop {
            let (stream, client) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors, or a connection reset before it was
                        // accepted: wait a little rather than spin.
                        tracing::warn!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            let router = router.clone();
            let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(client));
                tower::ServiceExt::oneshot(router.clone(), request.map(Body::new))
            });
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let connection = connections.watch(connection);
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %client, "connection ended with an error");
                }
            });
        }
        drop(listener);
        connections.shutdown().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The router over prepared databases, with the server settings.
pub fn router(db: Databases, serve: &ServeConfig) -> anyhow::Result<Router> {
    let cache_control = HeaderValue::from_str(&serve.cache_control)
        .map_err(|_| anyhow::anyhow!("TERRASSE_CACHE_CONTROL={:?} is not a header value", serve.cache_control))?;
    let manifest = match &serve.persisted_queries_manifest {
        Some(path) => persisted::read_manifest(path)?,
        None => Default::default(),
    };
    if serve.persisted_queries == persisted::Mode::Allowlist && manifest.is_empty() {
        tracing::warn!("TERRASSE_PERSISTED_QUERIES=allowlist with no registered operation: only admin keys can query");
    }
    let state = AppState {
        schema: build_schema_for(
            db.primary.clone(),
            serve.introspection,
            crate::config::AnalyticsConfig {
                suppression_threshold: serve.suppression_threshold,
            },
        ),
        persisted: Arc::new(persisted::PersistedQueries::new(
            serve.persisted_queries,
            manifest,
            db.primary.clone(),
        )),
        db,
        limits: serve.limits,
        access: Access {
            anonymous_read: serve.anonymous_read,
            idempotency_retention: chrono::Duration::hours(i64::from(serve.idempotency_retention_hours)),
            certified_label_sources: serve
                .certified_label_sources
                .iter()
                .map(|source| source.trim().to_owned())
                .filter(|source| !source.is_empty())
                .collect(),
        },
        cache_control,
        timeout: Duration::from_secs(serve.request_timeout_secs),
        batching: serve.batch_requests,
        request_log: serve.request_log,
        metrics: serve.metrics.then(|| Arc::new(metrics::Metrics::default())),
        limiter: Arc::new(rate_limit::RateLimiter::new(rate_limit::Budget {
            capacity: serve.rate_limit_points,
            restore_per_second: serve.rate_limit_restore,
        })),
        panic_on_operation: serve.panic_on_operation.as_deref().map(Arc::from),
    };
    let mut router = Router::new();
    if serve.graphiql {
        router = router.route("/", get(graphiql));
    }
    if serve.metrics {
        router = router.route("/metrics", get(metrics_text));
    }
    Ok(router
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(transport::MAX_BODY_BYTES))
        .layer(catch_panic())
        .layer(headers::cors(&serve.cors_origins))
        .layer(middleware::from_fn(headers::security_headers))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state))
}

/// Answers a request whose handler panicked outside GraphQL execution with a 500 and an
/// `INTERNAL` GraphQL error (the panic is logged); the server goes on serving.
fn catch_panic() -> CatchPanicLayer<fn(Box<dyn Any + Send + 'static>) -> Response> {
    CatchPanicLayer::custom(handler_panicked as fn(Box<dyn Any + Send + 'static>) -> Response)
}

fn handler_panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(panic = panic_message(panic.as_ref()), "a request handler panicked");
    refusal_response(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error")
}

/// The message a panic was raised with, if it is text.
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not text)")
}

/// The answer to an operation whose execution panicked: an `INTERNAL` error (which
/// [`account`] gives the request id), the panic logged with the request id and operation.
fn execution_panicked(request_id: &str, operation: Option<&str>, panic: &(dyn Any + Send)) -> async_graphql::Response {
    tracing::error!(
        request_id,
        operation = operation.unwrap_or("anonymous"),
        panic = panic_message(panic),
        "a GraphQL execution panicked"
    );
    let mut error = async_graphql::ServerError::new("internal error", None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "INTERNAL");
    error.extensions = Some(extensions);
    async_graphql::Response::from_errors(vec![error])
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("Terrasse").finish())
}

/// The id `SetRequestIdLayer` gave the request.
fn request_id(id: Option<Extension<RequestId>>) -> String {
    id.and_then(|Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_default()
}

/// GraphQL over GET: queries only; answers carry an ETag and the configured Cache-Control.
async fn graphql_get(
    State(state): State<AppState>,
    id: Option<Extension<RequestId>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(query_string): RawQuery,
) -> Response {
    let request =
        transport::read_get(query_string.as_deref()).map(|request| transport::Incoming::Single(Box::new(request)));
    let exchange = Exchange {
        request_id: request_id(id),
        method: Method::GET,
        peer: peer.map(|Extension(ConnectInfo(addr))| addr.ip()),
        headers,
        query_string,
    };
    serve_graphql(state, exchange, request).await
}

/// GraphQL over POST (`application/json`): one operation, or a batch when turned on. A body
/// over [`transport::MAX_BODY_BYTES`] is refused with 413.
async fn graphql_post(
    State(state): State<AppState>,
    id: Option<Extension<RequestId>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match body {
        Ok(body) => transport::read_post(&headers, &body, state.batching),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(transport::Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is over the limit of {} bytes (1 MiB): send a smaller request",
                transport::MAX_BODY_BYTES
            ),
        )),
        Err(rejection) => Err(transport::Refusal::new(
            rejection.status(),
            format!("the request body could not be read: {}", rejection.body_text()),
        )),
    };
    let exchange = Exchange {
        request_id: request_id(id),
        method: Method::POST,
        peer: peer.map(|Extension(ConnectInfo(addr))| addr.ip()),
        headers,
        query_string: None,
    };
    serve_graphql(state, exchange, request).await
}

/// The HTTP side of a GraphQL request.
struct Exchange {
    request_id: String,
    method: Method,
    /// The client's address (the proxy's, behind a reverse proxy).
    peer: Option<std::net::IpAddr>,
    headers: HeaderMap,
    query_string: Option<String>,
}

/// A refusal before GraphQL runs, as one error with a code, in `application/json`.
fn refusal_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, axum::Json(body)).into_response()
}

/// One operation of a request, read and checked, not yet run.
struct Operation {
    request: async_graphql::Request,
    name: Option<String>,
    /// Runs on the primary database (a mutation, or the change feed).
    needs_primary: bool,
    /// The measure when the operation may run, else the error answered instead.
    admission: Result<Option<limits::Measure>, async_graphql::ServerError>,
    /// The persisted-query registration (or use) to record once the request is charged.
    persisted: persisted::Pending,
}

/// Refuses a document nesting deeper than [`nesting::MAX_NESTING`], resolves a persisted
/// query (nothing written yet), admits the caller (an HTTP refusal refuses the whole request)
/// and measures the operation against the limits.
async fn prepare(
    state: &AppState,
    caller: &Caller,
    method: &Method,
    mut request: async_graphql::Request,
) -> Result<Operation, Response> {
    let name = request.operation_name.clone();
    // Nothing parses a document nesting too deep for the parser's stack (not even the
    // persisted-query registration).
    let resolved = match nesting::check(&request.query) {
        Ok(()) => state.persisted.resolve(&mut request, caller).await,
        Err(too_deep) => Err(too_deep),
    };
    let persisted = match resolved {
        Ok(pending) => pending,
        Err(error) => {
            auth::admit(caller, method, false, state.access.anonymous_read).map_err(IntoResponse::into_response)?;
            return Ok(Operation {
                request,
                name,
                needs_primary: false,
                admission: Err(error),
                persisted: persisted::Pending::Nothing,
            });
        }
    };
    // Parsed once here; the limits and the execution reuse the document.
    let (mutation, needs_primary) = match request.parsed_query() {
        Ok(document) => (
            auth::is_mutation_document(document, name.as_deref()),
            auth::needs_primary(document, name.as_deref()),
        ),
        Err(_) => (false, false),
    };
    auth::admit(caller, method, mutation, state.access.anonymous_read).map_err(IntoResponse::into_response)?;
    let admission = limits::admit(&mut request, &state.limits);
    Ok(Operation {
        request,
        name,
        needs_primary,
        persisted: if admission.is_ok() {
            persisted
        } else {
            persisted::Pending::Nothing
        },
        admission,
    })
}

/// Reads, admits (caller, persisted query, limits, budget, cache) and executes a GraphQL
/// request, or each operation of a batch, with fresh loaders. INTERNAL errors get the request
/// id (also in the `x-request-id` response header), so a client can quote it and an operator
/// find the logged cause. Every operation is logged once with its id, operation, duration,
/// cost, key and outcome, and counted in the metrics.
async fn serve_graphql(
    state: AppState,
    exchange: Exchange,
    incoming: Result<transport::Incoming, transport::Refusal>,
) -> Response {
    let Exchange {
        request_id,
        method,
        peer,
        headers,
        query_string,
    } = exchange;
    let started = Instant::now();
    let media = match transport::negotiate(&headers) {
        Ok(media) => media,
        Err(refusal) => return refusal_response(refusal.status, "BAD_USER_INPUT", &refusal.message),
    };
    let (requests, batched) = match incoming {
        Ok(transport::Incoming::Single(request)) => (vec![*request], false),
        Ok(transport::Incoming::Batch(requests)) => (requests, true),
        Err(refusal) => return refusal_response(refusal.status, "BAD_USER_INPUT", &refusal.message),
    };
    let caller = match auth::caller(&state.db.primary, &headers).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal.into_response(),
    };
    let mut operations = Vec::with_capacity(requests.len());
    for request in requests {
        match prepare(&state, &caller, &method, request).await {
            Ok(operation) => operations.push(operation),
            Err(refused) => return refused,
        }
    }
    // GET answers are tagged with the change-log sequence of the database that answers them
    // (a replica's lags the primary's), read before the answer is: a client holding the
    // current tag gets 304 before anything runs.
    let etag = if method == Method::GET {
        let answering = state
            .db
            .for_request(operations.iter().any(|operation| operation.needs_primary));
        match store::changes::current_cursor(answering).await {
            Ok(sequence) => Some(transport::etag(query_string.as_deref(), media, sequence)),
            Err(error) => {
                tracing::warn!(request_id, %error, "cannot read the change-log sequence for an ETag");
                None
            }
        }
    } else {
        None
    };
    if let Some(etag) = &etag
        && transport::not_modified(&headers, etag)
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, etag.clone());
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, state.cache_control.clone());
        return response;
    }
    // The client's budget is charged every operation's requested cost before any runs: a
    // batch runs whole or is refused whole. Mutations are charged like queries (their writes
    // included in their cost).
    let client = match (caller.key_id, peer) {
        (Some(key), _) => Some(rate_limit::Client::Key(key)),
        (None, Some(address)) => Some(rate_limit::Client::Address(address)),
        (None, None) => None,
    };
    let mut charges: Vec<Option<(rate_limit::Client, u64)>> = Vec::with_capacity(operations.len());
    for operation in &operations {
        let charge = match (state.limiter.enabled(), client, &operation.admission) {
            (true, Some(client), Ok(Some(measure))) => match state.limiter.charge(client, measure.cost, Instant::now())
            {
                Ok(_) => Some((client, measure.cost)),
                Err(exhausted) => {
                    for (client, cost) in charges.into_iter().flatten() {
                        state.limiter.refund(client, cost);
                    }
                    if let Some(metrics) = &state.metrics {
                        metrics.rate_limited();
                    }
                    return rate_limited(&state.limiter, &exhausted);
                }
            },
            _ => None,
        };
        charges.push(charge);
    }
    // The timeout counts from the request's arrival (its key check and ETag lookup included)
    // and covers every operation of a batch. Past it an execution is dropped, and with it its
    // pending database work.
    let deadline = tokio::time::Instant::from_std(started + state.timeout);
    let mut standing = None;
    let mut bodies = Vec::with_capacity(operations.len());
    let mut statuses = Vec::with_capacity(operations.len());
    for (index, (operation, charge)) in operations.into_iter().zip(charges).enumerate() {
        let operation_started = if index == 0 { started } else { Instant::now() };
        let Operation {
            request,
            name,
            needs_primary,
            admission,
            persisted,
        } = operation;
        // Admitted and charged: a persisted query is registered (or marked used) now.
        let admission = match (admission, state.persisted.record(persisted).await) {
            (Ok(_), Err(error)) => {
                if let Some((client, cost)) = charge {
                    state.limiter.refund(client, cost);
                }
                Err(error)
            }
            (admission, _) => admission,
        };
        let charge = if admission.is_ok() { charge } else { None };
        let measure = admission.as_ref().ok().copied().flatten();
        let mut response = match admission {
            Err(refusal) => async_graphql::Response::from_errors(vec![refusal]),
            Ok(measure) => {
                let db = state.db.for_request(needs_primary).clone();
                let request = request.data(caller.clone()).data(state.access.clone());
                let panics = state
                    .panic_on_operation
                    .as_deref()
                    .is_some_and(|panicking| name.as_deref() == Some(panicking));
                let execution = async {
                    let response = executor::execute_admitted(&state.schema, request, db, measure, &state.limits).await;
                    assert!(!panics, "fault injection: operation {name:?} panics once executed");
                    response
                };
                // A panic in the execution (a resolver, a loader, the executor) is caught
                // here and answers this operation only; its SQLite statements stop at the
                // deadline or once the execution is dropped.
                let execution = AssertUnwindSafe(db::within_deadline(deadline, execution)).catch_unwind();
                if tokio::time::Instant::now() >= deadline {
                    timed_out(state.timeout)
                } else {
                    match tokio::time::timeout_at(deadline, execution).await {
                        Ok(Ok(response)) => response,
                        Ok(Err(panic)) => execution_panicked(&request_id, name.as_deref(), panic.as_ref()),
                        Err(_) => timed_out(state.timeout),
                    }
                }
            }
        };
        // The charge is settled on the actual cost: the unspent part comes back, a cost above
        // the estimate (a list longer than priced) is charged now. The cost report shows the
        // budget left.
        let left = charge.map(|(client, cost)| {
            let actual = measure.map_or(0, |measure| limits::spent(&response, &measure));
            state.limiter.settle(client, cost, actual)
        });
        if let (Some(left), Some(async_graphql::Value::Object(cost))) = (left, response.extensions.get_mut("cost")) {
            cost.insert(
                async_graphql::Name::new("remaining"),
                async_graphql::Value::from(left.remaining),
            );
            cost.insert(
                async_graphql::Name::new("restoreRate"),
                async_graphql::Value::from(state.limiter.budget().restore_per_second),
            );
        }
        standing = left.or(standing);
        account(
            &state,
            &request_id,
            name.as_deref(),
            caller.key_id,
            operation_started,
            &mut response,
        );
        statuses.push(transport::status(&response, media));
        // A request that did not execute has no `data` member (GraphQL over HTTP).
        let executed = response.errors.is_empty() || response.data != async_graphql::Value::Null;
        // Encoded straight to bytes: no intermediate JSON tree of the whole answer.
        bodies.push(if executed {
            serde_json::to_vec(&response)
        } else {
            serde_json::to_vec(&serde_json::json!({ "errors": response.errors, "extensions": response.extensions }))
        });
    }
    let body = bodies.into_iter().collect::<Result<Vec<_>, _>>().map(|mut bodies| {
        if batched {
            json_array(&bodies)
        } else {
            bodies.pop().unwrap_or_else(|| b"null".to_vec())
        }
    });
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(request_id, %error, "cannot encode a GraphQL response");
            return refusal_response(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error");
        }
    };
    let mut http = Response::new(Body::from(body));
    // A batch is answered 200 (each operation's errors are in its own answer).
    *http.status_mut() = match (batched, statuses.first()) {
        (false, Some(status)) => *status,
        _ => StatusCode::OK,
    };
    http.headers_mut().insert(header::CONTENT_TYPE, media.content_type());
    if let Some(standing) = standing {
        rate_limit_headers(http.headers_mut(), &state.limiter, standing.remaining, standing.full_in);
    }
    if let Some(etag) = etag {
        http.headers_mut().insert(header::ETAG, etag);
        http.headers_mut()
            .insert(header::CACHE_CONTROL, state.cache_control.clone());
    }
    http
}

/// A JSON array of already encoded JSON values.
fn json_array(values: &[Vec<u8>]) -> Vec<u8> {
    let mut array = Vec::with_capacity(values.iter().map(|value| value.len() + 1).sum::<usize>() + 2);
    array.push(b'[');
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            array.push(b',');
        }
        array.extend_from_slice(value);
    }
    array.push(b']');
    array
}

/// Gives every error of an answered operation a code (INTERNAL ones the request id), then
/// counts the operation in the metrics and logs it.
fn account(
    state: &AppState,
    request_id: &str,
    operation: Option<&str>,
    key_id: Option<uuid::Uuid>,
    started: Instant,
    response: &mut async_graphql::Response,
) {
    let mut codes = Vec::with_capacity(response.errors.len());
    for error in &mut response.errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .cloned();
        // Errors raised before execution (syntax, unknown fields, wrong argument types) carry
        // no path: the client's input is at fault, and so is an argument async-graphql cannot
        // coerce to its input type while resolving a field (it has a path, and one of the two
        // messages of `InputValueError`). Any other resolver error without a code is a bug.
        let code = code.unwrap_or_else(|| {
            let input =
                error.message.starts_with("Expected input type \"") || error.message.starts_with("Failed to parse \"");
            let code = if error.path.is_empty() || input {
                "BAD_USER_INPUT"
            } else {
                "INTERNAL"
            };
            error.extensions.get_or_insert_with(Default::default).set("code", code);
            async_graphql::Value::from(code)
        });
        if code == async_graphql::Value::from("INTERNAL") {
            tracing::error!(request_id, message = %error.message, "request failed with an internal error");
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("requestId", request_id.to_owned());
        }
        if let async_graphql::Value::String(code) = code {
            codes.push(code);
        }
    }
    let elapsed = started.elapsed();
    if let Some(metrics) = &state.metrics {
        let outcome = if codes.is_empty() {
            metrics::Outcome::Ok
        } else {
            metrics::Outcome::Error
        };
        metrics.record(operation, outcome, elapsed, &codes);
    }
    if state.request_log {
        let cost = response
            .extensions
            .get("cost")
            .and_then(|cost| cost.clone().into_json().ok())
            .map(|cost| cost["requested"].clone());
        tracing::info!(
            request_id,
            operation = operation.unwrap_or("anonymous"),
            duration_ms = elapsed.as_secs_f64() * 1e3,
            cost = %cost.unwrap_or_default(),
            key_id = %key_id.map(|id| id.to_string()).unwrap_or_default(),
            outcome = if codes.is_empty() { "ok" } else { "error" },
            errors = %codes.join(","),
            "graphql request"
        );
    }
}

/// The answer to a request that ran past the timeout.
fn timed_out(timeout: Duration) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(
        format!(
            "the request ran longer than the limit of {} s (TERRASSE_REQUEST_TIMEOUT_SECS): ask for less",
            timeout.as_secs()
        ),
        None,
    );
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "QUERY_TOO_COMPLEX");
    error.extensions = Some(extensions);
    async_graphql::Response::from_errors(vec![error])
}

/// The RateLimit headers (IETF draft): the policy, what remains and when the bucket is full.
fn rate_limit_headers(headers: &mut HeaderMap, limiter: &rate_limit::RateLimiter, remaining: u64, reset: u64) {
    let budget = limiter.budget();
    let window = budget.capacity / budget.restore_per_second.max(1);
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(axum::http::HeaderName::from_static(name), value);
        }
    };
    set("ratelimit-policy", format!("{};w={window}", budget.capacity));
    set("ratelimit-limit", budget.capacity.to_string());
    set("ratelimit-remaining", remaining.to_string());
    set("ratelimit-reset", reset.to_string());
}

/// HTTP 429 for a client whose bucket holds less than the request costs.
fn rate_limited(limiter: &rate_limit::RateLimiter, exhausted: &rate_limit::Exhausted) -> Response {
    let restore = limiter.budget().restore_per_second;
    let message = match exhausted.retry_after {
        Some(wait) => format!(
            "rate limited: this request costs {} points and {} remain (restored at {restore} per second): retry in {wait} s",
            exhausted.cost, exhausted.available
        ),
        None => format!(
            "rate limited: this request costs {} points, more than a full budget of {}: ask for less",
            exhausted.cost,
            limiter.budget().capacity
        ),
    };
    let mut response = refusal_response(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", &message);
    let reset = (limiter.budget().capacity.saturating_sub(exhausted.available)).div_ceil(restore.max(1));
    rate_limit_headers(response.headers_mut(), limiter, exhausted.available, reset);
    if let Some(wait) = exhausted.retry_after
        && let Ok(value) = HeaderValue::from_str(&wait.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(metrics) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            metrics.render(&state.db.primary).await,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// 200 while the primary and the read replica (if any) answer; 503 naming the one that does
/// not.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if let Err(error) = state.db.primary.ping().await {
        tracing::warn!(%error, "database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable");
    }
    if let Some(replica) = &state.db.replica
        && let Err(error) = replica.ping().await
    {
        tracing::warn!(%error, "read replica unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "read replica unreachable");
    }
    (StatusCode::OK, "ready")
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use axum::{body::to_bytes, http::Request};
    use tower::ServiceExt;

    use super::*;

    /// A handler that panics outside GraphQL execution answers 500 with an `INTERNAL`
    /// GraphQL error; the router goes on answering.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_an_internal_error() {
        async fn broken() -> &'static str {
            panic!("a bug in a handler")
        }
        let router = Router::new()
            .route("/broken", get(broken))
            .route("/healthz", get(healthz))
            .layer(catch_panic());
        let request = |path: &str| Request::get(path).body(Body::empty()).expect("a request");
        let answer = router.clone().oneshot(request("/broken")).await.expect("an answer");
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(answer.into_body(), 1 << 16).await.expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL", "{body}");
        assert_eq!(body["errors"][0]["message"], "internal error", "{body}");
        let answer = router.oneshot(request("/healthz")).await.expect("an answer");
        assert_eq!(answer.status(), StatusCode::OK);
    }
}
