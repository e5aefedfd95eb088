//! The scale generator behind `terrasse seed --synthetic --organisations N --contracts M`:
//! a deterministic, clearly synthetic data set of any size for benchmarks (100 000
//! organisations and 1 000 000 contracts take minutes, not memory).
//!
//! It reuses the demo's pieces: the real reference territories of the three régions
//! ([`Geography`]), the real local-authority buyers ([`buyers::generate`]), the fixed-seed
//! PRNG and the SIREN/SIRET helpers. Organisations and contracts are then generated and written
//! in batches of [`BATCH`], each in its own transaction through the store (so every row is in
//! the change log), with a progress line after each batch; memory holds only the batch and a
//! compact index of the suppliers (id, SIRET, place, point).
//!
//! Every row has `source = "SYNTHETIC"`. The generator refuses a database that already holds
//! organisations, since the buyers carry the real SIRENs of local authorities.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use entity::{
    contract, contract_supplier,
    enums::{ContractKind, EssFamily, EssFamilyBasis, ExecPlaceType, HeadcountBand, IdScheme, LabelKind, PurchaseType},
    organisation_label,
};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::{
    SEEDED_AT, buyers, date,
    ecosystem::{Ecosystem, Member, establishment_row, organisation_row},
    geography::{Geography, jitter},
    has_organisations, numbers,
    random::{DemoRng, WeightedIndex},
};
use crate::{
    domain::{
        ValidationError,
        geo::{GeoPoint, Placement, distance_km, locality_level},
    },
    store::{self, DbContext, StoreError, contracts::NewContracts, organisations::NewOrganisations},
};

/// `source` of every synthetic row.
pub const SYNTHETIC_SOURCE: &str = "SYNTHETIC";

/// Rows generated and written per transaction.
pub const BATCH: usize = 5_000;

/// First and last notification dates.
const FIRST_NOTIFICATION: NaiveDate = date(2019, 1, 1);
const LAST_NOTIFICATION: NaiveDate = date(2026, 10, 31);

/// SSE families with their weight (per thousand) and a legal category.
const FAMILIES: [(EssFamily, u64, &str); 6] = [
    (EssFamily::Association, 330, "9220"),
    (EssFamily::Cooperative, 50, "5458"),
    (EssFamily::Mutual, 15, "8210"),
    (EssFamily::Foundation, 10, "9300"),
    (EssFamily::SseCommercialCompany, 25, "5710"),
    (EssFamily::NonSse, 570, "5499"),
];

/// NAF codes drawn for organisations.
const NAF_CODES: [&str; 12] = [
    "88.99B", "94.99Z", "43.21A", "81.21Z", "56.10A", "62.01Z", "38.11Z", "85.59A", "49.39A", "01.13Z", "71.12B",
    "47.11F",
];

/// Headcount bands drawn, with weights.
const BANDS: [(HeadcountBand, u64); 8] = [
    (HeadcountBand::NonEmployer, 300),
    (HeadcountBand::Zero, 150),
    (HeadcountBand::From1To2, 200),
    (HeadcountBand::From3To5, 120),
    (HeadcountBand::From6To9, 90),
    (HeadcountBand::From10To19, 70),
    (HeadcountBand::From20To49, 50),
    (HeadcountBand::From50To99, 20),
];

/// Labels drawn, with the probability (per thousand) an organisation holds each.
const LABELS: [(LabelKind, u64); 6] = [
    (LabelKind::Esus, 30),
    (LabelKind::SiaeEi, 10),
    (LabelKind::SiaeAci, 10),
    (LabelKind::Ea, 6),
    (LabelKind::Esat, 6),
    (LabelKind::Scop, 10),
];

/// CPV codes drawn for contracts (8 digits), with their purchase type.
const CPV_CODES: [(&str, PurchaseType); 16] = [
    ("45000000", PurchaseType::Works),
    ("45233140", PurchaseType::Works),
    ("45453000", PurchaseType::Works),
    ("30192000", PurchaseType::Supplies),
    ("15800000", PurchaseType::Supplies),
    ("09134100", PurchaseType::Supplies),
    ("34144900", PurchaseType::Supplies),
    ("39130000", PurchaseType::Supplies),
    ("90910000", PurchaseType::Services),
    ("90511000", PurchaseType::Services),
    ("77310000", PurchaseType::Services),
    ("55524000", PurchaseType::Services),
    ("79713000", PurchaseType::Services),
    ("72000000", PurchaseType::Services),
    ("85310000", PurchaseType::Services),
    ("80500000", PurchaseType::Services),
];

