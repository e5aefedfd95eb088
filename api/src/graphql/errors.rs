//! Errors as clients see them.
//!
//! Policy: every error carries a stable `extensions.code` from a closed set
//! (`BAD_USER_INPUT`, `NOT_FOUND`, `UNAUTHENTICATED`, `FORBIDDEN`, `CONFLICT`, `RATE_LIMITED`,
//! `QUERY_TOO_COMPLEX`, `INTERNAL`). Input errors name the field and the value. Internal
//! errors (database failures, bugs) are logged here with their full context and shown to
//! clients only as `INTERNAL` with a generic message: database messages never leak.
//!
//! async-graphql converts any `Display` error with `?`, which would leak; resolvers therefore
//! turn store results into GraphQL results with [`OrInternal::or_internal`] or
//! [`ApiError`], never with a bare `?` on a store error.

use std::sync::Arc;

use async_graphql::{ErrorExtensions, Value};

use crate::{domain::ValidationError, store::StoreError};

/// A client-facing error.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request's input is invalid.
    #[error("{0}")]
    BadUserInput(ValidationError),
    /// Something failed on our side; details are in the server log only.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadUserInput(_) => "BAD_USER_INPUT",
            ApiError::Internal => "INTERNAL",
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
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
            StoreError::Database { .. } => {
                tracing::error!(error = %error, "store failure");
                ApiError::Internal
            }
        }
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
