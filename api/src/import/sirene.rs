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

use std::{collections::HashSet, path::Path};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use entity::enums::{CompanyCategory, EssFamily, EstablishmentStatus, HeadcountBand, OrganisationStatus};
use sea_orm::{ActiveEnum, DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde_json::Value;

use super::{
    ImportError, Progress, RejectLine, RejectReport, Rejected, Summary, report_all,
    table::{Header, Row, Rows},
    tally, unreadable,
};
use crate::{
    domain::{CommuneCode, NON_DIFFUSIBLE, NafCode, Rna, Siren, Siret, geo::lambert93_to_wgs84},
    store::{
        DbContext, StoreError,
        write::Writer,
        write::classification::legal_category_families,
        write::establishment::EstablishmentFields,
        write::register::{
            RegisterEstablishment, RegisterFacts, RegisterUnit, upsert_establishments_in, upsert_units_in,
        },
        write::takeover::{take_over_establishments, take_over_organisations},
        write::{ItemResult, organisation::OrganisationFields},
    },
};

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

// ---------------------------------------------------------------------------------------
// Field parsers: pure, unit-tested. Each returns the value, `None` for a missing one, or the
// reason the value was rejected.
// ---------------------------------------------------------------------------------------

/// `O`/`N` (also `true`/`false`, `1`/`0`).
pub fn parse_yes_no(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "o" | "oui" | "true" | "1" | "y" | "yes" => Ok(true),
        "n" | "non" | "false" | "0" | "no" => Ok(false),
        _ => Err("expected O or N".to_owned()),
    }
}

/// A day `YYYY-MM-DD` between 1800 and next year.
pub fn parse_day(value: &str) -> Result<NaiveDate, String> {
    let day =
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| "expected a date YYYY-MM-DD".to_owned())?;
    let next_year = Utc::now().year() + 1;
    if !(1800..=next_year).contains(&day.year()) {
        return Err(format!("implausible date (not between 1800 and {next_year})"));
    }
    Ok(day)
}

/// A processing time `YYYY-MM-DDTHH:MM:SS` (fractions of a second allowed) or a day, as UTC;
/// a time more than a day ahead of the clock is refused (it would make every later
/// publication of the record look older).
pub fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, String> {
    let value = value.trim();
    let at = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S%.f"))
        .map(|t| t.and_utc())
        .or_else(|_| parse_day(value).map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
        .map_err(|_| "expected a time YYYY-MM-DDTHH:MM:SS".to_owned())?;
    if at > Utc::now() + crate::store::write::SOURCE_CLOCK_SKEW {
        return Err("a processing time in the future".to_owned());
    }
    Ok(at)
}

/// A headcount band code (`NN`, `00`, `01` … `53`).
pub fn parse_headcount_band(value: &str) -> Result<HeadcountBand, String> {
    HeadcountBand::try_from_value(&value.trim().to_ascii_uppercase()).map_err(|_| {
        "unknown headcount band (expected NN, 00, 01, 02, 03, 11, 12, 21, 22, 31, 32, 41, 42, 51, 52 or 53)".to_owned()
    })
}

/// A reference year between 1970 and next year.
pub fn parse_year(value: &str) -> Result<i16, String> {
    let next_year = Utc::now().year() + 1;
    value
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|year| (1970..=next_year).contains(year))
        .and_then(|year| i16::try_from(year).ok())
        .ok_or_else(|| format!("expected a year between 1970 and {next_year}"))
}

/// `PME`, `ETI` or `GE`.
pub fn parse_company_category(value: &str) -> Result<CompanyCategory, String> {
    match value.trim().to_ascii_uppercase().as_str() {
        "PME" => Ok(CompanyCategory::Pme),
        "ETI" => Ok(CompanyCategory::Eti),
        "GE" => Ok(CompanyCategory::Ge),
        _ => Err("expected PME, ETI or GE".to_owned()),
    }
}