/// Procedures drawn.
const PROCEDURES: [&str; 4] = [
    "Procédure adaptée",
    "Appel d'offres ouvert",
    "Procédure avec négociation",
    "Marché passé sans publicité ni mise en concurrence préalable",
];

/// What the synthetic generator wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticSummary {
    /// Public buyers (real local authorities).
    pub buyers: usize,
    /// Other organisations.
    pub organisations: usize,
    /// Labels.
    pub labels: usize,
    /// Contracts.
    pub contracts: usize,
    /// Contract suppliers.
    pub suppliers: usize,
}

impl std::fmt::Display for SyntheticSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "synthetic data: {} public buyers, {} organisations, {} labels, {} contracts ({} suppliers) (source {SYNTHETIC_SOURCE})",
            self.buyers, self.organisations, self.labels, self.contracts, self.suppliers
        )
    }
}

/// A supplier as the contract step sees it.
#[derive(Debug, Clone)]
struct Supplier {
    organisation_id: Uuid,
    establishment_id: Uuid,
    siret: String,
    placement: Placement,
    point: Option<GeoPoint>,
}

/// Generates and writes `organisations` organisations and `contracts` contracts, calling
/// `progress` with a line after every batch.
pub async fn seed_synthetic(
    db: &DatabaseConnection,
    organisations: usize,
    contracts: usize,
    mut progress: impl FnMut(String),
) -> Result<SyntheticSummary, StoreError> {
    if has_organisations(db).await? {
        return Err(ValidationError::new(
            "synthetic",
            SYNTHETIC_SOURCE,
            "needs a database without organisations (the buyers carry real SIRENs)",
        )
        .into());
    }
    let geography = Geography::load(db).await?;
    let mut summary = SyntheticSummary::default();

    // Buyers: the demo's real local authorities, relabelled.
    let mut ecosystem = Ecosystem::default();
    buyers::generate(&geography, &mut ecosystem)?;
    let buyers: Vec<Member> = ecosystem.members.clone();
    let mut rows = std::mem::take(&mut ecosystem.rows);
    relabel(&mut rows);
    summary.buyers = rows.organisations.len();
    write_organisations(db, rows).await?;
    progress(format!("buyers: {}", summary.buyers));

    // Organisations, in batches; suppliers indexed by département.
    let mut rng = DemoRng::for_step("synthetic-organisations");
    let families = WeightedIndex::new(FAMILIES.iter().map(|f| f.1));
    let bands = WeightedIndex::new(BANDS.iter().map(|b| b.1));
    let mut sirens = ecosystem.sirens;
    let mut suppliers: Vec<Supplier> = Vec::with_capacity(organisations);
    let mut by_departement: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut written = 0;
    while written < organisations {
        let count = BATCH.min(organisations - written);
        let mut batch = NewOrganisations::default();
        for i in written..written + count {
            let Some(commune_id) = geography.draw_commune(&mut rng) else {
                break;
            };
            let commune_id = commune_id.to_owned();
            let (family, _, category) = FAMILIES[families.sample(&mut rng).unwrap_or(0)];
            let siren = numbers::new_siren(&mut rng, &mut sirens)?;
            let siret = numbers::siret(siren.as_str(), "0001")?;
            let organisation_id = rng.uuid();
            let establishment_id = rng.uuid();
            let band = BANDS[bands.sample(&mut rng).unwrap_or(0)].0;
            let naf = NAF_CODES[rng.below(NAF_CODES.len())];
            let point = geography.point(&commune_id).map(|p| jitter(p, 3.0, &mut rng));
            batch.organisations.push(entity::organisation::Model {
                siren: Some(siren.as_str().to_owned()),
                legal_category_code: Some(category.to_owned()),
                ess_family: family,
                ess_family_basis: EssFamilyBasis::LegalCategory,
                naf_code: Some(naf.to_owned()),
                headcount_band: Some(band),
                headcount_year: Some(2024),
                employer: Some(!matches!(band, HeadcountBand::NonEmployer | HeadcountBand::Zero)),
                source: SYNTHETIC_SOURCE.to_owned(),
                external_id: Some(format!("synthetic-org-{:07}", i + 1)),
                ..organisation_row(
                    organisation_id,
                    format!("Synthèse {} {:07}", family_word(family), i + 1),
                )
            });
            batch.establishments.push(entity::establishment::Model {
                siret: Some(siret.as_str().to_owned()),
                is_headquarters: true,
                commune_id: Some(commune_id.clone()),
                postal_code: geography.postal_code(&commune_id, &mut rng),
                latitude: point.map(|p| p.latitude),
                longitude: point.map(|p| p.longitude),
                naf_code: Some(naf.to_owned()),
                headcount_band: Some(band),
                source: SYNTHETIC_SOURCE.to_owned(),
                external_id: Some(format!("synthetic-est-{:07}", i + 1)),
                ..establishment_row(establishment_id, organisation_id)
            });
            for (kind, per_thousand) in LABELS {
                if rng.below(1_000) < per_thousand as usize {
                    let valid_from = rng.date_between(date(2015, 1, 1), date(2024, 12, 31));
                    batch.labels.push(organisation_label::Model {
                        id: rng.uuid(),
                        organisation_id,
                        establishment_id: None,
                        kind,
                        issuer: Some("Synthetic".to_owned()),
                        reference: None,
                        valid_from: Some(valid_from),
                        valid_to: rng.chance(0.2).then(|| valid_from + Days::new(5 * 365)),
                        evidence_url: None,
                        source: SYNTHETIC_SOURCE.to_owned(),
                        external_id: Some(format!("synthetic-label-{:07}-{kind:?}", i + 1)),
                        source_updated_at: None,
                        created_at: SEEDED_AT,
                        updated_at: SEEDED_AT,
                        deleted_at: None,
                        version: 1,
                    });
                }
            }
            let placement = geography.placement(&commune_id);
            if let Some(departement) = &placement.departement_id {
                by_departement
                    .entry(departement.clone())
                    .or_default()
                    .push(suppliers.len());
            }
            suppliers.push(Supplier {
                organisation_id,
                establishment_id,
                siret: siret.as_str().to_owned(),
                placement,
                point,
            });
        }
        summary.organisations += batch.organisations.len();
        summary.labels += batch.labels.len();
        written += count;
        write_organisations(db, batch).await?;
        progress(format!("organisations: {written}/{organisations}"));
    }
    if suppliers.is_empty() && contracts > 0 {
        return Err(ValidationError::new(
            "organisations",
            organisations.to_string(),
            "contracts need at least one organisation to supply them",
        )
        .into());
    }

    // Contracts, in batches.
    let mut rng = DemoRng::for_step("synthetic-contracts");
    let buyer_draw = WeightedIndex::new(buyers.iter().map(|b| match &b.role {
        super::ecosystem::Role::Buyer { population, .. } => (*population).max(1) as u64,
        _ => 1,
    }));
    let days = (LAST_NOTIFICATION - FIRST_NOTIFICATION).num_days();
    let mut written = 0;
    while written < contracts {
        let count = BATCH.min(contracts - written);
        let mut batch = NewContracts::default();
        for i in written..written + count {
            let buyer = &buyers[buyer_draw.sample(&mut rng).unwrap_or(0)];
            let Some(buyer_siret) = buyer.headquarters.siret.clone() else {
                continue;
            };
            let notified_on = FIRST_NOTIFICATION + Days::new(rng.between(0, days) as u64);
            let (cpv, purchase_type) = CPV_CODES[rng.below(CPV_CODES.len())];
            let amount_cents = ((rng.normal() * 1.0 + 11.0).exp() * 100.0).round() as i64;
            let modified = rng.chance(0.1);
            let current_amount_cents = if modified {
                amount_cents + amount_cents / 10
            } else {
                amount_cents
            };
            let id = rng.uuid();
            let supplier_count = if rng.chance(0.85) {
                1
            } else {
                rng.between(2, 3) as usize
            };
            let local_pool = buyer
                .departement_id()
                .and_then(|d| by_departement.get(d))
                .filter(|pool| !pool.is_empty());
            let mut chosen: Vec<Uuid> = Vec::with_capacity(supplier_count);
            for _ in 0..supplier_count {
                let index = match local_pool {
                    Some(pool) if rng.chance(0.6) => pool[rng.below(pool.len())],
                    _ => rng.below(suppliers.len()),
                };
                let supplier = &suppliers[index];
                if chosen.contains(&supplier.organisation_id) {
                    continue;
                }
                let distance = match (buyer.headquarters.point, supplier.point) {
                    (Some(a), Some(b)) => Some((distance_km(a, b) * 10.0).round() / 10.0),
                    _ => None,
                };
                batch.suppliers.push(contract_supplier::Model {
                    id: rng.uuid(),
                    contract_id: id,
                    position: chosen.len() as i16,
                    id_scheme: IdScheme::Siret,
                    id_value: supplier.siret.clone(),
                    establishment_id: Some(supplier.establishment_id),
                    organisation_id: Some(supplier.organisation_id),
                    from_modification: 0,
                    distance_km: distance,
                    locality_level: locality_level(&buyer.headquarters.placement, &supplier.placement),
                    created_at: SEEDED_AT,
                });
                chosen.push(supplier.organisation_id);
            }
            let social_clause = rng.chance(0.15);
            let social_criterion = rng.chance(0.1);
            let reserved = rng.chance(0.03);
            let env_clause = rng.chance(0.3);
            let env_criterion = rng.chance(0.2);
            let internal_id = format!("S{:09}", i + 1);
            let commune = geography.territory(&buyer.headquarters.commune_id);
            batch.contracts.push(contract::Model {
                id,
                uid: format!("{buyer_siret}{internal_id}"),
                buyer_internal_id: internal_id,
                kind: ContractKind::PublicContract,
                nature: Some("Marché".to_owned()),
                object: Some(format!("Marché synthétique {}", i + 1)),
                cpv_code: Some(cpv.to_owned()),
                cpv_division: Some(cpv[..2].to_owned()),
                purchase_type: Some(purchase_type),
                procedure: Some(PROCEDURES[rng.below(PROCEDURES.len())].to_owned()),
                techniques: json!([]),
                execution_modes: json!([]),
                framework_uid: None,
                innovative: Some(false),
                ccag: None,
                offers_received: Some(rng.between(1, 8) as i32),
                advance: Some(false),
                advance_rate: None,
                grouping_type: None,
                subcontracting_declared: Some(false),
                exec_place_code: commune.map(|c| c.code.clone()),
                exec_place_type: commune.map(|_| ExecPlaceType::CommuneCode),
                exec_territory_id: commune.map(|c| c.id.clone()),
                duration_months: Some(rng.between(1, 48) as i32),
                notified_on: Some(notified_on),
                published_on: Some(notified_on + Days::new(rng.between(1, 60) as u64)),
                amount_cents: Some(amount_cents),
                price_form: None,
                price_types: json!([]),
                origin_eu: None,
                origin_fr: None,
                social_considerations: json!([]),
                environmental_considerations: json!([]),
                social_clause,
                social_criterion,
                reserved,
                env_clause,
                env_criterion,
                current_amount_cents: Some(current_amount_cents),
                current_duration_months: None,
                buyer_siret,
                buyer_establishment_id: Some(buyer.headquarters.establishment_id),
                buyer_organisation_id: Some(buyer.organisation_id),
                signed_on: None,
                exec_start_on: None,
                public_subsidy_cents: None,
                quality_flags: json!([]),
                source: SYNTHETIC_SOURCE.to_owned(),
                external_id: Some(format!("synthetic-contract-{:07}", i + 1)),
                source_updated_at: None,
                created_at: SEEDED_AT,
                updated_at: SEEDED_AT,
                deleted_at: None,
                version: 1,
            });
        }
        summary.contracts += batch.contracts.len();
        summary.suppliers += batch.suppliers.len();
        written += count;
        let txn = db.begin().await.context("starting a synthetic batch")?;
        store::contracts::insert_new(&txn, batch).await?;
        txn.commit().await.context("committing a synthetic batch")?;
        progress(format!("contracts: {written}/{contracts}"));
    }
    store::refresh_statistics(db).await?;
    Ok(summary)
}

