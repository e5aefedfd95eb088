//! Short food supply chains: supply links written in bulk (every fault of an item named, a
//! second identical batch UNCHANGED), read with every filter and order, in the change feed,
//! deleted; the PAT list imported (Windows-1252 rows, `None` cells, malformed and unknown
//! commune codes, rows without id or name, repeated ids; a second import writes nothing) and
//! read as a scope of food projects and of supply links.

use api::import::{
    RejectReport,
    agence_bio::import_agence_bio,
    canteens::{import_canteens, import_declarations},
    pat::{PatOptions, import_pat},
    purchases::import_purchases,
};
use entity::enums::ApiRole;
use serde_json::{Value, json};

use crate::{
    contracts::{ESAT, LYON_BATIMENT, METROPOLE_NICE, SCOP, VILLE_MARSEILLE, siret_of, write_organisations},
    harness::{TestApp, on_both_databases},
    writes::{data, key},
};

on_both_databases! {
    async fn supply_links_are_written_filtered_fed_and_deleted(app: &TestApp) {
        super::supply_links_are_written_filtered_fed_and_deleted(app).await
    }

    async fn the_pat_list_is_imported_and_scopes_supply_links(app: &TestApp) {
        super::the_pat_list_is_imported_and_scopes_supply_links(app).await
    }

    async fn canteen_purchases_are_summed_into_supply_links(app: &TestApp) {
        super::canteen_purchases_are_summed_into_supply_links(app).await
    }

    async fn food_supply_indicators_sum_a_scope_and_withhold_small_cells(app: &TestApp) {
        super::food_supply_indicators_sum_a_scope_and_withhold_small_cells(app).await
    }

    async fn the_food_dashboard_example_runs_on_the_demo(app: &TestApp) {
        super::the_food_dashboard_example_runs_on_the_demo(app).await
    }

    async fn the_food_supply_network_links_buyers_to_suppliers(app: &TestApp) {
        super::the_food_supply_network_links_buyers_to_suppliers(app).await
    }

    async fn the_canteen_register_and_declarations_are_imported_and_counted(app: &TestApp) {
        super::the_canteen_register_and_declarations_are_imported_and_counted(app).await
    }

    async fn organic_operators_are_imported_labelled_and_counted_by_channel(app: &TestApp) {
        super::organic_operators_are_imported_labelled_and_counted_by_channel(app).await
    }
}

const UPSERT: &str = "mutation($input: UpsertSupplyLinksInput!) { upsertSupplyLinks(input: $input) {
    results { index status externalId userErrors { field message code } } } }";

/// Three valid links and two malformed ones, by a partner.
fn items() -> Value {
    let unknown = crate::fixtures::siret(&crate::fixtures::siren(55_550_001), 1);
    json!([
        { "externalId": "l0", "buyerSiret": siret_of(VILLE_MARSEILLE, 1), "supplierSiret": siret_of(SCOP, 1),
          "productFamily": "DAIRY", "channel": "DIRECT", "periodStart": "2025-01-01", "periodEnd": "2025-12-31",
          "amount": "1200.50", "evidence": "CANTEEN_PURCHASE" },
        { "externalId": "l1", "buyerSiret": siret_of(VILLE_MARSEILLE, 1), "supplierName": " GAEC des Collines ",
          "productFamily": "FRUIT_VEGETABLES", "channel": "ONE_INTERMEDIARY", "periodStart": "2026-01-01" },
        { "externalId": "l2", "buyerSiret": siret_of(METROPOLE_NICE, 1), "supplierSiret": siret_of(LYON_BATIMENT, 1),
          "productFamily": "OTHER", "channel": "LONG", "periodStart": "2024-01-01", "periodEnd": "2024-12-31",
          "amount": "80" },
        { "externalId": "l3", "buyerSiret": unknown, "productFamily": "DAIRY", "evidence": "DECP_CONTRACT",
          "periodStart": "2025-06-01", "periodEnd": "2025-01-01", "amount": "-3" },
        { "externalId": "l4", "buyerSiret": "123", "supplierSiret": siret_of(ESAT, 1), "productFamily": "BAKERY",
          "periodStart": "2025-01-01", "contractUid": "nothing-of-the-kind" },
    ])
}

