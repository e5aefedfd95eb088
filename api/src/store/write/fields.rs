//! Checks every record kind applies to its fields the same way: text normalisation, external
//! ids, and source update times.

use chrono::{DateTime, Duration, Utc};

use super::result::UserError;
use crate::error_code::ErrorCode;

/// Trimmed text, `None` when empty.
pub fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// How far ahead of the server clock a record's `sourceUpdatedAt` may be (clock skew between
/// the source and Terrasse); later times are refused.
pub const SOURCE_CLOCK_SKEW: Duration = Duration::days(1);

/// A BAD_USER_INPUT user error on `field` when `at` is more than [`SOURCE_CLOCK_SKEW`] after
/// `now`: a source update time in the future would make every later publication of the
/// record (an import included) look older, and be skipped.
pub fn check_source_updated_at(field: &str, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), UserError> {
    match at {
        Some(at) if at > now + SOURCE_CLOCK_SKEW => Err(UserError::new(
            field,
            format!(
                "{field} {} is in the future: at most 1 day after the server time ({})",
                at.to_rfc3339(),
                now.to_rfc3339()
            ),
            ErrorCode::BadUserInput,
        )),
        _ => Ok(()),
    }
}
