//! Procurement indicators stay right under writes: after each mutation (a contract created,
//! then updated with other suppliers, a supplier's SSE family changed, a label added and
//! deleted, the contract deleted) every indicator
//! still equals the independent fold over the source tables, and the figure the write should
//! move did move.

use api::{
    graphql::node::global_id,
    store::analytics::{BuyerScope, ProcurementCell, ProcurementDimension},
};
use entity::enums::{ApiRole, TerritoryLevel};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    analytics::{EPCI, World, assert_cells_match, fold, query},
    harness::{TestApp, on_both_databases},
    writes::{data, key},
};

/// Compares the indicators of the EPCI and of Marseille's département with the fold, for
/// dimensions of the contract and of the supplier; returns the EPCI total.
async fn indicators_match_the_fold(app: &TestApp) -> ProcurementCell {
    let world = World::load(&app.db).await;
    let dimensions = [
        vec![],
        vec![ProcurementDimension::Year, ProcurementDimension::CpvDivision],
        vec![ProcurementDimension::BuyerTerritory(TerritoryLevel::Commune)],
        vec![ProcurementDimension::SupplierTerritory(TerritoryLevel::Commune)],
        vec![ProcurementDimension::SupplierSseFamily],
        vec![ProcurementDimension::SupplierLabel],
        vec![ProcurementDimension::LocalityLevel],
    ];
    for scope in [
        BuyerScope::Territory(format!("EPCI:{EPCI}")),
        BuyerScope::Territory("DEP:13".into()),
        BuyerScope::Buyer("211300553".into()),
    ] {
        for group_by in &dimensions {
            let q = query(scope.clone(), group_by.clone());
            let actual = api::store::analytics::procurement(&app.db, &q).await.unwrap();
            assert_cells_match(&actual, &fold(&world, &q));
        }
    }
    let total = query(BuyerScope::Territory(format!("EPCI:{EPCI}")), vec![]);
    api::store::analytics::procurement(&app.db, &total)
        .await
        .unwrap()
        .remove(0)
}

async fn one_row(app: &TestApp, sql: &str) -> sea_orm::QueryResult {
    app.db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row for {sql}"))
}

/// The SIRET of the head office of the city of Marseille.
async fn marseille(app: &TestApp) -> String {
    one_row(
        app,
        "SELECT e.siret FROM establishment e JOIN organisation o ON o.id = e.organisation_id \
         WHERE o.siren = '211300553' AND e.is_headquarters = TRUE",
    )
    .await
    .try_get_by_index(0)
    .unwrap()
}

/// The SIRET and organisation id of the `offset`-th establishment (by SIRET) of a non-SSE,
/// non-public organisation holding no label; `join` and `condition` narrow the choice.
async fn unlabelled_supplier(app: &TestApp, join: &str, condition: &str, offset: usize) -> (String, Uuid) {
    let row = one_row(
        app,
        &format!(
            "SELECT e.siret, o.id FROM establishment e JOIN organisation o ON o.id = e.organisation_id {join} \
             WHERE o.ess_family = 'non_sse' AND o.public_authority_territory_id IS NULL \
             AND e.siret IS NOT NULL AND e.deleted_at IS NULL {condition} \
             AND NOT EXISTS (SELECT 1 FROM organisation_label l WHERE l.organisation_id = o.id) \
             ORDER BY e.siret LIMIT 1 OFFSET {offset}"
        ),
    )
    .await;
    (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap())
}

/// Deletes label `id` (a global id) through the API.
async fn delete_label(app: &TestApp, key: &str, id: &str) {
    let deleted = data(
        app,
        key,
        "mutation($input: DeleteInput!) { deleteLabel(input: $input) { deletedId userErrors { field message code } } }",
        json!({ "input": { "id": id } }),
    )
    .await;
    accepted(&deleted["deleteLabel"]);
}

/// The payload's user errors are empty.
fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

const UPSERT_CONTRACTS: &str = "mutation($input: UpsertContractsInput!) { upsertContracts(input: $input) {
    committed userErrors { field message code } results { status id userErrors { field message code } } } }";
const UPDATE_ORGANISATION: &str = "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) {
    organisation { version } userErrors { field message code } } }";
const UPSERT_LABELS: &str = "mutation($input: UpsertLabelsInput!) { upsertLabels(input: $input) {
    committed userErrors { field message code } results { status id userErrors { field message code } } } }";

