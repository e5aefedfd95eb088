//! The records an export writes, built a page at a time with one store call per relation,
//! and their CSV rendering. Units and establishments Sirene marks as non-diffusible are
//! redacted as in the API: name, acronym, address and coordinates withheld.

use std::{
    collections::{HashMap, HashSet},
    io::Write,
};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{contract, establishment, organisation, organisation_label};
use sea_orm::{ActiveEnum, ConnectionTrait};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    domain::{Cents, NON_DIFFUSIBLE},
    store::{StoreError, contracts, organisations, territories},
};

/// Column names of the contracts CSV, in order.
pub const CONTRACT_COLUMNS: &[&str] = &[
    "id",
    "uid",
    "kind",
    "nature",
    "object",
    "cpv_code",
    "purchase_type",
    "procedure",
    "notified_on",
    "published_on",
    "duration_months",
    "current_duration_months",
    "amount_eur",
    "current_amount_eur",
    "buyer_siret",
    "buyer_siren",
    "buyer_name",
    "exec_place_code",
    "exec_territory_id",
    "exec_territory_name",
    "social_clause",
    "social_criterion",
    "reserved",
    "env_clause",
    "env_criterion",
    "supplier_ids",
    "supplier_names",
    "supplier_ess_families",
    "supplier_distances_km",
    "supplier_locality_levels",
    "modifications",
    "quality_flags",
    "source",
    "external_id",
    "updated_at",
    "version",
];

/// Column names of the organisations CSV, in order.
pub const ORGANISATION_COLUMNS: &[&str] = &[
    "id",
    "siren",
    "rna",
    "name",
    "acronym",
    "legal_category_code",
    "ess_family",
    "ess_family_basis",
    "sirene_ess_flag",
    "naf_code",
    "headcount_band",
    "admin_status",
    "created_on",
    "ceased_on",
    "public_authority_territory_id",
    "resolved",
    "headquarters_siret",
    "headquarters_postal_code",
    "headquarters_commune_id",
    "headquarters_commune_name",
    "headquarters_latitude",
    "headquarters_longitude",
    "establishments",
    "labels",
    "source",
    "external_id",
    "updated_at",
    "version",
];

/// A contract with its buyer, suppliers and modifications, as exported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractRecord {
    /// Terrasse id.
    pub id: Uuid,
    /// National key: buyer SIRET + the buyer's own id.
    pub uid: String,
    /// The buyer's own id.
    pub buyer_internal_id: String,
    /// `marche` or `concession`.
    pub kind: String,
    /// DECP `nature`.
    pub nature: Option<String>,
    /// Object.
    pub object: Option<String>,
    /// CPV code (8 digits).
    pub cpv_code: Option<String>,
    /// `works`, `supplies` or `services`.
    pub purchase_type: Option<String>,
    /// Procedure as published.
    pub procedure: Option<String>,
    /// Notification (or, for a concession, signature) date.
    pub notified_on: Option<NaiveDate>,
    /// Publication date of the data.
    pub published_on: Option<NaiveDate>,
    /// Initial duration in months.
    pub duration_months: Option<i32>,
    /// Duration after the latest modification.
    pub current_duration_months: Option<i32>,
    /// Initial amount excluding VAT (JSON: a number of euros; CSV: exact decimal euros).
    #[serde(rename = "amountEur", serialize_with = "Cents::serialize_json_euros")]
    pub amount: Option<Cents>,
    /// Amount after the latest modification.
    #[serde(rename = "currentAmountEur", serialize_with = "Cents::serialize_json_euros")]
    pub current_amount: Option<Cents>,
    /// Buyer SIRET as published.
    pub buyer_siret: String,
    /// The buyer organisation, when known.
    pub buyer: Option<PartyRecord>,
    /// Execution place code as published.
    pub exec_place_code: Option<String>,
    /// Kind of that code.
    pub exec_place_type: Option<String>,
    /// Territory the execution place resolves to.
    pub exec_territory_id: Option<String>,
    /// Its name.
    pub exec_territory_name: Option<String>,
    /// Social clause.
    pub social_clause: bool,
    /// Social award criterion.
    pub social_criterion: bool,
    /// Reserved contract.
    pub reserved: bool,
    /// Environmental clause.
    pub env_clause: bool,
    /// Environmental award criterion.
    pub env_criterion: bool,
    /// Suppliers, initial ones first.
    pub suppliers: Vec<SupplierRecord>,
    /// Modifications by sequence number.
    pub modifications: Vec<ModificationRecord>,
    /// Data-quality flags raised at import.
    pub quality_flags: serde_json::Value,
    /// Source system.
    pub source: String,
    /// Id in the source.
    pub external_id: Option<String>,
    /// Last update in Terrasse.
    pub updated_at: DateTime<Utc>,
    /// Row version.
    pub version: i32,
}

