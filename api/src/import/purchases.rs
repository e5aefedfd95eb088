//! `terrasse import purchases FILE.csv`: canteens' declared food purchases, in the purchase
//! import format of the canteens' register ("ma cantine"): a CSV separated by `;` (or `,`,
//! detected), UTF-8 or Windows-1252 rows, plain or gzip, with the columns
//! `siret;description;fournisseur;date;prix_ht;famille_produits;categories_egalim;origine;
//! est_circuit_court;est_local;definition_local;definition_local_km` (found by name).
//!
//! Purchases become supply links (evidence `CANTEEN_PURCHASE`): the purchases of one canteen
//! (`siret`, the buyer) from one supplier (`fournisseur`, a name) of one product family, one
//! year and one channel are one link, whose amount is their sum and whose period runs from the
//! first purchase to the last. `est_circuit_court` says whether the supplier is a short circuit
//! (at most one intermediary: `ONE_INTERMEDIARY`, the most it can be), or not (`LONG`; the
//! format reads an empty cell as no, and `x` as yes); a value it does not know gives `UNKNOWN`.
//! Locality (`est_local` and its definition) is kept in the link's
//! description: the declaration's own definition of local, not a distance.
//!
//! The file is read whole before anything is written (the links are sums over it); memory
//! grows with the number of links, not of purchases. Links are written through the write
//! engine by 1 000 in the given source, keyed by canteen, year, family, channel and supplier,
//! so importing the same file again writes nothing. A row with an invalid SIRET, date or price
//! is rejected; an unknown product family is read as `OTHER` (field rejected); a link whose
//! canteen is no known establishment is rejected with the engine's reason.

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
};

use chrono::{Datelike, NaiveDate};
use entity::enums::{ProductFamily, SupplyChannel, SupplyEvidence};
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::{
    ImportError, Progress, RejectLine, RejectReport, Rejected, Summary,
    table::{Columns, Header, Row, Rows, require, value_of},
};
use crate::{
    domain::{Cents, Siret, text::fold_for_search},
    store::{
        DbContext,
        write::supply_link::{SupplyLinkFields, upsert_in},
    },
};

/// The default source of imported purchases.
pub const SOURCE: &str = "canteen-purchases";

/// The columns read: `(what, names)`.
const COLUMNS: &Columns = &[
    ("siret", &["siret", "siret_cantine"]),
    ("description", &["description"]),
    ("supplier", &["fournisseur", "supplier"]),
    ("date", &["date", "date_achat"]),
    ("price", &["prix_ht", "prix"]),
    ("family", &["famille_produits", "famille"]),
    ("short", &["est_circuit_court", "circuit_court"]),
    ("local", &["est_local", "local"]),
    ("local_definition", &["definition_local"]),
    ("local_km", &["definition_local_km"]),
];

/// The product family of a `famille_produits` value.
pub fn product_family(value: &str) -> Option<ProductFamily> {
    Some(match fold_for_search(value).replace(' ', "_").as_str() {
        "viandes_volailles" | "viande" | "viandes" | "volailles" => ProductFamily::MeatPoultry,
        "charcuterie" => ProductFamily::Charcuterie,
        "produits_de_la_mer" | "poissons" | "produits_aquatiques" => ProductFamily::Seafood,
        "fruits_et_legumes" | "fruits_legumes" => ProductFamily::FruitVegetables,
        "produits_laitiers" | "laitiers" | "produits_laitiers_hors_fromages" | "fromages" => ProductFamily::Dairy,
        "boulangerie" | "boulangerie_patisserie" => ProductFamily::Bakery,
        "boissons" => ProductFamily::Beverages,
        "autres" | "epicerie" | "surgeles" => ProductFamily::Other,
        _ => return None,
    })
}

/// A yes/no cell (`true`, `oui`, `1`, `vrai` / `false`, `non`, `0`, `faux`).
fn yes_no(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "oui" | "1" | "vrai" | "yes" | "o" | "x" => Some(true),
        "false" | "non" | "0" | "faux" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// An amount in euros as written in French files too (`1 234,50`).
fn euros(value: &str) -> Option<Decimal> {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '€')
        .collect();
    compact.replace(',', ".").parse().ok()
}

