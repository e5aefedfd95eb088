//! `terrasse import sirene --unites-legales FILE --etablissements FILE`: legal units and
//! establishments from the INSEE Sirene stock files (`StockUniteLegale`,
//! `StockEtablissement`, CSV, plain or gzip), read by column name.
//!
//! Scope, with bounded memory: with a territory filter, a first pass over the establishments
//! collects the SIRENs having an establishment in the territory (a set of 32-bit numbers);
//! the legal units file is then streamed, keeping the units in scope (and, with `--ess-only`,
//! those flagged `economieSocialeSolidaireUniteLegale = O`), and remembering their SIRENs; the
//! establishments file is streamed again, keeping the establishments of those units (in the
//! territory, when filtered). Without a filter, nothing is remembered.
//!
//! Records are validated field by field: a bad SIREN or SIRET rejects the record; a bad value
//! (unknown legal category, commune or headcount band, malformed date, NAF code of another
//! nomenclature) rejects the field, and the record is written without it. Organisations are
//! keyed by SIREN and establishments by SIRET whatever their source (see
//! [`crate::store::write::register`]): minimal records created from a DECP supplier SIRET are
//! enriched and marked resolved. The SSE family is decided by
//! [`crate::domain::ess::classify`]. A SIREN or SIRET held by a partner's record (live or
//! deleted) is taken over first ([`crate::store::write::takeover`]): the record becomes
//! Sirene's and is updated like its own. A re-import of the same files writes nothing; a newer
//! `dateDernierTraitement…` updates, an older one is left alone.

mod parsers;
mod rows;
mod tables;
#[cfg(test)]
mod tests;

use std::{collections::HashSet, path::Path};

use sea_orm::DatabaseConnection;

pub use self::parsers::{
    parse_company_category, parse_day, parse_headcount_band, parse_metres, parse_timestamp, parse_year, parse_yes_no,
    street_line,
};
use self::{
    rows::Reference,
    tables::{Establishments, Pass, Units},
};
use super::{
    ImportError, Progress, RejectReport, Summary,
    table::{Header, Row, Rows},
};
use crate::{domain::CommuneCode, store::write::classification::legal_category_families};

/// The source of the records the Sirene importer creates.
pub const SOURCE: &str = "sirene";

/// Which records of the files to import.
#[derive(Debug, Clone, Default)]
pub struct SireneScope {
    /// Territory ids (`DEP:13`, `EPCI:…`, `COM:…`): only establishments whose commune is in
    /// one of them, and the legal units having one. `None`: everywhere.
    pub territories: Option<Vec<String>>,
    /// Only the legal units flagged as belonging to the SSE (and their establishments).
    pub ess_only: bool,
}

/// How a Sirene import runs.
#[derive(Debug, Clone)]
pub struct SireneOptions {
    /// Source given to the records created.
    pub source: String,
    /// Records per transaction.
    pub batch_size: usize,
    /// What to import.
    pub scope: SireneScope,
    /// No progress lines (tests).
    pub quiet: bool,
}

impl Default for SireneOptions {
    fn default() -> Self {
        Self {
            source: SOURCE.to_owned(),
            batch_size: super::BATCH_SIZE,
            scope: SireneScope::default(),
            quiet: false,
        }
    }
}

/// Counts of a Sirene import, per file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SireneSummary {
    /// Legal units (organisations).
    pub legal_units: Summary,
    /// Legal units read but outside the scope (territory, `--ess-only`).
    pub legal_units_out_of_scope: u64,
    /// Establishments.
    pub establishments: Summary,
    /// Establishments read but outside the scope.
    pub establishments_out_of_scope: u64,
}

impl std::fmt::Display for SireneSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = |s: &Summary| {
            format!(
                "read {}, imported {}, updated {}, unchanged {}, rejected {}, rejected fields {}, flagged {}",
                s.read, s.imported, s.updated, s.unchanged, s.rejected, s.rejected_fields, s.flagged
            )
        };
        writeln!(
            f,
            "legal units: {}, out of scope {}",
            line(&self.legal_units),
            self.legal_units_out_of_scope
        )?;
        write!(
            f,
            "establishments: {}, out of scope {}",
            line(&self.establishments),
            self.establishments_out_of_scope
        )
    }
}
/// A SIREN as a number, for compact sets.
fn siren_number(siren: &str) -> Option<u32> {
    siren.get(..9).and_then(|digits| digits.parse().ok())
}

