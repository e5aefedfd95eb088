//! The example dashboards of `examples/dashboards/`, run as a local authority would run them,
//! against the demo ecosystem, with every published figure checked against an independent
//! fold over the rows (`analytics`).

use std::collections::BTreeMap;

use api::{
    graphql::node::global_id,
    store::analytics::{
        AmountBasis, BuyerScope, LocalScale, LocalityRule, OrganisationDimension, ProcurementDimension,
        ProcurementQuery,
    },
};
use entity::enums::TerritoryLevel;
use serde_json::json;

use crate::{
    analytics::{
        EPCI, Expected, PartnershipFold, World, assert_no_lone_withheld_cell, assert_published_table, day, fold,
        organisation_fold,
    },
    harness::on_both_databases,
};

const EPCI_PROCUREMENT: &str = include_str!("../../examples/dashboards/epci_procurement_by_cpv_division.graphql");
const EPCI_TIME_SERIES: &str = include_str!("../../examples/dashboards/epci_procurement_time_series.graphql");
const SSE_ORGANISATIONS: &str = include_str!("../../examples/dashboards/sse_organisations_by_commune.graphql");
const NETWORK: &str = include_str!("../../examples/dashboards/partnership_network.graphql");

fn epci_query(group_by: Vec<ProcurementDimension>, from: chrono::NaiveDate, to: chrono::NaiveDate) -> ProcurementQuery {
    ProcurementQuery {
        scope: BuyerScope::Territory(format!("EPCI:{EPCI}")),
        from,
        to,
        amount_basis: AmountBasis::Initial,
        locality: LocalityRule::Scale(LocalScale::Epci),
        group_by,
    }
}

