//! Answering an admitted and charged GraphQL request: each operation's persisted query is
//! recorded, the operation executed on its database within the request's deadline (a panic
//! answers that operation alone), its charge settled, its errors coded (INTERNAL ones given
//! the request id), counted in the metrics and logged once; then the answers are encoded, a
//! batch as a JSON array, with the status, content type, rate-limit headers and ETag.

use std::{
    any::Any,
    panic::AssertUnwindSafe,
    time::{Duration, Instant},
};

use async_graphql::futures_util::FutureExt;
use axum::{
    body::Body,
    http::{StatusCode, header},
    response::Response,
};

use super::{
    admission::{Admitted, Operation},
    charging::{self, Charge},
};
use crate::{
    access::Caller,
    db,
    error_code::ErrorCode,
    graphql::{errors::coded_error, executor},
    http::{
        AppState, metrics, panic_message,
        rate_limit::Standing,
        transport::{self, refusal_response},
    },
};

/// Runs every admitted operation in order and encodes the HTTP answer. The timeout counts from
/// the request's arrival (`started`: its key check and ETag lookup included) and covers every
/// operation of a batch.
pub(super) async fn answer(
    state: &AppState,
    request_id: &str,
    admitted: Admitted,
    charges: Vec<Charge>,
    started: Instant,
) -> Response {
    let Admitted {
        media,
        batched,
        caller,
        operations,
        etag,
    } = admitted;
    let deadline = tokio::time::Instant::from_std(started + state.timeout);
    let mut standing = None;
    let mut bodies = Vec::with_capacity(operations.len());
    let mut statuses = Vec::with_capacity(operations.len());
    for (index, (operation, charge)) in operations.into_iter().zip(charges).enumerate() {
        let operation_started = if index == 0 { started } else { Instant::now() };
        let name = operation.name.clone();
        let (mut response, left) = answer_operation(state, request_id, &caller, operation, charge, deadline).await;
        standing = left.or(standing);
        account(
            state,
            request_id,
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
            return refusal_response(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error");
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
        charging::rate_limit_headers(http.headers_mut(), &state.limiter, standing.remaining, standing.full_in);
    }
    if let Some(etag) = etag {
        http.headers_mut().insert(header::ETAG, etag);
        http.headers_mut()
            .insert(header::CACHE_CONTROL, state.cache_control.clone());
    }
    http
}

/// One operation's answer and the budget its client has left: admitted and charged, its
/// persisted query is registered (or marked used) now, then it runs unless refused; its
/// charge is refunded when the registration fails, and settled on what it cost.
async fn answer_operation(
    state: &AppState,
    request_id: &str,
    caller: &Caller,
    operation: Operation,
    charge: Charge,
    deadline: tokio::time::Instant,
) -> (async_graphql::Response, Option<Standing>) {
    let Operation {
        request,
        name,
        needs_primary,
        admission,
        persisted,
    } = operation;
    let admission = match (admission, state.persisted.record(persisted).await) {
        (Ok(_), Err(error)) => {
            charging::refund(state, charge);
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
                    Ok(Err(panic)) => execution_panicked(request_id, name.as_deref(), panic.as_ref()),
                    Err(_) => timed_out(state.timeout),
                }
            }
        }
    };
    let left = charging::settle(state, charge, measure, &mut response);
    (response, left)
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
                ErrorCode::BadUserInput
            } else {
                ErrorCode::Internal
            };
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code.as_str());
            async_graphql::Value::from(code.as_str())
        });
        if code == async_graphql::Value::from(ErrorCode::Internal.as_str()) {
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
    async_graphql::Response::from_errors(vec![coded_error(
        ErrorCode::QueryTooComplex,
        format!(
            "the request ran longer than the limit of {} s (TERRASSE_REQUEST_TIMEOUT_SECS): ask for less",
            timeout.as_secs()
        ),
    )])
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
    async_graphql::Response::from_errors(vec![coded_error(ErrorCode::Internal, "internal error")])
}
