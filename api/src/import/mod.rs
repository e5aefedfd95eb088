//! Importers of open data files (DECP contracts, Sirene stock files, label lists) and the
//! pieces they share: opening an input (plain or gzip, detected by its magic bytes) behind a
//! byte counter, the JSON Lines reject report, the run summary and the progress reporter.
//!
//! Importers stream: they hold one batch of records at a time, whatever the file size. They
//! validate field by field with the domain types, so one bad field never loses a record and
//! one bad record never stops a file, and they write only through the store's bulk upserts
//! (with its audit and change log). They never build SQL themselves.

pub mod agence_bio;
pub mod canteens;
pub mod decp;
pub mod food_links;
pub mod labels;
pub mod pat;
pub mod purchases;
pub mod sirene;
pub mod table;

use std::{
    fmt,
    fs::File,
    io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write},
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde::Serialize;

/// Records written per transaction.
pub const BATCH_SIZE: usize = 1000;

/// Records written before the first refresh of PostgreSQL's planner statistics during an
/// import; the next refreshes come each time the count doubles.
const FIRST_STATISTICS_REFRESH: u64 = 10_000;

/// Refreshes PostgreSQL's planner statistics while a large import runs. Without it the
/// per-batch lookups (by uid, by SIRET) keep the plans made when the tables were empty or
/// small, and a large import slows down batch after batch (measured: 7.5 s per batch of 1 000
/// contracts at 184 000 contracts on a database created empty). Refreshing after 10 000
/// written records and at each doubling costs a logarithmic number of `ANALYZE`s. SQLite's
/// planner does not need it.
pub(crate) struct StatisticsSchedule {
    next: AtomicU64,
}

impl StatisticsSchedule {
    pub(crate) fn new() -> Self {
        Self {
            next: AtomicU64::new(FIRST_STATISTICS_REFRESH),
        }
    }

    /// Called after each committed batch with the run's summary so far.
    pub(crate) async fn after_batch<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        summary: &Summary,
    ) -> Result<(), crate::store::StoreError> {
        if db.get_database_backend() != sea_orm::DbBackend::Postgres || !self.due(summary) {
            return Ok(());
        }
        crate::store::refresh_statistics(db).await
    }

    /// Whether the records written so far reached the next refresh; if so, the one after it
    /// is at twice as many.
    fn due(&self, summary: &Summary) -> bool {
        let written =
            summary.imported + summary.updated + summary.organisations_created + summary.establishments_created;
        if written < self.next.load(Ordering::Relaxed) {
            return false;
        }
        self.next.store(written.saturating_mul(2), Ordering::Relaxed);
        true
    }
}

/// A reader that counts the bytes read through it, readable from another thread (for
/// progress and ETA on the compressed size).
pub struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    /// Wraps `inner`; the count starts at 0.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            count: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A handle on the count of bytes read so far.
    pub fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.count)
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

/// An opened input: its decoded bytes, the count of raw bytes read and the raw size when
/// known.
pub struct Input {
    /// The decoded content (gunzipped when the file starts with the gzip magic bytes).
    pub reader: Box<dyn Read + Send>,
    /// Raw bytes read so far.
    pub bytes_read: Arc<AtomicU64>,
    /// Raw size of the file, when it is a regular file.
    pub total_bytes: Option<u64>,
}

/// Opens `path` for reading, decompressing gzip (single or multi-member) when the file starts
/// with the gzip magic bytes `1f 8b`, whatever its name.
pub fn open_input(path: &Path) -> io::Result<Input> {
    let file = File::open(path)
        .map_err(|error| io::Error::new(error.kind(), format!("cannot open {}: {error}", path.display())))?;
    let total_bytes = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    let counting = CountingReader::new(file);
    let bytes_read = counting.counter();
    let mut buffered = BufReader::with_capacity(256 * 1024, counting);
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    Ok(Input {
        reader,
        bytes_read,
        total_bytes,
    })
}

