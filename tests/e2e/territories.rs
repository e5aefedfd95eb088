//! Territories: the reference data is loaded at start-up and rolls up to EPCI, département
//! and région.

use crate::harness::on_both_databases;

on_both_databases! {
    async fn marseille_rolls_up_to_its_epci_departement_and_region(app: &TestApp) {
        let data = app
            .query(
                r#"{ territory(code: "13055", level: COMMUNE) {
                    name population siren latitude longitude geoSource
                    epci { name code } departement { code name } region { code name }
                    parent { level code }
                } }"#,
                serde_json::json!({}),
            )
            .await;
        let marseille = &data["territory"];
        assert_eq!(marseille["name"], "Marseille");
        assert_eq!(marseille["siren"], "211300553");
        assert!(marseille["population"].as_i64().unwrap() > 800_000);
        assert_eq!(marseille["epci"]["name"], "Métropole d'Aix-Marseille-Provence");
        assert_eq!(marseille["epci"]["code"], "200054807");
        assert_eq!(marseille["departement"]["code"], "13");
        assert_eq!(marseille["region"]["code"], "93");
        assert_eq!(marseille["region"]["name"], "Provence-Alpes-Côte d'Azur");
        assert_eq!(marseille["parent"]["level"], "EPCI");
        let (lat, lon) = (marseille["latitude"].as_f64().unwrap(), marseille["longitude"].as_f64().unwrap());
        assert!((43.2..43.4).contains(&lat) && (5.3..5.5).contains(&lon), "{lat},{lon}");
    }

    async fn corsica_and_overseas_codes_resolve(app: &TestApp) {
        let data = app
            .query(
                r#"{ ajaccio: territory(code: "2a004", level: COMMUNE) { name departement { code } region { code } }
                     reunion: territory(code: "97411", level: COMMUNE) { name departement { code } }
                     corse: territory(code: "2A", level: DEPARTEMENT) { name region { name } } }"#,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(data["ajaccio"]["name"], "Ajaccio");
        assert_eq!(data["ajaccio"]["departement"]["code"], "2A");
        assert_eq!(data["ajaccio"]["region"]["code"], "94");
        assert_eq!(data["reunion"]["name"], "Saint-Denis");
        assert_eq!(data["reunion"]["departement"]["code"], "974");
        assert_eq!(data["corse"]["name"], "Corse-du-Sud");
        assert_eq!(data["corse"]["region"]["name"], "Corse");
    }

    async fn children_list_the_level_below_and_any_level_asked(app: &TestApp) {
        let data = app
            .query(
                r#"{ region: territory(code: "93", level: REGION) {
                        children(first: 500) { totalCount nodes { code level } }
                        communes: children(level: COMMUNE, first: 500) { totalCount pageInfo { hasNextPage } nodes { code } }
                     }
                     marseille: territory(code: "13055", level: COMMUNE) { children(first: 50) { nodes { code level } } }
                     amp: territory(code: "200054807", level: EPCI) { children(first: 500) { totalCount nodes { code } } } }"#,
                serde_json::json!({}),
            )
            .await;
        let departements: Vec<&str> =
            data["region"]["children"]["nodes"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert_eq!(departements, ["04", "05", "06", "13", "83", "84"]);
        assert_eq!(data["region"]["children"]["totalCount"], 6);
        assert_eq!(data["region"]["communes"]["totalCount"], 946, "PACA has 946 communes (COG 2026)");
        assert_eq!(data["region"]["communes"]["nodes"].as_array().unwrap().len(), 500);
        assert_eq!(data["region"]["communes"]["pageInfo"]["hasNextPage"], true);
        let arrondissements = data["marseille"]["children"]["nodes"].as_array().unwrap();
        assert_eq!(arrondissements.len(), 16);
        assert!(arrondissements.iter().all(|a| a["level"] == "ARRONDISSEMENT_MUNICIPAL"));
        assert_eq!(data["amp"]["children"]["totalCount"], 92);
        assert_eq!(data["amp"]["children"]["nodes"].as_array().unwrap().len(), 92);
    }

    async fn nested_relations_are_batched_not_one_query_per_parent(app: &TestApp) {
        let (data, statements) = app
            .query_counting_statements(
                r#"{ territory(code: "13", level: DEPARTEMENT) {
                    children(first: 500) { nodes { name parent { name } epci { name region { name } } departement { name } region { name } } }
                } }"#,
            )
            .await;
        let communes = data["territory"]["children"]["nodes"].as_array().unwrap();
        assert_eq!(communes.len(), 119, "Bouches-du-Rhône has 119 communes");
        assert!(communes.iter().all(|c| c["region"]["name"] == "Provence-Alpes-Côte d'Azur"));
        // One query for the département, one for its communes, then one batch per level of
        // nesting for parents, EPCI, département and région: never one per commune.
        assert!(statements <= 6, "{statements} SQL statements for {} communes", communes.len());
    }

    async fn reference_tables_are_complete(app: &TestApp) {
        assert!(app.scalar("SELECT COUNT(*) FROM territory WHERE level = 'commune'").await > 34_000);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM territory WHERE level = 'epci'").await, 1255);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM territory WHERE level = 'arrondissement_municipal'").await, 45);
        // Every current commune lies within a région through the closure table.
        let orphans = app
            .scalar(
                "SELECT COUNT(*) FROM territory t WHERE t.level = 'commune' AND NOT EXISTS \
                 (SELECT 1 FROM territory_membership m WHERE m.territory_id = t.id AND m.ancestor_level = 'region')",
            )
            .await;
        assert_eq!(orphans, 0);
        assert!(app.scalar("SELECT COUNT(*) FROM postal_code_commune WHERE postal_code = '13001'").await >= 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM legal_category WHERE code = '9220'").await, 1);
    }

    async fn bad_codes_are_rejected_with_the_field_and_value(app: &TestApp) {
        let response = app
            .graphql(r#"{ territory(code: "20004", level: COMMUNE) { name } }"#, serde_json::json!({}))
            .await;
        let error = &response["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], "code");
        assert_eq!(error["extensions"]["value"], "20004");
        assert!(error["message"].as_str().unwrap().contains("20004"), "{error}");
        let response = app
            .graphql(r#"{ territory(code: "13055", level: COMMUNE) { children(first: 501) { nodes { code } } } }"#, serde_json::json!({}))
            .await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(response["errors"][0]["extensions"]["field"], "first");
        let unknown = app.query(r#"{ territory(code: "99", level: DEPARTEMENT) { name } }"#, serde_json::json!({})).await;
        assert!(unknown["territory"].is_null());
    }
}
