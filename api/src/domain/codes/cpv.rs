//! CPV procurement codes (Common Procurement Vocabulary 2008), checked against its divisions.

use std::{
    cmp::Ordering,
    hash::{Hash, Hasher},
};

use serde::{Deserialize, Serialize};

use super::PurchaseType;
use crate::domain::{ValidationError, two_digits};

/// The CPV divisions (Common Procurement Vocabulary, regulation (EC) 213/2008): the first two
/// digits of every CPV code.
pub(super) const CPV_DIVISIONS: [u8; 45] = [
    3, 9, 14, 15, 16, 18, 19, 22, 24, 30, 31, 32, 33, 34, 35, 37, 38, 39, 41, 42, 43, 44, 45, 48, 50, 51, 55, 60, 63,
    64, 65, 66, 70, 71, 72, 73, 75, 76, 77, 79, 80, 85, 90, 92, 98,
];

/// A CPV code (Common Procurement Vocabulary): 8 digits, division (2), group (3), class (4) and
/// category (5), optionally followed by a dash and a check digit (`45000000-7`).
///
/// The first two digits must be one of the 45 CPV 2008 divisions (`03`, `09`, `14`, … `98`).
/// Parsing trims surrounding whitespace. The check digit is kept apart ([`CpvCode::check_digit`])
/// but **not verified**, and it is not part of the code: `as_str`, `Display` and serde give the 8
/// digits, and `45000000` equals, hashes and sorts like `45000000-7`. A 7-digit input that lost
/// its leading zero is rejected with the padded code as a suggestion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CpvCode {
    /// The 8 digits.
    code: String,
    /// The check digit given after the dash, if any (not verified).
    check_digit: Option<u8>,
}

impl CpvCode {
    /// Parses a CPV code, with or without its check digit; errors name the field `cpvCode`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("cpvCode", raw, reason);
        let trimmed = raw.trim();
        let (code, check) = match trimmed.split_once('-') {
            Some((code, check)) => (code, Some(check)),
            None => (trimmed, None),
        };
        if let Some(c) = code.chars().find(|c| !c.is_ascii_digit()) {
            return Err(invalid(format!(
                "must be 8 digits, optionally followed by a dash and a check digit as in \
                 \"45000000-7\", found {c:?}"
            )));
        }
        if code.len() != 8 {
            return Err(invalid(super::wrong_length(code, code.len(), 8, "digits", |padded| {
                cpv_division_problem(padded).is_none()
            })));
        }
        let check_digit = match check {
            None => None,
            Some(check) => match check.as_bytes() {
                &[digit @ b'0'..=b'9'] => Some(digit - b'0'),
                _ => {
                    return Err(invalid(format!(
                        "the check digit after the dash must be a single digit, got {check:?}"
                    )));
                }
            },
        };
        if let Some(problem) = cpv_division_problem(code) {
            return Err(invalid(problem));
        }
        Ok(Self {
            code: code.to_owned(),
            check_digit,
        })
    }

    /// The 8 digits, without the check digit.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The check digit given after the dash, if any. It is not verified.
    pub fn check_digit(&self) -> Option<u8> {
        self.check_digit
    }

    /// The division, first level of the vocabulary: 2 digits (`45` construction work).
    pub fn division(&self) -> &str {
        &self.code[..2]
    }

    /// The group: 3 digits (`452` works for complete or part construction).
    pub fn group(&self) -> &str {
        &self.code[..3]
    }

    /// The class: 4 digits (`4521`).
    pub fn class(&self) -> &str {
        &self.code[..4]
    }

    /// The category: 5 digits (`45214`).
    pub fn category(&self) -> &str {
        &self.code[..5]
    }

    /// Works, supplies or services, as consolidators derive it from the division: `45` is
    /// works, `03`–`44` and `48` (software packages) are supplies, `49`–`98` are services.
    pub fn purchase_type(&self) -> PurchaseType {
        match two_digits(self.division()) {
            Some(45) => PurchaseType::Works,
            Some(3..=44 | 48) => PurchaseType::Supplies,
            _ => PurchaseType::Services,
        }
    }
}

/// Why 8 ASCII digits do not start with a CPV division, if they do not.
pub(super) fn cpv_division_problem(code: &str) -> Option<String> {
    let division = code.get(..2)?;
    match two_digits(division) {
        Some(number) if CPV_DIVISIONS.contains(&number) => None,
        _ => Some(format!("{division} is not a CPV division")),
    }
}

impl PartialEq for CpvCode {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for CpvCode {}

impl Hash for CpvCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl PartialOrd for CpvCode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CpvCode {
    fn cmp(&self, other: &Self) -> Ordering {
        self.code.cmp(&other.code)
    }
}
