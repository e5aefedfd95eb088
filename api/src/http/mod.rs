//! The HTTP server: GraphiQL at `/`, GraphQL at `/graphql` (POST, and GET for queries),
//! `/healthz` (the process is up) and `/readyz` (the database answers). API keys and the
//! checks made before GraphQL runs are in [`auth`].

pub mod auth;

use std::{future::IntoFuture, net::SocketAddr};

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Extension, Router,
    extract::State,
    http::{HeaderMap, Method, StatusCode},
    response::{Html, IntoResponse, Response},
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
    config::Config,
    db,
    graphql::{TerrasseSchema, build_schema, executor},
    seed,
};

/// Largest request body accepted, bytes.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Shared by every request.
#[derive(Clone)]
struct AppState {
    db: DatabaseConnection,
    schema: TerrasseSchema,
    access: Access,
}

/// Who may do what without a key, and how long idempotency keys are kept.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    /// Whether requests without an API key may read.
    pub anonymous_read: bool,
    /// How long the first result of a mutation sent with an idempotency key is kept.
    pub idempotency_retention: chrono::Duration,
}

impl Default for Access {
    fn default() -> Self {
        Self {
            anonymous_read: true,
            idempotency_retention: chrono::Duration::hours(24),
        }
    }
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
            router: router_with(
                db,
                Access {
                    anonymous_read: config.serve.anonymous_read,
                    idempotency_retention: chrono::Duration::hours(i64::from(config.serve.idempotency_retention_hours)),
                },
            ),
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

/// The router over a prepared database, with the default access settings.
pub fn router(db: DatabaseConnection) -> Router {
    router_with(db, Access::default())
}

/// The router over a prepared database with the given access settings.
pub fn router_with(db: DatabaseConnection, access: Access) -> Router {
    let state = AppState {
        schema: build_schema(db.clone()),
        db,
        access,
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

/// Executes a GraphQL request with fresh loaders, once [`auth`] has admitted its caller.
/// INTERNAL errors get the request id (also in the `x-request-id` response header), so a
/// client can quote it and an operator find the logged cause.
async fn graphql(
    State(state): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    method: Method,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let request_id = request_id
        .and_then(|Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_default();
    let request = request.into_inner();
    let caller = match auth::caller(&state.db, &headers).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal.into_response(),
    };
    let mutation = auth::is_mutation(&request.query, request.operation_name.as_deref());
    if let Err(refusal) = auth::admit(&caller, &method, mutation, state.access.anonymous_read) {
        return refusal.into_response();
    }
    let request = request.data(caller).data(state.access);
    let mut response = executor::execute(&state.schema, request, state.db.clone()).await;
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
    GraphQLResponse::from(response).into_response()
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
