//! Partnerships: lookup, every filter, both sorts both ways, paging, deletion, global ids, and
//! an organisation's partnerships (`Organisation.partnerships`).

use api::store::partnerships::insert_new;
use chrono::{NaiveDate, TimeZone, Utc};
use entity::{
    enums::{PartnershipStatus, PartnershipType, PartyRole},
    partnership, partnership_party,
};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    contracts::{
        ESAT, LYON_BATIMENT, METROPOLE_NICE, REGIE, SCOP, VILLE_MARSEILLE, organisation_id, rejection,
        write_organisations,
    },
    fixtures::date,
    harness::{TestApp, on_both_databases},
};

/// What the partnership fixture wrote.
pub struct Partnerships {
    /// Organisation ids, by the index constants of the contracts fixture.
    pub organisations: Vec<Uuid>,
    /// Partnership ids, by name.
    pub partnerships: std::collections::HashMap<&'static str, Uuid>,
}

const PTCE: &str = "Pôle Azur Solidaire";
const CONVENTION: &str = "Convention Régie – Ville de Marseille";
const CPO: &str = "CPO Jardins Partagés";
const NETWORK: &str = "Réseau Lyon Bâtiment";
const GROUPING: &str = "Ancien groupement";

/// Five partnerships (the last one is deleted by the tests that need it):
///
/// | name | type | territory | dates | parties |
/// |------|------|-----------|-------|---------|
/// | Pôle Azur Solidaire | PTCE | EPCI Métropole Nice Côte d'Azur | 2019– | ESAT lead, Régie member, Nice métropole public partner |
/// | Convention Régie – Ville de Marseille | agreement, 25 000 € | Marseille | 2022–2024 | Régie lead and member, Marseille funder |
/// | CPO Jardins Partagés | multi-year funding, 90 000 € | Bouches-du-Rhône | 2025–2027 | Marseille funder, SCOP member |
/// | Réseau Lyon Bâtiment | network | Lyon | unknown | Lyon Bâtiment member |
/// | Ancien groupement | purchasing group | Marseille | 2020– | Régie lead |
///
/// The CPO was updated on 2026-03-01, the others on 2026-01-02.
pub async fn write_partnerships(db: &DatabaseConnection) -> Partnerships {
    let organisations = write_organisations(db).await;
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let partnership = |name: &'static str,
                       kind: PartnershipType,
                       territory: &str,
                       dates: (Option<NaiveDate>, Option<NaiveDate>),
                       status: PartnershipStatus| partnership::Model {
        id: Uuid::now_v7(),
        partnership_type: kind,
        name: name.into(),
        description: Some(format!("About {name}")),
        start_date: dates.0,
        end_date: dates.1,
        territory_id: Some(territory.into()),
        amount_cents: None,
        status,
        source: "TEST".into(),
        external_id: Some(format!("partnership-{name}")),
        source_updated_at: None,
        created_at: at,
        updated_at: at,
        deleted_at: None,
        version: 1,
    };
    let ptce = partnership(
        PTCE,
        PartnershipType::Ptce,
        "EPCI:200030195",
        (Some(date(2019, 1, 1)), None),
        PartnershipStatus::Active,
    );
    let mut convention = partnership(
        CONVENTION,
        PartnershipType::PartnershipAgreement,
        "COM:13055",
        (Some(date(2022, 1, 1)), Some(date(2024, 12, 31))),
        PartnershipStatus::Ended,
    );
    convention.amount_cents = Some(2_500_000);
    let mut cpo = partnership(
        CPO,
        PartnershipType::MultiYearFunding,
        "DEP:13",
        (Some(date(2025, 1, 1)), Some(date(2027, 12, 31))),
        PartnershipStatus::Active,
    );
    cpo.amount_cents = Some(9_000_000);
    cpo.updated_at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let network = partnership(
        NETWORK,
        PartnershipType::NetworkMembership,
        "COM:69123",
        (None, None),
        PartnershipStatus::Planned,
    );
    let grouping = partnership(
        GROUPING,
        PartnershipType::PurchasingGroup,
        "COM:13055",
        (Some(date(2020, 1, 1)), None),
        PartnershipStatus::Active,
    );
    let partnerships = vec![ptce, convention, cpo, network, grouping];
    let ids: std::collections::HashMap<&'static str, Uuid> = [PTCE, CONVENTION, CPO, NETWORK, GROUPING]
        .into_iter()
        .zip(partnerships.iter().map(|p| p.id))
        .collect();
    let party = |name: &str, index: usize, role: PartyRole, joined_on: Option<NaiveDate>| partnership_party::Model {
        id: Uuid::now_v7(),
        partnership_id: ids[name],
        organisation_id: organisations[index],
        role,
        joined_on,
        left_on: None,
        created_at: at,
    };
    let parties = vec![
        party(PTCE, METROPOLE_NICE, PartyRole::PublicPartner, Some(date(2019, 1, 1))),
        party(PTCE, REGIE, PartyRole::Member, Some(date(2021, 6, 1))),
        party(PTCE, ESAT, PartyRole::Lead, Some(date(2019, 1, 1))),
        party(CONVENTION, VILLE_MARSEILLE, PartyRole::Funder, None),
        party(CONVENTION, REGIE, PartyRole::Member, None),
        party(CONVENTION, REGIE, PartyRole::Lead, None),
        party(CPO, VILLE_MARSEILLE, PartyRole::Funder, None),
        party(CPO, SCOP, PartyRole::Member, None),
        party(NETWORK, LYON_BATIMENT, PartyRole::Member, None),
        party(GROUPING, REGIE, PartyRole::Lead, None),
    ];
    let txn = db.begin().await.unwrap();
    insert_new(&txn, partnerships, parties).await.unwrap();
    txn.commit().await.unwrap();
    Partnerships {
        organisations,
        partnerships: ids,
    }
}

