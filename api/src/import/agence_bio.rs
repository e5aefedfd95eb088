//! `terrasse import agence-bio FILE.json`: the organic operators of the Agence Bio, as its API
//! "Professionnels BIO" answers them: one or more pages `{"nbTotal": …, "items": [operator…]}`
//! one after the other in the file (as fetched page by page), a JSON array of operators, or one
//! operator per line; plain or gzip. Read value by value, never whole.
//!
//! Each operator (`numeroBio`) becomes an **organic operator** with its sales channels
//! (`categories`), the commune and point of its head office (else its first active address),
//! its certification state and productions. One with a valid SIRET also gets, on its
//! organisation (created minimal and unresolved when unknown, as for labels), a **label** `BIO`
//! (issuer: the certifying body; valid from its engagement, to its stop or suspension) and an
//! **identifier** `NUMERO_BIO`, written through the write engine in the source `agence-bio`.
//! Known dirt: the text `None` for missing values, invisible characters in SIRETs (removed).

use std::{collections::HashMap, io::Read, path::Path};

use chrono::{NaiveDate, Utc};
use entity::{
    enums::{IdScheme, LabelKind},
    organic_operator,
};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::Value;
use uuid::Uuid;

use super::{ImportError, Progress, RejectLine, RejectReport, Rejected, Summary, table::commune_id};
use crate::{
    domain::{Siret, text::fold_for_search},
    store::{
        DbContext, organic,
        write::{
            establishment::ensure_sirets_in,
            fields::known_territories,
            identifier::{self, IdentifierFields},
            label::{self, LabelFields},
            register::organisation_ids_by_siren,
        },
    },
};

/// The source of the operators and of their labels and identifiers.
pub const SOURCE: &str = "agence-bio";

/// Operators per transaction.
const BATCH: usize = 500;

/// Counts of an Agence Bio import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgenceBioSummary {
    /// The operators.
    pub operators: Summary,
    /// Their `BIO` labels.
    pub labels: Summary,
    /// Their `NUMERO_BIO` identifiers.
    pub identifiers: Summary,
}

impl std::fmt::Display for AgenceBioSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "operators: {}; labels: {}; identifiers: {}",
            self.operators, self.labels, self.identifiers
        )
    }
}

/// The stored sales channel of an Agence Bio category (its names in the API and common
/// spellings).
pub fn channel(category: &str) -> Option<&'static str> {
    let folded = fold_for_search(category);
    let starts = |prefix: &str| folded.starts_with(prefix);
    Some(if starts("vente") {
        "vente_directe"
    } else if starts("artisan") {
        "artisan_commercant"
    } else if starts("magasin") {
        "magasin_specialise"
    } else if starts("grande") || folded == "gms" {
        "gms"
    } else if starts("grossiste") {
        "grossiste"
    } else if starts("restaura") {
        "restaurant"
    } else {
        return None;
    })
}

/// A text field, `None` when absent, null, empty or the text `None`.
fn text<'v>(value: &'v Value, field: &str) -> Option<&'v str> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"))
}

/// A day from a date or time text (`2019-01-24`, `2019-01-24T15:33:21.000Z`).
fn day(value: &Value, field: &str) -> Option<NaiveDate> {
    text(value, field).and_then(|t| NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d").ok())
}

/// A SIRET without the spaces and invisible characters exports leave in it.
fn cleaned(raw: &str) -> String {
    raw.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}')))
        .collect()
}

/// One operator read, with the label and identifier it gives.
struct Operator {
    row: organic_operator::Model,
    position: u64,
    label: Option<LabelFields>,
}

