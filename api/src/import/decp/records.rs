//! Turning one DECP record into a contract ready to write, or rejecting it whole.

use std::collections::HashSet;

use chrono::{Datelike, Utc};
use entity::enums::{ContractKind, IdScheme};
use serde_json::Value;

use super::{
    Prepared,
    document::{Hint, RawRecord},
    fields::{Reader, is_missing, place_type, read_siret, scheme},
};
use crate::import::{RejectLine, Rejected};
use crate::{
    domain::CpvCode,
    store::{
        write::SOURCE_CLOCK_SKEW,
        write::contract::{ContractDetails, ContractFields, ModificationFields, SupplierIdentifier},
    },
};

/// Reads one record into a contract, or `None` when it must be rejected whole (the reason
/// is pushed to `rejects`).
pub(super) fn prepare(raw: &RawRecord, rejects: &mut Vec<RejectLine>) -> Option<Prepared> {
    let record = &raw.value;
    let position = raw.position;
    let reject_record = |rejects: &mut Vec<RejectLine>, id: String, field: &str, value: &Value, reason: String| {
        rejects.push(RejectLine {
            record: id,
            position,
            field: field.to_owned(),
            value: value.clone(),
            reason,
            rejected: Rejected::Record,
        });
    };
    if !record.is_object() {
        reject_record(
            rejects,
            format!("#{position}"),
            "record",
            record,
            "a record must be a JSON object".to_owned(),
        );
        return None;
    }
    let concession = match raw.hint {
        Hint::Concession => true,
        Hint::Contract => false,
        Hint::Unknown => {
            record.get("autoriteConcedante").is_some()
                || record
                    .get("_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.to_lowercase().contains("concession"))
        }
    };
    let buyer_key = if concession { "autoriteConcedante" } else { "acheteur" };
    let buyer = record.get(buyer_key).cloned().unwrap_or(Value::Null);
    let buyer_raw = match &buyer {
        Value::Object(map) => map
            .get("id")
            .or_else(|| map.get("siret"))
            .filter(|v| !is_missing(v))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
        Value::String(text) if !is_missing(&buyer) => Some(text.clone()),
        _ => None,
    };
    let id_value = record.get("id").cloned().unwrap_or(Value::Null);
    let internal_id = match &id_value {
        Value::String(text) if !is_missing(&id_value) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    let Some(internal_id) = internal_id else {
        reject_record(
            rejects,
            format!("#{position}"),
            "id",
            &id_value,
            "the contract has no id".to_owned(),
        );
        return None;
    };
    let Some(buyer_raw) = buyer_raw else {
        reject_record(
            rejects,
            format!("#{position}"),
            &format!("{buyer_key}.id"),
            &buyer,
            "the buyer has no SIRET".to_owned(),
        );
        return None;
    };
    let (buyer_siret, buyer_padded) = match read_siret(&buyer_raw) {
        Ok(read) => read,
        Err(reason) => {
            reject_record(
                rejects,
                format!("#{position}"),
                &format!("{buyer_key}.id"),
                &Value::String(buyer_raw.clone()),
                format!("invalid buyer SIRET: {reason}"),
            );
            return None;
        }
    };
    let uid = format!("{}{internal_id}", buyer_siret.as_str());
    if internal_id.chars().count() > 16 {
        reject_record(
            rejects,
            uid,
            "id",
            &id_value,
            "the contract id must have 1 to 16 characters".to_owned(),
        );
        return None;
    }
    let mut reader = Reader {
        position,
        record: uid.clone(),
        rejects,
        flags: Vec::new(),
    };
    for (field, token) in &raw.non_finite {
        reader.reject(
            field,
            &Value::String((*token).to_owned()),
            format!("bare {token} token (not JSON): read as a missing value"),
        );
    }
    if buyer_padded {
        reader.flag(
            &format!("{buyer_key}.id"),
            &buyer_raw,
            "SIRET published without its leading zeros",
        );
    }
    let buyer_name = buyer.get("nom").and_then(Value::as_str).map(str::to_owned);
    let mut names = vec![(buyer_siret.clone(), buyer_name)];

    let object = reader.text(record, "objet").map(|object| {
        if object.chars().count() > 1000 {
            object.chars().take(1000).collect()
        } else {
            object
        }
    });
    let cpv_code = reader
        .text(record, "codeCPV")
        .and_then(|cpv| match CpvCode::parse(&cpv) {
            Ok(_) => Some(cpv),
            Err(error) => {
                reader.reject("codeCPV", &Value::String(cpv), error.reason);
                None
            }
        });
    let longest = if concession { 1200 } else { 600 };
    let duration_months = reader.months(record, "dureeMois", longest);
    let (notified_on, signed_on, exec_start_on) = if concession {
        let signed = reader.date(record, "dateSignature");
        (signed, signed, reader.date(record, "dateDebutExecution"))
    } else {
        (reader.date(record, "dateNotification"), None, None)
    };
    let published_on = reader.date(record, "datePublicationDonnees");
    let amount = reader.amount(record, if concession { "valeurGlobale" } else { "montant" });
    let public_subsidy = if concession {
        reader.amount(record, "montantSubventionPublique")
    } else {
        None
    };
    let today = Utc::now().date_naive();
    for (field, date) in [
        (
            if concession {
                "dateSignature"
            } else {
                "dateNotification"
            },
            notified_on,
        ),
        ("datePublicationDonnees", published_on),
    ] {
        if let Some(date) = date
            && (date.year() < 1990 || date > today + chrono::Days::new(366))
        {
            reader.flag(field, date, "implausible date (before 1990 or more than a year ahead)");
        }
    }
    if let (Some(notified), Some(published)) = (notified_on, published_on)
        && published < notified
    {
        reader.flag(
            "datePublicationDonnees",
            published,
            &format!("published before it was notified ({notified})"),
        );
    }

    let exec_place = record.get("lieuExecution").filter(|v| !is_missing(v)).cloned();
    let (exec_place_code, exec_place_type) = match &exec_place {
        Some(place @ Value::Object(_)) => {
            let code = reader.text(place, "code");
            let kind = reader.text(place, "typeCode").and_then(|raw| {
                let kind = place_type(&raw);
                if kind.is_none() {
                    reader.reject(
                        "lieuExecution.typeCode",
                        &Value::String(raw),
                        "unknown kind of place code",
                    );
                }
                kind
            });
            (code, kind)
        }
        Some(other) => {
            reader.reject("lieuExecution", other, "expected an object {code, typeCode}");
            (None, None)
        }
        None => (None, None),
    };

    let social = reader.texts(record, &["considerationsSociales"]);
    let environmental = reader.texts(record, &["considerationsEnvironnementales"]);
    let has = |list: &[String], needle: &str| list.iter().any(|v| v.to_lowercase().contains(needle));

    // Suppliers.
    let (list_key, wrapper) = if concession {
        ("concessionnaires", "concessionnaire")
    } else {
        ("titulaires", "titulaire")
    };
    let mut supplier_sirets: Vec<String> = Vec::new();
    let mut other_suppliers: Vec<SupplierIdentifier> = Vec::new();
    let mut seen_suppliers: HashSet<String> = HashSet::new();
    for (index, supplier) in reader.elements(record, list_key, wrapper).into_iter().enumerate() {
        let field = format!("{list_key}.{index}");
        let (raw_id, raw_scheme, name) = match &supplier {
            Value::Object(map) => (
                map.get("id")
                    .filter(|v| !is_missing(v))
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                map.get("typeIdentifiant").and_then(Value::as_str).map(str::to_owned),
                map.get("denominationSociale")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ),
            Value::String(text) if !is_missing(&supplier) => {
                reader.flag(&field, text, "supplier given as a bare string, read as its identifier");
                (Some(text.clone()), None, None)
            }
            other => {
                if !is_missing(other) {
                    reader.reject(&field, other, "a supplier must be an object {id, typeIdentifiant}");
                }
                continue;
            }
        };
        let Some(raw_id) = raw_id else {
            reader.reject(&format!("{field}.id"), &supplier, "the supplier has no identifier");
            continue;
        };
        let scheme = match raw_scheme.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => match scheme(raw) {
                Some(scheme) => scheme,
                None => {
                    reader.reject(
                        &format!("{field}.typeIdentifiant"),
                        &Value::String(raw.to_owned()),
                        "unknown identifier type (expected SIRET, TVA, TAHITI, RIDET, FRWF, IREP or HORS-UE)",
                    );
                    continue;
                }
            },
            None => IdScheme::Siret,
        };
        match scheme {
            IdScheme::Siret | IdScheme::Siren => match read_siret(&raw_id) {
                Ok((siret, padded)) => {
                    if padded {
                        reader.flag(
                            &format!("{field}.id"),
                            &raw_id,
                            "SIRET published without its leading zeros",
                        );
                    }
                    if seen_suppliers.insert(siret.as_str().to_owned()) {
                        supplier_sirets.push(siret.as_str().to_owned());
                        names.push((siret, name));
                    }
                }
                Err(reason) => {
                    reader.reject(
                        &format!("{field}.id"),
                        &Value::String(raw_id),
                        format!("invalid supplier SIRET: {reason}"),
                    );
                }
            },
            scheme => {
                let value = raw_id.trim().to_uppercase().replace(' ', "");
                if seen_suppliers.insert(value.clone()) {
                    other_suppliers.push(SupplierIdentifier { scheme, value });
                }
            }
        }
    }

    // Modifications.
    let mut modifications: Vec<ModificationFields> = Vec::new();
    let mut latest_publication = published_on;
    for (index, modification) in reader
        .elements(record, "modifications", "modification")
        .into_iter()
        .enumerate()
    {
        let field = format!("modifications.{index}");
        if !modification.is_object() {
            if !is_missing(&modification) {
                reader.reject(&field, &modification, "a modification must be an object");
            }
            continue;
        }
        let seq = reader
            .integer(&modification, "id")
            .and_then(|id| i32::try_from(id).ok())
            .unwrap_or(i32::try_from(index + 1).unwrap_or(i32::MAX));
        if modifications.iter().any(|m| m.seq == seq) {
            reader.reject(
                &format!("{field}.id"),
                &modification["id"],
                "the same modification id appears twice",
            );
            continue;
        }
        let notified_on = reader
            .date(&modification, "dateNotificationModification")
            .or_else(|| reader.date(&modification, "dateSignatureModification"));
        let published = reader.date(&modification, "datePublicationDonneesModification");
        if let Some(published) = published {
            latest_publication = latest_publication.max(Some(published));
        }
        let new_amount = reader
            .amount(&modification, "montant")
            .or_else(|| reader.amount(&modification, "valeurGlobale"));
        modifications.push(ModificationFields {
            seq,
            notified_on,
            published_on: published,
            new_duration_months: reader.months(&modification, "dureeMois", longest),
            new_amount,
        });
    }

    let details = ContractDetails {
        nature: reader.text(record, "nature"),
        published_on,
        exec_place_code,
        exec_place_type,
        techniques: reader.texts(record, &["techniques", "technique"]),
        execution_modes: reader.texts(record, &["modalitesExecution", "modaliteExecution"]),
        framework_id: reader
            .text(record, "idAccordCadre")
            .filter(|id| id.chars().count() <= 16),
        innovative: reader.boolean(record, "marcheInnovant"),
        ccag: reader.text(record, "ccag"),
        offers_received: reader
            .integer(record, "offresRecues")
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| *n >= 0),
        advance: reader.boolean(record, "attributionAvance"),
        advance_rate: reader.share(record, "tauxAvance"),
        grouping_type: reader.text(record, "typeGroupementOperateurs"),
        subcontracting_declared: reader.boolean(record, "sousTraitanceDeclaree"),
        price_form: reader.text(record, "formePrix"),
        price_types: reader.texts(record, &["typesPrix", "typePrix"]),
        origin_eu: reader.share(record, "origineUE"),
        origin_fr: reader.share(record, "origineFrance"),
        social_considerations: social.clone(),
        environmental_considerations: environmental.clone(),
        signed_on,
        exec_start_on,
        public_subsidy,
        quality_flags: Vec::new(),
        other_suppliers,
        modifications,
    };
    let procedure = reader.text(record, "procedure");
    let mut published = latest_publication
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc());
    // A publication in the future would make every later one look older: not kept as the
    // contract's update time (the store refuses it).
    if let Some(future) = published.filter(|at| *at > Utc::now() + SOURCE_CLOCK_SKEW) {
        reader.flag(
            "datePublicationDonnees",
            future.date_naive(),
            "publication in the future: not used as the contract's update time",
        );
        published = None;
    }
    let flags = std::mem::take(&mut reader.flags);
    let flagged = !flags.is_empty();
    Some(Prepared {
        position,
        uid: uid.clone(),
        names,
        published,
        flagged,
        fields: ContractFields {
            external_id: Some(uid),
            buyer_siret: buyer_siret.as_str().to_owned(),
            buyer_internal_id: internal_id,
            kind: if concession {
                ContractKind::Concession
            } else {
                ContractKind::PublicContract
            },
            object,
            cpv_code,
            procedure,
            notified_on,
            duration_months,
            amount,
            social_clause: has(&social, "clause"),
            social_criterion: has(&social, "critère") || has(&social, "critere"),
            reserved: has(&social, "réserv") || has(&social, "reserv"),
            env_clause: has(&environmental, "clause"),
            env_criterion: has(&environmental, "critère") || has(&environmental, "critere"),
            supplier_sirets,
            source_updated_at: published,
            details: Some(ContractDetails {
                quality_flags: flags,
                ..details
            }),
        },
    })
}
