//! Reading one row of a Sirene table into a legal unit or an establishment, field by field,
//! with the reference tables (legal categories, communes) the reading needs.

use chrono::NaiveDate;
use entity::enums::{EssFamily, EstablishmentStatus, OrganisationStatus};
use serde_json::Value;

use super::parsers::{
    parse_company_category, parse_day, parse_headcount_band, parse_metres, parse_timestamp, parse_year, parse_yes_no,
    street_line,
};
use crate::import::{RejectLine, Rejected, table::Header};
use crate::{
    domain::{CommuneCode, NON_DIFFUSIBLE, NafCode, Rna, Siren, Siret, geo::lambert93_to_wgs84},
    store::{
        write::establishment::EstablishmentFields,
        write::organisation::OrganisationFields,
        write::register::{RegisterEstablishment, RegisterFacts, RegisterUnit},
    },
};

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
pub(super) struct Reference {
    /// Default SSE family of each legal category.
    pub(super) legal_categories: std::collections::HashMap<String, EssFamily>,
    /// Territory id of each commune code.
    pub(super) communes: std::collections::HashMap<String, String>,
}

/// A legal unit read from a row, or `None` when rejected whole; with its rejected fields.
pub(super) fn read_unit(
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
pub(super) fn read_establishment(
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