/// A Lambert-93 coordinate in metres (`892390.5`, `892390,5`).
pub fn parse_metres(value: &str) -> Result<f64, String> {
    value
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|m| m.is_finite())
        .ok_or_else(|| "expected a coordinate in metres".to_owned())
}

/// The first line of an address: number, repetition index, street type and name.
pub fn street_line(
    number: Option<&str>,
    index: Option<&str>,
    kind: Option<&str>,
    street: Option<&str>,
) -> Option<String> {
    let number = match (number, index) {
        (Some(number), Some(index)) => Some(format!("{number} {index}")),
        (number, _) => number.map(str::to_owned),
    };
    let parts: Vec<String> = [number, kind.map(str::to_owned), street.map(str::to_owned)]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

// ---------------------------------------------------------------------------------------
// Row readers.
// ---------------------------------------------------------------------------------------

/// Reads one row's fields, collecting rejected fields.
struct Fields<'a> {
    header: &'a Header,
    row: &'a csv::StringRecord,
    record: String,
    position: u64,
    rejects: Vec<RejectLine>,
}

impl<'a> Fields<'a> {
    fn new(header: &'a Header, row: &'a csv::StringRecord, position: u64) -> Self {
        Self {
            header,
            row,
            record: format!("#{position}"),
            position,
            rejects: Vec::new(),
        }
    }

    fn get(&self, column: &str) -> Option<&'a str> {
        self.header.get(self.row, column)
    }

    fn reject(&mut self, column: &str, reason: impl Into<String>, rejected: Rejected) {
        self.rejects.push(RejectLine {
            record: self.record.clone(),
            position: self.position,
            field: column.to_owned(),
            value: Value::String(self.header.raw(self.row, column).to_owned()),
            reason: reason.into(),
            rejected,
        });
    }

    /// The value of `column` read by `parse`; a bad value is rejected (field).
    fn parsed<T>(&mut self, column: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let value = self.get(column)?;
        match parse(value) {
            Ok(parsed) => Some(parsed),
            Err(reason) => {
                self.reject(column, reason, Rejected::Field);
                None
            }
        }
    }

    /// The record's key, read from `column` by `parse` (a [`Siren`] or [`Siret`]), which
    /// becomes the record's id in reports; a missing or bad key rejects the record.
    fn key<K: AsRef<str>>(
        &mut self,
        column: &str,
        what: &str,
        parse: impl FnOnce(&str) -> Result<K, crate::domain::ValidationError>,
    ) -> Option<K> {
        match self.get(column).map(parse) {
            Some(Ok(key)) => {
                self.record = key.as_ref().to_owned();
                Some(key)
            }
            Some(Err(error)) => {
                self.reject(column, format!("invalid {what}: {}", error.reason), Rejected::Record);
                None
            }
            None => {
                self.reject(column, format!("missing {what}"), Rejected::Record);
                None
            }
        }
    }

    fn text(&self, column: &str) -> Option<String> {
        self.get(column).map(str::to_owned)
    }

    /// Whether the unit or establishment may be disclosed (`O`); `P` (partially) and `N`
    /// (not) may not. Missing: diffusible (older files listed only diffusible units); an
    /// unreadable value: not diffusible.
    fn diffusible(&mut self, column: &str) -> bool {
        match self.get(column).map(|v| v.to_ascii_uppercase()) {
            None => true,
            Some(v) if v == "O" => true,
            Some(v) if v == "P" || v == "N" => false,
            Some(_) => {
                self.reject(column, "expected O, P or N (read as not diffusible)", Rejected::Field);
                false
            }
        }
    }

    /// An activity code and its nomenclature: NAF rév. 2 only.
    fn naf(&mut self, code_column: &str, nomenclature_column: &str) -> Option<String> {
        let code = self.get(code_column)?;
        if let Some(nomenclature) = self.get(nomenclature_column)
            && !nomenclature.eq_ignore_ascii_case("NAFRev2")
        {
            self.reject(
                code_column,
                format!("activity code of nomenclature {nomenclature}: only NAF rév. 2 (NAFRev2) is stored"),
                Rejected::Field,
            );
            return None;
        }
        match NafCode::parse(code) {
            Ok(naf) => Some(naf.as_str().to_owned()),
            Err(error) => {
                self.reject(code_column, error.reason, Rejected::Field);
                None
            }
        }
    }

    /// The end date of a ceased unit or closed establishment (the start of its current
    /// period, `dateDebut`), when not before `start`.
    fn end_date(&mut self, start: Option<NaiveDate>) -> Option<NaiveDate> {
        let end = self.parsed("dateDebut", parse_day)?;
        if let Some(start) = start
            && end < start
        {
            self.reject(
                "dateDebut",
                format!("cessation date before the creation date {start}"),
                Rejected::Field,
            );
            return None;
        }
        Some(end)
    }
}

