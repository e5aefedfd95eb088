//! The bounds of scalar values: strings and ids by characters (and name searches by words),
//! numbers by range, dates and times by year.

use async_graphql::Value;

use super::*;
use crate::domain::{ValidationError, text::fold_for_search};

/// Checks a scalar `value` of type `name`.
pub(super) fn scalar(name: &str, value: &Value, key: &str, path: &str) -> Result<(), ValidationError> {
    let bounds: Vec<Bound> = overrides(key).collect();
    if bounds.iter().any(|bound| matches!(bound, Bound::Checked(_))) {
        return Ok(());
    }
    let invalid = |given: String, reason: String| Err(ValidationError::new(path.to_owned(), given, reason));
    match (name, value) {
        ("String" | "ID", Value::String(text)) => {
            let default = if name == "ID" {
                DEFAULT_ID_CHARS
            } else {
                DEFAULT_STRING_CHARS
            };
            let cap = bounds
                .iter()
                .find_map(|bound| match bound {
                    Bound::Chars(cap) => Some(*cap),
                    _ => None,
                })
                .unwrap_or(default);
            // Words first (a long search of many words is refused for its words); then
            // characters, counted only when the bytes (an upper bound) exceed the cap.
            for bound in &bounds {
                if let Bound::Words(most) = bound {
                    let words = fold_for_search(text).split(' ').filter(|w| !w.is_empty()).count();
                    if words > *most {
                        return invalid(
                            format!("{words} words"),
                            format!("must have at most {most} words (ignoring case, accents and punctuation)"),
                        );
                    }
                }
            }
            let chars = if text.len() > cap {
                text.chars().count()
            } else {
                text.len()
            };
            if chars > cap {
                return invalid(
                    format!("{chars} characters"),
                    format!("must have at most {cap} characters"),
                );
            }
            Ok(())
        }
        ("Int" | "Float", Value::Number(number)) => {
            let Some(given) = number.as_f64() else {
                return Ok(());
            };
            let default = if name == "Int" {
                Bound::Range(0.0, f64::from(i32::MAX))
            } else {
                Bound::Range(DEFAULT_FLOAT.0, DEFAULT_FLOAT.1)
            };
            if let Some(max) = bounds.iter().find_map(|bound| match bound {
                Bound::Page(max) => Some(f64::from(*max)),
                _ => None,
            }) {
                let argument = path.rsplit('.').next().unwrap_or(path);
                return if (0.0..=max).contains(&given) {
                    Ok(())
                } else {
                    Err(ValidationError::new(
                        argument.to_owned(),
                        number.to_string(),
                        format!("must be between 0 and {max}"),
                    ))
                };
            }
            let bound = bounds
                .iter()
                .copied()
                .find(|bound| matches!(bound, Bound::Range(..) | Bound::AboveZero(_)))
                .unwrap_or(default);
            within(bound, given).or_else(|reason| invalid(number.to_string(), reason))
        }
        ("Decimal", Value::Number(_) | Value::String(_)) => {
            let text = match value {
                Value::String(text) => text.trim().to_owned(),
                other => other.to_string(),
            };
            if text.len() > 64 {
                return invalid(
                    format!("{} characters", text.len()),
                    "must be an amount of at most 64 characters".to_owned(),
                );
            }
            match text.parse::<f64>() {
                Ok(amount) => {
                    within(Bound::Range(-MAX_DECIMAL, MAX_DECIMAL), amount).or_else(|reason| invalid(text, reason))
                }
                // Not a number: the scalar refuses it.
                Err(_) => Ok(()),
            }
        }
        ("NaiveDate", Value::String(text)) => match date_year(text) {
            Some(year) if text.len() == 10 && (1900..=2100).contains(&year) => Ok(()),
            _ => invalid(
                shown(text),
                format!("must be a date YYYY-MM-DD from {EARLIEST_DATE} to {LATEST_DATE}"),
            ),
        },
        ("DateTime", Value::String(text)) => match date_year(text) {
            Some(year) if text.len() <= 64 && (1900..=2100).contains(&year) => Ok(()),
            _ => invalid(
                shown(text),
                format!("must be an RFC 3339 date and time from {EARLIEST_DATE} to {LATEST_DATE}"),
            ),
        },
        _ => Ok(()),
    }
}

/// Whether `given` is within `bound`, else the reason.
fn within(bound: Bound, given: f64) -> Result<(), String> {
    match bound {
        Bound::Range(min, max) if !(min..=max).contains(&given) => Err(format!("must be from {min} to {max}")),
        Bound::AboveZero(max) if !(given > 0.0 && given <= max) => Err(format!("must be above 0 and at most {max}")),
        _ => Ok(()),
    }
}

/// The year of a text starting with `YYYY-MM-DD` (four digits, unsigned).
fn date_year(text: &str) -> Option<i32> {
    let bytes = text.as_bytes();
    let shape = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    if !shape {
        return None;
    }
    text[..4].parse().ok()
}

/// A value as shown in an error: at most 40 characters.
fn shown(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_owned()
    }
}
