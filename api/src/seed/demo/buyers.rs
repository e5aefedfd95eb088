//! Step 1, the public buyers: real local authorities of the three régions with their real
//! SIREN from the reference territories — every EPCI, and the communes of at least
//! [`MIN_COMMUNE_POPULATION`] inhabitants (topped up with the next largest to reach
//! [`MIN_COMMUNE_BUYERS`]). Each gets one head office in its town hall (for an EPCI, in its
//! most populous member commune) with a Luhn-valid SIRET.
//!
//! Régions and départements are not buyers: the reference territories carry no SIREN for
//! them, and a buyer is known by its SIRET, which starts with the SIREN.

use entity::{
    enums::{EssFamily, EssFamilyBasis, GeoPrecision, HeadcountBand, NafNomenclature, TerritoryLevel},
    establishment, organisation, territory,
};

use super::{
    HEADCOUNT_YEAR,
    ecosystem::{Ecosystem, Member, Role, Site, establishment_row, organisation_row},
    geography::Geography,
    numbers,
    random::DemoRng,
};
use crate::{
    domain::{Siren, text::fold_for_search},
    store::StoreError,
};

/// Communes with at least this many inhabitants are buyers.
pub(super) const MIN_COMMUNE_POPULATION: i64 = 10_000;

/// At least this many communes are buyers, the largest first.
pub(super) const MIN_COMMUNE_BUYERS: usize = 150;

/// NAF code of local authorities: administration publique générale.
const PUBLIC_ADMINISTRATION_NAF: &str = "84.11Z";

/// Adds the public buyers to the ecosystem: EPCI first, then communes by decreasing
/// population. Territories without a SIREN are skipped.
pub(super) fn generate(geo: &Geography, eco: &mut Ecosystem) -> Result<(), StoreError> {
    let mut rng = DemoRng::for_step("buyers");
    for epci_id in geo.epcis() {
        let (Some(epci), Some(seat)) = (geo.territory(epci_id), geo.seat_of(epci_id)) else {
            continue;
        };
        add_buyer(geo, eco, &mut rng, epci, seat)?;
    }
    for commune in buying_communes(geo) {
        add_buyer(geo, eco, &mut rng, commune, &commune.id)?;
    }
    Ok(())
}

/// The communes of the three régions that buy: those with a SIREN and at least
/// [`MIN_COMMUNE_POPULATION`] inhabitants, or the [`MIN_COMMUNE_BUYERS`] largest if fewer.
fn buying_communes(geo: &Geography) -> Vec<&territory::Model> {
    let mut communes: Vec<&territory::Model> = geo
        .communes()
        .iter()
        .filter_map(|id| geo.territory(id))
        .filter(|commune| commune.siren.is_some())
        .collect();
    communes.sort_by(|a, b| b.population.cmp(&a.population).then_with(|| a.code.cmp(&b.code)));
    let large = communes
        .iter()
        .take_while(|commune| commune.population.unwrap_or(0) >= MIN_COMMUNE_POPULATION)
        .count();
    communes.truncate(large.max(MIN_COMMUNE_BUYERS));
    communes
}

/// INSEE legal category of an EPCI, read from its name: communauté d'agglomération `7348`,
/// communauté urbaine `7343`, communauté de communes `7346`, métropole `7344` (the type
/// prefix wins: "CA de Nîmes Métropole" is an agglomeration).
pub(super) fn epci_legal_category(name: &str) -> &'static str {
    let folded = fold_for_search(name);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|prefix| folded.starts_with(prefix));
    if starts(&["ca ", "communaute d agglomeration"]) {
        "7348"
    } else if starts(&["cu ", "communaute urbaine"]) {
        "7343"
    } else if starts(&["cc ", "communaute de communes"]) {
        "7346"
    } else if folded.contains("metropole") {
        "7344"
    } else {
        "7346"
    }
}

