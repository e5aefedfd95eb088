//! Input bounds: one documented bound for every argument and input field, checked on the
//! request's document before anything executes.
//!
//! The check walks the selected operation (fragments included), and for every argument of
//! every field reads its value (a literal, a variable, or a variable's default) against the
//! argument's type in the schema, descending into input objects and lists. Each value meets
//! the bound of its kind unless [`OVERRIDES`] names another one for that input field or
//! argument:
//!
//! - a list: at most [`DEFAULT_LIST_ITEMS`] items, [`DEFAULT_ID_LIST_ITEMS`] for a list of
//!   ids;
//! - a `String`: at most [`DEFAULT_STRING_CHARS`] characters; an `ID`:
//!   [`DEFAULT_ID_CHARS`];
//! - an `Int`: 0 to 2 147 483 647 (no argument or input field takes a negative integer);
//! - a `Float`: [`DEFAULT_FLOAT`] (every float field of the schema has its own bound);
//! - a `Decimal` (euros): -[`MAX_DECIMAL`] to [`MAX_DECIMAL`] (each amount field refuses a
//!   negative value itself: a write answers it as the item's user error, not the request's);
//! - a `NaiveDate`: `YYYY-MM-DD` between [`EARLIEST_DATE`] and [`LATEST_DATE`]; a `DateTime`:
//!   RFC 3339 with a year from 1900 to 2100 (signed or 5-digit years are refused);
//! - enums and booleans are bounded by their type.
//!
//! A value over its bound is refused with `BAD_USER_INPUT`; `extensions.field` is the path
//! of the value from the field (`organisations.filter.naf`), `extensions.value` its size or
//! value, and the message names both and the bound:
//! `invalid organisations.filter.naf "20000 items": must have at most 100 items`. Nothing is
//! executed. Page sizes (`first`, `last`) are reported under the argument's name, as the
//! connections report them. A few bounds (the bulk mutations' items, the search circles) are
//! [`Bound::Checked`]: the field checks them itself, before any SQL, with its own field name;
//! they are listed here so the documentation lists every bound.
//!
//! Semantic validation (codes, date orders, one-of rules) stays with the input types
//! (`filters.rs` and the like). This module must not know about HTTP or the database.

use std::collections::{HashMap, HashSet};

use async_graphql::{
    ErrorExtensions, Name, Positioned, ServerError, Value, Variables,
    parser::types::{ExecutableDocument, OperationDefinition, Selection, SelectionSet},
    registry::{MetaType, MetaTypeName, Registry},
};

use super::errors::ApiError;
use crate::domain::{ValidationError, text::fold_for_search};

/// Most items of a list, unless overridden.
pub const DEFAULT_LIST_ITEMS: usize = 100;
/// Most items of a list of ids (`[ID!]`), unless overridden.
pub const DEFAULT_ID_LIST_ITEMS: usize = 500;
/// Most characters of a `String`, unless overridden.
pub const DEFAULT_STRING_CHARS: usize = 1_000;
/// Most characters of an `ID`, unless overridden.
pub const DEFAULT_ID_CHARS: usize = 200;
/// Range of a `Float`, unless overridden.
pub const DEFAULT_FLOAT: (f64, f64) = (-1_000_000.0, 1_000_000.0);
/// Largest `Decimal` (euros) accepted, either sign.
pub const MAX_DECIMAL: f64 = 1e15;
/// Earliest date accepted.
pub const EARLIEST_DATE: &str = "1900-01-01";
/// Latest date accepted.
pub const LATEST_DATE: &str = "2100-12-31";
/// Most words of a name search, after folding (see `domain::text`).
pub const MAX_SEARCH_WORDS: usize = 8;

/// Nesting beyond which the walk stops descending (the depth limit refuses such documents).
const WALK_DEPTH_CAP: usize = 64;

/// The bound of one input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A list of at most this many items.
    Items(usize),
    /// A string of at most this many characters.
    Chars(usize),
    /// A name search of at most this many words once folded (besides its characters).
    Words(usize),
    /// A number from `min` to `max`, both included.
    Range(f64, f64),
    /// A number above 0 and at most this.
    AboveZero(f64),
    /// A page size from 0 to this, reported under the argument's own name (`first`), as the
    /// connection itself reports it.
    Page(u32),
    /// Checked by the field itself, before any SQL: what the bound is.
    Checked(&'static str),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Items(n) => write!(f, "at most {n} items"),
            Bound::Chars(n) => write!(f, "at most {n} characters"),
            Bound::Words(n) => write!(f, "at most {n} words"),
            Bound::Range(min, max) => write!(f, "{min} to {max}"),
            Bound::AboveZero(max) => write!(f, "above 0, at most {max}"),
            Bound::Page(max) => write!(f, "0 to {max}"),
            Bound::Checked(what) => f.write_str(what),
        }
    }
}

