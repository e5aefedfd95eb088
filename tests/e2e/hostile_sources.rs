//! Partners cannot keep authoritative sources out: a `sourceUpdatedAt` in the future is
//! refused on every partner write; certified label kinds need an admin key or a source an
//! admin allows; Sirene takes SIRENs and SIRETs over from partners' records, and DECP contract
//! uids, live or deleted.

use chrono::{Duration, Utc};
use entity::enums::ApiRole;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

use crate::{
    harness::{TestApp, on_both_databases},
    writes::{call_at, data, key},
};

const CREATE: &str = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) {
    organisation { id source } userErrors { field message code } } }";
const DELETE: &str = "mutation($input: DeleteOrganisationInput!) { deleteOrganisation(input: $input) {
    deletedId userErrors { field message code } } }";
const CREATE_ESTABLISHMENT: &str = "mutation($input: CreateEstablishmentInput!) { createEstablishment(input: $input) {
    establishment { id } userErrors { field message code } } }";
const UPSERT_LABELS: &str = "mutation($input: UpsertLabelsInput!) { upsertLabels(input: $input) {
    results { status userErrors { field message code } } } }";
const UPSERT_CONTRACTS: &str = "mutation($input: UpsertContractsInput!) { upsertContracts(input: $input) {
    results { status userErrors { field message code } } } }";

/// Creates an organisation as `key` with `fields`; returns its global id.
async fn organisation(app: &TestApp, key: &str, fields: Value) -> String {
    let created = data(app, key, CREATE, json!({ "input": { "organisation": fields } })).await;
    let payload = &created["createOrganisation"];
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload["organisation"]["id"].as_str().unwrap().to_owned()
}

/// `(field, code)` of each user error of the first result of an upsert payload.
fn first_errors(payload: &Value) -> Vec<(String, String, String)> {
    payload["results"][0]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

on_both_databases! {
    async fn withheld_names_and_coordinates_drive_no_filter_sort_cursor_or_distance(app: &TestApp) {
        super::withheld_names_and_coordinates_drive_no_filter_sort_cursor_or_distance(app).await
    }

    async fn a_decp_file_with_bare_nan_tokens_imports_with_the_fields_reported(app: &TestApp) {
        super::a_decp_file_with_bare_nan_tokens_imports_with_the_fields_reported(app).await
    }

    async fn a_source_update_time_in_the_future_is_refused_on_partner_writes(app: &TestApp) {
        super::a_source_update_time_in_the_future_is_refused_on_partner_writes(app).await
    }

    async fn certified_labels_need_an_admin_key_or_an_allowed_source(app: &TestApp) {
        super::certified_labels_need_an_admin_key_or_an_allowed_source(app).await
    }

    async fn sirene_takes_sirens_and_sirets_over_from_partner_records(app: &TestApp) {
        super::sirene_takes_sirens_and_sirets_over_from_partner_records(app).await
    }

    async fn decp_takes_a_contract_uid_over_from_a_partner_record(app: &TestApp) {
        super::decp_takes_a_contract_uid_over_from_a_partner_record(app).await
    }
}

async fn a_source_update_time_in_the_future_is_refused_on_partner_writes(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let far = "2099-01-01T00:00:00Z"; // within the dates the API accepts, far ahead of the server clock
    let refused = data(
        app,
        &partner,
        CREATE,
        json!({ "input": { "organisation": {
        "name": "Squatter", "siren": "883456782", "sourceUpdatedAt": far } } }),
    )
    .await;
    let errors = &refused["createOrganisation"]["userErrors"];
    assert_eq!(errors[0]["field"], "sourceUpdatedAt", "{refused:#}");
    assert_eq!(errors[0]["code"], "BAD_USER_INPUT");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("2099-01-01"),
        "{errors:#}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisation WHERE siren = '883456782'")
            .await,
        0
    );

    // Within a day of clock skew is accepted.
    let soon = (Utc::now() + Duration::hours(12)).to_rfc3339();
    let holder = organisation(app, &partner, json!({ "name": "Holder", "sourceUpdatedAt": soon })).await;

    // Every other kind of record: labels, establishments, contracts.
    let labels = data(
        app,
        &partner,
        UPSERT_LABELS,
        json!({ "input": { "items": [{
        "externalId": "l", "organisationId": holder, "kind": "RUP", "sourceUpdatedAt": far }] } }),
    )
    .await;
    let errors = first_errors(&labels["upsertLabels"]);
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1.as_str()),
        ("items.0.sourceUpdatedAt", "BAD_USER_INPUT"),
        "{errors:?}"
    );
    let establishments = data(
        app,
        &partner,
        "mutation($input: UpsertEstablishmentsInput!) { upsertEstablishments(input: $input) {
            results { status userErrors { field message code } } } }",
        json!({ "input": { "items": [{ "externalId": "e", "organisationId": holder, "sourceUpdatedAt": far }] } }),
    )
    .await;
    let errors = first_errors(&establishments["upsertEstablishments"]);
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1.as_str()),
        ("items.0.sourceUpdatedAt", "BAD_USER_INPUT"),
        "{errors:?}"
    );
    let contracts = data(
        app,
        &partner,
        UPSERT_CONTRACTS,
        json!({ "input": { "items": [{
        "externalId": "c", "buyerSiret": "40123456200015", "buyerInternalId": "2024-1", "object": "Entretien",
        "sourceUpdatedAt": far }] } }),
    )
    .await;
    let errors = first_errors(&contracts["upsertContracts"]);
    assert!(
        errors
            .iter()
            .any(|(field, code, message)| field == "items.0.sourceUpdatedAt"
                && code == "BAD_USER_INPUT"
                && message.contains("2099")),
        "{errors:?}"
    );
}