/// What the importer knows while reading: reference tables.
struct Reference {
    /// Default SSE family of each legal category.
    legal_categories: std::collections::HashMap<String, EssFamily>,
    /// Territory id of each commune code.
    communes: std::collections::HashMap<String, String>,
}

/// A legal unit read from a row, or `None` when rejected whole; with its rejected fields.
fn read_unit(
    header: &Header,
    row: &csv::StringRecord,
    position: u64,
    reference: &Reference,
) -> (Option<RegisterUnit>, Vec<RejectLine>) {
    let mut fields = Fields::new(header, row, position);
    let Some(siren) = fields.key("siren", "SIREN", Siren::parse) else {
        return (None, fields.rejects);
    };
    let diffusible = fields.diffusible("statutDiffusionUniteLegale");
    let legal_category = fields.parsed("categorieJuridiqueUniteLegale", |code| {
        if reference.legal_categories.contains_key(code) {
            Ok(code.to_owned())
        } else {
            Err("unknown legal category (not in the INSEE list of level III categories)".to_owned())
        }
    });
    let name = if legal_category.as_deref() == Some("1000") || fields.get("denominationUniteLegale").is_none() {
        let first = fields
            .get("prenomUsuelUniteLegale")
            .or_else(|| fields.get("prenom1UniteLegale"));
        let last = fields
            .get("nomUsageUniteLegale")
            .or_else(|| fields.get("nomUniteLegale"));
        match (first, last) {
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (None, Some(last)) => Some(last.to_owned()),
            _ => fields
                .text("denominationUniteLegale")
                .or_else(|| fields.text("denominationUsuelle1UniteLegale")),
        }
    } else {
        fields.text("denominationUniteLegale")
    };
    let name = match name {
        Some(name) => name,
        None if !diffusible => NON_DIFFUSIBLE.to_owned(),
        None => {
            fields.reject(
                "denominationUniteLegale",
                "no name (denomination, or first and last names)",
                Rejected::Record,
            );
            return (None, fields.rejects);
        }
    };
    let rna = fields.parsed("identifiantAssociationUniteLegale", |v| {
        Rna::parse(v).map(|r| r.as_str().to_owned()).map_err(|e| e.reason)
    });
    let naf = fields.naf(
        "activitePrincipaleUniteLegale",
        "nomenclatureActivitePrincipaleUniteLegale",
    );
    let status = fields.parsed("etatAdministratifUniteLegale", |v| {
        match v.to_ascii_uppercase().as_str() {
            "A" => Ok(OrganisationStatus::Active),
            "C" => Ok(OrganisationStatus::Ceased),
            _ => Err("expected A (active) or C (ceased)".to_owned()),
        }
    });
    let created_on = fields.parsed("dateCreationUniteLegale", parse_day);
    let ceased_on = if status == Some(OrganisationStatus::Ceased) {
        fields.end_date(created_on)
    } else {
        None
    };
    let updated_at = fields.parsed("dateDernierTraitementUniteLegale", parse_timestamp);
    let facts = RegisterFacts {
        diffusible,
        sirene_ess_flag: fields.parsed("economieSocialeSolidaireUniteLegale", parse_yes_no),
        societe_mission: fields.parsed("societeMissionUniteLegale", parse_yes_no),
        headcount_band: fields.parsed("trancheEffectifsUniteLegale", parse_headcount_band),
        headcount_year: fields.parsed("anneeEffectifsUniteLegale", parse_year),
        employer: fields.parsed("caractereEmployeurUniteLegale", parse_yes_no),
        company_category: fields.parsed("categorieEntreprise", parse_company_category),
    };
    let unit = RegisterUnit {
        siren,
        fields: OrganisationFields {
            name: Some(name),
            siren: None,
            // An RNA number from another source is kept when Sirene has none.
            rna: rna.map(Some),
            acronym: Some(fields.text("sigleUniteLegale")),
            legal_category_code: Some(legal_category),
            ess_family: None,
            naf_code: Some(naf),
            admin_status: Some(status.unwrap_or(OrganisationStatus::Active)),
            created_on: Some(created_on),
            ceased_on: Some(ceased_on),
            public_authority_territory_id: None,
            external_id: None,
            source_updated_at: Some(updated_at),
        },
        facts,
    };
    (Some(unit), fields.rejects)
}

