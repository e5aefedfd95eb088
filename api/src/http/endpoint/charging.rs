//! Charging a request to its client's rate-limit budget (per API key, else per address): every
//! operation's requested cost is charged before any runs, so a batch runs whole or is refused
//! whole (HTTP 429 with the RateLimit headers and `Retry-After`); once an operation is
//! answered its charge is settled on the actual cost, or refunded when it did not run.

use std::{net::IpAddr, time::Instant};

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};

use super::admission::Operation;
use crate::{
    access::Caller,
    error_code::ErrorCode,
    graphql::limits::{self, Measure},
    http::{
        AppState,
        rate_limit::{self, Client, Standing},
        transport::refusal_response,
    },
};

/// What an operation was charged: the client and the points, or nothing (rate limiting off,
/// no client to charge, or an operation refused before it could run).
pub(super) type Charge = Option<(Client, u64)>;

/// Charges the client every operation's requested cost, in order; if one cannot be paid, the
/// charges already made are refunded and the request is answered 429 (the answer boxed: it is
/// the rare case). Mutations are charged
/// like queries (their writes included in their cost).
pub(super) fn charge(
    state: &AppState,
    caller: &Caller,
    peer: Option<IpAddr>,
    operations: &[Operation],
) -> Result<Vec<Charge>, Box<Response>> {
    let client = match (caller.key_id, peer) {
        (Some(key), _) => Some(Client::Key(key)),
        (None, Some(address)) => Some(Client::Address(address)),
        (None, None) => None,
    };
    let mut charges: Vec<Charge> = Vec::with_capacity(operations.len());
    for operation in operations {
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
                    return Err(Box::new(rate_limited(&state.limiter, &exhausted)));
                }
            },
            _ => None,
        };
        charges.push(charge);
    }
    Ok(charges)
}

/// Gives back a charge whose operation did not run.
pub(super) fn refund(state: &AppState, charge: Charge) {
    if let Some((client, cost)) = charge {
        state.limiter.refund(client, cost);
    }
}

/// Settles a charge on the actual cost of the answered operation (`measure` when it ran): the
/// unspent part comes back, a cost above the estimate (a list longer than priced) is charged
/// now. The cost report of the answer then shows the budget left and its restore rate.
pub(super) fn settle(
    state: &AppState,
    charge: Charge,
    measure: Option<Measure>,
    response: &mut async_graphql::Response,
) -> Option<Standing> {
    let left = charge.map(|(client, cost)| {
        let actual = measure.map_or(0, |measure| limits::spent(response, &measure));
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
    left
}

/// The RateLimit headers (IETF draft): the policy, what remains and when the bucket is full.
pub(super) fn rate_limit_headers(
    headers: &mut HeaderMap,
    limiter: &rate_limit::RateLimiter,
    remaining: u64,
    reset: u64,
) {
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
    let mut response = refusal_response(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, &message);
    let reset = (limiter.budget().capacity.saturating_sub(exhausted.available)).div_ceil(restore.max(1));
    rate_limit_headers(response.headers_mut(), limiter, exhausted.available, reset);
    if let Some(wait) = exhausted.retry_after
        && let Ok(value) = HeaderValue::from_str(&wait.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
