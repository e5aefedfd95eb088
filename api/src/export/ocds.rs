//! Contracts as an Open Contracting Data Standard (OCDS 1.1) release package.
//!
//! One release per contract, describing its award and its contract (tags `award` and
//! `contract`, plus `contractAmendment` when it was modified):
//!
//! - `ocid` is the configured prefix followed by the contract's national key (`uid`); the
//!   release `id` adds the row version, so a re-export after a change is a new release;
//! - `parties` hold the buyer (role `buyer`) and each supplier (role `supplier`), identified
//!   by their published identifier (`scheme` `FR-SIRET`, `FR-SIREN`, `FR-RNA`, `FR-TVA`...);
//! - `tender` carries the object, the CPV code as an item classification, the procedure
//!   (`procurementMethodDetails`, and `procurementMethod` where the French procedure maps
//!   to one unambiguously) and the main category (works, goods, services);
//! - `awards[0]` carries the notification date, the initial amount and the suppliers;
//!   `contracts[0]` the current amount, the period from notification for the current
//!   duration, and one amendment per modification.
//!
//! The package is written incrementally: the header, then each release as it comes, then the
//! closing brackets.

use std::io::Write;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::domain::Cents;

use super::records::{ContractRecord, SupplierRecord};

/// The package metadata and the ocid prefix.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    /// The package's URI.
    pub uri: String,
    /// Name of the publisher.
    pub publisher_name: String,
    /// The prefix of every ocid (`ocds-` followed by the publisher's registered code).
    pub ocid_prefix: String,
    /// Publication time of the package.
    pub published: DateTime<Utc>,
}

impl Default for PackageInfo {
    fn default() -> Self {
        Self {
            uri: "urn:terrasse:export:contracts".to_owned(),
            publisher_name: "Terrasse".to_owned(),
            ocid_prefix: "ocds-terrasse".to_owned(),
            published: Utc::now(),
        }
    }
}

/// Writes a release package one release at a time.
#[derive(Debug)]
pub struct PackageWriter {
    releases: u64,
}

impl PackageWriter {
    /// Writes the package header.
    pub fn start<W: Write>(out: &mut W, info: &PackageInfo) -> std::io::Result<Self> {
        let header = json!({
            "uri": info.uri,
            "version": "1.1",
            "publishedDate": timestamp(info.published),
            "publisher": { "name": info.publisher_name },
        });
        let header = serde_json::to_vec(&header).map_err(std::io::Error::from)?;
        // The header object without its closing brace, followed by the releases array.
        out.write_all(&header[..header.len() - 1])?;
        out.write_all(b",\"releases\":[\n")?;
        Ok(Self { releases: 0 })
    }

    /// Appends one release.
    pub fn release<W: Write>(&mut self, out: &mut W, release: &Value) -> std::io::Result<()> {
        if self.releases > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *out, release).map_err(std::io::Error::from)?;
        self.releases += 1;
        Ok(())
    }

    /// Closes the package.
    pub fn finish<W: Write>(self, out: &mut W) -> std::io::Result<()> {
        out.write_all(b"\n]}\n")
    }
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn day(date: NaiveDate) -> String {
    format!("{date}T00:00:00Z")
}

fn scheme(id_scheme: &str) -> String {
    format!("FR-{}", id_scheme.to_ascii_uppercase().replace('_', "-"))
}

fn supplier_party_id(supplier: &SupplierRecord) -> String {
    format!("{}-{}", scheme(&supplier.id_scheme), supplier.id_value)
}

fn value(amount: Option<Cents>) -> Option<Value> {
    amount.map(|amount| json!({ "amount": amount.json_euros(), "currency": "EUR" }))
}

/// The OCDS `procurementMethod` of a French procedure, where the mapping is unambiguous.
fn procurement_method(procedure: &str) -> Option<&'static str> {
    let folded = crate::domain::text::fold_for_search(procedure);
    if folded.contains("appel d offres ouvert") {
        Some("open")
    } else if folded.contains("appel d offres restreint") || folded.contains("dialogue competitif") {
        Some("selective")
    } else {
        None
    }
}

/// Inserts `value` under `key` when it is not null.
fn put(object: &mut serde_json::Map<String, Value>, key: &str, value: impl Into<Option<Value>>) {
    if let Some(value) = value.into().filter(|v| !v.is_null()) {
        object.insert(key.to_owned(), value);
    }
}

