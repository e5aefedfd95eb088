//! Step 3, the partnerships: [`PARTNERSHIP_MIX`] gives how many of each type — PTCE of one
//! département (SSE members, a lead, public partners), multi-year funding agreements of a
//! buyer with an association, purchasing groups of buyers, co-contracting and subcontracting
//! pairs, SCIC memberships (with a commune among the members), resource pooling, network
//! memberships and partnership agreements. Parties are organisations that existed when the
//! partnership started; the status follows the dates as seen on [`TODAY`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use entity::{
    enums::{EssFamily, PartnershipStatus, PartnershipType, PartyRole, TerritoryLevel},
    partnership, partnership_party,
};

use super::{
    SEEDED_AT, SOURCE, TODAY, date,
    ecosystem::{Member, Role},
    geography::Geography,
    random::{DemoRng, WeightedIndex},
    vocabulary::Sector,
};
use crate::domain::geo::Placement;

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

/// Themes of PTCE.
const PTCE_THEMES: &[&str] = &[
    "Alimentation durable",
    "Économie circulaire",
    "Transition écologique",
    "Mobilités solidaires",
    "Habitat et rénovation",
    "Numérique inclusif",
];

/// What purchasing groups buy together.
const GROUPED_PURCHASES: &[&str] = &[
    "de fournitures de bureau",
    "d'électricité",
    "de restauration scolaire",
    "d'assurances",
    "de matériel informatique",
    "d'entretien des espaces verts",
];

/// What organisations pool.
const POOLED_RESOURCES: &[&str] = &[
    "de locaux partagés",
    "de véhicules",
    "d'un emploi partagé de comptable",
    "d'une cuisine centrale",
    "de matériel événementiel",
    "d'un système d'information",
];

