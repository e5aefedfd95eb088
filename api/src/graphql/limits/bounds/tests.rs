//! The input bounds, checked on documents against the served schema, and the documentation
//! kept equal to them.

use async_graphql::{
    parser::parse_query,
    registry::{MetaType, MetaTypeName},
};

use super::*;

/// The refusal of `query` with `variables` (`None` when it passes): field, value, message.
fn refusal(query: &str, variables: serde_json::Value) -> Option<(String, String, String)> {
    let document = parse_query(query).unwrap_or_else(|e| panic!("{e}"));
    let error = admit(&document, None, &Variables::from_json(variables)).err()?;
    let extensions = error.extensions.unwrap_or_else(|| panic!("no extensions"));
    assert_eq!(
        extensions.get("code"),
        Some(&Value::from(crate::error_code::ErrorCode::BadUserInput.as_str()))
    );
    let text = |name: &str| match extensions.get(name) {
        Some(Value::String(text)) => text.clone(),
        other => panic!("{name}: {other:?}"),
    };
    Some((text("field"), text("value"), error.message))
}

fn list(n: usize, item: &str) -> serde_json::Value {
    serde_json::Value::Array((0..n).map(|_| serde_json::Value::from(item)).collect())
}

#[test]
fn lists_over_their_cap_are_refused_with_path_size_and_cap() {
    let query = "query($naf: [String!]) { organisations(filter: { naf: $naf }) { totalCount } }";
    assert_eq!(refusal(query, serde_json::json!({ "naf": list(100, "88") })), None);
    assert_eq!(
        refusal(query, serde_json::json!({ "naf": list(20_000, "88") })),
        Some((
            "organisations.filter.naf".to_owned(),
            "20000 items".to_owned(),
            r#"invalid organisations.filter.naf "20000 items": must have at most 100 items"#.to_owned()
        ))
    );
    // Literal lists, ids (500) and nested fields.
    let ids = (0..501).map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(",");
    let (field, value, _) = refusal(&format!("{{ nodes(ids: [{ids}]) {{ id }} }}"), serde_json::json!({}))
        .unwrap_or_else(|| panic!("501 ids pass"));
    assert_eq!((field.as_str(), value.as_str()), ("nodes.ids", "501 items"));
    let ids = (0..500).map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(",");
    assert_eq!(
        refusal(&format!("{{ nodes(ids: [{ids}]) {{ id }} }}"), serde_json::json!({})),
        None
    );
    let query = r#"query($c: [String!]) { territory(code: "13", level: DEPARTEMENT) {
        organisations(filter: { legalCategories: $c }) { totalCount } } }"#;
    let (field, _, _) =
        refusal(query, serde_json::json!({ "c": list(101, "5458") })).unwrap_or_else(|| panic!("101 categories pass"));
    assert_eq!(field, "organisations.filter.legalCategories");
    // A variable's default counts, and a fragment's arguments are checked.
    let query = format!(
        "query($naf: [String!] = {}) {{ ...F }} fragment F on Query {{ organisations(filter: {{ naf: $naf }}) {{ totalCount }} }}",
        list(101, "88")
    );
    let (field, _, _) = refusal(&query, serde_json::json!({})).unwrap_or_else(|| panic!("default passes"));
    assert_eq!(field, "organisations.filter.naf");
}

