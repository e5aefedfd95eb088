//! Contracts: lookup, every filter, both sorts both ways, paging, deletion, global ids, and
//! the nested lists (`Organisation.contractsWon`, `Organisation.contractsAwarded`,
//! `Territory.contractsAwarded`).

use api::store::contracts::{NewContracts, insert_new};
use chrono::{DateTime, TimeZone, Utc};
use entity::{
    contract, contract_modification, contract_supplier,
    enums::{ContractKind, EssFamily, ExecPlaceType, IdScheme, LabelKind, LocalityLevel, PurchaseType},
    establishment,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    fixtures::{AIX, LYON, MARSEILLE, NICE, Org, date, siren, siret, write},
    harness::{TestApp, on_both_databases},
};

/// Indexes of the organisations written by [`write_organisations`].
pub const VILLE_MARSEILLE: usize = 0;
pub const METROPOLE_NICE: usize = 1;
pub const VILLE_LYON: usize = 2;
pub const OFFICE_HLM_AIX: usize = 3;
pub const REGIE: usize = 4;
pub const SCOP: usize = 5;
pub const ESAT: usize = 6;
pub const LYON_BATIMENT: usize = 7;

/// SIREN stems of those organisations, in the same order.
const STEMS: [u32; 8] = [
    30_000_001, 30_000_002, 30_000_003, 30_000_004, 30_000_005, 30_000_006, 30_000_007, 30_000_008,
];

/// Three public buyers (Marseille, the Nice métropole, Lyon), a non-public buyer in Aix and
/// four suppliers: a régie de quartier in Marseille (SIAE, ESUS), a SCOP in Aix, an ESAT in
/// Nice (its ESUS agreement expired in 2022) and a company with two establishments in Lyon.
pub async fn write_organisations(db: &DatabaseConnection) -> Vec<Uuid> {
    let mut marseille = Org::new("Ville de Marseille", STEMS[0], EssFamily::NonSse, MARSEILLE);
    marseille.legal_category = "7210";
    marseille.public_territory = Some("COM:13055");
    let mut nice = Org::new("Métropole Nice Côte d'Azur", STEMS[1], EssFamily::NonSse, NICE);
    nice.legal_category = "7344";
    nice.public_territory = Some("EPCI:200030195");
    let mut lyon = Org::new("Ville de Lyon", STEMS[2], EssFamily::NonSse, LYON);
    lyon.legal_category = "7210";
    lyon.public_territory = Some("COM:69123");
    let hlm = Org::new("Office HLM du Pays d'Aix", STEMS[3], EssFamily::NonSse, AIX);
    let mut regie = Org::new(
        "Régie de Quartier du Panier",
        STEMS[4],
        EssFamily::Association,
        MARSEILLE,
    );
    regie.labels = vec![
        (LabelKind::SiaeAci, date(2018, 1, 1), None),
        (LabelKind::Esus, date(2023, 1, 1), Some(date(2028, 1, 1))),
    ];
    let mut scop = Org::new("SCOP Bâtisseurs d'Aix", STEMS[5], EssFamily::Cooperative, AIX);
    scop.labels = vec![(LabelKind::Scop, date(2010, 1, 1), None)];
    let mut esat = Org::new("ESAT Les Oliviers", STEMS[6], EssFamily::Association, NICE);
    esat.labels = vec![
        (LabelKind::Esat, date(2015, 1, 1), None),
        (LabelKind::Esus, date(2019, 1, 1), Some(date(2022, 12, 31))),
    ];
    let mut batiment = Org::new("Lyon Bâtiment SAS", STEMS[7], EssFamily::NonSse, LYON);
    batiment.places.push(LYON);
    write(db, vec![marseille, nice, lyon, hlm, regie, scop, esat, batiment]).await
}

/// The SIRET of establishment `number` (1 = head office) of organisation `index`.
pub fn siret_of(index: usize, number: u32) -> String {
    siret(&siren(STEMS[index]), number)
}

