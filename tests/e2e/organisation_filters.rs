//! Organisation lists: every filter, sort, paging direction and edge case.

use entity::enums::{EssFamily, HeadcountBand, LabelKind, OrganisationStatus};
use serde_json::{Value, json};

use crate::{
    fixtures::{AIX, AJACCIO, LYON, MARSEILLE, NICE, Org, date, write},
    harness::{TestApp, on_both_databases},
};

/// Seven organisations around the Mediterranean and one in Lyon.
pub async fn write_directory(app: &TestApp) {
    let mut scop = Org::new(
        "Société Coopérative des Jardins",
        10_000_001,
        EssFamily::Cooperative,
        MARSEILLE,
    );
    scop.legal_category = "5458";
    scop.naf = "81.30Z";
    scop.band = Some(HeadcountBand::From10To19);
    scop.created_on = Some(date(2001, 3, 1));
    scop.labels = vec![(LabelKind::Scop, date(2010, 1, 1), None)];

    let mut debrouillards = Org::new(
        "Association Les Petits Débrouillards",
        10_000_002,
        EssFamily::Association,
        AIX,
    );
    debrouillards.places.push(NICE);
    debrouillards.naf = "85.59A";
    debrouillards.band = Some(HeadcountBand::From3To5);
    debrouillards.created_on = Some(date(1995, 6, 1));
    debrouillards.labels = vec![(LabelKind::Esus, date(2020, 1, 1), Some(date(2024, 12, 31)))];

    let mut regie = Org::new(
        "Régie de Quartier du Panier",
        10_000_003,
        EssFamily::Association,
        MARSEILLE,
    );
    regie.naf = "88.99B";
    regie.band = Some(HeadcountBand::From20To49);
    regie.created_on = Some(date(2010, 9, 1));
    regie.labels = vec![
        (LabelKind::SiaeAci, date(2018, 1, 1), None),
        (LabelKind::Esus, date(2023, 1, 1), Some(date(2028, 1, 1))),
    ];

    let mut mutuelle = Org::new("Mutuelle Solidaire Provence", 10_000_004, EssFamily::Mutual, NICE);
    mutuelle.legal_category = "8210";
    mutuelle.naf = "65.12Z";
    mutuelle.band = Some(HeadcountBand::From100To199);

    let mut lyon = Org::new("Lyon Bâtiment SAS", 10_000_005, EssFamily::NonSse, LYON);
    lyon.naf = "43.21A";
    lyon.band = Some(HeadcountBand::From50To99);
    lyon.created_on = Some(date(1980, 1, 1));

    let mut ville = Org::new("Ville de Marseille", 10_000_006, EssFamily::NonSse, MARSEILLE);
    ville.legal_category = "7210";
    ville.naf = "84.11Z";
    ville.band = Some(HeadcountBand::From10000);
    ville.created_on = Some(date(1900, 1, 1));
    ville.public_territory = Some("COM:13055");

    let mut fondation = Org::new("Fondation Corse Avenir", 10_000_007, EssFamily::Foundation, AJACCIO);
    fondation.legal_category = "9300";
    fondation.naf = "88.99B";
    fondation.band = Some(HeadcountBand::Zero);
    fondation.created_on = Some(date(2015, 5, 5));
    fondation.status = OrganisationStatus::Ceased;

    write(
        &app.db,
        vec![scop, debrouillards, regie, mutuelle, lyon, ville, fondation],
    )
    .await;
}

