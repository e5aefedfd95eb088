//! Reading a DECP JSON document as a stream of records: a serde visitor over the `marches`
//! array or arrays (2019 and 2022 formats), with the bare non-finite number tokens some tools
//! write (`NaN`, `Infinity`) turned into reportable values.

use std::io::Read;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// What the file says a record is, from the key of its array (2022) or its own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hint {
    /// Under `marche`.
    Contract,
    /// Under `contrat-concession`.
    Concession,
    /// In a plain `marches` array (2019): decided by the record's fields.
    Unknown,
}

/// A record as read from the file, with its position (from 1).
pub(super) struct RawRecord {
    pub(super) position: u64,
    pub(super) hint: Hint,
    pub(super) value: Value,
    /// The fields that held a bare `NaN`, `Infinity` or `-Infinity` token (now `null`), with
    /// the token.
    pub(super) non_finite: Vec<(String, &'static str)>,
}

/// Hands each record of a DECP document to `sink`; stops when `sink` returns `false`.
pub(super) struct Document<'a, F> {
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
pub(super) struct Marches<'a, F> {
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
pub(super) struct Records<'a, F> {
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
pub(super) fn read_records(reader: impl Read, mut sink: impl FnMut(RawRecord) -> bool) -> Result<(), String> {
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
pub(super) const NON_FINITE_TOKENS: [&str; 3] = ["NaN", "Infinity", "-Infinity"];

/// What a bare non-finite token becomes in the JSON text the parser reads: a string no DECP
/// value holds (it starts with a NUL character), replaced by `null` once the record is read
/// ([`take_non_finite`]).
pub(super) const NON_FINITE_MARK: &str = "\\u0000";

/// A reader of JSON text that turns the bare tokens `NaN`, `Infinity` and `-Infinity`
/// outside strings into marked strings (`"\u0000NaN"`), so the document stays readable and
/// the fields that held them can be reported. Text inside strings is untouched; memory is one
/// chunk of the input.
pub(super) struct NonFiniteTokens<R> {
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
pub(super) fn take_non_finite(value: &mut Value, path: String, found: &mut Vec<(String, &'static str)>) {
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
