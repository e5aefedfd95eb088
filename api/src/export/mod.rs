//! Exports: contracts and organisations streamed as CSV or JSON Lines, and contracts as an
//! Open Contracting Data Standard release package (see [`ocds`]).
//!
//! Rows are read through the store a page at a time, in keyset order (notification date or
//! name, then id), and written as they come, so memory stays bounded whatever the size of the
//! export. This module owns the file formats; it builds no SQL and writes nothing to the
//! database.

pub mod ocds;
pub mod records;

use std::io::Write;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

pub use self::records::{ContractRecord, OrganisationRecord};
use crate::store::{
    StoreError,
    contracts::{self, ContractFilter, ContractSort},
    organisations::{self, OrganisationFilter, OrganisationSort},
    page::{self, Cursor, Page, PageArgs},
};

/// Rows read from the store per page.
const PAGE_ROWS: u64 = 500;

/// An export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values (RFC 4180), one header line, one row per record; lists are
    /// joined with `|`.
    Csv,
    /// JSON Lines: one JSON object per record, nested lists included.
    Jsonl,
    /// An OCDS 1.1 release package (contracts only).
    Ocds,
}

/// Which records an export holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// A territory id (`DEP:13`, `EPCI:200054807`...): contracts awarded by buyers in it,
    /// organisations with an establishment in it, at any level below.
    pub territory_id: Option<String>,
    /// Start of the period (inclusive): contracts notified on or after it; organisations
    /// still active on or after it.
    pub from: Option<NaiveDate>,
    /// End of the period (inclusive): contracts notified on or before it; organisations
    /// created on or before it.
    pub to: Option<NaiveDate>,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    /// The format does not apply to this kind of record.
    #[error("the {format} format is for {applies_to} only")]
    Unsupported {
        /// The format asked for.
        format: &'static str,
        /// What it applies to.
        applies_to: &'static str,
    },
}

/// Writes the contracts of `scope` to `out` in `format`; returns the number of contracts.
/// `progress` is called after each page with the running count.
pub async fn contracts<C: ConnectionTrait, W: Write>(
    db: &C,
    scope: &Scope,
    format: Format,
    package: &ocds::PackageInfo,
    mut out: W,
    mut progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    let filter = ContractFilter {
        buyer_territory_ids: scope.territory_id.iter().cloned().collect(),
        notified_from: scope.from,
        notified_to: scope.to,
        ..ContractFilter::default()
    };
    let sort = contracts::sort_key(ContractSort::NotifiedOn, false);
    let mut package_writer = match format {
        Format::Ocds => Some(ocds::PackageWriter::start(&mut out, package)?),
        Format::Csv => {
            records::write_csv_row(&mut out, records::CONTRACT_COLUMNS.iter().copied())?;
            None
        }
        Format::Jsonl => None,
    };
    let mut written = 0u64;
    for_each_page(
        async |args| Ok(page::list_page(db, &filter, &sort, &args).await?),
        async |models| {
            for record in records::contract_records(db, models).await? {
                match (&mut package_writer, format) {
                    (Some(package_writer), _) => package_writer.release(&mut out, &ocds::release(&record, package))?,
                    (None, Format::Csv) => {
                        records::write_csv_row(&mut out, record.csv_fields().iter().map(String::as_str))?
                    }
                    (None, _) => write_json_line(&mut out, &record)?,
                }
                written += 1;
            }
            progress(written);
            Ok(())
        },
    )
    .await?;
    if let Some(package_writer) = package_writer {
        package_writer.finish(&mut out)?;
    }
    out.flush()?;
    Ok(written)
}

/// Writes the organisations of `scope` to `out` (CSV or JSON Lines); returns their number.
pub async fn organisations<C: ConnectionTrait, W: Write>(
    db: &C,
    scope: &Scope,
    format: Format,
    mut out: W,
    mut progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    if format == Format::Ocds {
        return Err(ExportError::Unsupported {
            format: "ocds",
            applies_to: "contracts",
        });
    }
    let filter = OrganisationFilter {
        territory_ids: scope.territory_id.iter().cloned().collect(),
        active_from: scope.from,
        active_to: scope.to,
        ..OrganisationFilter::default()
    };
    let sort = organisations::sort_key(OrganisationSort::Name, false, None).map_err(StoreError::Invalid)?;
    if format == Format::Csv {
        records::write_csv_row(&mut out, records::ORGANISATION_COLUMNS.iter().copied())?;
    }
    let mut written = 0u64;
    for_each_page(
        async |args| Ok(page::list_page(db, &filter, &sort, &args).await?),
        async |models| {
            for record in records::organisation_records(db, models).await? {
                if format == Format::Csv {
                    records::write_csv_row(&mut out, record.csv_fields().iter().map(String::as_str))?;
                } else {
                    write_json_line(&mut out, &record)?;
                }
                written += 1;
            }
            progress(written);
            Ok(())
        },
    )
    .await?;
    out.flush()?;
    Ok(written)
}

/// Fetches every page of a list in keyset order (`fetch` gets each page's arguments) and
/// hands each page's rows to `handle`, so no more than one page is held at a time.
async fn for_each_page<M>(
    mut fetch: impl AsyncFnMut(PageArgs) -> Result<Page<M>, StoreError>,
    mut handle: impl AsyncFnMut(Vec<M>) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let mut after: Option<Cursor> = None;
    loop {
        let page = fetch(PageArgs {
            size: PAGE_ROWS,
            backward: false,
            after: after.take(),
            before: None,
        })
        .await?;
        let next = page
            .has_next_page
            .then(|| page.items.last().map(|(_, cursor)| cursor.clone()))
            .flatten();
        handle(page.items.into_iter().map(|(model, _)| model).collect()).await?;
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(()),
        }
    }
}

/// Writes one record as a JSON line.
fn write_json_line<W: Write>(out: &mut W, record: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, record).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}
