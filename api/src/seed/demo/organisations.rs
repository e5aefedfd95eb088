//! Step 2, the invented organisations: [`ORGANISATION_COUNT`] associations, cooperatives,
//! mutuals, foundations, SSE commercial companies and ordinary companies in the communes of the
//! three régions (drawn by population, shares in [`PROFILES`]), then [`FAR_SUPPLIER_COUNT`]
//! companies in large cities elsewhere. Each has a head office, sometimes a second
//! establishment in its département, a VAT number when it is a company, and its labels.

use chrono::{Months, NaiveDate};
use entity::{
    enums::{
        CompanyCategory, EssFamily, EstablishmentStatus, GeoPrecision, HeadcountBand, IdScheme, LabelKind,
        NafNomenclature, OrganisationStatus,
    },
    establishment, organisation, territory,
};
use uuid::Uuid;

use super::{
    HEADCOUNT_YEAR, ORGANISATION_COUNT, date,
    ecosystem::{Ecosystem, Label, Member, Role, Site, establishment_row, organisation_row},
    geography::{FAR_COMMUNES, Geography, jitter},
    numbers,
    random::DemoRng,
    vocabulary::{
        Activity, BUSINESS_PARKS, FAR_ACTIVITIES, FAR_COMPANY, NAME_QUALIFIERS, NameWords, PROFILES, Profile, STREETS,
        SURNAMES, fill,
    },
};
use crate::{
    domain::{NafCode, Rna, Siren},
    store::StoreError,
};

/// Companies placed outside the three régions, so that some contracts have far suppliers.
pub(super) const FAR_SUPPLIER_COUNT: usize = 30;

/// Share of organisations with a second establishment.
const SECOND_ESTABLISHMENT_SHARE: f64 = 0.15;

/// Share of ceased organisations.
const CEASED_SHARE: f64 = 0.03;

/// Share of small associations (no salaried staff) that have no SIREN, only an RNA number.
const UNREGISTERED_SMALL_ASSOCIATION_SHARE: f64 = 0.25;

/// Share of associations with a SIREN that also have an RNA number.
const RNA_SHARE: f64 = 0.85;

/// Share of ordinary companies that are sociétés à mission.
const MISSION_SHARE: f64 = 0.04;

/// Share of foundations recognised of public utility.
const RUP_FOUNDATION_SHARE: f64 = 0.3;

/// How far from the town hall an establishment may be placed, km.
const ADDRESS_SCATTER_KM: f64 = 1.5;

/// Last possible creation date.
const LAST_CREATION: NaiveDate = date(2025, 12, 31);

/// Issuer of cooperative labels.
const COOPERATIVE_ISSUER: &str = "Confédération générale des Scop et des Scic";

/// Adds the invented organisations of the three régions, then the far companies.
pub(super) fn generate(geo: &Geography, eco: &mut Ecosystem) -> Result<(), StoreError> {
    let mut rng = DemoRng::for_step("organisations");
    for (profile, count) in profile_counts(ORGANISATION_COUNT) {
        for _ in 0..count {
            let Some(activity) = rng.pick_by_weight(profile.activities, |a| a.weight) else {
                break;
            };
            let Some(commune) = geo.draw_commune(&mut rng).and_then(|id| geo.territory(id)) else {
                break;
            };
            add_organisation(
                geo,
                eco,
                &mut rng,
                Placed {
                    profile,
                    activity,
                    commune,
                    far: false,
                },
            )?;
        }
    }
    for (i, activity) in FAR_ACTIVITIES.iter().cycle().take(FAR_SUPPLIER_COUNT).enumerate() {
        let city = FAR_COMMUNES[i % FAR_COMMUNES.len()];
        let Some(commune) = geo.territory(city) else { continue };
        add_organisation(
            geo,
            eco,
            &mut rng,
            Placed {
                profile: &FAR_COMPANY,
                activity,
                commune,
                far: true,
            },
        )?;
    }
    Ok(())
}

/// How many organisations of each profile make `total`: the shares rounded down, the last
/// profile taking the remainder.
fn profile_counts(total: usize) -> Vec<(&'static Profile, usize)> {
    let mut counts: Vec<(&'static Profile, usize)> = PROFILES
        .iter()
        .map(|profile| (profile, total * profile.per_mille as usize / 1_000))
        .collect();
    let assigned: usize = counts.iter().map(|(_, count)| count).sum();
    if let Some((_, last)) = counts.last_mut() {
        *last += total.saturating_sub(assigned);
    }
    counts
}

/// What an organisation is and where, before anything is drawn.
struct Placed<'a> {
    profile: &'static Profile,
    activity: &'static Activity,
    commune: &'a territory::Model,
    far: bool,
}

