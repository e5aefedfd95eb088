//! The GraphQL endpoint (`/graphql`, GET and POST). A request goes through three stages, each
//! its own module:
//!
//! 1. [`admission`]: the media type, the body, the caller (API key), each operation's method,
//!    persisted query, parsing, nesting, input bounds and limits; a GET answered 304 from its
//!    ETag stops here;
//! 2. [`charging`]: the client's rate-limit budget is charged every operation's requested cost
//!    before any runs (a batch runs whole or is refused whole);
//! 3. [`answering`]: each operation is executed within the request's deadline (panics caught),
//!    its charge settled on the actual cost, its errors coded, counted and logged; then the
//!    HTTP answer is encoded with its status, rate-limit headers and ETag.
//!
//! This module reads the HTTP exchange and runs the stages in order; it knows neither SQL nor
//! the GraphQL schema's types.

mod admission;
mod answering;
mod charging;

use std::{net::SocketAddr, time::Instant};

use axum::{
    Extension,
    body::Bytes,
    extract::{ConnectInfo, RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, Method, StatusCode},
    response::Response,
};
use tower_http::request_id::RequestId;

use super::{AppState, transport};

/// The id `SetRequestIdLayer` gave the request.
fn request_id(id: Option<Extension<RequestId>>) -> String {
    id.and_then(|Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_default()
}

/// GraphQL over GET: queries only; answers carry an ETag and the configured Cache-Control.
pub(in crate::http) async fn graphql_get(
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
pub(in crate::http) async fn graphql_post(
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
    /// The id `SetRequestIdLayer` gave the request (also in the `x-request-id` header).
    request_id: String,
    method: Method,
    /// The client's address (the proxy's, behind a reverse proxy).
    peer: Option<std::net::IpAddr>,
    headers: HeaderMap,
    /// The raw query string of a GET (part of its ETag).
    query_string: Option<String>,
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
    let started = Instant::now();
    let admitted = match admission::admit(&state, &exchange, incoming).await {
        Ok(admitted) => admitted,
        Err(answered) => return answered,
    };
    let charges = match charging::charge(&state, &admitted.caller, exchange.peer, &admitted.operations) {
        Ok(charges) => charges,
        Err(refused) => return *refused,
    };
    answering::answer(&state, &exchange.request_id, admitted, charges, started).await
}
