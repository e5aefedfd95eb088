//! NAF rév. 2 activity codes: sections, divisions and the sub-class codes of Sirene.

use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::domain::{ValidationError, two_digits};

/// The NAF rév. 2 section (`A`–`U`) of a 2-digit division ("88" is in `Q`), or `None` when
/// `division` is not one of the 88 divisions.
pub fn naf_section_of_division(division: &str) -> Option<char> {
    Some(match two_digits(division)? {
        1..=3 => 'A',
        5..=9 => 'B',
        10..=33 => 'C',
        35 => 'D',
        36..=39 => 'E',
        41..=43 => 'F',
        45..=47 => 'G',
        49..=53 => 'H',
        55..=56 => 'I',
        58..=63 => 'J',
        64..=66 => 'K',
        68 => 'L',
        69..=75 => 'M',
        77..=82 => 'N',
        84 => 'O',
        85 => 'P',
        86..=88 => 'Q',
        90..=93 => 'R',
        94..=96 => 'S',
        97..=98 => 'T',
        99 => 'U',
        _ => return None,
    })
}

/// A NAF rév. 2 sub-class (nomenclature d'activités française), the activity code of Sirene:
/// canonical form `DD.DDL`, e.g. `88.99B` (action sociale sans hébergement n.c.a.).
///
/// Parsing trims surrounding whitespace, accepts the dot, a space or nothing between the
/// division-group and the class digits (`8899B`, `88 99B`) and upper-cases the letter
/// (`88.99b`). The division must be one of the 88 divisions of NAF rév. 2, so Sirene's
/// `00.00Z` ("unknown") is rejected. NAF 2025 codes are not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NafCode {
    /// The canonical `DD.DDL` form.
    code: String,
    /// The section of the division, `A`–`U`.
    section: char,
}

impl NafCode {
    /// Parses a NAF rév. 2 sub-class; errors name the field `nafCode`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("nafCode", raw, reason);
        let mut chars: Vec<char> = raw.trim().chars().collect();
        if chars.len() == 6 && matches!(chars[2], '.' | ' ') {
            chars.remove(2);
        }
        let &[d1, d2, d3, d4, letter] = chars.as_slice() else {
            return Err(invalid(
                "must be 4 digits and a letter, as in \"88.99B\" or \"8899B\"".to_owned(),
            ));
        };
        if let Some(c) = [d1, d2, d3, d4].into_iter().find(|c| !c.is_ascii_digit()) {
            return Err(invalid(format!(
                "must be 4 digits and a letter, as in \"88.99B\" or \"8899B\", found {c:?}"
            )));
        }
        if !letter.is_ascii_alphabetic() {
            return Err(invalid(format!(
                "must end with a letter, as in \"88.99B\", found {letter:?}"
            )));
        }
        let division = format!("{d1}{d2}");
        let Some(section) = naf_section_of_division(&division) else {
            return Err(invalid(format!("{division} is not a NAF rév. 2 division")));
        };
        let code = format!("{d1}{d2}.{d3}{d4}{}", letter.to_ascii_uppercase());
        Ok(Self { code, section })
    }

    /// The canonical form, `DD.DDL` (`88.99B`).
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The division: 2 digits (`88`).
    pub fn division(&self) -> &str {
        &self.code[..2]
    }

    /// The group: the division, a dot and one digit (`88.9`).
    pub fn group(&self) -> &str {
        &self.code[..4]
    }

    /// The class: the division, a dot and two digits (`88.99`).
    pub fn class(&self) -> &str {
        &self.code[..5]
    }

    /// The section, `A`–`U`, derived from the division (`Q` health and social work for `88`).
    pub fn section(&self) -> char {
        self.section
    }
}
