//! Random input: documents and variables generated from the served schema with a seeded
//! generator each get an answer or a clear client error (4xx, or GraphQL errors with a code),
//! never a panic, a 500 or an INTERNAL error; and the server keeps answering. Bounded in size
//! and count, on 127.0.0.1 only. (Hostile requests one by one: `transport`.)

use std::collections::BTreeMap;

use async_graphql::parser::types::{BaseType, Type};
use entity::enums::ApiRole;
use serde_json::Value;

use crate::{
    harness::{TestApp, on_both_databases},
    shape::{Shape, assert_clear, named},
};

/// A small seeded generator (xorshift64*): the same seed gives the same documents.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Builds random documents over the shape; variables are declared for some arguments.
struct Generator<'a> {
    shape: &'a Shape,
    rng: Seeded,
    variables: Vec<(String, String, Value)>,
}

const STRINGS: [&str; 12] = [
    "",
    "552100554",
    "55210055400013",
    "W133000001",
    "13055",
    "2A004",
    "93",
    "é\u{301}",
    "'; DROP TABLE organisation; --",
    "%_\\",
    "T3JnYW5pc2F0aW9uOjE=",
    "2026-01-01",
];
const INTS: [i64; 8] = [0, 1, 5, 50, 1000, -1, 2_147_483_647, -2_147_483_648];

