//! `terrasse import canteens FILE.csv` and `terrasse import canteen-declarations FILE.csv`: the
//! canteens' national register and its yearly declarations, in their open-data exports (`;`
//! CSV, UTF-8 with a byte-order mark, or Windows-1252 rows; columns found by name, since they
//! change between versions of the export).
//!
//! A canteen is keyed by SIRET (re-importing changes nothing). A canteen supplied by a central
//! kitchen (`central_producer_siret`) gets a supply link from that kitchen (evidence
//! `CENTRAL_KITCHEN`, no intermediary, product family `OTHER`: meals, from the canteen's
//! registration day), written through the write engine in the source `canteens`, keyed by the
//! canteen's SIRET: it is refused (and reported) while either SIRET is no known establishment.
//! A declaration is keyed by canteen and year and needs the canteen in the register.

use std::{collections::HashMap, path::Path};

use chrono::{NaiveDate, Utc};
use entity::{
    canteen_declaration,
    enums::{ProductFamily, SupplyChannel, SupplyEvidence},
};
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::{
    ImportError, Progress, RejectLine, RejectReport, Rejected, Summary,
    table::{Columns, Header, Row, Rows, commune_id, require, value_of},
};
use crate::{
    domain::Siret,
    store::{
        DbContext,
        canteens::{CanteenRecord, ids_by_siret, write, write_declarations},
        write::{fields::known_territories, supply_link::SupplyLinkFields},
    },
};

/// The source of the register's canteens and of their central-kitchen links.
pub const SOURCE: &str = "canteens";

/// The register's columns.
const REGISTER: &Columns = &[
    ("id", &["id"]),
    ("siret", &["siret"]),
    ("name", &["name", "nom"]),
    ("commune", &["city_insee_code", "code_insee_commune"]),
    ("economic_model", &["economic_model"]),
    ("management_type", &["management_type"]),
    ("production_type", &["production_type"]),
    ("central_kitchen", &["central_producer_siret", "central_kitchen_siret"]),
    ("daily_meals", &["daily_meal_count"]),
    ("yearly_meals", &["yearly_meal_count"]),
    ("sectors", &["sector_list", "sectors"]),
    ("line_ministry", &["line_ministry"]),
    ("created", &["creation_date"]),
];

/// The declarations' columns.
const DECLARATIONS: &Columns = &[
    ("year", &["year", "annee"]),
    ("siret", &["canteen_siret", "siret"]),
    ("mode", &["teledeclaration_mode"]),
    ("type", &["teledeclaration_type"]),
    ("organic", &["teledeclaration_ratio_bio", "ratio_bio"]),
    (
        "egalim",
        &["teledeclaration_ratio_egalim_hors_bio", "ratio_egalim_hors_bio"],
    ),
];

/// Counts of a register import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CanteensSummary {
    /// The canteens.
    pub canteens: Summary,
    /// Their central-kitchen supply links.
    pub kitchen_links: Summary,
}

impl std::fmt::Display for CanteensSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "canteens: {}; central kitchen links: {}",
            self.canteens, self.kitchen_links
        )
    }
}

/// Reports a rejected field: `(column, value)` and why.
type FieldRejection<'a> = dyn FnMut((&str, Option<&str>), String) + 'a;

