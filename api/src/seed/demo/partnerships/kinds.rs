//! How each type of partnership is drafted: its parties, dates, amounts and words.

use chrono::Datelike;
use entity::enums::{EssFamily, PartnershipType, PartyRole, TerritoryLevel};

use super::{Builder, Draft, lead_and_members};
use crate::domain::geo::Placement;
use crate::seed::demo::{
    TODAY, date,
    ecosystem::{Member, Role},
    vocabulary::Sector,
};

/// Themes of PTCE.
pub(super) const PTCE_THEMES: &[&str] = &[
    "Alimentation durable",
    "Économie circulaire",
    "Transition écologique",
    "Mobilités solidaires",
    "Habitat et rénovation",
    "Numérique inclusif",
];

/// What purchasing groups buy together.
pub(super) const GROUPED_PURCHASES: &[&str] = &[
    "de fournitures de bureau",
    "d'électricité",
    "de restauration scolaire",
    "d'assurances",
    "de matériel informatique",
    "d'entretien des espaces verts",
];

/// What organisations pool.
pub(super) const POOLED_RESOURCES: &[&str] = &[
    "de locaux partagés",
    "de véhicules",
    "d'un emploi partagé de comptable",
    "d'une cuisine centrale",
    "de matériel événementiel",
    "d'un système d'information",
];

/// Themes of networks, with the sector of their members when there is one.
pub(super) const NETWORK_THEMES: &[(&str, Option<Sector>)] = &[
    ("des recycleries et ressourceries", Some(Sector::Waste)),
    ("de l'insertion par l'activité économique", None),
    ("des jardins partagés", Some(Sector::Food)),
    ("des tiers-lieux", None),
    ("de l'action sociale", Some(Sector::SocialCare)),
    ("des acteurs culturels", Some(Sector::Culture)),
    ("de l'éducation populaire", Some(Sector::Training)),
    ("des coopératives", None),
];

impl Builder<'_> {
    pub(super) fn ptce(&mut self) -> Option<Draft> {
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

    pub(super) fn multi_year_funding(&mut self) -> Option<Draft> {
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

    pub(super) fn purchasing_group(&mut self) -> Option<Draft> {
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

    pub(super) fn co_contracting(&mut self) -> Option<Draft> {
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
            parties: lead_and_members(anchor, partners),
        })
    }

    pub(super) fn subcontracting(&mut self) -> Option<Draft> {
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

    pub(super) fn scic_membership(&mut self, index: usize) -> Option<Draft> {
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
            parties: lead_and_members(scic, members.into_iter().chain(commune)),
        })
    }

    pub(super) fn resource_pooling(&mut self) -> Option<Draft> {
        let start = self.start();
        let anchor = self.sse_lead_on(start)?;
        let lead = self.directory.member(anchor);
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
            parties: lead_and_members(anchor, partners),
        })
    }

    pub(super) fn network(&mut self) -> Option<Draft> {
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
            parties: lead_and_members(anchor, members),
        })
    }

    pub(super) fn agreement(&mut self) -> Option<Draft> {
        let start = self.start();
        let anchor = self.sse_lead_on(start)?;
        let lead = self.directory.member(anchor);
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