/// An organisation named in a contract.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyRecord {
    /// Terrasse id.
    pub id: Uuid,
    /// SIREN.
    pub siren: Option<String>,
    /// Name (redacted when non-diffusible).
    pub name: String,
    /// SSE family.
    pub ess_family: String,
}

/// One supplier of a contract.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplierRecord {
    /// Identifier scheme as published (`siret`, `tva`...).
    pub id_scheme: String,
    /// Identifier value.
    pub id_value: String,
    /// The organisation, when resolved.
    pub organisation: Option<PartyRecord>,
    /// 0 for an initial supplier, else the modification that brought it.
    pub from_modification: i32,
    /// Buyer–supplier distance.
    pub distance_km: Option<f64>,
    /// Smallest territory buyer and supplier share.
    pub locality_level: String,
}

/// One modification of a contract.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationRecord {
    /// Sequence number.
    pub seq: i32,
    /// Notification date.
    pub notified_on: Option<NaiveDate>,
    /// Publication date.
    pub published_on: Option<NaiveDate>,
    /// New duration in months.
    pub new_duration_months: Option<i32>,
    /// New amount (JSON: a number of euros).
    #[serde(rename = "newAmountEur", serialize_with = "Cents::serialize_json_euros")]
    pub new_amount: Option<Cents>,
}

/// An organisation with its head office and labels, as exported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationRecord {
    /// Terrasse id.
    pub id: Uuid,
    /// SIREN.
    pub siren: Option<String>,
    /// RNA.
    pub rna: Option<String>,
    /// Name (redacted when non-diffusible).
    pub name: String,
    /// Acronym (withheld when non-diffusible).
    pub acronym: Option<String>,
    /// INSEE legal category.
    pub legal_category_code: Option<String>,
    /// SSE family.
    pub ess_family: String,
    /// What the family is based on.
    pub ess_family_basis: String,
    /// Sirene's ESS flag.
    pub sirene_ess_flag: Option<bool>,
    /// NAF code.
    pub naf_code: Option<String>,
    /// Sirene headcount band code.
    pub headcount_band: Option<String>,
    /// Administrative status.
    pub admin_status: String,
    /// Creation date.
    pub created_on: Option<NaiveDate>,
    /// Cessation date.
    pub ceased_on: Option<NaiveDate>,
    /// The territory a public authority governs.
    pub public_authority_territory_id: Option<String>,
    /// False for a record created from a bare identifier, not yet enriched from Sirene.
    pub resolved: bool,
    /// Head-office establishment.
    pub headquarters: Option<EstablishmentRecord>,
    /// Number of live establishments.
    pub establishments: usize,
    /// Labels.
    pub labels: Vec<LabelRecord>,
    /// Source system.
    pub source: String,
    /// Id in the source.
    pub external_id: Option<String>,
    /// Last update in Terrasse.
    pub updated_at: DateTime<Utc>,
    /// Row version.
    pub version: i32,
}

