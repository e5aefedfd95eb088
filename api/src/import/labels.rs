//! `terrasse import labels FILE.csv`: labels and agreements (ESUS, SIAE kinds, EA, ESAT,
//! SCOP, SCIC…) from a partner's list: a CSV separated by `;` or `,` (detected), UTF-8 with or
//! without a byte-order mark, plain or gzip, columns found by name (see [`COLUMNS`]).
//!
//! Each row names its holder by SIREN or SIRET. An unknown holder gets a minimal organisation
//! (and, for a SIRET, a minimal establishment) marked unresolved, as the DECP importer does,
//! until Sirene data enriches it. Labels are keyed by `(source, externalId)`: the row's id
//! when the file has one, else `SIREN:kind` (and `:validFrom` when given), so a second import
//! of the same file writes nothing. As for every label write, the store decides the SSE family
//! of the holders again ([`crate::store::write::settle::reclassify_in`]): an ESUS agreement
//! or a SCIC label can classify a company or an unresolved organisation.

use std::{collections::HashMap, path::Path};

use chrono::NaiveDate;
use entity::enums::LabelKind;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::Value;
use uuid::Uuid;

use super::{
    ImportError, Progress, RejectLine, RejectReport, Rejected, Summary,
    table::{Header, Row, Rows},
};
use crate::{
    domain::{Siren, Siret, text::fold_for_search},
    store::{
        DbContext,
        write::Writer,
        write::establishment::ensure_sirets_in,
        write::label::{LabelFields, upsert_in},
        write::{
            classification::classifications,
            register::{ensure_sirens_in, organisation_ids_by_siren},
        },
    },
};

/// The default source of imported labels and of the minimal records created for them.
pub const SOURCE: &str = "labels";

/// The columns read, each under any of the names listed (compared case-, accent- and
/// punctuation-insensitively): `(what, names)`.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("siren", &["siren"]),
    ("siret", &["siret"]),
    (
        "kind",
        &[
            "label kind",
            "kind",
            "label",
            "type",
            "type label",
            "agrement",
            "type agrement",
            "type d agrement",
            "nature",
        ],
    ),
    (
        "issuer",
        &["issuer", "emetteur", "delivre par", "organisme", "autorite"],
    ),
    (
        "valid_from",
        &[
            "valid from",
            "date debut",
            "date de debut",
            "debut",
            "date obtention",
            "date agrement",
            "date d obtention",
            "valide du",
        ],
    ),
    (
        "valid_until",
        &[
            "valid until",
            "valid to",
            "date fin",
            "date de fin",
            "fin",
            "date expiration",
            "date d expiration",
            "valide au",
        ],
    ),
    ("source_id", &["source id", "id", "identifiant", "external id"]),
    ("reference", &["reference", "numero agrement", "numero"]),
    ("evidence_url", &["evidence url", "url", "lien"]),
    ("name", &["name", "nom", "raison sociale", "denomination"]),
];

/// How a labels import runs.
#[derive(Debug, Clone)]
pub struct LabelsOptions {
    /// Source of the labels and of the minimal records created.
    pub source: String,
    /// Records per transaction.
    pub batch_size: usize,
    /// No progress lines (tests).
    pub quiet: bool,
}

impl Default for LabelsOptions {
    fn default() -> Self {
        Self {
            source: SOURCE.to_owned(),
            batch_size: super::BATCH_SIZE,
            quiet: false,
        }
    }
}

/// Counts of a labels import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelsSummary {
    /// The labels.
    pub labels: Summary,
    /// Organisations whose SSE family or its basis changed.
    pub reclassified: u64,
}

impl std::fmt::Display for LabelsSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, organisations reclassified {}", self.labels, self.reclassified)
    }
}

