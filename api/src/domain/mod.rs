//! Validated value types and pure domain functions; no I/O, no database.
//!
//! Every code that crosses a boundary (GraphQL argument, import file, partner payload) is parsed
//! here once into a type that can only hold a valid value: [`Siren`], [`Siret`], [`Rna`],
//! [`CommuneCode`], [`CpvCode`], [`NafCode`]. Past the boundary, code takes these types, not
//! strings. Each type parses with `parse` (or `FromStr`, `TryFrom<String>`, serde), trims
//! surrounding whitespace, normalises to one canonical spelling and reports a
//! [`ValidationError`] naming the field, the value as given and what is wrong with it.
//!
//! This module must not read files, the network or the database: callers do the I/O and hand
//! the text over.

use std::borrow::Cow;

/// Implements, for each validated code type, the conversions that only delegate to its
/// `parse` and `as_str`: `FromStr`, `TryFrom<String>` (what serde deserialises through),
/// `From<Self> for String` (what serde serialises through), `Display` and `AsRef<str>`.
macro_rules! string_conversions {
    ($($code:ident),+ $(,)?) => {$(
        impl ::std::str::FromStr for $code {
            type Err = super::ValidationError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Self::parse(raw)
            }
        }

        impl TryFrom<String> for $code {
            type Error = super::ValidationError;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$code> for String {
            fn from(code: $code) -> Self {
                code.as_str().to_owned()
            }
        }

        impl ::std::fmt::Display for $code {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl AsRef<str> for $code {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    )+};
}

pub mod codes;
pub mod disclosure;
pub mod ess;
pub mod geo;
pub mod identifiers;
pub mod money;
pub mod territory_id;
pub mod text;

pub use codes::{
    CommuneCode, CpvCode, NafCode, PurchaseType, covering_prefixes, naf_prefixes, naf_section_of_division,
};
pub use identifiers::{Rna, Siren, Siret, luhn_valid};
pub use money::{Cents, CentsError};
pub use territory_id::TerritoryId;

/// Shown instead of the name of a unit Sirene marks as non-diffusible (a person's own
/// business): the API and the exports never reveal it.
pub const NON_DIFFUSIBLE: &str = "[non diffusible]";

/// A value that failed validation: names the field, the value as given and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} {value:?}: {reason}")]
pub struct ValidationError {
    /// The field, as the caller knows it (`siren` by default, `buyer.siret` once renamed).
    pub field: Cow<'static, str>,
    /// The value exactly as given, before trimming or any normalisation.
    pub value: String,
    /// What is wrong with it, precise enough to fix it ("must be 9 digits, got 8").
    pub reason: String,
}

impl ValidationError {
    /// An error for `field`, whose given `value` is wrong for `reason`.
    pub fn new(field: impl Into<Cow<'static, str>>, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// The same error reported under another field name (`siret` becomes `buyer.siret`); the
    /// value and the reason are kept.
    #[must_use]
    pub fn with_field(self, field: impl Into<Cow<'static, str>>) -> Self {
        Self {
            field: field.into(),
            ..self
        }
    }
}

/// The number written by a string of exactly two ASCII digits ("07" is 7), else `None`.
fn two_digits(text: &str) -> Option<u8> {
    match text.as_bytes() {
        &[tens @ b'0'..=b'9', units @ b'0'..=b'9'] => Some((tens - b'0') * 10 + (units - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{ValidationError, two_digits};

    #[test]
    fn error_message_names_field_value_and_reason() {
        let error = ValidationError::new("siren", " 12345678", "must be 9 digits, got 8");
        assert_eq!(
            error.to_string(),
            r#"invalid siren " 12345678": must be 9 digits, got 8"#
        );
    }

    #[test]
    fn with_field_renames_and_keeps_value_and_reason() {
        let error = ValidationError::new("siret", "123", "must be 14 digits, got 3");
        let renamed = error.clone().with_field(format!("suppliers[{}].siret", 2));
        assert_eq!(renamed.field, "suppliers[2].siret");
        assert_eq!(renamed.value, error.value);
        assert_eq!(renamed.reason, error.reason);
        assert_eq!(
            renamed.to_string(),
            r#"invalid suppliers[2].siret "123": must be 14 digits, got 3"#
        );
    }

    #[test]
    fn two_digits_reads_only_two_ascii_digits() {
        assert_eq!(two_digits("07"), Some(7));
        assert_eq!(two_digits("99"), Some(99));
        assert_eq!(two_digits("7"), None);
        assert_eq!(two_digits("070"), None);
        assert_eq!(two_digits("2A"), None);
        assert_eq!(two_digits("٠٧"), None);
    }
}
