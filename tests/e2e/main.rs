//! End-to-end tests: the real server on a random port, over SQLite and PostgreSQL, each test
//! on a fresh database built by the real migrations.
//!
//! PostgreSQL: set `TEST_DATABASE_URL` (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`) to make the PostgreSQL variants mandatory.
//! Without it they try that local default and, when it is unreachable, print loudly that
//! they did not run.

#![expect(clippy::unwrap_used, reason = "tests fail loudly on the unexpected")]

mod fixtures;
mod harness;

mod adversarial;
mod analytics;
mod analytics_examples;
mod analytics_series;
mod analytics_writes;
mod award_lines;
mod batches;
mod bounds;
mod conformance;
mod contracts;
mod demo;
mod exports;
mod faults;
mod hostile_sources;
mod http;
mod imports;
mod imports_sirene;
mod lists;
mod metering;
mod organisation_filters;
mod organisations;
mod partnerships;
mod persisted;
mod replica;
mod resilience;
mod robustness;
mod schema;
mod shape;
mod supply;
mod territories;
mod transport;
mod writes;
mod writes_records;