/// The label kind a cell names: a `label_kind` value (`siae_aci`) or a common spelling
/// (`ESUS`, `SIAE - ACI`, `Entreprise adaptée`, `ESAT`), case-, accent- and
/// punctuation-insensitive.
pub fn parse_label_kind(value: &str) -> Result<LabelKind, String> {
    let folded = fold_for_search(value);
    let compact: String = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = compact.split(' ').collect();
    // "SIAE - ACI", "SIAE ACI", "siae_aci": the kind after the SIAE prefix.
    let key = match words.as_slice() {
        ["siae", rest @ ..] if !rest.is_empty() => rest.join(" "),
        ["agrement", rest @ ..] if !rest.is_empty() => rest.join(" "),
        _ => compact.clone(),
    };
    let kind = match key.as_str() {
        "esus" | "entreprise solidaire d utilite sociale" => LabelKind::Esus,
        "ei" | "entreprise d insertion" => LabelKind::SiaeEi,
        "ai" | "association intermediaire" => LabelKind::SiaeAi,
        "aci"
        | "atelier chantier d insertion"
        | "atelier et chantier d insertion"
        | "ateliers et chantiers d insertion" => LabelKind::SiaeAci,
        "etti" | "entreprise de travail temporaire d insertion" => LabelKind::SiaeEtti,
        "eiti" | "entreprise d insertion par le travail independant" => LabelKind::SiaeEiti,
        "geiq" | "groupement d employeurs pour l insertion et la qualification" => LabelKind::Geiq,
        "ea" | "entreprise adaptee" => LabelKind::Ea,
        "eatt" | "entreprise adaptee de travail temporaire" => LabelKind::Eatt,
        "esat"
        | "etablissement et service d aide par le travail"
        | "etablissement ou service d aide par le travail" => LabelKind::Esat,
        "scop" | "societe cooperative et participative" | "societe cooperative ouvriere de production" => {
            LabelKind::Scop
        }
        "scic" | "societe cooperative d interet collectif" => LabelKind::Scic,
        "cae" | "cooperative d activite et d emploi" => LabelKind::Cae,
        "societe a mission" => LabelKind::SocieteAMission,
        "rup" | "reconnue d utilite publique" => LabelKind::Rup,
        "ptce" | "ptce member" | "membre ptce" | "membre d un ptce" => LabelKind::PtceMember,
        _ => {
            return Err(
                "unknown label kind (expected ESUS, SIAE - EI/AI/ACI/ETTI/EITI, GEIQ, EA, EATT, ESAT, SCOP, SCIC, \
                        CAE, société à mission, RUP or PTCE, or a label_kind value)"
                    .to_owned(),
            );
        }
    };
    Ok(kind)
}

/// A date `YYYY-MM-DD` or `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`).
pub fn parse_label_date(value: &str) -> Result<NaiveDate, String> {
    let value = value.trim();
    let day = value.get(..10).unwrap_or(value);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(value, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(value, "%d.%m.%Y"))
        .map_err(|_| "expected a date YYYY-MM-DD or DD/MM/YYYY".to_owned())
        .and_then(|date| {
            if (1900..=2200).contains(&chrono::Datelike::year(&date)) {
                Ok(date)
            } else {
                Err("implausible date (not between 1900 and 2200)".to_owned())
            }
        })
}

/// Who holds a label, as the row says.
#[derive(Debug, Clone)]
enum Holder {
    Siren(Siren),
    Siret(Siret),
}

impl Holder {
    fn siren(&self) -> Siren {
        match self {
            Holder::Siren(siren) => siren.clone(),
            Holder::Siret(siret) => siret.siren(),
        }
    }
}

/// A row ready to write.
struct Prepared {
    position: u64,
    key: String,
    holder: Holder,
    name: Option<String>,
    fields: LabelFields,
}

/// The file's column for each thing read.
struct Columns(HashMap<&'static str, String>);

impl Columns {
    fn find(header: &Header) -> Self {
        let mut found = HashMap::new();
        for (what, names) in COLUMNS {
            for name in *names {
                if let Some(column) = header
                    .names()
                    .iter()
                    .find(|column| fold_for_search(column) == *name || fold_for_search(column) == name.replace(' ', ""))
                {
                    found.insert(*what, column.clone());
                    break;
                }
            }
        }
        Self(found)
    }

    fn get<'r>(&self, header: &Header, row: &'r csv::StringRecord, what: &str) -> Option<&'r str> {
        header.get(row, self.0.get(what)?)
    }

    fn name(&self, what: &str) -> String {
        self.0.get(what).cloned().unwrap_or_else(|| what.to_owned())
    }
}

