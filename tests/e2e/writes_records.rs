//! Single-record creates and updates of establishments, identifiers, labels, partnerships,
//! contracts and supply links: `validateOnly`, idempotent replay, stale `expectedVersion`, partial updates
//! (absent keeps, null clears), deleteIdentifier and identifiers in the change feed; every
//! fault of a malformed input reported at once; and a server that refuses anonymous reads.

use entity::enums::ApiRole;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    harness::{TestApp, on_both_databases},
    writes::{call, call_at, data, key},
};

on_both_databases! {
    async fn single_record_writes_validate_replay_and_refuse_stale_versions(app: &TestApp) {
        super::single_record_writes_validate_replay_and_refuse_stale_versions(app).await
    }

    async fn a_partial_update_keeps_absent_fields_and_clears_null_ones(app: &TestApp) {
        super::a_partial_update_keeps_absent_fields_and_clears_null_ones(app).await
    }

    async fn identifiers_are_deleted_and_reported_by_the_feed(app: &TestApp) {
        super::identifiers_are_deleted_and_reported_by_the_feed(app).await
    }

    async fn a_server_without_anonymous_reads_needs_a_key(app: &TestApp) {
        super::a_server_without_anonymous_reads_needs_a_key(app).await
    }

    async fn every_fault_of_an_input_is_reported_at_once(app: &TestApp) {
        super::every_fault_of_an_input_is_reported_at_once(app).await
    }
}

/// One kind of record written one at a time: its mutations, payload field and table.
pub struct Kind {
    /// Entity name in the change log and table name.
    pub table: &'static str,
    /// `createX` field.
    pub create: &'static str,
    /// `updateX` field.
    pub update: &'static str,
    /// Name of the record in the create input and the payload (`label`).
    pub record: &'static str,
    /// GraphQL input type prefix (`Label`).
    pub type_name: &'static str,
}

impl Kind {
    /// The create mutation, selecting the record's id and version.
    pub fn create_query(&self) -> String {
        format!(
            "mutation($input: Create{t}Input!) {{ {f}(input: $input) {{ {r} {{ id version }} replayed userErrors {{ field message code }} }} }}",
            t = self.type_name,
            f = self.create,
            r = self.record
        )
    }

    /// The update mutation, selecting the record's id and version.
    pub fn update_query(&self) -> String {
        format!(
            "mutation($input: Update{t}Input!) {{ {f}(input: $input) {{ {r} {{ id version }} replayed userErrors {{ field message code }} }} }}",
            t = self.type_name,
            f = self.update,
            r = self.record
        )
    }
}

/// The six kinds written one at a time.
pub const KINDS: [Kind; 6] = [
    Kind {
        table: "establishment",
        create: "createEstablishment",
        update: "updateEstablishment",
        record: "establishment",
        type_name: "Establishment",
    },
    Kind {
        table: "organisation_identifier",
        create: "createIdentifier",
        update: "updateIdentifier",
        record: "identifier",
        type_name: "Identifier",
    },
    Kind {
        table: "organisation_label",
        create: "createLabel",
        update: "updateLabel",
        record: "label",
        type_name: "Label",
    },
    Kind {
        table: "partnership",
        create: "createPartnership",
        update: "updatePartnership",
        record: "partnership",
        type_name: "Partnership",
    },
    Kind {
        table: "contract",
        create: "createContract",
        update: "updateContract",
        record: "contract",
        type_name: "Contract",
    },
    Kind {
        table: "supply_link",
        create: "createSupplyLink",
        update: "updateSupplyLink",
        record: "supplyLink",
        type_name: "SupplyLink",
    },
];

