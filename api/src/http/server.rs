//! The HTTP server: start-up ([`Application`]: databases prepared, listener bound), the
//! router and its layers (request ids, panics caught, security headers, CORS, body limit),
//! GraphiQL, `/metrics`, `/healthz`, `/readyz` and a graceful shutdown. The GraphQL endpoint
//! itself is `super::endpoint`.

use std::{any::Any, net::SocketAddr, sync::Arc, time::Duration};

use async_graphql::http::GraphiQLSource;
use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, DefaultBodyLimit, State},
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use super::{
    AppState, Databases, endpoint, headers, metrics, panic_message, persisted, rate_limit,
    transport::{self, refusal_response},
};
use crate::{
    access::Access,
    config::{Config, ServeConfig},
    db,
    error_code::ErrorCode,
    graphql::build_schema_for,
    seed,
};

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
        let setup = db::connect_prepared(&config.database).await?;
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
        .route("/graphql", get(endpoint::graphql_get).post(endpoint::graphql_post))
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
    refusal_response(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error")
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("Terrasse").finish())
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
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            ErrorCode::Internal.as_str(),
            "{body}"
        );
        assert_eq!(body["errors"][0]["message"], "internal error", "{body}");
        let answer = router.oneshot(request("/healthz")).await.expect("an answer");
        assert_eq!(answer.status(), StatusCode::OK);
    }
}
