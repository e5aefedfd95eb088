//! Prometheus metrics, served as text at `/metrics`: GraphQL requests and their latency by
//! operation and outcome, errors by code, rate-limit refusals, the database pool and the
//! change-log sequence.
//!
//! Operation names come from clients: they are reduced to `[A-Za-z0-9_]` (64 characters at
//! most) and only the first [`MAX_OPERATIONS`] distinct names get their own series, later ones
//! are counted under `other`, so a client cannot grow the series without bound. Counters live
//! in the process: each instance behind a load balancer exposes its own, as Prometheus expects.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

use sea_orm::{DatabaseConnection, DbBackend};

use crate::store;

/// Most distinct operation names given their own series.
pub const MAX_OPERATIONS: usize = 200;

/// Upper bounds of the latency histogram buckets, seconds.
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, &'static str), u64>,
    latency: BTreeMap<String, Histogram>,
    errors: BTreeMap<String, u64>,
    rate_limited: u64,
}

/// The process's metrics.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

/// How a GraphQL request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered without error.
    Ok,
    /// Answered with errors (partial data or refused).
    Error,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
        }
    }
}

/// The label of an operation name: sanitized, `anonymous` when absent.
pub fn operation_label(name: Option<&str>) -> String {
    let cleaned: String = name
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "anonymous".to_owned()
    } else {
        cleaned
    }
}

impl Metrics {
    /// Records one GraphQL request.
    pub fn record(&self, operation: Option<&str>, outcome: Outcome, elapsed: Duration, error_codes: &[String]) {
        let Ok(mut counters) = self.counters.lock() else {
            return;
        };
        let mut operation = operation_label(operation);
        if !counters.latency.contains_key(&operation) && counters.latency.len() >= MAX_OPERATIONS {
            "other".clone_into(&mut operation);
        }
        *counters
            .requests
            .entry((operation.clone(), outcome.label()))
            .or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let histogram = counters.latency.entry(operation).or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.sum += seconds;
        histogram.count += 1;
        for code in error_codes {
            let code = operation_label(Some(code));
            *counters.errors.entry(code).or_default() += 1;
        }
    }

    /// Records one request refused by the rate limiter.
    pub fn rate_limited(&self) {
        if let Ok(mut counters) = self.counters.lock() {
            counters.rate_limited += 1;
        }
    }

    /// The metrics in the Prometheus text format, with the pool and change-log gauges read now.
    pub async fn render(&self, db: &DatabaseConnection) -> String {
        let mut out = String::new();
        if let Ok(counters) = self.counters.lock() {
            out.push_str("# HELP terrasse_graphql_requests_total GraphQL requests by operation and outcome.\n");
            out.push_str("# TYPE terrasse_graphql_requests_total counter\n");
            for ((operation, outcome), n) in &counters.requests {
                let _ = writeln!(
                    out,
                    "terrasse_graphql_requests_total{{operation=\"{operation}\",outcome=\"{outcome}\"}} {n}"
                );
            }
            out.push_str("# HELP terrasse_graphql_request_duration_seconds GraphQL request latency by operation.\n");
            out.push_str("# TYPE terrasse_graphql_request_duration_seconds histogram\n");
            for (operation, histogram) in &counters.latency {
                for (bound, n) in LATENCY_BUCKETS.iter().zip(histogram.buckets) {
                    let _ = writeln!(
                        out,
                        "terrasse_graphql_request_duration_seconds_bucket{{operation=\"{operation}\",le=\"{bound}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "terrasse_graphql_request_duration_seconds_bucket{{operation=\"{operation}\",le=\"+Inf\"}} {}",
                    histogram.count
                );
                let _ = writeln!(
                    out,
                    "terrasse_graphql_request_duration_seconds_sum{{operation=\"{operation}\"}} {}",
                    histogram.sum
                );
                let _ = writeln!(
                    out,
                    "terrasse_graphql_request_duration_seconds_count{{operation=\"{operation}\"}} {}",
                    histogram.count
                );
            }
            out.push_str("# HELP terrasse_graphql_errors_total GraphQL errors by code.\n");
            out.push_str("# TYPE terrasse_graphql_errors_total counter\n");
            for (code, n) in &counters.errors {
                let _ = writeln!(out, "terrasse_graphql_errors_total{{code=\"{code}\"}} {n}");
            }
            out.push_str("# HELP terrasse_rate_limited_total Requests refused by the rate limiter.\n");
            out.push_str("# TYPE terrasse_rate_limited_total counter\n");
            let _ = writeln!(out, "terrasse_rate_limited_total {}", counters.rate_limited);
        }
        let (size, idle) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        out.push_str("# HELP terrasse_db_pool_connections Open database connections in the pool.\n");
        out.push_str("# TYPE terrasse_db_pool_connections gauge\n");
        let _ = writeln!(out, "terrasse_db_pool_connections {size}");
        out.push_str("# HELP terrasse_db_pool_idle_connections Idle database connections in the pool.\n");
        out.push_str("# TYPE terrasse_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "terrasse_db_pool_idle_connections {idle}");
        out.push_str("# HELP terrasse_change_log_sequence Latest change-log sequence (the change feed's cursor).\n");
        out.push_str("# TYPE terrasse_change_log_sequence gauge\n");
        match store::changes::current_cursor(db).await {
            Ok(sequence) => {
                let _ = writeln!(out, "terrasse_change_log_sequence {sequence}");
            }
            Err(error) => tracing::warn!(%error, "cannot read the change-log sequence for /metrics"),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_sanitized_and_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("Directory\"}\n")), "Directory");
        assert_eq!(operation_label(Some(&"x".repeat(100))).len(), 64);
        let metrics = Metrics::default();
        for i in 0..MAX_OPERATIONS + 5 {
            metrics.record(Some(&format!("Op{i}")), Outcome::Ok, Duration::from_millis(3), &[]);
        }
        let counters = metrics.counters.lock().unwrap_or_else(|e| e.into_inner());
        assert_eq!(counters.latency.len(), MAX_OPERATIONS + 1);
        assert_eq!(counters.latency["other"].count, 5);
        assert_eq!(
            counters.latency["Op0"].buckets[..3],
            [0, 0, 1],
            "3 ms falls in the 5 ms bucket and above"
        );
    }
}