/// The release of one contract.
pub fn release(record: &ContractRecord, info: &PackageInfo) -> Value {
    let award_id = format!("{}-award", record.uid);
    let buyer_id = format!("FR-SIRET-{}", record.buyer_siret);
    let buyer_name = record
        .buyer
        .as_ref()
        .map_or_else(|| record.buyer_siret.clone(), |b| b.name.clone());

    let mut parties = vec![json!({
        "id": buyer_id,
        "name": buyer_name,
        "identifier": { "scheme": "FR-SIRET", "id": record.buyer_siret, "legalName": buyer_name },
        "roles": ["buyer"],
    })];
    let mut award_suppliers = Vec::new();
    for supplier in &record.suppliers {
        let id = supplier_party_id(supplier);
        let name = supplier
            .organisation
            .as_ref()
            .map_or_else(|| supplier.id_value.clone(), |o| o.name.clone());
        if !parties.iter().any(|p| p["id"] == id.as_str()) {
            parties.push(json!({
                "id": id,
                "name": name,
                "identifier": { "scheme": scheme(&supplier.id_scheme), "id": supplier.id_value },
                "roles": ["supplier"],
            }));
        }
        if supplier.from_modification == 0 {
            award_suppliers.push(json!({ "id": id, "name": name }));
        }
    }

    let mut tender = serde_json::Map::new();
    tender.insert("id".to_owned(), json!(record.uid));
    put(&mut tender, "title", record.object.as_ref().map(|o| json!(o)));
    put(
        &mut tender,
        "procurementMethod",
        record
            .procedure
            .as_deref()
            .and_then(procurement_method)
            .map(|m| json!(m)),
    );
    put(
        &mut tender,
        "procurementMethodDetails",
        record.procedure.as_ref().map(|p| json!(p)),
    );
    put(
        &mut tender,
        "mainProcurementCategory",
        record.purchase_type.as_deref().map(|p| match p {
            "works" => json!("works"),
            "supplies" => json!("goods"),
            _ => json!("services"),
        }),
    );
    if let Some(cpv) = &record.cpv_code {
        tender.insert(
            "items".to_owned(),
            json!([{ "id": "1", "classification": { "scheme": "CPV", "id": cpv } }]),
        );
    }

    let mut award = serde_json::Map::new();
    award.insert("id".to_owned(), json!(award_id));
    award.insert("status".to_owned(), json!("active"));
    put(&mut award, "date", record.notified_on.map(|d| json!(day(d))));
    put(&mut award, "value", value(record.amount));
    award.insert("suppliers".to_owned(), Value::Array(award_suppliers));

    let mut contract = serde_json::Map::new();
    contract.insert("id".to_owned(), json!(format!("{}-contract", record.uid)));
    contract.insert("awardID".to_owned(), json!(award_id));
    contract.insert("status".to_owned(), json!("active"));
    put(&mut contract, "dateSigned", record.notified_on.map(|d| json!(day(d))));
    put(&mut contract, "value", value(record.current_amount.or(record.amount)));
    if let Some(start) = record.notified_on {
        let mut period = serde_json::Map::new();
        period.insert("startDate".to_owned(), json!(day(start)));
        let months = record.current_duration_months.or(record.duration_months);
        let end = months
            .and_then(|m| u32::try_from(m).ok())
            .and_then(|m| start.checked_add_months(Months::new(m)));
        if let Some(end) = end {
            period.insert("endDate".to_owned(), json!(day(end)));
            period.insert("durationInDays".to_owned(), json!((end - start).num_days()));
        }
        contract.insert("period".to_owned(), Value::Object(period));
    }
    if !record.modifications.is_empty() {
        let amendments: Vec<Value> = record
            .modifications
            .iter()
            .map(|m| {
                let mut changes = Vec::new();
                if let Some(amount) = m.new_amount {
                    changes.push(format!("amount {amount} EUR"));
                }
                if let Some(months) = m.new_duration_months {
                    changes.push(format!("duration {months} months"));
                }
                let mut amendment = serde_json::Map::new();
                amendment.insert("id".to_owned(), json!(format!("{}-modification-{}", record.uid, m.seq)));
                put(&mut amendment, "date", m.notified_on.map(|d| json!(day(d))));
                amendment.insert(
                    "description".to_owned(),
                    json!(if changes.is_empty() {
                        format!("Modification {}", m.seq)
                    } else {
                        format!("Modification {}: {}", m.seq, changes.join(", "))
                    }),
                );
                Value::Object(amendment)
            })
            .collect();
        contract.insert("amendments".to_owned(), Value::Array(amendments));
    }

    let mut tag = vec!["award", "contract"];
    if !record.modifications.is_empty() {
        tag.push("contractAmendment");
    }
    json!({
        "ocid": format!("{}-{}", info.ocid_prefix, record.uid),
        "id": format!("{}-{}", record.uid, record.version),
        "date": timestamp(record.updated_at),
        "tag": tag,
        "initiationType": "tender",
        "language": "fr",
        "parties": parties,
        "buyer": { "id": buyer_id, "name": buyer_name },
        "tender": Value::Object(tender),
        "awards": [Value::Object(award)],
        "contracts": [Value::Object(contract)],
    })
}
