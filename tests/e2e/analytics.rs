//! Dashboard analytics: every indicator compared, on the demo ecosystem, with an independent
//! computation — a Rust fold over all the rows, read with plain `SELECT`s — including
//! statistical confidentiality.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use api::store::analytics::{
    AmountBasis, BuyerScope, LocalScale, LocalityRule, OrganisationDimension, OrganisationQuery, ProcurementCell,
    ProcurementDimension, ProcurementQuery,
};
use chrono::{Datelike, NaiveDate};
use entity::enums::TerritoryLevel;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::on_both_databases;

/// The EPCI most demo contracts come from: Métropole d'Aix-Marseille-Provence.
pub const EPCI: &str = "200054807";

/// A date written in a test.
pub fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
}

/// One original supplier of a contract, with what the fold needs about it.
#[derive(Debug, Clone)]
pub struct SupplierRow {
    pub organisation_id: Option<Uuid>,
    pub key: String,
    pub distance_km: Option<f64>,
    pub locality_level: String,
    pub ess_family: Option<String>,
    pub commune_id: Option<String>,
}

/// A contract with its suppliers.
#[derive(Debug, Clone)]
pub struct ContractRow {
    pub id: Uuid,
    pub public_contract: bool,
    pub live: bool,
    pub notified_on: Option<NaiveDate>,
    pub amount_cents: Option<i64>,
    pub current_amount_cents: Option<i64>,
    pub social: bool,
    pub reserved: bool,
    pub environmental: bool,
    pub cpv_division: Option<String>,
    pub procedure: Option<String>,
    pub buyer_siret: String,
    pub buyer_organisation_id: Option<Uuid>,
    pub buyer_commune_id: Option<String>,
    pub suppliers: Vec<SupplierRow>,
}

/// A label.
#[derive(Debug, Clone)]
pub struct LabelRow {
    pub kind: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Everything the independent computation reads, with plain selects of whole tables.
pub struct World {
    pub contracts: Vec<ContractRow>,
    /// Labels by organisation (deleted ones left out).
    pub labels: HashMap<Uuid, Vec<LabelRow>>,
    /// (territory, ancestor) pairs of the closure, with the ancestor's level.
    pub ancestors: HashMap<String, Vec<(String, String)>>,
    /// SIREN of organisations.
    pub sirens: HashMap<Uuid, String>,
}

impl World {
    pub async fn load(db: &DatabaseConnection) -> World {
        let mut establishments: HashMap<Uuid, Option<String>> = HashMap::new();
        for row in rows(db, "SELECT id, commune_id FROM establishment").await {
            establishments.insert(row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap());
        }
        let mut families: HashMap<Uuid, String> = HashMap::new();
        let mut sirens = HashMap::new();
        for row in rows(db, "SELECT id, ess_family, siren FROM organisation").await {
            let id: Uuid = row.try_get_by_index(0).unwrap();
            families.insert(id, row.try_get_by_index(1).unwrap());
            if let Some(siren) = row.try_get_by_index::<Option<String>>(2).unwrap() {
                sirens.insert(id, siren);
            }
        }
        let mut suppliers: HashMap<Uuid, Vec<SupplierRow>> = HashMap::new();
        for row in rows(
            db,
            "SELECT contract_id, from_modification, organisation_id, id_scheme, id_value, distance_km, \
             locality_level, establishment_id FROM contract_supplier",
        )
        .await
        {
            let from_modification: i32 = row.try_get_by_index(1).unwrap();
            if from_modification != 0 {
                continue;
            }
            let organisation_id: Option<Uuid> = row.try_get_by_index(2).unwrap();
            let scheme: String = row.try_get_by_index(3).unwrap();
            let value: String = row.try_get_by_index(4).unwrap();
            let establishment: Option<Uuid> = row.try_get_by_index(7).unwrap();
            suppliers
                .entry(row.try_get_by_index(0).unwrap())
                .or_default()
                .push(SupplierRow {
                    organisation_id,
                    key: organisation_id.map_or(format!("{scheme}:{value}"), |id| id.to_string()),
                    distance_km: row.try_get_by_index(5).unwrap(),
                    locality_level: row.try_get_by_index(6).unwrap(),
                    ess_family: organisation_id.and_then(|id| families.get(&id).cloned()),
                    commune_id: establishment.and_then(|e| establishments.get(&e).cloned().flatten()),
                });
        }
        let mut contracts = Vec::new();
        for row in rows(
            db,
            "SELECT id, kind, deleted_at IS NULL, notified_on, amount_cents, current_amount_cents, social_clause, \
             social_criterion, reserved, env_clause, env_criterion, cpv_division, procedure, buyer_siret, \
             buyer_organisation_id, buyer_establishment_id FROM contract",
        )
        .await
        {
            let id: Uuid = row.try_get_by_index(0).unwrap();
            let kind: String = row.try_get_by_index(1).unwrap();
            let flag = |i: usize| row.try_get_by_index::<bool>(i).unwrap();
            let buyer_establishment: Option<Uuid> = row.try_get_by_index(15).unwrap();
            contracts.push(ContractRow {
                id,
                public_contract: kind == "public_contract",
                live: flag(2),
                notified_on: row.try_get_by_index(3).unwrap(),
                amount_cents: row.try_get_by_index(4).unwrap(),
                current_amount_cents: row.try_get_by_index(5).unwrap(),
                social: flag(6) || flag(7),
                reserved: flag(8),
                environmental: flag(9) || flag(10),
                cpv_division: row.try_get_by_index(11).unwrap(),
                procedure: row.try_get_by_index(12).unwrap(),
                buyer_siret: row.try_get_by_index(13).unwrap(),
                buyer_organisation_id: row.try_get_by_index(14).unwrap(),
                buyer_commune_id: buyer_establishment.and_then(|e| establishments.get(&e).cloned().flatten()),
                suppliers: suppliers.remove(&id).unwrap_or_default(),
            });
        }
        let mut labels: HashMap<Uuid, Vec<LabelRow>> = HashMap::new();
        for row in rows(
            db,
            "SELECT organisation_id, kind, valid_from, valid_to FROM organisation_label WHERE deleted_at IS NULL",
        )
        .await
        {
            labels
                .entry(row.try_get_by_index(0).unwrap())
                .or_default()
                .push(LabelRow {
                    kind: row.try_get_by_index(1).unwrap(),
                    valid_from: row.try_get_by_index(2).unwrap(),
                    valid_to: row.try_get_by_index(3).unwrap(),
                });
        }
        let mut ancestors: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for row in rows(
            db,
            "SELECT territory_id, ancestor_id, ancestor_level FROM territory_membership",
        )
        .await
        {
            ancestors
                .entry(row.try_get_by_index(0).unwrap())
                .or_default()
                .push((row.try_get_by_index(1).unwrap(), row.try_get_by_index(2).unwrap()));
        }
        World {
            contracts,
            labels,
            ancestors,
            sirens,
        }
    }