/// What a reject report line says was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejected {
    /// The whole record: nothing of it was written.
    Record,
    /// One field: the record was written without it.
    Field,
}

/// One line of a reject report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectLine {
    /// The record's id (a contract's `uid`, a label's SIREN or SIRET), or `#<line>` when it
    /// has none.
    pub record: String,
    /// Position of the record in the file, from 1.
    pub position: u64,
    /// Field as published (`titulaires.0.id`, `montant`), or `record`.
    pub field: String,
    /// The value as read (JSON).
    pub value: serde_json::Value,
    /// Why it was rejected.
    pub reason: String,
    /// Whether the record or only the field was rejected.
    pub rejected: Rejected,
}

impl RejectLine {
    /// The line of `field` (the file's own name) of `record` at `position`, whose value (a text,
    /// or none) is rejected for `reason`, alone or with its whole record.
    pub fn of(
        record: &str,
        position: u64,
        (field, value): (&str, Option<&str>),
        reason: String,
        rejected: Rejected,
    ) -> Self {
        Self {
            record: record.to_owned(),
            position,
            field: field.to_owned(),
            value: value.map_or(serde_json::Value::Null, |v| serde_json::Value::String(v.to_owned())),
            reason,
            rejected,
        }
    }

    /// The line of a record rejected whole for `reason`, with no value to show.
    pub fn whole_record(record: String, position: u64, reason: String) -> Self {
        Self {
            record,
            position,
            field: "record".to_owned(),
            value: serde_json::Value::Null,
            reason,
            rejected: Rejected::Record,
        }
    }
}

/// The writer of an import run: records without a source of their own get `source`, and the
/// labels written are certified.
pub(crate) fn run_writer(source: &str) -> crate::store::write::Writer {
    crate::store::write::Writer {
        key_id: None,
        only_source: None,
        default_source: Some(source.to_owned()),
        certifies_labels: true,
    }
}

/// Writes rejections as JSON Lines (one [`RejectLine`] per line) and counts them.
pub struct RejectReport {
    out: Option<Box<dyn Write + Send>>,
    /// Lines written.
    pub lines: u64,
}

impl RejectReport {
    /// A report written to `path` (created or truncated).
    pub fn to_file(path: &Path) -> io::Result<Self> {
        let file = File::create(path)
            .map_err(|error| io::Error::new(error.kind(), format!("cannot create {}: {error}", path.display())))?;
        Ok(Self::to_writer(Box::new(BufWriter::new(file))))
    }

    /// A report written to `out`.
    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        Self {
            out: Some(out),
            lines: 0,
        }
    }

    /// A report that only counts.
    pub fn discard() -> Self {
        Self { out: None, lines: 0 }
    }

    /// Writes one line.
    pub fn write(&mut self, line: &RejectLine) -> io::Result<()> {
        self.lines += 1;
        if let Some(out) = &mut self.out {
            serde_json::to_writer(&mut *out, line)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Flushes the report.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(out) = &mut self.out {
            out.flush()?;
        }
        Ok(())
    }
}

/// Counts of an import run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Records read from the file.
    pub read: u64,
    /// Records created.
    pub imported: u64,
    /// Stored records changed by a newer publication.
    pub updated: u64,
    /// Records equal to the stored ones (or older publications of them): nothing written.
    pub unchanged: u64,
    /// Records rejected whole (each explained in the reject report).
    pub rejected: u64,
    /// Fields rejected in records that were written without them.
    pub rejected_fields: u64,
    /// Written records carrying at least one implausible value (kept and flagged).
    pub flagged: u64,
    /// Minimal organisations created for unknown identifiers (marked unresolved).
    pub organisations_created: u64,
    /// Minimal establishments created for unknown SIRETs (marked unresolved).
    pub establishments_created: u64,
}

