//! Protocol conformance as client teams check it: the graphql-http server audit (every MUST,
//! SHOULD and MAY check of GraphQL over HTTP, from the npm registry, pinned in
//! `tests/conformance/`), a Relay lint of `schema.graphql`, the audit log as a full Relay
//! connection, and request members of the wrong type answered 400.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
};

use async_graphql::parser::{
    parse_schema,
    types::{BaseType, FieldDefinition, Type, TypeKind, TypeSystemDefinition},
};
use entity::enums::ApiRole;
use http_body_util::Full;
use hyper::{Request, body::Bytes};
use serde_json::{Value, json};

use crate::{
    fixtures::siren,
    harness::{TestApp, exchange, on_both_databases},
    writes::{call, data, key},
};

/// The folder of the pinned npm packages.
fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// Installs the pinned packages once per test run (`npm ci`: exactly the lock file).
fn npm_packages() -> PathBuf {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let dir = conformance_dir();
    let mut installed = INSTALLED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !*installed {
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("npm is needed for the conformance tests (Node.js and npm): {e}"));
        assert!(
            output.status.success(),
            "npm ci in {} failed:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        *installed = true;
    }
    dir
}

on_both_databases! {
    async fn the_graphql_http_server_audit_passes_every_check(app: &TestApp) {
        super::graphql_http_audit(app).await;
    }

    async fn request_members_of_the_wrong_type_are_answered_400_naming_them(app: &TestApp) {
        super::members_of_the_wrong_type(app).await;
    }

    async fn the_audit_log_is_a_relay_connection_paged_both_ways(app: &TestApp) {
        super::audit_log_pages(app).await;
    }
}

/// Runs the graphql-http server audit against the test server.
async fn graphql_http_audit(app: &TestApp) {
    let dir = npm_packages();
    let url = format!("http://{}/graphql", app.addr);
    let target = url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("audit.mjs")
            .arg(target)
            .current_dir(dir)
            .output()
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("node is needed for the conformance tests: {e}"));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "graphql-http audit against {url}:\n{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = report.lines().last().unwrap_or_default();
    let (ok, total) = last
        .strip_suffix(" checks ok")
        .and_then(|counts| counts.split_once(" of "))
        .unwrap_or_else(|| panic!("no summary line in the audit's report:\n{report}"));
    assert_eq!(ok, total, "{report}");
    assert!(
        total.parse::<u32>().unwrap() >= 60,
        "the audit ran too few checks:\n{report}"
    );
}

/// `variables` and `extensions` that are no object are refused, over POST and GET.
async fn members_of_the_wrong_type(app: &TestApp) {
    for accept in ["application/json", "application/graphql-response+json"] {
        for (member, value) in [
            ("extensions", json!("string")),
            ("extensions", json!(7)),
            ("extensions", json!(false)),
            ("extensions", json!([{ "persistedQuery": {} }])),
            ("variables", json!("{}")),
            ("variables", json!([1])),
        ] {
            let body = json!({ "query": "{ __typename }", member: value }).to_string();
            let answer = exchange(
                Request::post(format!("http://{}/graphql", app.addr))
                    .header("content-type", "application/json")
                    .header("accept", accept)
                    .body(Full::new(Bytes::from(body)))
                    .unwrap(),
            )
            .await;
            assert_eq!(answer.status, 400, "{member}: {value} ({accept}): {}", answer.body);
            let error = &answer.json()["errors"][0];
            assert_eq!(error["message"], format!("`{member}` must be an object, not {value}"));
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", "{ __typename }")
            .append_pair("extensions", "[]")
            .finish();
        let answer = exchange(
            Request::get(format!("http://{}/graphql?{query}", app.addr))
                .header("accept", accept)
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(
            answer.json()["errors"][0]["message"],
            "`extensions` must be an object, not []"
        );
    }
}

const AUDIT_PAGE: &str = "query($id: ID, $first: Int, $after: String, $last: Int, $before: String) {
    auditLog(recordId: $id, first: $first, after: $after, last: $last, before: $before) {
        totalCount endCursor hasNextPage
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
        edges { cursor node { cursor operation changedFields } }
        nodes { cursor }
    } }";

/// The audit entries' cursors of a page, checking that edges, nodes and page info agree.
fn cursors(page: &Value) -> Vec<String> {
    let edges = page["edges"].as_array().unwrap();
    let cursors: Vec<String> = edges.iter().map(|e| e["cursor"].as_str().unwrap().to_owned()).collect();
    let node_cursors: Vec<&str> = edges.iter().map(|e| e["node"]["cursor"].as_str().unwrap()).collect();
    assert_eq!(
        cursors, node_cursors,
        "an edge's cursor is its entry's cursor: {page:#}"
    );
    let nodes: Vec<&str> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["cursor"].as_str().unwrap())
        .collect();
    assert_eq!(cursors, nodes, "{page:#}");
    assert_eq!(page["pageInfo"]["startCursor"], json!(cursors.first()), "{page:#}");
    assert_eq!(page["pageInfo"]["endCursor"], json!(cursors.last()), "{page:#}");
    assert_eq!(
        page["endCursor"], page["pageInfo"]["endCursor"],
        "the deprecated field still answers"
    );
    assert_eq!(
        page["hasNextPage"], page["pageInfo"]["hasNextPage"],
        "the deprecated field still answers"
    );
    cursors
}

