//! Cost measurement: the walk of an operation's selections that counts its depth, aliases and
//! fields and prices it, a list multiplying what it selects by its size (a connection by its
//! page, `nodes(ids:)` by its ids, a root field's lists by its arguments: see `pricing`).

use std::collections::HashSet;

use async_graphql::{
    Name, Positioned, Value, Variables,
    parser::types::{ExecutableDocument, Field, Selection, SelectionSet, VariableDefinition},
    registry::{MetaType, MetaTypeName, Registry},
};

use super::{
    Measure,
    introspection::{BUILT_IN_DIRECTIVES, SchemaSizes},
    pricing::{self, FEED_DEFAULT_PAGE, KEYS_PER_CELL, UNPAGED_LIST_ESTIMATE, WRITE_COST, count},
};
use crate::store::page::DEFAULT_PAGE_SIZE;

/// Nesting beyond which the measure stops descending (cyclic fragments, absurd documents);
/// the depth limit refuses such documents anyway.
const MEASURE_DEPTH_CAP: usize = 64;

/// What a field selects and how many times per parent.
pub(super) enum Shape<'a> {
    /// A leaf (scalar, enum, or a list of them).
    Leaf,
    /// An object (or list of objects) of type `child`, resolved `size` times per parent,
    /// whose lists named in `lists` return the given number of items.
    Nested {
        child: &'a str,
        size: u64,
        lists: Vec<(&'static str, u64)>,
    },
    /// An `ofType` past the schema's deepest wrapping: `null`, its selection never resolved.
    Null,
}

/// A measure in progress: the walk of one operation's selections, with the sizes of the
/// lists it is inside.
pub(super) struct Walk<'a> {
    pub(super) registry: &'a Registry,
    pub(super) sizes: SchemaSizes,
    pub(super) document: &'a ExecutableDocument,
    pub(super) variables: &'a Variables,
    pub(super) measure: Measure,
    /// Fragments being spread on the current path (a cycle is not followed).
    pub(super) spreading: HashSet<&'a str>,
    /// Fields counted beyond which the walk stops.
    pub(super) field_cap: usize,
    /// The operation's root type.
    pub(super) root: &'a str,
    /// Length of the `ofType` chain the current selection is in.
    pub(super) of_type: usize,
    /// Whether the current selection is on the `type` of a field or an argument.
    pub(super) reference: bool,
    /// The operation's variables, with their default values.
    pub(super) definitions: &'a [Positioned<VariableDefinition>],
    /// Sizes of the lists of the current selection, set by the field that selects it (the
    /// cells of an analytics answer, the events of a change page...).
    pub(super) inherited: Vec<(&'static str, u64)>,
}

impl<'a> Walk<'a> {
    /// Cost of a selection set on `type_name` at nesting `depth`.
    pub(super) fn selection_set(&mut self, set: &'a Positioned<SelectionSet>, type_name: &'a str, depth: usize) -> u64 {
        if depth > MEASURE_DEPTH_CAP {
            self.measure.depth = self.measure.depth.max(depth);
            return 0;
        }
        let mut cost = 0_u64;
        // Fragments narrowing to another type: one object is of one type, so the costliest
        // type's fragments are priced, not their sum.
        let mut narrowed: Vec<(&'a str, u64)> = Vec::new();
        for selection in &set.node.items {
            if self.measure.fields > self.field_cap {
                break;
            }
            let (on, item) = match &selection.node {
                Selection::Field(field) => (type_name, self.field(&field.node, type_name, depth)),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.document.fragments.get(name) {
                        Some(fragment) if self.spreading.insert(name) => {
                            let on = fragment.node.type_condition.node.on.node.as_str();
                            let on = if self.registry.types.contains_key(on) || on.starts_with("__") {
                                on
                            } else {
                                type_name
                            };
                            let cost = self.selection_set(&fragment.node.selection_set, on, depth);
                            self.spreading.remove(name);
                            (on, cost)
                        }
                        _ => (type_name, 0),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |condition| condition.node.on.node.as_str());
                    (on, self.selection_set(&fragment.node.selection_set, on, depth))
                }
            };
            if on == type_name || !self.is_object(on) || self.is_object(type_name) {
                cost = cost.saturating_add(item);
            } else if let Some(entry) = narrowed.iter_mut().find(|(name, _)| *name == on) {
                entry.1 = entry.1.saturating_add(item);
            } else {
                narrowed.push((on, item));
            }
        }
        cost.saturating_add(narrowed.iter().map(|(_, cost)| *cost).max().unwrap_or(0))
    }

    /// Whether `type_name` is an object type (a concrete type an abstract one narrows to).
    fn is_object(&self, type_name: &str) -> bool {
        matches!(self.registry.types.get(type_name), Some(MetaType::Object { .. }))
    }

    /// Cost of one field of `parent` at nesting `depth`: 1, plus its selection's cost times
    /// the number of times it is resolved, plus the writes of a mutation.
    fn field(&mut self, field: &'a Field, parent: &'a str, depth: usize) -> u64 {
        self.measure.fields += 1;
        if field.alias.is_some() {
            self.measure.aliases += 1;
        }
        self.measure.depth = self.measure.depth.max(depth);
        let name = field.name.node.as_str();
        let writes = if parent == self.root && self.registry.mutation_type.as_deref() == Some(parent) {
            WRITE_COST.saturating_mul(pricing::items(&|name| self.argument(field, name)).max(1))
        } else {
            0
        };
        self.measure.writes = self.measure.writes.saturating_add(writes);
        let (child, size, lists) = match self.shape(field, parent, name) {
            Shape::Leaf | Shape::Null => return 1_u64.saturating_add(writes),
            Shape::Nested { child, size, lists } => (child, size, lists),
        };
        let of_type = if parent == "__Type" && name == "ofType" {
            self.of_type + 1
        } else {
            0
        };
        let reference = matches!((parent, name), ("__Field" | "__InputValue", "type"));
        let saved_of_type = std::mem::replace(&mut self.of_type, of_type);
        let saved_reference = std::mem::replace(&mut self.reference, reference);
        let saved_lists = std::mem::replace(&mut self.inherited, lists);
        let children = self.selection_set(&field.selection_set, child, depth + 1);
        self.of_type = saved_of_type;
        self.reference = saved_reference;
        self.inherited = saved_lists;
        children.saturating_mul(size).saturating_add(1).saturating_add(writes)
    }