/// The external ids of a `supplyLinks` page, in order.
async fn listed(app: &TestApp, arguments: &str) -> Vec<String> {
    let body = app
        .query(
            &format!("{{ supplyLinks{arguments} {{ totalCount nodes {{ externalId }} }} }}"),
            json!({}),
        )
        .await;
    let connection = &body["supplyLinks"];
    let ids: Vec<String> = connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{arguments}: {body:#}"))
        .iter()
        .map(|n| n["externalId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(connection["totalCount"], ids.len(), "{arguments}: {body:#}");
    ids
}

async fn supply_links_are_written_filtered_fed_and_deleted(app: &TestApp) {
    write_organisations(&app.db).await;
    let partner = key(app, ApiRole::Partner, Some("PARTNER:cantines")).await;
    let written = data(app, &partner, UPSERT, json!({ "input": { "items": items() } })).await;
    let results = written["upsertSupplyLinks"]["results"].as_array().unwrap().clone();
    let statuses: Vec<&str> = results.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["CREATED", "CREATED", "CREATED", "REJECTED", "REJECTED"],
        "{written:#}"
    );
    let faults = |index: usize| -> Vec<(String, String)> {
        results[index]["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let mut third = faults(3);
    third.sort();
    let expected: Vec<(String, String)> = [
        ("items.3.amount", "BAD_USER_INPUT"),
        ("items.3.buyerSiret", "NOT_FOUND"),
        ("items.3.contractUid", "BAD_USER_INPUT"),
        ("items.3.periodEnd", "BAD_USER_INPUT"),
        ("items.3.supplierSiret", "BAD_USER_INPUT"),
    ]
    .iter()
    .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(third, expected, "{written:#}");
    let mut fourth = faults(4);
    fourth.sort();
    assert_eq!(
        fourth,
        [
            ("items.4.buyerSiret".to_owned(), "BAD_USER_INPUT".to_owned()),
            ("items.4.contractUid".to_owned(), "NOT_FOUND".to_owned()),
        ],
        "{written:#}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM supply_link").await, 3);

    // The same batch again writes nothing.
    let log = app.scalar("SELECT COUNT(*) FROM change_log").await;
    let again = data(app, &partner, UPSERT, json!({ "input": { "items": items() } })).await;
    let statuses: Vec<&str> = again["upsertSupplyLinks"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses[..3], ["UNCHANGED", "UNCHANGED", "UNCHANGED"], "{again:#}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, log);

    // What the store derived: the establishments, distance and locality, the short chain.
    let body = app
        .query(
            r#"{ supplyLinks(orderBy: { field: AMOUNT, direction: DESC }) { nodes {
                externalId buyer { siret } buyerOrganisation { name } supplier { siret } supplierOrganisation { name }
                supplierName channel shortChain localityLevel distanceKm amountEur evidence periodStart periodEnd source version } } }"#,
            json!({}),
        )
        .await;
    let nodes = body["supplyLinks"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body:#}"));
    let order: Vec<&str> = nodes.iter().map(|n| n["externalId"].as_str().unwrap()).collect();
    assert_eq!(order, ["l0", "l2", "l1"], "by amount, unknown last: {body:#}");
    let dairy = &nodes[0];
    assert_eq!(dairy["buyerOrganisation"]["name"], "Ville de Marseille");
    assert_eq!(dairy["supplierOrganisation"]["name"], "SCOP Bâtisseurs d'Aix");
    assert_eq!(dairy["localityLevel"], "SAME_EPCI", "Aix and Marseille: {dairy:#}");
    let km = dairy["distanceKm"].as_f64().unwrap();
    assert!((20.0..30.0).contains(&km), "{km}");
    assert_eq!(
        (
            &dairy["amountEur"],
            &dairy["shortChain"],
            &dairy["evidence"],
            &dairy["source"]
        ),
        (
            &json!("1200.50"),
            &json!(true),
            &json!("CANTEEN_PURCHASE"),
            &json!("PARTNER:cantines")
        )
    );
    assert_eq!(nodes[1]["localityLevel"], "NATIONAL");
    assert_eq!(nodes[1]["shortChain"], false);
    assert_eq!(
        (
            &nodes[2]["supplierName"],
            &nodes[2]["supplier"],
            &nodes[2]["localityLevel"],
            &nodes[2]["evidence"]
        ),
        (
            &json!("GAEC des Collines"),
            &Value::Null,
            &json!("UNKNOWN"),
            &json!("PARTNER")
        )
    );

    // Every filter.
    assert_eq!(
        listed(app, "(filter: { channels: [DIRECT, ONE_INTERMEDIARY] })").await,
        ["l0", "l1"]
    );
    assert_eq!(listed(app, "(filter: { productFamilies: [DAIRY] })").await, ["l0"]);
    assert_eq!(
        listed(
            app,
            r#"(filter: { buyerTerritories: [{ level: DEPARTEMENT, code: "06" }] })"#
        )
        .await,
        ["l2"]
    );
    assert_eq!(
        listed(app, "(filter: { supplierFamilies: [COOPERATIVE] })").await,
        ["l0"]
    );
    assert_eq!(listed(app, "(filter: { supplierLabels: [SCOP] })").await, ["l0"]);
    assert_eq!(listed(app, r#"(filter: { periodFrom: "2026-01-01" })"#).await, ["l1"]);
    assert_eq!(listed(app, r#"(filter: { periodTo: "2024-06-30" })"#).await, ["l2"]);
    assert_eq!(listed(app, "(filter: { evidence: [PARTNER] })").await, ["l2", "l1"]);
    assert_eq!(listed(app, "(orderBy: { direction: DESC })").await, ["l1", "l0", "l2"]);
    let upside_down = app
        .graphql(
            r#"{ supplyLinks(filter: { periodFrom: "2026-01-01", periodTo: "2025-01-01" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        upside_down["errors"][0]["extensions"]["field"], "filter.periodTo",
        "{upside_down:#}"
    );

    // By global id, in the change feed, deleted.
    let id = app
        .query(
            r#"{ supplyLinks(filter: { productFamilies: [DAIRY] }) { nodes { id } } }"#,
            json!({}),
        )
        .await["supplyLinks"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let node = app
        .query(
            "query($id: ID!) { node(id: $id) { ... on SupplyLink { externalId } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["node"]["externalId"], "l0", "{node:#}");
    let feed = app
        .query(
            "{ changes(entities: [SUPPLY_LINK]) { events { operation record { ... on SupplyLink { externalId } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(feed["changes"]["events"].as_array().map(Vec::len), Some(3), "{feed:#}");
    let deleted = data(
        app,
        &partner,
        "mutation($input: DeleteInput!) { deleteSupplyLink(input: $input) { deletedId userErrors { message } } }",
        json!({ "input": { "id": id } }),
    )
    .await;
    assert_eq!(deleted["deleteSupplyLink"]["deletedId"], id.as_str(), "{deleted:#}");
    assert_eq!(listed(app, "").await, ["l2", "l1"], "l0 is deleted");
    let tombstone = app
        .query(
            "{ changes(entities: [SUPPLY_LINK]) { events { operation } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        tombstone["changes"]["events"].as_array().unwrap().last().unwrap()["operation"],
        "DELETE"
    );
}

/// Imports the sample PAT list; the summary and the reject report's lines.
async fn import(app: &TestApp) -> (api::import::Summary, Vec<Value>) {
    let options = PatOptions {
        quiet: true,
        ..PatOptions::default()
    };
    with_report(async |report| {
        import_pat(&app.db, &fixture("pat/pat-sample.csv"), &options, report)
            .await
            .unwrap()
    })
    .await
}

/// A file of `tests/fixtures`.
fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs an import writing its reject report to a temporary file; its summary and the report's
/// lines.
async fn with_report(
    run: impl AsyncFnOnce(&mut RejectReport) -> api::import::Summary,
) -> (api::import::Summary, Vec<Value>) {
    let report_path = std::env::temp_dir().join(format!("terrasse-supply-{}.jsonl", uuid::Uuid::now_v7()));
    let mut report = RejectReport::to_file(&report_path).unwrap();
    let summary = run(&mut report).await;
    report.finish().unwrap();
    let lines = std::fs::read_to_string(&report_path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    std::fs::remove_file(&report_path).unwrap();
    (summary, lines)
}

async fn the_pat_list_is_imported_and_scopes_supply_links(app: &TestApp) {
    let (summary, lines) = import(app).await;
    assert_eq!(
        (
            summary.read,
            summary.imported,
            summary.rejected,
            summary.rejected_fields
        ),
        (6, 3, 3, 3),
        "{summary} {lines:#?}"
    );
    let mut rejected: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["record"].as_str().unwrap().to_owned(),
                l["field"].as_str().unwrap().to_owned(),
                l["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    rejected.sort();
    assert_eq!(
        rejected,
        [
            ("#4", "record", ""),
            ("PAT-AIX", "communes_code_insee", "13999"),
            ("PAT-AIX", "communes_code_insee", "ABCDE"),
            ("PAT-AIX", "record", ""),
            ("PAT-CORSE", "lien_vers_la_fiche_pat", "ftp://pat.example/corse"),
            ("PAT-VIDE", "record", ""),
        ]
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect::<Vec<_>>(),
        "{lines:#?}"
    );
    // A second import writes nothing.
    let (again, _) = import(app).await;
    assert_eq!((again.imported, again.updated, again.unchanged), (0, 0, 3), "{again}");

    // Read back: the Windows-1252 row, the communes with their leading zero, `None` cells.
    let corse = app
        .query(
            r#"{ foodProject(code: "PAT-CORSE") { name sheetUrl communeCount communes { code } source } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        corse["foodProject"],
        json!({ "name": "Pàtt Cörse – Pays ajaccien", "sheetUrl": null, "communeCount": 1,
                "communes": [{ "code": "2A004" }], "source": "PAT" }),
        "{corse:#}"
    );
    let nice = app
        .query(
            r#"{ foodProjects(filter: { search: "nice" }) { nodes { code usualName communes { code } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        nice["foodProjects"]["nodes"],
        json!([{ "code": "PAT-NICE", "usualName": null, "communes": [{ "code": "06088" }] }]),
        "{nice:#}"
    );
    let in_13 = app
        .query(
            r#"{ foodProjects(filter: { territories: [{ level: DEPARTEMENT, code: "13" }] }) { totalCount nodes { id code communeCount } } }"#,
            json!({}),
        )
        .await;
    let aix = &in_13["foodProjects"]["nodes"][0];
    assert_eq!(
        (&aix["code"], &aix["communeCount"]),
        (&json!("PAT-AIX"), &json!(2)),
        "{in_13:#}"
    );
    assert_eq!(in_13["foodProjects"]["totalCount"], 1);
    let aix_id = aix["id"].as_str().unwrap().to_owned();
    let by_id = app
        .query(
            "query($id: ID!) { node(id: $id) { ... on FoodProject { code } } }",
            json!({ "id": aix_id }),
        )
        .await;
    assert_eq!(by_id["node"]["code"], "PAT-AIX", "{by_id:#}");

    // Supply links whose buyer is in the PAT's communes (Marseille), not in Nice.
    write_organisations(&app.db).await;
    let partner = key(app, ApiRole::Partner, Some("PARTNER:cantines")).await;
    data(app, &partner, UPSERT, json!({ "input": { "items": items() } })).await;
    let scoped = listed(app, &format!(r#"(filter: {{ foodProjects: ["{aix_id}"] }})"#)).await;
    assert_eq!(scoped, ["l0", "l1"]);
    let neither = app
        .graphql(r#"{ foodProject(id: "x", code: "PAT-AIX") { code } }"#, json!({}))
        .await;
    assert_eq!(
        neither["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{neither:#}"
    );
}

async fn canteen_purchases_are_summed_into_supply_links(app: &TestApp) {
    write_organisations(&app.db).await;
    let import = async || {
        with_report(async |report| {
            import_purchases(
                &app.db,
                &fixture("purchases/achats-sample.csv"),
                "PARTNER:cantines",
                true,
                report,
            )
            .await
            .unwrap()
        })
        .await
    };
    let (summary, lines) = import().await;
    // Nine rows: three refused (SIRET, date, price), one family read as OTHER; five links, of
    // which the unknown canteen's is refused by the store.
    assert_eq!(
        (
            summary.read,
            summary.rejected,
            summary.rejected_fields,
            summary.imported
        ),
        (9, 4, 1, 4),
        "{summary} {lines:#?}"
    );
    let mut fields: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["field"].as_str().unwrap().to_owned(),
                l["rejected"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("buyerSiret", "record"),
            ("date", "record"),
            ("famille_produits", "field"),
            ("prix_ht", "record"),
            ("siret", "record"),
        ]
        .map(|(f, r)| (f.to_owned(), r.to_owned())),
        "{lines:#?}"
    );
    let (again, _) = import().await;
    assert_eq!((again.imported, again.updated, again.unchanged), (0, 0, 4), "{again}");

    let body = app
        .query(
            "{ supplyLinks(orderBy: { field: AMOUNT, direction: DESC }) { nodes {
                buyer { siret } supplierName productFamily channel shortChain evidence amountEur periodStart periodEnd description } } }",
            json!({}),
        )
        .await;
    let nodes = &body["supplyLinks"]["nodes"];
    assert_eq!(
        nodes[0],
        json!({ "buyer": { "siret": siret_of(METROPOLE_NICE, 1) }, "supplierName": "Boulangerie du port",
                "productFamily": "BAKERY", "channel": "ONE_INTERMEDIARY", "shortChain": true,
                "evidence": "CANTEEN_PURCHASE", "amountEur": "1000.00", "periodStart": "2026-01-05",
                "periodEnd": "2026-01-05", "description": "local as the canteen defines it: km, 30 km" }),
        "{body:#}"
    );
    // The two yoghurt purchases, one supplier spelt two ways: one link, summed, over both dates.
    let dairy = nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["productFamily"] == "DAIRY")
        .unwrap_or_else(|| panic!("{body:#}"));
    assert_eq!(
        (
            &dairy["amountEur"],
            &dairy["periodStart"],
            &dairy["periodEnd"],
            &dairy["supplierName"]
        ),
        (
            &json!("200.00"),
            &json!("2025-03-02"),
            &json!("2025-06-15"),
            &json!("GAEC des Collines")
        ),
        "{body:#}"
    );
    let channels: Vec<&str> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["channel"].as_str().unwrap())
        .collect();
    assert_eq!(
        channels,
        ["ONE_INTERMEDIARY", "LONG", "ONE_INTERMEDIARY", "UNKNOWN"],
        "{body:#}"
    );
}

const INDICATORS: &str = "query($scope: FoodScopeInput!, $groupBy: FoodSupplyDimension) {
    foodSupplyIndicators(scope: $scope, period: { from: \"2025-01-01\", to: \"2026-12-31\" }, groupBy: $groupBy) {
        definitions { counted confidentiality }
        total { suppressed suppressionReason links buyers suppliers amountEur
                shortChain { ofLinks ofAmount } local { ofLinks ofAmount } sse { ofLinks ofAmount } }
        cells { key suppressed links amountEur } } }";

async fn food_supply_indicators_sum_a_scope_and_withhold_small_cells(app: &TestApp) {
    write_organisations(&app.db).await;
    let partner = key(app, ApiRole::Partner, Some("PARTNER:cantines")).await;
    data(app, &partner, UPSERT, json!({ "input": { "items": items() } })).await;
    // The Bouches-du-Rhône: the two links bought by Marseille (l2, bought by Nice in 2024, is
    // out of scope and period).
    let scope = json!({ "territory": { "level": "DEPARTEMENT", "code": "13" } });
    let seen = data(
        app,
        &partner,
        INDICATORS,
        json!({ "scope": scope, "groupBy": "CHANNEL" }),
    )
    .await;
    let indicators = &seen["foodSupplyIndicators"];
    assert_eq!(
        indicators["total"],
        json!({ "suppressed": false, "suppressionReason": null, "links": 2, "buyers": 1, "suppliers": 2,
                "amountEur": "1200.50", "shortChain": { "ofLinks": 1.0, "ofAmount": 1.0 },
                "local": { "ofLinks": 0.5, "ofAmount": 1.0 }, "sse": { "ofLinks": 0.5, "ofAmount": 1.0 } }),
        "{seen:#}"
    );
    assert_eq!(
        indicators["cells"],
        json!([{ "key": "direct", "suppressed": false, "links": 1, "amountEur": "1200.50" },
               { "key": "one_intermediary", "suppressed": false, "links": 1, "amountEur": "0.00" }]),
        "{seen:#}"
    );
    // Published to anonymous callers: two suppliers are too few, every figure is withheld.
    let public = app.query(INDICATORS, json!({ "scope": scope })).await;
    let total = &public["foodSupplyIndicators"]["total"];
    assert_eq!(
        (&total["suppressed"], &total["links"]),
        (&json!(true), &Value::Null),
        "{public:#}"
    );
    assert!(
        total["suppressionReason"].as_str().unwrap().contains("suppliers"),
        "{public:#}"
    );
    // Nice's food project scope: none of these links.
    let (summary, _) = import(app).await;
    assert_eq!(summary.imported, 3);
    let nice = app
        .query(r#"{ foodProject(code: "PAT-NICE") { id } }"#, json!({}))
        .await["foodProject"]["id"]
        .clone();
    let in_nice = data(app, &partner, INDICATORS, json!({ "scope": { "foodProject": nice } })).await;
    assert_eq!(in_nice["foodSupplyIndicators"]["total"]["links"], 0, "{in_nice:#}");
    // A scope must be one thing.
    let both = app
        .graphql(
            INDICATORS,
            json!({ "scope": { "territory": { "level": "REGION", "code": "93" }, "foodProject": nice } }),
        )
        .await;
    assert_eq!(both["errors"][0]["extensions"]["field"], "scope", "{both:#}");
}

const FOOD_EXAMPLE: &str = include_str!("../../examples/dashboards/food_supply_short_chains.graphql");

/// The food dashboard example on the demo ecosystem: its totals are the rows' own.
async fn the_food_dashboard_example_runs_on_the_demo(app: &TestApp) {
    api::seed::demo::seed_demo(&app.db).await.unwrap();
    let admin = key(app, ApiRole::Admin, None).await;
    let answer = data(app, &admin, FOOD_EXAMPLE, json!({})).await;
    let total = &answer["foodSupplyIndicators"]["total"];
    let in_scope = "FROM supply_link l JOIN establishment b ON b.id = l.buyer_establishment_id \
        JOIN territory_membership m ON m.territory_id = b.commune_id AND m.ancestor_id = 'DEP:13' \
        WHERE l.deleted_at IS NULL AND l.period_start <= '2026-12-31' \
        AND (l.period_end IS NULL OR l.period_end >= '2025-01-01')";
    let links = app.scalar(&format!("SELECT COUNT(*) {in_scope}")).await;
    assert!(links > 0, "the demo has food links in the Bouches-du-Rhône");
    assert_eq!(total["links"], links, "{answer:#}");
    let cents = app
        .scalar(&format!(
            "SELECT CAST(COALESCE(SUM(l.amount_cents), 0) AS BIGINT) {in_scope}"
        ))
        .await;
    let euros: rust_decimal::Decimal = total["amountEur"].as_str().unwrap().parse().unwrap();
    assert_eq!(euros, rust_decimal::Decimal::new(cents, 2), "{answer:#}");
    let cells: i64 = answer["foodSupplyIndicators"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["links"].as_i64().unwrap())
        .sum();
    assert_eq!(cells, links, "the families add up to the total: {answer:#}");
    // The DECP food spend, from the contracts: those with suppliers, of the scope's buyers.
    let food_contracts = "FROM contract c JOIN establishment b ON b.id = c.buyer_establishment_id \
        JOIN territory_membership m ON m.territory_id = b.commune_id AND m.ancestor_id = 'DEP:13' \
        WHERE c.deleted_at IS NULL AND c.cpv_division IN ('03', '15') \
        AND c.notified_on >= '2025-01-01' AND c.notified_on <= '2026-12-31' \
        AND EXISTS (SELECT 1 FROM contract_supplier s WHERE s.contract_id = c.id)";
    let spend = &answer["foodSupplyIndicators"]["decpFoodSpend"];
    let contracts = app.scalar(&format!("SELECT COUNT(*) {food_contracts}")).await;
    assert!(contracts > 0, "the demo has food contracts in the Bouches-du-Rhône");
    assert_eq!(spend["contracts"], contracts, "{answer:#}");
    let cents = app
        .scalar(&format!(
            "SELECT CAST(COALESCE(SUM(c.amount_cents), 0) AS BIGINT) {food_contracts}"
        ))
        .await;
    let euros: rust_decimal::Decimal = spend["amountEur"].as_str().unwrap().parse().unwrap();
    assert!(
        (euros - rust_decimal::Decimal::new(cents, 2)).abs() <= rust_decimal::Decimal::ONE,
        "{euros} against {cents} cents: {answer:#}"
    );
    let listed = &answer["supplyLinks"];
    assert!(listed["totalCount"].as_i64().unwrap() > 0, "{answer:#}");
    assert_eq!(listed["nodes"][0]["evidence"], "DECP_CONTRACT", "{answer:#}");
}

const NETWORK: &str = "query($scope: FoodScopeInput!) {
    foodSupplyNetwork(scope: $scope, period: { from: \"2024-01-01\", to: \"2026-12-31\" }) {
        definitions { counted confidentiality }
        nodes { key organisationId name essFamily role }
        edges { source target links amountEur shortChainLinks channel } } }";

async fn the_food_supply_network_links_buyers_to_suppliers(app: &TestApp) {
    let organisations = write_organisations(&app.db).await;
    let partner = key(app, ApiRole::Partner, Some("PARTNER:cantines")).await;
    data(app, &partner, UPSERT, json!({ "input": { "items": items() } })).await;
    let region = json!({ "territory": { "level": "REGION", "code": "93" } });
    let answer = app.query(NETWORK, json!({ "scope": region })).await;
    let network = &answer["foodSupplyNetwork"];
    let org = |index: usize| api::graphql::node::global_id("Organisation", organisations[index]).0;
    assert_eq!(
        network["edges"],
        json!([
            { "source": org(VILLE_MARSEILLE), "target": org(SCOP), "links": 1, "amountEur": "1200.50",
              "shortChainLinks": 1, "channel": "DIRECT" },
            { "source": org(METROPOLE_NICE), "target": org(LYON_BATIMENT), "links": 1, "amountEur": "80.00",
              "shortChainLinks": 0, "channel": "LONG" },
            { "source": org(VILLE_MARSEILLE), "target": "name:gaec des collines", "links": 1, "amountEur": "0.00",
              "shortChainLinks": 1, "channel": "ONE_INTERMEDIARY" },
        ]),
        "{answer:#}"
    );
    let nodes = network["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5, "{answer:#}");
    let gaec = nodes.iter().find(|n| n["key"] == "name:gaec des collines").unwrap();
    assert_eq!(
        (&gaec["organisationId"], &gaec["name"], &gaec["role"]),
        (&Value::Null, &json!("GAEC des Collines"), &json!("SUPPLIER")),
        "the declared name, as first written: {answer:#}"
    );
    let scop = nodes.iter().find(|n| n["key"] == org(SCOP).as_str()).unwrap();
    assert_eq!(
        (&scop["essFamily"], &scop["role"]),
        (&json!("COOPERATIVE"), &json!("SUPPLIER"))
    );
    let marseille = nodes
        .iter()
        .find(|n| n["key"] == org(VILLE_MARSEILLE).as_str())
        .unwrap();
    assert_eq!(marseille["role"], "BUYER");
}

const CANTEEN_INDICATORS: &str = "query($groupBy: CanteenIndicatorDimension) {
    canteenIndicators(scope: { territory: { level: DEPARTEMENT, code: \"13\" } }, year: 2024, groupBy: $groupBy) {
        definitions { counted amountBasis confidentiality }
        total { suppressed canteens declaring yearlyMeals organicShare egalimShare }
        cells { key canteens declaring } } }";

async fn the_canteen_register_and_declarations_are_imported_and_counted(app: &TestApp) {
    write_organisations(&app.db).await;
    let register = async || {
        let mut report_lines = Vec::new();
        let (summary, lines) = with_report(async |report| {
            let summary = import_canteens(&app.db, &fixture("canteens/registre_cantines.csv"), true, report)
                .await
                .unwrap();
            report_lines.push(summary);
            summary.canteens
        })
        .await;
        (report_lines.pop().unwrap(), summary, lines)
    };
    let (whole, canteens, lines) = register().await;
    assert_eq!(
        (
            canteens.read,
            canteens.imported,
            canteens.rejected,
            canteens.rejected_fields
        ),
        (6, 4, 2, 3),
        "{whole} {lines:#?}"
    );
    // The central kitchen's link to the school it supplies; the college's canteen is no known
    // establishment, so its link is refused.
    let links = whole.kitchen_links;
    assert_eq!(
        (links.read, links.imported, links.rejected),
        (2, 1, 1),
        "{whole} {lines:#?}"
    );
    let mut fields: Vec<String> = lines.iter().map(|l| l["field"].as_str().unwrap().to_owned()).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "buyerSiret",
            "central_producer_siret",
            "management_type",
            "record",
            "siret",
            "yearly_meal_count"
        ],
        "{lines:#?}"
    );
    let (again, _, _) = register().await;
    assert_eq!(
        (
            again.canteens.unchanged,
            again.kitchen_links.unchanged,
            again.canteens.imported
        ),
        (4, 1, 0),
        "{again}"
    );

    let (declared, lines) = with_report(async |report| {
        import_declarations(&app.db, &fixture("canteens/campagne_td_2024.csv"), true, report)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(
        (
            declared.read,
            declared.imported,
            declared.rejected,
            declared.rejected_fields
        ),
        (6, 4, 2, 1),
        "{declared} {lines:#?}"
    );

    let school = siret_of(crate::contracts::REGIE, 1);
    let read = app
        .query(
            &format!(
                r#"{{ canteen(siret: "{school}") {{ name management production centralKitchenSiret yearlyMeals
                    commune {{ code }} declarations {{ year organicShare egalimShare mode }} }}
                    canteens(filter: {{ search: "ecole belle", territories: [{{ level: DEPARTEMENT, code: "13" }}] }}) {{ totalCount }}
                    kitchens: canteens(filter: {{ production: [CENTRAL] }}) {{ nodes {{ siret }} }}
                    supplyLinks(filter: {{ evidence: [CENTRAL_KITCHEN] }}) {{ nodes {{ buyer {{ siret }} supplier {{ siret }} channel }} }} }}"#
            ),
            json!({}),
        )
        .await;
    assert_eq!(
        read["canteen"],
        json!({ "name": "École Belle de Mai", "management": "DIRECT", "production": "SITE_COOKED_ELSEWHERE",
                "centralKitchenSiret": siret_of(VILLE_MARSEILLE, 1), "yearlyMeals": 20000,
                "commune": { "code": "13055" },
                "declarations": [{ "year": 2024, "organicShare": 0.5, "egalimShare": 0.1, "mode": "SATELLITE_WITHOUT_APPRO" }] }),
        "{read:#}"
    );
    assert_eq!(read["canteens"]["totalCount"], 1, "{read:#}");
    assert_eq!(
        read["kitchens"]["nodes"],
        json!([{ "siret": siret_of(VILLE_MARSEILLE, 1) }]),
        "{read:#}"
    );
    assert_eq!(
        read["supplyLinks"]["nodes"],
        json!([{ "buyer": { "siret": school }, "supplier": { "siret": siret_of(VILLE_MARSEILLE, 1) }, "channel": "DIRECT" }]),
        "{read:#}"
    );

    // Indicators: three canteens in the Bouches-du-Rhône, two declaring for 2024; the shares
    // weighted by yearly meals (300 000 and 20 000).
    let partner = key(app, ApiRole::Partner, Some("PARTNER:cantines")).await;
    let seen = data(app, &partner, CANTEEN_INDICATORS, json!({ "groupBy": "PRODUCTION" })).await;
    let total = &seen["canteenIndicators"]["total"];
    assert_eq!(
        (&total["canteens"], &total["declaring"], &total["yearlyMeals"]),
        (&json!(3), &json!(2), &json!(320_000)),
        "{seen:#}"
    );
    let close = |value: &Value, expected: f64| (value.as_f64().unwrap() - expected).abs() < 1e-9;
    assert!(close(&total["organicShare"], 85_000.0 / 320_000.0), "{seen:#}");
    assert!(close(&total["egalimShare"], 92_000.0 / 320_000.0), "{seen:#}");
    assert_eq!(
        seen["canteenIndicators"]["cells"],
        json!([{ "key": "central", "canteens": 1, "declaring": 1 }, { "key": "site", "canteens": 1, "declaring": 0 },
               { "key": "site_cooked_elsewhere", "canteens": 1, "declaring": 1 }]),
        "{seen:#}"
    );
    let public = app.query(CANTEEN_INDICATORS, json!({})).await;
    assert_eq!(public["canteenIndicators"]["total"]["suppressed"], true, "{public:#}");
    assert_eq!(
        public["canteenIndicators"]["total"]["organicShare"],
        Value::Null,
        "{public:#}"
    );
}

async fn organic_operators_are_imported_labelled_and_counted_by_channel(app: &TestApp) {
    write_organisations(&app.db).await;
    let import = async || {
        let mut whole = Vec::new();
        let (_, lines) = with_report(async |report| {
            let summary = import_agence_bio(&app.db, &fixture("agence-bio/operateurs.json"), true, report)
                .await
                .unwrap();
            whole.push(summary);
            summary.operators
        })
        .await;
        (whole.pop().unwrap(), lines)
    };
    let (summary, lines) = import().await;
    let operators = summary.operators;
    // Five operators in two pages: one without a number, one repeated, one unknown category.
    assert_eq!(
        (
            operators.read,
            operators.imported,
            operators.rejected,
            operators.rejected_fields
        ),
        (5, 3, 2, 1),
        "{summary} {lines:#?}"
    );
    // The two with a SIRET (one written with an invisible character) get a label and an
    // identifier on their organisation, already known.
    assert_eq!(
        (summary.labels.imported, summary.identifiers.imported),
        (2, 2),
        "{summary}"
    );
    assert_eq!(operators.organisations_created, 0, "{summary}");
    let (again, _) = import().await;
    assert_eq!(
        (
            again.operators.unchanged,
            again.labels.unchanged,
            again.identifiers.unchanged
        ),
        (3, 2, 2),
        "{again}"
    );

    let read = app
        .query(
            r#"{ organicOperators(filter: { channels: [WHOLESALER, RESTAURANT] }) { nodes {
                   numeroBio siret name channels certification engagedOn commune { code } organisation { name } } }
                 scop: organisations(filter: { name: "Bâtisseurs" }) { nodes { labels { kind issuer validFrom validTo reference } } }
                 esat: organisations(filter: { name: "Oliviers" }) { nodes { labels { kind validTo } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        read["organicOperators"]["nodes"],
        json!([
            { "numeroBio": "174019", "siret": siret_of(SCOP, 1), "name": "Les Jardins de la SCOP",
              "channels": ["WHOLESALER", "DIRECT_SALE"],
              "certification": "ENGAGEE", "engagedOn": "2019-01-24", "commune": { "code": "13001" },
              "organisation": { "name": "SCOP Bâtisseurs d'Aix" } },
            { "numeroBio": "2001", "siret": siret_of(ESAT, 1), "name": "ESAT LES OLIVIERS",
              "channels": ["RESTAURANT", "DIRECT_SALE"], "certification": "ARRETEE", "engagedOn": "2018-01-01",
              "commune": { "code": "06088" }, "organisation": { "name": "ESAT Les Oliviers" } },
        ]),
        "{read:#}"
    );
    let scop_labels = &read["scop"]["nodes"][0]["labels"];
    assert!(
        scop_labels
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "BIO", "issuer": "Ecocert France",
            "validFrom": "2019-01-24", "validTo": null, "reference": "174019" })),
        "{read:#}"
    );
    assert!(
        read["esat"]["nodes"][0]["labels"]
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "BIO", "validTo": "2024-06-30" })),
        "a stopped certification ends its label: {read:#}"
    );

    // The Bouches-du-Rhône: the SCOP (Aix) and the GAEC (Marseille) are engaged; the ESAT's
    // certification stopped, and it is in Nice.
    let counted = app
        .query(
            r#"{ organicOperatorIndicators(scope: { territory: { level: DEPARTEMENT, code: "13" } }) {
                   operators channels { channel operators } } }"#,
            json!({}),
        )
        .await;
    let indicators = &counted["organicOperatorIndicators"];
    assert_eq!(indicators["operators"], 2, "{counted:#}");
    let by_channel: Vec<(String, i64)> = indicators["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["channel"].as_str().unwrap().to_owned(),
                c["operators"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_channel,
        [
            ("DIRECT_SALE", 1),
            ("ARTISAN_SHOP", 0),
            ("SPECIALISED_SHOP", 0),
            ("SUPERMARKET", 0),
            ("WHOLESALER", 1),
            ("RESTAURANT", 0)
        ]
        .map(|(c, n)| (c.to_owned(), n)),
        "{counted:#}"
    );
}
