//! Errors as clients see them.
//!
//! Policy: every error carries a stable `extensions.code` from a closed set
//! (`BAD_USER_INPUT`, `NOT_FOUND`, `UNAUTHENTICATED`, `FORBIDDEN`, `CONFLICT`, `RATE_LIMITED`,
//! `QUERY_TOO_COMPLEX`, `INTERNAL`, `UNAVAILABLE`), plus the two codes of the automatic persisted query
//! protocol that clients such as Apollo's switch on (`PERSISTED_QUERY_NOT_FOUND`,
//! `PERSISTED_QUERY_NOT_SUPPORTED`, see `http::persisted`). Input errors name the field and the value. Internal
//! errors (database failures, bugs) are logged here with their full context and shown to
//! clients only as `INTERNAL` with a generic message: database messages never leak. A
//! database that cannot be reached (no connection within the acquire timeout, a connection
//! lost) is `UNAVAILABLE`: the request may be retried later, unchanged. A statement stopped at
//! its request's time limit (`crate::db::is_statement_timeout`) is `QUERY_TOO_COMPLEX`, like a
//! request that runs past the limit: the client must ask for less.
//!
//! async-graphql converts any `Display` error with `?`, which would leak; resolvers therefore
//! turn store results into GraphQL results with [`OrInternal::or_internal`] or
//! [`ApiError`], never with a bare `?` on a store error.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, ErrorExtensions, ServerError, Value};

use crate::{domain::ValidationError, error_code::ErrorCode, store::StoreError};

/// A client-facing error.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request's input is invalid.
    #[error("{0}")]
    BadUserInput(ValidationError),
    /// Something failed on our side; details are in the server log only.
    #[error("internal error")]
    Internal,
    /// The database cannot be reached; the request may be retried later.
    #[error("the database is unavailable: retry later")]
    Unavailable,
    /// A statement ran past the request's time limit and was stopped.
    #[error(
        "a database statement of this request ran past the request time limit (TERRASSE_REQUEST_TIMEOUT_SECS) and was stopped: ask for less"
    )]
    TimedOut,
}

impl ApiError {
    /// The stable code clients switch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadUserInput(_) => ErrorCode::BadUserInput,
            ApiError::Internal => ErrorCode::Internal,
            ApiError::Unavailable => ErrorCode::Unavailable,
            ApiError::TimedOut => ErrorCode::QueryTooComplex,
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, extensions| {
            extensions.set("code", self.code().as_str());
            if let ApiError::BadUserInput(invalid) = self {
                extensions.set("field", Value::String(invalid.field.to_string()));
                extensions.set("value", Value::String(invalid.value.clone()));
            }
        })
    }
}

impl From<ValidationError> for ApiError {
    fn from(invalid: ValidationError) -> Self {
        ApiError::BadUserInput(invalid)
    }
}

impl From<&StoreError> for ApiError {
    fn from(error: &StoreError) -> Self {
        match error {
            StoreError::Invalid(invalid) => ApiError::BadUserInput(invalid.clone()),
            StoreError::Database { source, .. } if is_unreachable(source) => {
                tracing::warn!(error = %error, "database unreachable");
                ApiError::Unavailable
            }
            StoreError::Database { source, .. } if crate::db::is_statement_timeout(source) => {
                tracing::warn!(error = %error, "statement stopped at the request time limit");
                ApiError::TimedOut
            }
            StoreError::Database { .. } => {
                tracing::error!(error = %error, "store failure");
                ApiError::Internal
            }
        }
    }
}

/// Whether a database error means the database cannot be reached (rather than a failing
/// statement): no pooled connection in time, a connection refused, closed or broken.
pub fn is_unreachable(error: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx::Error};
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => matches!(
            error.as_ref(),
            Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed | Error::Protocol(_)
        ),
        _ => false,
    }
}

/// Turns a store result into a GraphQL result under the error policy above.
pub trait OrInternal<T> {
    /// Maps the error to its client-facing form, logging internal failures.
    fn or_internal(self) -> async_graphql::Result<T>;
}

impl<T> OrInternal<T> for Result<T, StoreError> {
    fn or_internal(self) -> async_graphql::Result<T> {
        self.map_err(|error| ApiError::from(&error).extend())
    }
}

impl<T> OrInternal<T> for Result<T, Arc<StoreError>> {
    fn or_internal(self) -> async_graphql::Result<T> {
        self.map_err(|error| ApiError::from(error.as_ref()).extend())
    }
}

/// Turns a validation result into a GraphQL result with code `BAD_USER_INPUT`.
pub fn bad_input<T>(result: Result<T, ValidationError>) -> async_graphql::Result<T> {
    result.map_err(|invalid| ApiError::BadUserInput(invalid).extend())
}

/// A request error (no path) with `code` as its `extensions.code`: how every refusal made
/// before or around execution (limits, bounds, persisted queries, time-outs) is answered.
pub fn coded_error(code: ErrorCode, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code.as_str());
    error.extensions = Some(extensions);
    error
}