/// Opens a table with a progress reporter.
async fn open(path: &Path, what: &str, options: &SireneOptions) -> Result<(Rows, Progress), ImportError> {
    let input = super::open_input(path)?;
    let progress = Progress::of_input(&format!("sirene {what} {}", path.display()), &input, options.quiet);
    let rows = Rows::open(input, None, options.batch_size.max(1) * 2, what).await?;
    Ok((rows, progress))
}

/// Stops the run when a required column is missing.
fn require(header: &Header, column: &str, what: &str) -> Result<(), ImportError> {
    if header.has(column) {
        Ok(())
    } else {
        Err(ImportError::Format(format!(
            "the {what} file has no column {column:?}: is it a Sirene stock file? (columns: {})",
            header.names().join(", ")
        )))
    }
}

/// Imports the Sirene stock files (plain or gzip) into `db`, writing rejections to `report`;
/// returns the counts. Bad records never stop the run; an unreadable file or a database
/// failure does (batches already written stay written).
pub async fn import_sirene(
    db: &DatabaseConnection,
    units_path: &Path,
    establishments_path: &Path,
    options: &SireneOptions,
    report: &mut RejectReport,
) -> Result<SireneSummary, ImportError> {
    let reference = Reference {
        legal_categories: legal_category_families(db).await?,
        communes: crate::store::territories::commune_ids_by_code(db).await?,
    };
    let within: Option<HashSet<String>> = match &options.scope.territories {
        Some(ids) => Some(crate::store::territories::communes_within(db, ids).await?),
        None => None,
    };
    let writer = super::run_writer(&options.source);
    let mut summary = SireneSummary::default();
    let in_commune_scope = |header: &Header, row: &csv::StringRecord| -> bool {
        within.as_ref().is_none_or(|within| {
            header
                .get(row, "codeCommuneEtablissement")
                .and_then(|code| CommuneCode::parse(code).ok())
                .and_then(|code| reference.communes.get(code.as_str()))
                .is_some_and(|id| within.contains(id))
        })
    };

    // Pass 1: the SIRENs with an establishment in the territory.
    let in_territory: Option<HashSet<u32>> = if within.is_some() {
        let (mut rows, mut progress) = open(establishments_path, "establishments (scope)", options).await?;
        require(&rows.header, "siret", "establishments")?;
        let mut sirens = HashSet::new();
        let mut count = 0;
        while let Some(Row { record, .. }) = rows.receiver.recv().await {
            count += 1;
            if let Ok(row) = record
                && in_commune_scope(&rows.header, &row)
                && let Some(siren) = rows.header.get(&row, "siret").and_then(siren_number)
            {
                sirens.insert(siren);
            }
            progress.update(count);
        }
        progress.finish(count);
        rows.finish().await?;
        Some(sirens)
    } else {
        None
    };

    // Pass 2: the legal units in scope, remembered when filtering.
    let filtered = within.is_some() || options.scope.ess_only;
    let mut kept: HashSet<u32> = HashSet::new();
    let unit_in_scope = |header: &Header, row: &csv::StringRecord| {
        let in_territory = in_territory.as_ref().is_none_or(|sirens| {
            header
                .get(row, "siren")
                .and_then(siren_number)
                .is_some_and(|s| sirens.contains(&s))
        });
        let in_sse = !options.scope.ess_only
            || header
                .get(row, "economieSocialeSolidaireUniteLegale")
                .is_some_and(|flag| flag.eq_ignore_ascii_case("O"));
        in_territory && in_sse
    };
    let pass = Pass {
        db,
        writer: &writer,
        options,
        reference: &reference,
        statistics: super::StatisticsSchedule::new(),
    };
    summary.legal_units_out_of_scope = pass
        .run::<Units>(units_path, &unit_in_scope, &mut summary.legal_units, report, |unit| {
            if filtered && let Some(siren) = siren_number(unit.siren.as_str()) {
                kept.insert(siren);
            }
        })
        .await?;

    // Pass 3: the establishments of the units in scope (in the territory, when filtered).
    let establishment_in_scope = |header: &Header, row: &csv::StringRecord| {
        !filtered
            || (header
                .get(row, "siret")
                .and_then(siren_number)
                .is_some_and(|s| kept.contains(&s))
                && in_commune_scope(header, row))
    };
    summary.establishments_out_of_scope = pass
        .run::<Establishments>(
            establishments_path,
            &establishment_in_scope,
            &mut summary.establishments,
            report,
            |_| {},
        )
        .await?;
    crate::store::refresh_statistics(db).await?;
    Ok(summary)
}
