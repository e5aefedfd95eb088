//! The demo ecosystem: a deterministic, clearly synthetic picture of the social and solidarity
//! economy of Provence-Alpes-Côte d'Azur, Occitanie and Corse, to try the API without real
//! data.
//!
//! [`seed_demo`] writes, in one transaction and only through the store (so every row is logged
//! in the change log like any other write):
//!
//! 1. the **public buyers** — real local authorities with their real SIREN from the reference
//!    territories: every EPCI of the three régions and their communes of 10 000 inhabitants or
//!    more, each with a head office in its town hall (`buyers`);
//! 2. about [`ORGANISATION_COUNT`] **invented organisations** — associations, cooperatives
//!    (SCOP, SCIC, CAE, agricultural, CUMA), mutuals, foundations, SSE commercial companies and
//!    ordinary companies — placed in the communes with a probability proportional to their
//!    population, with establishments, VAT numbers and labels (ESUS, SIAE, EA, ESAT, GEIQ,
//!    SCOP, SCIC, CAE, RUP, société à mission), plus a few companies in Lyon, Paris, Bordeaux,
//!    Nantes and Lille (`organisations`);
//! 3. about [`PARTNERSHIP_COUNT`] **partnerships** of every type, PTCE included
//!    (`partnerships`);
//! 4. about [`CONTRACT_COUNT`] **public contracts** notified from 2019 to October 2026 by the
//!    buyers, with suppliers (buyer–supplier distance and locality computed by
//!    `domain::geo`), social and environmental considerations, and modifications
//!    (`contracts`);
//! 5. two invented **territorial food projects** over real communes, and the **supply links**
//!    the food contracts show (derived by `import::food_links` through the write engine, after
//!    the rest is committed).
//!
//! Everything but the buyers is invented: names, SIRENs (Luhn-valid random numbers that may
//! coincide with real ones, so the demo belongs in a demo database), RNA and VAT numbers,
//! addresses, labels, partnerships and contracts. Every row has `source = "DEMO"` and, where the
//! table has one, an `external_id` such as `demo-org-00001`, so the demo can always be told
//! apart from real data. The output is the same on every run: a fixed-seed PRNG (`random`),
//! UUIDs drawn from it, fixed timestamps (the ecosystem is dated 1 November 2026), and no
//! hash-map iteration order reaching the output.

mod buyers;
mod contracts;
mod ecosystem;
mod geography;
mod numbers;
mod organisations;
mod partnerships;
mod purchases;
mod random;
pub mod synthetic;
mod vocabulary;

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::organisation;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};

use self::{ecosystem::Ecosystem, geography::Geography};
use crate::{
    domain::ValidationError,
    store::{self, DbContext, StoreError, contracts::NewContracts, organisations::NewOrganisations},
};

/// Number of invented organisations in the three régions, summed over all kinds (the buyers
/// and the far suppliers come on top).
pub const ORGANISATION_COUNT: usize = 2_000;

/// Number of partnerships aimed at (fewer if some cannot find their parties).
pub const PARTNERSHIP_COUNT: usize = 300;

/// Number of public contracts.
pub const CONTRACT_COUNT: usize = 10_000;

/// `source` of every demo row.
pub const SOURCE: &str = "DEMO";

/// The day the demo ecosystem describes: statuses and validities are as of this date, and
/// nothing is notified after it.
const TODAY: NaiveDate = date(2026, 11, 1);

/// `created_at` and `updated_at` of every demo row.
const SEEDED_AT: DateTime<Utc> = TODAY.and_time(NaiveTime::MIN).and_utc();

/// Reference year of the headcount bands.
const HEADCOUNT_YEAR: i16 = 2024;

/// A date written in the code, known to be valid.
const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date")
}

/// What the demo generator wrote, by kind of row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Organisations, public buyers included.
    pub organisations: usize,
    /// Of which public buyers (communes and EPCI).
    pub public_buyers: usize,
    /// Establishments.
    pub establishments: usize,
    /// Identifiers in other schemes (VAT numbers).
    pub identifiers: usize,
    /// Labels.
    pub labels: usize,
    /// Partnerships.
    pub partnerships: usize,
    /// Partnership parties.
    pub partnership_parties: usize,
    /// Contracts.
    pub contracts: usize,
    /// Contract suppliers.
    pub contract_suppliers: usize,
    /// Contract modifications.
    pub contract_modifications: usize,
    /// Territorial food projects (invented, over real communes).
    pub food_projects: usize,
    /// Supply links derived from the food contracts.
    pub supply_links: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo ecosystem: {} organisations ({} public buyers), {} establishments, \
             {} identifiers, {} labels, {} partnerships ({} parties), {} contracts \
             ({} suppliers, {} modifications), {} food projects, {} supply links (source {SOURCE})",
            self.organisations,
            self.public_buyers,
            self.establishments,
            self.identifiers,
            self.labels,
            self.partnerships,
            self.partnership_parties,
            self.contracts,
            self.contract_suppliers,
            self.contract_modifications,
            self.food_projects,
            self.supply_links,
        )
    }
}

