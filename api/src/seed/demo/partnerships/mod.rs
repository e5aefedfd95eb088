//! Step 3, the partnerships: [`PARTNERSHIP_MIX`] gives how many of each type — PTCE of one
//! département (SSE members, a lead, public partners), multi-year funding agreements of a
//! buyer with an association, purchasing groups of buyers, co-contracting and subcontracting
//! pairs, SCIC memberships (with a commune among the members), resource pooling, network
//! memberships and partnership agreements. Parties are organisations that existed when the
//! partnership started; the status follows the dates as seen on [`TODAY`].

mod kinds;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use entity::{
    enums::{PartnershipStatus, PartnershipType, PartyRole, TerritoryLevel},
    partnership, partnership_party,
};

use super::{
    SEEDED_AT, SOURCE, TODAY, date,
    ecosystem::{Member, Role},
    geography::Geography,
    random::{DemoRng, WeightedIndex},
};

/// How many partnerships of each type are generated (fewer when candidates run out).
pub(super) const PARTNERSHIP_MIX: [(PartnershipType, usize); 9] = [
    (PartnershipType::Ptce, 6),
    (PartnershipType::MultiYearFunding, 70),
    (PartnershipType::PurchasingGroup, 25),
    (PartnershipType::CoContracting, 40),
    (PartnershipType::Subcontracting, 30),
    (PartnershipType::ScicMembership, 30),
    (PartnershipType::ResourcePooling, 35),
    (PartnershipType::NetworkMembership, 34),
    (PartnershipType::PartnershipAgreement, 30),
];

/// How many draws a partnership gets to find its parties before it is given up.
const DRAFT_ATTEMPTS: usize = 40;

/// The partnerships and their parties, ready to write.
#[derive(Debug, Default)]
pub(super) struct Partnerships {
    /// Partnerships.
    pub partnerships: Vec<partnership::Model>,
    /// Their parties.
    pub parties: Vec<partnership_party::Model>,
}

/// Generates the partnerships between the ecosystem's members.
pub(super) fn generate(geo: &Geography, members: &[Member]) -> Partnerships {
    let mut builder = Builder {
        geo,
        directory: Directory::new(members),
        rng: DemoRng::for_step("partnerships"),
        names: BTreeSet::new(),
        ptce_departements: BTreeSet::new(),
        output: Partnerships::default(),
    };
    for (kind, count) in PARTNERSHIP_MIX {
        for index in 0..count {
            let draft = (0..DRAFT_ATTEMPTS).find_map(|_| builder.draft(kind, index));
            if let Some(draft) = draft {
                builder.push(draft);
            }
        }
    }
    builder.output
}

/// Members indexed by where they are.
struct Directory<'a> {
    members: &'a [Member],
    /// Active organisations of the three régions that are not buyers, by département.
    by_departement: BTreeMap<String, Vec<usize>>,
    /// The same by EPCI.
    by_epci: BTreeMap<String, Vec<usize>>,
    /// All of them.
    local: Vec<usize>,
    /// Buyers.
    buyers: Vec<usize>,
    /// Buyers drawn by population.
    buyer_draw: WeightedIndex,
    /// Buyers by département.
    buyers_by_departement: BTreeMap<String, Vec<usize>>,
    /// The buyer governing each territory.
    buyer_of_territory: BTreeMap<String, usize>,
    /// SCICs.
    scics: Vec<usize>,
}

impl<'a> Directory<'a> {
    fn new(members: &'a [Member]) -> Self {
        let mut directory = Directory {
            members,
            by_departement: BTreeMap::new(),
            by_epci: BTreeMap::new(),
            local: Vec::new(),
            buyers: Vec::new(),
            buyer_draw: WeightedIndex::default(),
            buyers_by_departement: BTreeMap::new(),
            buyer_of_territory: BTreeMap::new(),
            scics: Vec::new(),
        };
        let mut buyer_weights = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let dep = member.departement_id().unwrap_or_default().to_owned();
            match &member.role {
                Role::Buyer {
                    territory_id,
                    population,
                    ..
                } => {
                    directory.buyers.push(index);
                    buyer_weights.push(u64::try_from(*population).unwrap_or(0));
                    directory.buyers_by_departement.entry(dep).or_default().push(index);
                    directory.buyer_of_territory.insert(territory_id.clone(), index);
                }
                Role::Local if member.active => {
                    directory.local.push(index);
                    directory.by_departement.entry(dep).or_default().push(index);
                    if let Some(epci) = &member.headquarters.placement.epci_id {
                        directory.by_epci.entry(epci.clone()).or_default().push(index);
                    }
                    if member.scic {
                        directory.scics.push(index);
                    }
                }
                Role::Local | Role::Far => {}
            }
        }
        directory.buyer_draw = WeightedIndex::new(buyer_weights);
        directory
    }

    fn member(&self, index: usize) -> &'a Member {
        &self.members[index]
    }

    fn in_departement(&self, dep: &str) -> &[usize] {
        self.by_departement.get(dep).map_or(&[], Vec::as_slice)
    }

    fn in_epci(&self, epci: &str) -> &[usize] {
        self.by_epci.get(epci).map_or(&[], Vec::as_slice)
    }

    fn buyers_in(&self, dep: &str) -> &[usize] {
        self.buyers_by_departement.get(dep).map_or(&[], Vec::as_slice)
    }

    /// The EPCI a buyer belongs to (itself for an EPCI).
    fn buyer_epci(&self, index: usize) -> Option<String> {
        let member = self.member(index);
        match &member.role {
            Role::Buyer {
                territory_id,
                level: TerritoryLevel::Epci,
                ..
            } => Some(territory_id.clone()),
            _ => member.headquarters.placement.epci_id.clone(),
        }
    }
}