impl Generator<'_> {
    /// A literal value of `ty` (occasionally of the wrong type).
    fn literal(&mut self, ty: &Type, depth: usize) -> String {
        if self.rng.chance(5) {
            return self
                .rng
                .pick(&["null", "\"x\"", "7", "[]", "{}", "true", "NOPE"])
                .to_string();
        }
        if let BaseType::List(inner) = &ty.base {
            let items: Vec<String> = (0..self.rng.below(4)).map(|_| self.literal(inner, depth + 1)).collect();
            return format!("[{}]", items.join(", "));
        }
        let name = named(ty).to_owned();
        if let Some(values) = self.shape.enums.get(&name) {
            return self.rng.pick(values).clone();
        }
        if let Some(fields) = self.shape.inputs.get(&name).map(|f| f.to_vec()) {
            if depth > 3 {
                return "{}".to_owned();
            }
            let mut members = Vec::new();
            for (field, field_ty) in fields {
                if !field_ty.nullable || self.rng.chance(30) {
                    members.push(format!("{field}: {}", self.literal(&field_ty, depth + 1)));
                }
            }
            return format!("{{ {} }}", members.join(", "));
        }
        match name.as_str() {
            "Int" => self.rng.pick(&INTS).to_string(),
            "Float" => self.rng.pick(&["0.5", "-1e300", "43.3", "5"]).to_string(),
            "Boolean" => self.rng.pick(&["true", "false"]).to_string(),
            "Decimal" => self
                .rng
                .pick(&["\"12.50\"", "\"-1\"", "\"1e40\"", "\"abc\""])
                .to_string(),
            "NaiveDate" | "Date" => self
                .rng
                .pick(&["\"2026-01-01\"", "\"2026-13-45\"", "\"yesterday\""])
                .to_string(),
            "DateTime" => self
                .rng
                .pick(&["\"2026-01-01T00:00:00Z\"", "\"not a time\""])
                .to_string(),
            _ => serde_json::to_string(self.rng.pick(&STRINGS)).unwrap(),
        }
    }

    /// A JSON value for a variable of `ty`.
    fn variable_value(&mut self, ty: &Type) -> Value {
        if self.rng.chance(10) {
            return self
                .rng
                .pick(&[
                    serde_json::json!(null),
                    serde_json::json!("x"),
                    serde_json::json!(3),
                    serde_json::json!([1]),
                    serde_json::json!({ "a": 1 }),
                ])
                .clone();
        }
        if let BaseType::List(inner) = &ty.base {
            return Value::Array((0..self.rng.below(3)).map(|_| self.variable_value(inner)).collect());
        }
        let name = named(ty).to_owned();
        if let Some(values) = self.shape.enums.get(&name) {
            return serde_json::json!(self.rng.pick(values));
        }
        if self.shape.inputs.contains_key(&name) {
            return serde_json::json!({});
        }
        match name.as_str() {
            "Int" => serde_json::json!(self.rng.pick(&INTS)),
            "Boolean" => serde_json::json!(self.rng.chance(50)),
            _ => serde_json::json!(self.rng.pick(&STRINGS)),
        }
    }

    fn arguments(&mut self, arguments: &[(String, Type)]) -> String {
        let mut given = Vec::new();
        for (name, ty) in arguments {
            let include = if ty.nullable {
                self.rng.chance(40)
            } else {
                !self.rng.chance(3)
            };
            if !include {
                continue;
            }
            if self.rng.chance(25) {
                let variable = format!("v{}", self.variables.len());
                let value = self.variable_value(ty);
                self.variables.push((variable.clone(), ty.to_string(), value));
                given.push(format!("{name}: ${variable}"));
            } else {
                given.push(format!("{name}: {}", self.literal(ty, 0)));
            }
        }
        if given.is_empty() {
            String::new()
        } else {
            format!("({})", given.join(", "))
        }
    }

    /// A selection set on `type_name`.
    fn selection(&mut self, type_name: &str, depth: usize) -> String {
        if let Some(members) = self.shape.unions.get(type_name).cloned() {
            let member = self.rng.pick(&members).clone();
            let inner = self.selection(&member, depth);
            return format!("{{ __typename ... on {member} {inner} }}");
        }
        let Some(fields) = self.shape.fields.get(type_name) else {
            return String::new();
        };
        let count = 1 + self.rng.below(3);
        let mut chosen = Vec::new();
        for index in 0..count {
            let field = &fields[self.rng.below(fields.len())];
            let (name, arguments, ty) = (field.name.clone(), field.arguments.clone(), field.ty.clone());
            let alias = if self.rng.chance(15) {
                format!("a{index}: ")
            } else {
                String::new()
            };
            let arguments = self.arguments(&arguments);
            let child = named(&ty).to_owned();
            let composite = self.shape.fields.contains_key(&child) || self.shape.unions.contains_key(&child);
            let selection = if !composite {
                String::new()
            } else if depth >= 4 {
                "{ __typename }".to_owned()
            } else {
                self.selection(&child, depth + 1)
            };
            chosen.push(format!("{alias}{name}{arguments} {selection}"));
        }
        format!("{{ {} }}", chosen.join(" "))
    }

    /// A document (query, or mutation when `mutation`) and its variables.
    fn document(&mut self, mutation: bool) -> (String, Value) {
        self.variables.clear();
        let root = if mutation { "Mutation" } else { "Query" };
        let body = self.selection(root, 0);
        let declared: Vec<String> = self
            .variables
            .iter()
            .map(|(name, ty, _)| format!("${name}: {ty}"))
            .collect();
        let values: serde_json::Map<String, Value> = self
            .variables
            .iter()
            .map(|(name, _, value)| (name.clone(), value.clone()))
            .collect();
        let operation = if mutation { "mutation" } else { "query" };
        let header = if declared.is_empty() {
            operation.to_owned()
        } else {
            format!("{operation}({})", declared.join(", "))
        };
        let mut document = format!("{header} {body}");
        // Some documents are damaged: a character removed or a brace added.
        if self.rng.chance(8) && !document.is_empty() {
            let at = self.rng.below(document.len());
            if document.is_char_boundary(at) && document.is_char_boundary(at + 1) {
                document.remove(at);
            }
        } else if self.rng.chance(4) {
            document.push('{');
        }
        (document, Value::Object(values))
    }
}

