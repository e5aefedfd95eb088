//! Territory, establishment and label lists.

use crate::harness::on_both_databases;

on_both_databases! {
    async fn territories_filter_sort_and_page(app: &TestApp) {
        let data = app
            .query(
                r#"{ deps: territories(filter: { levels: [DEPARTEMENT], within: [{ level: REGION, code: "93" }] }) { totalCount nodes { code } }
                     biggest: territories(filter: { levels: [COMMUNE], within: [{ level: DEPARTEMENT, code: "13" }] },
                                          orderBy: { field: POPULATION, direction: DESC }, first: 2) { nodes { name } }
                     saintDenis: territories(filter: { levels: [COMMUNE], name: "saint denis" }, orderBy: { field: NAME }) { totalCount nodes { code } }
                     byName: territories(filter: { levels: [REGION] }, orderBy: { field: NAME }, first: 2) { nodes { name } pageInfo { endCursor } }
                   }"#,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(data["deps"]["totalCount"], 6);
        let codes: Vec<&str> = data["deps"]["nodes"].as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["04", "05", "06", "13", "83", "84"]);
        assert_eq!(data["biggest"]["nodes"][0]["name"], "Marseille");
        assert_eq!(data["biggest"]["nodes"][1]["name"], "Aix-en-Provence");
        let saint_denis: Vec<&str> =
            data["saintDenis"]["nodes"].as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap()).collect();
        assert!(saint_denis.contains(&"93066") && saint_denis.contains(&"97411"), "{saint_denis:?}");
        assert_eq!(data["byName"]["nodes"][0]["name"], "Auvergne-Rhône-Alpes");
        let cursor = data["byName"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let next = app
            .query(
                "query($after: String) { territories(filter: { levels: [REGION] }, orderBy: { field: NAME }, first: 1, after: $after) { nodes { name } } }",
                serde_json::json!({ "after": cursor }),
            )
            .await;
        assert_eq!(next["territories"]["nodes"][0]["name"], "Bretagne");
        let back = app
            .query(
                "query($before: String) { territories(filter: { levels: [REGION] }, orderBy: { field: NAME }, last: 1, before: $before) { nodes { name } } }",
                serde_json::json!({ "before": cursor }),
            )
            .await;
        assert_eq!(back["territories"]["nodes"][0]["name"], "Auvergne-Rhône-Alpes");
        let none = app.query(r#"{ territories(filter: { name: "zzzzqqq" }) { totalCount nodes { code } } }"#, serde_json::json!({})).await;
        assert_eq!(none["territories"]["totalCount"], 0);
    }

    async fn establishments_and_labels_lists(app: &TestApp) {
        crate::organisation_filters::write_directory(app).await;
        let data = app
            .query(
                r#"{ inNice: establishments(filter: { territories: [{ level: COMMUNE, code: "06088" }] }) { totalCount nodes { isHeadquarters organisation { name } } }
                     secondary: establishments(filter: { isHeadquarters: false }) { totalCount }
                     nearAix: establishments(filter: { near: { latitude: 43.5283, longitude: 5.4497, radiusKm: 5 } }) { nodes { commune { name } } }
                     all: establishments(first: 3, direction: DESC) { totalCount nodes { siret } }
                     esusNow: labels(filter: { kinds: [ESUS], validOn: "2026-06-01" }) { totalCount nodes { kind organisation { name } } }
                     inCorsica: labels(filter: { territories: [{ level: REGION, code: "94" }] }) { totalCount }
                     labels(direction: DESC) { totalCount nodes { validFrom } } }"#,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(data["inNice"]["totalCount"], 2);
        assert_eq!(data["secondary"]["totalCount"], 1);
        assert_eq!(data["nearAix"]["nodes"].as_array().unwrap().len(), 1);
        assert_eq!(data["nearAix"]["nodes"][0]["commune"]["name"], "Aix-en-Provence");
        assert_eq!(data["all"]["totalCount"], 8);
        let sirets: Vec<&str> = data["all"]["nodes"].as_array().unwrap().iter().map(|n| n["siret"].as_str().unwrap()).collect();
        let mut sorted = sirets.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(sirets, sorted, "descending SIRET order");
        assert_eq!(data["esusNow"]["totalCount"], 1);
        assert_eq!(data["esusNow"]["nodes"][0]["organisation"]["name"], "Régie de Quartier du Panier");
        assert_eq!(data["inCorsica"]["totalCount"], 0);
        assert_eq!(data["labels"]["totalCount"], 4);
        assert_eq!(data["labels"]["nodes"][0]["validFrom"], "2023-01-01");
    }
}