/// Whether any organisation exists (from any source).
pub async fn has_organisations<C: ConnectionTrait>(db: &C) -> Result<bool, StoreError> {
    Ok(organisation::Entity::find()
        .count(db)
        .await
        .context("counting organisations")?
        > 0)
}

/// Whether organisations of the demo source exist.
async fn demo_present<C: ConnectionTrait>(db: &C) -> Result<bool, StoreError> {
    let count = organisation::Entity::find()
        .filter(organisation::Column::Source.eq(SOURCE))
        .count(db)
        .await
        .context("counting demo organisations")?;
    Ok(count > 0)
}

/// Writes the demo ecosystem in one transaction and says what was written. Expects the
/// reference territories to be loaded ([`crate::db::prepare`] does it). Refuses, writing
/// nothing, when demo organisations are already present; fails, writing nothing, if a row
/// conflicts with existing data (a real organisation with a buyer's SIREN, say).
pub async fn seed_demo(db: &DatabaseConnection) -> Result<DemoSummary, StoreError> {
    let txn = db.begin().await.context("starting the demo seed")?;
    if demo_present(&txn).await? {
        return Err(ValidationError::new("demo", SOURCE, "the demo ecosystem is already present").into());
    }
    let geography = Geography::load(&txn).await?;
    let generated = Generated::generate(&geography)?;
    let summary = generated.summary();
    store::organisations::insert_new(&txn, generated.organisations).await?;
    store::partnerships::insert_new(
        &txn,
        generated.partnerships.partnerships,
        generated.partnerships.parties,
    )
    .await?;
    store::contracts::insert_new(&txn, generated.contracts).await?;
    let mut summary = summary;
    summary.food_projects = food_projects(&txn).await?;
    txn.commit().await.context("committing the demo ecosystem")?;
    // The supply links the food contracts show, written by the engine like any other links.
    let links = crate::import::food_links::derive_food_links(db, SOURCE, &mut crate::import::RejectReport::discard())
        .await
        .map_err(|error| match error {
            crate::import::ImportError::Store(error) => error,
            other => ValidationError::new("demo", "food links", other.to_string()).into(),
        })?;
    summary.supply_links = usize::try_from(links.imported).unwrap_or(usize::MAX);
    store::refresh_statistics(db).await?;
    Ok(summary)
}

/// The demo's territorial food projects: invented projects over real communes (every commune
/// of the Bouches-du-Rhône; those of the Métropole Nice Côte d'Azur). How many were written.
async fn food_projects<C: ConnectionTrait>(db: &C) -> Result<usize, StoreError> {
    use entity::{enums::TerritoryLevel, territory};
    let communes = |column: territory::Column, id: &'static str| {
        territory::Entity::find()
            .filter(territory::Column::Level.eq(TerritoryLevel::Commune))
            .filter(column.eq(id))
            .all(db)
    };
    let mut records = Vec::new();
    for (code, name, column, scope) in [
        (
            "DEMO-PAT-13",
            "Projet alimentaire démo des Bouches-du-Rhône",
            territory::Column::DepartementId,
            "DEP:13",
        ),
        (
            "DEMO-PAT-NCA",
            "Projet alimentaire démo de la Métropole Nice Côte d'Azur",
            territory::Column::EpciId,
            "EPCI:200030195",
        ),
    ] {
        let mut ids: Vec<String> = communes(column, scope)
            .await
            .context("listing the communes of a demo food project")?
            .into_iter()
            .map(|t| t.id)
            .collect();
        ids.sort();
        records.push(store::food_projects::FoodProjectRecord {
            code: code.to_owned(),
            name: name.to_owned(),
            usual_name: None,
            sheet_url: None,
            regions: Some("Provence-Alpes-Côte d'Azur".to_owned()),
            departements: None,
            epcis: None,
            communes: ids,
        });
    }
    let written = store::food_projects::write(db, SOURCE, records, SEEDED_AT).await?;
    Ok(written.len())
}

/// Everything the demo writes, generated in memory from the territories alone.
#[derive(Debug)]
struct Generated {
    /// Organisations with their establishments, identifiers and labels.
    organisations: NewOrganisations,
    /// How many of the organisations are public buyers.
    public_buyers: usize,
    /// Partnerships and their parties.
    partnerships: partnerships::Partnerships,
    /// Contracts with their suppliers and modifications.
    contracts: NewContracts,
}

impl Generated {
    /// Runs the four steps in order: buyers, organisations, partnerships, contracts.
    fn generate(geography: &Geography) -> Result<Self, StoreError> {
        let mut ecosystem = Ecosystem::default();
        buyers::generate(geography, &mut ecosystem)?;
        let public_buyers = ecosystem.members.len();
        organisations::generate(geography, &mut ecosystem)?;
        let partnerships = partnerships::generate(geography, &ecosystem.members);
        let contracts = contracts::generate(geography, &ecosystem.members)?;
        Ok(Self {
            organisations: ecosystem.rows,
            public_buyers,
            partnerships,
            contracts,
        })
    }