/// Pages one record's audit log forward, backward and between cursors.
async fn audit_log_pages(app: &TestApp) {
    let admin = key(app, ApiRole::Admin, Some("PARTNER:a")).await;
    let created = data(
        app,
        &admin,
        "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }",
        json!({ "input": { "organisation": { "name": "Audité", "siren": siren(44_150_001) } } }),
    )
    .await;
    let id = created["createOrganisation"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for acronym in ["A1", "A2", "A3", "A4", "A5", "A6"] {
        data(
            app,
            &admin,
            "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": id, "organisation": { "acronym": acronym } } }),
        )
        .await;
    }
    let page = |variables: Value| {
        let (admin, id) = (admin.clone(), id.clone());
        async move {
            let mut variables = variables;
            variables["id"] = json!(id);
            data(app, &admin, AUDIT_PAGE, variables).await["auditLog"].clone()
        }
    };

    // The whole log of the record: 7 entries, newest first.
    let all = page(json!({})).await;
    let every = cursors(&all);
    assert_eq!(every.len(), 7);
    assert_eq!(all["totalCount"], 7);
    let ids: Vec<i64> = every.iter().map(|c| c.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert_eq!(all["edges"][6]["node"]["operation"], "create");
    assert_eq!(all["edges"][0]["node"]["changedFields"], json!(["acronym"]));

    // Forward, 3 at a time.
    let mut forward = Vec::new();
    let mut after = Value::Null;
    for (expected, more) in [(3, true), (3, true), (1, false)] {
        let p = page(json!({ "first": 3, "after": after })).await;
        let got = cursors(&p);
        assert_eq!(got.len(), expected, "{p:#}");
        assert_eq!(p["pageInfo"]["hasNextPage"], more, "{p:#}");
        assert_eq!(p["pageInfo"]["hasPreviousPage"], !after.is_null(), "{p:#}");
        assert_eq!(p["totalCount"], 7);
        after = p["pageInfo"]["endCursor"].clone();
        forward.extend(got);
    }
    assert_eq!(forward, every);

    // Backward, 3 at a time, from the oldest entries.
    let mut backward = Vec::new();
    let mut before = Value::Null;
    for (expected, more) in [(3, true), (3, true), (1, false)] {
        let p = page(json!({ "last": 3, "before": before })).await;
        let got = cursors(&p);
        assert_eq!(got.len(), expected, "{p:#}");
        assert_eq!(p["pageInfo"]["hasPreviousPage"], more, "{p:#}");
        before = p["pageInfo"]["startCursor"].clone();
        backward.splice(0..0, got);
    }
    assert_eq!(backward, every);

    // Between two cursors; an entry's own cursor pages as well.
    let between = page(json!({ "after": every[1], "before": every[5] })).await;
    assert_eq!(cursors(&between), every[2..5]);
    assert_eq!(page(json!({ "first": 0 })).await["edges"], json!([]));

    // Refusals name the argument and the value.
    for (variables, field, value) in [
        (json!({ "after": "zzz" }), "after", "zzz"),
        (json!({ "before": "-4" }), "before", "-4"),
        (json!({ "first": 1001 }), "first", "1001"),
        (json!({ "last": -1 }), "last", "-1"),
        (json!({ "first": 1, "last": 1 }), "last", "1"),
    ] {
        let mut variables = variables;
        variables["id"] = json!(id);
        let (_, body) = call(app, Some(&admin), AUDIT_PAGE, variables.clone()).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}: {body:#}");
        assert_eq!(error["extensions"]["field"], field, "{variables}: {body:#}");
        assert_eq!(error["extensions"]["value"], value, "{variables}: {body:#}");
    }
}