impl Summary {
    /// Counts the records a store write found new (imported), changed (updated) or equal
    /// (unchanged).
    pub fn count(&mut self, statuses: impl IntoIterator<Item = crate::store::write::ItemStatus>) {
        use crate::store::write::ItemStatus;
        for status in statuses {
            match status {
                ItemStatus::Created => self.imported += 1,
                ItemStatus::Updated => self.updated += 1,
                _ => self.unchanged += 1,
            }
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {}, imported {}, updated {}, unchanged {}, rejected {}, rejected fields {}, flagged {}, \
             unresolved organisations created {}, unresolved establishments created {}",
            self.read,
            self.imported,
            self.updated,
            self.unchanged,
            self.rejected,
            self.rejected_fields,
            self.flagged,
            self.organisations_created,
            self.establishments_created
        )
    }
}

/// Reports the progress of a long run: a redrawn line on standard error when it is a
/// terminal (rows, rows/s, share done and ETA when the size is known), a log line every
/// `log_every` otherwise.
pub struct Progress {
    label: String,
    total_bytes: Option<u64>,
    bytes_read: Option<Arc<AtomicU64>>,
    started: Instant,
    last: Instant,
    terminal: bool,
    log_every: Duration,
}

impl Progress {
    /// A reporter for `label`; `bytes` gives the bytes read so far and the total, for the
    /// share done and the ETA.
    pub fn new(label: &str, bytes: Option<(Arc<AtomicU64>, Option<u64>)>) -> Self {
        let now = Instant::now();
        let (bytes_read, total_bytes) = bytes.map_or((None, None), |(read, total)| (Some(read), total));
        Self {
            label: label.to_owned(),
            total_bytes,
            bytes_read,
            started: now,
            last: now,
            terminal: io::stderr().is_terminal(),
            log_every: Duration::from_secs(10),
        }
    }

    /// A reporter for reading `input` (share done and ETA from its raw bytes), quiet when
    /// `quiet` is set.
    pub fn of_input(label: &str, input: &Input, quiet: bool) -> Self {
        let progress = Self::new(label, Some((input.bytes_read.clone(), input.total_bytes)));
        if quiet { progress.quiet() } else { progress }
    }

    /// Never draws (tests, benchmarks).
    #[must_use]
    pub fn quiet(mut self) -> Self {
        self.terminal = false;
        self.log_every = Duration::MAX;
        self
    }

    /// The progress line for `rows` done.
    pub fn line(&self, rows: u64) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = rows as f64 / elapsed;
        let mut line = format!("{}: {rows} rows, {rate:.0} rows/s", self.label);
        if let (Some(read), Some(total)) = (&self.bytes_read, self.total_bytes.filter(|t| *t > 0)) {
            let done = (read.load(Ordering::Relaxed) as f64 / total as f64).min(1.0);
            line.push_str(&format!(", {:.1} %", done * 100.0));
            if done > 0.0 {
                let left = elapsed * (1.0 - done) / done;
                line.push_str(&format!(", ETA {}", format_duration(left)));
            }
        }
        line
    }

    /// Reports `rows` done, at most every 200 ms on a terminal and every `log_every`
    /// otherwise.
    pub fn update(&mut self, rows: u64) {
        let since = self.last.elapsed();
        if self.terminal && since >= Duration::from_millis(200) {
            eprint!("\r\x1b[2K{}", self.line(rows));
            self.last = Instant::now();
        } else if !self.terminal && since >= self.log_every {
            tracing::info!("{}", self.line(rows));
            self.last = Instant::now();
        }
    }

    /// Reports the end of the run.
    pub fn finish(&mut self, rows: u64) {
        if self.terminal {
            eprintln!(
                "\r\x1b[2K{} in {}",
                self.line(rows),
                format_duration(self.started.elapsed().as_secs_f64())
            );
        } else if self.log_every != Duration::MAX {
            tracing::info!("{} (done)", self.line(rows));
        }
    }
}