async fn delete_grouping(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(&format!(
            "UPDATE partnership SET deleted_at = updated_at WHERE name = '{GROUPING}'"
        ))
        .await
        .unwrap();
}

/// Names of a connection's nodes, in order.
fn names(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts the partnerships matching `filter` are exactly `expected` (in name order), total
/// included.
async fn assert_matching(app: &TestApp, filter: Value, expected: &[&str]) {
    let data = app
        .query(
            "query($filter: PartnershipFilterInput) { partnerships(filter: $filter) { totalCount nodes { name } } }",
            json!({ "filter": filter }),
        )
        .await;
    let mut expected: Vec<&str> = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(names(&data["partnerships"]), expected, "filter {filter}");
    assert_eq!(
        data["partnerships"]["totalCount"].as_i64().unwrap(),
        i64::try_from(expected.len()).unwrap(),
        "totalCount of {filter}"
    );
}

on_both_databases! {
    async fn partnership_by_id_with_parties_and_territory(app: &TestApp) {
        let fixture = super::write_partnerships(&app.db).await;
        let id = api::graphql::node::global_id("Partnership", fixture.partnerships[super::CONVENTION]).0;
        let query = "query($id: ID!) {
            partnership(id: $id) { id type name description startDate endDate amountEur status source externalId version updatedAt
                territory { name level } parties { role joinedOn leftOn organisation { name } } }
            node(id: $id) { __typename ... on Partnership { name } }
        }";
        let data = app.query(query, serde_json::json!({ "id": id })).await;
        let convention = &data["partnership"];
        assert_eq!(convention["id"], id.as_str());
        assert_eq!(convention["type"], "PARTNERSHIP_AGREEMENT");
        assert_eq!(convention["name"], super::CONVENTION);
        assert_eq!(convention["startDate"], "2022-01-01");
        assert_eq!(convention["endDate"], "2024-12-31");
        assert_eq!(convention["amountEur"], "25000.00");
        assert_eq!(convention["status"], "ENDED");
        assert_eq!(convention["source"], "TEST");
        assert_eq!(convention["version"], 1);
        assert_eq!(convention["territory"]["name"], "Marseille");
        let parties: Vec<(String, String)> = convention["parties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["role"].as_str().unwrap().to_owned(), p["organisation"]["name"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            parties,
            [
                ("LEAD".to_owned(), "Régie de Quartier du Panier".to_owned()),
                ("MEMBER".to_owned(), "Régie de Quartier du Panier".to_owned()),
                ("FUNDER".to_owned(), "Ville de Marseille".to_owned()),
            ],
            "one row per role, leads first"
        );
        assert_eq!(data["node"]["__typename"], "Partnership");
        assert_eq!(data["node"]["name"], super::CONVENTION);

        let id = api::graphql::node::global_id("Partnership", fixture.partnerships[super::PTCE]).0;
        let data = app.query(query, serde_json::json!({ "id": id })).await;
        let ptce = &data["partnership"];
        assert_eq!(ptce["type"], "PTCE");
        assert_eq!(ptce["territory"]["level"], "EPCI");
        assert!(ptce["endDate"].is_null() && ptce["amountEur"].is_null());
        let roles: Vec<&str> = ptce["parties"].as_array().unwrap().iter().map(|p| p["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["LEAD", "MEMBER", "PUBLIC_PARTNER"]);
        assert_eq!(ptce["parties"][1]["joinedOn"], "2021-06-01");

        let unknown = api::graphql::node::global_id("Partnership", super::Uuid::now_v7()).0;
        let data = app.query("query($id: ID!) { partnership(id: $id) { name } }", serde_json::json!({ "id": unknown })).await;
        assert!(data["partnership"].is_null());
        let organisation = super::organisation_id(fixture.organisations[super::REGIE]);
        let (code, field) = super::rejection(app, "query($id: ID!) { partnership(id: $id) { name } }", serde_json::json!({ "id": organisation })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "id"), "an Organisation id is no partnership");
        let (code, field) = super::rejection(app, "{ partnership(id: \"garbage!\") { name } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "id"));
    }

    async fn filters_by_type_party_territory_activity_and_update(app: &TestApp) {
        let fixture = super::write_partnerships(&app.db).await;
        let id = |index: usize| super::organisation_id(fixture.organisations[index]);
        super::assert_matching(app, serde_json::json!({}), &[super::PTCE, super::CONVENTION, super::CPO, super::NETWORK, super::GROUPING]).await;
        super::assert_matching(app, serde_json::json!({ "types": ["PTCE"] }), &[super::PTCE]).await;
        super::assert_matching(app, serde_json::json!({ "types": ["PARTNERSHIP_AGREEMENT", "MULTI_YEAR_FUNDING"] }), &[super::CONVENTION, super::CPO]).await;
        super::assert_matching(app, serde_json::json!({ "types": ["SCIC_MEMBERSHIP"] }), &[]).await;
        super::assert_matching(app, serde_json::json!({ "parties": [id(super::REGIE)] }), &[super::PTCE, super::CONVENTION, super::GROUPING]).await;
        super::assert_matching(app, serde_json::json!({ "parties": [id(super::SCOP), id(super::LYON_BATIMENT)] }), &[super::CPO, super::NETWORK]).await;
        super::assert_matching(app, serde_json::json!({ "parties": [id(super::VILLE_MARSEILLE)], "types": ["MULTI_YEAR_FUNDING"] }), &[super::CPO]).await;
        let within = |level: &str, code: &str| serde_json::json!({ "territories": [{ "level": level, "code": code }] });
        super::assert_matching(app, within("EPCI", "200030195"), &[super::PTCE]).await;
        super::assert_matching(app, within("DEPARTEMENT", "06"), &[super::PTCE]).await;
        super::assert_matching(app, within("COMMUNE", "06088"), &[]).await;
        super::assert_matching(app, within("REGION", "93"), &[super::PTCE, super::CONVENTION, super::CPO, super::GROUPING]).await;
        super::assert_matching(app, within("DEPARTEMENT", "13"), &[super::CONVENTION, super::CPO, super::GROUPING]).await;
        super::assert_matching(app, within("COMMUNE", "13055"), &[super::CONVENTION, super::GROUPING]).await;
        super::assert_matching(
            app,
            serde_json::json!({ "territories": [{ "level": "COMMUNE", "code": "69123" }, { "level": "EPCI", "code": "200030195" }] }),
            &[super::PTCE, super::NETWORK],
        )
        .await;
        super::assert_matching(app, serde_json::json!({ "activeOn": "2023-06-01" }), &[super::PTCE, super::CONVENTION, super::NETWORK, super::GROUPING]).await;
        super::assert_matching(app, serde_json::json!({ "activeOn": "2024-12-31" }), &[super::PTCE, super::CONVENTION, super::NETWORK, super::GROUPING]).await;
        super::assert_matching(app, serde_json::json!({ "activeOn": "2026-01-01" }), &[super::PTCE, super::CPO, super::NETWORK, super::GROUPING]).await;
        super::assert_matching(app, serde_json::json!({ "activeOn": "2018-01-01" }), &[super::NETWORK]).await;
        super::assert_matching(app, serde_json::json!({ "updatedSince": "2026-02-01T00:00:00Z" }), &[super::CPO]).await;
        let ids = [
            api::graphql::node::global_id("Partnership", fixture.partnerships[super::PTCE]).0,
            api::graphql::node::global_id("Partnership", fixture.partnerships[super::NETWORK]).0,
        ];
        super::assert_matching(app, serde_json::json!({ "ids": ids }), &[super::PTCE, super::NETWORK]).await;
        let filter_rejection = |filter: serde_json::Value| async move {
            super::rejection(
                app,
                "query($filter: PartnershipFilterInput) { partnerships(filter: $filter) { totalCount } }",
                serde_json::json!({ "filter": filter }),
            )
            .await
        };
        let (code, field) = filter_rejection(serde_json::json!({ "parties": [ids[0]] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.parties"));
        let (code, field) = filter_rejection(serde_json::json!({ "ids": [id(super::REGIE)] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.ids"));
        let (code, field) = filter_rejection(serde_json::json!({ "territories": [{ "level": "EPCI", "code": "200030196" }] })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.territories.code"));
    }

    async fn sorts_by_name_and_start_date_both_ways(app: &TestApp) {
        super::write_partnerships(&app.db).await;
        super::delete_grouping(app).await;
        let query = "query($order: PartnershipOrder) { partnerships(orderBy: $order) { nodes { name } } }";
        let by = |field: &str, direction: &str| serde_json::json!({ "order": { "field": field, "direction": direction } });
        // Byte-wise on both databases: "CPO" sorts before "Convention" (upper case first).
        let by_name = [super::CPO, super::CONVENTION, super::PTCE, super::NETWORK];
        assert_eq!(super::names(&app.query("{ partnerships { nodes { name } } }", serde_json::json!({})).await["partnerships"]), by_name, "by name by default");
        assert_eq!(super::names(&app.query(query, by("NAME", "ASC")).await["partnerships"]), by_name);
        let mut descending = super::names(&app.query(query, by("NAME", "DESC")).await["partnerships"]);
        descending.reverse();
        assert_eq!(descending, by_name);
        let by_start = [super::NETWORK, super::PTCE, super::CONVENTION, super::CPO];
        assert_eq!(super::names(&app.query(query, by("START_DATE", "ASC")).await["partnerships"]), by_start, "unknown start first");
        let mut descending = super::names(&app.query(query, by("START_DATE", "DESC")).await["partnerships"]);
        descending.reverse();
        assert_eq!(descending, by_start);
    }

    async fn pages_forward_and_backward_and_validates_paging(app: &TestApp) {
        super::write_partnerships(&app.db).await;
        let query = "query($first: Int, $after: String, $last: Int, $before: String, $order: PartnershipOrder) {
            partnerships(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
                totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } }
            } }";
        for order in [serde_json::json!({ "field": "NAME" }), serde_json::json!({ "field": "START_DATE", "direction": "DESC" })] {
            let page = |first: Option<i64>, after: Option<&str>, last: Option<i64>, before: Option<&str>| {
                serde_json::json!({ "first": first, "after": after, "last": last, "before": before, "order": order })
            };
            let names = |connection: &serde_json::Value| -> Vec<String> {
                connection["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap().to_owned()).collect()
            };
            let all = app.query(query, page(Some(5), None, None, None)).await["partnerships"].clone();
            assert_eq!(all["pageInfo"]["hasNextPage"], false, "exact page boundary: 5 of 5");
            let everything = names(&all);
            let cursors: Vec<String> = all["edges"].as_array().unwrap().iter().map(|e| e["cursor"].as_str().unwrap().to_owned()).collect();
            let first = app.query(query, page(Some(2), None, None, None)).await["partnerships"].clone();
            assert_eq!(names(&first), everything[..2]);
            let end = first["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
            let second = app.query(query, page(Some(3), Some(&end), None, None)).await["partnerships"].clone();
            assert_eq!(names(&second), everything[2..]);
            assert_eq!((second["pageInfo"]["hasNextPage"].as_bool(), second["pageInfo"]["hasPreviousPage"].as_bool()), (Some(false), Some(true)));
            assert_eq!(second["totalCount"], 5);
            let last = app.query(query, page(None, None, Some(3), None)).await["partnerships"].clone();
            assert_eq!(names(&last), everything[2..]);
            let start = last["pageInfo"]["startCursor"].as_str().unwrap().to_owned();
            let previous = app.query(query, page(None, None, Some(2), Some(&start))).await["partnerships"].clone();
            assert_eq!(names(&previous), everything[..2]);
            assert_eq!((previous["pageInfo"]["hasPreviousPage"].as_bool(), previous["pageInfo"]["hasNextPage"].as_bool()), (Some(false), Some(true)));
            let between = app.query(query, page(None, Some(&cursors[0]), None, Some(&cursors[4]))).await["partnerships"].clone();
            assert_eq!(names(&between), everything[1..4], "after and before together");
        }
        let (code, field) = super::rejection(app, "{ partnerships(first: 501) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "first"));
        let data = app.query("{ partnerships(first: 1, orderBy: { field: START_DATE }) { pageInfo { endCursor } } }", serde_json::json!({})).await;
        let cursor = data["partnerships"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let (code, field) = super::rejection(
            app,
            "query($after: String) { partnerships(after: $after) { totalCount } }",
            serde_json::json!({ "after": cursor }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "after"), "a cursor of another sort");
        let empty = app.query("{ partnerships(filter: { types: [CO_CONTRACTING] }) { totalCount nodes { name } pageInfo { hasNextPage } } }", serde_json::json!({})).await;
        assert_eq!(empty["partnerships"]["totalCount"], 0);
        assert_eq!(empty["partnerships"]["nodes"], serde_json::json!([]));
    }

    async fn deleted_partnerships_are_hidden_and_organisations_list_theirs_once(app: &TestApp) {
        let fixture = super::write_partnerships(&app.db).await;
        let id = |index: usize| super::organisation_id(fixture.organisations[index]);
        let query = "query($regie: ID, $marseille: ID, $lyon: ID, $none: ID) {
            regie: organisation(id: $regie) { partnerships { totalCount nodes { name } } }
            marseille: organisation(id: $marseille) {
                partnerships(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } }
            lyon: organisation(id: $lyon) { partnerships { totalCount nodes { name } } }
            none: organisation(id: $none) { partnerships { totalCount nodes { name } } }
        }";
        let data = app
            .query(
                query,
                serde_json::json!({
                    "regie": id(super::REGIE),
                    "marseille": id(super::VILLE_MARSEILLE),
                    "lyon": id(super::LYON_BATIMENT),
                    "none": id(crate::contracts::VILLE_LYON),
                }),
            )
            .await;
        let regie = &data["regie"]["partnerships"];
        assert_eq!(super::names(regie), [super::GROUPING, super::CONVENTION, super::PTCE], "two roles, one row");
        assert_eq!(regie["totalCount"], 3);
        let marseille = &data["marseille"]["partnerships"];
        assert_eq!(super::names(marseille), [super::CPO]);
        assert_eq!(marseille["totalCount"], 2);
        assert_eq!(marseille["pageInfo"]["hasNextPage"], true);
        assert_eq!(super::names(&data["lyon"]["partnerships"]), [super::NETWORK]);
        assert_eq!(data["none"]["partnerships"]["totalCount"], 0);
        let end = marseille["pageInfo"]["endCursor"].as_str().unwrap();
        let next = app
            .query(
                "query($id: ID, $after: String) { organisation(id: $id) {
                    partnerships(first: 1, after: $after) { pageInfo { hasNextPage } nodes { name } } } }",
                serde_json::json!({ "id": id(super::VILLE_MARSEILLE), "after": end }),
            )
            .await;
        let next = &next["organisation"]["partnerships"];
        assert_eq!(super::names(next), [super::CONVENTION]);
        assert_eq!(next["pageInfo"]["hasNextPage"], false);

        super::delete_grouping(app).await;
        super::assert_matching(app, serde_json::json!({}), &[super::PTCE, super::CONVENTION, super::CPO, super::NETWORK]).await;
        super::assert_matching(app, serde_json::json!({ "types": ["PURCHASING_GROUP"] }), &[]).await;
        let id = api::graphql::node::global_id("Partnership", fixture.partnerships[super::GROUPING]).0;
        let data = app.query("query($id: ID!) { partnership(id: $id) { name } node(id: $id) { id } }", serde_json::json!({ "id": id })).await;
        assert!(data["partnership"].is_null() && data["node"].is_null());
        let data = app
            .query(
                "query($id: ID) { organisation(id: $id) { partnerships { totalCount nodes { name } } } }",
                serde_json::json!({ "id": super::organisation_id(fixture.organisations[super::REGIE]) }),
            )
            .await;
        let regie = &data["organisation"]["partnerships"];
        assert_eq!(super::names(regie), [super::CONVENTION, super::PTCE]);
        assert_eq!(regie["totalCount"], 2);
    }
}