/// The whole record of kind `index` for a create, keyed `key`, held by `organisation`;
/// contracts are bought by `buyer` from `supplier`.
pub fn record(index: usize, key: &str, organisation: &str, (buyer, supplier): (&str, &str)) -> Value {
    match index {
        0 => json!({ "externalId": key, "organisationId": organisation, "name": format!("Site {key}") }),
        1 => {
            json!({ "externalId": key, "organisationId": organisation, "scheme": "PARTNER", "value": format!("v-{key}") })
        }
        2 => json!({ "externalId": key, "organisationId": organisation, "kind": "RUP", "issuer": "DDETS 13" }),
        3 => json!({ "externalId": key, "partnershipType": "NETWORK_MEMBERSHIP", "name": format!("Réseau {key}"),
                     "parties": [{ "organisationId": organisation, "role": "LEAD" }] }),
        4 => json!({ "externalId": key, "buyerSiret": buyer, "buyerInternalId": key, "object": "Entretien",
                     "supplierSirets": [supplier] }),
        _ => json!({ "externalId": key, "buyerSiret": buyer, "supplierSiret": supplier, "productFamily": "DAIRY",
                     "channel": "DIRECT", "periodStart": "2025-01-01" }),
    }
}

/// A change to the record of kind `index` (a new value each `round`).
pub fn change(index: usize, round: usize) -> Value {
    match index {
        0 => json!({ "name": format!("Site renamed {round}") }),
        1 => json!({ "value": format!("changed-{round}") }),
        2 => json!({ "reference": format!("REF-{round}") }),
        3 => json!({ "name": format!("Réseau renamed {round}") }),
        4 => json!({ "object": format!("Object {round}") }),
        _ => json!({ "description": format!("Round {round}") }),
    }
}

/// Number of rows of `table`.
async fn rows(app: &TestApp, table: &str) -> i64 {
    app.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
}

