//! `terrasse import decp FILE`: public contracts from the DECP JSON files, in the 2019 format
//! (`{"marches": [...]}`, concessions among them) and the 2022 arrêté format ("DECP 2.0",
//! `{"marches": {"marche": [...], "contrat-concession": [...]}}`), plain or gzip.
//!
//! The file is parsed, and each record checked, on a blocking thread (a serde visitor over the
//! `marches` array or arrays) while the batch before is written, so memory stays constant
//! whatever its size. Each record is read
//! leniently as JSON, then field by field: missing markers (`""`, `"nan"`, `"NC"`, `null`)
//! are absent values; a field that cannot be read is dropped and reported; a record without
//! a usable key (buyer SIRET and id) is rejected whole and reported; implausible values are
//! kept and flagged on the contract (`quality_flags`). Buyers and suppliers named by an
//! unknown SIRET get minimal organisations and establishments marked unresolved; suppliers
//! named otherwise (VAT, foreign registers) are kept as identifiers.
//!
//! Contracts are keyed by `uid` (buyer SIRET + id) and written in batches through the store's
//! bulk upsert, so a second import of the same file changes nothing, and a newer publication
//! of a contract (a later `datePublicationDonnees`, or a new modification) updates it and its
//! modifications. A record older than the stored publication of its contract is left alone.
//! A contract `uid` held by a partner's record (live or deleted) is taken over first
//! ([`crate::store::write::takeover`]): the contract becomes DECP's and is updated like its
//! own.

use std::{
    collections::{HashMap, HashSet},
    hash::{Hash, Hasher},
    io::Read,
    path::Path,
    str::FromStr,
};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{ContractKind, ExecPlaceType, IdScheme};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{ImportError, Progress, RejectLine, RejectReport, Rejected, Summary};
use crate::{
    domain::{CpvCode, Siret},
    store::{
        DbContext,
        write::contract::{
            ContractDetails, ContractFields, ModificationFields, QualityFlag, SupplierIdentifier,
            source_updated_by_uid, upsert_in,
        },
        write::establishment::ensure_sirets_in,
        write::takeover::take_over_contracts,
        write::{SOURCE_CLOCK_SKEW, Writer},
    },
};

/// The source of imported contracts and of the minimal records created for them.
pub const SOURCE: &str = "decp";

/// Amounts from this many euros up are kept but flagged as implausible.
const IMPLAUSIBLE_AMOUNT_EUR: i64 = 10_000_000_000;

/// How a DECP import runs.
#[derive(Debug, Clone)]
pub struct DecpOptions {
    /// Source given to the records written.
    pub source: String,
    /// Records per transaction.
    pub batch_size: usize,
}

impl Default for DecpOptions {
    fn default() -> Self {
        Self {
            source: SOURCE.to_owned(),
            batch_size: super::BATCH_SIZE,
        }
    }
}

/// What the file says a record is, from the key of its array (2022) or its own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    /// Under `marche`.
    Contract,
    /// Under `contrat-concession`.
    Concession,
    /// In a plain `marches` array (2019): decided by the record's fields.
    Unknown,
}

/// A record as read from the file, with its position (from 1).
struct RawRecord {
    position: u64,
    hint: Hint,
    value: Value,
    /// The fields that held a bare `NaN`, `Infinity` or `-Infinity` token (now `null`), with
    /// the token.
    non_finite: Vec<(String, &'static str)>,
}

/// Hands each record of a DECP document to `sink`; stops when `sink` returns `false`.
struct Document<'a, F> {
    sink: &'a mut F,
    position: &'a mut u64,
}

impl<F: FnMut(RawRecord) -> bool> Document<'_, F> {
    fn emit<E: de::Error>(&mut self, hint: Hint, mut value: Value) -> Result<(), E> {
        *self.position += 1;
        let mut non_finite = Vec::new();
        take_non_finite(&mut value, String::new(), &mut non_finite);
        if (self.sink)(RawRecord {
            position: *self.position,
            hint,
            value,
            non_finite,
        }) {
            Ok(())
        } else {
            Err(E::custom("import stopped"))
        }
    }
}

impl<'de, F: FnMut(RawRecord) -> bool> DeserializeSeed<'de> for Document<'_, F> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(RawRecord) -> bool> Visitor<'de> for Document<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a DECP document: an object with \"marches\", or an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            self.emit(Hint::Unknown, value)?;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "marches" {
                found = true;
                map.next_value_seed(Marches {
                    sink: &mut *self.sink,
                    position: &mut *self.position,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(de::Error::custom("no \"marches\" member: not a DECP file"))
        }
    }
}