on_both_databases! {
    async fn indicators_follow_every_write_through_the_mutations(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let admin = key(app, ApiRole::Admin, None).await;
        let initial = indicators_match_the_fold(app).await;

        // The city of Marseille buys from two non-SSE suppliers holding no label.
        let buyer = marseille(app).await;
        let within_epci =
            format!("JOIN territory_membership m ON m.territory_id = e.commune_id AND m.ancestor_id = 'EPCI:{EPCI}'");
        let (supplier, supplier_org) = unlabelled_supplier(app, &within_epci, "", 0).await;
        let (other, _) = unlabelled_supplier(app, &within_epci, "", 1).await;
        let contract = |amount: &str, suppliers: Vec<&String>| {
            json!({ "source": "OBSERVATOIRE", "items": [{
                "externalId": "marche-2024-017", "buyerSiret": buyer, "buyerInternalId": "2024-017",
                "object": "Entretien des espaces verts", "cpvCode": "77310000-6", "notifiedOn": "2024-05-02",
                "durationMonths": 24, "amount": amount, "socialClause": true, "supplierSirets": suppliers }] })
        };

        // A new contract: the total grows by its amount.
        let created = data(app, &admin, UPSERT_CONTRACTS, json!({ "input": contract("250000", vec![&supplier]) })).await;
        let created = &created["upsertContracts"];
        accepted(created);
        assert_eq!(created["results"][0]["status"], "CREATED", "{created:#}");
        let after_create = indicators_match_the_fold(app).await;
        assert_eq!(after_create.contracts, initial.contracts + 1);
        assert!((after_create.amount_cents - initial.amount_cents - 25_000_000.0).abs() < 1e-3);

        // Updated with another amount and a second supplier: split in two lines.
        let updated = data(
            app,
            &admin,
            UPSERT_CONTRACTS,
            json!({ "input": contract("300000", vec![&supplier, &other]) }),
        )
        .await;
        assert_eq!(updated["upsertContracts"]["results"][0]["status"], "UPDATED", "{updated:#}");
        let after_update = indicators_match_the_fold(app).await;
        assert_eq!(after_update.contracts, after_create.contracts);
        assert!((after_update.amount_cents - after_create.amount_cents - 5_000_000.0).abs() < 1e-3);

        // The supplier becomes a cooperative: its half of the contract counts as SSE.
        let organisation = global_id("Organisation", supplier_org);
        let changed = data(
            app,
            &admin,
            UPDATE_ORGANISATION,
            json!({ "input": { "id": organisation, "organisation": { "essFamily": "COOPERATIVE" } } }),
        )
        .await;
        accepted(&changed["updateOrganisation"]);
        let after_family = indicators_match_the_fold(app).await;
        assert!(after_family.sse.1 >= after_update.sse.1 + 15_000_000.0 - 1e-3);

        // An ESUS agreement valid since 2020: its lines count as ESUS.
        let labelled = data(
            app,
            &admin,
            UPSERT_LABELS,
            json!({ "input": { "source": "OBSERVATOIRE", "items": [{
                "externalId": "esus-1", "organisationId": organisation, "kind": "ESUS",
                "validFrom": "2020-01-01" }] } }),
        )
        .await;
        let labelled = &labelled["upsertLabels"];
        accepted(labelled);
        assert_eq!(labelled["results"][0]["status"], "CREATED", "{labelled:#}");
        let after_label = indicators_match_the_fold(app).await;
        assert!(after_label.esus.1 >= after_family.esus.1 + 15_000_000.0 - 1e-3);

        // The label deleted: back to the figures before it.
        let label = labelled["results"][0]["id"].as_str().unwrap();
        delete_label(app, &admin, label).await;
        let after_unlabel = indicators_match_the_fold(app).await;
        assert!((after_unlabel.esus.1 - after_family.esus.1).abs() < 1e-3);

        // The contract deleted: back to the demo's figures, except the supplier's family.
        let contract_id = created["results"][0]["id"].as_str().unwrap();
        let deleted = data(
            app,
            &admin,
            "mutation($input: DeleteInput!) { deleteContract(input: $input) { deletedId userErrors { field message code } } }",
            json!({ "input": { "id": contract_id } }),
        )
        .await;
        accepted(&deleted["deleteContract"]);
        let after_delete = indicators_match_the_fold(app).await;
        assert_eq!(after_delete.contracts, initial.contracts);
        assert!((after_delete.amount_cents - initial.amount_cents).abs() < 1e-3);
    }
}

const FAMILY: &str = "query($id: ID!) { node(id: $id) { ... on Organisation { essFamily essFamilyBasis } } }";