/// Everything drawn for one organisation.
struct Drawn {
    legal_category: &'static str,
    name: String,
    naf: NafCode,
    band: HeadcountBand,
    created_on: NaiveDate,
    ceased_on: Option<NaiveDate>,
    siren: Option<Siren>,
    rna: Option<Rna>,
    mission: bool,
}

/// Draws, builds and adds one organisation with its establishments, identifiers and labels.
fn add_organisation(
    geo: &Geography,
    eco: &mut Ecosystem,
    rng: &mut DemoRng,
    placed: Placed<'_>,
) -> Result<(), StoreError> {
    let drawn = draw(geo, eco, rng, &placed)?;
    let organisation_id = rng.uuid();
    eco.push_organisation(organisation_model(organisation_id, &placed, &drawn));

    let headquarters = add_establishment(geo, eco, rng, organisation_id, placed.commune, &drawn, "0001")?;
    if !placed.far && drawn.siren.is_some() && rng.chance(SECOND_ESTABLISHMENT_SHARE) {
        let other = (0..4)
            .filter_map(|_| {
                placed
                    .commune
                    .departement_id
                    .as_deref()
                    .and_then(|dep| geo.draw_commune_in(dep, rng))
            })
            .find(|id| *id != placed.commune.id)
            .and_then(|id| geo.territory(id));
        if let Some(other) = other {
            add_establishment(geo, eco, rng, organisation_id, other, &drawn, "0002")?;
        }
    }
    if let Some(siren) = &drawn.siren
        && (drawn.legal_category.starts_with('5') || drawn.legal_category.starts_with("63"))
    {
        let id = rng.uuid();
        eco.push_identifier(id, organisation_id, IdScheme::Tva, numbers::vat_number(siren));
    }
    for label in labels(geo, rng, &placed, &drawn, headquarters.establishment_id) {
        let id = rng.uuid();
        eco.push_label(id, organisation_id, label);
    }
    let inclusive = drawn.ceased_on.is_none() && placed.activity.labels.iter().any(|kind| is_inclusive(*kind));
    eco.members.push(Member {
        organisation_id,
        name: drawn.name,
        role: if placed.far { Role::Far } else { Role::Local },
        family: placed.profile.family,
        sector: placed.activity.sector,
        inclusive,
        scic: placed.profile.labels.contains(&LabelKind::Scic),
        created_on: Some(drawn.created_on),
        active: drawn.ceased_on.is_none(),
        headquarters,
    });
    Ok(())
}

/// Whether a label makes its holder eligible for reserved contracts (SIAE, EA, ESAT).
pub(super) fn is_inclusive(kind: LabelKind) -> bool {
    use LabelKind::*;
    matches!(kind, SiaeEi | SiaeAi | SiaeAci | SiaeEtti | SiaeEiti | Ea | Eatt | Esat)
}

/// Draws the identity, size and dates of an organisation.
fn draw(geo: &Geography, eco: &mut Ecosystem, rng: &mut DemoRng, placed: &Placed<'_>) -> Result<Drawn, StoreError> {
    let Placed {
        profile,
        activity,
        commune,
        far,
    } = *placed;
    let legal_category = activity
        .legal_category
        .or_else(|| {
            rng.pick_by_weight(profile.legal_categories, |(_, w)| *w)
                .map(|(code, _)| *code)
        })
        .unwrap_or("9220");
    let name = unique_name(geo, eco, rng, placed, legal_category);
    let band = rng
        .pick_by_weight(activity.size.bands(), |(_, w)| *w)
        .map_or(HeadcountBand::NonEmployer, |(band, _)| *band);
    let founded_from = if activity.labels.is_empty() {
        profile.founded_from
    } else {
        profile.founded_from.max(1985)
    };
    let created_on = founding_date(rng, founded_from);
    let ceased_on = (!far && rng.chance(CEASED_SHARE)).then(|| {
        let earliest = created_on
            .checked_add_months(Months::new(12))
            .unwrap_or(created_on)
            .max(date(2016, 1, 1));
        rng.date_between(earliest, date(2026, 9, 30))
    });
    let is_association = profile.family == EssFamily::Association;
    let unregistered = is_association
        && matches!(band, HeadcountBand::NonEmployer | HeadcountBand::Zero)
        && rng.chance(UNREGISTERED_SMALL_ASSOCIATION_SHARE);
    let siren = if unregistered {
        None
    } else {
        Some(numbers::new_siren(rng, &mut eco.sirens)?)
    };
    let departement_code = commune
        .departement_id
        .as_deref()
        .and_then(|id| geo.territory(id))
        .map(|dep| dep.code.clone())
        .filter(|code| code.len() == 2);
    let rna = match departement_code {
        Some(code) if is_association && (unregistered || rng.chance(RNA_SHARE)) => {
            Some(numbers::new_rna(rng, &code, &mut eco.rnas)?)
        }
        _ => None,
    };
    let mission = profile.family == EssFamily::NonSse && rng.chance(MISSION_SHARE);
    Ok(Drawn {
        legal_category,
        name,
        naf: NafCode::parse(activity.naf)?,
        band,
        created_on,
        ceased_on,
        siren,
        rna,
        mission,
    })
}