/// Reads one row: the label, or `None` when rejected whole; rejections pushed to `rejects`.
fn prepare(
    header: &Header,
    columns: &Columns,
    row: &csv::StringRecord,
    position: u64,
    rejects: &mut Vec<RejectLine>,
) -> Option<Prepared> {
    let mut record = format!("#{position}");
    let mut reject = |record: &str, what: &str, reason: String, rejected: Rejected| {
        let column = columns.name(what);
        rejects.push(RejectLine {
            record: record.to_owned(),
            position,
            field: column.clone(),
            value: Value::String(header.raw(row, &column).to_owned()),
            reason,
            rejected,
        });
    };
    // The holder: a valid SIRET, else a valid SIREN; an invalid one beside a valid one is
    // rejected as a field, both invalid or absent reject the row.
    let siret = columns.get(header, row, "siret").map(Siret::parse);
    let siren = columns.get(header, row, "siren").map(Siren::parse);
    let holder = match (&siren, &siret) {
        (Some(Ok(siren)), Some(Ok(siret))) if siret.siren() != *siren => {
            reject(
                siret.as_str(),
                "siret",
                format!("SIRET {siret} does not belong to SIREN {siren}"),
                Rejected::Record,
            );
            return None;
        }
        (_, Some(Ok(siret))) => Holder::Siret(siret.clone()),
        (Some(Ok(siren)), _) => Holder::Siren(siren.clone()),
        _ => {
            let reasons: Vec<String> = [
                ("SIREN", &siren.as_ref().and_then(|r| r.as_ref().err())),
                ("SIRET", &siret.as_ref().and_then(|r| r.as_ref().err())),
            ]
            .into_iter()
            .filter_map(|(what, error)| error.map(|e| format!("invalid {what}: {}", e.reason)))
            .collect();
            let reason = if reasons.is_empty() {
                "no SIREN or SIRET: the holder is unknown".to_owned()
            } else {
                format!("{}: the holder is unknown", reasons.join("; "))
            };
            let what = if matches!(siren, Some(Err(_))) || siret.is_none() {
                "siren"
            } else {
                "siret"
            };
            reject(&record, what, reason, Rejected::Record);
            return None;
        }
    };
    record = match &holder {
        Holder::Siret(siret) => siret.as_str().to_owned(),
        Holder::Siren(siren) => siren.as_str().to_owned(),
    };
    match (&holder, &siren, &siret) {
        (Holder::Siret(_), Some(Err(error)), _) => {
            reject(
                &record,
                "siren",
                format!("invalid SIREN: {}", error.reason),
                Rejected::Field,
            );
        }
        (Holder::Siren(_), _, Some(Err(error))) => {
            reject(
                &record,
                "siret",
                format!("invalid SIRET: {}", error.reason),
                Rejected::Field,
            );
        }
        _ => {}
    }
    let siren = holder.siren();
    let kind = match columns.get(header, row, "kind").map(parse_label_kind) {
        Some(Ok(kind)) => kind,
        Some(Err(reason)) => {
            reject(&record, "kind", reason, Rejected::Record);
            return None;
        }
        None => {
            reject(&record, "kind", "missing label kind".to_owned(), Rejected::Record);
            return None;
        }
    };
    let mut date = |what: &str| match columns.get(header, row, what).map(parse_label_date) {
        Some(Ok(date)) => Some(date),
        Some(Err(reason)) => {
            reject(&record, what, reason, Rejected::Field);
            None
        }
        None => None,
    };
    let valid_from = date("valid_from");
    let mut valid_to = date("valid_until");
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && to < from
    {
        reject(
            &record,
            "valid_until",
            format!("before the start of validity {from}"),
            Rejected::Field,
        );
        valid_to = None;
    }
    let evidence_url = columns.get(header, row, "evidence_url").map(str::to_owned);
    let evidence_url = match evidence_url {
        Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => {
            reject(
                &record,
                "evidence_url",
                "expected an http(s):// URL".to_owned(),
                Rejected::Field,
            );
            None
        }
        url => url,
    };
    let key = match columns.get(header, row, "source_id") {
        Some(id) => id.chars().take(200).collect(),
        None => {
            let kind_name = sea_orm::ActiveEnum::to_value(&kind);
            match valid_from {
                Some(from) => format!("{}:{kind_name}:{from}", siren.as_str()),
                None => format!("{}:{kind_name}", siren.as_str()),
            }
        }
    };
    Some(Prepared {
        position,
        key: key.clone(),
        name: columns.get(header, row, "name").map(str::to_owned),
        holder,
        fields: LabelFields {
            external_id: key,
            organisation_id: Uuid::nil(),
            kind,
            issuer: columns.get(header, row, "issuer").map(str::to_owned),
            reference: columns.get(header, row, "reference").map(str::to_owned),
            valid_from,
            valid_to,
            evidence_url,
            source_updated_at: None,
        },
    })
}

