//! Step 4, public procurement: [`CONTRACT_COUNT`] contracts notified from 2019 to October 2026
//! by the buyers (drawn by population), each with its purchase ([`PURCHASES`], a few
//! [`CONCESSIONS`]), amount, procedure, social and environmental considerations (more frequent
//! over the years), suppliers with buyer–supplier distance and locality, and sometimes
//! modifications.
//!
//! Suppliers are drawn among the organisations whose sector fits the purchase, near the buyer
//! first (EPCI, then département, région, anywhere in the three régions): about
//! [`SSE_SUPPLIER_SHARE`] of the slots go to the SSE, some to companies far away, and a few to
//! foreign companies known only by a VAT number. Reserved contracts go to SIAE, EA or ESAT.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use entity::{
    contract, contract_modification, contract_supplier,
    enums::{ContractKind, ExecPlaceType, IdScheme, LocalityLevel, PurchaseType, TerritoryLevel},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    CONTRACT_COUNT, SEEDED_AT, SOURCE, TODAY, date,
    ecosystem::{Member, Role},
    geography::Geography,
    numbers,
    purchases::{CONCESSION_PROCEDURES, CONCESSIONS, PRICE_TYPES, PROCEDURES, PURCHASES, Purchase},
    random::{DemoRng, WeightedIndex},
    vocabulary::{Sector, with_de},
};
use crate::{
    domain::{
        CpvCode, ValidationError,
        geo::{distance_km, locality_level},
    },
    store::contracts::NewContracts,
};

/// First notification date.
const FIRST_NOTIFICATION: NaiveDate = date(2019, 1, 1);

/// Last notification date.
const LAST_NOTIFICATION: NaiveDate = date(2026, 10, 31);

/// Share of concessions among contracts.
const CONCESSION_SHARE: f64 = 0.03;

/// Share of supplier slots offered to the SSE first.
pub(super) const SSE_SUPPLIER_SHARE: f64 = 0.40;

/// Share of the ordinary companies' slots that go to companies outside the three régions.
const FAR_SUPPLIER_SHARE: f64 = 0.10;

/// Share of supplier slots that go to foreign companies.
const FOREIGN_SUPPLIER_SHARE: f64 = 0.01;

/// Share of contracts reserved to SIAE, EA or ESAT, among those whose purchase they supply.
const RESERVED_SHARE_WHEN_POSSIBLE: f64 = 0.07;

/// Standard deviation of the logarithm of amounts around their purchase's median.
const AMOUNT_SPREAD: f64 = 0.8;

/// Share of contracts with modifications.
const MODIFIED_SHARE: f64 = 0.10;

/// European thresholds above which a formal procedure is the rule (local authorities,
/// euros excluding VAT): supplies and services, works.
const EU_THRESHOLDS: (f64, f64) = (221_000.0, 5_538_000.0);

/// Where a supplier is looked for, nearest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// The buyer's EPCI.
    Epci,
    /// The buyer's département.
    Departement,
    /// The buyer's région.
    Region,
    /// Anywhere in the pool.
    Anywhere,
}

const SCOPES: [Scope; 4] = [Scope::Epci, Scope::Departement, Scope::Region, Scope::Anywhere];

/// Groups of candidate suppliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pool {
    /// SSE organisations of the three régions.
    Sse,
    /// Those of them holding a SIAE, EA or ESAT label.
    Inclusive,
    /// Ordinary companies of the three régions.
    Company,
    /// Companies outside the three régions.
    Far,
}

impl Pool {
    /// Probability of starting the search at each scope.
    fn scope_weights(self) -> [f64; 4] {
        match self {
            Pool::Sse => [0.45, 0.30, 0.17, 0.08],
            Pool::Inclusive => [0.50, 0.35, 0.10, 0.05],
            Pool::Company => [0.35, 0.30, 0.25, 0.10],
            Pool::Far => [0.0, 0.0, 0.0, 1.0],
        }
    }
}

/// Candidate suppliers by pool, sector and area (`*` for anywhere).
struct SupplierPools {
    index: BTreeMap<(Pool, Sector, String), Vec<usize>>,
}