/// A creation date from 1 January of `from_year` to the end of 2025, recent years more
/// likely.
fn founding_date(rng: &mut DemoRng, from_year: i32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or(LAST_CREATION);
    let span = (LAST_CREATION - first).num_days().max(0) as f64;
    let offset = (span * rng.unit().powf(0.6)) as u64;
    first.checked_add_days(chrono::Days::new(offset)).unwrap_or(first)
}

/// A name not used yet: a template of the activity filled with the commune and a surname,
/// then, if taken, with a district qualifier or a number.
fn unique_name(
    geo: &Geography,
    eco: &mut Ecosystem,
    rng: &mut DemoRng,
    placed: &Placed<'_>,
    legal_category: &str,
) -> String {
    let de_departement = placed
        .commune
        .departement_id
        .as_deref()
        .map(|dep| geo.departement_with_de(dep))
        .unwrap_or_default();
    let suffix = if placed.profile.legal_form_in_name {
        legal_form(legal_category)
    } else {
        ""
    };
    let candidate = |rng: &mut DemoRng, qualifier: &str| {
        let template = rng.pick(placed.activity.names).copied().unwrap_or("{commune}");
        let surname = rng.pick(SURNAMES).copied().unwrap_or("Martin");
        let words = NameWords {
            commune: &placed.commune.name,
            de_departement: &de_departement,
            surname,
        };
        let core = fill(template, &words);
        [core.as_str(), qualifier, suffix]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    for _ in 0..6 {
        let name = candidate(rng, "");
        if eco.names.insert(name.clone()) {
            return name;
        }
    }
    for qualifier in NAME_QUALIFIERS {
        let name = candidate(rng, qualifier);
        if eco.names.insert(name.clone()) {
            return name;
        }
    }
    let base = candidate(rng, "");
    let mut number = 2;
    loop {
        let name = format!("{base} {number}");
        if eco.names.insert(name.clone()) {
            return name;
        }
        number += 1;
    }
}

/// The legal form written after a company's name.
fn legal_form(legal_category: &str) -> &'static str {
    match legal_category {
        "5710" => "SAS",
        "5720" => "SASU",
        "5499" => "SARL",
        "5599" => "SA",
        _ => "",
    }
}

/// The organisation row.
fn organisation_model(id: Uuid, placed: &Placed<'_>, drawn: &Drawn) -> organisation::Model {
    let band = drawn.band;
    let is_company = drawn.legal_category.starts_with('5');
    organisation::Model {
        siren: drawn.siren.as_ref().map(|s| s.as_str().to_owned()),
        rna: drawn.rna.as_ref().map(|r| r.as_str().to_owned()),
        legal_category_code: Some(drawn.legal_category.to_owned()),
        ess_family: placed.profile.family,
        ess_family_basis: placed.profile.basis,
        sirene_ess_flag: Some(placed.profile.family != EssFamily::NonSse),
        societe_mission: is_company.then_some(drawn.mission),
        naf_code: Some(drawn.naf.as_str().to_owned()),
        naf_nomenclature: Some(NafNomenclature::NafRev2),
        headcount_band: Some(band),
        headcount_year: (band != HeadcountBand::NonEmployer).then_some(HEADCOUNT_YEAR),
        employer: Some(!matches!(band, HeadcountBand::NonEmployer | HeadcountBand::Zero)),
        company_category: Some(company_category(band)),
        admin_status: if drawn.ceased_on.is_some() {
            OrganisationStatus::Ceased
        } else {
            OrganisationStatus::Active
        },
        created_on: Some(drawn.created_on),
        ceased_on: drawn.ceased_on,
        ..organisation_row(id, drawn.name.clone())
    }
}

