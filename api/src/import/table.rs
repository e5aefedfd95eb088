//! Delimited text tables (CSV) for the importers: the delimiter detected from the header line
//! (`;` as French spreadsheets write it, `,`, or a tab), UTF-8 with or without a byte-order
//! mark, columns found by header name whatever their order (unknown columns ignored), and the
//! rows streamed from a blocking thread so memory stays constant whatever the file size.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read},
};

use super::{ImportError, Input};

/// The byte-order mark some tools write at the start of UTF-8 files.
const BOM: &str = "\u{feff}";

/// Values that stand for "no value" in the files read: empty text, and the `[ND]` Sirene
/// writes in place of what it does not disclose.
pub fn is_missing(value: &str) -> bool {
    let value = value.trim();
    value.is_empty() || value.eq_ignore_ascii_case("[nd]") || value.eq_ignore_ascii_case("[non diffusible]")
}

/// The columns of a table, by name.
#[derive(Debug, Clone, Default)]
pub struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    /// The header of `record` (its first row), names trimmed, a leading byte-order mark
    /// dropped; the first of two columns with the same name wins.
    pub fn new(record: &csv::StringRecord) -> Self {
        let names: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let name = if i == 0 { name.trim_start_matches(BOM) } else { name };
                name.trim().to_owned()
            })
            .collect();
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            index.entry(name.clone()).or_insert(i);
        }
        Self { names, index }
    }

    /// The column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the table has column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The first of `names` the table has.
    pub fn first_of<'n>(&self, names: &[&'n str]) -> Option<&'n str> {
        names.iter().copied().find(|name| self.has(name))
    }

    /// The value of column `name` in `row`, trimmed; `None` when the table has no such column,
    /// the row is short, or the value is missing ([`is_missing`]).
    pub fn get<'r>(&self, row: &'r csv::StringRecord, name: &str) -> Option<&'r str> {
        let value = row.get(*self.index.get(name)?)?.trim();
        (!is_missing(value)).then_some(value)
    }

    /// The value in `row` of the first of `names` the table has, as [`Header::get`] reads it, the
    /// text `None` (as some exports write an empty cell) missing too.
    pub fn value<'r>(&self, row: &'r csv::StringRecord, names: &[&str]) -> Option<&'r str> {
        let name = names.iter().copied().find(|name| self.has(name))?;
        self.get(row, name).filter(|value| !value.eq_ignore_ascii_case("none"))
    }

    /// The raw value of column `name` in `row` (untrimmed, possibly empty), for reports.
    pub fn raw<'r>(&self, row: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index.get(name).and_then(|i| row.get(*i)).unwrap_or_default()
    }
}

/// The commune id of a COG commune code as files write it: a 4-digit code lost its leading
/// zero in a spreadsheet (`6088` is `06088`); or why it is no commune code.
pub fn commune_id(code: &str) -> Result<String, String> {
    let code = code.trim();
    let code = if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{code}")
    } else {
        code.to_owned()
    };
    crate::domain::TerritoryId::for_level(entity::enums::TerritoryLevel::Commune, &code)
        .map(crate::domain::TerritoryId::into_string)
        .map_err(|error| error.reason)
}

/// The columns an importer reads, each under any of the names listed: `(what, names)`.
pub type Columns = [(&'static str, &'static [&'static str])];

/// The names `what` is read under in `columns` (none when it is not listed).
pub fn names_of(columns: &Columns, what: &str) -> &'static [&'static str] {
    columns
        .iter()
        .find(|(w, _)| *w == what)
        .map_or(&[], |(_, names)| *names)
}

/// The value of `what` in `row` ([`Header::value`] under the names `columns` gives it).
pub fn value_of<'r>(header: &Header, columns: &Columns, row: &'r csv::StringRecord, what: &str) -> Option<&'r str> {
    header.value(row, names_of(columns, what))
}

/// A format error naming the first of `required` that the `table` file's `header` has under
/// none of its names, with the columns found.
pub fn require(header: &Header, columns: &Columns, required: &[&str], table: &str) -> Result<(), ImportError> {
    for what in required {
        let names = names_of(columns, what);
        if header.first_of(names).is_none() {
            return Err(ImportError::Format(format!(
                "the {table} file has no {what} column (one of {names:?}); columns: {}",
                header.names().join(", ")
            )));
        }
    }
    Ok(())
}

/// The delimiter of a table whose first line is `line`: the most frequent of `;`, `,` and
/// tab outside double quotes, `,` when there is none.
pub fn detect_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for byte in line {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' => break,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let delimiters = [b';', b',', b'\t'];
    let (best, count) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, count)| (**count, usize::from(*i == 1)))
        .map_or((1, 0), |(i, count)| (i, *count));
    if count == 0 { b',' } else { delimiters[best] }
}

/// One data row, with its position in the table (from 1, the header not counted).
pub struct Row {
    /// Position from 1.
    pub position: u64,
    /// The row, or why it could not be read (not UTF-8).
    pub record: Result<csv::StringRecord, String>,
}

/// A table being read: its header, and its rows arriving from a blocking thread.
pub struct Rows {
    /// The header.
    pub header: Header,
    /// The rows, in order.
    pub receiver: tokio::sync::mpsc::Receiver<Row>,
    reader: tokio::task::JoinHandle<Result<(), String>>,
}