/// The value of `marches`: an array of records (2019) or an object of arrays by kind (2022).
struct Marches<'a, F> {
    sink: &'a mut F,
    position: &'a mut u64,
}

impl<'de, F: FnMut(RawRecord) -> bool> DeserializeSeed<'de> for Marches<'_, F> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(RawRecord) -> bool> Visitor<'de> for Marches<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of records, or an object of arrays of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Records {
            sink: self.sink,
            position: self.position,
            hint: Hint::Unknown,
        }
        .visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let hint = match key.as_str() {
                "marche" | "marches" => Hint::Contract,
                "contrat-concession" | "contrats-concessions" | "contratConcession" => Hint::Concession,
                _ => Hint::Unknown,
            };
            map.next_value_seed(Records {
                sink: &mut *self.sink,
                position: &mut *self.position,
                hint,
            })?;
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// An array of records, or a single record (an object).
struct Records<'a, F> {
    sink: &'a mut F,
    position: &'a mut u64,
    hint: Hint,
}

impl<'de, F: FnMut(RawRecord) -> bool> DeserializeSeed<'de> for Records<'_, F> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(RawRecord) -> bool> Visitor<'de> for Records<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut document = Document {
            sink: self.sink,
            position: self.position,
        };
        while let Some(value) = seq.next_element::<Value>()? {
            document.emit(self.hint, value)?;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        use serde::Deserialize;
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Document {
            sink: self.sink,
            position: self.position,
        }
        .emit(self.hint, value)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Reads every record of a DECP document from `reader`, handing each to `sink` (which
/// returns `false` to stop). Errors say where the JSON broke.
fn read_records(reader: impl Read, mut sink: impl FnMut(RawRecord) -> bool) -> Result<(), String> {
    let mut deserializer = serde_json::Deserializer::from_reader(NonFiniteTokens::new(reader));
    let mut position = 0;
    let document = Document {
        sink: &mut sink,
        position: &mut position,
    };
    document
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|error| format!("the file is not a readable DECP JSON document: {error}"))
}

/// The bare tokens some data tools write for non-finite numbers (invalid JSON).
const NON_FINITE_TOKENS: [&str; 3] = ["NaN", "Infinity", "-Infinity"];

/// What a bare non-finite token becomes in the JSON text the parser reads: a string no DECP
/// value holds (it starts with a NUL character), replaced by `null` once the record is read
/// ([`take_non_finite`]).
const NON_FINITE_MARK: &str = "\\u0000";

/// A reader of JSON text that turns the bare tokens `NaN`, `Infinity` and `-Infinity`
/// outside strings into marked strings (`"\u0000NaN"`), so the document stays readable and
/// the fields that held them can be reported. Text inside strings is untouched; memory is one
/// chunk of the input.
struct NonFiniteTokens<R> {
    inner: R,
    /// Input read and not yet passed on, from `start`.
    input: Vec<u8>,
    start: usize,
    /// Output ready to hand out, from `output_start`.
    output: Vec<u8>,
    output_start: usize,
    in_string: bool,
    escaped: bool,
    end_of_input: bool,
}

impl<R: Read> NonFiniteTokens<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            input: Vec::new(),
            start: 0,
            output: Vec::new(),
            output_start: 0,
            in_string: false,
            escaped: false,
            end_of_input: false,
        }
    }

    /// Moves what can be decided of the input to the output; a possible token cut by the end
    /// of the chunk waits for more input.
    fn translate(&mut self) {
        let input = &self.input[self.start..];
        let mut index = 0;
        while index < input.len() {
            let byte = input[index];
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
            } else if byte == b'"' {
                self.in_string = true;
            } else if matches!(byte, b'N' | b'I' | b'-') {
                let rest = &input[index..];
                let mut waiting = false;
                let mut matched = None;
                for token in NON_FINITE_TOKENS {
                    if rest.starts_with(token.as_bytes()) {
                        matched = Some(token);
                        break;
                    }
                    if !self.end_of_input && token.as_bytes().starts_with(rest) {
                        waiting = true;
                    }
                }
                if let Some(token) = matched {
                    self.output.push(b'"');
                    self.output.extend_from_slice(NON_FINITE_MARK.as_bytes());
                    self.output.extend_from_slice(token.as_bytes());
                    self.output.push(b'"');
                    index += token.len();
                    continue;
                }
                if waiting {
                    break;
                }
            }
            self.output.push(byte);
            index += 1;
        }
        self.start += index;
        if self.start == self.input.len() {
            self.input.clear();
            self.start = 0;
        }
    }
}

