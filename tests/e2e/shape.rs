//! The served schema as tests walk it: schema.graphql read into a [`Shape`] (fields with their
//! arguments, input objects, enums, unions, interface implementers), and the check every
//! generated request must pass ([`clear_problem`]). Shared by `robustness` (random documents)
//! and `adversarial` (hostile values for every argument and input field).

use std::collections::BTreeMap;

use async_graphql::parser::types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition};
use serde_json::Value;

use crate::harness::Answer;

/// Why `answer` is not a clear answer (a client error with a code, or a GraphQL answer whose
/// errors all carry a code other than INTERNAL), or `None` when it is. The reason starts with
/// its cause (`HTTP 500`, `INTERNAL`, `no code`, `not JSON`) so failures can be grouped.
pub fn clear_problem(answer: &Answer) -> Option<String> {
    if answer.status >= 500 {
        return Some(format!("HTTP {}: {}", answer.status, answer.body));
    }
    if answer.status == 304 {
        return None;
    }
    let body: Value = match serde_json::from_str(&answer.body) {
        Ok(body) => body,
        Err(error) => return Some(format!("not JSON: HTTP {} ({error}): {}", answer.status, answer.body)),
    };
    let answers = match &body {
        Value::Array(items) => items.clone(),
        _ => vec![body.clone()],
    };
    for answer_body in &answers {
        for error in answer_body["errors"].as_array().into_iter().flatten() {
            match error["extensions"]["code"].as_str() {
                None => return Some(format!("no code: {error}")),
                Some("INTERNAL") => return Some(format!("INTERNAL: {error}")),
                Some(_) => {}
            }
        }
    }
    None
}

/// Fails the test unless `answer` is clear (see [`clear_problem`]).
pub fn assert_clear(what: &str, answer: &Answer) {
    if let Some(problem) = clear_problem(answer) {
        panic!("{what}: {problem}");
    }
}

/// The served schema, read from its SDL: fields (with arguments) of object and interface
/// types, input objects, enums, union members and the objects implementing each interface.
pub struct Shape {
    pub fields: BTreeMap<String, Vec<FieldShape>>,
    pub inputs: BTreeMap<String, Vec<(String, Type)>>,
    pub enums: BTreeMap<String, Vec<String>>,
    pub unions: BTreeMap<String, Vec<String>>,
    pub implementers: BTreeMap<String, Vec<String>>,
}

/// One field of an object or interface type.
#[derive(Clone)]
pub struct FieldShape {
    pub name: String,
    pub arguments: Vec<(String, Type)>,
    pub ty: Type,
}

impl Shape {
    /// Reads the SDL (panics when it does not parse).
    pub fn read(sdl: &str) -> Self {
        let document: ServiceDocument = async_graphql::parser::parse_schema(sdl).unwrap();
        let mut shape = Shape {
            fields: BTreeMap::new(),
            inputs: BTreeMap::new(),
            enums: BTreeMap::new(),
            unions: BTreeMap::new(),
            implementers: BTreeMap::new(),
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let name = ty.node.name.node.to_string();
            match ty.node.kind {
                TypeKind::Object(object) => {
                    for interface in &object.implements {
                        shape
                            .implementers
                            .entry(interface.node.to_string())
                            .or_default()
                            .push(name.clone());
                    }
                    shape
                        .fields
                        .insert(name, object.fields.iter().map(|f| field_shape(&f.node)).collect());
                }
                TypeKind::Interface(interface) => {
                    shape
                        .fields
                        .insert(name, interface.fields.iter().map(|f| field_shape(&f.node)).collect());
                }
                TypeKind::InputObject(input) => {
                    shape.inputs.insert(
                        name,
                        input
                            .fields
                            .iter()
                            .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                            .collect(),
                    );
                }
                TypeKind::Enum(values) => {
                    shape.enums.insert(
                        name,
                        values.values.iter().map(|v| v.node.value.node.to_string()).collect(),
                    );
                }
                TypeKind::Union(union) => {
                    shape
                        .unions
                        .insert(name, union.members.iter().map(|m| m.node.to_string()).collect());
                }
                TypeKind::Scalar => {}
            }
        }
        shape
    }

    /// The schema.graphql checked in at the root of the repository.
    pub fn served() -> Self {
        let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
        Self::read(&sdl)
    }

    /// Whether a field of type `name` takes a selection set.
    pub fn is_composite(&self, name: &str) -> bool {
        self.fields.contains_key(name) || self.unions.contains_key(name)
    }
}

fn field_shape(field: &async_graphql::parser::types::FieldDefinition) -> FieldShape {
    FieldShape {
        name: field.name.node.to_string(),
        arguments: field
            .arguments
            .iter()
            .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
            .collect(),
        ty: field.ty.node.clone(),
    }
}

/// The named type inside any list and non-null wrappers.
pub fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}