/// One register row, or the reason it is refused whole (reported in `rejects`), and its
/// field rejections.
fn canteen(
    header: &Header,
    row: &csv::StringRecord,
    position: u64,
    rejects: &mut Vec<RejectLine>,
) -> Option<CanteenRecord> {
    let get = |what: &str| value_of(header, REGISTER, row, what);
    let record = get("siret")
        .or(get("id"))
        .map_or_else(|| format!("#{position}"), str::to_owned);
    let siret = match get("siret").map(Siret::parse) {
        Some(Ok(siret)) => siret.as_str().to_owned(),
        Some(Err(error)) => {
            rejects.push(RejectLine::of(
                &record,
                position,
                ("siret", get("siret")),
                error.reason,
                Rejected::Record,
            ));
            return None;
        }
        None => {
            rejects.push(RejectLine::of(
                &record,
                position,
                ("siret", None),
                "the canteen has no SIRET".into(),
                Rejected::Record,
            ));
            return None;
        }
    };
    let mut field = |(name, value): (&str, Option<&str>), reason: String| {
        rejects.push(RejectLine::of(
            &record,
            position,
            (name, value),
            reason,
            Rejected::Field,
        ));
    };
    let one_of = |what: &str, allowed: &[&str], field: &mut FieldRejection<'_>| {
        let value = get(what)?;
        let folded = value.to_ascii_lowercase();
        if allowed.contains(&folded.as_str()) {
            Some(folded)
        } else {
            field(
                (names_column(what), Some(value)),
                format!("not one of {}", allowed.join(", ")),
            );
            None
        }
    };
    let economic_model = one_of("economic_model", &["public", "private"], &mut field);
    let management_type = one_of("management_type", &["direct", "conceded"], &mut field);
    let production_type = one_of(
        "production_type",
        &["central", "central_serving", "site", "site_cooked_elsewhere"],
        &mut field,
    );
    let commune = get("commune").and_then(|code| match commune_id(code) {
        Ok(id) => Some(id),
        Err(reason) => {
            field(("city_insee_code", Some(code)), reason);
            None
        }
    });
    let central_kitchen_siret = get("central_kitchen").and_then(|raw| match Siret::parse(raw) {
        Ok(siret) => Some(siret.as_str().to_owned()),
        Err(error) => {
            field(("central_producer_siret", Some(raw)), error.reason);
            None
        }
    });
    let mut meals = |what: &str, column: &str| {
        get(what).and_then(|raw| match raw.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                field((column, Some(raw)), "not a whole number of meals, 0 or more".into());
                None
            }
        })
    };
    let daily_meals = meals("daily_meals", "daily_meal_count");
    let yearly_meals = meals("yearly_meals", "yearly_meal_count");
    let registered_on = get("created").and_then(|raw| match super::labels::parse_label_date(raw) {
        Ok(day) => Some(day),
        Err(reason) => {
            field(("creation_date", Some(raw)), reason);
            None
        }
    });
    Some(CanteenRecord {
        name: get("name").map_or_else(|| format!("Cantine {siret}"), str::to_owned),
        siret,
        register_id: get("id").map(str::to_owned),
        commune_id: commune,
        economic_model,
        management_type,
        production_type,
        central_kitchen_siret,
        daily_meals,
        yearly_meals,
        sectors: get("sectors").map(str::to_owned),
        line_ministry: get("line_ministry").map(str::to_owned),
        registered_on,
    })
}

/// The first column name `what` is read under, for reports.
fn names_column(what: &str) -> &'static str {
    super::table::names_of(REGISTER, what)
        .first()
        .copied()
        .unwrap_or("record")
}

/// Imports the register at `path`: the canteens, then their central-kitchen links.
pub async fn import_canteens(
    db: &DatabaseConnection,
    path: &Path,
    quiet: bool,
    report: &mut RejectReport,
) -> Result<CanteensSummary, ImportError> {
    let input = super::open_input(path)?;
    let mut progress = Progress::of_input(&format!("canteens {}", path.display()), &input, quiet);
    let mut rows = Rows::open_as(input, (None, true), 2_000, "canteens").await?;
    require(&rows.header, REGISTER, &["siret"], "canteens")?;
    let mut summary = CanteensSummary::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let (mut batch, mut kitchens, mut rejects) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(Row { position, record }) = rows.receiver.recv().await {
        let canteens = &mut summary.canteens;
        canteens.read += 1;
        progress.update(canteens.read);
        let read = match record {
            Ok(row) => canteen(&rows.header, &row, position, &mut rejects),
            Err(reason) => {
                rejects.push(super::unreadable(position, reason));
                None
            }
        };
        super::report_all(rejects.drain(..), canteens, report)?;
        let Some(read) = read else { continue };
        if let Some(first) = seen.insert(read.siret.clone(), position) {
            canteens.rejected += 1;
            report.write(&RejectLine::whole_record(
                read.siret.clone(),
                position,
                format!("duplicate of the canteen at position {first} (same SIRET)"),
            ))?;
            continue;
        }
        if let Some(kitchen) = &read.central_kitchen_siret {
            match read.registered_on {
                Some(day) => kitchens.push((read.siret.clone(), kitchen.clone(), day, position)),
                None => {
                    canteens.rejected_fields += 1;
                    report.write(&RejectLine::of(
                        &read.siret,
                        position,
                        ("creation_date", None),
                        "no registration day: its central-kitchen link has no start, not written".into(),
                        Rejected::Field,
                    ))?;
                }
            }
        }
        batch.push(read);
        if batch.len() >= super::BATCH_SIZE {
            flush(db, &mut batch, &mut summary.canteens).await?;
        }
    }
    flush(db, &mut batch, &mut summary.canteens).await?;
    progress.finish(summary.canteens.read);
    rows.finish().await?;
    kitchen_links(db, kitchens, &mut summary.kitchen_links, report).await?;
    Ok(summary)
}