/// A Relay lint of a schema (the Cursor Connections specification, and the Global Object
/// Identification one): every problem found, by type and field.
fn relay_problems(sdl: &str) -> Vec<String> {
    let document = parse_schema(sdl).unwrap_or_else(|e| panic!("the schema does not parse: {e}"));
    let mut objects: HashMap<String, Vec<FieldDefinition>> = HashMap::new();
    let mut interfaces: HashMap<String, Vec<FieldDefinition>> = HashMap::new();
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            let ty = ty.node;
            let fields = match ty.kind {
                TypeKind::Object(object) => object.fields.into_iter().map(|f| f.node).collect(),
                TypeKind::Interface(interface) => {
                    interfaces.insert(
                        ty.name.node.to_string(),
                        interface.fields.into_iter().map(|f| f.node).collect(),
                    );
                    continue;
                }
                _ => continue,
            };
            objects.insert(ty.name.node.to_string(), fields);
        }
    }
    let field = |fields: &[FieldDefinition], name: &str| fields.iter().find(|f| f.name.node == name).cloned();
    let shown = |ty: &Type| ty.to_string();
    let named = |ty: &Type| -> Option<String> {
        match &ty.base {
            BaseType::Named(name) => Some(name.to_string()),
            BaseType::List(_) => None,
        }
    };
    let mut problems = Vec::new();
    let mut names: Vec<&String> = objects.keys().collect();
    names.sort();
    for name in names.iter().copied() {
        let fields = &objects[name];
        if name.ends_with("Connection") {
            match field(fields, "edges").map(|f| f.ty.node) {
                Some(Type {
                    base: BaseType::List(item),
                    ..
                }) => match named(&item) {
                    Some(edge) => match objects.get(&edge) {
                        Some(edge_fields) => {
                            match field(edge_fields, "node") {
                                Some(node) if named(&node.ty.node).is_some() => {}
                                Some(node) => {
                                    problems.push(format!("{edge}.node is {}, not a single item", shown(&node.ty.node)))
                                }
                                None => problems.push(format!("{edge} has no field `node`")),
                            }
                            match field(edge_fields, "cursor").map(|f| shown(&f.ty.node)) {
                                Some(cursor) if cursor == "String!" => {}
                                other => problems.push(format!("{edge}.cursor must be String!, not {other:?}")),
                            }
                        }
                        None => problems.push(format!("{name}.edges lists {edge}, which is no object type")),
                    },
                    None => problems.push(format!("{name}.edges is a list of lists")),
                },
                Some(other) => problems.push(format!("{name}.edges is {}, not a list of edges", shown(&other))),
                None => problems.push(format!("{name} has no field `edges`")),
            }
            match field(fields, "pageInfo").map(|f| shown(&f.ty.node)) {
                Some(page_info) if page_info == "PageInfo!" => {}
                other => problems.push(format!("{name}.pageInfo must be PageInfo!, not {other:?}")),
            }
        }
        for f in fields {
            let returned = named(&f.ty.node).unwrap_or_default();
            if !returned.ends_with("Connection") {
                continue;
            }
            let argument = |argument: &str| {
                f.arguments
                    .iter()
                    .find(|a| a.node.name.node == argument)
                    .map(|a| shown(&a.node.ty.node))
            };
            let forward = argument("first").as_deref() == Some("Int") && argument("after").as_deref() == Some("String");
            let backward =
                argument("last").as_deref() == Some("Int") && argument("before").as_deref() == Some("String");
            if !forward && !backward {
                problems.push(format!(
                    "{name}.{} returns {returned} without first/after or last/before arguments",
                    f.name.node
                ));
            }
        }
    }
    match objects.get("PageInfo") {
        Some(page_info) => {
            for (name, ty) in [
                ("hasPreviousPage", "Boolean!"),
                ("hasNextPage", "Boolean!"),
                ("startCursor", "String"),
                ("endCursor", "String"),
            ] {
                match field(page_info, name).map(|f| shown(&f.ty.node)) {
                    Some(found) if found == ty || found == format!("{ty}!") => {}
                    other => problems.push(format!("PageInfo.{name} must be {ty}, not {other:?}")),
                }
            }
        }
        None => problems.push("no PageInfo type".to_owned()),
    }
    if let Some(node) = interfaces.get("Node") {
        if field(node, "id").map(|f| shown(&f.ty.node)).as_deref() != Some("ID!") {
            problems.push("Node.id must be ID!".to_owned());
        }
        let query = objects.get("Query").cloned().unwrap_or_default();
        match field(&query, "node") {
            Some(f)
                if named(&f.ty.node).as_deref() == Some("Node")
                    && f.arguments
                        .iter()
                        .any(|a| a.node.name.node == "id" && shown(&a.node.ty.node) == "ID!") => {}
            _ => problems.push("Query.node(id: ID!): Node is missing".to_owned()),
        }
    }
    problems
}