fn codes(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors: {payload:#}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A live organisation of `source` created by `key`; its global id.
pub async fn organisation(app: &TestApp, key: &str, name: &str) -> String {
    let created = data(
        app,
        key,
        "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } userErrors { message } } }",
        json!({ "input": { "organisation": { "name": name } } }),
    )
    .await;
    created["createOrganisation"]["organisation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created:#}"))
        .to_owned()
}

async fn single_record_writes_validate_replay_and_refuse_stale_versions(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let sirets = crate::writes::sirets(app).await;
    let holder = organisation(app, &partner, "Holder").await;
    for (index, kind) in KINDS.iter().enumerate() {
        let create = kind.create_query();
        let update = kind.update_query();
        let fields = record(index, "r1", &holder, (&sirets[0], &sirets[1]));

        // validateOnly: every check passes, nothing is written.
        let (before, log_before) = (rows(app, kind.table).await, rows(app, "change_log").await);
        let validated = data(
            app,
            &partner,
            &create,
            json!({ "input": { kind.record: fields, "validateOnly": true } }),
        )
        .await;
        let payload = &validated[kind.create];
        assert_eq!(codes(payload), [], "{}: {payload:#}", kind.create);
        assert_eq!(payload[kind.record], Value::Null, "{}", kind.create);
        assert_eq!(
            (rows(app, kind.table).await, rows(app, "change_log").await),
            (before, log_before),
            "{} validateOnly wrote",
            kind.create
        );
        // validateOnly still reports what is wrong.
        let mut bad = fields.clone();
        bad["externalId"] = json!("");
        let refused = data(
            app,
            &partner,
            &create,
            json!({ "input": { kind.record: bad, "validateOnly": true } }),
        )
        .await;
        assert_eq!(
            codes(&refused[kind.create]),
            [("externalId".to_owned(), "BAD_USER_INPUT".to_owned())],
            "{}: {refused:#}",
            kind.create
        );

        // An idempotency key: the retry replays the first result and writes nothing.
        let input = json!({ "input": { kind.record: fields, "idempotencyKey": format!("create-{index}") } });
        let first = data(app, &partner, &create, input.clone()).await;
        let payload = &first[kind.create];
        assert_eq!(codes(payload), [], "{}: {payload:#}", kind.create);
        assert_eq!(payload[kind.record]["version"], 1, "{}", kind.create);
        assert_eq!(payload["replayed"], false);
        let id = payload[kind.record]["id"].as_str().unwrap().to_owned();
        let (after_first, log_first) = (rows(app, kind.table).await, rows(app, "change_log").await);
        assert_eq!(after_first, before + 1, "{}", kind.create);
        let again = data(app, &partner, &create, input).await;
        assert_eq!(again[kind.create]["replayed"], true, "{}: {again:#}", kind.create);
        assert_eq!(again[kind.create][kind.record]["id"], id.as_str());
        assert_eq!(
            (rows(app, kind.table).await, rows(app, "change_log").await),
            (after_first, log_first)
        );
        // The same external id again, without the key, is a CONFLICT.
        let taken = data(app, &partner, &create, json!({ "input": { kind.record: fields } })).await;
        assert!(
            codes(&taken[kind.create]).contains(&("externalId".to_owned(), "CONFLICT".to_owned())),
            "{}: {taken:#}",
            kind.create
        );
        assert_eq!(
            rows(app, kind.table).await,
            after_first,
            "{} wrote a taken external id",
            kind.create
        );

        // Update at the expected version: version 2, replayable, audited as an update.
        let updated = data(
            app,
            &partner,
            &update,
            json!({ "input": { "id": id, "expectedVersion": 1, kind.record: change(index, 1), "idempotencyKey": format!("update-{index}") } }),
        )
        .await;
        let payload = &updated[kind.update];
        assert_eq!(codes(payload), [], "{}: {payload:#}", kind.update);
        assert_eq!(payload[kind.record]["version"], 2, "{}", kind.update);
        let replayed = data(
            app,
            &partner,
            &update,
            json!({ "input": { "id": id, "expectedVersion": 1, kind.record: change(index, 1), "idempotencyKey": format!("update-{index}") } }),
        )
        .await;
        assert_eq!(replayed[kind.update]["replayed"], true, "{}: {replayed:#}", kind.update);
        assert_eq!(replayed[kind.update]["userErrors"], json!([]));
        let audited = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity = '{}' AND operation IN ('create', 'update')",
                kind.table
            ))
            .await;
        assert_eq!(audited, 2, "{} audit", kind.table);

        // A stale expected version is a CONFLICT and writes nothing.
        let log_before = rows(app, "change_log").await;
        let stale = data(
            app,
            &partner,
            &update,
            json!({ "input": { "id": id, "expectedVersion": 1, kind.record: change(index, 2) } }),
        )
        .await;
        assert_eq!(
            codes(&stale[kind.update]),
            [("expectedVersion".to_owned(), "CONFLICT".to_owned())],
            "{}: {stale:#}",
            kind.update
        );
        assert_eq!(stale[kind.update][kind.record], Value::Null);
        // validateOnly on update: accepted, not written.
        let checked = data(
            app,
            &partner,
            &update,
            json!({ "input": { "id": id, "expectedVersion": 2, kind.record: change(index, 3), "validateOnly": true } }),
        )
        .await;
        assert_eq!(codes(&checked[kind.update]), [], "{}: {checked:#}", kind.update);
        assert_eq!(rows(app, "change_log").await, log_before, "{} wrote", kind.update);
        // The same fields again: nothing to change, the version stays.
        let same = data(
            app,
            &partner,
            &update,
            json!({ "input": { "id": id, kind.record: change(index, 1) } }),
        )
        .await;
        assert_eq!(
            same[kind.update][kind.record]["version"], 2,
            "{}: {same:#}",
            kind.update
        );
        assert_eq!(
            rows(app, "change_log").await,
            log_before,
            "{} logged an unchanged record",
            kind.update
        );
        // Unknown and ill-typed ids.
        let unknown = data(
            app,
            &partner,
            &update,
            json!({ "input": { "id": api::graphql::node::global_id(kind.type_name, uuid::Uuid::now_v7()).0, kind.record: change(index, 4) } }),
        )
        .await;
        assert_eq!(
            codes(&unknown[kind.update]),
            [("id".to_owned(), "NOT_FOUND".to_owned())],
            "{}",
            kind.update
        );
        let wrong_type = data(
            app,
            &partner,
            &update,
            json!({ "input": { "id": holder, kind.record: change(index, 4) } }),
        )
        .await;
        assert_eq!(
            codes(&wrong_type[kind.update]),
            [("id".to_owned(), "BAD_USER_INPUT".to_owned())],
            "{}",
            kind.update
        );
    }
}