/// Imports the label list at `path` into `db`, writing rejections to `report`; returns the
/// counts. Bad rows never stop the run; an unreadable file or a database failure does
/// (batches already written stay written).
pub async fn import_labels(
    db: &DatabaseConnection,
    path: &Path,
    options: &LabelsOptions,
    report: &mut RejectReport,
) -> Result<LabelsSummary, ImportError> {
    let input = super::open_input(path)?;
    let mut progress = Progress::of_input(&format!("labels {}", path.display()), &input, options.quiet);
    let batch_size = options.batch_size.max(1);
    let mut rows = Rows::open(input, None, batch_size * 2, "labels").await?;
    let columns = Columns::find(&rows.header);
    for what in ["kind"] {
        if !columns.0.contains_key(what) {
            return Err(ImportError::Format(format!(
                "the labels file has no label kind column (one of {:?}); columns: {}",
                COLUMNS
                    .iter()
                    .find(|(w, _)| *w == what)
                    .map_or(&[][..], |(_, names)| *names),
                rows.header.names().join(", ")
            )));
        }
    }
    if !columns.0.contains_key("siren") && !columns.0.contains_key("siret") {
        return Err(ImportError::Format(format!(
            "the labels file has no siren or siret column; columns: {}",
            rows.header.names().join(", ")
        )));
    }
    let writer = super::run_writer(&options.source);
    let mut summary = LabelsSummary::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut batch: Vec<Prepared> = Vec::with_capacity(batch_size);
    let mut rejects: Vec<RejectLine> = Vec::new();
    while let Some(Row { position, record }) = rows.receiver.recv().await {
        let labels = &mut summary.labels;
        labels.read += 1;
        progress.update(labels.read);
        let prepared = match record {
            Ok(row) => prepare(&rows.header, &columns, &row, position, &mut rejects),
            Err(reason) => {
                rejects.push(super::unreadable(position, reason));
                None
            }
        };
        super::report_all(rejects.drain(..), labels, report)?;
        let Some(prepared) = prepared else {
            continue;
        };
        if let Some(first) = seen.get(&prepared.key) {
            labels.rejected += 1;
            report.write(&RejectLine::whole_record(
                prepared.key.clone(),
                position,
                format!("duplicate of the label at position {first} (same holder, kind and start, or same id)"),
            ))?;
            continue;
        }
        seen.insert(prepared.key.clone(), position);
        batch.push(prepared);
        if batch.len() >= batch_size {
            flush(db, &writer, &options.source, &mut batch, &mut summary, report).await?;
        }
    }
    flush(db, &writer, &options.source, &mut batch, &mut summary, report).await?;
    progress.finish(summary.labels.read);
    rows.finish().await?;
    crate::store::refresh_statistics(db).await?;
    Ok(summary)
}