async fn certified_labels_need_an_admin_key_or_an_allowed_source(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let holder = organisation(app, &partner, json!({ "name": "Holder", "legalCategoryCode": "5710" })).await;
    let label = |kind: &str, id: &str| {
        json!({ "input": { "source": "PARTNER:a", "items": [{
        "externalId": id, "organisationId": holder, "kind": kind }] } })
    };
    for kind in ["ESUS", "SIAE_EI", "EA", "ESAT", "GEIQ", "SCOP"] {
        let refused = data(app, &partner, UPSERT_LABELS, label(kind, "l")).await;
        let errors = first_errors(&refused["upsertLabels"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].0.as_str(), errors[0].1.as_str()),
            ("items.0.kind", "FORBIDDEN"),
            "{errors:?}"
        );
        assert!(errors[0].2.contains(kind), "{errors:?}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation_label").await, 0);
    // Kinds that decide no family stay open to partners.
    let open = data(app, &partner, UPSERT_LABELS, label("RUP", "rup")).await;
    assert_eq!(open["upsertLabels"]["results"][0]["status"], "CREATED", "{open:#}");

    // An admin key may write them.
    let admin = key(app, ApiRole::Admin, None).await;
    let by_admin = data(app, &admin, UPSERT_LABELS, label("ESUS", "esus")).await;
    assert_eq!(
        by_admin["upsertLabels"]["results"][0]["status"], "CREATED",
        "{by_admin:#}"
    );

    // And so may a source the admin allows, on a server configured so.
    let dreets = key(app, ApiRole::Partner, Some("PARTNER:dreets")).await;
    let allowed = app
        .sibling(|serve| serve.certified_label_sources = vec!["PARTNER:dreets".to_owned()])
        .await;
    let items = json!({ "input": { "items": [{ "externalId": "ea", "organisationId": holder, "kind": "EA" }] } });
    let (_, body) = call_at(allowed, Some(&dreets), UPSERT_LABELS, items.clone()).await;
    assert_eq!(
        body["data"]["upsertLabels"]["results"][0]["status"], "CREATED",
        "{body:#}"
    );
    // PARTNER:a is still refused there, and PARTNER:dreets on a server that does not allow it.
    let (_, body) = call_at(allowed, Some(&partner), UPSERT_LABELS, label("EA", "ea-a")).await;
    assert_eq!(
        body["data"]["upsertLabels"]["results"][0]["userErrors"][0]["code"], "FORBIDDEN",
        "{body:#}"
    );
    let (_, body) = call_at(
        app.addr,
        Some(&dreets),
        UPSERT_LABELS,
        json!({ "input": { "items": [{
        "externalId": "ea-2", "organisationId": holder, "kind": "EA" }] } }),
    )
    .await;
    assert_eq!(
        body["data"]["upsertLabels"]["results"][0]["userErrors"][0]["code"], "FORBIDDEN",
        "{body:#}"
    );
}