on_both_databases! {
    async fn example_dashboards_return_the_independently_computed_figures(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;

        // 1. EPCI procurement 2019-2025: local and SSE share by CPV division per year.
        let data = app.query(EPCI_PROCUREMENT, json!({})).await;
        let table = &data["procurementIndicators"];
        let q = epci_query(
            vec![ProcurementDimension::Year, ProcurementDimension::CpvDivision],
            day(2019, 1, 1),
            day(2025, 12, 31),
        );
        let expected = fold(&world, &q);
        assert!(expected.len() > 50, "{} cells", expected.len());
        assert_published_table(table, &expected, 3);
        let years: std::collections::BTreeSet<&str> =
            table["cells"].as_array().unwrap().iter().map(|c| c["keys"][0]["key"].as_str().unwrap()).collect();
        assert_eq!(years.into_iter().collect::<Vec<_>>(), ["2019", "2020", "2021", "2022", "2023", "2024", "2025"]);
        let total = fold(&world, &epci_query(vec![], day(2019, 1, 1), day(2025, 12, 31)));
        let mut totals = serde_json::Map::new();
        totals.insert("cells".into(), json!([table["total"].clone()]));
        assert_published_table(&serde_json::Value::Object(totals), &total, 3);
        assert_eq!(table["total"]["suppressed"], false);
        assert!(table["definitions"]["localityRule"].as_str().unwrap().contains("same_epci"));

        // 1b. The monthly time series: 24 months, every SPASER share checked.
        let data = app.query(EPCI_TIME_SERIES, json!({})).await;
        let table = &data["procurementTimeSeries"];
        assert_eq!(table["cells"].as_array().unwrap().len(), 24);
        let mut expected: BTreeMap<Vec<String>, Expected> =
            fold(&world, &epci_query(vec![ProcurementDimension::Month], day(2024, 1, 1), day(2025, 12, 31)));
        for year in [2024, 2025] {
            for month in 1..=12 {
                expected.entry(vec![format!("{year}-{month:02}")]).or_default();
            }
        }
        assert_published_table(table, &expected, 3);

        // 2. SSE organisations and estimated jobs by family in each commune of the département.
        let data = app.query(SSE_ORGANISATIONS, json!({})).await;
        let table = &data["organisationIndicators"];
        let expected = organisation_fold(
            &app.db,
            &world,
            "DEP:13",
            TerritoryLevel::Commune,
            OrganisationDimension::SseFamily,
            day(2026, 11, 1),
        )
        .await;
        let cells = table["cells"].as_array().unwrap();
        assert_eq!(cells.len(), expected.len());
        let mut withheld = Vec::new();
        let mut visible_jobs = 0.0;
        for cell in cells {
            let key = (format!("COM:{}", cell["territory"]["code"].as_str().unwrap()), cell["key"].as_str().unwrap().to_owned());
            let (organisations, sse, jobs) = expected[&key];
            let suppressed = cell["suppressed"].as_bool().unwrap();
            assert_eq!(suppressed && organisations >= 3, cell["suppressionReason"].as_str().is_some_and(|r| r.starts_with("secondary")), "{cell}");
            if organisations < 3 {
                assert!(suppressed, "{cell}");
                assert!(cell["organisations"].is_null() && cell["estimatedJobs"].is_null());
            }
            if !suppressed {
                assert_eq!(cell["organisations"], json!(organisations));
                assert_eq!(cell["sseOrganisations"], json!(sse));
                assert!((cell["estimatedJobs"].as_f64().unwrap() - jobs).abs() < 1e-6);
                visible_jobs += jobs;
            }
            withheld.push((vec![key.0, key.1], organisations > 0, suppressed));
        }
        assert!(visible_jobs > 0.0);
        assert!(withheld.iter().any(|c| c.2) && withheld.iter().any(|c| !c.2));
        assert_no_lone_withheld_cell(&withheld);
        let all = organisation_fold(&app.db, &world, "DEP:13", TerritoryLevel::Departement, OrganisationDimension::None, day(2026, 11, 1)).await;
        let (organisations, sse, jobs) = all[&("DEP:13".to_owned(), String::new())];
        assert_eq!(table["total"]["organisations"], json!(organisations));
        assert_eq!(table["total"]["sseOrganisations"], json!(sse));
        assert!((table["total"]["estimatedJobs"].as_f64().unwrap() - jobs).abs() < 1e-6);
        assert!(table["definitions"]["estimates"].as_str().unwrap().contains("ESTIMATE"));

        // 3. The partnership network of the département.
        let data = app.query(NETWORK, json!({})).await;
        let partnerships = PartnershipFold::load(&app.db, &world, "DEP:13").await;
        let (nodes, edges) = partnerships.network();
        let actual_nodes: BTreeMap<String, i64> = data["partnershipNetwork"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["id"].as_str().unwrap().to_owned(), n["partnerships"].as_i64().unwrap()))
            .collect();
        let expected_nodes: BTreeMap<String, i64> =
            nodes.iter().map(|(id, n)| (global_id("Organisation", id).0, *n)).collect();
        assert_eq!(actual_nodes, expected_nodes);
        let actual_edges: BTreeMap<(String, String), i64> = data["partnershipNetwork"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let (a, b) = (e["source"].as_str().unwrap().to_owned(), e["target"].as_str().unwrap().to_owned());
                ((a.clone().min(b.clone()), a.max(b)), e["sharedPartnerships"].as_i64().unwrap())
            })
            .collect();
        let expected_edges: BTreeMap<(String, String), i64> = edges
            .iter()
            .map(|((a, b), w)| {
                let (a, b) = (global_id("Organisation", a).0, global_id("Organisation", b).0);
                ((a.clone().min(b.clone()), a.max(b)), *w)
            })
            .collect();
        assert_eq!(actual_edges, expected_edges);
        assert!(!expected_edges.is_empty());
        let counted: i64 = data["partnershipIndicators"]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["partnerships"].as_i64().unwrap())
            .sum();
        assert_eq!(counted, partnerships.partnerships.len() as i64);
    }
}
