//! Who supplies a contract: the candidate pools by sector and area, the draw of suppliers near
//! the buyer first, the foreign companies known by a VAT number, and the supplier rows.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::{
    contract_supplier,
    enums::{ContractKind, IdScheme, LocalityLevel, TerritoryLevel},
};
use uuid::Uuid;

use super::{FAR_SUPPLIER_SHARE, FOREIGN_SUPPLIER_SHARE, SSE_SUPPLIER_SHARE, Terms, Writer};
use crate::domain::geo::{distance_km, locality_level};
use crate::seed::demo::{
    SEEDED_AT,
    ecosystem::{Member, Role},
    numbers,
    random::DemoRng,
    vocabulary::Sector,
};

/// Where a supplier is looked for, nearest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Scope {
    /// The buyer's EPCI.
    Epci,
    /// The buyer's département.
    Departement,
    /// The buyer's région.
    Region,
    /// Anywhere in the pool.
    Anywhere,
}

pub(super) const SCOPES: [Scope; 4] = [Scope::Epci, Scope::Departement, Scope::Region, Scope::Anywhere];

/// Groups of candidate suppliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Pool {
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
pub(super) struct SupplierPools {
    index: BTreeMap<(Pool, Sector, String), Vec<usize>>,
}

impl SupplierPools {
    pub(super) fn new(members: &[Member]) -> Self {
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

    pub(super) fn has(&self, pool: Pool, sector: Sector) -> bool {
        !self.candidates(pool, sector, "*").is_empty()
    }
}

/// One supplier slot's outcome.
pub(super) enum Supplier {
    /// A member of the ecosystem.
    Member(usize),
    /// A foreign company known by its VAT number.
    Foreign(String),
}

/// VAT numbers of the foreign companies that win a few contracts: Belgian (mod-97 key),
/// Spanish, Italian (Luhn key), German and Luxembourgish.
pub(super) fn foreign_vat_numbers(rng: &mut DemoRng) -> Vec<String> {
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

impl Writer<'_> {
    /// Draws the suppliers: one mostly, two or three co-contractors sometimes.
    pub(super) fn suppliers(&mut self, buyer: &Member, terms: &Terms, notified_on: NaiveDate) -> Vec<Supplier> {
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
    pub(super) fn pick_supplier(
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
}

impl Writer<'_> {
    /// The row of one supplier, with distance and locality from the buyer's head office.
    pub(super) fn supplier_row(
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