    /// How many rows of each kind there are (the food projects and supply links, written
    /// afterwards, are counted then).
    fn summary(&self) -> DemoSummary {
        DemoSummary {
            organisations: self.organisations.organisations.len(),
            public_buyers: self.public_buyers,
            establishments: self.organisations.establishments.len(),
            identifiers: self.organisations.identifiers.len(),
            labels: self.organisations.labels.len(),
            partnerships: self.partnerships.partnerships.len(),
            partnership_parties: self.partnerships.parties.len(),
            contracts: self.contracts.contracts.len(),
            contract_suppliers: self.contracts.suppliers.len(),
            contract_modifications: self.contracts.modifications.len(),
            food_projects: 0,
            supply_links: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use std::collections::BTreeSet;

    use entity::enums::IdScheme;

    use super::{CONTRACT_COUNT, DemoSummary, Generated, SEEDED_AT, SOURCE, TODAY, geography};
    use crate::domain::{Rna, Siren, Siret};

    #[test]
    fn timestamps_are_fixed() {
        assert_eq!(TODAY.to_string(), "2026-11-01");
        assert_eq!(SEEDED_AT.to_rfc3339(), "2026-11-01T00:00:00+00:00");
    }

    #[test]
    fn summary_reads_as_one_line() {
        let summary = DemoSummary {
            organisations: 2,
            public_buyers: 1,
            contracts: 3,
            ..DemoSummary::default()
        };
        let line = summary.to_string();
        assert!(
            line.starts_with("demo ecosystem: 2 organisations (1 public buyers)"),
            "{line}"
        );
        assert!(line.ends_with("(source DEMO)"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn generation_is_deterministic() {
        let geography = geography::sample();
        let first = Generated::generate(&geography).unwrap();
        let second = Generated::generate(&geography).unwrap();
        assert_eq!(first.summary(), second.summary());
        assert_eq!(first.organisations.organisations, second.organisations.organisations);
        assert_eq!(first.organisations.establishments, second.organisations.establishments);
        assert_eq!(first.organisations.identifiers, second.organisations.identifiers);
        assert_eq!(first.organisations.labels, second.organisations.labels);
        assert_eq!(first.partnerships.partnerships, second.partnerships.partnerships);
        assert_eq!(first.partnerships.parties, second.partnerships.parties);
        assert_eq!(first.contracts.contracts, second.contracts.contracts);
        assert_eq!(first.contracts.suppliers, second.contracts.suppliers);
        assert_eq!(first.contracts.modifications, second.contracts.modifications);
    }

    #[test]
    fn generated_rows_are_well_formed() {
        let generated = Generated::generate(&geography::sample()).unwrap();
        let organisations = &generated.organisations.organisations;
        let mut names = BTreeSet::new();
        for organisation in organisations {
            assert!(!organisation.name.trim().is_empty());
            assert!(names.insert(organisation.name.as_str()), "{} twice", organisation.name);
            assert_eq!(organisation.source, SOURCE);
            if let Some(siren) = &organisation.siren {
                assert_eq!(Siren::parse(siren).unwrap().as_str(), siren);
            }
            if let Some(rna) = &organisation.rna {
                assert_eq!(Rna::parse(rna).unwrap().as_str(), rna);
            }
            assert_ne!(organisation.legal_category_code.as_deref(), Some("1000"));
        }
        let sirens: BTreeSet<&str> = organisations.iter().filter_map(|o| o.siren.as_deref()).collect();
        assert_eq!(sirens.len(), organisations.iter().filter(|o| o.siren.is_some()).count());
        for establishment in &generated.organisations.establishments {
            let owner = organisations
                .iter()
                .find(|o| o.id == establishment.organisation_id)
                .unwrap();
            if let Some(siret) = &establishment.siret {
                assert_eq!(
                    Siret::parse(siret).unwrap().siren().as_str(),
                    owner.siren.as_deref().unwrap()
                );
            }
            assert!(establishment.commune_id.is_some());
        }
        let external_ids: BTreeSet<_> = organisations.iter().map(|o| o.external_id.clone()).collect();
        assert_eq!(external_ids.len(), organisations.len());

        assert_eq!(generated.contracts.contracts.len(), CONTRACT_COUNT);
        let uids: BTreeSet<&str> = generated.contracts.contracts.iter().map(|c| c.uid.as_str()).collect();
        assert_eq!(uids.len(), CONTRACT_COUNT);
        for supplier in &generated.contracts.suppliers {
            assert_eq!(
                supplier.id_scheme == IdScheme::Siret,
                supplier.organisation_id.is_some()
            );
        }
        for partnership in &generated.partnerships.partnerships {
            assert!(partnership.end_date >= partnership.start_date || partnership.end_date.is_none());
        }
    }
}