/// INSEE company category from the headcount alone: PME under 250, GE from 5 000.
fn company_category(band: HeadcountBand) -> CompanyCategory {
    if band >= HeadcountBand::From5000To9999 {
        CompanyCategory::Ge
    } else if band >= HeadcountBand::From250To499 {
        CompanyCategory::Eti
    } else {
        CompanyCategory::Pme
    }
}

/// Adds an establishment in `commune` (the head office when `nic_stem` is `0001`) and returns
/// it as a site.
fn add_establishment(
    geo: &Geography,
    eco: &mut Ecosystem,
    rng: &mut DemoRng,
    organisation_id: Uuid,
    commune: &territory::Model,
    drawn: &Drawn,
    nic_stem: &str,
) -> Result<Site, StoreError> {
    let id = rng.uuid();
    let siret = drawn
        .siren
        .as_ref()
        .map(|siren| numbers::siret(siren.as_str(), nic_stem))
        .transpose()?;
    let headquarters = nic_stem == "0001";
    let point = geo
        .point(&commune.id)
        .map(|point| jitter(point, ADDRESS_SCATTER_KM, rng));
    let street = rng.pick(STREETS).copied().unwrap_or("rue de la République");
    let in_business_park = drawn.legal_category.starts_with('5') && rng.chance(0.25);
    let opened_on = if headquarters {
        drawn.created_on
    } else {
        rng.date_between(drawn.created_on, LAST_CREATION)
    };
    eco.push_establishment(establishment::Model {
        siret: siret.as_ref().map(|s| s.as_str().to_owned()),
        is_headquarters: headquarters,
        address_line1: Some(format!("{} {street}", rng.between(1, 140))),
        address_line2: in_business_park
            .then(|| rng.pick(BUSINESS_PARKS).map(|park| (*park).to_owned()))
            .flatten(),
        postal_code: geo.postal_code(&commune.id, rng),
        commune_id: Some(commune.id.clone()),
        latitude: point.map(|p| p.latitude),
        longitude: point.map(|p| p.longitude),
        geo_precision: point.map(|_| GeoPrecision::Address),
        naf_code: Some(drawn.naf.as_str().to_owned()),
        headcount_band: Some(drawn.band),
        admin_status: if drawn.ceased_on.is_some() {
            EstablishmentStatus::Closed
        } else {
            EstablishmentStatus::Active
        },
        opened_on: Some(opened_on),
        closed_on: drawn.ceased_on,
        ..establishment_row(id, organisation_id)
    });
    Ok(Site {
        establishment_id: id,
        siret: siret.map(String::from),
        commune_id: commune.id.clone(),
        placement: geo.placement(&commune.id),
        point,
    })
}

/// The labels of an organisation: those of its profile (SCOP, SCIC, CAE) and activity (SIAE,
/// EA, ESAT, GEIQ), ESUS for a share of the profile, RUP, société à mission. A ceased
/// organisation keeps only its cooperative label, ended on cessation.
fn labels(geo: &Geography, rng: &mut DemoRng, placed: &Placed<'_>, drawn: &Drawn, headquarters: Uuid) -> Vec<Label> {
    let created = drawn.created_on;
    let departement = placed.commune.departement_id.as_deref().unwrap_or_default();
    let dep_code = geo.territory(departement).map_or("", |d| d.code.as_str()).to_owned();
    let ddets = format!("DDETS {}", geo.departement_with_de(departement));
    let region = geo
        .name(placed.commune.region_id.as_deref().unwrap_or_default())
        .to_owned();
    let mut labels: Vec<Label> = placed
        .profile
        .labels
        .iter()
        .map(|&kind| Label {
            kind,
            issuer: COOPERATIVE_ISSUER.to_owned(),
            reference: Some(format!("CGSCOP-{}", rng.digits(6))),
            valid_from: created,
            valid_to: drawn.ceased_on,
            establishment_id: None,
        })
        .collect();
    if drawn.ceased_on.is_some() {
        return labels;
    }
    for &kind in placed.activity.labels {
        labels.push(statutory_label(
            rng,
            kind,
            created,
            &dep_code,
            &ddets,
            &region,
            headquarters,
        ));
    }
    if rng.chance(f64::from(placed.profile.esus_percent) / 100.0) {
        let always_valid = placed.profile.esus_percent == 100;
        let earliest = if always_valid {
            date(2021, 11, 2)
        } else {
            date(2015, 1, 1)
        };
        let valid_from = rng.date_between(created.max(earliest), date(2026, 10, 15));
        labels.push(Label {
            kind: LabelKind::Esus,
            issuer: ddets.clone(),
            reference: Some(format!("ESUS-{dep_code}-{}-{}", valid_from.format("%Y"), rng.digits(4))),
            valid_from,
            valid_to: years_later(valid_from, 5),
            establishment_id: None,
        });
    }
    let rup = drawn.legal_category == "9230"
        || (placed.profile.family == EssFamily::Foundation && rng.chance(RUP_FOUNDATION_SHARE));
    if rup {
        let earliest = created
            .checked_add_months(Months::new(24))
            .unwrap_or(created)
            .min(LAST_CREATION);
        let valid_from = rng.date_between(earliest, LAST_CREATION);
        labels.push(Label {
            kind: LabelKind::Rup,
            issuer: "Ministère de l'Intérieur".to_owned(),
            reference: Some(format!("Décret du {}", french_date(valid_from))),
            valid_from,
            valid_to: None,
            establishment_id: None,
        });
    }
    if drawn.mission {
        labels.push(Label {
            kind: LabelKind::SocieteAMission,
            issuer: "Registre du commerce et des sociétés".to_owned(),
            reference: None,
            valid_from: rng.date_between(created.max(date(2019, 7, 1)), date(2026, 6, 30)),
            valid_to: None,
            establishment_id: None,
        });
    }
    labels
}