/// Writes a batch of canteens in one transaction, once their communes are checked.
async fn flush(
    db: &DatabaseConnection,
    batch: &mut Vec<CanteenRecord>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut records = std::mem::take(batch);
    let txn = db.begin().await.context("starting an import batch")?;
    let named = records.iter().filter_map(|r| r.commune_id.clone()).collect();
    let known = known_territories(&txn, named, "checking the communes of canteens").await?;
    for record in &mut records {
        record.commune_id = record.commune_id.take().filter(|id| known.contains(id));
    }
    let statuses = write(&txn, SOURCE, records, Utc::now()).await?;
    txn.commit().await.context("committing an import batch")?;
    summary.count(statuses);
    Ok(())
}

/// Writes the central-kitchen supply links through the engine; the refused ones are reported.
async fn kitchen_links(
    db: &DatabaseConnection,
    kitchens: Vec<(String, String, NaiveDate, u64)>,
    summary: &mut Summary,
    report: &mut RejectReport,
) -> Result<(), ImportError> {
    let writer = super::run_writer(SOURCE);
    summary.read = kitchens.len() as u64;
    for chunk in kitchens.chunks(crate::store::write::MAX_BULK_ITEMS) {
        let records: Vec<(String, u64)> = chunk.iter().map(|(canteen, .., p)| (canteen.clone(), *p)).collect();
        let items = chunk
            .iter()
            .map(|(canteen, kitchen, day, _)| SupplyLinkFields {
                external_id: format!("central-kitchen:{canteen}"),
                buyer_siret: canteen.clone(),
                supplier_siret: Some(kitchen.clone()),
                supplier_name: None,
                product_family: ProductFamily::Other,
                channel: SupplyChannel::Direct,
                evidence: SupplyEvidence::CentralKitchen,
                contract_uid: None,
                period_start: *day,
                period_end: None,
                amount_cents: None,
                description: Some("meals from the canteen's central kitchen".to_owned()),
                source_updated_at: None,
            })
            .collect();
        let txn = db.begin().await.context("starting a batch of central kitchen links")?;
        let results = crate::store::write::supply_link::upsert_in(&txn, &writer, SOURCE, items).await?;
        txn.commit()
            .await
            .context("committing a batch of central kitchen links")?;
        super::tally(results, &records, summary, report)?;
    }
    Ok(())
}

/// A share read as `0.25` or `0,25` (or `25 %`), between 0 and 1.
fn share(raw: &str) -> Result<f64, String> {
    let (text, percent) = match raw.trim().strip_suffix('%') {
        Some(text) => (text.trim(), true),
        None => (raw.trim(), false),
    };
    let value: f64 = text.replace(',', ".").parse().map_err(|_| "not a number".to_owned())?;
    let value = if percent { value / 100.0 } else { value };
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err("a share must be between 0 and 1".to_owned())
    }
}