    /// What a field selects: from the schema, or for introspection from the introspection
    /// types and the schema's sizes.
    fn shape(&self, field: &'a Field, parent: &'a str, name: &'a str) -> Shape<'a> {
        if name == "__typename" {
            return Shape::Leaf;
        }
        if name.starts_with("__") || parent.starts_with("__") {
            return self.introspection_shape(parent, name);
        }
        let Some(meta) = self.registry.types.get(parent).and_then(|ty| ty.field_by_name(name)) else {
            return Shape::Leaf;
        };
        let child = MetaTypeName::concrete_typename(&meta.ty);
        if !matches!(
            self.registry.types.get(child),
            Some(MetaType::Object { .. } | MetaType::Interface { .. } | MetaType::Union { .. })
        ) {
            return Shape::Leaf;
        }
        let size = self.list_size(field, parent, &meta.ty, child);
        let lists = if parent == self.root {
            let mutation = self.registry.mutation_type.as_deref() == Some(self.root);
            pricing::root_lists(name, &|argument| self.argument(field, argument), mutation)
        } else {
            Vec::new()
        };
        Shape::Nested { child, size, lists }
    }

    /// Introspection fields: each `__Type` list sized by the schema ([`SchemaSizes`]): by the
    /// average per type, or per type reference under a field's or argument's `type`.
    fn introspection_shape(&self, parent: &str, name: &str) -> Shape<'a> {
        let sizes = &self.sizes;
        let nested = |child: &'a str, size: u64| Shape::Nested {
            child,
            size,
            lists: Vec::new(),
        };
        let per_type = |list: usize, average: u64| {
            if self.reference {
                sizes.per_reference[list]
            } else {
                average
            }
        };
        match (parent, name) {
            (_, "__schema") => nested("__Schema", 1),
            (_, "__type") => nested("__Type", 1),
            ("__Schema", "types") => nested("__Type", sizes.types),
            ("__Schema", "queryType" | "mutationType" | "subscriptionType") => nested("__Type", 1),
            ("__Schema", "directives") => nested("__Directive", sizes.directives),
            ("__Type", "fields") => nested("__Field", per_type(0, sizes.fields_per_type)),
            ("__Type", "inputFields") => nested("__InputValue", per_type(1, sizes.input_fields_per_type)),
            ("__Type", "enumValues") => nested("__EnumValue", per_type(2, sizes.enum_values_per_type)),
            ("__Type", "interfaces" | "possibleTypes") => nested("__Type", per_type(3, sizes.related_types_per_type)),
            ("__Type", "ofType") if self.of_type >= sizes.max_wrapping => Shape::Null,
            // Past the mean wrapping: counted in the depth, priced as one field.
            ("__Type", "ofType") if self.of_type >= sizes.mean_wrapping => nested("__Type", 0),
            ("__Type", "ofType") => nested("__Type", 1),
            ("__Field", "args") => nested("__InputValue", sizes.args_per_field),
            ("__Directive", "args") => nested("__InputValue", BUILT_IN_DIRECTIVES),
            ("__Field" | "__InputValue", "type") => nested("__Type", 1),
            _ => Shape::Leaf,
        }
    }

    /// An argument's value, variables substituted.
    pub(super) fn argument(&self, field: &Field, name: &str) -> Option<Value> {
        field.get_argument(name).and_then(|value| {
            value
                .node
                .clone()
                .into_const_with(|variable: Name| {
                    self.variables
                        .get(&variable)
                        .cloned()
                        .or_else(|| {
                            self.definitions
                                .iter()
                                .find(|definition| definition.node.name.node == variable)
                                .and_then(|definition| definition.node.default_value())
                                .cloned()
                        })
                        .ok_or(())
                })
                .ok()
        })
    }

    /// How many times a field's selection is resolved per parent.
    fn list_size(&self, field: &Field, parent: &str, ty: &str, child: &str) -> u64 {
        if child.ends_with("Connection") {
            let default = if field.name.node == "auditLog" {
                FEED_DEFAULT_PAGE
            } else {
                DEFAULT_PAGE_SIZE
            };
            return self
                .argument(field, "first")
                .and_then(count)
                .or_else(|| self.argument(field, "last").and_then(count))
                .unwrap_or(default);
        }
        if !is_list(ty) || parent.ends_with("Connection") {
            return 1;
        }
        let name = field.name.node.as_str();
        if let Some((_, size)) = self.inherited.iter().find(|(list, _)| *list == name) {
            return *size;
        }
        if parent == "ProcurementCell" && name == "keys" {
            return KEYS_PER_CELL;
        }
        match self.argument(field, "ids") {
            Some(Value::List(ids)) => u64::try_from(ids.len()).unwrap_or(u64::MAX),
            _ => UNPAGED_LIST_ESTIMATE,
        }
    }
}

/// Whether a field of type `ty` is a list.
fn is_list(ty: &str) -> bool {
    ty.trim_end_matches('!').starts_with('[')
}