/// Marks demo-generated buyer rows as synthetic.
fn relabel(rows: &mut NewOrganisations) {
    let external = |id: &mut Option<String>| {
        if let Some(value) = id {
            *value = value.replacen("demo-", "synthetic-", 1);
        }
    };
    for row in &mut rows.organisations {
        row.source = SYNTHETIC_SOURCE.to_owned();
        external(&mut row.external_id);
    }
    for row in &mut rows.establishments {
        row.source = SYNTHETIC_SOURCE.to_owned();
        external(&mut row.external_id);
    }
    for row in &mut rows.identifiers {
        row.source = SYNTHETIC_SOURCE.to_owned();
        external(&mut row.external_id);
    }
    for row in &mut rows.labels {
        row.source = SYNTHETIC_SOURCE.to_owned();
        external(&mut row.external_id);
    }
}

async fn write_organisations(db: &DatabaseConnection, rows: NewOrganisations) -> Result<(), StoreError> {
    let txn = db.begin().await.context("starting a synthetic batch")?;
    store::organisations::insert_new(&txn, rows).await?;
    txn.commit().await.context("committing a synthetic batch")
}

fn family_word(family: EssFamily) -> &'static str {
    match family {
        EssFamily::Association => "Association",
        EssFamily::Cooperative => "Coopérative",
        EssFamily::Mutual => "Mutuelle",
        EssFamily::Foundation => "Fondation",
        EssFamily::SseCommercialCompany => "Entreprise solidaire",
        _ => "Société",
    }
}