impl SupplierPools {
    fn new(members: &[Member]) -> Self {
        let mut index: BTreeMap<(Pool, Sector, String), Vec<usize>> = BTreeMap::new();
        for (i, member) in members.iter().enumerate() {
            let (Some(sector), Some(_)) = (member.sector, &member.headquarters.siret) else {
                continue;
            };
            if !member.active {
                continue;
            }
            let pools: &[Pool] = match member.role {
                Role::Buyer { .. } => continue,
                Role::Far => &[Pool::Far],
                Role::Local if !member.is_sse() => &[Pool::Company],
                Role::Local if member.inclusive => &[Pool::Sse, Pool::Inclusive],
                Role::Local => &[Pool::Sse],
            };
            let placement = &member.headquarters.placement;
            let areas = [&placement.epci_id, &placement.departement_id, &placement.region_id];
            for &pool in pools {
                index.entry((pool, sector, "*".to_owned())).or_default().push(i);
                if pool == Pool::Far {
                    continue;
                }
                for area in areas.into_iter().flatten() {
                    index.entry((pool, sector, area.clone())).or_default().push(i);
                }
            }
        }
        Self { index }
    }

    fn candidates(&self, pool: Pool, sector: Sector, area: &str) -> &[usize] {
        self.index
            .get(&(pool, sector, area.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    fn has(&self, pool: Pool, sector: Sector) -> bool {
        !self.candidates(pool, sector, "*").is_empty()
    }
}

/// One supplier slot's outcome.
enum Supplier {
    /// A member of the ecosystem.
    Member(usize),
    /// A foreign company known by its VAT number.
    Foreign(String),
}

/// Generates the contracts of the buyers among `members`.
pub(super) fn generate(geo: &Geography, members: &[Member]) -> Result<NewContracts, ValidationError> {
    let mut rng = DemoRng::for_step("contracts");
    let buyers: Vec<usize> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_buyer())
        .map(|(i, _)| i)
        .collect();
    let weights = WeightedIndex::new(buyers.iter().map(|&i| match members[i].role {
        Role::Buyer { population, .. } => u64::try_from(population).unwrap_or(0),
        _ => 0,
    }));
    let mut notices: Vec<(usize, NaiveDate)> = (0..CONTRACT_COUNT)
        .filter_map(|_| {
            let buyer = *buyers.get(weights.sample(&mut rng)?)?;
            Some((buyer, rng.date_between(FIRST_NOTIFICATION, LAST_NOTIFICATION)))
        })
        .collect();
    notices.sort_unstable();
    let mut writer = Writer {
        geo,
        members,
        pools: SupplierPools::new(members),
        foreign: foreign_vat_numbers(&mut rng),
        rng,
        output: NewContracts::default(),
    };
    let mut sequences: BTreeMap<(usize, i32), u32> = BTreeMap::new();
    for (buyer, notified_on) in notices {
        let sequence = sequences.entry((buyer, notified_on.year())).or_default();
        *sequence += 1;
        let internal_id = format!("{}-{:05}", notified_on.year(), sequence);
        writer.contract(buyer, notified_on, internal_id)?;
    }
    Ok(writer.output)
}

/// VAT numbers of the foreign companies that win a few contracts: Belgian (mod-97 key),
/// Spanish, Italian (Luhn key), German and Luxembourgish.
fn foreign_vat_numbers(rng: &mut DemoRng) -> Vec<String> {
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let base: u64 = format!("0{}", rng.digits(7)).parse().unwrap_or(1_234_567);
        numbers.push(format!("BE{base:08}{:02}", 97 - base % 97));
        numbers.push(format!("ESB{}", rng.digits(8)));
        numbers.push(format!("IT{}", numbers::with_luhn_digit(&rng.digits(10))));
    }
    numbers.push(format!("DE{}", rng.digits(9)));
    numbers.push(format!("DE{}", rng.digits(9)));
    numbers.push(format!("LU{}", rng.digits(8)));
    numbers
}

/// What is decided about a contract before its rows are built.
struct Terms {
    kind: ContractKind,
    purchase: &'static Purchase,
    cpv: CpvCode,
    amount_cents: i64,
    duration_months: i32,
    framework: bool,
    social_clause: bool,
    social_criterion: bool,
    reserved: bool,
    env_clause: bool,
    env_criterion: bool,
}

/// Builds the contracts one by one.
struct Writer<'a> {
    geo: &'a Geography,
    members: &'a [Member],
    pools: SupplierPools,
    foreign: Vec<String>,
    rng: DemoRng,
    output: NewContracts,
}