impl<R: Read> Read for NonFiniteTokens<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.output_start == self.output.len() {
            self.output.clear();
            self.output_start = 0;
            if self.end_of_input && self.start == self.input.len() {
                return Ok(0);
            }
            if !self.end_of_input {
                let mut chunk = [0u8; 64 * 1024];
                let read = self.inner.read(&mut chunk)?;
                if read == 0 {
                    self.end_of_input = true;
                } else {
                    if self.start > 0 {
                        self.input.drain(..self.start);
                        self.start = 0;
                    }
                    self.input.extend_from_slice(&chunk[..read]);
                }
            }
            self.translate();
        }
        let available = &self.output[self.output_start..];
        let count = available.len().min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        self.output_start += count;
        Ok(count)
    }
}

/// Replaces the marked non-finite tokens of `value` (see [`NonFiniteTokens`]) by `null`,
/// collecting their paths (`titulaires.0.id`) under `path`.
fn take_non_finite(value: &mut Value, path: String, found: &mut Vec<(String, &'static str)>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(text) if text.starts_with('\0') => {
            if let Some(token) = NON_FINITE_TOKENS.into_iter().find(|t| text[1..] == **t) {
                found.push((path, token));
                *value = Value::Null;
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                take_non_finite(item, join(&index.to_string()), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                take_non_finite(item, join(key), found);
            }
        }
        _ => {}
    }
}

/// A record read and checked on the parser thread: the record ready to write (`None` when
/// rejected whole) and the reject lines it gave.
struct Checked {
    prepared: Option<Prepared>,
    rejects: Vec<RejectLine>,
}

/// A record ready to write.
struct Prepared {
    position: u64,
    uid: String,
    fields: ContractFields,
    names: Vec<(Siret, Option<String>)>,
    published: Option<DateTime<Utc>>,
    flagged: bool,
}

/// Whether a JSON value stands for "no value" in DECP files.
fn is_missing(value: &Value) -> bool {
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
struct Reader<'a> {
    position: u64,
    record: String,
    rejects: &'a mut Vec<RejectLine>,
    flags: Vec<QualityFlag>,
}