/// Reads one operator; the reasons of what is refused go to `rejects`.
fn operator(value: &Value, position: u64, rejects: &mut Vec<RejectLine>) -> Option<Operator> {
    let numero = match value.get("numeroBio") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("none") => {
            Some(s.trim().to_owned())
        }
        _ => None,
    };
    let record = numero.clone().unwrap_or_else(|| format!("#{position}"));
    let mut refuse = |field: &str, value: Option<&str>, reason: String, rejected: Rejected| {
        rejects.push(RejectLine::of(&record, position, (field, value), reason, rejected));
    };
    let Some(numero) = numero.filter(|n| n.chars().count() <= 100) else {
        refuse(
            "numeroBio",
            None,
            "the operator has no numeroBio".into(),
            Rejected::Record,
        );
        return None;
    };
    let siret = text(value, "siret").and_then(|raw| match Siret::parse(&cleaned(raw)) {
        Ok(siret) => Some(siret.as_str().to_owned()),
        Err(error) => {
            refuse("siret", Some(raw), error.reason, Rejected::Field);
            None
        }
    });
    let mut channels: Vec<&str> = Vec::new();
    for category in value.get("categories").and_then(Value::as_array).into_iter().flatten() {
        let name = category
            .get("nom")
            .and_then(Value::as_str)
            .or(category.as_str())
            .unwrap_or_default();
        match channel(name) {
            Some(c) if !channels.contains(&c) => channels.push(c),
            Some(_) => {}
            None => refuse(
                "categories",
                Some(name),
                "not a sales channel of the Agence Bio".into(),
                Rejected::Field,
            ),
        }
    }
    channels.sort_unstable();
    let addresses: Vec<&Value> = value
        .get("adressesOperateurs")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let active = |a: &&Value| a.get("active").and_then(Value::as_bool) != Some(false);
    let head_office = |a: &&Value| {
        a.get("typeAdresseOperateurs")
            .and_then(Value::as_array)
            .is_some_and(|t| {
                t.iter()
                    .any(|t| t.as_str().is_some_and(|t| fold_for_search(t).starts_with("siege")))
            })
    };
    let address = addresses
        .iter()
        .copied()
        .filter(|a| active(a))
        .find(|a| head_office(a))
        .or_else(|| addresses.iter().copied().find(|a| active(a)));
    let commune = address
        .and_then(|a| text(a, "codeCommune"))
        .and_then(|code| match commune_id(code) {
            Ok(id) => Some(id),
            Err(reason) => {
                refuse("adressesOperateurs.codeCommune", Some(code), reason, Rejected::Field);
                None
            }
        });
    let coordinate = |field: &str, limit: f64| {
        address
            .and_then(|a| a.get(field))
            .and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
            .filter(|v| v.is_finite() && v.abs() <= limit)
    };
    let certificates: Vec<&Value> = value
        .get("certificats")
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let certificate = certificates
        .iter()
        .find(|c| text(c, "etatCertification") == Some("ENGAGEE"))
        .or_else(|| certificates.first())
        .copied();
    let certification = certificate
        .and_then(|c| text(c, "etatCertification"))
        .map(str::to_owned);
    let engaged_on = certificate.and_then(|c| day(c, "dateEngagement"));
    let stopped_on = certificate.and_then(|c| day(c, "dateArret").or_else(|| day(c, "dateSuspension")));
    let productions: Vec<&str> = value
        .get("productions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| text(p, "nom"))
        .collect();
    let name = text(value, "denominationcourante")
        .or_else(|| text(value, "raisonSociale"))
        .map_or_else(|| format!("Opérateur bio {numero}"), str::to_owned);
    let now = Utc::now();
    let label = siret.as_ref().map(|_| LabelFields {
        external_id: format!("bio:{numero}"),
        organisation_id: Uuid::nil(),
        kind: LabelKind::Bio,
        issuer: certificate.and_then(|c| text(c, "organisme")).map(str::to_owned),
        reference: Some(numero.clone()),
        valid_from: engaged_on,
        valid_to: stopped_on
            .filter(|_| certification.as_deref() != Some("ENGAGEE"))
            .filter(|stop| engaged_on.is_none_or(|from| *stop >= from)),
        evidence_url: certificate
            .and_then(|c| text(c, "url"))
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_owned),
        source_updated_at: None,
    });
    Some(Operator {
        row: organic_operator::Model {
            id: Uuid::now_v7(),
            numero_bio: numero,
            siret,
            organisation_id: None,
            name,
            commune_id: commune,
            latitude: coordinate("lat", 90.0),
            longitude: coordinate("long", 180.0),
            categories: channels.join(","),
            certification,
            engaged_on,
            productions: (!productions.is_empty()).then(|| productions.join(", ")),
            source: SOURCE.to_owned(),
            created_at: now,
            updated_at: now,
        },
        position,
        label,
    })
}

/// The operators of one JSON value of the file: a page, an array, or an operator.
fn operators_of(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Object(mut page) if page.contains_key("items") => match page.remove("items") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        other => vec![other],
    }
}

/// Imports the operators at `path`.
pub async fn import_agence_bio(
    db: &DatabaseConnection,
    path: &Path,
    quiet: bool,
    report: &mut RejectReport,
) -> Result<AgenceBioSummary, ImportError> {
    let input = super::open_input(path)?;
    let mut progress = Progress::of_input(&format!("agence bio {}", path.display()), &input, quiet);
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Value, String>>(BATCH * 2);
    let reader = input.reader;
    let reading = tokio::task::spawn_blocking(move || {
        let stream = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader)).into_iter::<Value>();
        for value in stream {
            let value = value.map_err(|e| format!("the Agence Bio file is not JSON: {e}"));
            let stop = value.is_err();
            let items = value.map(operators_of);
            let sent = match items {
                Ok(items) => items.into_iter().all(|item| sender.blocking_send(Ok(item)).is_ok()),
                Err(error) => sender.blocking_send(Err(error)).is_ok(),
            };
            if stop || !sent {
                break;
            }
        }
    });
    let mut summary = AgenceBioSummary::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let (mut batch, mut rejects) = (Vec::new(), Vec::new());
    let mut failure = None;
    while let Some(item) = receiver.recv().await {
        let value = match item {
            Ok(value) => value,
            Err(error) => {
                failure = Some(error);
                break;
            }
        };
        summary.operators.read += 1;
        let position = summary.operators.read;
        progress.update(position);
        let read = operator(&value, position, &mut rejects);
        super::report_all(rejects.drain(..), &mut summary.operators, report)?;
        let Some(read) = read else { continue };
        if let Some(first) = seen.insert(read.row.numero_bio.clone(), position) {
            summary.operators.rejected += 1;
            report.write(&RejectLine::whole_record(
                read.row.numero_bio.clone(),
                position,
                format!("duplicate of the operator at position {first} (same numeroBio)"),
            ))?;
            continue;
        }
        batch.push(read);
        if batch.len() >= BATCH {
            flush(db, &mut batch, &mut summary, report).await?;
        }
    }
    flush(db, &mut batch, &mut summary, report).await?;
    progress.finish(summary.operators.read);
    reading
        .await
        .map_err(|e| ImportError::Format(format!("the Agence Bio reader stopped: {e}")))?;
    if let Some(error) = failure {
        return Err(ImportError::Format(error));
    }
    Ok(summary)
}