/// Names of a connection's nodes, in order.
pub fn names(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Names of the organisations matching `filter` (default order), and the total count.
async fn matching(app: &TestApp, filter: Value) -> (Vec<String>, i64) {
    let data = app
        .query(
            "query($filter: OrganisationFilterInput) { organisations(filter: $filter) { totalCount nodes { name } } }",
            json!({ "filter": filter }),
        )
        .await;
    (
        names(&data["organisations"]),
        data["organisations"]["totalCount"].as_i64().unwrap(),
    )
}

async fn sorted_names(mut names: Vec<String>) -> Vec<String> {
    names.sort_by_key(|n| api::domain::text::fold_for_search(n));
    names
}

/// Error code and field of a request expected to fail.
async fn rejection(app: &TestApp, query: &str, variables: Value) -> (String, String) {
    let response = app.graphql(query, variables).await;
    let error = &response["errors"][0];
    assert!(!error.is_null(), "expected an error: {response}");
    (
        error["extensions"]["code"].as_str().unwrap_or_default().to_owned(),
        error["extensions"]["field"].as_str().unwrap_or_default().to_owned(),
    )
}

on_both_databases! {
    async fn filters_by_territory_at_any_level(app: &TestApp) {
        super::write_directory(app).await;
        let bouches_du_rhone = ["Régie de Quartier du Panier", "Société Coopérative des Jardins", "Ville de Marseille"];
        let (names, total) = super::matching(app, serde_json::json!({ "territories": [{ "level": "DEPARTEMENT", "code": "13" }] })).await;
        let mut expected: Vec<String> = bouches_du_rhone.iter().map(|s| s.to_string()).collect();
        expected.push("Association Les Petits Débrouillards".into());
        assert_eq!(names, super::sorted_names(expected.clone()).await);
        assert_eq!(total, 4);
        let (names, _) = super::matching(app, serde_json::json!({ "territories": [{ "level": "EPCI", "code": "200054807" }] })).await;
        assert_eq!(names, super::sorted_names(expected).await, "the Aix-Marseille métropole covers Aix and Marseille");
        let (_, total) = super::matching(app, serde_json::json!({ "territories": [{ "level": "REGION", "code": "93" }] })).await;
        assert_eq!(total, 5);
        let (names, _) = super::matching(app, serde_json::json!({ "territories": [{ "level": "COMMUNE", "code": "06088" }] })).await;
        assert_eq!(names, ["Association Les Petits Débrouillards", "Mutuelle Solidaire Provence"], "second establishments count");
        let (names, _) = super::matching(
            app,
            serde_json::json!({ "territories": [{ "level": "COMMUNE", "code": "69123" }, { "level": "DEPARTEMENT", "code": "2A" }] }),
        )
        .await;
        assert_eq!(names, ["Fondation Corse Avenir", "Lyon Bâtiment SAS"], "values within a list combine with OR");
        let (code, field) = super::rejection(
            app,
            "{ organisations(filter: { territories: [{ level: COMMUNE, code: \"20004\" }] }) { totalCount } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.territories.code"));
    }

    async fn filters_by_family_category_activity_and_status(app: &TestApp) {
        super::write_directory(app).await;
        let (names, _) = super::matching(app, serde_json::json!({ "essFamilies": ["ASSOCIATION", "MUTUAL"] })).await;
        assert_eq!(names, ["Association Les Petits Débrouillards", "Mutuelle Solidaire Provence", "Régie de Quartier du Panier"]);
        let (names, _) = super::matching(app, serde_json::json!({ "legalCategories": ["9300"] })).await;
        assert_eq!(names, ["Fondation Corse Avenir"]);
        let (names, _) = super::matching(app, serde_json::json!({ "naf": ["Q"] })).await;
        assert_eq!(names, ["Fondation Corse Avenir", "Régie de Quartier du Panier"], "section Q is divisions 86-88");
        let (names, _) = super::matching(app, serde_json::json!({ "naf": ["8899b", "43"] })).await;
        assert_eq!(names, ["Fondation Corse Avenir", "Lyon Bâtiment SAS", "Régie de Quartier du Panier"]);
        let (names, _) = super::matching(app, serde_json::json!({ "naf": ["85.5"] })).await;
        assert_eq!(names, ["Association Les Petits Débrouillards"]);
        let (names, _) = super::matching(app, serde_json::json!({ "adminStatus": ["CEASED"] })).await;
        assert_eq!(names, ["Fondation Corse Avenir"]);
        let (names, _) = super::matching(app, serde_json::json!({ "isPublicBuyer": true })).await;
        assert_eq!(names, ["Ville de Marseille"]);
        let (_, total) = super::matching(app, serde_json::json!({ "isPublicBuyer": false })).await;
        assert_eq!(total, 6);
        let (names, _) = super::matching(
            app,
            serde_json::json!({ "essFamilies": ["ASSOCIATION"], "territories": [{ "level": "COMMUNE", "code": "06088" }] }),
        )
        .await;
        assert_eq!(names, ["Association Les Petits Débrouillards"], "fields combine with AND");
        let (code, field) =
            super::rejection(app, "{ organisations(filter: { naf: [\"V\"] }) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.naf"));
        let (code, field) =
            super::rejection(app, "{ organisations(filter: { legalCategories: [\"92\"] }) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.legalCategories"));
    }

    async fn filters_by_label_validity_and_headcount(app: &TestApp) {
        super::write_directory(app).await;
        let (names, _) = super::matching(app, serde_json::json!({ "labels": ["ESUS"] })).await;
        assert_eq!(names, ["Association Les Petits Débrouillards", "Régie de Quartier du Panier"]);
        let (names, _) = super::matching(app, serde_json::json!({ "labels": ["ESUS"], "labelValidOn": "2026-06-01" })).await;
        assert_eq!(names, ["Régie de Quartier du Panier"], "the other ESUS agreement expired in 2024");
        let (names, _) = super::matching(app, serde_json::json!({ "labels": ["SCOP", "SIAE_ACI"] })).await;
        assert_eq!(names, ["Régie de Quartier du Panier", "Société Coopérative des Jardins"]);
        let (names, _) = super::matching(app, serde_json::json!({ "headcountMin": "FROM_50_TO_99" })).await;
        assert_eq!(names, ["Lyon Bâtiment SAS", "Mutuelle Solidaire Provence", "Ville de Marseille"]);
        let (names, _) = super::matching(app, serde_json::json!({ "headcountMax": "FROM_3_TO_5" })).await;
        assert_eq!(names, ["Association Les Petits Débrouillards", "Fondation Corse Avenir"]);
        let (names, _) =
            super::matching(app, serde_json::json!({ "headcountMin": "FROM_10_TO_19", "headcountMax": "FROM_20_TO_49" })).await;
        assert_eq!(names, ["Régie de Quartier du Panier", "Société Coopérative des Jardins"]);
        let (code, field) = super::rejection(
            app,
            "{ organisations(filter: { headcountMin: FROM_50_TO_99, headcountMax: ZERO }) { totalCount } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "filter.headcountMin"));
    }

    async fn name_search_ignores_case_and_accents(app: &TestApp) {
        super::write_directory(app).await;
        let (names, _) = super::matching(app, serde_json::json!({ "name": "societe cooperative" })).await;
        assert_eq!(names, ["Société Coopérative des Jardins"]);
        let (names, _) = super::matching(app, serde_json::json!({ "name": "QUARTIER régie" })).await;
        assert_eq!(names, ["Régie de Quartier du Panier"], "words in any order");
        let (names, _) = super::matching(app, serde_json::json!({ "name": "debrouillard" })).await;
        assert_eq!(names, ["Association Les Petits Débrouillards"]);
        let (names, total) = super::matching(app, serde_json::json!({ "name": "nowhere to be found" })).await;
        assert!(names.is_empty() && total == 0, "empty result");
        let (_, total) = super::matching(app, serde_json::json!({ "name": "100%_" })).await;
        assert_eq!(total, 0, "LIKE wildcards typed by users match nothing special");
    }

    async fn near_filter_and_distance_sort(app: &TestApp) {
        super::write_directory(app).await;
        let marseille = serde_json::json!({ "latitude": 43.2965, "longitude": 5.3698, "radiusKm": 10 });
        let (names, _) = super::matching(app, serde_json::json!({ "near": marseille })).await;
        assert_eq!(names, ["Régie de Quartier du Panier", "Société Coopérative des Jardins", "Ville de Marseille"]);
        let data = app
            .query(
                "{ organisations(filter: { near: { latitude: 43.2965, longitude: 5.3698, radiusKm: 30 } }, orderBy: { field: DISTANCE, direction: DESC }) { nodes { name } } }",
                serde_json::json!({}),
            )
            .await;
        let names = super::names(&data["organisations"]);
        assert_eq!(names.len(), 4);
        assert_eq!(names[0], "Association Les Petits Débrouillards", "Aix is the farthest within 30 km");
        let (code, field) = super::rejection(
            app,
            "{ organisations(orderBy: { field: DISTANCE }) { totalCount } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "sort"));
        let (code, field) = super::rejection(
            app,
            "{ organisations(filter: { near: { latitude: 95, longitude: 5, radiusKm: 3 } }) { totalCount } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "near.latitude"));
    }

    async fn sorts_by_name_and_creation_date_both_ways(app: &TestApp) {
        super::write_directory(app).await;
        let query = "query($order: OrganisationOrder) { organisations(orderBy: $order) { nodes { name } } }";
        let by = |field: &str, direction: &str| serde_json::json!({ "order": { "field": field, "direction": direction } });
        let ascending = super::names(&app.query(query, by("NAME", "ASC")).await["organisations"]);
        assert_eq!(
            ascending,
            [
                "Association Les Petits Débrouillards",
                "Fondation Corse Avenir",
                "Lyon Bâtiment SAS",
                "Mutuelle Solidaire Provence",
                "Régie de Quartier du Panier",
                "Société Coopérative des Jardins",
                "Ville de Marseille"
            ]
        );
        let mut descending = super::names(&app.query(query, by("NAME", "DESC")).await["organisations"]);
        descending.reverse();
        assert_eq!(descending, ascending);
        let by_creation = super::names(&app.query(query, by("CREATED_ON", "ASC")).await["organisations"]);
        assert_eq!(
            by_creation,
            [
                "Mutuelle Solidaire Provence",
                "Ville de Marseille",
                "Lyon Bâtiment SAS",
                "Association Les Petits Débrouillards",
                "Société Coopérative des Jardins",
                "Régie de Quartier du Panier",
                "Fondation Corse Avenir"
            ],
            "unknown creation dates first"
        );
    }

    async fn pages_forward_and_backward_across_boundaries(app: &TestApp) {
        super::write_directory(app).await;
        let query = "query($first: Int, $after: String, $last: Int, $before: String) {
            organisations(first: $first, after: $after, last: $last, before: $before) {
                totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } }
            } }";
        let page = |first: Option<i64>, after: Option<&str>, last: Option<i64>, before: Option<&str>| {
            serde_json::json!({ "first": first, "after": after, "last": last, "before": before })
        };
        let all = app.query(query, page(Some(7), None, None, None)).await["organisations"].clone();
        assert_eq!(all["pageInfo"]["hasNextPage"], false, "exact page boundary: 7 of 7");
        let cursors: Vec<String> =
            all["edges"].as_array().unwrap().iter().map(|e| e["cursor"].as_str().unwrap().to_owned()).collect();
        let names: Vec<String> =
            all["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap().to_owned()).collect();
        let six = app.query(query, page(Some(6), None, None, None)).await["organisations"].clone();
        assert_eq!(six["pageInfo"]["hasNextPage"], true);

        let first = app.query(query, page(Some(3), None, None, None)).await["organisations"].clone();
        assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
        let end = first["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let second = app.query(query, page(Some(3), Some(&end), None, None)).await["organisations"].clone();
        let second_names: Vec<&str> =
            second["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap()).collect();
        assert_eq!(second_names, names[3..6].iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(second["pageInfo"]["hasNextPage"], true);
        assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(second["totalCount"], 7, "the total ignores paging");
        let end = second["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let third = app.query(query, page(Some(3), Some(&end), None, None)).await["organisations"].clone();
        assert_eq!(third["edges"].as_array().unwrap().len(), 1);
        assert_eq!(third["pageInfo"]["hasNextPage"], false);
        let end = third["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let beyond = app.query(query, page(Some(3), Some(&end), None, None)).await["organisations"].clone();
        assert!(beyond["edges"].as_array().unwrap().is_empty(), "empty page after the last row");

        let last = app.query(query, page(None, None, Some(2), None)).await["organisations"].clone();
        let last_names: Vec<&str> = last["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap()).collect();
        assert_eq!(last_names, [names[5].as_str(), names[6].as_str()]);
        assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
        let before_third = app.query(query, page(None, None, Some(2), Some(&cursors[2]))).await["organisations"].clone();
        let before_names: Vec<&str> =
            before_third["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap()).collect();
        assert_eq!(before_names, [names[0].as_str(), names[1].as_str()]);
        assert_eq!(before_third["pageInfo"]["hasPreviousPage"], false);
        assert_eq!(before_third["pageInfo"]["hasNextPage"], true);
        let between = app.query(query, page(Some(10), Some(&cursors[0]), None, Some(&cursors[4]))).await["organisations"].clone();
        let between_names: Vec<&str> =
            between["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap()).collect();
        assert_eq!(between_names, names[1..4].iter().map(String::as_str).collect::<Vec<_>>(), "after and before together");
    }

    async fn paging_arguments_are_validated(app: &TestApp) {
        super::write_directory(app).await;
        let (code, field) = super::rejection(app, "{ organisations(first: 501) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "first"));
        let (code, field) = super::rejection(app, "{ organisations(first: -1) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "first"));
        let (code, field) = super::rejection(app, "{ organisations(first: 2, last: 2) { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "last"));
        let (code, field) = super::rejection(app, "{ organisations(after: \"bm9wZQ\") { totalCount } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "after"));
        let data = app.query("{ organisations(first: 1, orderBy: { field: CREATED_ON }) { pageInfo { endCursor } } }", serde_json::json!({})).await;
        let cursor = data["organisations"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let (code, field) = super::rejection(
            app,
            "query($after: String) { organisations(after: $after) { totalCount } }",
            serde_json::json!({ "after": cursor }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "after"), "a cursor of another sort");
        let data = app.query("{ organisations(first: 0) { totalCount nodes { name } pageInfo { hasNextPage } } }", serde_json::json!({})).await;
        assert_eq!(data["organisations"]["nodes"].as_array().unwrap().len(), 0);
        assert_eq!(data["organisations"]["pageInfo"]["hasNextPage"], true);
        let default_page = app.query("{ organisations { nodes { name } } }", serde_json::json!({})).await;
        assert_eq!(default_page["organisations"]["nodes"].as_array().unwrap().len(), 7);
    }

    async fn deleted_organisations_are_hidden_everywhere(app: &TestApp) {
        use sea_orm::ConnectionTrait;
        super::write_directory(app).await;
        app.db
            .execute_unprepared("UPDATE organisation SET deleted_at = updated_at WHERE name = 'Lyon Bâtiment SAS'")
            .await
            .unwrap();
        app.db
            .execute_unprepared(
                "UPDATE establishment SET deleted_at = updated_at WHERE commune_id = 'COM:06088' AND is_headquarters = false",
            )
            .await
            .unwrap();
        let (names, total) = super::matching(app, serde_json::json!({})).await;
        assert_eq!(total, 6);
        assert!(!names.contains(&"Lyon Bâtiment SAS".to_owned()));
        let siren = crate::fixtures::siren(10_000_005);
        let data = app.query(&format!("{{ organisation(siren: \"{siren}\") {{ name }} }}"), serde_json::json!({})).await;
        assert!(data["organisation"].is_null());
        let (names, _) = super::matching(app, serde_json::json!({ "territories": [{ "level": "COMMUNE", "code": "06088" }] })).await;
        assert_eq!(names, ["Mutuelle Solidaire Provence"], "a deleted establishment no longer places its organisation");
    }

    async fn territory_organisations_are_paged_and_filtered(app: &TestApp) {
        super::write_directory(app).await;
        let data = app
            .query(
                r#"{ bdr: territory(code: "13", level: DEPARTEMENT) {
                        all: organisations(first: 2) { totalCount pageInfo { hasNextPage } nodes { name } }
                        associations: organisations(filter: { essFamilies: [ASSOCIATION] }) { totalCount nodes { name } }
                     }
                     alpesMaritimes: territory(code: "06", level: DEPARTEMENT) { organisations { totalCount nodes { name } } } }"#,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(data["bdr"]["all"]["totalCount"], 4);
        assert_eq!(super::names(&data["bdr"]["all"]), ["Association Les Petits Débrouillards", "Régie de Quartier du Panier"]);
        assert_eq!(data["bdr"]["all"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(data["bdr"]["associations"]["totalCount"], 2);
        assert_eq!(data["alpesMaritimes"]["organisations"]["totalCount"], 2);
    }

    async fn lookups_by_natural_keys_and_global_ids(app: &TestApp) {
        super::write_directory(app).await;
        let siren = crate::fixtures::siren(10_000_002);
        let nice_siret = crate::fixtures::siret(&siren, 2);
        let data = app
            .query(
                "query($siren: String, $siret: String!) {
                    bySiren: organisation(siren: $siren) { id name }
                    bySiret: organisation(siret: $siret) { name }
                    establishment(siret: $siret) { isHeadquarters commune { name } organisation { name } }
                }",
                serde_json::json!({ "siren": siren, "siret": nice_siret }),
            )
            .await;
        assert_eq!(data["bySiret"]["name"], "Association Les Petits Débrouillards");
        assert_eq!(data["establishment"]["commune"]["name"], "Nice");
        assert_eq!(data["establishment"]["isHeadquarters"], false);
        let id = data["bySiren"]["id"].as_str().unwrap().to_owned();
        let data = app
            .query(
                "query($id: ID!, $ids: [ID!]!) {
                    node(id: $id) { id ... on Organisation { name } }
                    nodes(ids: $ids) { __typename ... on Territory { name } }
                    organisation(id: $id) { name }
                }",
                serde_json::json!({ "id": id, "ids": [id, "VGVycml0b3J5OkNPTToxMzA1NQ"] }),
            )
            .await;
        assert_eq!(data["node"]["name"], "Association Les Petits Débrouillards");
        assert_eq!(data["nodes"][0]["__typename"], "Organisation");
        assert_eq!(data["nodes"][1]["name"], "Marseille");
        assert_eq!(data["organisation"]["name"], "Association Les Petits Débrouillards");
        let (code, field) = super::rejection(app, "{ node(id: \"garbage!\") { id } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "id"));
        let (code, _) = super::rejection(app, "{ organisation { name } }", serde_json::json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT");
        let (code, field) = super::rejection(app, "{ organisation(rna: \"X123\") { name } }", serde_json::json!({})).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "rna"));
    }
}