    /// Whether `territory` is `ancestor` or inside it.
    pub fn inside(&self, territory: Option<&String>, ancestor: &str) -> bool {
        territory
            .and_then(|t| self.ancestors.get(t))
            .is_some_and(|list| list.iter().any(|(a, _)| a == ancestor))
    }

    /// The ancestor of `territory` at `level`.
    pub fn ancestor_at(&self, territory: Option<&String>, level: &str) -> Option<String> {
        territory
            .and_then(|t| self.ancestors.get(t))
            .and_then(|list| list.iter().find(|(_, l)| l == level).map(|(a, _)| a.clone()))
    }

    /// The label kinds `organisation` held on `on`.
    pub fn labels_on(&self, organisation: Option<Uuid>, on: NaiveDate) -> BTreeSet<String> {
        organisation
            .and_then(|o| self.labels.get(&o))
            .map(|labels| {
                labels
                    .iter()
                    .filter(|l| l.valid_from.is_none_or(|f| f <= on) && l.valid_to.is_none_or(|t| t >= on))
                    .map(|l| l.kind.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The expected figures of a cell, folded in Rust.
#[derive(Debug, Default, Clone)]
pub struct Expected {
    pub contracts: BTreeSet<Uuid>,
    pub weight: f64,
    pub amount: f64,
    pub shares: [(f64, f64); 7],
    pub distance: (f64, f64),
    pub located: Vec<(f64, f64)>,
    pub suppliers: BTreeSet<String>,
}

impl Expected {
    pub fn median(&self) -> Option<f64> {
        let mut located = self.located.clone();
        located.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = located.iter().map(|(_, a)| a).sum();
        if total <= 0.0 {
            return None;
        }
        let mut cumulative = 0.0;
        for (distance, amount) in located {
            cumulative += amount;
            if cumulative >= total / 2.0 {
                return Some(distance);
            }
        }
        None
    }

    pub fn mean(&self) -> Option<f64> {
        (self.distance.1 > 0.0).then(|| self.distance.0 / self.distance.1)
    }
}

/// Folds the procurement aggregate of `query` over all contracts.
pub fn fold(world: &World, query: &ProcurementQuery) -> BTreeMap<Vec<String>, Expected> {
    let inclusive = [
        "siae_ei",
        "siae_ai",
        "siae_aci",
        "siae_etti",
        "siae_eiti",
        "ea",
        "eatt",
        "esat",
    ];
    let mut cells: BTreeMap<Vec<String>, Expected> = BTreeMap::new();
    for contract in &world.contracts {
        let Some(notified) = contract.notified_on else { continue };
        if !contract.public_contract || !contract.live || notified < query.from || notified > query.to {
            continue;
        }
        let in_scope = match &query.scope {
            BuyerScope::Buyer(siren) => contract
                .buyer_organisation_id
                .is_some_and(|b| world.sirens.get(&b) == Some(siren)),
            BuyerScope::Territory(territory) => world.inside(contract.buyer_commune_id.as_ref(), territory),
        };
        if !in_scope {
            continue;
        }
        let amount = match query.amount_basis {
            AmountBasis::Initial => contract.amount_cents,
            AmountBasis::Current => contract.current_amount_cents.or(contract.amount_cents),
        }
        .unwrap_or(0) as f64;
        let lines: Vec<Option<&SupplierRow>> = if contract.suppliers.is_empty() {
            vec![None]
        } else {
            contract.suppliers.iter().map(Some).collect()
        };
        let n = lines.len() as f64;
        for line in lines {
            let labels = world.labels_on(line.and_then(|s| s.organisation_id), notified);
            let key_sets: Vec<Vec<String>> = query
                .group_by
                .iter()
                .map(|dimension| {
                    let one = |v: Option<String>| vec![v.unwrap_or_else(|| "unknown".into())];
                    match dimension {
                        ProcurementDimension::Year => one(Some(format!("{}", notified.year()))),
                        ProcurementDimension::Quarter => {
                            one(Some(format!("{}-Q{}", notified.year(), notified.month0() / 3 + 1)))
                        }
                        ProcurementDimension::Month => {
                            one(Some(format!("{}-{:02}", notified.year(), notified.month())))
                        }
                        ProcurementDimension::Buyer => one(Some(contract.buyer_siret[..9].to_owned())),
                        ProcurementDimension::BuyerTerritory(level) => {
                            one(world.ancestor_at(contract.buyer_commune_id.as_ref(), &level_text(*level)))
                        }
                        ProcurementDimension::SupplierTerritory(level) => {
                            one(world.ancestor_at(line.and_then(|s| s.commune_id.as_ref()), &level_text(*level)))
                        }
                        ProcurementDimension::SupplierSseFamily => one(line.and_then(|s| s.ess_family.clone())),
                        ProcurementDimension::SupplierLabel => {
                            if labels.is_empty() {
                                vec!["none".into()]
                            } else {
                                labels.iter().cloned().collect()
                            }
                        }
                        ProcurementDimension::CpvDivision => one(contract.cpv_division.clone()),
                        ProcurementDimension::Procedure => one(contract.procedure.clone()),
                        ProcurementDimension::LocalityLevel => one(line.map(|s| s.locality_level.clone())),
                    }
                })
                .collect();
            let (w, a) = (1.0 / n, amount / n);
            let sse = line
                .and_then(|s| s.ess_family.as_deref())
                .is_some_and(|f| f != "non_sse" && f != "unknown");
            let local = line.is_some_and(|s| match query.locality {
                LocalityRule::Scale(scale) => scale.locality_levels().contains(&s.locality_level.as_str()),
                LocalityRule::WithinKm(km) => s.distance_km.is_some_and(|d| d <= km),
            });
            let flags = [
                sse,
                labels.iter().any(|l| inclusive.contains(&l.as_str())),
                labels.contains("esus"),
                local,
                contract.social,
                contract.reserved,
                contract.environmental,
            ];
            for keys in cartesian(&key_sets) {
                let cell = cells.entry(keys).or_default();
                cell.contracts.insert(contract.id);
                cell.weight += w;
                cell.amount += a;
                for (share, flag) in cell.shares.iter_mut().zip(flags) {
                    if flag {
                        share.0 += w;
                        share.1 += a;
                    }
                }
                if let Some(supplier) = line {
                    cell.suppliers.insert(supplier.key.clone());
                    if let Some(d) = supplier.distance_km {
                        cell.distance.0 += a * d;
                        cell.distance.1 += a;
                        cell.located.push((d, a));
                    }
                }
            }
        }
    }
    cells
}

fn cartesian(sets: &[Vec<String>]) -> Vec<Vec<String>> {
    sets.iter().fold(vec![Vec::new()], |acc, set| {
        acc.iter()
            .flat_map(|prefix| {
                set.iter().map(move |key| {
                    let mut keys = prefix.clone();
                    keys.push(key.clone());
                    keys
                })
            })
            .collect()
    })
}

fn level_text(level: TerritoryLevel) -> String {
    use sea_orm::ActiveEnum;
    level.to_value()
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "{what}: {actual} != {expected}"
    );
}

fn close_opt(actual: Option<f64>, expected: Option<f64>, what: &str) {
    match (actual, expected) {
        (Some(a), Some(e)) => close(a, e, what),
        (a, e) => assert_eq!(a, e, "{what}"),
    }
}

/// Compares store cells with the fold, every figure.
pub fn assert_cells_match(actual: &[ProcurementCell], expected: &BTreeMap<Vec<String>, Expected>) {
    let keys: Vec<&Vec<String>> = actual.iter().map(|c| &c.keys).collect();
    assert_eq!(keys, expected.keys().collect::<Vec<_>>());
    for cell in actual {
        let e = &expected[&cell.keys];
        let what = format!("{:?}", cell.keys);
        assert_eq!(cell.contracts, e.contracts.len() as i64, "{what} contracts");
        close(cell.weight, e.weight, &format!("{what} weight"));
        close(cell.amount_cents, e.amount, &format!("{what} amount"));
        let actual_shares = [
            cell.sse,
            cell.inclusive,
            cell.esus,
            cell.local,
            cell.social,
            cell.reserved,
            cell.environmental,
        ];
        for (i, (a, e)) in actual_shares.iter().zip(e.shares).enumerate() {
            close(a.0, e.0, &format!("{what} share {i} count"));
            close(a.1, e.1, &format!("{what} share {i} amount"));
        }
        close_opt(cell.mean_distance_km, e.mean(), &format!("{what} mean distance"));
        close_opt(cell.median_distance_km, e.median(), &format!("{what} median distance"));
        assert_eq!(cell.suppliers, e.suppliers.len() as i64, "{what} suppliers");
    }
}

/// Checks a GraphQL table of cells against the fold and the confidentiality rule: a cell
/// with fewer than `threshold` suppliers is withheld; no table, row or column holds exactly
/// one withheld non-empty cell; visible cells carry the fold's figures.
pub fn assert_published_table(table: &Value, expected: &BTreeMap<Vec<String>, Expected>, threshold: usize) {
    let cells = table["cells"].as_array().unwrap();
    assert_eq!(cells.len(), expected.len(), "{table:#}");
    let mut withheld: Vec<(Vec<String>, bool, bool)> = Vec::new();
    for cell in cells {
        // A total selected without keys has none; one selected without `suppressed` must
        // carry figures (checked below).
        let keys: Vec<String> = cell["keys"].as_array().map_or_else(Vec::new, |keys| {
            keys.iter().map(|k| k["key"].as_str().unwrap().to_owned()).collect()
        });
        let e = &expected[&keys];
        let suppressed = cell["suppressed"].as_bool().unwrap_or(false);
        if !e.contracts.is_empty() && e.suppliers.len() < threshold {
            assert!(suppressed, "{keys:?} has {} suppliers: {cell}", e.suppliers.len());
            assert!(cell["suppressionReason"].as_str().unwrap().contains("fewer than"));
        }
        if suppressed {
            assert!(cell["contracts"].is_null() && cell["amountEur"].is_null(), "{cell}");
            assert!(cell["suppressionReason"].is_string());
        } else {
            assert_eq!(cell["contracts"], json!(e.contracts.len()), "{keys:?}");
            let amount: f64 = cell["amountEur"]
                .as_str()
                .map_or_else(|| cell["amountEur"].as_f64().unwrap(), |s| s.parse().unwrap());
            assert!(
                (amount - e.amount / 100.0).abs() <= 0.011,
                "{keys:?}: {amount} vs {}",
                e.amount / 100.0
            );
            let shares = [
                "sse",
                "inclusiveEmployment",
                "esus",
                "local",
                "socialConsideration",
                "reserved",
                "environmentalConsideration",
            ];
            for (i, name) in shares.iter().enumerate() {
                if let Some(share) = cell.get(*name) {
                    let what = format!("{keys:?} {name}");
                    close_opt(
                        share["ofCount"].as_f64(),
                        (e.weight > 0.0).then(|| e.shares[i].0 / e.weight),
                        &what,
                    );
                    close_opt(
                        share["ofAmount"].as_f64(),
                        (e.amount > 0.0).then(|| e.shares[i].1 / e.amount),
                        &what,
                    );
                }
            }
            if let Some(median) = cell.get("medianDistanceKm") {
                close_opt(median.as_f64(), e.median(), &format!("{keys:?} median"));
            }
            if let Some(suppliers) = cell.get("distinctSuppliers") {
                assert_eq!(suppliers, &json!(e.suppliers.len()), "{keys:?}");
            }
        }
        withheld.push((keys, !e.contracts.is_empty(), suppressed));
    }
    assert_no_lone_withheld_cell(&withheld);
}

/// No table, row or column with several non-empty cells holds exactly one withheld cell (a
/// line with one non-empty cell has a margin equal to that cell, withheld by the same rule).
/// `cells` are (keys, non-empty, withheld).
pub fn assert_no_lone_withheld_cell(cells: &[(Vec<String>, bool, bool)]) {
    let lone = |members: Vec<&(Vec<String>, bool, bool)>| {
        members.iter().filter(|c| c.1).count() > 1 && members.iter().filter(|c| c.1 && c.2).count() == 1
    };
    assert!(!lone(cells.iter().collect()), "a lone withheld cell in the table");
    let arity = cells.first().map_or(0, |c| c.0.len());
    if arity == 2 {
        for dimension in 0..2 {
            let keys: BTreeSet<&String> = cells.iter().map(|c| &c.0[dimension]).collect();
            for key in keys {
                let members = cells.iter().filter(|c| &c.0[dimension] == key).collect();
                assert!(!lone(members), "a lone withheld cell in line {key}");
            }
        }
    }
}

/// Organisation counts folded in Rust: (territory at `level`, key) -> (organisations, SSE
/// organisations, estimated jobs).
pub async fn organisation_fold(
    db: &DatabaseConnection,
    world: &World,
    scope: &str,
    level: TerritoryLevel,
    dimension: OrganisationDimension,
    as_of: NaiveDate,
) -> BTreeMap<(String, String), (i64, i64, f64)> {
    let mut heads: HashMap<Uuid, String> = HashMap::new();
    for row in rows(
        db,
        "SELECT organisation_id, commune_id, is_headquarters, deleted_at IS NULL FROM establishment",
    )
    .await
    {
        let head: bool = row.try_get_by_index(2).unwrap();
        let live: bool = row.try_get_by_index(3).unwrap();
        if let (true, true, Some(commune)) = (head, live, row.try_get_by_index::<Option<String>>(1).unwrap()) {
            heads.insert(row.try_get_by_index(0).unwrap(), commune);
        }
    }
    let midpoints: HashMap<&str, f64> = api::store::analytics::HEADCOUNT_MIDPOINTS.into_iter().collect();
    let mut expected: BTreeMap<(String, String), (i64, i64, f64)> = BTreeMap::new();
    for row in rows(
        db,
        "SELECT id, ess_family, legal_category_code, naf_code, headcount_band, admin_status, deleted_at IS NULL \
         FROM organisation",
    )
    .await
    {
        let id: Uuid = row.try_get_by_index(0).unwrap();
        let status: String = row.try_get_by_index(5).unwrap();
        let live: bool = row.try_get_by_index(6).unwrap();
        let Some(commune) = heads.get(&id) else { continue };
        if status != "active" || !live || !world.inside(Some(commune), scope) {
            continue;
        }
        let Some(territory) = world.ancestor_at(Some(commune), &level_text(level)) else {
            continue;
        };
        let family: String = row.try_get_by_index(1).unwrap();
        let naf: Option<String> = row.try_get_by_index(3).unwrap();
        let band: Option<String> = row.try_get_by_index(4).unwrap();
        let division = naf.as_ref().map(|n| n[..2].to_owned());
        let unknown = || "unknown".to_owned();
        let keys: Vec<String> = match dimension {
            OrganisationDimension::None => vec![String::new()],
            OrganisationDimension::SseFamily => vec![family.clone()],
            OrganisationDimension::LegalCategory => {
                vec![
                    row.try_get_by_index::<Option<String>>(2)
                        .unwrap()
                        .unwrap_or_else(unknown),
                ]
            }
            OrganisationDimension::NafDivision => vec![division.clone().unwrap_or_else(unknown)],
            OrganisationDimension::NafSection => vec![
                division
                    .and_then(|d| {
                        api::store::analytics::NAF_SECTIONS
                            .iter()
                            .find(|(_, first, last)| d.as_str() >= *first && d.as_str() <= *last)
                            .map(|(s, _, _)| (*s).to_owned())
                    })
                    .unwrap_or_else(unknown),
            ],
            OrganisationDimension::HeadcountBand => vec![band.clone().unwrap_or_else(unknown)],
            OrganisationDimension::Label => {
                let held = world.labels_on(Some(id), as_of);
                if held.is_empty() {
                    vec!["none".into()]
                } else {
                    held.into_iter().collect()
                }
            }
        };
        for key in keys {
            let cell = expected.entry((territory.clone(), key)).or_default();
            cell.0 += 1;
            if family != "non_sse" && family != "unknown" {
                cell.1 += 1;
            }
            cell.2 += band.as_deref().map_or(0.0, |b| midpoints[b]);
        }
    }
    expected
}

/// Partnerships of a territory and their parties, read plainly.
pub struct PartnershipFold {
    /// Live partnerships inside the territory: id -> (type, territory).
    pub partnerships: HashMap<Uuid, (String, String)>,
    /// Parties of those partnerships.
    pub parties: BTreeMap<Uuid, BTreeSet<Uuid>>,
    /// Diffusible live organisations.
    pub diffusible: BTreeSet<Uuid>,
}

impl PartnershipFold {
    pub async fn load(db: &DatabaseConnection, world: &World, scope: &str) -> PartnershipFold {
        let mut partnerships: HashMap<Uuid, (String, String)> = HashMap::new();
        for row in rows(
            db,
            "SELECT id, partnership_type, territory_id FROM partnership WHERE deleted_at IS NULL",
        )
        .await
        {
            if let Some(territory) = row.try_get_by_index::<Option<String>>(2).unwrap()
                && world.inside(Some(&territory), scope)
            {
                partnerships.insert(
                    row.try_get_by_index(0).unwrap(),
                    (row.try_get_by_index(1).unwrap(), territory),
                );
            }
        }
        let mut diffusible = BTreeSet::new();
        for row in rows(db, "SELECT id, diffusible FROM organisation WHERE deleted_at IS NULL").await {
            if row.try_get_by_index::<bool>(1).unwrap() {
                diffusible.insert(row.try_get_by_index::<Uuid>(0).unwrap());
            }
        }
        let mut parties: BTreeMap<Uuid, BTreeSet<Uuid>> = BTreeMap::new();
        for row in rows(db, "SELECT partnership_id, organisation_id FROM partnership_party").await {
            let partnership: Uuid = row.try_get_by_index(0).unwrap();
            if partnerships.contains_key(&partnership) {
                parties
                    .entry(partnership)
                    .or_default()
                    .insert(row.try_get_by_index(1).unwrap());
            }
        }
        PartnershipFold {
            partnerships,
            parties,
            diffusible,
        }
    }

    /// Nodes (organisation -> partnerships) and edges ((a, b) with a < b -> shared partnerships).
    pub fn network(&self) -> (BTreeMap<Uuid, i64>, BTreeMap<(Uuid, Uuid), i64>) {
        let mut nodes: BTreeMap<Uuid, i64> = BTreeMap::new();
        let mut edges: BTreeMap<(Uuid, Uuid), i64> = BTreeMap::new();
        for members in self.parties.values() {
            let members: Vec<Uuid> = members
                .iter()
                .copied()
                .filter(|m| self.diffusible.contains(m))
                .collect();
            for member in &members {
                *nodes.entry(*member).or_default() += 1;
            }
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    *edges.entry((*a.min(b), *a.max(b))).or_default() += 1;
                }
            }
        }
        (nodes, edges)
    }
}

pub fn query(scope: BuyerScope, group_by: Vec<ProcurementDimension>) -> ProcurementQuery {
    ProcurementQuery {
        scope,
        from: day(2019, 1, 1),
        to: day(2025, 12, 31),
        amount_basis: AmountBasis::Initial,
        locality: LocalityRule::Scale(LocalScale::Epci),
        group_by,
    }
}

on_both_databases! {
    async fn procurement_indicators_match_an_independent_fold(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let epci = BuyerScope::Territory(format!("EPCI:{EPCI}"));
        let departement = BuyerScope::Territory("DEP:06".into());
        let dimensions = [
            vec![],
            vec![ProcurementDimension::Year],
            vec![ProcurementDimension::Quarter],
            vec![ProcurementDimension::Month],
            vec![ProcurementDimension::Buyer],
            vec![ProcurementDimension::BuyerTerritory(TerritoryLevel::Commune)],
            vec![ProcurementDimension::SupplierTerritory(TerritoryLevel::Departement)],
            vec![ProcurementDimension::SupplierSseFamily],
            vec![ProcurementDimension::SupplierLabel],
            vec![ProcurementDimension::CpvDivision],
            vec![ProcurementDimension::Procedure],
            vec![ProcurementDimension::LocalityLevel],
            vec![ProcurementDimension::Year, ProcurementDimension::CpvDivision],
            vec![ProcurementDimension::SupplierSseFamily, ProcurementDimension::LocalityLevel],
        ];
        for group_by in dimensions {
            for scope in [&epci, &departement] {
                let q = query(scope.clone(), group_by.clone());
                let actual = api::store::analytics::procurement(&app.db, &q).await.unwrap();
                assert!(!actual.is_empty(), "{q:?}");
                assert_cells_match(&actual, &fold(&world, &q));
            }
        }
        // Other amount basis, locality rules, a single buyer and a short period.
        let mut variants = Vec::new();
        let mut q = query(epci.clone(), vec![ProcurementDimension::Year]);
        q.amount_basis = AmountBasis::Current;
        variants.push(q.clone());
        q.locality = LocalityRule::WithinKm(12.5);
        variants.push(q.clone());
        q.locality = LocalityRule::Scale(LocalScale::Commune);
        variants.push(q.clone());
        q.locality = LocalityRule::Scale(LocalScale::Region);
        q.from = day(2024, 3, 1);
        q.to = day(2024, 3, 31);
        variants.push(q.clone());
        let marseille = world
            .sirens
            .values()
            .find(|s| s.as_str() == "211300553")
            .cloned()
            .expect("the city of Marseille is a demo buyer");
        variants.push(query(BuyerScope::Buyer(marseille), vec![ProcurementDimension::CpvDivision]));
        for q in variants {
            let actual = api::store::analytics::procurement(&app.db, &q).await.unwrap();
            assert!(!actual.is_empty(), "{q:?}");
            assert_cells_match(&actual, &fold(&world, &q));
        }
        // The current basis differs from the initial one somewhere, so the test can tell them apart.
        let initial = api::store::analytics::procurement(&app.db, &query(epci.clone(), vec![])).await.unwrap();
        let mut current = query(epci, vec![]);
        current.amount_basis = AmountBasis::Current;
        let current = api::store::analytics::procurement(&app.db, &current).await.unwrap();
        assert_ne!(initial[0].amount_cents, current[0].amount_cents);
    }

    async fn published_cells_are_suppressed_and_secondary_protected(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let data = app
            .query(
                r#"query($code: String!) {
                  procurementIndicators(
                    scope: { territory: { level: EPCI, code: $code } }
                    period: { from: "2019-01-01", to: "2025-12-31" }
                    groupBy: [{ dimension: SUPPLIER_TERRITORY, level: COMMUNE }, { dimension: YEAR }]
                  ) {
                    definitions { counted dateBasis amountBasis localityRule allocation confidentiality }
                    total { suppressed contracts amountEur distinctSuppliers }
                    cells { keys { key label } suppressed suppressionReason contracts amountEur
                            local { ofCount ofAmount } sse { ofCount ofAmount } }
                  }
                }"#,
                json!({ "code": EPCI }),
            )
            .await;
        let table = &data["procurementIndicators"];
        let q = query(
            BuyerScope::Territory(format!("EPCI:{EPCI}")),
            vec![
                ProcurementDimension::SupplierTerritory(TerritoryLevel::Commune),
                ProcurementDimension::Year,
            ],
        );
        let expected = fold(&world, &q);
        assert_published_table(table, &expected, 3);
        let cells = table["cells"].as_array().unwrap();
        let primary = cells
            .iter()
            .filter(|c| c["suppressionReason"].as_str().is_some_and(|r| r.contains("fewer than")))
            .count();
        let secondary = cells
            .iter()
            .filter(|c| c["suppressionReason"].as_str().is_some_and(|r| r.starts_with("secondary")))
            .count();
        assert!(primary > 10 && secondary > 0, "{primary} primary, {secondary} secondary");
        // The total is published and equals the fold over the whole scope.
        let total = fold(&world, &query(q.scope.clone(), vec![]));
        let total = &total[&Vec::<String>::new()];
        assert_eq!(table["total"]["suppressed"], false);
        assert_eq!(table["total"]["contracts"], json!(total.contracts.len()));
        assert_eq!(table["total"]["distinctSuppliers"], json!(total.suppliers.len()));
        let definitions = &table["definitions"];
        assert!(definitions["dateBasis"].as_str().unwrap().contains("Notification date"));
        assert!(definitions["amountBasis"].as_str().unwrap().contains("Initial"));
        assert!(definitions["localityRule"].as_str().unwrap().contains("same_epci"));
        assert!(definitions["confidentiality"].as_str().unwrap().contains("fewer than 3"));

        // A caller with an API key sees every cell, equal to the fold.
        let partner = crate::writes::key(app, entity::enums::ApiRole::Partner, Some("PARTNER:obs")).await;
        let keyed = crate::writes::data(
            app,
            &partner,
            r#"query($code: String!) {
              procurementIndicators(
                scope: { territory: { level: EPCI, code: $code } }
                period: { from: "2019-01-01", to: "2025-12-31" }
                groupBy: [{ dimension: SUPPLIER_TERRITORY, level: COMMUNE }, { dimension: YEAR }]
              ) { cells { keys { key } suppressed contracts } }
            }"#,
            json!({ "code": EPCI }),
        )
        .await;
        let keyed = keyed["procurementIndicators"]["cells"].as_array().unwrap();
        assert_eq!(keyed.len(), cells.len());
        for cell in keyed {
            assert_eq!(cell["suppressed"], false, "{cell}");
            let keys: Vec<String> = cell["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["key"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(cell["contracts"], json!(expected[&keys].contracts.len()), "{keys:?}");
        }
    }

    async fn time_series_include_empty_periods(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        // A buyer with few contracts leaves months empty.
        let data = app
            .query(
                r#"{ procurementTimeSeries(
                    scope: { territory: { level: EPCI, code: "200054807" } }
                    period: { from: "2018-11-15", to: "2019-06-30" }
                    granularity: MONTH
                    locality: { withinKm: 20 }
                  ) { dimensions cells { keys { key } suppressed contracts amountEur local { ofCount ofAmount } sse { ofCount ofAmount } } } }"#,
                json!({}),
            )
            .await;
        let table = &data["procurementTimeSeries"];
        let keys: Vec<&str> = table["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["keys"][0]["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["2018-11", "2018-12", "2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"]);
        // Demo contracts start in 2019: the first two months are present and zero.
        for cell in &table["cells"].as_array().unwrap()[..2] {
            assert_eq!(cell["suppressed"], false);
            assert_eq!(cell["contracts"], 0);
            assert_eq!(cell["amountEur"], "0.00");
        }
        let mut q = query(
            BuyerScope::Territory(format!("EPCI:{EPCI}")),
            vec![ProcurementDimension::Month],
        );
        q.from = day(2018, 11, 15);
        q.to = day(2019, 6, 30);
        q.locality = LocalityRule::WithinKm(20.0);
        let mut expected = fold(&world, &q);
        for month in ["2018-11", "2018-12"] {
            expected.insert(vec![month.to_owned()], Expected::default());
        }
        assert_published_table(table, &expected, 3);
    }

