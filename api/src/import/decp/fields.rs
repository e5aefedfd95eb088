//! Reading the fields of one DECP record: what counts as a missing value, the field reader
//! that collects rejected fields and quality flags, and the DECP spellings of SIRETs,
//! identifier schemes and execution place kinds.

use std::str::FromStr;

use chrono::NaiveDate;
use entity::enums::{ExecPlaceType, IdScheme};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::IMPLAUSIBLE_AMOUNT_EUR;
use crate::import::{RejectLine, Rejected};
use crate::{domain::Siret, store::write::contract::QualityFlag};

/// Whether a JSON value stands for "no value" in DECP files.
pub(super) fn is_missing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => {
            let text = text.trim();
            text.is_empty()
                || [
                    "nan",
                    "nc",
                    "null",
                    "none",
                    "n/a",
                    "na",
                    "non communiqué",
                    "non renseigné",
                ]
                .iter()
                .any(|marker| text.eq_ignore_ascii_case(marker))
        }
        Value::Number(number) => number.as_f64().is_some_and(f64::is_nan),
        _ => false,
    }
}

/// Reads one record, collecting the rejected fields and the flags.
pub(super) struct Reader<'a> {
    pub(super) position: u64,
    pub(super) record: String,
    pub(super) rejects: &'a mut Vec<RejectLine>,
    pub(super) flags: Vec<QualityFlag>,
}

impl Reader<'_> {
    pub(super) fn reject(&mut self, field: &str, value: &Value, reason: impl Into<String>) {
        self.rejects.push(RejectLine {
            record: self.record.clone(),
            position: self.position,
            field: field.to_owned(),
            value: value.clone(),
            reason: reason.into(),
            rejected: Rejected::Field,
        });
    }

    pub(super) fn flag(&mut self, field: &str, value: impl ToString, reason: &str) {
        self.flags.push(QualityFlag {
            field: field.to_owned(),
            value: value.to_string(),
            reason: reason.to_owned(),
        });
    }

    pub(super) fn text(&mut self, object: &Value, key: &str) -> Option<String> {
        let value = object.get(key).filter(|v| !is_missing(v))?;
        match value {
            Value::String(text) => Some(text.trim().to_owned()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            other => {
                self.reject(key, other, "expected a text");
                None
            }
        }
    }

    pub(super) fn date(&mut self, object: &Value, key: &str) -> Option<NaiveDate> {
        let value = object.get(key).filter(|v| !is_missing(v))?;
        let parsed = value.as_str().map(str::trim).and_then(|text| {
            text.get(..10)
                .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                .or_else(|| NaiveDate::parse_from_str(text, "%d/%m/%Y").ok())
        });
        if parsed.is_none() {
            self.reject(key, value, "expected a date YYYY-MM-DD");
        }
        parsed
    }

    pub(super) fn integer(&mut self, object: &Value, key: &str) -> Option<i64> {
        let value = object.get(key).filter(|v| !is_missing(v))?;
        let parsed = match value {
            Value::Number(number) => number.as_i64().or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            }),
            Value::String(text) => text.trim().parse::<i64>().ok().or_else(|| {
                text.trim()
                    .replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            }),
            _ => None,
        };
        if parsed.is_none() {
            self.reject(key, value, "expected a whole number");
        }
        parsed
    }

    pub(super) fn months(&mut self, object: &Value, key: &str, longest: i64) -> Option<i32> {
        let months = self.integer(object, key)?;
        if months <= 0 {
            self.reject(key, &object[key], "must be a positive number of months");
            return None;
        }
        let Ok(months) = i32::try_from(months) else {
            self.reject(key, &object[key], "is too large to store");
            return None;
        };
        if i64::from(months) > longest {
            self.flag(key, months, &format!("more than {longest} months"));
        }
        Some(months)
    }

    pub(super) fn amount(&mut self, object: &Value, key: &str) -> Option<Decimal> {
        let value = object.get(key).filter(|v| !is_missing(v))?;
        let parsed = match value {
            Value::Number(number) => {
                let text = number.to_string();
                Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .ok()
            }
            Value::String(text) => {
                let cleaned: String = text
                    .trim()
                    .trim_end_matches('€')
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
                    .map(|c| if c == ',' { '.' } else { c })
                    .collect();
                Decimal::from_str(&cleaned)
                    .or_else(|_| Decimal::from_scientific(&cleaned))
                    .ok()
            }
            _ => None,
        };
        let Some(amount) = parsed else {
            self.reject(key, value, "expected an amount in euros");
            return None;
        };
        if amount.is_sign_negative() && !amount.is_zero() {
            self.reject(key, value, "must not be negative");
            return None;
        }
        let amount = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if amount
            .checked_mul(Decimal::from(100))
            .and_then(|c| i64::try_from(c).ok())
            .is_none()
        {
            self.reject(key, value, "is too large to store (more than 92 million billion euros)");
            return None;
        }
        if amount >= Decimal::from(IMPLAUSIBLE_AMOUNT_EUR) {
            self.flag(key, amount, "implausible amount (ten billion euros or more)");
        }
        Some(amount.normalize())
    }

    pub(super) fn boolean(&mut self, object: &Value, key: &str) -> Option<bool> {
        let value = object.get(key).filter(|v| !is_missing(v))?;
        let parsed = match value {
            Value::Bool(flag) => Some(*flag),
            Value::Number(number) => match number.as_i64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            Value::String(text) => match text.trim().to_lowercase().as_str() {
                "oui" | "true" | "vrai" | "1" | "o" | "yes" => Some(true),
                "non" | "false" | "faux" | "0" | "n" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            self.reject(key, value, "expected a boolean (true/false, oui/non)");
        }
        parsed
    }

    pub(super) fn share(&mut self, object: &Value, key: &str) -> Option<f64> {
        let value = object.get(key).filter(|v| !is_missing(v))?;
        let parsed = match value {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => text.trim().replace(',', ".").parse::<f64>().ok(),
            _ => None,
        };
        match parsed {
            Some(share) if (0.0..=1.0).contains(&share) => Some(share),
            Some(_) => {
                self.reject(key, value, "must be a share between 0 and 1");
                None
            }
            None => {
                self.reject(key, value, "expected a number between 0 and 1");
                None
            }
        }
    }

    /// A list of texts: an array, the 2022 wrapper `{"technique": [...]}`, or one text.
    pub(super) fn texts(&mut self, object: &Value, keys: &[&str]) -> Vec<String> {
        let Some((key, value)) = keys
            .iter()
            .find_map(|k| object.get(*k).filter(|v| !is_missing(v)).map(|v| (*k, v)))
        else {
            return Vec::new();
        };
        let items = match value {
            Value::Object(wrapper) => match wrapper.values().next() {
                Some(Value::Array(items)) => items.clone(),
                Some(one) => vec![one.clone()],
                None => Vec::new(),
            },
            Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        let mut texts = Vec::new();
        for item in items.iter().filter(|v| !is_missing(v)) {
            match item {
                Value::String(text) => texts.push(text.trim().to_owned()),
                other => self.reject(key, other, "expected a text in the list"),
            }
        }
        texts
    }

    /// The elements of a list that may be wrapped (2022: `[{"titulaire": {...}}]`) or null.
    pub(super) fn elements(&mut self, object: &Value, key: &str, wrapper: &str) -> Vec<Value> {
        let Some(value) = object.get(key).filter(|v| !is_missing(v)) else {
            return Vec::new();
        };
        let items = match value {
            Value::Array(items) => items.clone(),
            Value::Object(map) if map.len() == 1 && map.contains_key(wrapper) => match &map[wrapper] {
                Value::Array(items) => items.clone(),
                one => vec![one.clone()],
            },
            Value::Object(_) => vec![value.clone()],
            other => {
                self.reject(key, other, "expected a list");
                return Vec::new();
            }
        };
        items
            .into_iter()
            .map(|item| match item {
                Value::Object(mut map) if map.len() == 1 && map.contains_key(wrapper) => {
                    map.remove(wrapper).unwrap_or(Value::Null)
                }
                other => other,
            })
            .collect()
    }
}

/// A SIRET as published: digits kept, leading zeros restored when the file lost them (a
/// number column in a spreadsheet) and the padded value passes the checks.
pub(super) fn read_siret(raw: &str) -> Result<(Siret, bool), String> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
    match Siret::parse(&digits) {
        Ok(siret) => Ok((siret, false)),
        Err(error) => {
            if (9..14).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                let padded = format!("{digits:0>14}");
                if let Ok(siret) = Siret::parse(&padded) {
                    return Ok((siret, true));
                }
            }
            Err(error.reason)
        }
    }
}