/// Bounds other than the defaults, by input: `InputType.field` for an input object's field,
/// `Type.field(argument)` for an argument, `*(argument)` for that argument of any field. A
/// path may have several bounds (a list's items and their characters). The API
/// documentation's "Input bounds" table lists the same rows (a test keeps them equal).
pub const OVERRIDES: &[(&str, Bound)] = &[
    // Paging, reported as the connection reports it (field `first` or `last`).
    ("*(first)", Bound::Page(500)),
    ("*(last)", Bound::Page(500)),
    ("Query.changes(first)", Bound::Page(1_000)),
    ("Query.auditLog(first)", Bound::Page(1_000)),
    ("*(after)", Bound::Chars(2_000)),
    ("*(before)", Bound::Chars(2_000)),
    // Look-ups by id or code.
    ("Query.nodes(ids)", Bound::Items(500)),
    ("TerritoryRef.code", Bound::Chars(20)),
    ("Query.territory(code)", Bound::Chars(20)),
    ("Query.organisation(siren)", Bound::Chars(20)),
    ("Query.organisation(siret)", Bound::Chars(20)),
    ("Query.organisation(rna)", Bound::Chars(20)),
    ("Query.establishment(siret)", Bound::Chars(20)),
    ("Query.contract(uid)", Bound::Chars(100)),
    ("BuyerScopeInput.buyerSiren", Bound::Chars(20)),
    // Filters.
    ("OrganisationFilterInput.naf", Bound::Items(100)),
    ("OrganisationFilterInput.legalCategories", Bound::Items(100)),
    ("OrganisationFilterInput.territories", Bound::Items(100)),
    ("OrganisationFilterInput.name", Bound::Chars(500)),
    ("OrganisationFilterInput.name", Bound::Words(MAX_SEARCH_WORDS)),
    ("TerritoryFilterInput.name", Bound::Chars(500)),
    ("TerritoryFilterInput.name", Bound::Words(MAX_SEARCH_WORDS)),
    ("ContractFilterInput.ids", Bound::Items(500)),
    ("ContractFilterInput.buyers", Bound::Items(500)),
    ("ContractFilterInput.suppliers", Bound::Items(500)),
    ("ContractFilterInput.cpvPrefixes", Bound::Items(100)),
    ("ContractFilterInput.procedures", Bound::Items(100)),
    ("PartnershipFilterInput.ids", Bound::Items(500)),
    ("PartnershipFilterInput.parties", Bound::Items(500)),
    (
        "NearInput.latitude",
        Bound::Checked("-90 to 90 (field `near.latitude`)"),
    ),
    (
        "NearInput.longitude",
        Bound::Checked("-180 to 180 (field `near.longitude`)"),
    ),
    (
        "NearInput.radiusKm",
        Bound::Checked("above 0, at most 1000 (field `near.radiusKm`)"),
    ),
    (
        "SupplierLocalityInput.radiusKm",
        Bound::Checked("above 0, at most 20000 (field `filter.supplierLocality.radiusKm`)"),
    ),
    (
        "LocalityInput.withinKm",
        Bound::Checked("above 0, at most 20000 (field `locality.withinKm`)"),
    ),
    (
        "Query.procurementIndicators(groupBy)",
        Bound::Checked("at most 2 items (field `groupBy`)"),
    ),
    // Writes.
    (
        "UpsertOrganisationsInput.items",
        Bound::Checked("1000 (user error `items`)"),
    ),
    (
        "UpsertContractsInput.items",
        Bound::Checked("1000 (user error `items`)"),
    ),
    (
        "UpsertPartnershipsInput.items",
        Bound::Checked("1000 (user error `items`)"),
    ),
    ("UpsertLabelsInput.items", Bound::Checked("1000 (user error `items`)")),
    (
        "UpsertEstablishmentsInput.items",
        Bound::Checked("1000 (user error `items`)"),
    ),
    (
        "UpsertIdentifiersInput.items",
        Bound::Checked("1000 (user error `items`)"),
    ),
    ("PartnershipUpsertItemInput.parties", Bound::Items(200)),
    ("PartnershipPatchInput.parties", Bound::Items(200)),
    ("PartnershipUpsertItemInput.description", Bound::Chars(10_000)),
    ("PartnershipPatchInput.description", Bound::Chars(10_000)),
    ("ContractUpsertItemInput.supplierSirets", Bound::Items(100)),
    ("ContractPatchInput.supplierSirets", Bound::Items(100)),
    ("ContractUpsertItemInput.durationMonths", Bound::Range(0.0, 1_200.0)),
    ("ContractPatchInput.durationMonths", Bound::Range(0.0, 1_200.0)),
    ("EstablishmentUpsertItemInput.latitude", Bound::Range(-90.0, 90.0)),
    ("EstablishmentUpsertItemInput.longitude", Bound::Range(-180.0, 180.0)),
    ("EstablishmentPatchInput.latitude", Bound::Range(-90.0, 90.0)),
    ("EstablishmentPatchInput.longitude", Bound::Range(-180.0, 180.0)),
];

