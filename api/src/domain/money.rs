//! Money: amounts are whole euro cents ([`Cents`]) everywhere past the boundary. Clients read
//! and write decimal euros (`12.50`), the database stores cents (`1250`); this is the only
//! place that converts between the two, so no amount ever passes through a float.

use rust_decimal::{Decimal, prelude::ToPrimitive};

/// An amount in euro cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(i64);

/// Why decimal euros are not a valid amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentsError {
    /// Below zero where amounts must not be.
    Negative,
    /// More than two decimal places: not a whole number of cents.
    TooManyDecimals,
    /// Larger than the amounts the database holds.
    TooLarge,
}

impl CentsError {
    /// Why the amount is refused, as client-facing messages word it (`must not be negative`).
    pub fn reason(self) -> &'static str {
        match self {
            CentsError::Negative => "must not be negative",
            CentsError::TooManyDecimals => "must have at most 2 decimal places",
            CentsError::TooLarge => "is too large",
        }
    }
}

impl Cents {
    /// Zero euros.
    pub const ZERO: Cents = Cents(0);

    /// `cents` cents.
    pub const fn new(cents: i64) -> Self {
        Self(cents)
    }

    /// The number of cents, as stored.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The amount in decimal euros (`1250` cents is `12.50`).
    pub fn euros(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Cents from decimal euros that must not be negative and must be whole cents.
    pub fn from_euros(euros: Decimal) -> Result<Self, CentsError> {
        if euros.is_sign_negative() && !euros.is_zero() {
            return Err(CentsError::Negative);
        }
        Self::from_signed_euros(euros)
    }

    /// Cents from decimal euros of either sign that must be whole cents.
    pub fn from_signed_euros(euros: Decimal) -> Result<Self, CentsError> {
        let cents = euros.checked_mul(Decimal::ONE_HUNDRED).ok_or(CentsError::TooLarge)?;
        if !cents.fract().is_zero() {
            return Err(CentsError::TooManyDecimals);
        }
        cents.to_i64().map(Self).ok_or(CentsError::TooLarge)
    }

    /// A fractional number of cents (a share of an amount) rounded to the nearest cent.
    pub fn rounded(cents: f64) -> Self {
        #[expect(clippy::cast_possible_truncation, reason = "amounts are far below 2^63 cents")]
        Self(cents.round() as i64)
    }
}

impl Cents {
    /// The amount as a JSON number of euros (`12.5`), for JSON output only: JSON numbers are
    /// binary floats, exact to the cent for every amount below 2^53 cents. Arithmetic on
    /// amounts never goes through it.
    pub fn json_euros(self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "amounts are far below 2^53 cents")]
        let cents = self.0 as f64;
        cents / 100.0
    }

    /// Serializes an optional amount as a JSON number of euros ([`Cents::json_euros`]) or
    /// null, for `#[serde(serialize_with = ...)]`.
    pub fn serialize_json_euros<S: serde::Serializer>(
        amount: &Option<Cents>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match amount {
            Some(amount) => serializer.serialize_some(&amount.json_euros()),
            None => serializer.serialize_none(),
        }
    }
}

/// Decimal euros with two decimals and no thousands separator (`-1234.05`), as CSV files
/// and messages show amounts.
impl std::fmt::Display for Cents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use std::str::FromStr;

    use super::*;

    fn euros(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn converts_whole_cents_both_ways() {
        let amount = Cents::from_euros(euros("12.5")).unwrap();
        assert_eq!(amount.get(), 1250);
        assert_eq!(amount.euros().to_string(), "12.50");
        assert_eq!(Cents::from_euros(euros("0")).unwrap(), Cents::ZERO);
        assert_eq!(Cents::from_signed_euros(euros("-3.07")).unwrap().get(), -307);
    }

    #[test]
    fn refuses_what_is_not_whole_cents() {
        assert_eq!(Cents::from_euros(euros("-0.01")), Err(CentsError::Negative));
        assert_eq!(Cents::from_euros(euros("1.005")), Err(CentsError::TooManyDecimals));
        assert_eq!(Cents::from_euros(Decimal::MAX), Err(CentsError::TooLarge));
        assert_eq!(
            Cents::from_euros(euros("100000000000000000")),
            Err(CentsError::TooLarge)
        );
    }

    #[test]
    fn displays_and_rounds() {
        assert_eq!(Cents::new(-123_405).to_string(), "-1234.05");
        assert_eq!(Cents::new(7).to_string(), "0.07");
        assert_eq!(Cents::rounded(1249.5).get(), 1250);
        assert!((Cents::new(1_234_567).json_euros() - 12_345.67).abs() < f64::EPSILON);
    }
}
