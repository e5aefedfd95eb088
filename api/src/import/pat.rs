//! `terrasse import pat FILE.csv`: the national list of territorial food projects (Projets
//! Alimentaires Territoriaux): a CSV separated by `;` (or `,`, detected), UTF-8 or
//! Windows-1252 (read row by row: a row that is not UTF-8 is read as Windows-1252), plain or
//! gzip, with the columns `id;lien_vers_la_fiche_pat;nom_administratif;nom_usuel;regions;
//! departement;epci;communes_code_insee` (found by name).
//!
//! A project is keyed by its `id`: a second import of the same file writes nothing, a changed
//! row updates the project and replaces its communes. Communes are comma-separated COG codes
//! (a commune can be in several projects); a 4-digit code lost its leading zero in a
//! spreadsheet and is read with it. A code that is malformed or names no commune is reported
//! and the project kept with its other communes; a row without an id or a name, or repeating
//! an id, is rejected whole. Cells reading `None` are empty.

use std::{collections::HashMap, path::Path};

use chrono::Utc;
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::{
    ImportError, Progress, RejectLine, RejectReport, Rejected, Summary,
    table::{Columns, Header, Row, Rows, commune_id, require, value_of},
};
use crate::store::{
    DbContext,
    food_projects::{FoodProjectRecord, write},
    write::fields::known_territories,
};

/// The source of the projects of the national list.
pub const SOURCE: &str = "PAT";

/// The columns read, each under any of the names listed: `(what, names)`.
const COLUMNS: &Columns = &[
    ("id", &["id", "identifiant", "id pat"]),
    ("sheet_url", &["lien_vers_la_fiche_pat", "lien", "url"]),
    ("name", &["nom_administratif", "nom administratif", "nom"]),
    ("usual_name", &["nom_usuel", "nom usuel"]),
    ("regions", &["regions", "region"]),
    ("departements", &["departement", "departements"]),
    ("epcis", &["epci", "epcis"]),
    ("communes", &["communes_code_insee", "communes", "code insee communes"]),
];

/// How a PAT import runs.
#[derive(Debug, Clone)]
pub struct PatOptions {
    /// Projects per transaction.
    pub batch_size: usize,
    /// No progress lines (tests).
    pub quiet: bool,
}

impl Default for PatOptions {
    fn default() -> Self {
        Self {
            batch_size: super::BATCH_SIZE,
            quiet: false,
        }
    }
}

/// A row read: the project, its position, and its commune codes not checked yet.
struct Read {
    record: FoodProjectRecord,
    position: u64,
}

