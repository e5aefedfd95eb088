//! The walk of an operation's selections (fragments included) that checks every argument's
//! value against its bound, descending into input objects and lists.

use std::collections::{HashMap, HashSet};

use async_graphql::{
    ErrorExtensions, Name, Positioned, ServerError, Value, Variables,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
    registry::{MetaType, MetaTypeName, Registry},
};

use super::{Bound, DEFAULT_ID_LIST_ITEMS, DEFAULT_LIST_ITEMS, overrides, scalars::scalar};
use crate::{domain::ValidationError, graphql::errors::ApiError};

/// Nesting beyond which the walk stops descending (the depth limit refuses such documents).
const WALK_DEPTH_CAP: usize = 64;

/// The check in progress over one operation's selections.
pub(super) struct Walk<'a> {
    pub(super) registry: &'a Registry,
    pub(super) document: &'a ExecutableDocument,
    /// The request's variables.
    pub(super) variables: &'a Variables,
    /// The operation's defaults, for the variables the request does not give.
    pub(super) defaults: HashMap<&'a Name, &'a Value>,
    /// Fragments already checked (their arguments are the same wherever they are spread).
    pub(super) visited: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    /// Checks the arguments of every field of `set`, on `type_name`, and of the selections
    /// below it.
    pub(super) fn selection_set(
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
