//! The two Sirene tables (legal units, establishments) and the writing pass they share:
//! streaming a table, keeping the rows in scope, writing them in batches.

use std::path::Path;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

use super::{
    SireneOptions, open, require,
    rows::{Reference, read_establishment, read_unit},
};
use crate::import::{
    ImportError, RejectLine, RejectReport, Summary, report_all,
    table::{Header, Row},
    tally, unreadable,
};
use crate::store::{
    DbContext, StoreError,
    write::ItemResult,
    write::Writer,
    write::register::{RegisterEstablishment, RegisterUnit, upsert_establishments_in, upsert_units_in},
    write::takeover::{take_over_establishments, take_over_organisations},
};

/// One of the two Sirene tables: how a row is read and how a batch of records is written.
pub(super) trait Table {
    /// A record ready to write.
    type Record;
    /// The table, in messages.
    const WHAT: &'static str;
    /// Its key column.
    const KEY: &'static str;
    /// Reads a row: the record, or `None` when rejected whole; with the rejected fields.
    fn read(
        header: &Header,
        row: &csv::StringRecord,
        position: u64,
        reference: &Reference,
    ) -> (Option<Self::Record>, Vec<RejectLine>);
    /// The record's id in reports.
    fn id(record: &Self::Record) -> String;
    /// Writes a batch through the store.
    fn write(
        txn: &DatabaseTransaction,
        writer: &Writer,
        source: &str,
        records: Vec<Self::Record>,
    ) -> impl Future<Output = Result<Vec<ItemResult>, StoreError>> + Send;
}

/// The legal units table.
pub(super) struct Units;

impl Table for Units {
    type Record = RegisterUnit;
    const WHAT: &'static str = "legal units";
    const KEY: &'static str = "siren";
    fn read(
        header: &Header,
        row: &csv::StringRecord,
        position: u64,
        reference: &Reference,
    ) -> (Option<RegisterUnit>, Vec<RejectLine>) {
        read_unit(header, row, position, reference)
    }
    fn id(record: &RegisterUnit) -> String {
        record.siren.as_str().to_owned()
    }
    async fn write(
        txn: &DatabaseTransaction,
        writer: &Writer,
        source: &str,
        records: Vec<RegisterUnit>,
    ) -> Result<Vec<ItemResult>, StoreError> {
        let sirens: Vec<String> = records.iter().map(|r| r.siren.as_str().to_owned()).collect();
        take_over_organisations(txn, writer, source, &sirens).await?;
        upsert_units_in(txn, writer, source, records).await
    }
}

/// The establishments table.
pub(super) struct Establishments;

impl Table for Establishments {
    type Record = RegisterEstablishment;
    const WHAT: &'static str = "establishments";
    const KEY: &'static str = "siret";
    fn read(
        header: &Header,
        row: &csv::StringRecord,
        position: u64,
        reference: &Reference,
    ) -> (Option<RegisterEstablishment>, Vec<RejectLine>) {
        read_establishment(header, row, position, reference)
    }
    fn id(record: &RegisterEstablishment) -> String {
        record.fields.siret.clone().unwrap_or_default()
    }
    async fn write(
        txn: &DatabaseTransaction,
        writer: &Writer,
        source: &str,
        records: Vec<RegisterEstablishment>,
    ) -> Result<Vec<ItemResult>, StoreError> {
        let sirets: Vec<String> = records.iter().filter_map(|r| r.fields.siret.clone()).collect();
        take_over_establishments(txn, writer, source, &sirets).await?;
        upsert_establishments_in(txn, writer, source, records).await
    }
}

/// What every writing pass over a table shares.
pub(super) struct Pass<'a> {
    pub(super) db: &'a DatabaseConnection,
    pub(super) writer: &'a Writer,
    pub(super) options: &'a SireneOptions,
    pub(super) reference: &'a Reference,
    pub(super) statistics: crate::import::StatisticsSchedule,
}

impl Pass<'_> {
    /// Streams the table at `path`: rows `in_scope` says are out are counted and skipped,
    /// the others read, reported and written in batches (each in one transaction);
    /// `on_read` sees every record read. Returns the count of rows out of scope.
    pub(super) async fn run<T: Table>(
        &self,
        path: &Path,
        in_scope: &dyn Fn(&Header, &csv::StringRecord) -> bool,
        summary: &mut Summary,
        report: &mut RejectReport,
        mut on_read: impl FnMut(&T::Record),
    ) -> Result<u64, ImportError> {
        let (mut rows, mut progress) = open(path, T::WHAT, self.options).await?;
        require(&rows.header, T::KEY, T::WHAT)?;
        let batch_size = self.options.batch_size.max(1);
        let mut out_of_scope = 0;
        let mut batch: Vec<T::Record> = Vec::with_capacity(batch_size);
        let mut ids: Vec<(String, u64)> = Vec::with_capacity(batch_size);
        while let Some(Row { position, record }) = rows.receiver.recv().await {
            summary.read += 1;
            progress.update(summary.read);
            let row = match record {
                Ok(row) => row,
                Err(reason) => {
                    report_all([unreadable(position, reason)], summary, report)?;
                    continue;
                }
            };
            if !in_scope(&rows.header, &row) {
                out_of_scope += 1;
                continue;
            }
            let (record, rejects) = T::read(&rows.header, &row, position, self.reference);
            report_all(rejects, summary, report)?;
            let Some(record) = record else {
                continue;
            };
            on_read(&record);
            ids.push((T::id(&record), position));
            batch.push(record);
            if batch.len() >= batch_size {
                self.flush::<T>(&mut batch, &mut ids, summary, report).await?;
            }
        }
        self.flush::<T>(&mut batch, &mut ids, summary, report).await?;
        progress.finish(summary.read);
        rows.finish().await?;
        Ok(out_of_scope)
    }

    /// Writes a batch in one transaction and tallies the results.
    async fn flush<T: Table>(
        &self,
        batch: &mut Vec<T::Record>,
        ids: &mut Vec<(String, u64)>,
        summary: &mut Summary,
        report: &mut RejectReport,
    ) -> Result<(), ImportError> {
        if batch.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await.context("starting an import batch")?;
        let results = T::write(&txn, self.writer, &self.options.source, std::mem::take(batch)).await?;
        txn.commit().await.context("committing an import batch")?;
        tally(results, &std::mem::take(ids), summary, report)?;
        self.statistics.after_batch(self.db, summary).await?;
        Ok(())
    }
}