/// Imports the yearly declarations at `path`; a declaration of a canteen not in the register
/// is rejected.
pub async fn import_declarations(
    db: &DatabaseConnection,
    path: &Path,
    quiet: bool,
    report: &mut RejectReport,
) -> Result<Summary, ImportError> {
    let input = super::open_input(path)?;
    let mut progress = Progress::of_input(&format!("canteen declarations {}", path.display()), &input, quiet);
    let mut rows = Rows::open_as(input, (None, true), 2_000, "canteen declarations").await?;
    require(&rows.header, DECLARATIONS, &["year", "siret"], "canteen declarations")?;
    let mut summary = Summary::default();
    let mut read: Vec<Declared> = Vec::new();
    let mut seen: HashMap<(String, i16), u64> = HashMap::new();
    while let Some(Row { position, record }) = rows.receiver.recv().await {
        summary.read += 1;
        progress.update(summary.read);
        let row = match record {
            Ok(row) => row,
            Err(reason) => {
                super::report_all([super::unreadable(position, reason)], &mut summary, report)?;
                continue;
            }
        };
        let get = |what: &str| value_of(&rows.header, DECLARATIONS, &row, what);
        let record = get("siret").map_or_else(|| format!("#{position}"), str::to_owned);
        let mut lines = Vec::new();
        let siret = match get("siret").map(Siret::parse) {
            Some(Ok(siret)) => Some(siret.as_str().to_owned()),
            other => {
                let reason = match other {
                    Some(Err(error)) => error.reason,
                    _ => "the canteen's SIRET is missing".to_owned(),
                };
                lines.push(RejectLine::of(
                    &record,
                    position,
                    ("canteen_siret", get("siret")),
                    reason,
                    Rejected::Record,
                ));
                None
            }
        };
        let year = match get("year").map(str::parse::<i16>) {
            Some(Ok(year)) if (2000..=2100).contains(&year) => Some(year),
            _ => {
                lines.push(RejectLine::of(
                    &record,
                    position,
                    ("year", get("year")),
                    "not a year".into(),
                    Rejected::Record,
                ));
                None
            }
        };
        let mut ratio = |what: &str, column: &str| {
            get(what).and_then(|raw| match share(raw) {
                Ok(value) => Some(value),
                Err(reason) => {
                    lines.push(RejectLine::of(
                        &record,
                        position,
                        (column, Some(raw)),
                        reason,
                        Rejected::Field,
                    ));
                    None
                }
            })
        };
        let organic_share = ratio("organic", "teledeclaration_ratio_bio");
        let egalim_share = ratio("egalim", "teledeclaration_ratio_egalim_hors_bio");
        super::report_all(lines, &mut summary, report)?;
        let (Some(siret), Some(year)) = (siret, year) else {
            continue;
        };
        if let Some(first) = seen.insert((siret.clone(), year), position) {
            summary.rejected += 1;
            report.write(&RejectLine::whole_record(
                siret,
                position,
                format!("duplicate of the declaration at position {first} (same canteen and year)"),
            ))?;
            continue;
        }
        if read.len() >= super::BATCH_SIZE {
            write_declared(db, &mut read, &mut summary, report).await?;
        }
        read.push((
            siret,
            year,
            position,
            canteen_declaration::Model {
                canteen_id: uuid::Uuid::nil(),
                year,
                mode: get("mode").map(str::to_owned),
                declaration_type: get("type").map(str::to_owned),
                organic_share,
                egalim_share,
                updated_at: Utc::now(),
            },
        ));
    }
    write_declared(db, &mut read, &mut summary, report).await?;
    progress.finish(summary.read);
    rows.finish().await?;
    Ok(summary)
}

/// A declaration read: the canteen's SIRET, the year, its position and its row (canteen id
/// still unknown).
type Declared = (String, i16, u64, canteen_declaration::Model);

/// Writes a batch of declarations in one transaction; those of canteens not in the register
/// are rejected.
async fn write_declared(
    db: &DatabaseConnection,
    read: &mut Vec<Declared>,
    summary: &mut Summary,
    report: &mut RejectReport,
) -> Result<(), ImportError> {
    if read.is_empty() {
        return Ok(());
    }
    let chunk = std::mem::take(read);
    let txn = db.begin().await.context("starting an import batch")?;
    let ids = ids_by_siret(&txn, chunk.iter().map(|(siret, ..)| siret.clone()).collect()).await?;
    let mut known = Vec::with_capacity(chunk.len());
    for (siret, _, position, declaration) in chunk {
        match ids.get(&siret) {
            Some(id) => known.push(canteen_declaration::Model {
                canteen_id: *id,
                ..declaration
            }),
            None => {
                summary.rejected += 1;
                report.write(&RejectLine::of(
                    &siret,
                    position,
                    ("canteen_siret", Some(&siret)),
                    "no canteen of the register has this SIRET (import the register first)".into(),
                    Rejected::Record,
                ))?;
            }
        }
    }
    let statuses = write_declarations(&txn, known).await?;
    txn.commit().await.context("committing an import batch")?;
    summary.count(statuses);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn shares_read_as_written() {
        assert_eq!(share("0.25"), Ok(0.25));
        assert_eq!(share("0,5"), Ok(0.5));
        assert_eq!(share("30 %"), Ok(0.3));
        assert!(share("1.5").is_err());
        assert!(share("NaN").is_err());
        assert!(share("beaucoup").is_err());
    }
}