/// Writes a batch in one transaction: minimal records for unknown holders, the labels, then
/// the SSE family of their holders.
async fn flush(
    db: &DatabaseConnection,
    writer: &Writer,
    source: &str,
    batch: &mut Vec<Prepared>,
    summary: &mut LabelsSummary,
    report: &mut RejectReport,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let records = std::mem::take(batch);
    let txn = db.begin().await.context("starting an import batch")?;
    let mut sirets = Vec::new();
    let mut sirens = Vec::new();
    for record in &records {
        match &record.holder {
            Holder::Siret(siret) => sirets.push((siret.clone(), record.name.clone())),
            Holder::Siren(siren) => sirens.push((siren.clone(), record.name.clone())),
        }
    }
    let ensured = ensure_sirets_in(&txn, writer, source, sirets).await?;
    let created = ensure_sirens_in(&txn, writer, source, sirens).await?;
    summary.labels.organisations_created += (ensured.organisations + created) as u64;
    summary.labels.establishments_created += ensured.establishments as u64;
    let keys: Vec<String> = records.iter().map(|r| r.holder.siren().as_str().to_owned()).collect();
    let holders = organisation_ids_by_siren(&txn, &keys).await?;
    let mut fields = Vec::with_capacity(records.len());
    let mut written = Vec::with_capacity(records.len());
    for record in records {
        let mut label = record.fields;
        let siren = record.holder.siren();
        let Some(id) = holders.get(siren.as_str()) else {
            summary.labels.rejected += 1;
            report.write(&RejectLine {
                record: record.key,
                position: record.position,
                field: "siren".to_owned(),
                value: Value::String(siren.as_str().to_owned()),
                reason: "the organisation holding this SIREN was deleted".to_owned(),
                rejected: Rejected::Record,
            })?;
            continue;
        };
        label.organisation_id = *id;
        written.push((record.key, record.position, *id));
        fields.push(label);
    }
    let candidates: Vec<Uuid> = written.iter().map(|(_, _, holder)| *holder).collect();
    let before = classifications(&txn, &candidates).await?;
    // The store decides the holders' SSE family again as it writes their labels.
    let results = upsert_in(&txn, writer, source, fields).await?;
    let after = classifications(&txn, &candidates).await?;
    summary.reclassified += after.iter().filter(|(id, now)| before.get(*id) != Some(*now)).count() as u64;
    let records: Vec<(String, u64)> = written
        .iter()
        .map(|(key, position, _)| (key.clone(), *position))
        .collect();
    super::tally(results, &records, &mut summary.labels, report)?;
    txn.commit().await.context("committing an import batch")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use super::*;

    #[test]
    fn label_kinds_in_common_spellings() {
        for (text, kind) in [
            ("ESUS", LabelKind::Esus),
            ("Agrément ESUS", LabelKind::Esus),
            ("SIAE - ACI", LabelKind::SiaeAci),
            ("siae_aci", LabelKind::SiaeAci),
            ("Atelier et chantier d'insertion", LabelKind::SiaeAci),
            ("SIAE – ETTI", LabelKind::SiaeEtti),
            ("EA", LabelKind::Ea),
            ("Entreprise adaptée", LabelKind::Ea),
            ("ESAT", LabelKind::Esat),
            ("esat", LabelKind::Esat),
            ("SCIC", LabelKind::Scic),
            ("Société à mission", LabelKind::SocieteAMission),
            ("societe_a_mission", LabelKind::SocieteAMission),
            ("ptce_member", LabelKind::PtceMember),
        ] {
            assert_eq!(parse_label_kind(text), Ok(kind), "{text}");
        }
        assert!(parse_label_kind("Label bio").is_err());
        assert!(parse_label_kind("SIAE").is_err());
    }

    #[test]
    fn label_dates_iso_or_french() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        for text in [
            "2024-03-01",
            "01/03/2024",
            "1/3/2024",
            "01-03-2024",
            "2024-03-01T00:00:00",
        ] {
            assert_eq!(parse_label_date(text), Ok(day), "{text}");
        }
        assert!(parse_label_date("31/02/2024").is_err());
        assert!(parse_label_date("mars 2024").is_err());
        assert!(parse_label_date("01/03/0024").is_err());
    }
}
