//! The rows of a contract: dates, object, procedure, execution, considerations and
//! modifications.

use chrono::{Datelike, Days, Months, NaiveDate};
use entity::{
    contract, contract_modification,
    enums::{ContractKind, ExecPlaceType, PurchaseType, TerritoryLevel},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{EU_THRESHOLDS, MODIFIED_SHARE, Terms, Writer};
use crate::seed::demo::{
    SEEDED_AT, SOURCE, TODAY,
    ecosystem::{Member, Role},
    purchases::{CONCESSION_PROCEDURES, PRICE_TYPES, PROCEDURES, Purchase},
    vocabulary::{Sector, with_de},
};

impl Writer<'_> {
    /// Publication date of data notified on `notified_on`: 5 to 60 days later, never after the
    /// demo date.
    pub(super) fn published(&mut self, notified_on: NaiveDate) -> NaiveDate {
        let delay = self.rng.between(5, 60) as u64;
        notified_on
            .checked_add_days(Days::new(delay))
            .unwrap_or(notified_on)
            .min(TODAY)
            .max(notified_on)
    }

    /// The modifications of a contract (for about [`MODIFIED_SHARE`] of them), and its amount
    /// and duration after the last one.
    pub(super) fn modifications(
        &mut self,
        contract_id: Uuid,
        terms: &Terms,
        notified_on: NaiveDate,
    ) -> (Vec<contract_modification::Model>, i64, i32) {
        let mut amount = terms.amount_cents;
        let mut duration = terms.duration_months;
        let mut modifications = Vec::new();
        if !self.rng.chance(MODIFIED_SHARE) {
            return (modifications, amount, duration);
        }
        let count = if self.rng.chance(0.75) { 1 } else { 2 };
        let mut last = notified_on;
        for seq in 1..=count {
            let gap = self.rng.between(30, 365) as u64;
            let Some(modified_on) = last.checked_add_days(Days::new(gap)).filter(|d| *d < TODAY) else {
                break;
            };
            let increase = 1.0 + self.rng.between(3, 20) as f64 / 100.0;
            amount = (amount as f64 * increase).round() as i64;
            let new_duration = self.rng.chance(0.35).then(|| duration + self.rng.between(3, 12) as i32);
            if let Some(new_duration) = new_duration {
                duration = new_duration;
            }
            let published_on = self.published(modified_on);
            modifications.push(contract_modification::Model {
                id: self.rng.uuid(),
                contract_id,
                seq,
                notified_on: Some(modified_on),
                published_on: Some(published_on),
                new_duration_months: new_duration,
                new_amount_cents: Some(amount),
                created_at: SEEDED_AT,
            });
            last = modified_on;
        }
        (modifications, amount, duration)
    }

    /// The contract row.
    pub(super) fn contract_row(&mut self, row: ContractRow<'_>) -> contract::Model {
        let ContractRow {
            id,
            buyer,
            buyer_siret,
            internal_id,
            terms,
            notified_on,
            published_on,
            ..
        } = row;
        let concession = terms.kind == ContractKind::Concession;
        let commune_id = buyer.headquarters.commune_id.clone();
        let commune = self.geo.territory(&commune_id);
        let procedure = self.procedure(terms);
        let (techniques, execution_modes, price_form, price_types) = self.execution(terms);
        let offers = if concession {
            self.rng.between(1, 3)
        } else {
            self.rng.between(1, 8)
        } as i32;
        let advance = !concession && self.rng.chance(0.3);
        let advance_rate = if advance {
            *self.rng.pick(&[0.05, 0.1, 0.2, 0.3]).unwrap_or(&0.05)
        } else {
            0.0
        };
        let (origin_eu, origin_fr) = self.origins(terms);
        let object = self.object(terms.purchase, buyer, notified_on);
        let subsidy = (concession && self.rng.chance(0.4))
            .then(|| (terms.amount_cents as f64 * self.rng.between(5, 30) as f64 / 100.0).round() as i64);
        let exec_start_on = concession.then(|| {
            let months = self.rng.between(1, 3) as u32;
            notified_on
                .checked_add_months(Months::new(months))
                .and_then(|d| d.with_day(1))
                .unwrap_or(notified_on)
        });
        contract::Model {
            id,
            uid: format!("{buyer_siret}{internal_id}"),
            buyer_internal_id: internal_id,
            kind: terms.kind,
            nature: Some(
                if concession {
                    terms.purchase.ccag_or_nature
                } else {
                    "Marché"
                }
                .to_owned(),
            ),
            object: Some(object),
            cpv_code: Some(terms.cpv.as_str().to_owned()),
            cpv_division: Some(terms.cpv.division().to_owned()),
            purchase_type: Some(terms.cpv.purchase_type()),
            procedure: Some(procedure),
            techniques,
            execution_modes,
            framework_uid: None,
            innovative: Some(self.rng.chance(0.01)),
            ccag: (!concession).then(|| terms.purchase.ccag_or_nature.to_owned()),
            offers_received: Some(offers),
            advance: (!concession).then_some(advance),
            advance_rate: (!concession).then_some(advance_rate),
            grouping_type: (!concession).then(|| self.grouping(row.supplier_count)),
            subcontracting_declared: Some(self.rng.chance(0.12)),
            exec_place_code: commune.map(|c| c.code.clone()),
            exec_place_type: commune.map(|_| ExecPlaceType::CommuneCode),
            exec_territory_id: commune.map(|c| c.id.clone()),
            duration_months: Some(terms.duration_months),
            notified_on: Some(notified_on),
            published_on: Some(published_on),
            amount_cents: Some(terms.amount_cents),
            price_form,
            price_types,
            origin_eu,
            origin_fr,
            social_considerations: social_considerations(terms),
            environmental_considerations: environmental_considerations(terms),
            social_clause: terms.social_clause,
            social_criterion: terms.social_criterion,
            reserved: terms.reserved,
            env_clause: terms.env_clause,
            env_criterion: terms.env_criterion,
            current_amount_cents: Some(row.current_amount),
            current_duration_months: Some(row.current_duration),
            buyer_siret,
            buyer_establishment_id: Some(buyer.headquarters.establishment_id),
            buyer_organisation_id: Some(buyer.organisation_id),
            signed_on: concession.then_some(notified_on),
            exec_start_on,
            public_subsidy_cents: subsidy,
            quality_flags: json!([]),
            source: SOURCE.to_owned(),
            external_id: Some(format!("demo-contract-{:05}", self.output.contracts.len() + 1)),
            source_updated_at: row.last_published.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
            created_at: SEEDED_AT,
            updated_at: SEEDED_AT,
            deleted_at: None,
            version: 1,
        }
    }

    /// The object of a contract: a template of the purchase filled with the buyer, sometimes
    /// with a lot number.
    pub(super) fn object(&mut self, purchase: &Purchase, buyer: &Member, notified_on: NaiveDate) -> String {
        let template = self.rng.pick(purchase.objects).copied().unwrap_or("Marché {de_buyer}");
        let de_buyer = match buyer.role {
            Role::Buyer {
                level: TerritoryLevel::Epci,
                ..
            } => epci_with_de(&buyer.name),
            _ => with_de(&buyer.name),
        };
        let object = template
            .replace("{de_buyer}", &de_buyer)
            .replace("{place}", self.geo.name(&buyer.headquarters.commune_id))
            .replace("{year}", &notified_on.year().to_string());
        if self.rng.chance(0.15) {
            format!("{object} – lot {}", self.rng.between(1, 6))
        } else {
            object
        }
    }

    /// The procedure: formal above the European thresholds, mostly adapted below.
    pub(super) fn procedure(&mut self, terms: &Terms) -> String {
        if terms.kind == ContractKind::Concession {
            return self
                .rng
                .pick(CONCESSION_PROCEDURES)
                .copied()
                .unwrap_or("Procédure négociée ouverte")
                .to_owned();
        }
        let euros = terms.amount_cents as f64 / 100.0;
        let threshold = if terms.cpv.purchase_type() == PurchaseType::Works {
            EU_THRESHOLDS.1
        } else {
            EU_THRESHOLDS.0
        };
        let above = euros >= threshold;
        let procedure = self
            .rng
            .pick_by_weight(
                PROCEDURES,
                |(_, below_weight, above_weight)| if above { *above_weight } else { *below_weight },
            )
            .map_or("Procédure adaptée", |(name, _, _)| *name);
        if terms.reserved && procedure.starts_with("Marché passé sans") {
            "Procédure adaptée".to_owned()
        } else {
            procedure.to_owned()
        }
    }

    /// Techniques, execution modes, price form and price types.
    pub(super) fn execution(&mut self, terms: &Terms) -> (Value, Value, Option<String>, Value) {
        if terms.kind == ContractKind::Concession {
            return (json!([]), json!([]), None, json!([]));
        }
        let works = terms.cpv.purchase_type() == PurchaseType::Works;
        let (techniques, modes, form) = if terms.framework {
            let modes = if self.rng.chance(0.8) {
                "Bons de commande"
            } else {
                "Marchés subséquents"
            };
            ("Accord-cadre", modes, "Unitaire")
        } else if works {
            let modes = if self.rng.chance(0.15) {
                "Tranches"
            } else {
                "Sans objet"
            };
            (
                "Sans objet",
                modes,
                if self.rng.chance(0.7) { "Forfaitaire" } else { "Mixte" },
            )
        } else {
            let form = self
                .rng
                .pick_by_weight(&[("Forfaitaire", 50), ("Unitaire", 30), ("Mixte", 20)], |(_, w)| *w);
            ("Sans objet", "Sans objet", form.map_or("Forfaitaire", |(f, _)| *f))
        };
        let price_type = self
            .rng
            .pick_by_weight(PRICE_TYPES, |(_, w)| *w)
            .map_or("Définitif ferme", |(t, _)| *t);
        (
            json!([techniques]),
            json!([modes]),
            Some(form.to_owned()),
            json!([price_type]),
        )
    }

    /// Shares of EU and French origin, for food and vehicles.
    pub(super) fn origins(&mut self, terms: &Terms) -> (Option<f64>, Option<f64>) {
        if terms.kind == ContractKind::Concession || !matches!(terms.purchase.sector, Sector::Food | Sector::Vehicles) {
            return (None, None);
        }
        let eu = self.rng.between(50, 100) as f64 / 100.0;
        let fr = (eu * self.rng.between(40, 100) as f64).round() / 100.0;
        (Some(eu), Some(fr.min(eu)))
    }

    /// Grouping of operators for `count` suppliers.
    pub(super) fn grouping(&mut self, count: usize) -> String {
        match count {
            0 | 1 => "Pas de groupement",
            _ if self.rng.chance(0.6) => "Conjoint",
            _ => "Solidaire",
        }
        .to_owned()
    }
}