/// The SSE family and its basis of organisation `id` (a global id), read through the API.
async fn family_of(app: &TestApp, key: &str, id: &str) -> (String, String) {
    let answer = data(app, key, FAMILY, json!({ "id": id })).await;
    let node = &answer["node"];
    (
        node["essFamily"].as_str().unwrap().to_owned(),
        node["essFamilyBasis"].as_str().unwrap().to_owned(),
    )
}

on_both_databases! {
    async fn label_writes_reclassify_their_holders_and_a_moved_label_leaves_its_former_holder(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let admin = key(app, ApiRole::Admin, None).await;

        // Two companies outside the SSE, without labels, each supplying the city of Marseille.
        let buyer = marseille(app).await;
        let company = "AND o.ess_family_basis = 'legal_category' AND o.legal_category_code LIKE '5%' \
                       AND o.deleted_at IS NULL";
        let (supplier_a, org_a) = unlabelled_supplier(app, "", company, 0).await;
        let (supplier_b, org_b) = unlabelled_supplier(app, "", company, 1).await;
        assert_ne!(org_a, org_b);
        let contracts = data(
            app,
            &admin,
            UPSERT_CONTRACTS,
            json!({ "input": { "source": "OBSERVATOIRE", "items": [
                { "externalId": "marche-2024-101", "buyerSiret": buyer, "buyerInternalId": "2024-101",
                  "cpvCode": "77310000-6", "notifiedOn": "2024-05-02", "amount": "120000", "supplierSirets": [supplier_a] },
                { "externalId": "marche-2024-102", "buyerSiret": buyer, "buyerInternalId": "2024-102",
                  "cpvCode": "77310000-6", "notifiedOn": "2024-06-03", "amount": "80000", "supplierSirets": [supplier_b] }
            ] } }),
        )
        .await;
        accepted(&contracts["upsertContracts"]);
        let (a, b) = (global_id("Organisation", org_a), global_id("Organisation", org_b));
        let non_sse = || ("NON_SSE".to_owned(), "LEGAL_CATEGORY".to_owned());
        let esus = || ("SSE_COMMERCIAL_COMPANY".to_owned(), "LABEL".to_owned());
        assert_eq!(family_of(app, &admin, &a).await, non_sse());
        let before = indicators_match_the_fold(app).await;

        // An ESUS agreement written through the API makes its holder an SSE commercial company.
        let created = data(
            app,
            &admin,
            "mutation($input: CreateLabelInput!) { createLabel(input: $input) { label { id } userErrors { field message code } } }",
            json!({ "input": { "source": "OBSERVATOIRE", "label": {
                "externalId": "esus-a", "organisationId": a, "kind": "ESUS", "validFrom": "2020-01-01" } } }),
        )
        .await;
        accepted(&created["createLabel"]);
        let label = created["createLabel"]["label"]["id"].as_str().unwrap().to_owned();
        assert_eq!(family_of(app, &admin, &a).await, esus());
        let labelled = indicators_match_the_fold(app).await;
        // (The company's other contracts in the scope count too.)
        assert!(labelled.sse.1 >= before.sse.1 + 12_000_000.0 - 1e-3, "{labelled:?} {before:?}");
        assert!(labelled.esus.1 >= before.esus.1 + 12_000_000.0 - 1e-3);

        // Moved to the other company: the former holder is outside the SSE again, and its
        // contract no longer counts as SSE or ESUS.
        let moved = data(
            app,
            &admin,
            "mutation($input: UpdateLabelInput!) { updateLabel(input: $input) { label { id } userErrors { field message code } } }",
            json!({ "input": { "id": label, "label": { "organisationId": b } } }),
        )
        .await;
        accepted(&moved["updateLabel"]);
        assert_eq!(family_of(app, &admin, &a).await, non_sse());
        assert_eq!(family_of(app, &admin, &b).await, esus());
        let after_move = indicators_match_the_fold(app).await;
        assert!(after_move.esus.1 >= before.esus.1 + 8_000_000.0 - 1e-3, "{after_move:?} {before:?}");
        assert!((after_move.esus.1 - labelled.esus.1).abs() > 1e-3);

        // Deleted: its holder is outside the SSE again.
        delete_label(app, &admin, &label).await;
        assert_eq!(family_of(app, &admin, &b).await, non_sse());
        let after_delete = indicators_match_the_fold(app).await;
        assert!((after_delete.sse.1 - before.sse.1).abs() < 1e-3);
        assert!((after_delete.esus.1 - before.esus.1).abs() < 1e-3);
    }
}
