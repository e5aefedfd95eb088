//! Admission of a GraphQL request, before anything is charged or runs: the response media type,
//! the body read, the caller named by its API key, then for each operation the method allowed,
//! the persisted query resolved (nothing written yet), the document parsed once, its nesting,
//! input bounds and limits measured. A GET whose client holds the current ETag is answered 304
//! here.

use axum::{
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::Exchange;
use crate::{
    access::Caller,
    error_code::ErrorCode,
    graphql::{limits, nesting},
    http::{
        AppState, auth, persisted,
        transport::{self, refusal_response},
    },
    store,
};

/// A request admitted: who asks, what runs, how to answer.
pub(super) struct Admitted {
    /// The response media type the client accepts.
    pub(super) media: transport::ResponseMedia,
    /// Whether the body was a batch (answered as a JSON array).
    pub(super) batched: bool,
    /// The caller named by the API key (anonymous without one).
    pub(super) caller: Caller,
    /// The operations, in the order sent.
    pub(super) operations: Vec<Operation>,
    /// The ETag of a GET answer.
    pub(super) etag: Option<HeaderValue>,
}

/// Reads and admits a request: `Err` is the HTTP answer given instead (a refusal of the whole
/// request, or 304 Not Modified).
pub(super) async fn admit(
    state: &AppState,
    exchange: &Exchange,
    incoming: Result<transport::Incoming, transport::Refusal>,
) -> Result<Admitted, Response> {
    let media = transport::negotiate(&exchange.headers)
        .map_err(|refusal| refusal_response(refusal.status, ErrorCode::BadUserInput, &refusal.message))?;
    let (requests, batched) = match incoming {
        Ok(transport::Incoming::Single(request)) => (vec![*request], false),
        Ok(transport::Incoming::Batch(requests)) => (requests, true),
        Err(refusal) => {
            return Err(refusal_response(
                refusal.status,
                ErrorCode::BadUserInput,
                &refusal.message,
            ));
        }
    };
    let caller = auth::caller(&state.db.primary, &exchange.headers)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut operations = Vec::with_capacity(requests.len());
    for request in requests {
        operations.push(prepare(state, &caller, &exchange.method, request).await?);
    }
    let etag = current_etag(state, exchange, media, &operations).await;
    if let Some(etag) = &etag
        && transport::not_modified(&exchange.headers, etag)
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, etag.clone());
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, state.cache_control.clone());
        return Err(response);
    }
    Ok(Admitted {
        media,
        batched,
        caller,
        operations,
        etag,
    })
}

/// The ETag of a GET answer: the change-log sequence of the database that answers it (a
/// replica's lags the primary's), read before the answer is, so a client holding the current
/// tag gets 304 before anything runs. None for POST, or when the sequence cannot be read.
async fn current_etag(
    state: &AppState,
    exchange: &Exchange,
    media: transport::ResponseMedia,
    operations: &[Operation],
) -> Option<HeaderValue> {
    if exchange.method != Method::GET {
        return None;
    }
    let answering = state
        .db
        .for_request(operations.iter().any(|operation| operation.needs_primary));
    match store::changes::current_cursor(answering).await {
        Ok(sequence) => Some(transport::etag(exchange.query_string.as_deref(), media, sequence)),
        Err(error) => {
            let request_id = exchange.request_id.as_str();
            tracing::warn!(request_id, %error, "cannot read the change-log sequence for an ETag");
            None
        }
    }
}

/// One operation of a request, read and checked, not yet run.
pub(super) struct Operation {
    pub(super) request: async_graphql::Request,
    pub(super) name: Option<String>,
    /// Runs on the primary database (a mutation, or the change feed).
    pub(super) needs_primary: bool,
    /// The measure when the operation may run, else the error answered instead.
    pub(super) admission: Result<Option<limits::Measure>, async_graphql::ServerError>,
    /// The persisted-query registration (or use) to record once the request is charged.
    pub(super) persisted: persisted::Pending,
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