async fn sirene_takes_sirens_and_sirets_over_from_partner_records(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    // A live record holding a SIREN, with an update time ahead and a declared family, and
    // an establishment holding a SIRET of it.
    let soon = (Utc::now() + Duration::hours(20)).to_rfc3339();
    let live = organisation(
        app,
        &partner,
        json!({ "name": "Squatter", "siren": "883456782",
        "essFamily": "ASSOCIATION", "sourceUpdatedAt": soon, "externalId": "sq" }),
    )
    .await;
    let site = data(
        app,
        &partner,
        CREATE_ESTABLISHMENT,
        json!({ "input": { "establishment": {
        "externalId": "site", "organisationId": live, "siret": "88345678200019", "name": "Squat",
        "sourceUpdatedAt": soon } } }),
    )
    .await;
    assert_eq!(site["createEstablishment"]["userErrors"], json!([]), "{site:#}");
    // A record created then deleted, holding another SIREN.
    let gone = organisation(app, &partner, json!({ "name": "Ghost", "siren": "812345676" })).await;
    let deleted = data(app, &partner, DELETE, json!({ "input": { "id": gone } })).await;
    assert_eq!(deleted["deleteOrganisation"]["userErrors"], json!([]), "{deleted:#}");
    let log = app.scalar("SELECT COUNT(*) FROM change_log").await;

    crate::imports_sirene::sirene_all(app).await;

    // Both are Sirene's now, keyed by SIREN, live, with Sirene's data, under the same id.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM organisation WHERE siren = '883456782' AND source = 'sirene' \
             AND external_id = '883456782' AND deleted_at IS NULL AND name = 'TRANSPORTS DURANCE' \
             AND legal_category_code = '5710'"
        )
        .await,
        1
    );
    assert_eq!(
        crate::imports_sirene::family(app, "883456782").await,
        "non_sse/legal_category"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM organisation WHERE siren = '812345676' AND source = 'sirene' \
             AND deleted_at IS NULL AND name = 'LES JARDINS DU LUBERON' AND rna = 'W842000123'"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisation WHERE source = 'PARTNER:a'")
            .await,
        0
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM establishment WHERE siret = '88345678200019' AND source = 'sirene' \
             AND external_id = '88345678200019' AND deleted_at IS NULL AND commune_id = 'COM:13004'"
        )
        .await,
        1
    );
    let node = crate::writes::data(
        app,
        &partner,
        "query($id: ID!) { node(id: $id) { ... on Organisation { source } } }",
        json!({ "id": live }),
    )
    .await;
    assert_eq!(node["node"]["source"], "sirene", "{node:#}");
    // Each take-over is audited and in the change feed.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE operation = 'take_over'")
            .await,
        3
    );
    assert!(app.scalar("SELECT COUNT(*) FROM change_log").await > log + 3);
    // The partner cannot write them any more.
    let (_, body) = crate::writes::call(
        app,
        Some(&partner),
        "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { userErrors { code } } }",
        json!({ "input": { "id": live, "organisation": { "name": "Back" } } }),
    )
    .await;
    assert_eq!(
        body["data"]["updateOrganisation"]["userErrors"][0]["code"], "FORBIDDEN",
        "{body:#}"
    );
}