    async fn organisation_indicators_match_an_independent_fold(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let as_of = day(2026, 11, 1);
        for (dimension, level) in [
            (OrganisationDimension::SseFamily, TerritoryLevel::Commune),
            (OrganisationDimension::None, TerritoryLevel::Epci),
            (OrganisationDimension::HeadcountBand, TerritoryLevel::Departement),
            (OrganisationDimension::NafSection, TerritoryLevel::Epci),
            (OrganisationDimension::NafDivision, TerritoryLevel::Departement),
            (OrganisationDimension::LegalCategory, TerritoryLevel::Epci),
            (OrganisationDimension::Label, TerritoryLevel::Epci),
        ] {
            let expected = organisation_fold(&app.db, &world, "DEP:13", level, dimension, as_of).await;
            let actual = api::store::analytics::organisations(
                &app.db,
                &OrganisationQuery { territory: "DEP:13".into(), level, dimension, as_of },
            )
            .await
            .unwrap();
            assert!(!actual.is_empty());
            let actual: BTreeMap<(String, String), (i64, i64, f64)> = actual
                .into_iter()
                .map(|c| ((c.territory_id, c.key), (c.organisations, c.sse_organisations, c.estimated_jobs)))
                .collect();
            assert_eq!(actual.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "{dimension:?}");
            for (key, (orgs, sse, jobs)) in &actual {
                let e = expected[key];
                assert_eq!((*orgs, *sse), (e.0, e.1), "{dimension:?} {key:?}");
                close(*jobs, e.2, &format!("{dimension:?} {key:?} jobs"));
            }
        }
    }