/// Headcount band of a local authority from its population (EPCI employ fewer agents per
/// inhabitant than communes).
fn buyer_band(population: i64, level: TerritoryLevel) -> HeadcountBand {
    use HeadcountBand::*;
    let per_commune_equivalent = if level == TerritoryLevel::Epci {
        population / 4
    } else {
        population
    };
    match per_commune_equivalent {
        ..5_000 => From20To49,
        5_000..10_000 => From50To99,
        10_000..15_000 => From100To199,
        15_000..30_000 => From250To499,
        30_000..60_000 => From500To999,
        60_000..120_000 => From1000To1999,
        120_000..300_000 => From2000To4999,
        300_000..600_000 => From5000To9999,
        _ => From10000,
    }
}

/// Adds one local authority with its head office in `seat_id`.
fn add_buyer(
    geo: &Geography,
    eco: &mut Ecosystem,
    rng: &mut DemoRng,
    territory: &territory::Model,
    seat_id: &str,
) -> Result<(), StoreError> {
    let Some(siren) = territory.siren.as_deref() else {
        return Ok(());
    };
    let siren = Siren::parse(siren)?;
    if !eco.sirens.insert(siren.as_str().to_owned()) {
        return Ok(());
    }
    let siret = numbers::siret(siren.as_str(), "0001")?;
    let legal_category = if territory.level == TerritoryLevel::Epci {
        epci_legal_category(&territory.name)
    } else {
        "7210"
    };
    let population = territory.population.unwrap_or(0);
    let band = buyer_band(population, territory.level);
    let organisation_id = rng.uuid();
    let establishment_id = rng.uuid();
    eco.names.insert(territory.name.clone());
    eco.push_organisation(organisation::Model {
        siren: Some(siren.as_str().to_owned()),
        legal_category_code: Some(legal_category.to_owned()),
        ess_family: EssFamily::NonSse,
        ess_family_basis: EssFamilyBasis::LegalCategory,
        naf_code: Some(PUBLIC_ADMINISTRATION_NAF.to_owned()),
        naf_nomenclature: Some(NafNomenclature::NafRev2),
        headcount_band: Some(band),
        headcount_year: Some(HEADCOUNT_YEAR),
        employer: Some(true),
        public_authority_territory_id: Some(territory.id.clone()),
        ..organisation_row(organisation_id, territory.name.clone())
    });
    let point = geo.point(seat_id);
    let address = if territory.level == TerritoryLevel::Epci {
        "Siège communautaire"
    } else {
        "Hôtel de ville"
    };
    eco.push_establishment(establishment::Model {
        siret: Some(siret.as_str().to_owned()),
        is_headquarters: true,
        address_line1: Some(address.to_owned()),
        postal_code: geo.postal_code(seat_id, rng),
        commune_id: Some(seat_id.to_owned()),
        latitude: point.map(|p| p.latitude),
        longitude: point.map(|p| p.longitude),
        geo_precision: point.map(|_| GeoPrecision::Mairie),
        naf_code: Some(PUBLIC_ADMINISTRATION_NAF.to_owned()),
        headcount_band: Some(band),
        ..establishment_row(establishment_id, organisation_id)
    });
    eco.members.push(Member {
        organisation_id,
        name: territory.name.clone(),
        role: Role::Buyer {
            territory_id: territory.id.clone(),
            level: territory.level,
            population,
        },
        family: EssFamily::NonSse,
        sector: None,
        inclusive: false,
        scic: false,
        created_on: None,
        active: true,
        headquarters: Site {
            establishment_id,
            siret: Some(siret.as_str().to_owned()),
            commune_id: seat_id.to_owned(),
            placement: geo.placement(seat_id),
            point,
        },
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::epci_legal_category;

    #[test]
    fn epci_categories_come_from_the_type_prefix() {
        assert_eq!(epci_legal_category("CA de Nîmes Métropole"), "7348");
        assert_eq!(epci_legal_category("CU Perpignan Méditerranée Métropole"), "7343");
        assert_eq!(epci_legal_category("Métropole d'Aix-Marseille-Provence"), "7344");
        assert_eq!(epci_legal_category("Toulouse Métropole"), "7344");
        assert_eq!(epci_legal_category("CC du Pays de Forcalquier"), "7346");
        assert_eq!(
            epci_legal_category("Communauté d'agglomération du Grand Avignon"),
            "7348"
        );
    }
}