/// The link a purchase adds to: canteen, year, family, channel and folded supplier name.
type LinkKey = (String, i32, ProductFamily, SupplyChannel, String);

/// The purchases of one link, summed.
struct Link {
    supplier: String,
    first: NaiveDate,
    last: NaiveDate,
    cents: i64,
    position: u64,
    local: Option<String>,
}

/// One purchase read, or the reject lines of its row.
fn read(
    header: &Header,
    row: &csv::StringRecord,
    position: u64,
    rejects: &mut Vec<RejectLine>,
) -> Option<(LinkKey, String, NaiveDate, i64, Option<String>)> {
    let get = |what: &str| value_of(header, COLUMNS, row, what);

    let record = get("siret").map_or_else(|| format!("#{position}"), str::to_owned);
    let mut refuse = |field: &str, value: Option<&str>, reason: String| {
        rejects.push(RejectLine::of(
            &record,
            position,
            (field, value),
            reason,
            Rejected::Record,
        ));
    };
    let siret = match get("siret").map(Siret::parse) {
        Some(Ok(siret)) => Some(siret.as_str().to_owned()),
        Some(Err(error)) => {
            refuse("siret", get("siret"), error.reason);
            None
        }
        None => {
            refuse("siret", None, "the canteen's SIRET is missing".to_owned());
            None
        }
    };
    let date = match get("date").map(super::labels::parse_label_date) {
        Some(Ok(date)) => Some(date),
        Some(Err(reason)) => {
            refuse("date", get("date"), reason);
            None
        }
        None => {
            refuse("date", None, "the purchase date is missing".to_owned());
            None
        }
    };
    let cents = match get("price").map(|v| euros(v).map(Cents::from_euros)) {
        Some(Some(Ok(cents))) => Some(cents.get()),
        Some(Some(Err(error))) => {
            refuse("prix_ht", get("price"), error.reason().to_owned());
            None
        }
        Some(None) => {
            refuse("prix_ht", get("price"), "not an amount in euros".to_owned());
            None
        }
        None => {
            refuse("prix_ht", None, "the price is missing".to_owned());
            None
        }
    };
    let supplier = get("supplier").map(str::to_owned);
    if supplier.is_none() {
        refuse("fournisseur", None, "the supplier is missing".to_owned());
    }
    let (Some(siret), Some(date), Some(cents), Some(supplier)) = (siret, date, cents, supplier) else {
        return None;
    };
    let family = match get("family") {
        None => ProductFamily::Other,
        Some(value) => product_family(value).unwrap_or_else(|| {
            rejects.push(RejectLine::of(
                &record,
                position,
                ("famille_produits", Some(value)),
                "unknown product family: read as OTHER".to_owned(),
                Rejected::Field,
            ));
            ProductFamily::Other
        }),
    };
    // The format reads an empty cell as "no"; a value it does not know says nothing.
    let channel = match get("short").map(yes_no) {
        Some(Some(true)) => SupplyChannel::OneIntermediary,
        Some(Some(false)) | None => SupplyChannel::Long,
        Some(None) => SupplyChannel::Unknown,
    };
    let local = get("local").and_then(yes_no).filter(|local| *local).map(|_| {
        let definition = get("local_definition").unwrap_or("undefined");
        match get("local_km") {
            Some(km) => format!("local as the canteen defines it: {definition}, {km} km"),
            None => format!("local as the canteen defines it: {definition}"),
        }
    });
    let folded: String = fold_for_search(&supplier).chars().take(120).collect();
    Some((
        (siret, date.year(), family, channel, folded),
        supplier,
        date,
        cents,
        local,
    ))
}