/// Writes a batch in one transaction: organisations for unknown SIRETs, the operators, then
/// their labels and identifiers through the engine.
async fn flush(
    db: &DatabaseConnection,
    batch: &mut Vec<Operator>,
    summary: &mut AgenceBioSummary,
    report: &mut RejectReport,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut operators = std::mem::take(batch);
    let writer = super::run_writer(SOURCE);
    let txn = db.begin().await.context("starting an import batch")?;
    let named = operators.iter().filter_map(|o| o.row.commune_id.clone()).collect();
    let known = known_territories(&txn, named, "checking the communes of organic operators").await?;
    let sirets: Vec<(Siret, Option<String>)> = operators
        .iter()
        .filter_map(|o| {
            o.row
                .siret
                .as_deref()
                .and_then(|s| Siret::parse(s).ok())
                .map(|s| (s, Some(o.row.name.clone())))
        })
        .collect();
    let sirens: Vec<String> = sirets.iter().map(|(s, _)| s.siren().as_str().to_owned()).collect();
    let ensured = ensure_sirets_in(&txn, &writer, SOURCE, sirets).await?;
    summary.operators.organisations_created += ensured.organisations as u64;
    summary.operators.establishments_created += ensured.establishments as u64;
    let holders = organisation_ids_by_siren(&txn, &sirens).await?;
    let (mut labels, mut identifiers, mut records) = (Vec::new(), Vec::new(), Vec::new());
    for operator in &mut operators {
        operator.row.commune_id = operator.row.commune_id.take().filter(|id| known.contains(id));
        let holder = operator.row.siret.as_ref().and_then(|s| holders.get(&s[..9]).copied());
        operator.row.organisation_id = holder;
        if let (Some(holder), Some(label)) = (holder, operator.label.take()) {
            labels.push(LabelFields {
                organisation_id: holder,
                ..label
            });
            identifiers.push(IdentifierFields {
                external_id: format!("numero-bio:{}", operator.row.numero_bio),
                organisation_id: holder,
                scheme: IdScheme::NumeroBio,
                value: operator.row.numero_bio.clone(),
                source_updated_at: None,
            });
            records.push((operator.row.numero_bio.clone(), operator.position));
        }
    }
    let statuses = organic::write(&txn, operators.into_iter().map(|o| o.row).collect(), Utc::now()).await?;
    let label_results = label::upsert_in(&txn, &writer, SOURCE, labels).await?;
    let identifier_results = identifier::upsert_in(&txn, &writer, SOURCE, identifiers).await?;
    txn.commit().await.context("committing an import batch")?;
    summary.operators.count(statuses);
    super::tally(label_results, &records, &mut summary.labels, report)?;
    super::tally(identifier_results, &records, &mut summary.identifiers, report)?;
    summary.labels.read += records.len() as u64;
    summary.identifiers.read += records.len() as u64;
    Ok(())
}

/// Reads a whole small Agence Bio file (tests and tools): its operators.
pub fn read_all(reader: impl Read) -> Result<Vec<Value>, String> {
    serde_json::Deserializer::from_reader(reader)
        .into_iter::<Value>()
        .map(|v| v.map(operators_of).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()
        .map(|pages| pages.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_dirty_sirets_read_as_meant() {
        assert_eq!(channel("Vente aux consommateurs"), Some("vente_directe"));
        assert_eq!(channel("Vente directe"), Some("vente_directe"));
        assert_eq!(channel("Grandes surfaces généralistes"), Some("gms"));
        assert_eq!(channel("GMS"), Some("gms"));
        assert_eq!(channel("Artisans/commerçants"), Some("artisan_commercant"));
        assert_eq!(channel("Magasins spécialisés"), Some("magasin_specialise"));
        assert_eq!(channel("Restaurants"), Some("restaurant"));
        assert_eq!(channel("Télépathie"), None);
        assert_eq!(cleaned("\u{FEFF}813 073 301\u{200B}00018 "), "81307330100018");
        let pages = read_all(&br#"{"nbTotal":"1","items":[{"numeroBio":1}]} [{"numeroBio":2}] {"numeroBio":3}"#[..]);
        assert_eq!(pages.map(|p| p.len()), Ok(3));
    }
}