/// `1h02m03s`, `2m03s` or `3s`.
fn format_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// The reject line of a row that could not be read at all (not UTF-8).
pub fn unreadable(position: u64, reason: String) -> RejectLine {
    RejectLine::whole_record(format!("#{position}"), position, reason)
}

/// Writes rejections read from a file to `report` and counts them in `summary`.
pub fn report_all(
    lines: impl IntoIterator<Item = RejectLine>,
    summary: &mut Summary,
    report: &mut RejectReport,
) -> io::Result<()> {
    for line in lines {
        match line.rejected {
            Rejected::Record => summary.rejected += 1,
            Rejected::Field => summary.rejected_fields += 1,
        }
        report.write(&line)?;
    }
    Ok(())
}

/// Counts the store's results of a batch in `summary` (item `i` is the record `records[i]`,
/// `(id, position)`) and reports each rejected item with the store's reasons (field names
/// without the `items.<i>.` prefix); returns, per item, whether it was written or found
/// unchanged.
pub fn tally(
    results: Vec<crate::store::write::ItemResult>,
    records: &[(String, u64)],
    summary: &mut Summary,
    report: &mut RejectReport,
) -> io::Result<Vec<bool>> {
    use crate::store::write::ItemStatus;
    let mut accepted = Vec::with_capacity(results.len());
    for (result, (record, position)) in results.into_iter().zip(records) {
        match result.status {
            ItemStatus::Created => summary.imported += 1,
            ItemStatus::Updated => summary.updated += 1,
            ItemStatus::Unchanged => summary.unchanged += 1,
            ItemStatus::Rejected => {
                summary.rejected += 1;
                let prefix = format!("items.{}.", result.index);
                for error in result.user_errors {
                    report.write(&RejectLine {
                        record: record.clone(),
                        position: *position,
                        field: error.field.strip_prefix(&prefix).unwrap_or(&error.field).to_owned(),
                        value: serde_json::Value::Null,
                        reason: error.message,
                        rejected: Rejected::Record,
                    })?;
                }
            }
        }
        accepted.push(result.status != ItemStatus::Rejected);
    }
    Ok(accepted)
}

/// An import failure that stops the run (an unreadable file, a database error); bad records
/// never do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read or the reject report written.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The file is not in the expected format at all (e.g. not JSON), with where.
    #[error("{0}")]
    Format(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use super::*;

    #[test]
    fn planner_statistics_are_refreshed_at_10_000_written_records_then_at_each_doubling() {
        let schedule = StatisticsSchedule::new();
        let at = |imported: u64, establishments_created: u64| Summary {
            imported,
            establishments_created,
            ..Summary::default()
        };
        assert!(!schedule.due(&at(9_000, 999)));
        assert!(schedule.due(&at(9_000, 1_000)));
        assert!(!schedule.due(&at(19_999, 0)));
        assert!(schedule.due(&at(20_000, 500)));
        assert!(!schedule.due(&at(40_999, 0)));
        assert!(schedule.due(&at(41_000, 0)));
        assert!(!schedule.due(&at(41_000, 0)));
    }

    #[test]
    fn gzip_is_detected_by_magic_bytes() {
        use std::io::Write as _;
        let dir = std::env::temp_dir().join(format!("terrasse-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let plain = dir.join("plain.json");
        std::fs::write(&plain, b"{\"a\":1}").unwrap();
        let packed = dir.join("packed.json");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"{\"a\":1}").unwrap();
        std::fs::write(&packed, encoder.finish().unwrap()).unwrap();
        for path in [plain, packed] {
            let mut input = open_input(&path).unwrap();
            let mut text = String::new();
            input.reader.read_to_string(&mut text).unwrap();
            assert_eq!(text, "{\"a\":1}", "{}", path.display());
            assert_eq!(input.bytes_read.load(Ordering::Relaxed), input.total_bytes.unwrap_or(0));
        }
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(3.2), "3s");
        assert_eq!(format_duration(123.0), "2m03s");
        assert_eq!(format_duration(3723.0), "1h02m03s");
    }
}