on_both_databases! {
    async fn random_documents_from_the_schema_never_fail_the_server(app: &TestApp) {
        super::random_documents_from_the_schema_never_fail_the_server(app).await;
    }

    async fn deeply_nested_input_is_refused_quickly(app: &TestApp) {
        super::deeply_nested_input_is_refused_quickly(app).await;
    }
}

/// 20,000 levels of nesting in the selection set, a list value, an input object and the JSON
/// variables: each is refused as BAD_USER_INPUT within a second, and the server keeps
/// answering (no stack overflow, no hang).
async fn deeply_nested_input_is_refused_quickly(app: &TestApp) {
    let depth = 20_000;
    let open = |s: &str| s.repeat(depth);
    let bodies = [
        (
            "selection set",
            serde_json::json!({ "query": format!("{}{}", open("{"), open("}")) }).to_string(),
        ),
        (
            "list value",
            serde_json::json!({ "query": format!("{{ nodes(ids: {}{}) {{ id }} }}", open("["), open("]")) })
                .to_string(),
        ),
        (
            "input object",
            serde_json::json!({
                "query": format!("{{ organisations(filter: {}1{}) {{ totalCount }} }}", open("{a:"), open("}"))
            })
            .to_string(),
        ),
        (
            "JSON variables",
            format!(
                "{{\"query\":\"query($v: [ID!]!) {{ nodes(ids: $v) {{ id }} }}\",\"variables\":{{\"v\":{}{}}}}}",
                open("["),
                open("]")
            ),
        ),
    ];
    for (what, body) in bodies {
        let request = hyper::Request::post(format!("http://{}/graphql", app.addr))
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .unwrap();
        let started = std::time::Instant::now();
        let answer = tokio::time::timeout(std::time::Duration::from_secs(10), crate::harness::exchange(request))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer within 10 s"));
        assert_clear(what, &answer);
        assert_eq!(
            answer.json()["errors"][0]["extensions"]["code"],
            "BAD_USER_INPUT",
            "{what}: {}",
            answer.body
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{what}: {:?}",
            started.elapsed()
        );
    }
    assert_eq!(app.get("/readyz").await, (200, "ready".to_owned()));
}

async fn random_documents_from_the_schema_never_fail_the_server(app: &TestApp) {
    crate::organisations::write_association(&app.db).await;
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let shape = Shape::read(&sdl);
    assert!(shape.fields.contains_key("Query") && shape.fields.contains_key("Mutation"));
    let admin = crate::writes::key(app, ApiRole::Admin, None).await;
    let mut generator = Generator {
        shape: &shape,
        rng: Seeded(0x5EED_7E22_A55E_0001),
        variables: Vec::new(),
    };
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for round in 0..300 {
        let mutation = round % 5 == 4;
        let (document, variables) = generator.document(mutation);
        let body = serde_json::json!({ "query": document, "variables": variables }).to_string();
        let mut request =
            hyper::Request::post(format!("http://{}/graphql", app.addr)).header("content-type", "application/json");
        if mutation {
            request = request.header("authorization", format!("Bearer {admin}"));
        }
        let request = request
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .unwrap();
        let answer = crate::harness::exchange(request).await;
        assert_clear(&format!("document {round}: {document} with {variables}"), &answer);
        let json = answer.json();
        let outcome = json["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("ok")
            .to_owned();
        *outcomes.entry(outcome).or_default() += 1;
    }
    eprintln!("random documents by outcome: {outcomes:?}");
    // The generator must produce runnable documents at all (most random arguments are
    // refused, more so as the schema grows mutations).
    assert!(
        outcomes.get("ok").copied().unwrap_or_default() >= 10,
        "some documents must be valid and run: {outcomes:?}"
    );
    assert!(
        outcomes.get("BAD_USER_INPUT").copied().unwrap_or_default() >= 30,
        "and some invalid: {outcomes:?}"
    );
    assert_eq!(app.get("/readyz").await, (200, "ready".to_owned()));
}