#[test]
fn the_published_schema_follows_the_relay_specifications() {
    let sdl = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql")).unwrap();
    let problems = relay_problems(&sdl);
    assert!(
        problems.is_empty(),
        "schema.graphql breaks Relay rules:\n{}",
        problems.join("\n")
    );
    let connections = sdl.matches("Connection {").count();
    assert!(connections >= 7, "the lint saw {connections} connection types");
    assert!(
        sdl.contains("type AuditLogConnection {"),
        "the audit log's connection was linted"
    );
}

#[test]
fn the_relay_lint_finds_what_it_looks_for() {
    let sdl = r#"
        interface Node { id: String }
        type PageInfo { hasNextPage: Boolean! startCursor: String endCursor: String }
        type Entry { cursor: String! }
        type AuditLogConnection { nodes: [Entry!]! endCursor: String hasNextPage: Boolean! }
        type ThingEdge { node: [Entry!]! cursor: String }
        type ThingConnection { edges: [ThingEdge!]! pageInfo: PageInfo }
        type Query { auditLog(first: Int, after: String): AuditLogConnection! things(count: Int): ThingConnection! }
    "#;
    let problems = relay_problems(sdl);
    for expected in [
        "AuditLogConnection has no field `edges`",
        "AuditLogConnection.pageInfo must be PageInfo!, not None",
        "ThingEdge.node is [Entry!]!, not a single item",
        "ThingEdge.cursor must be String!, not Some(\"String\")",
        "ThingConnection.pageInfo must be PageInfo!, not Some(\"PageInfo\")",
        "Query.things returns ThingConnection without first/after or last/before arguments",
        "PageInfo.hasPreviousPage must be Boolean!, not None",
        "Node.id must be ID!",
        "Query.node(id: ID!): Node is missing",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "{expected:?} not in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 9, "{problems:#?}");
}