/// The commune ids of a `communes_code_insee` cell, in order, without repeats, and the reject
/// lines of the malformed codes.
fn communes(raw: &str, record: &str, position: u64) -> (Vec<String>, Vec<RejectLine>) {
    let (mut ids, mut rejects) = (Vec::new(), Vec::new());
    for code in raw.split([',', ' ', '|']).map(str::trim).filter(|c| !c.is_empty()) {
        let id = match commune_id(code) {
            Ok(id) => id,
            Err(reason) => {
                rejects.push(RejectLine::of(
                    record,
                    position,
                    ("communes_code_insee", Some(code)),
                    reason,
                    Rejected::Field,
                ));
                continue;
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    (ids, rejects)
}

/// Reads one row into a project, or the reject lines of the whole row.
fn read(header: &Header, row: &csv::StringRecord, position: u64, rejects: &mut Vec<RejectLine>) -> Option<Read> {
    let get = |what: &str| value_of(header, COLUMNS, row, what).map(str::to_owned);
    let Some(code) = get("id") else {
        rejects.push(RejectLine::whole_record(
            format!("#{position}"),
            position,
            "the row has no id".to_owned(),
        ));
        return None;
    };
    let usual_name = get("usual_name");
    let Some(name) = get("name").or_else(|| usual_name.clone()) else {
        rejects.push(RejectLine::whole_record(
            code,
            position,
            "the row has no name (nom_administratif or nom_usuel)".to_owned(),
        ));
        return None;
    };
    let sheet_url = match get("sheet_url") {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => Some(url),
        Some(url) => {
            rejects.push(RejectLine::of(
                &code,
                position,
                ("lien_vers_la_fiche_pat", Some(&url)),
                "not an http(s):// URL".to_owned(),
                Rejected::Field,
            ));
            None
        }
        None => None,
    };
    let (communes, bad) = get("communes").map_or_else(Default::default, |raw| communes(&raw, &code, position));
    rejects.extend(bad);
    Some(Read {
        record: FoodProjectRecord {
            code,
            name,
            usual_name,
            sheet_url,
            regions: get("regions"),
            departements: get("departements"),
            epcis: get("epcis"),
            communes,
        },
        position,
    })
}

/// Imports the PAT list at `path`: every project written or reported, never a crash on a bad
/// row.
pub async fn import_pat(
    db: &DatabaseConnection,
    path: &Path,
    options: &PatOptions,
    report: &mut RejectReport,
) -> Result<Summary, ImportError> {
    let input = super::open_input(path)?;
    let mut progress = Progress::of_input(&format!("PAT {}", path.display()), &input, options.quiet);
    let batch_size = options.batch_size.max(1);
    let mut rows = Rows::open_as(input, (None, true), batch_size * 2, "PAT").await?;
    require(&rows.header, COLUMNS, &["id", "communes"], "PAT")?;
    let mut summary = Summary::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut batch: Vec<Read> = Vec::with_capacity(batch_size);
    let mut rejects = Vec::new();
    while let Some(Row { position, record }) = rows.receiver.recv().await {
        summary.read += 1;
        progress.update(summary.read);
        let project = match record {
            Ok(row) => read(&rows.header, &row, position, &mut rejects),
            Err(reason) => {
                rejects.push(super::unreadable(position, reason));
                None
            }
        };
        super::report_all(rejects.drain(..), &mut summary, report)?;
        let Some(project) = project else { continue };
        if let Some(first) = seen.get(&project.record.code) {
            summary.rejected += 1;
            report.write(&RejectLine::whole_record(
                project.record.code.clone(),
                position,
                format!("duplicate of the project at position {first} (same id)"),
            ))?;
            continue;
        }
        seen.insert(project.record.code.clone(), position);
        batch.push(project);
        if batch.len() >= batch_size {
            flush(db, &mut batch, &mut summary, report).await?;
        }
    }
    flush(db, &mut batch, &mut summary, report).await?;
    progress.finish(summary.read);
    rows.finish().await?;
    Ok(summary)
}

/// Writes a batch in one transaction, once the communes that name no known commune are
/// reported and left out.
async fn flush(
    db: &DatabaseConnection,
    batch: &mut Vec<Read>,
    summary: &mut Summary,
    report: &mut RejectReport,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut projects = std::mem::take(batch);
    let txn = db.begin().await.context("starting an import batch")?;
    let named = projects
        .iter()
        .flat_map(|p| p.record.communes.iter().cloned())
        .collect();
    let known = known_territories(&txn, named, "checking the communes of food projects").await?;
    for project in &mut projects {
        let (code, position) = (project.record.code.clone(), project.position);
        let mut unknown = Vec::new();
        project.record.communes.retain(|id| {
            known.contains(id) || {
                unknown.push(id.clone());
                false
            }
        });
        project.record.communes.sort();
        for id in unknown {
            summary.rejected_fields += 1;
            report.write(&RejectLine::of(
                &code,
                position,
                ("communes_code_insee", Some(id.trim_start_matches("COM:"))),
                "no commune of the COG has this code".to_owned(),
                Rejected::Field,
            ))?;
        }
    }
    let statuses = write(
        &txn,
        SOURCE,
        projects.into_iter().map(|p| p.record).collect(),
        Utc::now(),
    )
    .await?;
    txn.commit().await.context("committing an import batch")?;
    summary.count(statuses);
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn commune_codes_are_read_with_their_leading_zero_and_repeats_dropped() {
        let (ids, rejects) = communes("13055, 1001,2A004 ,13055,ABCDE,123", "PAT-1", 3);
        assert_eq!(ids, ["COM:13055", "COM:01001", "COM:2A004"]);
        let refused: Vec<&Value> = rejects.iter().map(|r| &r.value).collect();
        assert_eq!(refused, [&Value::from("ABCDE"), &Value::from("123")]);
        assert!(rejects.iter().all(|r| r.rejected == Rejected::Field && r.position == 3));
    }
}
