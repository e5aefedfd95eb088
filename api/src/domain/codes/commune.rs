//! INSEE commune codes (code officiel géographique), checked against the département and
//! overseas collectivity ranges.

use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::domain::{ValidationError, two_digits};

/// An INSEE commune code (code officiel géographique): 5 characters, the département or
/// overseas collectivity code followed by the commune's number in it.
///
/// Accepted: metropolitan départements `01`–`19`, `21`–`95` + 3 digits (`75056` Paris, `13055`
/// Marseille, and the arrondissements municipaux such as `75101`); Corsica `2A`/`2B` + 3 digits
/// (`2A004` Ajaccio); overseas départements `971`–`976` + 2 digits (`97411` Saint-Denis,
/// `97608` Dzaoudzi); overseas collectivities `975`, `977`, `978`, `984`, `986`–`989` + 2 digits
/// (`98735` Papeete). Rejected: `20xxx` (Corsica is `2A`/`2B` since 1976), `00`, `96`, `970`,
/// `979`, `980`–`983`, `985` and `99xxx` (INSEE's codes for foreign countries).
///
/// Parsing trims surrounding whitespace and upper-cases `2a`/`2b`. A 4-digit input that a
/// spreadsheet stripped of its leading zero ("1001") is rejected with the zero-padded code as a
/// suggestion, never silently padded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommuneCode(String);

impl CommuneCode {
    /// Parses a commune code; errors name the field `communeCode`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("communeCode", raw, reason);
        let code = raw.trim().to_ascii_uppercase();
        let length = code.chars().count();
        if length != 5 {
            let digits = code.bytes().all(|b| b.is_ascii_digit());
            return Err(invalid(super::wrong_length(&code, length, 5, "characters", |padded| {
                digits && commune_problem(padded).is_none()
            })));
        }
        if let Some(problem) = commune_problem(&code) {
            return Err(invalid(problem));
        }
        Ok(Self(code))
    }

    /// The 5 characters, `2A`/`2B` upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of the département or overseas collectivity the commune belongs to: 2
    /// characters in metropolitan France and Corsica (`75`, `2A`), 3 overseas (`974`, `987`).
    pub fn departement(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") {
            &self.0[..3]
        } else {
            &self.0[..2]
        }
    }
}

/// What is wrong with 5 upper-cased characters as a commune code, if anything.
pub(super) fn commune_problem(code: &str) -> Option<String> {
    if !code.is_ascii() {
        return Some("must contain only digits, or 2A/2B for Corsica".to_owned());
    }
    let Some((prefix, number)) = code.split_at_checked(2) else {
        return Some("must be 5 characters".to_owned());
    };
    if number.len() != 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Some("must end with 3 digits".to_owned());
    }
    if matches!(prefix, "2A" | "2B") {
        return None;
    }
    let Some(departement) = two_digits(prefix) else {
        return Some("must start with a 2-digit département, or 2A/2B for Corsica".to_owned());
    };
    let third = number.as_bytes()[0];
    match departement {
        1..=19 | 21..=95 => None,
        0 => Some("there is no département 00".to_owned()),
        20 => Some("Corsican communes start with 2A or 2B, not 20 (since 1976)".to_owned()),
        96 => Some("there is no département 96".to_owned()),
        97 if (b'1'..=b'8').contains(&third) => None,
        97 => Some(format!(
            "97{} is neither an overseas département (971-976) nor a collectivity (975, 977, 978)",
            char::from(third)
        )),
        98 if matches!(third, b'4' | b'6'..=b'9') => None,
        98 => Some(format!(
            "98{} is not an overseas collectivity (984, 986-989)",
            char::from(third)
        )),
        _ => Some("99xxx is INSEE's code for a foreign country, not a commune".to_owned()),
    }
}