/// The identifier scheme named by a DECP `typeIdentifiant`.
pub(super) fn scheme(raw: &str) -> Option<IdScheme> {
    let upper = raw.trim().to_uppercase().replace(['_', ' '], "-");
    Some(match upper.as_str() {
        "SIRET" => IdScheme::Siret,
        "SIREN" => IdScheme::Siren,
        "TVA" | "TVA-INTRACOMMUNAUTAIRE" => IdScheme::Tva,
        "TAHITI" => IdScheme::Tahiti,
        "RIDET" => IdScheme::Ridet,
        "FRWF" => IdScheme::Frwf,
        "IREP" => IdScheme::Irep,
        "HORS-UE" | "UE" => IdScheme::HorsUe,
        _ => return None,
    })
}

/// The kind of an execution place code.
pub(super) fn place_type(raw: &str) -> Option<ExecPlaceType> {
    let lower = raw.trim().to_lowercase();
    Some(if lower.contains("postal") {
        ExecPlaceType::PostalCode
    } else if lower.contains("arrondissement") {
        ExecPlaceType::ArrondissementCode
    } else if lower.contains("canton") {
        ExecPlaceType::CantonCode
    } else if lower.contains("commune") {
        ExecPlaceType::CommuneCode
    } else if lower.contains("département") || lower.contains("departement") {
        ExecPlaceType::DepartementCode
    } else if lower.contains("région") || lower.contains("region") {
        ExecPlaceType::RegionCode
    } else if lower.contains("pays") {
        ExecPlaceType::CountryCode
    } else {
        return None;
    })
}