/// An establishment read from a row (without its organisation, found by the store), or
/// `None` when rejected whole; with its rejected fields.
fn read_establishment(
    header: &Header,
    row: &csv::StringRecord,
    position: u64,
    reference: &Reference,
) -> (Option<RegisterEstablishment>, Vec<RejectLine>) {
    let mut fields = Fields::new(header, row, position);
    let Some(siret) = fields.key("siret", "SIRET", Siret::parse) else {
        return (None, fields.rejects);
    };
    if let Some(siren) = fields.get("siren")
        && siren != siret.siren().as_str()
    {
        fields.reject("siren", format!("does not match the SIRET {siret}"), Rejected::Record);
        return (None, fields.rejects);
    }
    let diffusible = fields.diffusible("statutDiffusionEtablissement");
    let headquarters = fields.parsed("etablissementSiege", parse_yes_no).unwrap_or(false);
    let status = fields.parsed("etatAdministratifEtablissement", |v| {
        match v.to_ascii_uppercase().as_str() {
            "A" => Ok(EstablishmentStatus::Active),
            "F" => Ok(EstablishmentStatus::Closed),
            _ => Err("expected A (active) or F (closed)".to_owned()),
        }
    });
    let opened_on = fields.parsed("dateCreationEtablissement", parse_day);
    let closed_on = if status == Some(EstablishmentStatus::Closed) {
        fields.end_date(opened_on)
    } else {
        None
    };
    let commune = fields.parsed("codeCommuneEtablissement", |code| {
        let code = CommuneCode::parse(code).map_err(|e| e.reason)?;
        reference
            .communes
            .get(code.as_str())
            .map(|id| (code.clone(), id.clone()))
            .ok_or_else(|| "unknown commune code (not in the COG 2026 reference data)".to_owned())
    });
    let postal_code = fields.parsed("codePostalEtablissement", |code| {
        if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(code.to_owned())
        } else {
            Err("expected 5 digits".to_owned())
        }
    });
    let line1 = street_line(
        fields.get("numeroVoieEtablissement"),
        fields.get("indiceRepetitionEtablissement"),
        fields.get("typeVoieEtablissement"),
        fields.get("libelleVoieEtablissement"),
    );
    let line2 = [
        fields.get("complementAdresseEtablissement"),
        fields.get("distributionSpecialeEtablissement"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    // Lambert-93 holds in metropolitan France and Corsica only; overseas coordinates (other
    // projections) are not read.
    let overseas = commune.as_ref().is_some_and(|(code, _)| code.departement().len() == 3);
    let x = fields.parsed("coordonneeLambertAbscisseEtablissement", parse_metres);
    let y = fields.parsed("coordonneeLambertOrdonneeEtablissement", parse_metres);
    let point = match (x, y) {
        (Some(x), Some(y)) if !overseas => {
            let point = lambert93_to_wgs84(x, y);
            if point.is_none() {
                fields.reject(
                    "coordonneeLambertAbscisseEtablissement",
                    format!("Lambert-93 point ({x}, {y}) is outside metropolitan France"),
                    Rejected::Field,
                );
            }
            point
        }
        _ => None,
    };
    let naf = fields.naf(
        "activitePrincipaleEtablissement",
        "nomenclatureActivitePrincipaleEtablissement",
    );
    let headcount_band = fields.parsed("trancheEffectifsEtablissement", parse_headcount_band);
    let updated_at = fields.parsed("dateDernierTraitementEtablissement", parse_timestamp);
    let name = fields
        .text("enseigne1Etablissement")
        .or_else(|| fields.text("denominationUsuelleEtablissement"));
    let establishment = RegisterEstablishment {
        fields: EstablishmentFields {
            external_id: String::new(),
            organisation_id: uuid::Uuid::nil(),
            siret: Some(siret.as_str().to_owned()),
            name,
            is_headquarters: headquarters,
            address_line1: line1,
            address_line2: (!line2.is_empty()).then_some(line2),
            postal_code,
            commune_id: commune.map(|(_, id)| id),
            latitude: point.map(|p| (p.latitude * 1e6).round() / 1e6),
            longitude: point.map(|p| (p.longitude * 1e6).round() / 1e6),
            naf_code: naf,
            admin_status: status.unwrap_or(EstablishmentStatus::Active),
            opened_on,
            closed_on,
            source_updated_at: updated_at,
        },
        headcount_band,
        diffusible,
    };
    (Some(establishment), fields.rejects)
}

// ---------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------

/// A SIREN as a number, for compact sets.
fn siren_number(siren: &str) -> Option<u32> {
    siren.get(..9).and_then(|digits| digits.parse().ok())
}

/// Opens a table with a progress reporter.
async fn open(path: &Path, what: &str, options: &SireneOptions) -> Result<(Rows, Progress), ImportError> {
    let input = super::open_input(path)?;
    let mut progress = Progress::new(
        &format!("sirene {what} {}", path.display()),
        Some((input.bytes_read.clone(), input.total_bytes)),
    );
    if options.quiet {
        progress = progress.quiet();
    }
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
    let writer = Writer {
        key_id: None,
        only_source: None,
        default_source: Some(options.source.clone()),
        certifies_labels: true,
    };
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

/// One of the two Sirene tables: how a row is read and how a batch of records is written.
trait Table {
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
struct Units;

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
struct Establishments;

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
struct Pass<'a> {
    db: &'a DatabaseConnection,
    writer: &'a Writer,
    options: &'a SireneOptions,
    reference: &'a Reference,
    statistics: super::StatisticsSchedule,
}

impl Pass<'_> {
    /// Streams the table at `path`: rows `in_scope` says are out are counted and skipped,
    /// the others read, reported and written in batches (each in one transaction);
    /// `on_read` sees every record read. Returns the count of rows out of scope.
    async fn run<T: Table>(
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

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use super::*;

    #[test]
    fn flags_dates_and_bands_read_as_sirene_writes_them() {
        assert_eq!(parse_yes_no("O"), Ok(true));
        assert_eq!(parse_yes_no(" n "), Ok(false));
        assert_eq!(parse_yes_no("true"), Ok(true));
        assert!(parse_yes_no("X").is_err());
        assert_eq!(
            parse_day("2015-03-02"),
            Ok(NaiveDate::from_ymd_opt(2015, 3, 2).unwrap())
        );
        assert!(parse_day("02/03/2015").is_err());
        assert!(parse_day("2015-02-30").is_err());
        assert!(parse_day("1650-01-01").unwrap_err().contains("implausible"));
        assert_eq!(
            parse_timestamp("2024-03-12T10:25:03.000").unwrap().to_rfc3339(),
            "2024-03-12T10:25:03+00:00"
        );
        assert_eq!(
            parse_timestamp("2024-03-12").unwrap().to_rfc3339(),
            "2024-03-12T00:00:00+00:00"
        );
        assert!(parse_timestamp("hier").is_err());
        assert_eq!(parse_headcount_band("NN"), Ok(HeadcountBand::NonEmployer));
        assert_eq!(parse_headcount_band("12"), Ok(HeadcountBand::From20To49));
        assert!(parse_headcount_band("13").is_err());
        assert_eq!(parse_year("2023"), Ok(2023));
        assert!(parse_year("23").is_err());
        assert_eq!(parse_company_category("eti"), Ok(CompanyCategory::Eti));
        assert!(parse_company_category("TPE").is_err());
        assert_eq!(parse_metres("892390,5"), Ok(892_390.5));
        assert!(parse_metres("NaN").is_err());
    }

    #[test]
    fn street_lines_join_what_is_given() {
        assert_eq!(
            street_line(Some("12"), Some("B"), Some("RUE"), Some("DE LA REPUBLIQUE")).as_deref(),
            Some("12 B RUE DE LA REPUBLIQUE")
        );
        assert_eq!(
            street_line(None, Some("B"), None, Some("LE VILLAGE")).as_deref(),
            Some("LE VILLAGE")
        );
        assert_eq!(street_line(None, None, None, None), None);
    }

    #[test]
    fn units_read_by_column_name_and_reject_bad_fields() {
        let reference = Reference {
            legal_categories: [
                ("9220".to_owned(), EssFamily::Association),
                ("1000".to_owned(), EssFamily::NonSse),
            ]
            .into_iter()
            .collect(),
            communes: Default::default(),
        };
        let text = "etatAdministratifUniteLegale,siren,denominationUniteLegale,categorieJuridiqueUniteLegale,\
                    trancheEffectifsUniteLegale,statutDiffusionUniteLegale,prenom1UniteLegale,nomUniteLegale,colonneInconnue\n\
                    A,732829320,ENTRAIDE,9220,ZZ,O,,,x\n\
                    A,732829321,ENTRAIDE,9220,01,O,,,x\n\
                    C,732829320,,1000,NN,O,Jeanne,MARTIN,x\n\
                    A,732829320,,1000,NN,P,[ND],[ND],x\n\
                    A,732829320,,5710,NN,O,,,x\n";
        let (header, rows) = super::super::table::read_all(text.as_bytes()).unwrap();
        let (unit, rejects) = read_unit(&header, &rows[0], 1, &reference);
        let unit = unit.unwrap();
        assert_eq!(unit.fields.name.as_deref(), Some("ENTRAIDE"));
        assert_eq!(unit.facts.headcount_band, None);
        assert_eq!(
            rejects
                .iter()
                .map(|r| (r.field.as_str(), r.rejected))
                .collect::<Vec<_>>(),
            vec![("trancheEffectifsUniteLegale", Rejected::Field)]
        );
        let (unit, rejects) = read_unit(&header, &rows[1], 2, &reference);
        assert!(unit.is_none());
        assert!(rejects[0].reason.contains("Luhn"), "{rejects:?}");
        let (unit, _) = read_unit(&header, &rows[2], 3, &reference);
        let unit = unit.unwrap();
        assert_eq!(unit.fields.name.as_deref(), Some("Jeanne MARTIN"));
        assert_eq!(unit.fields.admin_status, Some(OrganisationStatus::Ceased));
        let (unit, _) = read_unit(&header, &rows[3], 4, &reference);
        let unit = unit.unwrap();
        assert_eq!(unit.fields.name.as_deref(), Some(NON_DIFFUSIBLE));
        assert!(!unit.facts.diffusible);
        let (unit, rejects) = read_unit(&header, &rows[4], 5, &reference);
        assert!(unit.is_none(), "no name at all");
        assert_eq!(rejects.len(), 2, "{rejects:?}");
        assert!(rejects[0].reason.contains("unknown legal category"));
    }
}