/// What [`Writer::contract_row`] needs.
pub(super) struct ContractRow<'a> {
    pub(super) id: Uuid,
    pub(super) buyer: &'a Member,
    pub(super) buyer_siret: String,
    pub(super) internal_id: String,
    pub(super) terms: &'a Terms,
    pub(super) notified_on: NaiveDate,
    pub(super) published_on: NaiveDate,
    pub(super) supplier_count: usize,
    pub(super) current_amount: i64,
    pub(super) current_duration: i32,
    pub(super) last_published: NaiveDate,
}

/// An EPCI's name after "de": "de la CA du Grand Avignon", "de la Métropole Nice Côte d'Azur",
/// "de Toulouse Métropole".
pub(super) fn epci_with_de(name: &str) -> String {
    if ["CA ", "CC ", "CU ", "Métropole", "Communauté"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
    {
        format!("de la {name}")
    } else {
        with_de(name)
    }
}

/// DECP social considerations matching the flags.
pub(super) fn social_considerations(terms: &Terms) -> Value {
    let reserved = if terms.kind == ContractKind::Concession {
        "Concession réservée"
    } else {
        "Marché réservé"
    };
    considerations(
        &[
            (terms.social_clause, "Clause sociale"),
            (terms.social_criterion, "Critère social"),
            (terms.reserved, reserved),
        ],
        "Pas de considération sociale",
    )
}

/// DECP environmental considerations matching the flags.
pub(super) fn environmental_considerations(terms: &Terms) -> Value {
    considerations(
        &[
            (terms.env_clause, "Clause environnementale"),
            (terms.env_criterion, "Critère environnemental"),
        ],
        "Pas de considération environnementale",
    )
}

/// The DECP list of the considerations whose flag is set, in order, or `[none]` when none is.
fn considerations(flagged: &[(bool, &'static str)], none: &'static str) -> Value {
    let values: Vec<&str> = flagged
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, value)| *value)
        .collect();
    if values.is_empty() {
        json!([none])
    } else {
        json!(values)
    }
}