impl Reader<'_> {
    fn reject(&mut self, field: &str, value: &Value, reason: impl Into<String>) {
        self.rejects.push(RejectLine {
            record: self.record.clone(),
            position: self.position,
            field: field.to_owned(),
            value: value.clone(),
            reason: reason.into(),
            rejected: Rejected::Field,
        });
    }

    fn flag(&mut self, field: &str, value: impl ToString, reason: &str) {
        self.flags.push(QualityFlag {
            field: field.to_owned(),
            value: value.to_string(),
            reason: reason.to_owned(),
        });
    }

    fn text(&mut self, object: &Value, key: &str) -> Option<String> {
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

    fn date(&mut self, object: &Value, key: &str) -> Option<NaiveDate> {
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

    fn integer(&mut self, object: &Value, key: &str) -> Option<i64> {
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

    fn months(&mut self, object: &Value, key: &str, longest: i64) -> Option<i32> {
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

    fn amount(&mut self, object: &Value, key: &str) -> Option<Decimal> {
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

    fn boolean(&mut self, object: &Value, key: &str) -> Option<bool> {
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

    fn share(&mut self, object: &Value, key: &str) -> Option<f64> {
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
    fn texts(&mut self, object: &Value, keys: &[&str]) -> Vec<String> {
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
    fn elements(&mut self, object: &Value, key: &str, wrapper: &str) -> Vec<Value> {
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
fn read_siret(raw: &str) -> Result<(Siret, bool), String> {
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
fn scheme(raw: &str) -> Option<IdScheme> {
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
fn place_type(raw: &str) -> Option<ExecPlaceType> {
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

/// Reads one record into a contract, or `None` when it must be rejected whole (the reason
/// is pushed to `rejects`).
fn prepare(raw: &RawRecord, rejects: &mut Vec<RejectLine>) -> Option<Prepared> {
    let record = &raw.value;
    let position = raw.position;
    let reject_record = |rejects: &mut Vec<RejectLine>, id: String, field: &str, value: &Value, reason: String| {
        rejects.push(RejectLine {
            record: id,
            position,
            field: field.to_owned(),
            value: value.clone(),
            reason,
            rejected: Rejected::Record,
        });
    };
    if !record.is_object() {
        reject_record(
            rejects,
            format!("#{position}"),
            "record",
            record,
            "a record must be a JSON object".to_owned(),
        );
        return None;
    }
    let concession = match raw.hint {
        Hint::Concession => true,
        Hint::Contract => false,
        Hint::Unknown => {
            record.get("autoriteConcedante").is_some()
                || record
                    .get("_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.to_lowercase().contains("concession"))
        }
    };
    let buyer_key = if concession { "autoriteConcedante" } else { "acheteur" };
    let buyer = record.get(buyer_key).cloned().unwrap_or(Value::Null);
    let buyer_raw = match &buyer {
        Value::Object(map) => map
            .get("id")
            .or_else(|| map.get("siret"))
            .filter(|v| !is_missing(v))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
        Value::String(text) if !is_missing(&buyer) => Some(text.clone()),
        _ => None,
    };
    let id_value = record.get("id").cloned().unwrap_or(Value::Null);
    let internal_id = match &id_value {
        Value::String(text) if !is_missing(&id_value) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    let Some(internal_id) = internal_id else {
        reject_record(
            rejects,
            format!("#{position}"),
            "id",
            &id_value,
            "the contract has no id".to_owned(),
        );
        return None;
    };
    let Some(buyer_raw) = buyer_raw else {
        reject_record(
            rejects,
            format!("#{position}"),
            &format!("{buyer_key}.id"),
            &buyer,
            "the buyer has no SIRET".to_owned(),
        );
        return None;
    };
    let (buyer_siret, buyer_padded) = match read_siret(&buyer_raw) {
        Ok(read) => read,
        Err(reason) => {
            reject_record(
                rejects,
                format!("#{position}"),
                &format!("{buyer_key}.id"),
                &Value::String(buyer_raw.clone()),
                format!("invalid buyer SIRET: {reason}"),
            );
            return None;
        }
    };
    let uid = format!("{}{internal_id}", buyer_siret.as_str());
    if internal_id.chars().count() > 16 {
        reject_record(
            rejects,
            uid,
            "id",
            &id_value,
            "the contract id must have 1 to 16 characters".to_owned(),
        );
        return None;
    }
    let mut reader = Reader {
        position,
        record: uid.clone(),
        rejects,
        flags: Vec::new(),
    };
    for (field, token) in &raw.non_finite {
        reader.reject(
            field,
            &Value::String((*token).to_owned()),
            format!("bare {token} token (not JSON): read as a missing value"),
        );
    }
    if buyer_padded {
        reader.flag(
            &format!("{buyer_key}.id"),
            &buyer_raw,
            "SIRET published without its leading zeros",
        );
    }
    let buyer_name = buyer.get("nom").and_then(Value::as_str).map(str::to_owned);
    let mut names = vec![(buyer_siret.clone(), buyer_name)];

    let object = reader.text(record, "objet").map(|object| {
        if object.chars().count() > 1000 {
            object.chars().take(1000).collect()
        } else {
            object
        }
    });
    let cpv_code = reader
        .text(record, "codeCPV")
        .and_then(|cpv| match CpvCode::parse(&cpv) {
            Ok(_) => Some(cpv),
            Err(error) => {
                reader.reject("codeCPV", &Value::String(cpv), error.reason);
                None
            }
        });
    let longest = if concession { 1200 } else { 600 };
    let duration_months = reader.months(record, "dureeMois", longest);
    let (notified_on, signed_on, exec_start_on) = if concession {
        let signed = reader.date(record, "dateSignature");
        (signed, signed, reader.date(record, "dateDebutExecution"))
    } else {
        (reader.date(record, "dateNotification"), None, None)
    };
    let published_on = reader.date(record, "datePublicationDonnees");
    let amount = reader.amount(record, if concession { "valeurGlobale" } else { "montant" });
    let public_subsidy = if concession {
        reader.amount(record, "montantSubventionPublique")
    } else {
        None
    };
    let today = Utc::now().date_naive();
    for (field, date) in [
        (
            if concession {
                "dateSignature"
            } else {
                "dateNotification"
            },
            notified_on,
        ),
        ("datePublicationDonnees", published_on),
    ] {
        if let Some(date) = date
            && (date.year() < 1990 || date > today + chrono::Days::new(366))
        {
            reader.flag(field, date, "implausible date (before 1990 or more than a year ahead)");
        }
    }
    if let (Some(notified), Some(published)) = (notified_on, published_on)
        && published < notified
    {
        reader.flag(
            "datePublicationDonnees",
            published,
            &format!("published before it was notified ({notified})"),
        );
    }

    let exec_place = record.get("lieuExecution").filter(|v| !is_missing(v)).cloned();
    let (exec_place_code, exec_place_type) = match &exec_place {
        Some(place @ Value::Object(_)) => {
            let code = reader.text(place, "code");
            let kind = reader.text(place, "typeCode").and_then(|raw| {
                let kind = place_type(&raw);
                if kind.is_none() {
                    reader.reject(
                        "lieuExecution.typeCode",
                        &Value::String(raw),
                        "unknown kind of place code",
                    );
                }
                kind
            });
            (code, kind)
        }
        Some(other) => {
            reader.reject("lieuExecution", other, "expected an object {code, typeCode}");
            (None, None)
        }
        None => (None, None),
    };

    let social = reader.texts(record, &["considerationsSociales"]);
    let environmental = reader.texts(record, &["considerationsEnvironnementales"]);
    let has = |list: &[String], needle: &str| list.iter().any(|v| v.to_lowercase().contains(needle));

    // Suppliers.
    let (list_key, wrapper) = if concession {
        ("concessionnaires", "concessionnaire")
    } else {
        ("titulaires", "titulaire")
    };
    let mut supplier_sirets: Vec<String> = Vec::new();
    let mut other_suppliers: Vec<SupplierIdentifier> = Vec::new();
    let mut seen_suppliers: HashSet<String> = HashSet::new();
    for (index, supplier) in reader.elements(record, list_key, wrapper).into_iter().enumerate() {
        let field = format!("{list_key}.{index}");
        let (raw_id, raw_scheme, name) = match &supplier {
            Value::Object(map) => (
                map.get("id")
                    .filter(|v| !is_missing(v))
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                map.get("typeIdentifiant").and_then(Value::as_str).map(str::to_owned),
                map.get("denominationSociale")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ),
            Value::String(text) if !is_missing(&supplier) => {
                reader.flag(&field, text, "supplier given as a bare string, read as its identifier");
                (Some(text.clone()), None, None)
            }
            other => {
                if !is_missing(other) {
                    reader.reject(&field, other, "a supplier must be an object {id, typeIdentifiant}");
                }
                continue;
            }
        };
        let Some(raw_id) = raw_id else {
            reader.reject(&format!("{field}.id"), &supplier, "the supplier has no identifier");
            continue;
        };
        let scheme = match raw_scheme.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => match scheme(raw) {
                Some(scheme) => scheme,
                None => {
                    reader.reject(
                        &format!("{field}.typeIdentifiant"),
                        &Value::String(raw.to_owned()),
                        "unknown identifier type (expected SIRET, TVA, TAHITI, RIDET, FRWF, IREP or HORS-UE)",
                    );
                    continue;
                }
            },
            None => IdScheme::Siret,
        };
        match scheme {
            IdScheme::Siret | IdScheme::Siren => match read_siret(&raw_id) {
                Ok((siret, padded)) => {
                    if padded {
                        reader.flag(
                            &format!("{field}.id"),
                            &raw_id,
                            "SIRET published without its leading zeros",
                        );
                    }
                    if seen_suppliers.insert(siret.as_str().to_owned()) {
                        supplier_sirets.push(siret.as_str().to_owned());
                        names.push((siret, name));
                    }
                }
                Err(reason) => {
                    reader.reject(
                        &format!("{field}.id"),
                        &Value::String(raw_id),
                        format!("invalid supplier SIRET: {reason}"),
                    );
                }
            },
            scheme => {
                let value = raw_id.trim().to_uppercase().replace(' ', "");
                if seen_suppliers.insert(value.clone()) {
                    other_suppliers.push(SupplierIdentifier { scheme, value });
                }
            }
        }
    }

    // Modifications.
    let mut modifications: Vec<ModificationFields> = Vec::new();
    let mut latest_publication = published_on;
    for (index, modification) in reader
        .elements(record, "modifications", "modification")
        .into_iter()
        .enumerate()
    {
        let field = format!("modifications.{index}");
        if !modification.is_object() {
            if !is_missing(&modification) {
                reader.reject(&field, &modification, "a modification must be an object");
            }
            continue;
        }
        let seq = reader
            .integer(&modification, "id")
            .and_then(|id| i32::try_from(id).ok())
            .unwrap_or(i32::try_from(index + 1).unwrap_or(i32::MAX));
        if modifications.iter().any(|m| m.seq == seq) {
            reader.reject(
                &format!("{field}.id"),
                &modification["id"],
                "the same modification id appears twice",
            );
            continue;
        }
        let notified_on = reader
            .date(&modification, "dateNotificationModification")
            .or_else(|| reader.date(&modification, "dateSignatureModification"));
        let published = reader.date(&modification, "datePublicationDonneesModification");
        if let Some(published) = published {
            latest_publication = latest_publication.max(Some(published));
        }
        let new_amount = reader
            .amount(&modification, "montant")
            .or_else(|| reader.amount(&modification, "valeurGlobale"));
        modifications.push(ModificationFields {
            seq,
            notified_on,
            published_on: published,
            new_duration_months: reader.months(&modification, "dureeMois", longest),
            new_amount,
        });
    }

    let details = ContractDetails {
        nature: reader.text(record, "nature"),
        published_on,
        exec_place_code,
        exec_place_type,
        techniques: reader.texts(record, &["techniques", "technique"]),
        execution_modes: reader.texts(record, &["modalitesExecution", "modaliteExecution"]),
        framework_id: reader
            .text(record, "idAccordCadre")
            .filter(|id| id.chars().count() <= 16),
        innovative: reader.boolean(record, "marcheInnovant"),
        ccag: reader.text(record, "ccag"),
        offers_received: reader
            .integer(record, "offresRecues")
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| *n >= 0),
        advance: reader.boolean(record, "attributionAvance"),
        advance_rate: reader.share(record, "tauxAvance"),
        grouping_type: reader.text(record, "typeGroupementOperateurs"),
        subcontracting_declared: reader.boolean(record, "sousTraitanceDeclaree"),
        price_form: reader.text(record, "formePrix"),
        price_types: reader.texts(record, &["typesPrix", "typePrix"]),
        origin_eu: reader.share(record, "origineUE"),
        origin_fr: reader.share(record, "origineFrance"),
        social_considerations: social.clone(),
        environmental_considerations: environmental.clone(),
        signed_on,
        exec_start_on,
        public_subsidy,
        quality_flags: Vec::new(),
        other_suppliers,
        modifications,
    };
    let procedure = reader.text(record, "procedure");
    let mut published = latest_publication
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc());
    // A publication in the future would make every later one look older: not kept as the
    // contract's update time (the store refuses it).
    if let Some(future) = published.filter(|at| *at > Utc::now() + SOURCE_CLOCK_SKEW) {
        reader.flag(
            "datePublicationDonnees",
            future.date_naive(),
            "publication in the future: not used as the contract's update time",
        );
        published = None;
    }
    let flags = std::mem::take(&mut reader.flags);
    let flagged = !flags.is_empty();
    Some(Prepared {
        position,
        uid: uid.clone(),
        names,
        published,
        flagged,
        fields: ContractFields {
            external_id: Some(uid),
            buyer_siret: buyer_siret.as_str().to_owned(),
            buyer_internal_id: internal_id,
            kind: Some(if concession {
                ContractKind::Concession
            } else {
                ContractKind::PublicContract
            }),
            object,
            cpv_code,
            procedure,
            notified_on,
            duration_months,
            amount,
            social_clause: has(&social, "clause"),
            social_criterion: has(&social, "critère") || has(&social, "critere"),
            reserved: has(&social, "réserv") || has(&social, "reserv"),
            env_clause: has(&environmental, "clause"),
            env_criterion: has(&environmental, "critère") || has(&environmental, "critere"),
            supplier_sirets,
            source_updated_at: published,
            details: Some(ContractDetails {
                quality_flags: flags,
                ..details
            }),
        },
    })
}

/// What the import remembers of each contract it read, to tell a duplicate from a newer
/// publication: the publication time (microseconds, `i64::MIN` when not given) and the
/// position, packed in 12 bytes: with its 8-byte key, a million contracts hold ~21 bytes per
/// hash-table slot instead of ~33 (about 42 MB instead of 69 MB at 2^21 slots).
#[derive(Clone, Copy)]
#[repr(C, packed(4))]
struct Seen {
    published: i64,
    position: u32,
}

impl Seen {
    /// The publication time as compared: absent sorts before any time, as `Option` does.
    fn published(published: Option<DateTime<Utc>>) -> i64 {
        published.map_or(i64::MIN, |at| at.timestamp_micros())
    }
}

/// A 64-bit digest of a uid, to remember every uid of a file in little memory.
fn digest(uid: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    uid.hash(&mut hasher);
    hasher.finish()
}

/// Imports the DECP file at `path` (plain or gzip) into `db`, writing rejections to `report`
/// and progress to `progress`; returns the summary. Bad records never stop the run; an
/// unreadable file or a database failure does (batches already written stay written).
pub async fn import_decp(
    db: &DatabaseConnection,
    path: &Path,
    options: &DecpOptions,
    report: &mut RejectReport,
    progress: Option<&mut Progress>,
) -> Result<Summary, ImportError> {
    let input = super::open_input(path)?;
    let mut own_progress;
    let progress = match progress {
        Some(progress) => progress,
        None => {
            own_progress = Progress::new(
                &format!("decp {}", path.display()),
                Some((input.bytes_read.clone(), input.total_bytes)),
            );
            &mut own_progress
        }
    };
    // Records are parsed and checked on a blocking thread, up to two batches ahead of the
    // batch being written.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Checked>(options.batch_size.max(1) * 2);
    let reader = input.reader;
    let parser = tokio::task::spawn_blocking(move || {
        read_records(reader, |record| {
            let mut rejects = Vec::new();
            let prepared = prepare(&record, &mut rejects);
            sender.blocking_send(Checked { prepared, rejects }).is_ok()
        })
    });

    let writer = Writer {
        key_id: None,
        only_source: None,
        default_source: Some(options.source.clone()),
        certifies_labels: true,
    };
    let mut summary = Summary::default();
    let mut seen: HashMap<u64, Seen> = HashMap::new();
    let mut batch: Vec<Prepared> = Vec::with_capacity(options.batch_size);
    let mut in_batch: HashSet<u64> = HashSet::new();
    let mut failure: Option<ImportError> = None;
    let sink = Sink {
        db,
        writer: &writer,
        source: &options.source,
        statistics: super::StatisticsSchedule::new(),
    };
    while let Some(Checked { prepared, rejects }) = receiver.recv().await {
        summary.read += 1;
        super::report_all(rejects, &mut summary, report)?;
        let Some(prepared) = prepared else {
            continue;
        };
        let key = digest(&prepared.uid);
        let published = Seen::published(prepared.published);
        if let Some(Seen {
            published: earlier,
            position: first,
        }) = seen.get(&key).copied()
        {
            if published <= earlier {
                summary.rejected += 1;
                report.write(&RejectLine {
                    record: prepared.uid.clone(),
                    position: prepared.position,
                    field: "record".to_owned(),
                    value: Value::Null,
                    reason: format!("duplicate of the record at position {first} (same uid, publication not newer)"),
                    rejected: Rejected::Record,
                })?;
                continue;
            }
            // A newer publication of a contract read earlier: write the earlier one first.
            if in_batch.contains(&key) {
                if let Err(error) = sink.flush(&mut batch, &mut summary, report).await {
                    failure = Some(error);
                    break;
                }
                in_batch.clear();
            }
        }
        seen.insert(
            key,
            Seen {
                published,
                position: u32::try_from(prepared.position).unwrap_or(u32::MAX),
            },
        );
        in_batch.insert(key);
        batch.push(prepared);
        if batch.len() >= options.batch_size {
            if let Err(error) = sink.flush(&mut batch, &mut summary, report).await {
                failure = Some(error);
                break;
            }
            in_batch.clear();
        }
        progress.update(summary.read);
    }
    if failure.is_none()
        && let Err(error) = sink.flush(&mut batch, &mut summary, report).await
    {
        failure = Some(error);
    }
    drop(receiver);
    let parsed = parser
        .await
        .map_err(|error| ImportError::Format(format!("the DECP reader stopped: {error}")))?;
    if let Some(error) = failure {
        return Err(error);
    }
    parsed.map_err(ImportError::Format)?;
    crate::store::refresh_statistics(db).await?;
    progress.finish(summary.read);
    Ok(summary)
}

/// Where the batches of a run go: the database, the writer and source, and the schedule of
/// planner-statistics refreshes.
struct Sink<'a> {
    db: &'a DatabaseConnection,
    writer: &'a Writer,
    source: &'a str,
    statistics: super::StatisticsSchedule,
}

impl Sink<'_> {
    /// Writes a batch in one transaction: minimal records for unknown SIRETs, then the
    /// contracts (older publications than the stored ones left out), and tallies the results;
    /// refreshes the planner statistics when their schedule says so.
    async fn flush(
        &self,
        batch: &mut Vec<Prepared>,
        summary: &mut Summary,
        report: &mut RejectReport,
    ) -> Result<(), ImportError> {
        let (db, writer, source) = (self.db, self.writer, self.source);
        if batch.is_empty() {
            return Ok(());
        }
        let records = std::mem::take(batch);
        let txn = db.begin().await.context("starting an import batch")?;
        let uids: Vec<String> = records.iter().map(|r| r.uid.clone()).collect();
        take_over_contracts(&txn, writer, source, &uids).await?;
        let stored = source_updated_by_uid(&txn, uids).await?;
        let mut names = Vec::new();
        let mut fields = Vec::with_capacity(records.len());
        let mut written = Vec::with_capacity(records.len());
        for record in records {
            if let Some(Some(stored)) = stored.get(&record.uid)
                && record.published.is_none_or(|published| published < *stored)
            {
                summary.unchanged += 1;
                continue;
            }
            names.extend(record.names);
            fields.push(record.fields);
            written.push((record.uid, record.position, record.flagged));
        }
        let ensured = ensure_sirets_in(&txn, writer, source, names).await?;
        summary.organisations_created += ensured.organisations as u64;
        summary.establishments_created += ensured.establishments as u64;
        let results = upsert_in(&txn, writer, source, fields).await?;
        txn.commit().await.context("committing an import batch")?;
        let records: Vec<(String, u64)> = written
            .iter()
            .map(|(uid, position, _)| (uid.clone(), *position))
            .collect();
        let accepted = super::tally(results, &records, summary, report)?;
        summary.flagged += written
            .iter()
            .zip(accepted)
            .filter(|((_, _, flagged), accepted)| *flagged && *accepted)
            .count() as u64;
        self.statistics.after_batch(db, summary).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use serde_json::json;

    use super::*;

    fn records(text: &str) -> Vec<(Hint, Value)> {
        let mut found = Vec::new();
        read_records(text.as_bytes(), |r| {
            found.push((r.hint, r.value));
            true
        })
        .unwrap();
        found
    }

    #[test]
    fn both_formats_stream_record_by_record() {
        let v2019 =
            records(r#"{"$schema": "x", "marches": [{"id": "a"}, {"id": "b", "_type": "Contrat de concession"}]}"#);
        assert_eq!(v2019.len(), 2);
        assert_eq!(v2019[0].0, Hint::Unknown);
        let v2022 =
            records(r#"{"marches": {"marche": [{"id": "a"}], "contrat-concession": [{"id": "c"}]}, "autre": [1]}"#);
        assert_eq!(
            v2022.iter().map(|(h, v)| (*h, v["id"].clone())).collect::<Vec<_>>(),
            vec![(Hint::Contract, json!("a")), (Hint::Concession, json!("c"))]
        );
        let single = records(r#"{"marches": {"marche": {"id": "seul"}}}"#);
        assert_eq!(single.len(), 1);
        assert!(read_records(&b"{\"autre\": []}"[..], |_| true).is_err());
        assert!(read_records(&b"{\"marches\": [{\"id\": \"a\"}"[..], |_| true).is_err());
    }

    /// A reader handing out one byte at a time, so tokens are cut at every boundary.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((byte, rest)), Some(slot)) => {
                    *slot = *byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn bare_non_finite_tokens_are_missing_values_and_strings_are_untouched() {
        let text = r#"{"marches": [{"id": "NaN", "montant": NaN, "dureeMois": Infinity,
            "x": [-Infinity, -1, "a \"NaN\" \\ Infinity"], "y": {"z": NaN}, "n": -2.5e3}]}"#;
        for whole in [true, false] {
            let mut found = Vec::new();
            let sink = |r: RawRecord| {
                found.push(r);
                true
            };
            if whole {
                read_records(text.as_bytes(), sink).unwrap();
            } else {
                read_records(Trickle(text.as_bytes()), sink).unwrap();
            }
            let record = &found[0];
            assert_eq!(record.value["id"], "NaN");
            assert_eq!(record.value["montant"], Value::Null);
            assert_eq!(record.value["x"], json!([null, -1, "a \"NaN\" \\ Infinity"]));
            assert_eq!(record.value["n"], json!(-2500.0));
            let mut fields = record.non_finite.clone();
            fields.sort();
            assert_eq!(
                fields,
                vec![
                    ("dureeMois".to_owned(), "Infinity"),
                    ("montant".to_owned(), "NaN"),
                    ("x.0".to_owned(), "-Infinity"),
                    ("y.z".to_owned(), "NaN"),
                ]
            );
        }
        // A cut token at the end of the file is an error, not a wait.
        assert!(read_records(Trickle(br#"{"marches": [{"a": Na"#), |_| true).is_err());
        assert!(read_records(&br#"{"marches": [{"a": Nope}]}"#[..], |_| true).is_err());
    }

    #[test]
    fn missing_markers_and_lost_leading_zeros() {
        for missing in [json!(null), json!(""), json!("nan"), json!("NC"), json!(" NaN ")] {
            assert!(is_missing(&missing), "{missing}");
        }
        assert!(!is_missing(&json!("0")));
        // 01234567800012 is not a real SIRET; build a valid one with a leading zero.
        let valid = (0..100_000u32)
            .map(|nic| format!("012345674{nic:05}"))
            .find(|s| Siret::parse(s).is_ok())
            .unwrap();
        let (siret, padded) = read_siret(&valid[1..]).unwrap();
        assert_eq!((siret.as_str(), padded), (valid.as_str(), true));
        assert!(read_siret("12345").is_err());
    }
}