async fn decp_takes_a_contract_uid_over_from_a_partner_record(app: &TestApp) {
    crate::imports_sirene::decp(app).await;
    let imported = app.scalar("SELECT COUNT(*) FROM contract WHERE source = 'decp'").await;
    // A partner's record holding a DECP uid, deleted, with an update time far ahead (as
    // written before the rule, or by an admin on its behalf).
    let taken = entity::contract::Entity::find()
        .filter(entity::contract::Column::Source.eq("decp"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let (uid, object) = (taken.uid.clone(), taken.object.clone());
    let mut partner = taken.into_active_model();
    partner.source = Set("PARTNER:a".to_owned());
    partner.external_id = Set(Some("mine".to_owned()));
    partner.object = Set(Some("Hijacked".to_owned()));
    partner.source_updated_at = Set(Some(Utc::now() + Duration::days(365 * 900)));
    partner.deleted_at = Set(Some(Utc::now()));
    partner.update(&app.db).await.unwrap();

    crate::imports_sirene::decp(app).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM contract WHERE source = 'decp'").await,
        imported
    );
    let back = entity::contract::Entity::find()
        .filter(entity::contract::Column::Uid.eq(uid.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.source, "decp");
    assert_eq!(back.external_id.as_deref(), Some(uid.as_str()));
    assert_eq!(back.deleted_at, None);
    assert_eq!(back.object, object);
    assert!(back.source_updated_at.is_none_or(|at| at < Utc::now()));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE operation = 'take_over'")
            .await,
        1
    );
}

async fn a_decp_file_with_bare_nan_tokens_imports_with_the_fields_reported(app: &TestApp) {
    use api::import::{
        Progress, RejectReport,
        decp::{DecpOptions, import_decp},
    };
    let path = crate::imports_sirene::report_path();
    let mut report = RejectReport::to_file(&path).unwrap();
    let summary = import_decp(
        &app.db,
        &crate::imports_sirene::fixture("decp", "decp-nan.json"),
        &DecpOptions::default(),
        &mut report,
        Some(&mut Progress::new("decp", None).quiet()),
    )
    .await
    .unwrap();
    report.finish().unwrap();
    let lines = crate::imports_sirene::read_report(&path);
    assert_eq!(
        (summary.read, summary.imported, summary.rejected),
        (2, 2, 0),
        "{summary:?}"
    );
    let mut reported: Vec<(String, String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["record"].as_str().unwrap().to_owned(),
                l["field"].as_str().unwrap().to_owned(),
                l["value"].as_str().unwrap().to_owned(),
                l["rejected"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    reported.sort();
    let expected: Vec<(String, String, String, String)> = [
        ("211300553000162024-N01", "dureeMois", "Infinity"),
        ("211300553000162024-N01", "montant", "NaN"),
        ("211300553000162024-N01", "tauxAvance", "-Infinity"),
        ("211300553000162024-N02", "offresRecues", "NaN"),
    ]
    .iter()
    .map(|(r, f, v)| ((*r).to_owned(), (*f).to_owned(), (*v).to_owned(), "field".to_owned()))
    .collect();
    assert_eq!(reported, expected, "{lines:#?}");
    assert!(
        lines[0]["reason"].as_str().unwrap().contains("read as a missing value"),
        "{lines:#?}"
    );
    // The fields are missing, the rest of each record is kept, and tokens inside strings stay.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM contract WHERE uid = '211300553000162024-N01' AND amount_cents IS NULL \
             AND duration_months IS NULL AND object = 'Objet qui cite NaN et Infinity en texte'"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM contract WHERE uid = '211300553000162024-N02' AND amount_cents = 1500000")
            .await,
        1
    );
}

async fn withheld_names_and_coordinates_drive_no_filter_sort_cursor_or_distance(app: &TestApp) {
    // First diffusible, with a contract between two placed establishments.
    crate::imports_sirene::sirene(
        app,
        "StockUniteLegale_extrait.csv",
        "StockEtablissement_extrait.csv",
        api::import::sirene::SireneScope::default(),
    )
    .await;
    let admin = key(app, ApiRole::Admin, None).await;
    let contract = data(
        app,
        &admin,
        UPSERT_CONTRACTS,
        json!({ "input": { "source": "PARTNER:a", "items": [{
        "externalId": "c", "buyerSiret": "40123456200015", "buyerInternalId": "2024-1", "object": "Transport",
        "kind": "PUBLIC_CONTRACT", "notifiedOn": "2024-03-01", "supplierSirets": ["88345678200019"] }] } }),
    )
    .await;
    assert_eq!(
        contract["upsertContracts"]["results"][0]["status"], "CREATED",
        "{contract:#}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM contract_supplier WHERE distance_km > 0")
            .await,
        1
    );
    // Then a register file where the unit and its establishment are non-diffusible but carry
    // their real name and coordinates (as the files for authorised users do).
    crate::imports_sirene::sirene(
        app,
        "StockUniteLegale_non_diffusible.csv",
        "StockEtablissement_non_diffusible.csv",
        api::import::sirene::SireneScope::default(),
    )
    .await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisation WHERE siren = '883456782' AND NOT diffusible AND name_search = 'non diffusible'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM establishment WHERE siret = '88345678200019' AND latitude IS NULL AND longitude IS NULL")
            .await,
        1
    );
    // No distance from the withheld coordinates is left.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM contract_supplier WHERE distance_km IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM award_line WHERE distance_km IS NOT NULL")
            .await,
        0
    );
    // A search for the hidden name finds nothing; the public one still works.
    let found = app
        .query(
            r#"{ hidden: organisations(filter: { name: "transports durance" }) { totalCount }
                 shown: organisations(filter: { name: "atelier solidaire" }) { totalCount }
                 placeholder: organisations(filter: { name: "non diffusible" }) { nodes { name siren } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(found["hidden"]["totalCount"], 0, "{found:#}");
    assert_eq!(found["shown"]["totalCount"], 1, "{found:#}");
    assert!(
        found["placeholder"]["nodes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "name": "[non diffusible]", "siren": "883456782" })),
        "{found:#}"
    );
    // Near its hidden site (Arles), nothing; sorted by name, it sits at its placeholder and
    // its cursor holds no hidden value.
    let near = app
        .query(
            r#"{ organisations(filter: { near: { latitude: 43.677, longitude: 4.631, radiusKm: 10 } }) { totalCount }
                 establishments(filter: { near: { latitude: 43.677, longitude: 4.631, radiusKm: 10 } }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(near["organisations"]["totalCount"], 0, "{near:#}");
    assert_eq!(near["establishments"]["totalCount"], 0, "{near:#}");
    let sorted = app
        .query(
            "{ organisations(orderBy: { field: NAME, direction: ASC }) { edges { cursor node { name diffusible } } } }",
            json!({}),
        )
        .await;
    let edges = sorted["organisations"]["edges"].as_array().unwrap();
    assert!(edges.len() > 2, "{sorted:#}");
    for edge in edges {
        let cursor = api::store::page::Cursor::decode("after", edge["cursor"].as_str().unwrap()).unwrap();
        assert!(!cursor.key.to_lowercase().contains("durance"), "{cursor:?}");
    }
}