impl Writer<'_> {
    /// Adds one contract of `buyer` notified on `notified_on`, with its suppliers and
    /// modifications.
    fn contract(&mut self, buyer: usize, notified_on: NaiveDate, internal_id: String) -> Result<(), ValidationError> {
        let members = self.members;
        let buyer = &members[buyer];
        let Some(buyer_siret) = buyer.headquarters.siret.clone() else {
            return Ok(());
        };
        let is_epci = matches!(
            buyer.role,
            Role::Buyer {
                level: TerritoryLevel::Epci,
                ..
            }
        );
        let terms = self.terms(is_epci, notified_on)?;
        let id = self.rng.uuid();
        let suppliers = self.suppliers(buyer, &terms, notified_on);
        let published_on = self.published(notified_on);
        let (modifications, current_amount, current_duration) = self.modifications(id, &terms, notified_on);
        let last_published = modifications
            .iter()
            .filter_map(|m| m.published_on)
            .max()
            .unwrap_or(published_on);
        let row = self.contract_row(ContractRow {
            id,
            buyer,
            buyer_siret,
            internal_id,
            terms: &terms,
            notified_on,
            published_on,
            supplier_count: suppliers.len(),
            current_amount,
            current_duration,
            last_published,
        });
        for (position, supplier) in suppliers.into_iter().enumerate() {
            let supplier = self.supplier_row(id, buyer, position, supplier);
            self.output.suppliers.push(supplier);
        }
        self.output.contracts.push(row);
        self.output.modifications.extend(modifications);
        Ok(())
    }

    /// Draws the purchase, amount, duration and considerations.
    fn terms(&mut self, is_epci: bool, notified_on: NaiveDate) -> Result<Terms, ValidationError> {
        let weight = |p: &Purchase| if is_epci { p.epci_weight } else { p.commune_weight };
        let concession = self.rng.chance(CONCESSION_SHARE);
        let (kind, purchase) = match self.rng.pick_by_weight(CONCESSIONS, weight) {
            Some(purchase) if concession => (ContractKind::Concession, purchase),
            _ => (
                ContractKind::PublicContract,
                self.rng.pick_by_weight(PURCHASES, weight).unwrap_or(&PURCHASES[0]),
            ),
        };
        let cpv = CpvCode::parse(purchase.cpv)?;
        let works = cpv.purchase_type() == PurchaseType::Works;
        let (low, high) = match kind {
            ContractKind::Concession => (300_000.0, 30_000_000.0),
            _ if works => (40_000.0, 15_000_000.0),
            _ => (40_000.0, 5_000_000.0),
        };
        let euros = self.amount(purchase.median_euros, low, high);
        let cents = if self.rng.chance(0.4) {
            self.rng.between(0, 99)
        } else {
            0
        };
        let amount_cents = euros.round() as i64 * 100 + cents;
        let framework = kind == ContractKind::PublicContract && self.rng.chance(if works { 0.1 } else { 0.35 });
        let duration_months = match kind {
            ContractKind::Concession => self.rng.between(36, 60),
            _ if framework => 12 * self.rng.between(1, 4),
            _ if works => self.rng.between(2, 24),
            _ => self.rng.between(6, 36),
        } as i32;

        let progress = (f64::from(notified_on.year() - 2019) / 7.0).clamp(0.0, 1.0);
        let social_weight = match (cpv.purchase_type(), purchase.sector) {
            (PurchaseType::Works, _) | (_, Sector::GreenSpaces | Sector::Cleaning | Sector::Waste) => 1.5,
            (PurchaseType::Supplies, _) => 0.4,
            _ => 0.9,
        };
        let reservable = kind == ContractKind::PublicContract && self.pools.has(Pool::Inclusive, purchase.sector);
        Ok(Terms {
            kind,
            purchase,
            amount_cents,
            duration_months,
            framework,
            social_clause: self.rng.chance((0.11 + 0.12 * progress) * social_weight),
            social_criterion: self.rng.chance((0.06 + 0.04 * progress) * social_weight),
            reserved: reservable && self.rng.chance(RESERVED_SHARE_WHEN_POSSIBLE),
            env_clause: self.rng.chance(0.12 + 0.33 * progress * progress),
            env_criterion: self.rng.chance(0.10 + 0.10 * progress),
            cpv,
        })
    }

    /// A log-normal amount around `median` euros, drawn again while outside `low..=high` (so
    /// that no amount piles up at a bound), clamped after a few tries.
    fn amount(&mut self, median: f64, low: f64, high: f64) -> f64 {
        let mut euros = median;
        for _ in 0..20 {
            euros = median * (AMOUNT_SPREAD * self.rng.normal()).exp();
            if (low..=high).contains(&euros) {
                return euros;
            }
        }
        euros.clamp(low, high)
    }

    /// Draws the suppliers: one mostly, two or three co-contractors sometimes.
    fn suppliers(&mut self, buyer: &Member, terms: &Terms, notified_on: NaiveDate) -> Vec<Supplier> {
        let count = if terms.kind == ContractKind::Concession {
            1
        } else {
            match self.rng.unit() {
                u if u < 0.82 => 1,
                u if u < 0.95 => 2,
                _ => 3,
            }
        };
        let sector = terms.purchase.sector;
        let mut chosen: Vec<Supplier> = Vec::with_capacity(count);
        let mut taken: Vec<usize> = Vec::with_capacity(count);
        let mut foreign_taken: Vec<String> = Vec::new();
        for _ in 0..count {
            let order: &[Pool] = if terms.reserved {
                &[Pool::Inclusive]
            } else if self.rng.chance(FOREIGN_SUPPLIER_SHARE) {
                let vat = self.rng.pick(&self.foreign).cloned();
                if let Some(vat) = vat.filter(|vat| !foreign_taken.contains(vat)) {
                    foreign_taken.push(vat.clone());
                    chosen.push(Supplier::Foreign(vat));
                    continue;
                }
                &[Pool::Company, Pool::Sse]
            } else if self.rng.chance(SSE_SUPPLIER_SHARE) {
                &[Pool::Sse, Pool::Company, Pool::Far]
            } else if self.rng.chance(FAR_SUPPLIER_SHARE) {
                &[Pool::Far, Pool::Company, Pool::Sse]
            } else {
                &[Pool::Company, Pool::Sse, Pool::Far]
            };
            let found = order
                .iter()
                .find_map(|&pool| self.pick_supplier(pool, sector, buyer, notified_on, &taken));
            if let Some(found) = found {
                taken.push(found);
                chosen.push(Supplier::Member(found));
            }
        }
        chosen
    }

    /// A supplier of `pool` in `sector` that existed on `notified_on`, searched from a scope
    /// drawn by the pool's weights outwards.
    fn pick_supplier(
        &mut self,
        pool: Pool,
        sector: Sector,
        buyer: &Member,
        notified_on: NaiveDate,
        taken: &[usize],
    ) -> Option<usize> {
        let weights = pool.scope_weights();
        let mut draw = self.rng.unit();
        let first = weights
            .iter()
            .position(|&w| {
                draw -= w;
                draw < 0.0
            })
            .unwrap_or(SCOPES.len() - 1);
        let placement = &buyer.headquarters.placement;
        let buyer_epci = match &buyer.role {
            Role::Buyer {
                territory_id,
                level: TerritoryLevel::Epci,
                ..
            } => Some(territory_id.as_str()),
            _ => placement.epci_id.as_deref(),
        };
        for scope in &SCOPES[first..] {
            let area = match scope {
                Scope::Epci => buyer_epci,
                Scope::Departement => placement.departement_id.as_deref(),
                Scope::Region => placement.region_id.as_deref(),
                Scope::Anywhere => Some("*"),
            };
            let Some(area) = area else { continue };
            let candidates = self.pools.candidates(pool, sector, area);
            for _ in 0..6 {
                let Some(&candidate) = self.rng.pick(candidates) else {
                    break;
                };
                if !taken.contains(&candidate) && self.members[candidate].exists_on(notified_on) {
                    return Some(candidate);
                }
            }
        }
        None
    }

    /// Publication date of data notified on `notified_on`: 5 to 60 days later, never after the
    /// demo date.
    fn published(&mut self, notified_on: NaiveDate) -> NaiveDate {
        let delay = self.rng.between(5, 60) as u64;
        notified_on
            .checked_add_days(Days::new(delay))
            .unwrap_or(notified_on)
            .min(TODAY)
            .max(notified_on)
    }

    /// The modifications of a contract (for about [`MODIFIED_SHARE`] of them), and its amount
    /// and duration after the last one.
    fn modifications(
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
    fn contract_row(&mut self, row: ContractRow<'_>) -> contract::Model {
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
    fn object(&mut self, purchase: &Purchase, buyer: &Member, notified_on: NaiveDate) -> String {
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
    fn procedure(&mut self, terms: &Terms) -> String {
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
    fn execution(&mut self, terms: &Terms) -> (Value, Value, Option<String>, Value) {
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
    fn origins(&mut self, terms: &Terms) -> (Option<f64>, Option<f64>) {
        if terms.kind == ContractKind::Concession || !matches!(terms.purchase.sector, Sector::Food | Sector::Vehicles) {
            return (None, None);
        }
        let eu = self.rng.between(50, 100) as f64 / 100.0;
        let fr = (eu * self.rng.between(40, 100) as f64).round() / 100.0;
        (Some(eu), Some(fr.min(eu)))
    }

    /// Grouping of operators for `count` suppliers.
    fn grouping(&mut self, count: usize) -> String {
        match count {
            0 | 1 => "Pas de groupement",
            _ if self.rng.chance(0.6) => "Conjoint",
            _ => "Solidaire",
        }
        .to_owned()
    }

    /// The row of one supplier, with distance and locality from the buyer's head office.
    fn supplier_row(
        &mut self,
        contract_id: Uuid,
        buyer: &Member,
        position: usize,
        supplier: Supplier,
    ) -> contract_supplier::Model {
        let (id_scheme, id_value, establishment_id, organisation_id, distance, locality) = match supplier {
            Supplier::Member(index) => {
                let member = &self.members[index];
                let site = &member.headquarters;
                let distance = buyer.headquarters.point.zip(site.point).map(|(a, b)| distance_km(a, b));
                let locality = locality_level(&buyer.headquarters.placement, &site.placement);
                (
                    IdScheme::Siret,
                    site.siret.clone().unwrap_or_default(),
                    Some(site.establishment_id),
                    Some(member.organisation_id),
                    distance,
                    locality,
                )
            }
            Supplier::Foreign(vat) => (IdScheme::Tva, vat, None, None, None, LocalityLevel::Foreign),
        };
        contract_supplier::Model {
            id: self.rng.uuid(),
            contract_id,
            position: i16::try_from(position).unwrap_or(i16::MAX),
            id_scheme,
            id_value,
            establishment_id,
            organisation_id,
            from_modification: 0,
            distance_km: distance,
            locality_level: locality,
            created_at: SEEDED_AT,
        }
    }
}

/// What [`Writer::contract_row`] needs.
struct ContractRow<'a> {
    id: Uuid,
    buyer: &'a Member,
    buyer_siret: String,
    internal_id: String,
    terms: &'a Terms,
    notified_on: NaiveDate,
    published_on: NaiveDate,
    supplier_count: usize,
    current_amount: i64,
    current_duration: i32,
    last_published: NaiveDate,
}

/// An EPCI's name after "de": "de la CA du Grand Avignon", "de la Métropole Nice Côte d'Azur",
/// "de Toulouse Métropole".
fn epci_with_de(name: &str) -> String {
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
fn social_considerations(terms: &Terms) -> Value {
    let mut values = Vec::new();
    if terms.social_clause {
        values.push("Clause sociale");
    }
    if terms.social_criterion {
        values.push("Critère social");
    }
    if terms.reserved {
        values.push(if terms.kind == ContractKind::Concession {
            "Concession réservée"
        } else {
            "Marché réservé"
        });
    }
    if values.is_empty() {
        values.push("Pas de considération sociale");
    }
    json!(values)
}

/// DECP environmental considerations matching the flags.
fn environmental_considerations(terms: &Terms) -> Value {
    let mut values = Vec::new();
    if terms.env_clause {
        values.push("Clause environnementale");
    }
    if terms.env_criterion {
        values.push("Critère environnemental");
    }
    if values.is_empty() {
        values.push("Pas de considération environnementale");
    }
    json!(values)
}

#[cfg(test)]
mod tests {
    use super::{epci_with_de, foreign_vat_numbers};
    use crate::seed::demo::random::DemoRng;

    #[test]
    fn epci_names_take_an_article() {
        assert_eq!(epci_with_de("CA du Grand Avignon"), "de la CA du Grand Avignon");
        assert_eq!(
            epci_with_de("Métropole Nice Côte d'Azur"),
            "de la Métropole Nice Côte d'Azur"
        );
        assert_eq!(epci_with_de("Toulouse Métropole"), "de Toulouse Métropole");
    }

    #[test]
    fn foreign_vat_numbers_are_distinct_and_well_formed() {
        let numbers = foreign_vat_numbers(&mut DemoRng::for_step("foreign"));
        let mut sorted = numbers.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), numbers.len());
        for number in &numbers {
            assert!(
                number.len() >= 10 && number[..2].chars().all(|c| c.is_ascii_uppercase()),
                "{number}"
            );
        }
        let belgian = numbers
            .iter()
            .find(|n| n.starts_with("BE"))
            .map(String::as_str)
            .unwrap_or("");
        let digits: u64 = belgian[2..].parse().unwrap_or(0);
        assert_eq!(97 - (digits / 100) % 97, digits % 100, "{belgian}");
    }
}
