//! The text of every string a request gives as input, whatever argument or input field it goes
//! to, checked once before anything runs: a NUL character (U+0000) is refused.
//!
//! No Terrasse value means a NUL, and PostgreSQL text cannot hold one: left alone, a NUL in a
//! name filter or a written field reached the database and failed there (an `INTERNAL` error on
//! PostgreSQL, a silently truncated value in tools reading SQLite). It is refused as
//! `BAD_USER_INPUT` naming where it was (`$variable.path` or `field(argument.path)`). Other
//! control characters are left to each field's own rules. This module owns only that check; it
//! must not judge values (bounds, formats), which belong to the resolvers and the domain types.

use async_graphql::{
    ErrorExtensions, Request, ServerError, Value,
    parser::{
        Pos, Positioned,
        types::{ExecutableDocument, Selection, SelectionSet},
    },
};

use super::errors::ApiError;
use crate::domain::ValidationError;

/// Refuses `request` when one of its strings (variables, argument literals, variable
/// defaults) holds a NUL character; a document that does not parse is left to execution.
pub fn refuse_nul(request: &mut Request) -> Result<(), ServerError> {
    for (name, value) in request.variables.iter() {
        if let Some((path, shown)) = nul_in(value) {
            return Err(refusal(format!("${name}{path}"), shown));
        }
    }
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    match nul_in_document(document) {
        Some((place, shown)) => Err(refusal(place, shown)),
        None => Ok(()),
    }
}

fn refusal(place: String, shown: String) -> ServerError {
    let invalid = ValidationError::new(
        place,
        shown,
        "holds a NUL character (U+0000), which no text input may contain",
    );
    ApiError::BadUserInput(invalid)
        .extend()
        .into_server_error(Pos::default())
}

/// Where in `value` a string holds a NUL (`""` for the value itself, `.field` or `[index]`
/// below it), and the start of that string (40 characters) to show.
fn nul_in(value: &Value) -> Option<(String, String)> {
    match value {
        Value::String(text) if text.contains('\0') => {
            let mut shown: String = text.chars().take(40).collect();
            if shown.len() < text.len() {
                shown.push('…');
            }
            Some((String::new(), shown))
        }
        Value::List(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_in(item).map(|(path, shown)| (format!("[{index}]{path}"), shown))),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(name, field)| nul_in(field).map(|(path, shown)| (format!(".{name}{path}"), shown))),
        _ => None,
    }
}

fn nul_in_document(document: &ExecutableDocument) -> Option<(String, String)> {
    for (_, operation) in document.operations.iter() {
        for variable in &operation.node.variable_definitions {
            if let Some(default) = &variable.node.default_value
                && let Some((path, shown)) = nul_in(&default.node)
            {
                return Some((format!("${}{path}", variable.node.name.node), shown));
            }
        }
        if let Some(place) = nul_in_selection(&operation.node.selection_set) {
            return Some(place);
        }
    }
    document
        .fragments
        .values()
        .find_map(|fragment| nul_in_selection(&fragment.node.selection_set))
}

/// The first argument literal of `set` (or below it) holding a NUL, as `field(argument.path)`;
/// variables in literals are checked with the request's variables.
fn nul_in_selection(set: &Positioned<SelectionSet>) -> Option<(String, String)> {
    set.node.items.iter().find_map(|selection| match &selection.node {
        Selection::Field(field) => field
            .node
            .arguments
            .iter()
            .find_map(|(name, value)| {
                let literal = value
                    .node
                    .clone()
                    .into_const_with(|_| Ok::<_, std::convert::Infallible>(Value::Null))
                    .ok()?;
                nul_in(&literal).map(|(path, shown)| (format!("{}({}{path})", field.node.name.node, name.node), shown))
            })
            .or_else(|| nul_in_selection(&field.node.selection_set)),
        Selection::InlineFragment(fragment) => nul_in_selection(&fragment.node.selection_set),
        Selection::FragmentSpread(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(query: &str, variables: serde_json::Value) -> Option<String> {
        let mut request = Request::new(query).variables(async_graphql::Variables::from_json(variables));
        refuse_nul(&mut request).err().map(|error| error.message)
    }

    #[test]
    fn a_nul_anywhere_in_the_input_is_refused_with_its_place() {
        let message = refused(
            r#"{ organisations(filter: { name: "a\u0000b" }) { totalCount } }"#,
            serde_json::json!({}),
        )
        .expect("a NUL in a literal is refused");
        assert!(message.contains("organisations(filter.name)"), "{message}");
        let message = refused(
            "query($f: OrganisationFilterInput) { organisations(filter: $f) { totalCount } }",
            serde_json::json!({ "f": { "naf": ["88.10A", "x\u{0}"] } }),
        )
        .expect("a NUL in a variable is refused");
        assert!(message.contains("$f.naf[1]"), "{message}");
        assert!(
            refused(
                r#"{ o: organisation(siren: "552100554") { a: name } }"#,
                serde_json::json!({ "v": "\t\r\n" })
            )
            .is_none()
        );
    }
}