async fn a_partial_update_keeps_absent_fields_and_clears_null_ones(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let holder = organisation(app, &partner, "Holder").await;
    let created = data(
        app,
        &partner,
        "mutation($input: CreateLabelInput!) { createLabel(input: $input) { label { id } userErrors { message } } }",
        json!({ "input": { "label": { "externalId": "l1", "organisationId": holder, "kind": "RUP",
            "issuer": "DDETS 13", "reference": "R-1", "validFrom": "2024-01-01", "validTo": "2029-01-01" } } }),
    )
    .await;
    let id = created["createLabel"]["label"]["id"].as_str().unwrap().to_owned();
    let update = "mutation($input: UpdateLabelInput!) { updateLabel(input: $input) {
        label { id version kind issuer reference validFrom validTo externalId source } userErrors { field message code } } }";
    let updated = data(
        app,
        &partner,
        update,
        json!({ "input": { "id": id, "label": { "issuer": null, "validTo": "2030-06-30" } } }),
    )
    .await;
    let label = &updated["updateLabel"]["label"];
    assert_eq!(
        label,
        &json!({ "id": id, "version": 2, "kind": "RUP", "issuer": null, "reference": "R-1",
            "validFrom": "2024-01-01", "validTo": "2030-06-30", "externalId": "l1", "source": "PARTNER:a" }),
        "{updated:#}"
    );
    // The merged record is checked whole: an end before the kept start is refused.
    let refused = data(
        app,
        &partner,
        update,
        json!({ "input": { "id": id, "label": { "validTo": "2020-01-01" } } }),
    )
    .await;
    let errors = &refused["updateLabel"]["userErrors"];
    assert_eq!(errors[0]["field"], "validTo", "{refused:#}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("2020-01-01"),
        "{refused:#}"
    );

    // A record stored without an external id (imported) is updated and stays without one.
    app.db
        .execute_unprepared("UPDATE organisation_label SET external_id = NULL WHERE external_id = 'l1'")
        .await
        .unwrap();
    let admin = key(app, ApiRole::Admin, None).await;
    let keyless = data(
        app,
        &admin,
        update,
        json!({ "input": { "id": id, "label": { "reference": "R-2" } } }),
    )
    .await;
    let keyless = &keyless["updateLabel"];
    assert_eq!(keyless["userErrors"], json!([]), "{keyless:#}");
    assert_eq!(keyless["label"]["externalId"], Value::Null, "{keyless:#}");
    assert_eq!(keyless["label"]["reference"], "R-2");
    assert_eq!(keyless["label"]["version"], 3);

    // So is a contract; its suppliers are kept when not given.
    let sirets = crate::writes::sirets(app).await;
    let contract = "contract { id version object externalId suppliers { idValue } }";
    let created = data(
        app,
        &partner,
        &format!("mutation($input: CreateContractInput!) {{ createContract(input: $input) {{ {contract} userErrors {{ message }} }} }}"),
        json!({ "input": { "contract": { "externalId": "c1", "buyerSiret": sirets[0], "buyerInternalId": "C1",
            "object": "Nettoyage", "supplierSirets": [sirets[1]] } } }),
    )
    .await;
    let contract_id = created["createContract"]["contract"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created:#}"))
        .to_owned();
    app.db
        .execute_unprepared("UPDATE contract SET external_id = NULL WHERE external_id = 'c1'")
        .await
        .unwrap();
    let keyless = data(
        app,
        &admin,
        &format!("mutation($input: UpdateContractInput!) {{ updateContract(input: $input) {{ {contract} userErrors {{ field message }} }} }}"),
        json!({ "input": { "id": contract_id, "contract": { "object": "Nettoyage des locaux" } } }),
    )
    .await;
    let keyless = &keyless["updateContract"];
    assert_eq!(keyless["userErrors"], json!([]), "{keyless:#}");
    assert_eq!(
        keyless["contract"],
        json!({ "id": contract_id, "version": 2, "object": "Nettoyage des locaux", "externalId": null,
            "suppliers": [{ "idValue": sirets[1] }] })
    );

    // A partnership's parties are kept unless given, and replaced when given.
    let other = organisation(app, &partner, "Other").await;
    let partnership = "partnership { id version name description parties { role organisation { id } } }";
    let created = data(
        app,
        &partner,
        &format!("mutation($input: CreatePartnershipInput!) {{ createPartnership(input: $input) {{ {partnership} userErrors {{ message }} }} }}"),
        json!({ "input": { "partnership": { "externalId": "p1", "partnershipType": "NETWORK_MEMBERSHIP",
            "name": "Réseau", "description": "Un réseau", "parties": [{ "organisationId": holder, "role": "LEAD" }] } } }),
    )
    .await;
    let id = created["createPartnership"]["partnership"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = format!(
        "mutation($input: UpdatePartnershipInput!) {{ updatePartnership(input: $input) {{ {partnership} userErrors {{ field code }} }} }}"
    );
    let renamed = data(
        app,
        &partner,
        &update,
        json!({ "input": { "id": id, "partnership": { "name": "Réseau 2", "description": null } } }),
    )
    .await;
    let renamed = &renamed["updatePartnership"]["partnership"];
    assert_eq!(renamed["description"], Value::Null);
    assert_eq!(
        renamed["parties"],
        json!([{ "role": "LEAD", "organisation": { "id": holder } }])
    );
    let replaced = data(
        app,
        &partner,
        &update,
        json!({ "input": { "id": id, "partnership": { "parties": [
            { "organisationId": holder, "role": "LEAD" }, { "organisationId": other, "role": "MEMBER" }] } } }),
    )
    .await;
    let replaced = &replaced["updatePartnership"]["partnership"];
    assert_eq!(replaced["version"], 3, "{replaced:#}");
    assert_eq!(replaced["name"], "Réseau 2");
    assert_eq!(replaced["parties"].as_array().unwrap().len(), 2, "{replaced:#}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM partnership_party").await,
        2,
        "the old parties are replaced"
    );
}