/// A SIAE, EA, ESAT or GEIQ label, current on the demo date: SIAE conventions run 3 years from
/// their signature by the DDETS, EA contracts with the DREETS 5 years, ESAT authorisations by
/// the ARS 15 years (on the head office), GEIQ labels one calendar year.
fn statutory_label(
    rng: &mut DemoRng,
    kind: LabelKind,
    created: NaiveDate,
    dep_code: &str,
    ddets: &str,
    region: &str,
    headquarters: Uuid,
) -> Label {
    use LabelKind::*;
    let (issuer, earliest, years) = match kind {
        Ea | Eatt => (format!("DREETS {region}"), date(2022, 1, 1), 5),
        Esat => (format!("ARS {region}"), date(2012, 1, 1), 15),
        Geiq => ("Fédération française des GEIQ".to_owned(), date(2026, 1, 1), 1),
        _ => (ddets.to_owned(), date(2023, 12, 1), 3),
    };
    let valid_from = if kind == Geiq {
        earliest.max(created)
    } else {
        rng.date_between(created.max(earliest), date(2026, 6, 30))
    };
    let year = valid_from.format("%Y");
    let reference = match kind {
        Esat => format!("{dep_code}{}", rng.digits(7)),
        Geiq => format!("GEIQ-{dep_code}-{}", rng.digits(3)),
        _ => format!("{}-{dep_code}-{year}-{}", label_code(kind), rng.digits(3)),
    };
    Label {
        kind,
        issuer,
        reference: Some(reference),
        valid_from,
        valid_to: years_later(valid_from, years),
        establishment_id: (kind == Esat).then_some(headquarters),
    }
}

/// The short code of a label in references.
fn label_code(kind: LabelKind) -> &'static str {
    use LabelKind::*;
    match kind {
        SiaeEi => "EI",
        SiaeAi => "AI",
        SiaeAci => "ACI",
        SiaeEtti => "ETTI",
        SiaeEiti => "EITI",
        Ea => "EA",
        Eatt => "EATT",
        _ => "LBL",
    }
}

/// The last day of a validity of `years` years starting on `from`.
fn years_later(from: NaiveDate, years: u32) -> Option<NaiveDate> {
    from.checked_add_months(Months::new(12 * years))
        .and_then(|end| end.pred_opt())
}

/// A date written the French way: "12 mars 1998".
fn french_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let month = MONTHS.get(date.month0() as usize).copied().unwrap_or("janvier");
    let day = if date.day() == 1 {
        "1er".to_owned()
    } else {
        date.day().to_string()
    };
    format!("{day} {month} {}", date.year())
}

#[cfg(test)]
mod tests {
    use super::{french_date, profile_counts, years_later};
    use crate::seed::demo::{ORGANISATION_COUNT, TODAY};

    #[test]
    fn profile_counts_add_up_to_the_total() {
        let counts = profile_counts(ORGANISATION_COUNT);
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), ORGANISATION_COUNT);
        assert_eq!(profile_counts(1_234).iter().map(|(_, n)| n).sum::<usize>(), 1_234);
    }

    #[test]
    fn validities_end_the_day_before_the_anniversary() {
        assert_eq!(
            years_later(TODAY, 5).map(|d| d.to_string()).as_deref(),
            Some("2031-10-31")
        );
        assert_eq!(french_date(TODAY), "1er novembre 2026");
    }
}
