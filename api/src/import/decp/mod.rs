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

mod document;
mod fields;
mod records;
#[cfg(test)]
mod tests;

use std::{
    collections::{HashMap, HashSet},
    hash::{Hash, Hasher},
    path::Path,
};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};

use self::{document::read_records, records::prepare};
use super::{ImportError, Progress, RejectLine, RejectReport, Summary};
use crate::{
    domain::Siret,
    store::{
        DbContext,
        write::Writer,
        write::contract::{ContractFields, source_updated_by_uid, upsert_in},
        write::establishment::ensure_sirets_in,
        write::takeover::take_over_contracts,
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
            own_progress = Progress::of_input(&format!("decp {}", path.display()), &input, false);
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

    let writer = super::run_writer(&options.source);
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
                report.write(&RejectLine::whole_record(
                    prepared.uid.clone(),
                    prepared.position,
                    format!("duplicate of the record at position {first} (same uid, publication not newer)"),
                ))?;
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