/// A partnership before it is written.
struct Draft {
    kind: PartnershipType,
    name: String,
    description: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    territory_id: Option<String>,
    amount_cents: Option<i64>,
    /// Parties: member index and role.
    parties: Vec<(usize, PartyRole)>,
}

/// Builds the partnerships one draft at a time.
struct Builder<'a> {
    geo: &'a Geography,
    directory: Directory<'a>,
    rng: DemoRng,
    names: BTreeSet<String>,
    ptce_departements: BTreeSet<String>,
    output: Partnerships,
}

impl Builder<'_> {
    /// One attempt at a partnership of `kind` (the `index`-th of its kind); `None` when the
    /// draw found no suitable parties or a name already used.
    fn draft(&mut self, kind: PartnershipType, index: usize) -> Option<Draft> {
        let draft = match kind {
            PartnershipType::Ptce => self.ptce(),
            PartnershipType::MultiYearFunding => self.multi_year_funding(),
            PartnershipType::PurchasingGroup => self.purchasing_group(),
            PartnershipType::CoContracting => self.co_contracting(),
            PartnershipType::Subcontracting => self.subcontracting(),
            PartnershipType::ScicMembership => self.scic_membership(index),
            PartnershipType::ResourcePooling => self.resource_pooling(),
            PartnershipType::NetworkMembership => self.network(),
            PartnershipType::PartnershipAgreement => self.agreement(),
        }?;
        let parties: BTreeSet<usize> = draft.parties.iter().map(|(member, _)| *member).collect();
        (parties.len() >= 2 && !self.names.contains(&draft.name)).then_some(draft)
    }

    /// Writes a draft's rows.
    fn push(&mut self, draft: Draft) {
        let id = self.rng.uuid();
        let mut seen = BTreeSet::new();
        for (member, role) in draft.parties {
            let organisation_id = self.directory.member(member).organisation_id;
            if !seen.insert((organisation_id, role as u8)) {
                continue;
            }
            self.output.parties.push(partnership_party::Model {
                id: self.rng.uuid(),
                partnership_id: id,
                organisation_id,
                role,
                joined_on: Some(draft.start),
                left_on: None,
                created_at: SEEDED_AT,
            });
        }
        self.names.insert(draft.name.clone());
        let external_id = Some(format!("demo-partnership-{:04}", self.output.partnerships.len() + 1));
        self.output.partnerships.push(partnership::Model {
            id,
            partnership_type: draft.kind,
            name: draft.name,
            description: Some(draft.description),
            start_date: Some(draft.start),
            end_date: draft.end,
            territory_id: draft.territory_id,
            amount_cents: draft.amount_cents,
            status: status(draft.start, draft.end),
            source: SOURCE.to_owned(),
            external_id,
            source_updated_at: None,
            created_at: SEEDED_AT,
            updated_at: SEEDED_AT,
            deleted_at: None,
            version: 1,
        });
    }

    /// A local member drawn to lead a partnership starting on `start`: `None` unless it is in
    /// the SSE and exists by then.
    fn sse_lead_on(&mut self, start: NaiveDate) -> Option<usize> {
        let anchor = *self.rng.pick(&self.directory.local)?;
        let lead = self.directory.member(anchor);
        (lead.is_sse() && lead.exists_on(start)).then_some(anchor)
    }

    /// A start date from 2015 to the end of 2026.
    fn start(&mut self) -> NaiveDate {
        self.rng.date_between(date(2015, 1, 1), date(2026, 12, 31))
    }

    /// Up to `count` distinct members of `candidates`, not in `taken`, accepted by `accept`.
    fn draw(
        &mut self,
        candidates: &[usize],
        count: usize,
        taken: &[usize],
        accept: impl Fn(&Member) -> bool,
    ) -> Vec<usize> {
        let mut chosen: Vec<usize> = Vec::with_capacity(count);
        for _ in 0..count * 8 {
            if chosen.len() == count {
                break;
            }
            let Some(&candidate) = self.rng.pick(candidates) else {
                break;
            };
            if !chosen.contains(&candidate) && !taken.contains(&candidate) && accept(self.directory.member(candidate)) {
                chosen.push(candidate);
            }
        }
        chosen
    }

    /// An amount in cents, log-uniform between `low` and `high` euros, rounded to 100 €.
    fn amount(&mut self, low: f64, high: f64) -> i64 {
        let euros = (low.ln() + self.rng.unit() * (high.ln() - low.ln())).exp();
        (euros / 100.0).round() as i64 * 100 * 100
    }

    /// An end date `months` months after `start` (the day before).
    fn after(start: NaiveDate, months: i64) -> Option<NaiveDate> {
        start
            .checked_add_months(Months::new(u32::try_from(months).unwrap_or(12)))
            .and_then(|d| d.pred_opt())
    }
}

/// A draft's parties: `lead` as the lead, then `members` as members.
fn lead_and_members(lead: usize, members: impl IntoIterator<Item = usize>) -> Vec<(usize, PartyRole)> {
    [(lead, PartyRole::Lead)]
        .into_iter()
        .chain(members.into_iter().map(|m| (m, PartyRole::Member)))
        .collect()
}

/// Status of a partnership on the demo date: planned before its start, ended after its end,
/// active in between.
pub(super) fn status(start: NaiveDate, end: Option<NaiveDate>) -> PartnershipStatus {
    if start > TODAY {
        PartnershipStatus::Planned
    } else if end.is_some_and(|end| end < TODAY) {
        PartnershipStatus::Ended
    } else {
        PartnershipStatus::Active
    }
}