/// Themes of networks, with the sector of their members when there is one.
const NETWORK_THEMES: &[(&str, Option<Sector>)] = &[
    ("des recycleries et ressourceries", Some(Sector::Waste)),
    ("de l'insertion par l'activité économique", None),
    ("des jardins partagés", Some(Sector::Food)),
    ("des tiers-lieux", None),
    ("de l'action sociale", Some(Sector::SocialCare)),
    ("des acteurs culturels", Some(Sector::Culture)),
    ("de l'éducation populaire", Some(Sector::Training)),
    ("des coopératives", None),
];

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

    fn ptce(&mut self) -> Option<Draft> {
        let anchor = *self.rng.pick(&self.directory.local)?;
        let dep = self.directory.member(anchor).departement_id()?.to_owned();
        if self.ptce_departements.contains(&dep) {
            return None;
        }
        let start = self.rng.date_between(date(2015, 1, 1), date(2025, 12, 31));
        // An EPCI of the département drawn by population (60 %), else the département.
        let geo = self.geo;
        let epcis: Vec<(&str, u32)> = geo
            .epcis()
            .iter()
            .filter(|id| geo.departement_of_epci(id) == Some(dep.as_str()))
            .filter_map(|id| geo.territory(id))
            .map(|epci| {
                (
                    epci.id.as_str(),
                    u32::try_from(epci.population.unwrap_or(0)).unwrap_or(u32::MAX),
                )
            })
            .collect();
        let territory_id = match self.rng.pick_by_weight(&epcis, |(_, population)| *population) {
            Some((epci, _)) if self.rng.chance(0.6) => (*epci).to_owned(),
            _ => dep.clone(),
        };
        let mut publics: Vec<usize> = self
            .directory
            .buyer_of_territory
            .get(&territory_id)
            .copied()
            .into_iter()
            .collect();
        let wanted_publics = self.rng.between(1, 2) as usize;
        let dep_buyers = self.directory.buyers_in(&dep).to_vec();
        let more = self.draw(
            &dep_buyers,
            wanted_publics.saturating_sub(publics.len()),
            &publics,
            |_| true,
        );
        publics.extend(more);
        let candidates = self.directory.in_departement(&dep).to_vec();
        let lead = self.draw(&candidates, 1, &[], |m| m.is_sse() && m.exists_on(start));
        let total = self.rng.between(8, 20) as usize;
        let member_count = total.saturating_sub(1 + publics.len());
        let mut taken = lead.clone();
        let members = self.draw(&candidates, member_count, &taken, |m| m.is_sse() && m.exists_on(start));
        taken.extend(&members);
        let associates = self.draw(&candidates, 2, &taken, |m| !m.is_sse() && m.exists_on(start));
        let &lead = lead.first()?;
        if members.len() < 4 {
            return None;
        }
        let theme = self.rng.pick(PTCE_THEMES).copied().unwrap_or("Économie circulaire");
        let count = 1 + members.len() + publics.len() + associates.len();
        self.ptce_departements.insert(dep);
        Some(Draft {
            kind: PartnershipType::Ptce,
            name: format!("PTCE {theme} – {}", self.geo.name(&territory_id)),
            description: format!(
                "Pôle territorial de coopération économique, {} : {count} membres. Données de démonstration.",
                theme.to_lowercase()
            ),
            start,
            end: None,
            territory_id: Some(territory_id),
            amount_cents: None,
            parties: [(lead, PartyRole::Lead)]
                .into_iter()
                .chain(members.into_iter().map(|m| (m, PartyRole::Member)))
                .chain(publics.into_iter().map(|m| (m, PartyRole::PublicPartner)))
                .chain(associates.into_iter().map(|m| (m, PartyRole::Associate)))
                .collect(),
        })
    }

    fn multi_year_funding(&mut self) -> Option<Draft> {
        let funder = *self
            .directory
            .buyers
            .get(self.directory.buyer_draw.sample(&mut self.rng)?)?;
        let start = self.start();
        let epci = self.directory.buyer_epci(funder);
        let dep = self
            .directory
            .member(funder)
            .departement_id()
            .unwrap_or_default()
            .to_owned();
        let near = epci
            .as_deref()
            .map(|e| self.directory.in_epci(e).to_vec())
            .unwrap_or_default();
        let is_association = |m: &Member| m.family == EssFamily::Association && m.exists_on(start);
        let mut lead = self.draw(&near, 1, &[], is_association);
        if lead.is_empty() {
            let candidates = self.directory.in_departement(&dep).to_vec();
            lead = self.draw(&candidates, 1, &[], is_association);
        }
        let &lead = lead.first()?;
        let years = if self.rng.chance(0.8) { 3 } else { 4 };
        let end = Self::after(start, 12 * years);
        let funder_member = self.directory.member(funder);
        let territory_id = match &funder_member.role {
            Role::Buyer { territory_id, .. } => Some(territory_id.clone()),
            _ => None,
        };
        Some(Draft {
            kind: PartnershipType::MultiYearFunding,
            name: format!(
                "Convention pluriannuelle d'objectifs {}-{} – {}",
                start.year(),
                start.year() + years as i32 - 1,
                self.directory.member(lead).name
            ),
            description: format!(
                "Financement pluriannuel accordé par {}. Données de démonstration.",
                funder_member.name
            ),
            start,
            end,
            territory_id,
            amount_cents: Some(self.amount(10_000.0, 300_000.0)),
            parties: vec![(funder, PartyRole::Funder), (lead, PartyRole::Lead)],
        })
    }

    fn purchasing_group(&mut self) -> Option<Draft> {
        let anchor = *self.rng.pick(&self.directory.buyers)?;
        let dep = self.directory.member(anchor).departement_id()?.to_owned();
        let buyers = self.directory.buyers_in(&dep).to_vec();
        let count = self.rng.between(1, 5) as usize;
        let mut group = vec![anchor];
        group.extend(self.draw(&buyers, count, &[anchor], |_| true));
        let population = |index: &usize| match &self.directory.member(*index).role {
            Role::Buyer { population, .. } => *population,
            _ => 0,
        };
        group.sort_by_key(|index| std::cmp::Reverse(population(index)));
        let start = self.start();
        let object = self.rng.pick(GROUPED_PURCHASES).copied().unwrap_or("de fournitures");
        let end = if self.rng.chance(0.7) {
            Self::after(start, 48)
        } else {
            None
        };
        Some(Draft {
            kind: PartnershipType::PurchasingGroup,
            name: format!(
                "Groupement de commandes {object} {}",
                self.geo.departement_with_de(&dep)
            ),
            description: format!(
                "Groupement de {} acheteurs publics coordonné par {}. Données de démonstration.",
                group.len(),
                self.directory.member(*group.first()?).name
            ),
            start,
            end,
            territory_id: Some(dep),
            amount_cents: None,
            parties: group
                .into_iter()
                .enumerate()
                .map(|(i, m)| (m, if i == 0 { PartyRole::Lead } else { PartyRole::Member }))
                .collect(),
        })
    }

    fn co_contracting(&mut self) -> Option<Draft> {
        let start = self.start();
        let anchor = *self.rng.pick(&self.directory.local)?;
        let lead = self.directory.member(anchor);
        if !lead.is_sse() || lead.sector.is_none() || !lead.exists_on(start) {
            return None;
        }
        let candidates = self.directory.in_departement(lead.departement_id()?).to_vec();
        let count = self.rng.between(1, 2) as usize;
        let sector = lead.sector;
        let partners = self.draw(&candidates, count, &[anchor], |m| {
            m.is_sse() && m.sector == sector && m.exists_on(start)
        });
        let &first = partners.first()?;
        let months = self.rng.between(12, 48);
        Some(Draft {
            kind: PartnershipType::CoContracting,
            name: format!("Cotraitance {} / {}", lead.name, self.directory.member(first).name),
            description: "Groupement momentané d'entreprises pour répondre ensemble à des marchés publics. Données de démonstration.".to_owned(),
            start,
            end: Self::after(start, months),
            territory_id: lead.departement_id().map(str::to_owned),
            amount_cents: Some(self.amount(30_000.0, 800_000.0)),
            parties: [(anchor, PartyRole::Lead)].into_iter().chain(partners.into_iter().map(|m| (m, PartyRole::Member))).collect(),
        })
    }

    fn subcontracting(&mut self) -> Option<Draft> {
        let start = self.start();
        let anchor = *self.rng.pick(&self.directory.local)?;
        let contractor = self.directory.member(anchor);
        let is_company = matches!(
            contractor.family,
            EssFamily::NonSse | EssFamily::SseCommercialCompany | EssFamily::Cooperative
        );
        if !is_company || contractor.sector.is_none() || !contractor.exists_on(start) || contractor.inclusive {
            return None;
        }
        let candidates = self.directory.in_departement(contractor.departement_id()?).to_vec();
        let sector = contractor.sector;
        let mut sub = self.draw(&candidates, 1, &[anchor], |m| {
            m.inclusive && m.sector == sector && m.exists_on(start)
        });
        if sub.is_empty() {
            sub = self.draw(&candidates, 1, &[anchor], |m| {
                m.is_sse() && m.sector == sector && m.exists_on(start)
            });
        }
        if sub.is_empty() {
            sub = self.draw(&candidates, 1, &[anchor], |m| m.inclusive && m.exists_on(start));
        }
        let &sub = sub.first()?;
        let months = self.rng.between(6, 36);
        Some(Draft {
            kind: PartnershipType::Subcontracting,
            name: format!(
                "Sous-traitance {} pour {}",
                self.directory.member(sub).name,
                contractor.name
            ),
            description: "Sous-traitance d'une partie d'un marché à une structure de l'ESS. Données de démonstration."
                .to_owned(),
            start,
            end: Self::after(start, months),
            territory_id: contractor.departement_id().map(str::to_owned),
            amount_cents: Some(self.amount(10_000.0, 200_000.0)),
            parties: vec![(anchor, PartyRole::Lead), (sub, PartyRole::Member)],
        })
    }

    fn scic_membership(&mut self, index: usize) -> Option<Draft> {
        let &scic = self.directory.scics.get(index)?;
        let member = self.directory.member(scic);
        let created = member.created_on.unwrap_or(TODAY);
        let start = self.rng.date_between(created.max(date(2015, 1, 1)), date(2026, 6, 30));
        let dep = member.departement_id()?.to_owned();
        let candidates = self.directory.in_departement(&dep).to_vec();
        let count = self.rng.between(3, 10) as usize;
        let members = self.draw(&candidates, count, &[scic], |m| m.exists_on(start));
        let commune = self
            .directory
            .buyer_of_territory
            .get(&member.headquarters.commune_id)
            .copied()
            .or_else(|| {
                let buyers = self.directory.buyers_in(&dep).to_vec();
                let is_commune = |m: &Member| {
                    matches!(
                        m.role,
                        Role::Buyer {
                            level: TerritoryLevel::Commune,
                            ..
                        }
                    )
                };
                self.draw(&buyers, 1, &[], is_commune).first().copied()
            });
        Some(Draft {
            kind: PartnershipType::ScicMembership,
            name: format!("Sociétariat – {}", member.name),
            description: format!(
                "Sociétaires de la SCIC : salariés, usagers, associations, entreprises{}. Données de démonstration.",
                if commune.is_some() { " et collectivité" } else { "" }
            ),
            start,
            end: None,
            territory_id: Some(member.headquarters.commune_id.clone()),
            amount_cents: None,
            parties: [(scic, PartyRole::Lead)]
                .into_iter()
                .chain(members.into_iter().chain(commune).map(|m| (m, PartyRole::Member)))
                .collect(),
        })
    }

    fn resource_pooling(&mut self) -> Option<Draft> {
        let start = self.start();
        let anchor = *self.rng.pick(&self.directory.local)?;
        let lead = self.directory.member(anchor);
        if !lead.is_sse() || !lead.exists_on(start) {
            return None;
        }
        let Placement {
            epci_id,
            departement_id,
            ..
        } = &lead.headquarters.placement;
        let mut candidates = epci_id
            .as_deref()
            .map(|e| self.directory.in_epci(e).to_vec())
            .unwrap_or_default();
        if candidates.len() < 5 {
            candidates = self.directory.in_departement(departement_id.as_deref()?).to_vec();
        }
        let count = self.rng.between(1, 4) as usize;
        let partners = self.draw(&candidates, count, &[anchor], |m| m.is_sse() && m.exists_on(start));
        let object = self.rng.pick(POOLED_RESOURCES).copied().unwrap_or("de locaux partagés");
        let end = if self.rng.chance(0.4) {
            Self::after(start, 12 * self.rng.between(2, 5))
        } else {
            None
        };
        let amount_cents = self.rng.chance(0.5).then(|| self.amount(5_000.0, 80_000.0));
        Some(Draft {
            kind: PartnershipType::ResourcePooling,
            name: format!(
                "Mutualisation {object} – {}",
                self.geo.name(&lead.headquarters.commune_id)
            ),
            description: format!(
                "Mise en commun {object} entre {} structures. Données de démonstration.",
                partners.len() + 1
            ),
            start,
            end,
            territory_id: Some(lead.headquarters.commune_id.clone()),
            amount_cents,
            parties: [(anchor, PartyRole::Lead)]
                .into_iter()
                .chain(partners.into_iter().map(|m| (m, PartyRole::Member)))
                .collect(),
        })
    }

    fn network(&mut self) -> Option<Draft> {
        let start = self.start();
        let &(theme, sector) = self.rng.pick(NETWORK_THEMES)?;
        let anchor = *self.rng.pick(&self.directory.local)?;
        let head = self.directory.member(anchor);
        let fits = |m: &Member| m.is_sse() && (sector.is_none() || m.sector == sector) && m.exists_on(start);
        if !fits(head) {
            return None;
        }
        let dep = head.departement_id()?.to_owned();
        let candidates = self.directory.in_departement(&dep).to_vec();
        let count = self.rng.between(3, 12) as usize;
        let members = self.draw(&candidates, count, &[anchor], fits);
        if members.len() < 2 {
            return None;
        }
        Some(Draft {
            kind: PartnershipType::NetworkMembership,
            name: format!("Réseau {theme} {}", self.geo.departement_with_de(&dep)),
            description: format!(
                "Réseau animé par {} : {} adhérents. Données de démonstration.",
                head.name,
                members.len()
            ),
            start,
            end: None,
            territory_id: Some(dep),
            amount_cents: None,
            parties: [(anchor, PartyRole::Lead)]
                .into_iter()
                .chain(members.into_iter().map(|m| (m, PartyRole::Member)))
                .collect(),
        })
    }

    fn agreement(&mut self) -> Option<Draft> {
        let start = self.start();
        let anchor = *self.rng.pick(&self.directory.local)?;
        let lead = self.directory.member(anchor);
        if !lead.is_sse() || !lead.exists_on(start) {
            return None;
        }
        let dep = lead.departement_id()?.to_owned();
        let (partner, role) = if self.rng.chance(0.5) {
            let buyers = self.directory.buyers_in(&dep).to_vec();
            (*self.draw(&buyers, 1, &[], |_| true).first()?, PartyRole::PublicPartner)
        } else {
            let candidates = self.directory.in_departement(&dep).to_vec();
            (
                *self
                    .draw(&candidates, 1, &[anchor], |m| !m.is_sse() && m.exists_on(start))
                    .first()?,
                PartyRole::Associate,
            )
        };
        let end = if self.rng.chance(0.6) {
            Self::after(start, 12 * self.rng.between(1, 3))
        } else {
            None
        };
        let partner_name = &self.directory.member(partner).name;
        Some(Draft {
            kind: PartnershipType::PartnershipAgreement,
            name: format!("Convention de partenariat {} – {partner_name}", lead.name),
            description: format!(
                "Partenariat entre {} et {partner_name}. Données de démonstration.",
                lead.name
            ),
            start,
            end,
            territory_id: Some(dep),
            amount_cents: None,
            parties: vec![(anchor, PartyRole::Lead), (partner, role)],
        })
    }
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

#[cfg(test)]
mod tests {
    use entity::enums::PartnershipStatus;

    use super::{PARTNERSHIP_MIX, status};
    use crate::seed::demo::{PARTNERSHIP_COUNT, date};

    #[test]
    fn status_follows_the_dates() {
        assert_eq!(status(date(2027, 1, 1), None), PartnershipStatus::Planned);
        assert_eq!(
            status(date(2020, 1, 1), Some(date(2022, 12, 31))),
            PartnershipStatus::Ended
        );
        assert_eq!(
            status(date(2020, 1, 1), Some(date(2027, 12, 31))),
            PartnershipStatus::Active
        );
        assert_eq!(status(date(2020, 1, 1), None), PartnershipStatus::Active);
    }

    #[test]
    fn the_mix_covers_every_type_and_adds_up() {
        use sea_orm::Iterable;
        for kind in entity::enums::PartnershipType::iter() {
            assert!(PARTNERSHIP_MIX.iter().any(|(k, n)| *k == kind && *n > 0), "{kind:?}");
        }
        assert_eq!(PARTNERSHIP_MIX.iter().map(|(_, n)| n).sum::<usize>(), PARTNERSHIP_COUNT);
    }
}