    async fn partnership_indicators_and_network_match_an_independent_fold(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let fold = PartnershipFold::load(&app.db, &world, "DEP:13").await;
        // Counts by type and département.
        let mut expected: BTreeMap<(String, String), (i64, BTreeSet<Uuid>)> = BTreeMap::new();
        for (id, (kind, territory)) in &fold.partnerships {
            let rolled = world.ancestor_at(Some(territory), "departement").unwrap_or(territory.clone());
            let cell = expected.entry((kind.clone(), rolled)).or_default();
            cell.0 += 1;
            cell.1.extend(fold.parties.get(id).into_iter().flatten());
        }
        let actual = api::store::analytics::partnerships(&app.db, "DEP:13", Some(TerritoryLevel::Departement)).await.unwrap();
        assert!(!actual.is_empty());
        let actual: BTreeMap<(String, String), (i64, i64)> = actual
            .into_iter()
            .map(|c| ((c.partnership_type, c.territory_id), (c.partnerships, c.organisations)))
            .collect();
        let expected_counts: BTreeMap<(String, String), (i64, i64)> =
            expected.into_iter().map(|(k, (n, o))| (k, (n, o.len() as i64))).collect();
        assert_eq!(actual, expected_counts);

        // The network: nodes and weighted edges.
        let (nodes, edges) = api::store::analytics::network(&app.db, "DEP:13", Default::default()).await.unwrap();
        let (expected_nodes, expected_edges) = fold.network();
        let actual_nodes: BTreeMap<Uuid, i64> = nodes.iter().map(|n| (n.organisation_id, n.partnerships)).collect();
        assert_eq!(actual_nodes, expected_nodes);
        let actual_edges: BTreeMap<(Uuid, Uuid), i64> =
            edges.iter().map(|e| ((e.source.min(e.target), e.source.max(e.target)), e.shared_partnerships)).collect();
        assert_eq!(actual_edges, expected_edges);
        assert!(expected_edges.values().any(|w| *w > 1), "some pairs share several partnerships");

        // Above its caps the network keeps the organisations in the most partnerships (then by
        // id) and, among them, the pairs sharing the most partnerships (then by ids).
        let caps = api::store::analytics::NetworkCaps { nodes: 10, edges: 8 };
        let (nodes, edges) = api::store::analytics::network(&app.db, "DEP:13", caps).await.unwrap();
        let mut ranked: Vec<(Uuid, i64)> = expected_nodes.iter().map(|(id, n)| (*id, *n)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        assert!(ranked.len() > 10 && ranked[9].1 > ranked[ranked.len() - 1].1, "the cap cuts the ranking");
        let kept: BTreeMap<Uuid, i64> = ranked[..10].iter().copied().collect();
        let actual_nodes: BTreeMap<Uuid, i64> = nodes.iter().map(|n| (n.organisation_id, n.partnerships)).collect();
        assert_eq!(actual_nodes, kept);
        let mut strongest: Vec<((Uuid, Uuid), i64)> = expected_edges
            .iter()
            .filter(|((a, b), _)| kept.contains_key(a) && kept.contains_key(b))
            .map(|(pair, shared)| (*pair, *shared))
            .collect();
        strongest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        assert!(strongest.len() > 8, "the edge cap cuts too: {} edges among the kept", strongest.len());
        let expected_capped: BTreeMap<(Uuid, Uuid), i64> = strongest[..8].iter().copied().collect();
        let actual_edges: BTreeMap<(Uuid, Uuid), i64> = edges.iter().map(|e| ((e.source, e.target), e.shared_partnerships)).collect();
        assert_eq!(actual_edges, expected_capped);
    }

    async fn bad_analytics_arguments_are_rejected_with_field_and_value(app: &TestApp) {
        use super::*;
        for (arguments, field) in [
            (r#"scope: {}, period: { from: "2020-01-01", to: "2021-01-01" }"#, "scope"),
            (r#"scope: { buyerSiren: "123" }, period: { from: "2020-01-01", to: "2021-01-01" }"#, "scope.buyerSiren"),
            (r#"scope: { territory: { level: EPCI, code: "200054807" } }, period: { from: "2021-01-01", to: "2020-01-01" }"#, "period.to"),
            (r#"scope: { territory: { level: EPCI, code: "200054807" } }, period: { from: "2020-01-01", to: "2021-01-01" }, locality: { withinKm: -3 }"#, "locality.withinKm"),
            (r#"scope: { territory: { level: EPCI, code: "200054807" } }, period: { from: "2020-01-01", to: "2021-01-01" }, groupBy: [{ dimension: BUYER_TERRITORY }]"#, "groupBy.level"),
            (r#"scope: { territory: { level: EPCI, code: "200054807" } }, period: { from: "2020-01-01", to: "2021-01-01" }, groupBy: [{ dimension: YEAR }, { dimension: MONTH }, { dimension: BUYER }]"#, "groupBy"),
        ] {
            let response = app
                .graphql(&format!("{{ procurementIndicators({arguments}) {{ total {{ contracts }} }} }}"), json!({}))
                .await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response}");
            assert_eq!(error["extensions"]["field"], field, "{response}");
        }
    }

    async fn synthetic_seed_streams_deterministic_batches(app: &TestApp) {
        use super::*;
        use api::seed::demo::synthetic::{BATCH, seed_synthetic};
        let mut lines = Vec::new();
        let contracts = BATCH + 1_500;
        let summary = seed_synthetic(&app.db, 400, contracts, |line| lines.push(line)).await.unwrap();
        assert_eq!(summary.organisations, 400);
        assert_eq!(summary.contracts, contracts);
        assert_eq!(lines.last().unwrap(), &format!("contracts: {contracts}/{contracts}"));
        assert!(lines.iter().any(|l| l == &format!("contracts: {BATCH}/{contracts}")), "{lines:?}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM contract WHERE source = 'SYNTHETIC'").await, contracts as i64);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM organisation WHERE source = 'SYNTHETIC'").await,
            (summary.organisations + summary.buyers) as i64
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM contract_supplier").await, summary.suppliers as i64);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log WHERE entity = 'contract'").await, contracts as i64);
        // Buyers are real local authorities placed in the real reference territories.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract c JOIN organisation o ON o.id = c.buyer_organisation_id \
                 JOIN territory t ON t.id = o.public_authority_territory_id WHERE t.siren = o.siren"
            )
            .await,
            contracts as i64
        );
        // Deterministic: a second database gets the very same rows.
        let fingerprint = "SELECT CAST(SUM(amount_cents) + COUNT(DISTINCT uid) + SUM(CASE WHEN reserved THEN 1 ELSE 0 END) AS BIGINT) FROM contract";
        let other = crate::harness::TestApp::spawn(crate::harness::Backend::Sqlite).await.unwrap();
        seed_synthetic(&other.db, 400, contracts, |_| {}).await.unwrap();
        assert_eq!(app.scalar(fingerprint).await, other.scalar(fingerprint).await);
        // A second run is refused.
        assert!(seed_synthetic(&app.db, 1, 1, |_| {}).await.is_err());
        // The indicators run on it and agree with the fold.
        let world = World::load(&app.db).await;
        let q = query(BuyerScope::Territory("DEP:13".into()), vec![ProcurementDimension::Year, ProcurementDimension::CpvDivision]);
        let actual = api::store::analytics::procurement(&app.db, &q).await.unwrap();
        assert!(actual.len() > 20);
        assert_cells_match(&actual, &fold(&world, &q));
    }
}
