//! The closed set of codes clients switch on (`extensions.code` of GraphQL errors, `code` of
//! mutation `userErrors`, the body of HTTP refusals). Every layer names a code through
//! [`ErrorCode`]; none spells the string itself. This module depends on nothing else in the
//! crate, so the store, the GraphQL layer and the HTTP layer can all use it.

use serde::{Deserialize, Serialize};

/// A client-facing error code.
///
/// The serde names are the variant names (`BadUserInput`…): they are stored with the results
/// kept under idempotency keys, so they never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The input is invalid (malformed code, missing field, value out of bounds, dates out of
    /// order…).
    BadUserInput,
    /// A referenced record does not exist.
    NotFound,
    /// No valid API key was given where one is needed.
    Unauthenticated,
    /// The caller may not do this (a partner writes only records of its source).
    Forbidden,
    /// The record changed meanwhile, a unique value is taken, or an idempotency key was reused
    /// with another input.
    Conflict,
    /// The caller spent its request budget; retry after the time given.
    RateLimited,
    /// The request asks for more than the limits allow (cost, depth, time).
    QueryTooComplex,
    /// Something failed on our side; the details are in the server log only.
    Internal,
    /// The database cannot be reached; the request may be retried later, unchanged.
    Unavailable,
    /// Automatic persisted queries: the hash is unknown, send the query with it.
    PersistedQueryNotFound,
    /// Automatic persisted queries: this server does not accept them.
    PersistedQueryNotSupported,
}

impl ErrorCode {
    /// Every code, in the order of the documentation.
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::BadUserInput,
        ErrorCode::NotFound,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::QueryTooComplex,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
        ErrorCode::PersistedQueryNotFound,
        ErrorCode::PersistedQueryNotSupported,
    ];

    /// The code as clients read it (`BAD_USER_INPUT`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_distinct_screaming_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(text.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{text}");
        }
    }
}