async fn identifiers_are_deleted_and_reported_by_the_feed(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let holder = organisation(app, &partner, "Holder").await;
    let cursor = data(app, &partner, "{ syncState { cursor } }", json!({})).await["syncState"]["cursor"].clone();
    let created = data(
        app,
        &partner,
        "mutation($input: CreateIdentifierInput!) { createIdentifier(input: $input) { identifier { id version } userErrors { message } } }",
        json!({ "input": { "identifier": { "externalId": "i1", "organisationId": holder, "scheme": "PARTNER", "value": "P-1" } } }),
    )
    .await;
    let id = created["createIdentifier"]["identifier"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created:#}"))
        .to_owned();
    let node = "query($id: ID!) { node(id: $id) { id ... on Identifier { value version } } }";
    let found = data(app, &partner, node, json!({ "id": id })).await;
    assert_eq!(
        found["node"],
        json!({ "id": id, "value": "P-1", "version": 1 }),
        "{found:#}"
    );
    let delete = "mutation($input: DeleteInput!) { deleteIdentifier(input: $input) { deletedId version userErrors { field code } } }";
    let stale = data(
        app,
        &partner,
        delete,
        json!({ "input": { "id": id, "expectedVersion": 7 } }),
    )
    .await;
    assert_eq!(stale["deleteIdentifier"]["userErrors"][0]["code"], "CONFLICT");
    let deleted = data(
        app,
        &partner,
        delete,
        json!({ "input": { "id": id, "expectedVersion": 1 } }),
    )
    .await;
    assert_eq!(
        deleted["deleteIdentifier"],
        json!({ "deletedId": id, "version": 2, "userErrors": [] })
    );
    // Hidden from reads, kept in the table.
    let read = data(
        app,
        &partner,
        "query($id: ID!) { organisation(id: $id) { identifiers { id } } }",
        json!({ "id": holder }),
    )
    .await;
    assert_eq!(read["organisation"]["identifiers"], json!([]));
    let found = data(app, &partner, node, json!({ "id": id })).await;
    assert_eq!(found["node"], Value::Null);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisation_identifier WHERE deleted_at IS NOT NULL")
            .await,
        1
    );
    // The feed reports the creation (with the record while it lived) and the tombstone.
    let feed = data(
        app,
        &partner,
        "query($after: String) { changes(after: $after, entities: [IDENTIFIER]) { events {
            entity id operation version record { ... on Identifier { id value scheme } } tombstone { id version } } } }",
        json!({ "after": cursor }),
    )
    .await;
    assert_eq!(
        feed["changes"]["events"],
        json!([
            { "entity": "IDENTIFIER", "id": id, "operation": "UPSERT", "version": 1, "record": null, "tombstone": null },
            { "entity": "IDENTIFIER", "id": id, "operation": "DELETE", "version": 2, "record": null,
              "tombstone": { "id": id, "version": 2 } },
        ])
    );
    // A live identifier's event carries its record.
    let cursor = data(app, &partner, "{ syncState { cursor } }", json!({})).await["syncState"]["cursor"].clone();
    data(
        app,
        &partner,
        "mutation($input: CreateIdentifierInput!) { createIdentifier(input: $input) { userErrors { message } } }",
        json!({ "input": { "identifier": { "externalId": "i2", "organisationId": holder, "scheme": "PARTNER", "value": "P-2" } } }),
    )
    .await;
    let feed = data(
        app,
        &partner,
        "query($after: String) { changes(after: $after) { events { entity record { ... on Identifier { value scheme externalId organisation { id } } } } } }",
        json!({ "after": cursor }),
    )
    .await;
    assert_eq!(
        feed["changes"]["events"],
        json!([{ "entity": "IDENTIFIER", "record": { "value": "P-2", "scheme": "PARTNER", "externalId": "i2", "organisation": { "id": holder } } }])
    );
}

