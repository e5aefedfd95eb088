//! Small, explicit data sets written through the store, for filter and paging tests.

use api::store::organisations::{NewOrganisations, insert_new};
use chrono::{NaiveDate, TimeZone, Utc};
use entity::{
    enums::{
        EssFamily, EssFamilyBasis, EstablishmentStatus, GeoPrecision, HeadcountBand, LabelKind, OrganisationStatus,
    },
    establishment, organisation, organisation_label,
};
use sea_orm::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

/// A valid SIREN (Luhn) built from an 8-digit stem.
pub fn siren(stem: u32) -> String {
    let body = format!("{stem:08}");
    (0..10)
        .map(|check| format!("{body}{check}"))
        .find(|candidate| api::domain::Siren::parse(candidate).is_ok())
        .unwrap()
}

/// A valid SIRET for a SIREN and an establishment number.
pub fn siret(siren: &str, number: u32) -> String {
    let body = format!("{siren}{number:04}");
    (0..10)
        .map(|check| format!("{body}{check}"))
        .find(|candidate| api::domain::Siret::parse(candidate).is_ok())
        .unwrap()
}

/// One organisation to write.
pub struct Org {
    pub name: &'static str,
    pub stem: u32,
    pub family: EssFamily,
    pub legal_category: &'static str,
    pub naf: &'static str,
    pub band: Option<HeadcountBand>,
    pub created_on: Option<NaiveDate>,
    /// (commune territory id, latitude, longitude); the first is the head office.
    pub places: Vec<(&'static str, f64, f64)>,
    /// (kind, valid from, valid to).
    pub labels: Vec<(LabelKind, NaiveDate, Option<NaiveDate>)>,
    pub public_territory: Option<&'static str>,
    pub status: OrganisationStatus,
}

impl Org {
    pub fn new(name: &'static str, stem: u32, family: EssFamily, commune: (&'static str, f64, f64)) -> Self {
        Self {
            name,
            stem,
            family,
            legal_category: if family == EssFamily::Association {
                "9220"
            } else {
                "5710"
            },
            naf: "94.99Z",
            band: None,
            created_on: None,
            places: vec![commune],
            labels: vec![],
            public_territory: None,
            status: OrganisationStatus::Active,
        }
    }
}

pub const MARSEILLE: (&str, f64, f64) = ("COM:13055", 43.2976, 5.3694);
pub const AIX: (&str, f64, f64) = ("COM:13001", 43.5283, 5.4497);
pub const NICE: (&str, f64, f64) = ("COM:06088", 43.7031, 7.2661);
pub const LYON: (&str, f64, f64) = ("COM:69123", 45.7676, 4.8344);
pub const AJACCIO: (&str, f64, f64) = ("COM:2A004", 41.9192, 8.7386);

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Writes the organisations through the store, in one transaction; returns their ids.
pub async fn write(db: &DatabaseConnection, orgs: Vec<Org>) -> Vec<Uuid> {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let mut new = NewOrganisations::default();
    let mut ids = Vec::new();
    for org in orgs {
        let id = Uuid::now_v7();
        ids.push(id);
        let siren = siren(org.stem);
        new.organisations.push(organisation::Model {
            id,
            siren: Some(siren.clone()),
            rna: None,
            name: org.name.into(),
            name_search: api::domain::text::fold_for_search(org.name),
            acronym: None,
            legal_category_code: Some(org.legal_category.into()),
            ess_family: org.family,
            ess_family_basis: EssFamilyBasis::LegalCategory,
            sirene_ess_flag: None,
            societe_mission: None,
            naf_code: Some(org.naf.into()),
            naf_nomenclature: None,
            headcount_band: org.band,
            headcount_year: None,
            employer: None,
            company_category: None,
            admin_status: org.status,
            created_on: org.created_on,
            ceased_on: None,
            diffusible: true,
            resolved: true,
            public_authority_territory_id: org.public_territory.map(Into::into),
            source: "TEST".into(),
            external_id: Some(format!("org-{}", org.stem)),
            source_updated_at: None,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            version: 1,
        });
        for (n, (commune, latitude, longitude)) in org.places.iter().enumerate() {
            let number = u32::try_from(n).unwrap() + 1;
            new.establishments.push(establishment::Model {
                id: Uuid::now_v7(),
                organisation_id: id,
                siret: Some(siret(&siren, number)),
                name: None,
                is_headquarters: n == 0,
                address_line1: None,
                address_line2: None,
                postal_code: None,
                commune_id: Some((*commune).into()),
                latitude: Some(*latitude),
                longitude: Some(*longitude),
                geo_precision: Some(GeoPrecision::Mairie),
                naf_code: None,
                headcount_band: None,
                admin_status: EstablishmentStatus::Active,
                opened_on: None,
                closed_on: None,
                diffusible: true,
                source: "TEST".into(),
                external_id: Some(format!("est-{}-{number}", org.stem)),
                source_updated_at: None,
                created_at: at,
                updated_at: at,
                deleted_at: None,
                version: 1,
            });
        }
        for (n, (kind, from, to)) in org.labels.iter().enumerate() {
            new.labels.push(organisation_label::Model {
                id: Uuid::now_v7(),
                organisation_id: id,
                establishment_id: None,
                kind: *kind,
                issuer: None,
                reference: None,
                valid_from: Some(*from),
                valid_to: *to,
                evidence_url: None,
                source: "TEST".into(),
                external_id: Some(format!("label-{}-{n}", org.stem)),
                source_updated_at: None,
                created_at: at,
                updated_at: at,
                deleted_at: None,
                version: 1,
            });
        }
    }
    let txn = db.begin().await.unwrap();
    insert_new(&txn, new).await.unwrap();
    txn.commit().await.unwrap();
    ids
}
