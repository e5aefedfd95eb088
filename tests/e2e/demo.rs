//! The demo ecosystem: seeded through the store, reachable through GraphQL.

use crate::harness::on_both_databases;

on_both_databases! {
    async fn demo_ecosystem_is_seeded_and_queryable(app: &TestApp) {
        let summary = api::seed::demo::seed_demo(&app.db).await.unwrap();
        let organisations = app.scalar("SELECT COUNT(*) FROM organisation WHERE source = 'DEMO'").await;
        assert!((1_900..=2_600).contains(&organisations), "{organisations} organisations; {summary}");
        let contracts = app.scalar("SELECT COUNT(*) FROM contract WHERE source = 'DEMO'").await;
        assert!((9_000..=11_000).contains(&contracts), "{contracts} contracts");
        let partnerships = app.scalar("SELECT COUNT(*) FROM partnership").await;
        assert!((250..=350).contains(&partnerships), "{partnerships} partnerships");
        assert!(app.scalar("SELECT COUNT(*) FROM partnership WHERE partnership_type = 'ptce'").await >= 3);
        // Buyers are real local authorities: their SIREN is the territory's.
        let mismatched_buyers = app
            .scalar(
                "SELECT COUNT(*) FROM contract c JOIN organisation o ON o.id = c.buyer_organisation_id \
                 LEFT JOIN territory t ON t.id = o.public_authority_territory_id \
                 WHERE t.siren IS NULL OR t.siren <> o.siren",
            )
            .await;
        assert_eq!(mismatched_buyers, 0);
        // Establishments are in the three régions' communes, or in the few far suppliers' cities.
        let unplaced = app.scalar("SELECT COUNT(*) FROM establishment WHERE commune_id IS NULL").await;
        assert_eq!(unplaced, 0);
        // Every contract was logged.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log WHERE entity = 'contract'").await, contracts);
        // The food contracts' supply links, through the engine: logged, with a known buyer.
        let links = app.scalar("SELECT COUNT(*) FROM supply_link WHERE source = 'DEMO'").await;
        assert!(links >= 100, "{links} supply links; {summary}");
        assert_eq!(i64::try_from(summary.supply_links).unwrap(), links);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log WHERE entity = 'supply_link'").await, links);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM supply_link WHERE evidence <> 'decp_contract' OR contract_id IS NULL").await,
            0
        );
        assert_eq!(summary.food_projects, 2);
        let in_13 = app.scalar(
            "SELECT COUNT(*) FROM food_project_commune c JOIN food_project p ON p.id = c.food_project_id \
             WHERE p.code = 'DEMO-PAT-13'",
        )
        .await;
        assert!(in_13 > 100, "{in_13} communes in the demo PAT of the Bouches-du-Rhône");
        // A second seed is refused and writes nothing.
        assert!(api::seed::demo::seed_demo(&app.db).await.is_err());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM contract").await, contracts);

        use sea_orm::ConnectionTrait;
        let siren = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                "SELECT siren FROM organisation WHERE source = 'DEMO' AND ess_family = 'cooperative' \
                 AND siren IS NOT NULL ORDER BY siren LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        let data = app
            .query(
                r#"query($siren: String!) { organisation(siren: $siren) { essFamily establishments { nodes { commune { region { code } } } } } }"#,
                serde_json::json!({ "siren": siren }),
            )
            .await;
        assert_eq!(data["organisation"]["essFamily"], "COOPERATIVE");
        let region = data["organisation"]["establishments"]["nodes"][0]["commune"]["region"]["code"].as_str().unwrap();
        assert!(["93", "76", "94"].contains(&region), "{region}");

        // The nested directory query costs a fixed number of SQL statements, whatever the
        // page size: every relation is batched by a DataLoader.
        for page_size in [5, 50, 200, 500] {
            let query = format!(
                "{{ organisations(first: {page_size}) {{ nodes {{
                    establishments {{ nodes {{ commune {{ name departement {{ name }} }} }} }}
                    contractsWon(first: 5) {{ nodes {{ buyer {{ name }} }} }}
                    labels {{ kind }} }} }} }}"
            );
            let (data, statements) = app.query_counting_statements(&query).await;
            assert_eq!(data["organisations"]["nodes"].as_array().unwrap().len(), page_size);
            assert!(statements <= 10, "{statements} SQL statements for a page of {page_size}");
        }
    }
}