impl Rows {
    /// Starts reading `input`: detects the delimiter from the first line (unless given),
    /// reads the header, then streams the rows (at most `buffer` waiting). `what` names the
    /// table in errors.
    pub async fn open(input: Input, delimiter: Option<u8>, buffer: usize, what: &str) -> Result<Self, ImportError> {
        Self::open_as(input, (delimiter, false), buffer, what).await
    }

    /// Like [`Rows::open`]; with `windows_1252` (the second of `(delimiter, windows_1252)`), a
    /// row that is not valid UTF-8 is read as Windows-1252 (files saved by spreadsheet
    /// software) instead of being refused.
    pub async fn open_as(
        input: Input,
        (delimiter, windows_1252): (Option<u8>, bool),
        buffer: usize,
        what: &str,
    ) -> Result<Self, ImportError> {
        let (header_sender, header_receiver) = tokio::sync::oneshot::channel::<Header>();
        let (sender, receiver) = tokio::sync::mpsc::channel::<Row>(buffer.max(1));
        let what_owned = what.to_owned();
        let reader = tokio::task::spawn_blocking(move || {
            let mut buffered = BufReader::with_capacity(256 * 1024, input.reader);
            let first = buffered
                .fill_buf()
                .map_err(|error| format!("cannot read the {what_owned} file: {error}"))?;
            let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(first));
            let mut csv = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .flexible(true)
                .has_headers(false)
                .from_reader(buffered);
            let mut header_row = csv::StringRecord::new();
            match csv.read_record(&mut header_row) {
                Ok(true) => {}
                Ok(false) => return Err(format!("the {what_owned} file is empty: no header line")),
                Err(error) => return Err(format!("cannot read the header of the {what_owned} file: {error}")),
            }
            if header_sender.send(Header::new(&header_row)).is_err() {
                return Ok(());
            }
            let mut position = 0;
            loop {
                let mut bytes = csv::ByteRecord::new();
                let read = match csv.read_byte_record(&mut bytes) {
                    Ok(false) => return Ok(()),
                    Ok(true) => match csv::StringRecord::from_byte_record(bytes) {
                        Ok(record) => Ok(record),
                        Err(error) if windows_1252 => Ok(error
                            .into_byte_record()
                            .iter()
                            .map(crate::domain::text::decode_windows_1252)
                            .collect()),
                        Err(_) => Err("the row is not valid UTF-8".to_owned()),
                    },
                    Err(error) => return Err(format!("cannot read the {what_owned} file: {error}")),
                };
                position += 1;
                if sender.blocking_send(Row { position, record: read }).is_err() {
                    return Ok(());
                }
            }
        });
        match header_receiver.await {
            Ok(header) => Ok(Self {
                header,
                receiver,
                reader,
            }),
            Err(_) => Err(ImportError::Format(match reader.await {
                Ok(Err(message)) => message,
                Ok(Ok(())) => format!("the {what} file has no header line"),
                Err(error) => format!("the {what} reader stopped: {error}"),
            })),
        }
    }

    /// Waits for the reader once the rows are consumed (or abandoned); the error that stopped
    /// it, if any.
    pub async fn finish(self) -> Result<(), ImportError> {
        drop(self.receiver);
        self.reader
            .await
            .map_err(|error| ImportError::Format(format!("the table reader stopped: {error}")))?
            .map_err(ImportError::Format)
    }
}

/// Reads a whole small table from `reader` (tests and tools).
pub fn read_all(reader: impl Read) -> Result<(Header, Vec<csv::StringRecord>), String> {
    let mut buffered = BufReader::new(reader);
    let delimiter = detect_delimiter(buffered.fill_buf().map_err(|e| e.to_string())?);
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(buffered);
    let mut records = csv.records();
    let header = match records.next() {
        Some(Ok(row)) => Header::new(&row),
        Some(Err(error)) => return Err(error.to_string()),
        None => return Err("no header line".to_owned()),
    };
    let rows = records.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use super::*;

    #[test]
    fn delimiters_are_detected_outside_quotes() {
        assert_eq!(detect_delimiter(b"siren;label;\"a,b,c\"\n1;2;3"), b';');
        assert_eq!(detect_delimiter(b"siren,label,\"a;b;c;d\"\n"), b',');
        assert_eq!(detect_delimiter(b"siren\tlabel\n"), b'\t');
        assert_eq!(detect_delimiter(b"siren\n"), b',');
        assert_eq!(detect_delimiter(b""), b',');
    }

    #[test]
    fn columns_are_found_by_name_with_or_without_a_bom() {
        for text in [
            "\u{feff}siren;label;autre\n 123 ;ESUS;[ND]\n",
            "autre,label,siren\n[ND],ESUS,123\n",
        ] {
            let (header, rows) = read_all(text.as_bytes()).unwrap();
            assert_eq!(header.get(&rows[0], "siren"), Some("123"), "{text:?}");
            assert_eq!(header.get(&rows[0], "label"), Some("ESUS"));
            assert_eq!(header.get(&rows[0], "autre"), None, "[ND] is a missing value");
            assert_eq!(header.get(&rows[0], "absente"), None);
            assert_eq!(header.first_of(&["kind", "label"]), Some("label"));
        }
        // A short row reads as missing values.
        let (header, rows) = read_all(&b"a,b,c\n1\n"[..]).unwrap();
        assert_eq!(
            (header.get(&rows[0], "a"), header.get(&rows[0], "c")),
            (Some("1"), None)
        );
    }
}