/// An establishment, as exported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EstablishmentRecord {
    /// SIRET.
    pub siret: Option<String>,
    /// Postal code (withheld when non-diffusible).
    pub postal_code: Option<String>,
    /// Commune id.
    pub commune_id: Option<String>,
    /// Commune name.
    pub commune_name: Option<String>,
    /// Latitude (withheld when non-diffusible).
    pub latitude: Option<f64>,
    /// Longitude (withheld when non-diffusible).
    pub longitude: Option<f64>,
}

/// A label, as exported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelRecord {
    /// Kind.
    pub kind: String,
    /// Issuer.
    pub issuer: Option<String>,
    /// First day of validity.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity.
    pub valid_to: Option<NaiveDate>,
}

fn party(model: &organisation::Model) -> PartyRecord {
    PartyRecord {
        id: model.id,
        siren: model.siren.clone(),
        name: if model.diffusible {
            model.name.clone()
        } else {
            NON_DIFFUSIBLE.to_owned()
        },
        ess_family: model.ess_family.to_value(),
    }
}

/// Builds the records of a page of contracts: one query each for suppliers, modifications,
/// organisations and execution territories.
pub async fn contract_records<C: ConnectionTrait>(
    db: &C,
    models: Vec<contract::Model>,
) -> Result<Vec<ContractRecord>, StoreError> {
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let mut suppliers = contracts::suppliers_of(db, &ids).await?;
    let mut modifications = contracts::modifications_of(db, &ids).await?;
    let organisation_ids: Vec<Uuid> = models
        .iter()
        .filter_map(|m| m.buyer_organisation_id)
        .chain(suppliers.values().flatten().filter_map(|s| s.organisation_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let parties: HashMap<Uuid, PartyRecord> = organisations::by_ids(db, &organisation_ids)
        .await?
        .iter()
        .map(|m| (m.id, party(m)))
        .collect();
    let territory_ids: Vec<String> = models
        .iter()
        .filter_map(|m| m.exec_territory_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let territory_names: HashMap<String, String> = territories::by_ids(db, &territory_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(models
        .into_iter()
        .map(|m| ContractRecord {
            suppliers: suppliers
                .remove(&m.id)
                .unwrap_or_default()
                .into_iter()
                .map(|s| SupplierRecord {
                    id_scheme: s.id_scheme.to_value(),
                    id_value: s.id_value,
                    organisation: s.organisation_id.and_then(|id| parties.get(&id).cloned()),
                    from_modification: s.from_modification,
                    distance_km: s.distance_km,
                    locality_level: s.locality_level.to_value(),
                })
                .collect(),
            modifications: modifications
                .remove(&m.id)
                .unwrap_or_default()
                .into_iter()
                .map(|x| ModificationRecord {
                    seq: x.seq,
                    notified_on: x.notified_on,
                    published_on: x.published_on,
                    new_duration_months: x.new_duration_months,
                    new_amount: x.new_amount_cents.map(Cents::new),
                })
                .collect(),
            buyer: m.buyer_organisation_id.and_then(|id| parties.get(&id).cloned()),
            exec_territory_name: m
                .exec_territory_id
                .as_ref()
                .and_then(|id| territory_names.get(id).cloned()),
            id: m.id,
            uid: m.uid,
            buyer_internal_id: m.buyer_internal_id,
            kind: m.kind.to_value(),
            nature: m.nature,
            object: m.object,
            cpv_code: m.cpv_code,
            purchase_type: m.purchase_type.map(|p| p.to_value()),
            procedure: m.procedure,
            notified_on: m.notified_on,
            published_on: m.published_on,
            duration_months: m.duration_months,
            current_duration_months: m.current_duration_months,
            amount: m.amount_cents.map(Cents::new),
            current_amount: m.current_amount_cents.map(Cents::new),
            buyer_siret: m.buyer_siret,
            exec_place_code: m.exec_place_code,
            exec_place_type: m.exec_place_type.map(|t| t.to_value()),
            exec_territory_id: m.exec_territory_id,
            social_clause: m.social_clause,
            social_criterion: m.social_criterion,
            reserved: m.reserved,
            env_clause: m.env_clause,
            env_criterion: m.env_criterion,
            quality_flags: m.quality_flags,
            source: m.source,
            external_id: m.external_id,
            updated_at: m.updated_at,
            version: m.version,
        })
        .collect())
}

/// Builds the records of a page of organisations: one query each for establishments, labels
/// and head-office communes.
pub async fn organisation_records<C: ConnectionTrait>(
    db: &C,
    models: Vec<organisation::Model>,
) -> Result<Vec<OrganisationRecord>, StoreError> {
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let mut establishments = organisations::establishments_of(db, &ids).await?;
    let mut labels = organisations::labels_of(db, &ids).await?;
    let commune_ids: Vec<String> = establishments
        .values()
        .filter_map(|list| headquarters(list))
        .filter_map(|e| e.commune_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let commune_names: HashMap<String, String> = territories::by_ids(db, &commune_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(models
        .into_iter()
        .map(|m| {
            let own = establishments.remove(&m.id).unwrap_or_default();
            let head_office = headquarters(&own).map(|e| EstablishmentRecord {
                siret: e.siret.clone(),
                postal_code: e.postal_code.clone().filter(|_| e.diffusible),
                commune_name: e.commune_id.as_ref().and_then(|id| commune_names.get(id).cloned()),
                commune_id: e.commune_id.clone(),
                latitude: e.latitude.filter(|_| e.diffusible),
                longitude: e.longitude.filter(|_| e.diffusible),
            });
            OrganisationRecord {
                headquarters: head_office,
                establishments: own.len(),
                labels: labels
                    .remove(&m.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l: organisation_label::Model| LabelRecord {
                        kind: l.kind.to_value(),
                        issuer: l.issuer,
                        valid_from: l.valid_from,
                        valid_to: l.valid_to,
                    })
                    .collect(),
                name: if m.diffusible {
                    m.name
                } else {
                    NON_DIFFUSIBLE.to_owned()
                },
                acronym: m.acronym.filter(|_| m.diffusible),
                id: m.id,
                siren: m.siren,
                rna: m.rna,
                legal_category_code: m.legal_category_code,
                ess_family: m.ess_family.to_value(),
                ess_family_basis: m.ess_family_basis.to_value(),
                sirene_ess_flag: m.sirene_ess_flag,
                naf_code: m.naf_code,
                headcount_band: m.headcount_band.map(|b| b.to_value()),
                admin_status: m.admin_status.to_value(),
                created_on: m.created_on,
                ceased_on: m.ceased_on,
                public_authority_territory_id: m.public_authority_territory_id,
                resolved: m.resolved,
                source: m.source,
                external_id: m.external_id,
                updated_at: m.updated_at,
                version: m.version,
            }
        })
        .collect())
}

/// The head office among an organisation's establishments (listed head office first).
fn headquarters(list: &[establishment::Model]) -> Option<&establishment::Model> {
    list.first().filter(|e| e.is_headquarters)
}

fn text<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl ContractRecord {
    /// The CSV fields, in the order of [`CONTRACT_COLUMNS`].
    pub fn csv_fields(&self) -> Vec<String> {
        let supplier_list =
            |field: &dyn Fn(&SupplierRecord) -> String| self.suppliers.iter().map(field).collect::<Vec<_>>().join("|");
        vec![
            self.id.to_string(),
            self.uid.clone(),
            self.kind.clone(),
            text(self.nature.as_ref()),
            text(self.object.as_ref()),
            text(self.cpv_code.as_ref()),
            text(self.purchase_type.as_ref()),
            text(self.procedure.as_ref()),
            text(self.notified_on),
            text(self.published_on),
            text(self.duration_months),
            text(self.current_duration_months),
            text(self.amount),
            text(self.current_amount),
            self.buyer_siret.clone(),
            text(self.buyer.as_ref().and_then(|b| b.siren.as_ref())),
            text(self.buyer.as_ref().map(|b| &b.name)),
            text(self.exec_place_code.as_ref()),
            text(self.exec_territory_id.as_ref()),
            text(self.exec_territory_name.as_ref()),
            self.social_clause.to_string(),
            self.social_criterion.to_string(),
            self.reserved.to_string(),
            self.env_clause.to_string(),
            self.env_criterion.to_string(),
            supplier_list(&|s| format!("{}:{}", s.id_scheme, s.id_value)),
            supplier_list(&|s| text(s.organisation.as_ref().map(|o| &o.name))),
            supplier_list(&|s| text(s.organisation.as_ref().map(|o| &o.ess_family))),
            supplier_list(&|s| text(s.distance_km.map(|d| format!("{d:.1}")))),
            supplier_list(&|s| s.locality_level.clone()),
            self.modifications.len().to_string(),
            match &self.quality_flags {
                serde_json::Value::Array(flags) if flags.is_empty() => String::new(),
                serde_json::Value::Null => String::new(),
                flags => flags.to_string(),
            },
            self.source.clone(),
            text(self.external_id.as_ref()),
            self.updated_at.to_rfc3339(),
            self.version.to_string(),
        ]
    }
}

impl OrganisationRecord {
    /// The CSV fields, in the order of [`ORGANISATION_COLUMNS`].
    pub fn csv_fields(&self) -> Vec<String> {
        let hq = self.headquarters.as_ref();
        vec![
            self.id.to_string(),
            text(self.siren.as_ref()),
            text(self.rna.as_ref()),
            self.name.clone(),
            text(self.acronym.as_ref()),
            text(self.legal_category_code.as_ref()),
            self.ess_family.clone(),
            self.ess_family_basis.clone(),
            text(self.sirene_ess_flag),
            text(self.naf_code.as_ref()),
            text(self.headcount_band.as_ref()),
            self.admin_status.clone(),
            text(self.created_on),
            text(self.ceased_on),
            text(self.public_authority_territory_id.as_ref()),
            self.resolved.to_string(),
            text(hq.and_then(|e| e.siret.as_ref())),
            text(hq.and_then(|e| e.postal_code.as_ref())),
            text(hq.and_then(|e| e.commune_id.as_ref())),
            text(hq.and_then(|e| e.commune_name.as_ref())),
            text(hq.and_then(|e| e.latitude)),
            text(hq.and_then(|e| e.longitude)),
            self.establishments.to_string(),
            self.labels
                .iter()
                .map(|l| match l.valid_to {
                    Some(to) => format!("{}:{to}", l.kind),
                    None => l.kind.clone(),
                })
                .collect::<Vec<_>>()
                .join("|"),
            self.source.clone(),
            text(self.external_id.as_ref()),
            self.updated_at.to_rfc3339(),
            self.version.to_string(),
        ]
    }
}

/// Writes one CSV line (RFC 4180: fields holding a comma, quote or line break are quoted,
/// quotes doubled; lines end with CRLF).
pub fn write_csv_row<'a, W: Write>(out: &mut W, fields: impl IntoIterator<Item = &'a str>) -> std::io::Result<()> {
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.write_all(b"\"")?;
            out.write_all(field.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(field.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        write_csv_row(&mut out, ["plain", "a,b", "say \"hi\"", "two\nlines", ""]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n"
        );
    }

    #[test]
    fn euro_amounts_are_exact_to_the_cent() {
        assert_eq!(text(Some(Cents::new(123_456_789))), "1234567.89");
        assert_eq!(text(Some(Cents::new(5))), "0.05");
        assert_eq!(text(Some(Cents::new(-150))), "-1.50");
        assert_eq!(text(None::<Cents>), "");
        let modification = |amount| ModificationRecord {
            seq: 1,
            notified_on: None,
            published_on: None,
            new_duration_months: None,
            new_amount: amount,
        };
        let json = serde_json::to_value(modification(Some(Cents::new(1_234_567)))).unwrap();
        assert_eq!(json["newAmountEur"], serde_json::json!(12_345.67));
        let json = serde_json::to_value(modification(None)).unwrap();
        assert_eq!(json["newAmountEur"], serde_json::Value::Null);
    }
}