async fn a_server_without_anonymous_reads_needs_a_key(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let closed = app.sibling(|serve| serve.anonymous_read = false).await;
    let read = "{ syncState { cursor } }";
    let (status, body) = call_at(closed, None, read, json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("needs an API key for every request"), "{message}");
    assert!(body.get("data").is_none(), "{body}");
    let (status, body) = call_at(closed, Some(&partner), read, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["syncState"]["cursor"].is_string(), "{body}");
    // The default server still reads anonymously.
    let (status, _) = call(app, None, read, json!({})).await;
    assert_eq!(status, 200);
}

async fn every_fault_of_an_input_is_reported_at_once(app: &TestApp) {
    let partner = key(app, ApiRole::Partner, Some("PARTNER:a")).await;
    let lead = organisation(app, &partner, "Régie").await;
    let upsert = "mutation($input: UpsertPartnershipsInput!) { upsertPartnerships(input: $input) {
        committed userErrors { field message code } results { index status userErrors { field message code } } } }";
    let item = |id: &str, amount: &str, parties: Value| {
        json!({ "externalId": id, "partnershipType": "PTCE", "name": format!("Pôle {id}"), "amount": amount,
                "parties": parties })
    };
    let lead_only = json!([{ "organisationId": lead, "role": "LEAD" }]);
    let batch = |amount: &str, parties: Value| json!({ "input": { "items": [item("p1", "1250.50", lead_only.clone()), item("p2", amount, parties)] } });
    let faulty = json!([{ "organisationId": lead, "role": "LEAD" }, { "organisationId": "T3JnYW5pc2F0aW9uOg==", "role": "MEMBER" }]);
    let answer = data(app, &partner, upsert, batch("10.005", faulty)).await;
    // Malformed input (an amount that is not whole cents, a global id that names no
    // organisation) is refused before any item is written, each fault named with its item.
    let payload = &answer["upsertPartnerships"];
    assert_eq!(payload["committed"], false, "{answer:#}");
    assert_eq!(payload["results"], json!([]), "{answer:#}");
    assert_eq!(
        codes(payload),
        [
            ("items.1.amount".to_owned(), "BAD_USER_INPUT".to_owned()),
            (
                "items.1.parties.1.organisationId".to_owned(),
                "BAD_USER_INPUT".to_owned()
            ),
        ],
        "{answer:#}"
    );
    assert_eq!(rows(app, "partnership").await, 0, "nothing is written");
    let message = payload["userErrors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("10.005"), "{answer:#}");

    // The same batch without the faults is written, euros stored as cents.
    let answer = data(app, &partner, upsert, batch("10.05", lead_only.clone())).await;
    assert_eq!(answer["upsertPartnerships"]["committed"], true, "{answer:#}");
    assert_eq!(rows(app, "partnership").await, 2);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM partnership WHERE amount_cents = 125050")
            .await,
        1,
        "euros are stored as cents"
    );
}
