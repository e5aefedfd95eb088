//! The HTTP server: GraphiQL at `/`, GraphQL at `/graphql` (POST, and GET for queries),
//! `/healthz` (the process is up) and `/readyz` (the database answers).

pub mod headers;
pub mod transport;

use std::{future::IntoFuture, net::SocketAddr};

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Extension, Router,
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse},
    routing::get,
};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{
    config::{Config, ServeConfig},
    db,
    graphql::{TerrasseSchema, build_schema, executor, limits::QueryLimits},
    seed,
};

/// Largest request body accepted, bytes.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Shared by every request.
#[derive(Clone)]
struct AppState {
    db: DatabaseConnection,
    schema: TerrasseSchema,
    limits: QueryLimits,
}

/// A built server: database ready, listener bound, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Connects to the database, migrates it, loads reference territories if absent (and the
    /// demo ecosystem when asked and the database has no organisation), and binds the
    /// listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = db::connect(&config.database).await?;
        db::prepare(&db).await?;
        if config.serve.demo && !seed::demo::has_organisations(&db).await? {
            let summary = seed::demo::seed_demo(&db).await?;
            tracing::info!("{summary}");
        }
        let listener = TcpListener::bind(config.serve.listen).await?;
        Ok(Self {
            listener,
            router: router(db, &config.serve),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .into_future()
            .await?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The router over a prepared database.
pub fn router(db: DatabaseConnection, serve: &ServeConfig) -> Router {
    let state = AppState {
        schema: build_schema(db.clone()),
        limits: serve.limits,
        db,
    };
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphql).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("Terrasse").finish())
}

/// Executes a GraphQL request with fresh loaders. INTERNAL errors get the request id (also
/// in the `x-request-id` response header), so a client can quote it and an operator find the
/// logged cause.
async fn graphql(
    State(state): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let request_id = request_id
        .and_then(|Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_default();
    let mut response =
        executor::execute_within(&state.schema, request.into_inner(), state.db.clone(), &state.limits).await;
    for error in &mut response.errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .cloned();
        // Errors raised before execution (syntax, unknown fields, wrong argument types) carry
        // no path: the client's input is at fault. A resolver error without a code is a bug.
        let code = code.unwrap_or_else(|| {
            let code = if error.path.is_empty() {
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
                .set("requestId", request_id.clone());
        }
    }
    response.into()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
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
