//! The HTTP server: GraphiQL at `/`, GraphQL at `/graphql` (POST, and GET for queries),
//! `/healthz` (the process is up) and `/readyz` (the database answers).

use std::{future::IntoFuture, net::SocketAddr};

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse},
    routing::get,
};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::{limit::RequestBodyLimitLayer, trace::TraceLayer};

use crate::{
    config::Config,
    db,
    graphql::{TerrasseSchema, build_schema, loaders::Loaders},
    seed,
};

/// Largest request body accepted, bytes.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Shared by every request.
#[derive(Clone)]
struct AppState {
    db: DatabaseConnection,
    schema: TerrasseSchema,
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
            router: router(db),
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
pub fn router(db: DatabaseConnection) -> Router {
    let state = AppState {
        schema: build_schema(db.clone()),
        db,
    };
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphql).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("Terrasse").finish())
}

async fn graphql(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    let request = request.into_inner().data(Loaders::new(state.db.clone()));
    state.schema.execute(request).await.into()
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