async fn establishment_id(db: &DatabaseConnection, siret: &str) -> Uuid {
    establishment::Entity::find()
        .filter(establishment::Column::Siret.eq(siret))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn written_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

/// A contract of `buyer` with defaults: no amount, no date, no consideration.
fn contract(internal_id: &str, buyer: Uuid, buyer_siret: &str) -> contract::Model {
    contract::Model {
        id: Uuid::now_v7(),
        uid: format!("{buyer_siret}{internal_id}"),
        buyer_internal_id: internal_id.into(),
        kind: ContractKind::PublicContract,
        nature: Some("Marché".into()),
        object: Some(format!("Contract {internal_id}")),
        cpv_code: None,
        cpv_division: None,
        purchase_type: None,
        procedure: None,
        techniques: json!(["Sans objet"]),
        execution_modes: json!(["Sans objet"]),
        framework_uid: None,
        innovative: Some(false),
        ccag: Some("Fournitures courantes et services".into()),
        offers_received: Some(3),
        advance: Some(false),
        advance_rate: None,
        grouping_type: Some("Pas de groupement".into()),
        subcontracting_declared: Some(false),
        exec_place_code: None,
        exec_place_type: None,
        exec_territory_id: None,
        duration_months: Some(12),
        notified_on: None,
        published_on: None,
        amount_cents: None,
        price_form: Some("Forfaitaire".into()),
        price_types: json!(["Définitif ferme"]),
        origin_eu: None,
        origin_fr: None,
        social_considerations: json!(["Pas de considération sociale"]),
        environmental_considerations: json!(["Pas de considération environnementale"]),
        social_clause: false,
        social_criterion: false,
        reserved: false,
        env_clause: false,
        env_criterion: false,
        current_amount_cents: None,
        current_duration_months: Some(12),
        buyer_siret: buyer_siret.into(),
        buyer_establishment_id: None,
        buyer_organisation_id: Some(buyer),
        signed_on: None,
        exec_start_on: None,
        public_subsidy_cents: None,
        quality_flags: json!([]),
        source: "TEST".into(),
        external_id: Some(format!("contract-{internal_id}")),
        source_updated_at: None,
        created_at: written_at(),
        updated_at: written_at(),
        deleted_at: None,
        version: 1,
    }
}

/// Sets the CPV code, its division and purchase type.
fn with_cpv(mut c: contract::Model, cpv: &str) -> contract::Model {
    c.cpv_code = Some(cpv.into());
    c.cpv_division = Some(cpv[..2].into());
    c.purchase_type = Some(if cpv.starts_with("45") {
        PurchaseType::Works
    } else {
        PurchaseType::Services
    });
    c
}

/// Sets the initial (and current) amount in cents.
fn with_amount(mut c: contract::Model, cents: i64) -> contract::Model {
    c.amount_cents = Some(cents);
    c.current_amount_cents = Some(cents);
    c
}

/// A supplier row.
struct Supplier {
    contract: Uuid,
    position: i16,
    scheme: IdScheme,
    value: String,
    organisation: Option<Uuid>,
    establishment: Option<Uuid>,
    from_modification: i32,
    distance_km: Option<f64>,
    locality: LocalityLevel,
}

impl Supplier {
    fn model(self) -> contract_supplier::Model {
        contract_supplier::Model {
            id: Uuid::now_v7(),
            contract_id: self.contract,
            position: self.position,
            id_scheme: self.scheme,
            id_value: self.value,
            establishment_id: self.establishment,
            organisation_id: self.organisation,
            from_modification: self.from_modification,
            distance_km: self.distance_km,
            locality_level: self.locality,
            created_at: written_at(),
        }
    }
}

/// What the procurement fixture wrote.
pub struct Procurement {
    /// Organisation ids, by the index constants above.
    pub organisations: Vec<Uuid>,
    /// Contract ids by buyer-internal id (`C1`…`C9`).
    pub contracts: std::collections::HashMap<&'static str, Uuid>,
}

/// Nine contracts (C9 is deleted by the tests that need it):
///
/// | id | buyer | notified | amount € (current) | CPV | procedure | considerations | suppliers |
/// |----|-------|----------|--------------------|-----|-----------|----------------|-----------|
/// | C1 | Marseille | 2024-03-01 | 120 000 | 45210000 | AO ouvert | social clause, env clause | SCOP (EPCI, 25.3 km), Régie (commune, 2.1 km) |
/// | C2 | Marseille | 2024-06-15 | 45 000.50 | 90910000 | MAPA | reserved | Régie (commune, 1.5 km) |
/// | C3 | Nice métropole | 2023-11-20 | 300 000 (350 000) | 45233140 | AO ouvert | env criterion | Lyon Bâtiment (national, 470 km), ESAT by modification 1 (commune, 3 km) |
/// | C4 | Nice métropole | 2025-02-10 | 80 000 | 55520000 | MAPA | social criterion | ESAT (commune, 0.8 km) |
/// | C5 | Lyon | 2022-09-01 | 1 500 000 | 72000000 | AO restreint | none | a German company by VAT number (foreign) |
/// | C6 | Lyon | 2025-05-05 | 60 000 | 45100000 | négociation | social clause | Lyon Bâtiment twice (two establishments, commune) |
/// | C7 | HLM Aix | 2024-12-01 | unknown | 79710000 | MAPA | env clause | SCOP (commune, 0.5 km) |
/// | C8 | Marseille | unknown | 15 000 | 90910000 | MAPA | none | SCOP (EPCI, 26 km) |
/// | C9 | Marseille | 2025-01-01 | 99 000 | 90910000 | MAPA | none | Régie (commune, 1 km) |
///
/// C5 was updated on 2026-03-01, the others on 2026-01-02.
pub async fn write_procurement(db: &DatabaseConnection) -> Procurement {
    let organisations = write_organisations(db).await;
    let org = |index: usize| organisations[index];
    let buyer = |internal: &str, index: usize| contract(internal, org(index), &siret_of(index, 1));

    let mut c1 = with_amount(with_cpv(buyer("C1", VILLE_MARSEILLE), "45210000"), 12_000_000);
    c1.notified_on = Some(date(2024, 3, 1));
    c1.procedure = Some("Appel d'offres ouvert".into());
    c1.social_clause = true;
    c1.env_clause = true;
    c1.social_considerations = json!(["Clause sociale"]);
    c1.environmental_considerations = json!(["Clause environnementale"]);
    c1.exec_place_code = Some("13055".into());
    c1.exec_place_type = Some(ExecPlaceType::CommuneCode);
    c1.exec_territory_id = Some("COM:13055".into());
    c1.techniques = json!(["Accord-cadre"]);
    c1.buyer_establishment_id = Some(establishment_id(db, &siret_of(VILLE_MARSEILLE, 1)).await);

    let mut c2 = with_amount(with_cpv(buyer("C2", VILLE_MARSEILLE), "90910000"), 4_500_050);
    c2.notified_on = Some(date(2024, 6, 15));
    c2.procedure = Some("Procédure adaptée".into());
    c2.reserved = true;
    c2.social_considerations = json!(["Marché réservé"]);

    let mut c3 = with_amount(with_cpv(buyer("C3", METROPOLE_NICE), "45233140"), 30_000_000);
    c3.current_amount_cents = Some(35_000_000);
    c3.current_duration_months = Some(30);
    c3.notified_on = Some(date(2023, 11, 20));
    c3.procedure = Some("Appel d'offres ouvert".into());
    c3.env_criterion = true;
    c3.environmental_considerations = json!(["Critère environnemental"]);

    let mut c4 = with_amount(with_cpv(buyer("C4", METROPOLE_NICE), "55520000"), 8_000_000);
    c4.notified_on = Some(date(2025, 2, 10));
    c4.procedure = Some("Procédure adaptée".into());
    c4.social_criterion = true;
    c4.social_considerations = json!(["Critère social"]);

    let mut c5 = with_amount(with_cpv(buyer("C5", VILLE_LYON), "72000000"), 150_000_000);
    c5.notified_on = Some(date(2022, 9, 1));
    c5.procedure = Some("Appel d'offres restreint".into());
    c5.updated_at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();

    let mut c6 = with_amount(with_cpv(buyer("C6", VILLE_LYON), "45100000"), 6_000_000);
    c6.notified_on = Some(date(2025, 5, 5));
    c6.procedure = Some("Procédure avec négociation".into());
    c6.social_clause = true;
    c6.social_considerations = json!(["Clause sociale"]);

    let mut c7 = with_cpv(buyer("C7", OFFICE_HLM_AIX), "79710000");
    c7.notified_on = Some(date(2024, 12, 1));
    c7.procedure = Some("Procédure adaptée".into());
    c7.env_clause = true;
    c7.environmental_considerations = json!(["Clause environnementale"]);

    let mut c8 = with_amount(with_cpv(buyer("C8", VILLE_MARSEILLE), "90910000"), 1_500_000);
    c8.procedure = Some("Procédure adaptée".into());

    let mut c9 = with_amount(with_cpv(buyer("C9", VILLE_MARSEILLE), "90910000"), 9_900_000);
    c9.notified_on = Some(date(2025, 1, 1));
    c9.procedure = Some("Procédure adaptée".into());

    let contracts = vec![c1, c2, c3, c4, c5, c6, c7, c8, c9];
    let ids: std::collections::HashMap<&'static str, Uuid> = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"]
        .into_iter()
        .zip(contracts.iter().map(|c| c.id))
        .collect();

    let siret_supplier = |contract: &str, position: i16, index: usize, number: u32, locality, km: f64| Supplier {
        contract: ids[contract],
        position,
        scheme: IdScheme::Siret,
        value: siret_of(index, number),
        organisation: Some(org(index)),
        establishment: None,
        from_modification: 0,
        distance_km: Some(km),
        locality,
    };
    let mut suppliers = vec![
        siret_supplier("C1", 1, SCOP, 1, LocalityLevel::SameEpci, 25.3),
        siret_supplier("C1", 2, REGIE, 1, LocalityLevel::SameCommune, 2.1),
        siret_supplier("C2", 1, REGIE, 1, LocalityLevel::SameCommune, 1.5),
        siret_supplier("C3", 1, LYON_BATIMENT, 1, LocalityLevel::National, 470.0),
        Supplier {
            from_modification: 1,
            ..siret_supplier("C3", 1, ESAT, 1, LocalityLevel::SameCommune, 3.0)
        },
        siret_supplier("C4", 1, ESAT, 1, LocalityLevel::SameCommune, 0.8),
        Supplier {
            contract: ids["C5"],
            position: 1,
            scheme: IdScheme::Tva,
            value: "DE123456789".into(),
            organisation: None,
            establishment: None,
            from_modification: 0,
            distance_km: None,
            locality: LocalityLevel::Foreign,
        },
        siret_supplier("C6", 1, LYON_BATIMENT, 1, LocalityLevel::SameCommune, 4.2),
        siret_supplier("C6", 2, LYON_BATIMENT, 2, LocalityLevel::SameCommune, 5.0),
        siret_supplier("C7", 1, SCOP, 1, LocalityLevel::SameCommune, 0.5),
        siret_supplier("C8", 1, SCOP, 1, LocalityLevel::SameEpci, 26.0),
        siret_supplier("C9", 1, REGIE, 1, LocalityLevel::SameCommune, 1.0),
    ];
    suppliers[3].establishment = Some(establishment_id(db, &siret_of(LYON_BATIMENT, 1)).await);
    let modification = contract_modification::Model {
        id: Uuid::now_v7(),
        contract_id: ids["C3"],
        seq: 1,
        notified_on: Some(date(2024, 6, 1)),
        published_on: Some(date(2024, 6, 10)),
        new_duration_months: Some(30),
        new_amount_cents: Some(35_000_000),
        created_at: written_at(),
    };
    let txn = db.begin().await.unwrap();
    insert_new(
        &txn,
        NewContracts {
            contracts,
            suppliers: suppliers.into_iter().map(Supplier::model).collect(),
            modifications: vec![modification],
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    Procurement {
        organisations,
        contracts: ids,
    }
}

/// The global id of an organisation.
pub fn organisation_id(id: Uuid) -> String {
    api::graphql::node::global_id("Organisation", id).0
}

/// Buyer-internal ids (`C1`…) of a connection's nodes, in order.
fn internal_ids(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["buyerInternalId"].as_str().unwrap().to_owned())
        .collect()
}

/// Buyer-internal ids of the contracts matching `filter`, sorted, and the total count.
async fn matching(app: &TestApp, filter: Value) -> (Vec<String>, i64) {
    let data = app
        .query(
            "query($filter: ContractFilterInput) { contracts(filter: $filter) { totalCount nodes { buyerInternalId } } }",
            json!({ "filter": filter }),
        )
        .await;
    let mut ids = internal_ids(&data["contracts"]);
    ids.sort();
    (ids, data["contracts"]["totalCount"].as_i64().unwrap())
}

/// Asserts the contracts matching `filter` are exactly `expected` (any order), total included.
async fn assert_matching(app: &TestApp, filter: Value, expected: &[&str]) {
    let (ids, total) = matching(app, filter.clone()).await;
    assert_eq!(ids, expected, "filter {filter}");
    assert_eq!(total, i64::try_from(expected.len()).unwrap(), "totalCount of {filter}");
}

/// Error code and field of a request expected to fail.
pub async fn rejection(app: &TestApp, query: &str, variables: Value) -> (String, String) {
    let response = app.graphql(query, variables).await;
    let error = &response["errors"][0];
    assert!(!error.is_null(), "expected an error: {response}");
    (
        error["extensions"]["code"].as_str().unwrap_or_default().to_owned(),
        error["extensions"]["field"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Error code and field of a `contracts` query with `filter` expected to fail.
async fn filter_rejection(app: &TestApp, filter: Value) -> (String, String) {
    rejection(
        app,
        "query($filter: ContractFilterInput) { contracts(filter: $filter) { totalCount } }",
        json!({ "filter": filter }),
    )
    .await
}

async fn delete_contract(app: &TestApp, internal_id: &str) {
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(&format!(
            "UPDATE contract SET deleted_at = updated_at WHERE buyer_internal_id = '{internal_id}'"
        ))
        .await
        .unwrap();
}

on_both_databases! {
    async fn contract_by_uid_with_buyer_suppliers_and_modifications(app: &TestApp) {
        super::write_procurement(&app.db).await;
        let uid = format!("{}C3", super::siret_of(super::METROPOLE_NICE, 1));
        let data = app
            .query(
                r#"query($uid: String!) { contract(uid: $uid) {
                    id uid buyerInternalId kind nature cpvCode cpvDivision purchaseType procedure techniques
                    notifiedOn amountEur currentAmountEur durationMonths currentDurationMonths
                    socialConsiderations environmentalConsiderations socialClause envCriterion reserved
                    buyerSiret buyer { name isPublicBuyer } source version updatedAt
                    suppliers { position idScheme idValue fromModification distanceKm localityLevel
                                organisation { name } establishment { siret commune { name } } }
                    modifications { seq notifiedOn publishedOn newDurationMonths newAmountEur }
                } }"#,
                serde_json::json!({ "uid": uid }),
            )
            .await;
        let c3 = &data["contract"];
        assert_eq!(c3["uid"], uid.as_str());
        assert_eq!(c3["buyerInternalId"], "C3");
        assert_eq!(c3["kind"], "PUBLIC_CONTRACT");
        assert_eq!(c3["cpvDivision"], "45");
        assert_eq!(c3["purchaseType"], "WORKS");
        assert_eq!(c3["notifiedOn"], "2023-11-20");
        assert_eq!(c3["amountEur"], "300000.00", "money is a decimal, in euros");
        assert_eq!(c3["currentAmountEur"], "350000.00");
        assert_eq!(c3["currentDurationMonths"], 30);
        assert_eq!(c3["environmentalConsiderations"], serde_json::json!(["Critère environnemental"]));
        assert_eq!(c3["techniques"], serde_json::json!(["Sans objet"]));
        assert_eq!((c3["envCriterion"].as_bool(), c3["socialClause"].as_bool()), (Some(true), Some(false)));
        assert_eq!(c3["buyer"]["name"], "Métropole Nice Côte d'Azur");
        assert_eq!(c3["buyer"]["isPublicBuyer"], true);
        assert_eq!(c3["version"], 1);
        let suppliers = c3["suppliers"].as_array().unwrap();
        assert_eq!(suppliers.len(), 2);
        assert_eq!(suppliers[0]["organisation"]["name"], "Lyon Bâtiment SAS");
        assert_eq!(suppliers[0]["idScheme"], "SIRET");
        assert_eq!(suppliers[0]["localityLevel"], "NATIONAL");
        assert_eq!(suppliers[0]["distanceKm"], 470.0);
        assert_eq!(suppliers[0]["establishment"]["commune"]["name"], "Lyon");
        assert_eq!(suppliers[1]["organisation"]["name"], "ESAT Les Oliviers", "the supplier a modification brought comes last");
        assert_eq!(suppliers[1]["fromModification"], 1);
        assert!(suppliers[1]["establishment"].is_null());
        let modification = &c3["modifications"][0];
        assert_eq!(modification["seq"], 1);
        assert_eq!(modification["newAmountEur"], "350000.00");
        assert_eq!(modification["newDurationMonths"], 30);
        assert_eq!(modification["publishedOn"], "2024-06-10");

        let uid = format!("{}C1", super::siret_of(super::VILLE_MARSEILLE, 1));
        let data = app
            .query(
                r#"query($uid: String!) { contract(uid: $uid) { techniques executionTerritory { name level }
                     execPlaceType execPlaceCode buyerEstablishment { siret } socialConsiderations
                     suppliers { position organisation { name } localityLevel } } }"#,
                serde_json::json!({ "uid": uid }),
            )
            .await;
        let c1 = &data["contract"];
        assert_eq!(c1["executionTerritory"]["name"], "Marseille");
        assert_eq!(c1["execPlaceType"], "COMMUNE_CODE");
        assert_eq!(c1["techniques"], serde_json::json!(["Accord-cadre"]));
        assert_eq!(c1["buyerEstablishment"]["siret"], super::siret_of(super::VILLE_MARSEILLE, 1).as_str());
        let names: Vec<&str> = c1["suppliers"].as_array().unwrap().iter().map(|s| s["organisation"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["SCOP Bâtisseurs d'Aix", "Régie de Quartier du Panier"], "in published order");

        let uid = format!("{}C5", super::siret_of(super::VILLE_LYON, 1));
        let data = app
            .query(
                "query($uid: String!) { contract(uid: $uid) { amountEur suppliers { idScheme idValue organisation { name } distanceKm localityLevel } modifications { seq } } }",
                serde_json::json!({ "uid": uid }),
            )
            .await;
        let foreign = &data["contract"]["suppliers"][0];
        assert_eq!(data["contract"]["amountEur"], "1500000.00");
        assert_eq!(foreign["idScheme"], "TVA");
        assert_eq!(foreign["idValue"], "DE123456789");
        assert!(foreign["organisation"].is_null() && foreign["distanceKm"].is_null());
        assert_eq!(foreign["localityLevel"], "FOREIGN");
        assert_eq!(data["contract"]["modifications"], serde_json::json!([]));

        let missing = app.query(r#"{ contract(uid: "2130000000000099") { uid } }"#, serde_json::json!({})).await;
        assert!(missing["contract"].is_null());
        let (code, field) = super::rejection(app, r#"{ contract(uid: "  ") { uid } }"#, serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "uid"));
    }

    async fn filters_by_buyer_and_buyer_territory_at_any_level(app: &TestApp) {
        let fixture = super::write_procurement(&app.db).await;
        let marseille = super::organisation_id(fixture.organisations[super::VILLE_MARSEILLE]);
        super::assert_matching(app, serde_json::json!({ "buyers": [marseille] }), &["C1", "C2", "C8", "C9"]).await;
        let lyon = super::organisation_id(fixture.organisations[super::VILLE_LYON]);
        super::assert_matching(app, serde_json::json!({ "buyers": [marseille, lyon] }), &["C1", "C2", "C5", "C6", "C8", "C9"]).await;
        let territory = |level: &str, code: &str| serde_json::json!({ "buyerTerritories": [{ "level": level, "code": code }] });
        // The Nice métropole governs an EPCI lying in the Alpes-Maritimes.
        super::assert_matching(app, territory("DEPARTEMENT", "06"), &["C3", "C4"]).await;
        // Its head office is in Nice, although the territory it governs is larger.
        super::assert_matching(app, territory("COMMUNE", "06088"), &["C3", "C4"]).await;
        // Marseille governs a commune of the Aix-Marseille métropole; the Aix HLM office has its establishment there.
        super::assert_matching(app, territory("EPCI", "200054807"), &["C1", "C2", "C7", "C8", "C9"]).await;
        super::assert_matching(app, territory("REGION", "93"), &["C1", "C2", "C3", "C4", "C7", "C8", "C9"]).await;
        super::assert_matching(app, territory("COMMUNE", "69123"), &["C5", "C6"]).await;
        super::assert_matching(app, territory("DEPARTEMENT", "2A"), &[]).await;
        super::assert_matching(
            app,
            serde_json::json!({ "buyerTerritories": [{ "level": "COMMUNE", "code": "69123" }, { "level": "COMMUNE", "code": "13001" }] }),
            &["C5", "C6", "C7"],
        )
        .await;
        super::assert_matching(app, serde_json::json!({ "buyers": [marseille], "buyerTerritories": [{ "level": "DEPARTEMENT", "code": "06" }] }), &[]).await;
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "buyers": ["VGVycml0b3J5OkNPTToxMzA1NQ"] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.buyers"), "a Territory id is no organisation");
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "buyers": ["not an id"] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.buyers"));
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "buyerTerritories": [{ "level": "COMMUNE", "code": "1305" }] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.buyerTerritories.code"));
    }

    async fn filters_by_supplier_identity_family_label_and_locality(app: &TestApp) {
        let fixture = super::write_procurement(&app.db).await;
        let id = |index: usize| super::organisation_id(fixture.organisations[index]);
        super::assert_matching(app, serde_json::json!({ "suppliers": [id(super::LYON_BATIMENT)] }), &["C3", "C6"]).await;
        super::assert_matching(app, serde_json::json!({ "suppliers": [id(super::ESAT)] }), &["C3", "C4"]).await;
        super::assert_matching(app, serde_json::json!({ "suppliers": [id(super::REGIE), id(super::ESAT)] }), &["C1", "C2", "C3", "C4", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "supplierEssFamilies": ["COOPERATIVE"] }), &["C1", "C7", "C8"]).await;
        super::assert_matching(app, serde_json::json!({ "supplierEssFamilies": ["ASSOCIATION"] }), &["C1", "C2", "C3", "C4", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "supplierLabels": ["ESUS"] }), &["C1", "C2", "C3", "C4", "C9"]).await;
        super::assert_matching(
            app,
            serde_json::json!({ "supplierLabels": ["ESUS"], "supplierLabelValidOn": "2026-01-01" }),
            &["C1", "C2", "C9"],
        )
        .await;
        super::assert_matching(app, serde_json::json!({ "supplierLabels": ["SCOP", "ESAT"] }), &["C1", "C3", "C4", "C7", "C8"]).await;
        super::assert_matching(app, serde_json::json!({ "supplierLocality": { "within": "COMMUNE" } }), &["C1", "C2", "C3", "C4", "C6", "C7", "C9"]).await;
        super::assert_matching(
            app,
            serde_json::json!({ "supplierLocality": { "within": "EPCI" } }),
            &["C1", "C2", "C3", "C4", "C6", "C7", "C8", "C9"],
        )
        .await;
        super::assert_matching(
            app,
            serde_json::json!({ "supplierLocality": { "within": "FRANCE" } }),
            &["C1", "C2", "C3", "C4", "C6", "C7", "C8", "C9"],
        )
        .await;
        super::assert_matching(app, serde_json::json!({ "supplierLocality": { "levels": ["FOREIGN"] } }), &["C5"]).await;
        super::assert_matching(app, serde_json::json!({ "supplierLocality": { "levels": ["NATIONAL", "SAME_EPCI"] } }), &["C1", "C3", "C8"]).await;
        super::assert_matching(app, serde_json::json!({ "supplierLocality": { "radiusKm": 1 } }), &["C4", "C7", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "supplierLocality": { "radiusKm": 3 } }), &["C1", "C2", "C3", "C4", "C7", "C9"]).await;
        // Every supplier criterion must hold for one same supplier: in C1 the cooperative is
        // in the EPCI but not the commune.
        super::assert_matching(
            app,
            serde_json::json!({ "supplierEssFamilies": ["COOPERATIVE"], "supplierLocality": { "within": "COMMUNE" } }),
            &["C7"],
        )
        .await;
        super::assert_matching(
            app,
            serde_json::json!({ "suppliers": [id(super::ESAT)], "supplierLocality": { "radiusKm": 1 } }),
            &["C4"],
        )
        .await;
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "supplierLocality": { "within": "EPCI", "radiusKm": 3 } })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.supplierLocality"));
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "supplierLocality": {} })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.supplierLocality"));
        let (code, field) =
            super::filter_rejection(app, serde_json::json!({ "supplierLocality": { "levels": [] } })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.supplierLocality.levels"));
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "supplierLocality": { "radiusKm": 0 } })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.supplierLocality.radiusKm"));
        let contract_id = api::graphql::node::global_id("Contract", fixture.contracts["C1"]).0;
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "suppliers": [contract_id] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.suppliers"));
    }

    async fn filters_by_cpv_procedure_notification_and_amount(app: &TestApp) {
        super::write_procurement(&app.db).await;
        super::assert_matching(app, serde_json::json!({ "cpvPrefixes": ["45"] }), &["C1", "C3", "C6"]).await;
        super::assert_matching(app, serde_json::json!({ "cpvPrefixes": ["4521", " 555 "] }), &["C1", "C4"]).await;
        super::assert_matching(app, serde_json::json!({ "cpvPrefixes": ["45233140"] }), &["C3"]).await;
        super::assert_matching(app, serde_json::json!({ "cpvPrefixes": ["33"] }), &[]).await;
        super::assert_matching(app, serde_json::json!({ "procedures": ["Procédure adaptée"] }), &["C2", "C4", "C7", "C8", "C9"]).await;
        super::assert_matching(
            app,
            serde_json::json!({ "procedures": ["Appel d'offres ouvert", "Appel d'offres restreint"] }),
            &["C1", "C3", "C5"],
        )
        .await;
        super::assert_matching(app, serde_json::json!({ "notifiedFrom": "2024-01-01", "notifiedTo": "2024-12-01" }), &["C1", "C2", "C7"]).await;
        super::assert_matching(app, serde_json::json!({ "notifiedFrom": "2025-01-01" }), &["C4", "C6", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "notifiedTo": "2023-11-20" }), &["C3", "C5"]).await;
        // Bounds are inclusive and compare the initial amount (C3 was raised to 350 000 €).
        super::assert_matching(app, serde_json::json!({ "amountMinEur": "45000.50", "amountMaxEur": 120000 }), &["C1", "C2", "C4", "C6", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "amountMinEur": "300000" }), &["C3", "C5"]).await;
        super::assert_matching(app, serde_json::json!({ "amountMaxEur": "45000.49" }), &["C8"]).await;
        super::assert_matching(
            app,
            serde_json::json!({ "procedures": ["Procédure adaptée"], "amountMinEur": 50000, "notifiedFrom": "2025-01-01" }),
            &["C4", "C9"],
        )
        .await;
        for (filter, field) in [
            (serde_json::json!({ "cpvPrefixes": ["4"] }), "filter.cpvPrefixes"),
            (serde_json::json!({ "cpvPrefixes": ["452100001"] }), "filter.cpvPrefixes"),
            (serde_json::json!({ "cpvPrefixes": ["45a"] }), "filter.cpvPrefixes"),
            (serde_json::json!({ "procedures": [""] }), "filter.procedures"),
            (serde_json::json!({ "notifiedFrom": "2025-01-01", "notifiedTo": "2024-01-01" }), "filter.notifiedFrom"),
            (serde_json::json!({ "amountMinEur": "-1" }), "filter.amountMinEur"),
            (serde_json::json!({ "amountMaxEur": "10.001" }), "filter.amountMaxEur"),
            (serde_json::json!({ "amountMinEur": 10, "amountMaxEur": 9 }), "filter.amountMinEur"),
        ] {
            let (code, found) = super::filter_rejection(app, filter.clone()).await;
            assert_eq!((code.as_str(), found.as_str()), ("BAD_USER_INPUT", field), "{filter}");
        }
    }

    async fn filters_by_social_and_environmental_considerations(app: &TestApp) {
        super::write_procurement(&app.db).await;
        super::assert_matching(app, serde_json::json!({ "socialClause": true }), &["C1", "C6"]).await;
        super::assert_matching(app, serde_json::json!({ "socialCriterion": true }), &["C4"]).await;
        super::assert_matching(app, serde_json::json!({ "reserved": true }), &["C2"]).await;
        super::assert_matching(app, serde_json::json!({ "reserved": false, "socialClause": false }), &["C3", "C4", "C5", "C7", "C8", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "hasSocial": true }), &["C1", "C2", "C4", "C6"]).await;
        super::assert_matching(app, serde_json::json!({ "hasSocial": false }), &["C3", "C5", "C7", "C8", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "envClause": true }), &["C1", "C7"]).await;
        super::assert_matching(app, serde_json::json!({ "envCriterion": true }), &["C3"]).await;
        super::assert_matching(app, serde_json::json!({ "hasEnvironmental": true }), &["C1", "C3", "C7"]).await;
        super::assert_matching(app, serde_json::json!({ "hasEnvironmental": false }), &["C2", "C4", "C5", "C6", "C8", "C9"]).await;
        super::assert_matching(app, serde_json::json!({ "hasSocial": true, "hasEnvironmental": true }), &["C1"]).await;
        super::assert_matching(app, serde_json::json!({ "hasSocial": false, "hasEnvironmental": false }), &["C5", "C8", "C9"]).await;
    }

    async fn filters_by_ids_and_update_time(app: &TestApp) {
        let fixture = super::write_procurement(&app.db).await;
        let id = |key: &str| api::graphql::node::global_id("Contract", fixture.contracts[key]).0;
        super::assert_matching(app, serde_json::json!({ "ids": [id("C4"), id("C7")] }), &["C4", "C7"]).await;
        super::assert_matching(app, serde_json::json!({ "updatedSince": "2026-02-01T00:00:00Z" }), &["C5"]).await;
        super::assert_matching(app, serde_json::json!({ "updatedSince": "2026-01-02T03:04:05Z" }), &["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"]).await;
        let organisation = super::organisation_id(fixture.organisations[0]);
        let (code, field) = super::filter_rejection(app, serde_json::json!({ "ids": [organisation] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.ids"));
    }

    async fn sorts_by_notification_date_and_amount_both_ways(app: &TestApp) {
        super::write_procurement(&app.db).await;
        super::delete_contract(app, "C9").await;
        let query = "query($order: ContractOrder) { contracts(orderBy: $order) { nodes { buyerInternalId } } }";
        let by = |field: &str, direction: &str| serde_json::json!({ "order": { "field": field, "direction": direction } });
        let latest_first = ["C6", "C4", "C7", "C2", "C1", "C3", "C5", "C8"];
        let default = super::internal_ids(&app.query("{ contracts { nodes { buyerInternalId } } }", serde_json::json!({})).await["contracts"]);
        assert_eq!(default, latest_first, "latest notification first by default, unknown dates last");
        let field_only = super::internal_ids(&app.query(query, serde_json::json!({ "order": { "field": "NOTIFIED_ON" } })).await["contracts"]);
        assert_eq!(field_only, latest_first, "the direction defaults to DESC");
        let mut ascending = super::internal_ids(&app.query(query, by("NOTIFIED_ON", "ASC")).await["contracts"]);
        ascending.reverse();
        assert_eq!(ascending, latest_first);
        let smallest_first = ["C7", "C8", "C2", "C6", "C4", "C1", "C3", "C5"];
        let by_amount = super::internal_ids(&app.query(query, by("AMOUNT", "ASC")).await["contracts"]);
        assert_eq!(by_amount, smallest_first, "unknown amount first, C3 at its current 350 000 €");
        let mut by_amount = super::internal_ids(&app.query(query, by("AMOUNT", "DESC")).await["contracts"]);
        by_amount.reverse();
        assert_eq!(by_amount, smallest_first);
    }

    async fn pages_forward_and_backward_across_boundaries(app: &TestApp) {
        super::write_procurement(&app.db).await;
        super::delete_contract(app, "C9").await;
        let query = "query($first: Int, $after: String, $last: Int, $before: String, $order: ContractOrder) {
            contracts(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
                totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { buyerInternalId } }
            } }";
        for order in [serde_json::json!({ "field": "NOTIFIED_ON", "direction": "DESC" }), serde_json::json!({ "field": "AMOUNT", "direction": "ASC" })] {
            let page = |first: Option<i64>, after: Option<&str>, last: Option<i64>, before: Option<&str>| {
                serde_json::json!({ "first": first, "after": after, "last": last, "before": before, "order": order })
            };
            let ids = |connection: &serde_json::Value| -> Vec<String> {
                connection["edges"].as_array().unwrap().iter().map(|e| e["node"]["buyerInternalId"].as_str().unwrap().to_owned()).collect()
            };
            let all = app.query(query, page(Some(8), None, None, None)).await["contracts"].clone();
            assert_eq!(all["pageInfo"]["hasNextPage"], false, "exact page boundary: 8 of 8");
            let everything = ids(&all);
            assert_eq!(everything.len(), 8);
            let cursors: Vec<String> = all["edges"].as_array().unwrap().iter().map(|e| e["cursor"].as_str().unwrap().to_owned()).collect();

            let first = app.query(query, page(Some(4), None, None, None)).await["contracts"].clone();
            assert_eq!(ids(&first), everything[..4]);
            assert_eq!((first["pageInfo"]["hasNextPage"].as_bool(), first["pageInfo"]["hasPreviousPage"].as_bool()), (Some(true), Some(false)));
            let end = first["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
            let second = app.query(query, page(Some(4), Some(&end), None, None)).await["contracts"].clone();
            assert_eq!(ids(&second), everything[4..], "the second page ends exactly at the last row");
            assert_eq!(second["pageInfo"]["hasNextPage"], false);
            assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
            assert_eq!(second["totalCount"], 8, "the total ignores paging");
            let end = second["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
            let beyond = app.query(query, page(Some(4), Some(&end), None, None)).await["contracts"].clone();
            assert!(beyond["edges"].as_array().unwrap().is_empty(), "empty page after the last row");
            assert_eq!(beyond["pageInfo"]["hasNextPage"], false);

            let last = app.query(query, page(None, None, Some(4), None)).await["contracts"].clone();
            assert_eq!(ids(&last), everything[4..]);
            assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
            let start = last["pageInfo"]["startCursor"].as_str().unwrap().to_owned();
            let previous = app.query(query, page(None, None, Some(4), Some(&start))).await["contracts"].clone();
            assert_eq!(ids(&previous), everything[..4], "last/before reaches the first row exactly");
            assert_eq!(previous["pageInfo"]["hasPreviousPage"], false);
            assert_eq!(previous["pageInfo"]["hasNextPage"], true);
            let between = app.query(query, page(Some(10), Some(&cursors[1]), None, Some(&cursors[5]))).await["contracts"].clone();
            assert_eq!(ids(&between), everything[2..5], "after and before together");
            let between = app.query(query, page(None, Some(&cursors[1]), Some(2), Some(&cursors[5]))).await["contracts"].clone();
            assert_eq!(ids(&between), everything[3..5], "last within after and before");
        }
    }

    async fn paging_arguments_and_cursors_are_validated(app: &TestApp) {
        super::write_procurement(&app.db).await;
        let (code, field) = super::rejection(app, "{ contracts(first: 501) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "first"));
        let (code, field) = super::rejection(app, "{ contracts(last: 501) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "last"));
        let (code, field) = super::rejection(app, "{ contracts(before: \"bm9wZQ\") { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "before"));
        let data = app.query("{ contracts(first: 1, orderBy: { field: AMOUNT }) { pageInfo { endCursor } } }", serde_json::json!({})).await;
        let cursor = data["contracts"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let (code, field) = super::rejection(
            app,
            "query($after: String) { contracts(after: $after) { totalCount } }",
            serde_json::json!({ "after": cursor }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "after"), "a cursor of another sort");
        let (code, _) = super::rejection(
            app,
            "query($after: String) { contracts(after: $after, orderBy: { field: AMOUNT, direction: ASC }) { totalCount } }",
            serde_json::json!({ "after": cursor }),
        )
        .await;
        assert_eq!(code, "BAD_USER_INPUT", "a cursor of the other direction");
        let data = app
            .query(
                "query($after: String) { contracts(after: $after, orderBy: { field: AMOUNT }) { nodes { buyerInternalId } } }",
                serde_json::json!({ "after": cursor }),
            )
            .await;
        assert_eq!(data["contracts"]["nodes"].as_array().unwrap().len(), 8, "the same sort accepts it");
        let organisations = app
            .query("{ organisations(first: 1) { pageInfo { endCursor } } }", serde_json::json!({}))
            .await;
        let cursor = organisations["organisations"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let (code, field) = super::rejection(
            app,
            "query($after: String) { contracts(after: $after) { totalCount } }",
            serde_json::json!({ "after": cursor }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "after"), "a cursor of another list");
        let data = app.query("{ contracts(first: 0) { totalCount nodes { uid } pageInfo { hasNextPage } } }", serde_json::json!({})).await;
        assert_eq!(data["contracts"]["nodes"], serde_json::json!([]));
        assert_eq!(data["contracts"]["totalCount"], 9);
        let empty = app.query("{ contracts(filter: { cpvPrefixes: [\"03\"] }) { totalCount nodes { uid } pageInfo { hasNextPage hasPreviousPage } } }", serde_json::json!({})).await;
        assert_eq!(empty["contracts"]["totalCount"], 0);
        assert_eq!(empty["contracts"]["nodes"], serde_json::json!([]));
        assert_eq!(empty["contracts"]["pageInfo"]["hasNextPage"], false);
    }

    async fn deleted_contracts_are_hidden(app: &TestApp) {
        let fixture = super::write_procurement(&app.db).await;
        super::delete_contract(app, "C9").await;
        let (ids, total) = super::matching(app, serde_json::json!({})).await;
        assert_eq!(total, 8);
        assert!(!ids.contains(&"C9".to_owned()));
        super::assert_matching(app, serde_json::json!({ "notifiedFrom": "2025-01-01", "notifiedTo": "2025-01-01" }), &[]).await;
        let uid = format!("{}C9", super::siret_of(super::VILLE_MARSEILLE, 1));
        let data = app
            .query(
                "query($uid: String!, $id: ID!) { contract(uid: $uid) { uid } node(id: $id) { id } }",
                serde_json::json!({ "uid": uid, "id": api::graphql::node::global_id("Contract", fixture.contracts["C9"]).0 }),
            )
            .await;
        assert!(data["contract"].is_null() && data["node"].is_null());
        let regie = super::organisation_id(fixture.organisations[super::REGIE]);
        let nested = app
            .query(
                "query($id: ID) { organisation(id: $id) { contractsWon { totalCount nodes { buyerInternalId } } } }",
                serde_json::json!({ "id": regie }),
            )
            .await;
        let won = &nested["organisation"]["contractsWon"];
        assert_eq!(won["totalCount"], 2);
        assert_eq!(super::internal_ids(won), ["C2", "C1"]);
    }

    async fn contracts_resolve_by_global_id(app: &TestApp) {
        let fixture = super::write_procurement(&app.db).await;
        let id = api::graphql::node::global_id("Contract", fixture.contracts["C4"]).0;
        let data = app
            .query(
                "query($id: ID!, $ids: [ID!]!) {
                    node(id: $id) { __typename id ... on Contract { buyerInternalId amountEur buyer { name } } }
                    nodes(ids: $ids) { __typename }
                    contracts(filter: { ids: [$id] }) { nodes { id } }
                }",
                serde_json::json!({ "id": id, "ids": [id, super::organisation_id(fixture.organisations[0])] }),
            )
            .await;
        assert_eq!(data["node"]["__typename"], "Contract");
        assert_eq!(data["node"]["id"], id.as_str());
        assert_eq!(data["node"]["buyerInternalId"], "C4");
        assert_eq!(data["node"]["amountEur"], "80000.00");
        assert_eq!(data["node"]["buyer"]["name"], "Métropole Nice Côte d'Azur");
        assert_eq!(data["nodes"], serde_json::json!([{ "__typename": "Contract" }, { "__typename": "Organisation" }]));
        assert_eq!(data["contracts"]["nodes"][0]["id"], id.as_str());
        let unknown = api::graphql::node::global_id("Contract", uuid::Uuid::now_v7()).0;
        let data = app.query("query($id: ID!) { node(id: $id) { id } }", serde_json::json!({ "id": unknown })).await;
        assert!(data["node"].is_null());
    }

    async fn a_page_of_contracts_costs_a_fixed_number_of_queries(app: &TestApp) {
        super::write_procurement(&app.db).await;
        // Every contract of both pages has a buyer and suppliers with organisations and labels.
        let query = "{ contracts(first: 2) { totalCount nodes { uid buyer { name }
                suppliers { organisation { name labels { kind } } } modifications { seq } } } }";
        let (_, few) = app.query_counting_statements(query).await;
        let (data, all) = app.query_counting_statements(&query.replace("first: 2", "first: 9")).await;
        assert_eq!(data["contracts"]["nodes"].as_array().unwrap().len(), 9);
        assert_eq!(few, all, "one query per relation, whatever the page size");
        assert!(all <= 10, "{all} statements");
    }

    async fn nested_lists_page_each_parent_in_one_batch(app: &TestApp) {
        let fixture = super::write_procurement(&app.db).await;
        let id = |index: usize| super::organisation_id(fixture.organisations[index]);
        let query = r#"query($lyonBatiment: ID, $scop: ID, $villeLyon: ID, $marseille: ID, $nice: ID) {
            lyonBatiment: organisation(id: $lyonBatiment) { contractsWon { totalCount nodes { buyerInternalId } } }
            scop: organisation(id: $scop) {
                contractsWon(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { buyerInternalId } } }
            villeLyon: organisation(id: $villeLyon) { contractsWon { totalCount } contractsAwarded { totalCount } }
            marseille: organisation(id: $marseille) { contractsAwarded(first: 3) { totalCount nodes { buyerInternalId } } }
            nice: organisation(id: $nice) { contractsAwarded { totalCount nodes { buyerInternalId } } }
            bdr: territory(code: "13", level: DEPARTEMENT) { contractsAwarded { totalCount nodes { buyerInternalId } } }
            niceCommune: territory(code: "06088", level: COMMUNE) { contractsAwarded { totalCount nodes { buyerInternalId } } }
            paca: territory(code: "93", level: REGION) { contractsAwarded(first: 2) { totalCount nodes { buyerInternalId } } }
            corse: territory(code: "2A", level: DEPARTEMENT) { contractsAwarded { totalCount nodes { buyerInternalId } } }
        }"#;
        let data = app
            .query(
                query,
                serde_json::json!({
                    "lyonBatiment": id(super::LYON_BATIMENT),
                    "scop": id(super::SCOP),
                    "villeLyon": id(super::VILLE_LYON),
                    "marseille": id(super::VILLE_MARSEILLE),
                    "nice": id(super::METROPOLE_NICE),
                }),
            )
            .await;
        let won = &data["lyonBatiment"]["contractsWon"];
        assert_eq!(super::internal_ids(won), ["C6", "C3"], "C6 lists the company twice, and shows once");
        assert_eq!(won["totalCount"], 2);
        let scop = &data["scop"]["contractsWon"];
        assert_eq!(super::internal_ids(scop), ["C7", "C1"], "latest notification first");
        assert_eq!(scop["totalCount"], 3);
        assert_eq!(scop["pageInfo"]["hasNextPage"], true);
        assert_eq!(data["villeLyon"]["contractsWon"]["totalCount"], 0, "a buyer wins nothing");
        assert_eq!(data["villeLyon"]["contractsAwarded"]["totalCount"], 2);
        let marseille = &data["marseille"]["contractsAwarded"];
        assert_eq!(super::internal_ids(marseille), ["C9", "C2", "C1"]);
        assert_eq!(marseille["totalCount"], 4);
        assert_eq!(super::internal_ids(&data["nice"]["contractsAwarded"]), ["C4", "C3"]);
        let bdr = &data["bdr"]["contractsAwarded"];
        assert_eq!(super::internal_ids(bdr), ["C9", "C7", "C2", "C1", "C8"], "unknown dates last");
        assert_eq!(bdr["totalCount"], 5);
        assert_eq!(super::internal_ids(&data["niceCommune"]["contractsAwarded"]), ["C4", "C3"]);
        let paca = &data["paca"]["contractsAwarded"];
        assert_eq!(super::internal_ids(paca), ["C4", "C9"]);
        assert_eq!(paca["totalCount"], 7, "a buyer matching by territory and by establishment counts once");
        assert_eq!(data["corse"]["contractsAwarded"]["totalCount"], 0);
        let end = scop["pageInfo"]["endCursor"].as_str().unwrap();
        let next = app
            .query(
                "query($id: ID, $after: String) { organisation(id: $id) {
                    contractsWon(first: 2, after: $after) { pageInfo { hasNextPage } nodes { buyerInternalId } } } }",
                serde_json::json!({ "id": id(super::SCOP), "after": end }),
            )
            .await;
        let next = &next["organisation"]["contractsWon"];
        assert_eq!(super::internal_ids(next), ["C8"]);
        assert_eq!(next["pageInfo"]["hasNextPage"], false);
        let (code, field) = super::rejection(
            app,
            "query($id: ID) { organisation(id: $id) { contractsWon(first: 501) { totalCount } } }",
            serde_json::json!({ "id": id(super::SCOP) }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "first"));
    }

    async fn nested_lists_of_a_page_of_parents_cost_a_fixed_number_of_queries(app: &TestApp) {
        super::write_procurement(&app.db).await;
        let query = "{ organisations(first: 2) { nodes { name
                contractsWon { totalCount nodes { uid } } contractsAwarded { totalCount nodes { uid } } } }
            territories(filter: { levels: [DEPARTEMENT] }, first: 2) { nodes { contractsAwarded { totalCount nodes { uid } } } } }";
        let (_, few) = app.query_counting_statements(query).await;
        let (data, all) = app.query_counting_statements(&query.replace("first: 2", "first: 8")).await;
        assert_eq!(data["organisations"]["nodes"].as_array().unwrap().len(), 8);
        assert_eq!(few, all, "one query per nested list, whatever the number of parents");
    }
}