#[test]
fn strings_words_numbers_and_dates_have_bounds() {
    let name = "query($name: String) { organisations(filter: { name: $name }) { totalCount } }";
    assert_eq!(
        refusal(
            name,
            serde_json::json!({ "name": "un deux trois quatre cinq six sept huit" })
        ),
        None
    );
    // Words are counted after folding: "l'île" is two.
    let (field, value, _) =
        refusal(name, serde_json::json!({ "name": "l'île a b c d e f g" })).unwrap_or_else(|| panic!("9 words pass"));
    assert_eq!(
        (field.as_str(), value.as_str()),
        ("organisations.filter.name", "9 words")
    );
    let long = "query($uid: String!) { contract(uid: $uid) { uid } }";
    let (_, value, message) =
        refusal(long, serde_json::json!({ "uid": "x".repeat(500_000) })).unwrap_or_else(|| panic!("passes"));
    assert_eq!(value, "500000 characters");
    assert!(message.ends_with("must have at most 100 characters"), "{message}");
    // Characters, not bytes.
    assert_eq!(refusal(long, serde_json::json!({ "uid": "é".repeat(100) })), None);
    let near = r#"{ organisations(filter: { near: { latitude: 1e308, longitude: 0, radiusKm: 1 } }) { totalCount } }"#;
    assert_eq!(
        refusal(near, serde_json::json!({})),
        None,
        "checked by the near filter itself"
    );
    let write = "mutation($e: EstablishmentPatchInput!) { updateEstablishment(input: { id: \"x\", establishment: $e }) { clientMutationId } }";
    let (field, value, message) =
        refusal(write, serde_json::json!({ "e": { "latitude": 1e308 } })).unwrap_or_else(|| panic!("passes"));
    assert_eq!(field, "updateEstablishment.input.establishment.latitude");
    assert_eq!(value, "1e+308");
    assert!(message.ends_with("must be from -90 to 90"), "{message}");
    // Page sizes are reported as the connections report them, before the cost.
    let (field, value, message) = refusal(
        "{ organisations(first: 2147483647) { totalCount } }",
        serde_json::json!({}),
    )
    .unwrap_or_else(|| panic!("passes"));
    assert_eq!((field.as_str(), value.as_str()), ("first", "2147483647"));
    assert_eq!(message, r#"invalid first "2147483647": must be between 0 and 500"#);
    assert_eq!(
        refusal("{ changes(first: 1000) { cursor } }", serde_json::json!({})),
        None
    );
    let version = r#"mutation { deleteContract(input: { id: "x", expectedVersion: -1 }) { clientMutationId } }"#;
    let (field, _, _) = refusal(version, serde_json::json!({})).unwrap_or_else(|| panic!("passes"));
    assert_eq!(field, "deleteContract.input.expectedVersion");
    let amount = "query($a: Decimal) { contracts(filter: { amountMinEur: $a }) { totalCount } }";
    assert_eq!(
        refusal(amount, serde_json::json!({ "a": "-1" })),
        None,
        "the filter refuses it"
    );
    assert!(refusal(amount, serde_json::json!({ "a": "1e16" })).is_some());
    assert!(refusal(amount, serde_json::json!({ "a": "-1e16" })).is_some());
    assert_eq!(refusal(amount, serde_json::json!({ "a": "250000.50" })), None);
    let dated = "query($d: NaiveDate) { organisations(filter: { labelValidOn: $d }) { totalCount } }";
    for bad in [
        "+262142-12-31",
        "-0001-01-01",
        "1899-12-31",
        "2101-01-01",
        "12024-01-01",
    ] {
        let (field, value, _) =
            refusal(dated, serde_json::json!({ "d": bad })).unwrap_or_else(|| panic!("{bad} passes"));
        assert_eq!(
            (field.as_str(), value.as_str()),
            ("organisations.filter.labelValidOn", bad)
        );
    }
    for good in ["1900-01-01", "2100-12-31"] {
        assert_eq!(refusal(dated, serde_json::json!({ "d": good })), None, "{good}");
    }
    let since = "query($t: DateTime) { organisations(filter: { updatedSince: $t }) { totalCount } }";
    assert_eq!(refusal(since, serde_json::json!({ "t": "2100-12-31T23:59:59Z" })), None);
    assert!(refusal(since, serde_json::json!({ "t": "+262142-12-31T00:00:00Z" })).is_some());
    // Free text in writes keeps a longer bound.
    let description = "mutation($p: PartnershipPatchInput!) { updatePartnership(input: { id: \"x\", partnership: $p }) { clientMutationId } }";
    assert_eq!(
        refusal(
            description,
            serde_json::json!({ "p": { "description": "d".repeat(10_000) } })
        ),
        None
    );
    assert!(
        refusal(
            description,
            serde_json::json!({ "p": { "description": "d".repeat(10_001) } })
        )
        .is_some()
    );
    let (field, _, _) = refusal(
        description,
        serde_json::json!({ "p": { "parties": (0..201).map(|_| serde_json::json!({ "organisationId": "x", "role": "MEMBER" })).collect::<Vec<_>>() } }),
    )
    .unwrap_or_else(|| panic!("201 parties pass"));
    assert_eq!(field, "updatePartnership.input.partnership.parties");
}

/// Every input of the schema, as `Type.field` (input objects) or `Type.field(argument)`,
/// with its GraphQL type.
fn inputs() -> Vec<(String, String)> {
    let mut inputs = Vec::new();
    for (name, ty) in &super::super::registry::TYPES.types {
        match ty {
            MetaType::InputObject { input_fields, .. } => {
                for (field, input) in input_fields {
                    inputs.push((format!("{name}.{field}"), input.ty.clone()));
                }
            }
            MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => {
                for (field, meta) in fields {
                    for (argument, input) in &meta.args {
                        inputs.push((format!("{name}.{field}({argument})"), input.ty.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    inputs
}

#[test]
fn every_override_names_an_input_of_the_schema_and_every_float_has_one() {
    let inputs = inputs();
    for (key, _) in OVERRIDES {
        let found = match key.strip_prefix('*') {
            Some(argument) => inputs.iter().any(|(input, _)| input.ends_with(argument)),
            None => inputs.iter().any(|(input, _)| input == key),
        };
        assert!(found, "{key} is not an input of the schema");
    }
    for (input, ty) in &inputs {
        if MetaTypeName::concrete_typename(ty) == "Float" {
            assert!(
                overrides(input).next().is_some(),
                "{input} (Float) has no bound of its own"
            );
        }
    }
}

#[test]
fn the_api_documentation_lists_every_bound() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/READ-API.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    let section = doc
        .split("## Input bounds")
        .nth(1)
        .unwrap_or_else(|| panic!("no Input bounds section"));
    let rows: Vec<(String, String)> = section
        .lines()
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            match cells.as_slice() {
                ["", path, bound, ""] if path.starts_with('`') => {
                    Some((path.trim_matches('`').to_owned(), (*bound).to_owned()))
                }
                _ => None,
            }
        })
        .collect();
    for (key, bound) in OVERRIDES {
        let shown = bound.to_string();
        assert!(
            rows.iter().any(|(path, text)| path == key && text.contains(&shown)),
            "docs/READ-API.md does not list `{key}` | {shown}"
        );
    }
    for (path, _) in &rows {
        if path.contains('.') || path.starts_with('*') {
            assert!(
                OVERRIDES.iter().any(|(key, _)| key == path),
                "docs/READ-API.md lists `{path}`, which the code does not bound"
            );
        }
    }
}
