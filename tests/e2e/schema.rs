//! The checked-in `schema.graphql` is the SDL the server serves.

#[test]
fn schema_graphql_equals_the_served_sdl() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let served = api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &served).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == served,
        "schema.graphql is out of date: regenerate it with `cargo run -- schema > schema.graphql` \
         (or `UPDATE_SCHEMA=1 cargo test schema`)"
    );
}

/// Every type, field, argument, input field and enum value of the served schema has a
/// description: they are the documentation API users read.
#[test]
fn every_type_field_and_argument_is_documented() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = api::graphql::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).unwrap();
    let mut missing = Vec::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        // Built-in scalars and the connection plumbing provided by async-graphql.
        if ["Boolean", "Float", "ID", "Int", "String", "Decimal", "PageInfo"].contains(&name) {
            continue;
        }
        if ty.description.is_none() && !name.ends_with("Connection") && !name.ends_with("Edge") {
            missing.push(name.to_owned());
        }
        match &ty.kind {
            TypeKind::Object(object) => {
                for field in &object.fields {
                    let field = &field.node;
                    let path = format!("{name}.{}", field.name.node);
                    let plumbing = name.ends_with("Connection") || name.ends_with("Edge");
                    if field.description.is_none() && !plumbing {
                        missing.push(path.clone());
                    }
                    for argument in &field.arguments {
                        if argument.node.description.is_none() {
                            missing.push(format!("{path}({})", argument.node.name.node));
                        }
                    }
                }
            }
            TypeKind::Interface(interface) => {
                for field in &interface.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    if value.node.description.is_none() {
                        missing.push(format!("{name}.{}", value.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented in the schema ({}):\n{}",
        missing.len(),
        missing.join("\n")
    );
}