/// The bounds [`OVERRIDES`] gives `key` (`Type.field` or `Type.field(argument)`), falling back
/// to the `*(argument)` rows for an argument.
fn overrides(key: &str) -> impl Iterator<Item = Bound> + '_ {
    let any_field = key.find('(').map(|open| format!("*{}", &key[open..]));
    let exact: Vec<Bound> = OVERRIDES
        .iter()
        .filter(|(path, _)| *path == key)
        .map(|(_, bound)| *bound)
        .collect();
    let fallback: Vec<Bound> = if exact.is_empty() {
        OVERRIDES
            .iter()
            .filter(|(path, _)| Some(*path) == any_field.as_deref())
            .map(|(_, bound)| *bound)
            .collect()
    } else {
        Vec::new()
    };
    exact.into_iter().chain(fallback)
}

/// Checks the arguments of the operation a request runs against their bounds, on the
/// schema's types (see [`check`]).
pub fn admit(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    check(&super::limits::TYPES, document, operation_name, variables)
}

/// Checks every argument of the operation of `document` that a request runs against its
/// bound (see the module documentation); the `BAD_USER_INPUT` error of the first value over
/// its bound. A document naming no such operation passes (validation reports it).
pub fn check(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    let Some(operation) = super::operation::select(document, operation_name) else {
        return Ok(());
    };
    let root = match operation.node.ty {
        async_graphql::parser::types::OperationType::Query => Some(registry.query_type.as_str()),
        async_graphql::parser::types::OperationType::Mutation => registry.mutation_type.as_deref(),
        async_graphql::parser::types::OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let Some(root) = root else {
        return Ok(());
    };
    let mut walk = Walk {
        registry,
        document,
        variables,
        defaults: variable_defaults(&operation.node),
        visited: HashSet::new(),
    };
    walk.selection_set(&operation.node.selection_set, root, 0)
}

/// The operation's defaults of its variables.
fn variable_defaults(operation: &OperationDefinition) -> HashMap<&Name, &Value> {
    operation
        .variable_definitions
        .iter()
        .filter_map(|definition| {
            let default = definition.node.default_value.as_ref()?;
            Some((&definition.node.name.node, &default.node))
        })
        .collect()
}

struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    /// The request's variables.
    variables: &'a Variables,
    /// The operation's defaults, for the variables the request does not give.
    defaults: HashMap<&'a Name, &'a Value>,
    /// Fragments already checked (their arguments are the same wherever they are spread).
    visited: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &mut self,
        set: &'a Positioned<SelectionSet>,
        type_name: &str,
        depth: usize,
    ) -> Result<(), ServerError> {
        if depth > WALK_DEPTH_CAP {
            return Ok(());
        }
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let Some(meta) = self.registry.types.get(type_name).and_then(|ty| ty.field_by_name(name)) else {
                        continue;
                    };
                    for (argument, value) in &field.arguments {
                        let Some(input) = meta.args.get(argument.node.as_str()) else {
                            continue;
                        };
                        let Ok(value) = value.node.clone().into_const_with(|variable: Name| {
                            self.variables
                                .get(&variable)
                                .or_else(|| self.defaults.get(&variable).copied())
                                .cloned()
                                .ok_or(())
                        }) else {
                            continue;
                        };
                        let key = format!("{type_name}.{name}({})", argument.node);
                        let path = format!("{name}.{}", argument.node);
                        self.value(&value, &input.ty, &key, &path, 0).map_err(|invalid| {
                            ApiError::BadUserInput(invalid).extend().into_server_error(argument.pos)
                        })?;
                    }
                    let child = MetaTypeName::concrete_typename(&meta.ty).to_owned();
                    self.selection_set(&field.selection_set, &child, depth + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(fragment) = self.document.fragments.get(name)
                        && self.visited.insert(name)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        let on = if self.registry.types.contains_key(on) {
                            on
                        } else {
                            type_name
                        };
                        self.selection_set(&fragment.node.selection_set, on, depth + 1)?;
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |condition| condition.node.on.node.as_str())
                        .to_owned();
                    self.selection_set(&fragment.node.selection_set, &on, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// Checks `value`, of GraphQL type `ty`, given for the input `key` at `path`.
    fn value(&self, value: &Value, ty: &str, key: &str, path: &str, depth: usize) -> Result<(), ValidationError> {
        if depth > WALK_DEPTH_CAP {
            return Ok(());
        }
        match MetaTypeName::create(ty) {
            MetaTypeName::NonNull(inner) => self.value(value, inner, key, path, depth + 1),
            MetaTypeName::List(inner) => match value {
                Value::List(items) => {
                    let cap = list_cap(key, inner);
                    if let Some(cap) = cap
                        && items.len() > cap
                    {
                        return Err(ValidationError::new(
                            path.to_owned(),
                            format!("{} items", items.len()),
                            format!("must have at most {cap} items"),
                        ));
                    }
                    items
                        .iter()
                        .try_for_each(|item| self.value(item, inner, key, path, depth + 1))
                }
                // A single value stands for a list of one (input coercion).
                other => self.value(other, inner, key, path, depth + 1),
            },
            MetaTypeName::Named(name) => match self.registry.types.get(name) {
                Some(MetaType::InputObject { input_fields, .. }) => {
                    let Value::Object(fields) = value else {
                        return Ok(());
                    };
                    for (field, field_value) in fields {
                        if let Some(input) = input_fields.get(field.as_str()) {
                            self.value(
                                field_value,
                                &input.ty,
                                &format!("{name}.{field}"),
                                &format!("{path}.{field}"),
                                depth + 1,
                            )?;
                        }
                    }
                    Ok(())
                }
                Some(MetaType::Scalar { .. }) => scalar(name, value, key, path),
                _ => Ok(()),
            },
        }
    }
}

/// The most items of a list of `item_type` given for `key`; `None` when the field checks it.
fn list_cap(key: &str, item_type: &str) -> Option<usize> {
    let mut bounds = overrides(key).peekable();
    if bounds.peek().is_some() {
        let mut checked = false;
        for bound in bounds {
            match bound {
                Bound::Items(cap) => return Some(cap),
                Bound::Checked(_) => checked = true,
                _ => {}
            }
        }
        if checked {
            return None;
        }
    }
    Some(if MetaTypeName::concrete_typename(item_type) == "ID" {
        DEFAULT_ID_LIST_ITEMS
    } else {
        DEFAULT_LIST_ITEMS
    })
}

/// Checks a scalar `value` of type `name`.
fn scalar(name: &str, value: &Value, key: &str, path: &str) -> Result<(), ValidationError> {
    let bounds: Vec<Bound> = overrides(key).collect();
    if bounds.iter().any(|bound| matches!(bound, Bound::Checked(_))) {
        return Ok(());
    }
    let invalid = |given: String, reason: String| Err(ValidationError::new(path.to_owned(), given, reason));
    match (name, value) {
        ("String" | "ID", Value::String(text)) => {
            let default = if name == "ID" {
                DEFAULT_ID_CHARS
            } else {
                DEFAULT_STRING_CHARS
            };
            let cap = bounds
                .iter()
                .find_map(|bound| match bound {
                    Bound::Chars(cap) => Some(*cap),
                    _ => None,
                })
                .unwrap_or(default);
            // Words first (a long search of many words is refused for its words); then
            // characters, counted only when the bytes (an upper bound) exceed the cap.
            for bound in &bounds {
                if let Bound::Words(most) = bound {
                    let words = fold_for_search(text).split(' ').filter(|w| !w.is_empty()).count();
                    if words > *most {
                        return invalid(
                            format!("{words} words"),
                            format!("must have at most {most} words (ignoring case, accents and punctuation)"),
                        );
                    }
                }
            }
            let chars = if text.len() > cap {
                text.chars().count()
            } else {
                text.len()
            };
            if chars > cap {
                return invalid(
                    format!("{chars} characters"),
                    format!("must have at most {cap} characters"),
                );
            }
            Ok(())
        }
        ("Int" | "Float", Value::Number(number)) => {
            let Some(given) = number.as_f64() else {
                return Ok(());
            };
            let default = if name == "Int" {
                Bound::Range(0.0, f64::from(i32::MAX))
            } else {
                Bound::Range(DEFAULT_FLOAT.0, DEFAULT_FLOAT.1)
            };
            if let Some(max) = bounds.iter().find_map(|bound| match bound {
                Bound::Page(max) => Some(f64::from(*max)),
                _ => None,
            }) {
                let argument = path.rsplit('.').next().unwrap_or(path);
                return if (0.0..=max).contains(&given) {
                    Ok(())
                } else {
                    Err(ValidationError::new(
                        argument.to_owned(),
                        number.to_string(),
                        format!("must be between 0 and {max}"),
                    ))
                };
            }
            let bound = bounds
                .iter()
                .copied()
                .find(|bound| matches!(bound, Bound::Range(..) | Bound::AboveZero(_)))
                .unwrap_or(default);
            within(bound, given).or_else(|reason| invalid(number.to_string(), reason))
        }
        ("Decimal", Value::Number(_) | Value::String(_)) => {
            let text = match value {
                Value::String(text) => text.trim().to_owned(),
                other => other.to_string(),
            };
            if text.len() > 64 {
                return invalid(
                    format!("{} characters", text.len()),
                    "must be an amount of at most 64 characters".to_owned(),
                );
            }
            match text.parse::<f64>() {
                Ok(amount) => {
                    within(Bound::Range(-MAX_DECIMAL, MAX_DECIMAL), amount).or_else(|reason| invalid(text, reason))
                }
                // Not a number: the scalar refuses it.
                Err(_) => Ok(()),
            }
        }
        ("NaiveDate", Value::String(text)) => match date_year(text) {
            Some(year) if text.len() == 10 && (1900..=2100).contains(&year) => Ok(()),
            _ => invalid(
                shown(text),
                format!("must be a date YYYY-MM-DD from {EARLIEST_DATE} to {LATEST_DATE}"),
            ),
        },
        ("DateTime", Value::String(text)) => match date_year(text) {
            Some(year) if text.len() <= 64 && (1900..=2100).contains(&year) => Ok(()),
            _ => invalid(
                shown(text),
                format!("must be an RFC 3339 date and time from {EARLIEST_DATE} to {LATEST_DATE}"),
            ),
        },
        _ => Ok(()),
    }
}

/// Whether `given` is within `bound`, else the reason.
fn within(bound: Bound, given: f64) -> Result<(), String> {
    match bound {
        Bound::Range(min, max) if !(min..=max).contains(&given) => Err(format!("must be from {min} to {max}")),
        Bound::AboveZero(max) if !(given > 0.0 && given <= max) => Err(format!("must be above 0 and at most {max}")),
        _ => Ok(()),
    }
}

/// The year of a text starting with `YYYY-MM-DD` (four digits, unsigned).
fn date_year(text: &str) -> Option<i32> {
    let bytes = text.as_bytes();
    let shape = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    if !shape {
        return None;
    }
    text[..4].parse().ok()
}

/// A value as shown in an error: at most 40 characters.
fn shown(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    /// The refusal of `query` with `variables` (`None` when it passes): field, value, message.
    fn refusal(query: &str, variables: serde_json::Value) -> Option<(String, String, String)> {
        let document = parse_query(query).unwrap_or_else(|e| panic!("{e}"));
        let error = admit(&document, None, &Variables::from_json(variables)).err()?;
        let extensions = error.extensions.unwrap_or_else(|| panic!("no extensions"));
        assert_eq!(extensions.get("code"), Some(&Value::from("BAD_USER_INPUT")));
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
        let (field, _, _) = refusal(query, serde_json::json!({ "c": list(101, "5458") }))
            .unwrap_or_else(|| panic!("101 categories pass"));
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
        let (field, value, _) = refusal(name, serde_json::json!({ "name": "l'île a b c d e f g" }))
            .unwrap_or_else(|| panic!("9 words pass"));
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
        let near =
            r#"{ organisations(filter: { near: { latitude: 1e308, longitude: 0, radiusKm: 1 } }) { totalCount } }"#;
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
        for (name, ty) in &super::super::limits::TYPES.types {
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
}