/// Imports the purchases at `path` into supply links of `source`.
pub async fn import_purchases(
    db: &DatabaseConnection,
    path: &Path,
    source: &str,
    quiet: bool,
    report: &mut RejectReport,
) -> Result<Summary, ImportError> {
    let input = super::open_input(path)?;
    let mut progress = Progress::of_input(&format!("purchases {}", path.display()), &input, quiet);
    let mut rows = Rows::open_as(input, (None, true), 2_000, "purchases").await?;
    require(
        &rows.header,
        COLUMNS,
        &["siret", "supplier", "date", "price"],
        "purchases",
    )?;
    let mut summary = Summary::default();
    let mut links: BTreeMap<LinkKey, Link> = BTreeMap::new();
    let mut rejects = Vec::new();
    while let Some(Row { position, record }) = rows.receiver.recv().await {
        summary.read += 1;
        progress.update(summary.read);
        let purchase = match record {
            Ok(row) => read(&rows.header, &row, position, &mut rejects),
            Err(reason) => {
                rejects.push(super::unreadable(position, reason));
                None
            }
        };
        // A row refused whole counts once, whatever the number of its faults.
        let refused = rejects.iter().any(|r| r.rejected == Rejected::Record);
        for line in rejects.drain(..) {
            if line.rejected == Rejected::Field {
                summary.rejected_fields += 1;
            }
            report.write(&line)?;
        }
        if refused {
            summary.rejected += 1;
        }
        let Some((key, supplier, date, cents, local)) = purchase else {
            continue;
        };
        let link = links.entry(key).or_insert(Link {
            supplier,
            first: date,
            last: date,
            cents: 0,
            position,
            local: None,
        });
        link.first = link.first.min(date);
        link.last = link.last.max(date);
        link.cents = link.cents.saturating_add(cents);
        link.local = link.local.take().or(local);
    }
    progress.finish(summary.read);
    rows.finish().await?;
    write(db, source, links, &mut summary, report).await?;
    Ok(summary)
}

/// Writes the summed links by 1 000 through the engine; the store's refusals are reported.
async fn write(
    db: &DatabaseConnection,
    source: &str,
    links: BTreeMap<LinkKey, Link>,
    summary: &mut Summary,
    report: &mut RejectReport,
) -> Result<(), ImportError> {
    let writer = super::run_writer(source);
    let mut fields: Vec<(SupplyLinkFields, u64)> = Vec::with_capacity(links.len());
    let mut keys: HashMap<String, usize> = HashMap::new();
    for ((siret, year, family, channel, folded), link) in links {
        let external_id = format!("{siret}:{year}:{family:?}:{channel:?}:{folded}");
        keys.insert(external_id.clone(), fields.len());
        fields.push((
            SupplyLinkFields {
                external_id,
                buyer_siret: siret,
                supplier_siret: None,
                supplier_name: Some(link.supplier),
                product_family: family,
                channel,
                evidence: SupplyEvidence::CanteenPurchase,
                contract_uid: None,
                period_start: link.first,
                period_end: Some(link.last),
                amount_cents: Some(link.cents),
                description: link.local,
                source_updated_at: None,
            },
            link.position,
        ));
    }
    for chunk in fields.chunks(crate::store::write::MAX_BULK_ITEMS) {
        let records: Vec<(String, u64)> = chunk.iter().map(|(f, p)| (f.buyer_siret.clone(), *p)).collect();
        let items = chunk.iter().map(|(f, _)| f.clone()).collect();
        let txn = db.begin().await.context("starting a batch of purchases")?;
        let results = upsert_in(&txn, &writer, source, items).await?;
        txn.commit().await.context("committing a batch of purchases")?;
        super::tally(results, &records, summary, report)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_the_declarations_write_them() {
        assert_eq!(product_family("viandes_volailles"), Some(ProductFamily::MeatPoultry));
        assert_eq!(
            product_family("Fruits et légumes"),
            Some(ProductFamily::FruitVegetables)
        );
        assert_eq!(product_family("produits_laitiers"), Some(ProductFamily::Dairy));
        assert_eq!(product_family("caviar"), None);
        assert_eq!(euros("1 234,50"), Some(Decimal::new(123_450, 2)));
        assert_eq!(euros("12.3 €"), Some(Decimal::new(123, 1)));
        assert_eq!(euros("douze"), None);
        assert_eq!(
            (yes_no("Oui"), yes_no("false"), yes_no("")),
            (Some(true), Some(false), None)
        );
    }
}
