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

mod rows;
mod suppliers;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use entity::enums::{ContractKind, PurchaseType, TerritoryLevel};

use self::{
    rows::ContractRow,
    suppliers::{Pool, SupplierPools, foreign_vat_numbers},
};
use super::{
    CONTRACT_COUNT, date,
    ecosystem::{Member, Role},
    geography::Geography,
    purchases::{CONCESSIONS, PURCHASES, Purchase},
    random::{DemoRng, WeightedIndex},
    vocabulary::Sector,
};
use crate::{
    domain::{CpvCode, ValidationError},
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
}
