//! Query limits and the cost of a request, checked before anything runs.
//!
//! A public GraphQL endpoint must refuse, cheaply and with a clear reason, the documents that
//! would make it do unbounded work: deep nesting, alias bombs, huge selections and nested
//! lists whose sizes multiply. Each operation is measured on its parsed document, with the
//! schema's types, before validation and execution:
//!
//! - **depth**: the deepest chain of nested fields, introspection included;
//! - **aliases** and **fields**: how many of each the document selects (fragments counted
//!   where they are spread);
//! - **cost** (requested): every field costs 1, and a list multiplies the cost of what it
//!   selects by its size: a connection by its page size (`first` or `last`, else the default
//!   page of 50), `nodes(ids:)` by the number of ids, the lists of analytics answers, the
//!   change feed and the partnership network by what their arguments let them return (series
//!   periods, groups, territories: see `Walk::root_lists`), any other list by
//!   [`UNPAGED_LIST_ESTIMATE`]. The `nodes` and `edges` of a connection are not multiplied
//!   again. A mutation also costs [`WRITE_COST`] per record it writes (every item of a bulk
//!   `input.items`).
//! - **introspection** is priced like any field, its lists by the schema's own sizes
//!   ([`SchemaSizes`]); an `ofType` chain longer than the schema's deepest type wrapping
//!   answers `null` and is priced as one field, so the standard introspection query passes the
//!   default limits while aliased walks down the schema do not.
//!
//! The operation measured is the one async-graphql executes ([`operation::select`]).
//!
//! A document over a limit is refused with `QUERY_TOO_COMPLEX`, naming the limit, the
//! measure and by how much it is exceeded; nothing is executed. Every response carries
//! `extensions.cost`: `requested` (the measure above), `actual` (the number of fields in the
//! response data, plus the write points of a mutation) and `limit`; the HTTP layer charges
//! the rate limiter the requested cost before execution and settles it on the actual cost.
//!
//! The check runs in the request executor, on the document async-graphql then executes
//! (parsed once), rather than as a schema extension: any extension makes async-graphql wrap
//! every field's resolution in extension hooks, a cost paid on every field of every response.
//!
//! This module measures documents; it must not know about HTTP or the database.

use std::{collections::HashSet, sync::LazyLock};

use async_graphql::{
    ErrorExtensionValues, Name, OutputType, Positioned, Request, Response, ServerError, Value, Variables,
    parser::types::{ExecutableDocument, Field, OperationType, Selection, SelectionSet, VariableDefinition},
    registry::{MetaType, MetaTypeName, Registry},
};

use super::{mutation::Mutation, operation, schema::Query};
use crate::store::page::DEFAULT_PAGE_SIZE;

/// Size assumed for a list that takes no page arguments (labels, suppliers, parties...).
pub const UNPAGED_LIST_ESTIMATE: u64 = 10;

/// Nesting beyond which the measure stops descending (cyclic fragments, absurd documents);
/// the depth limit refuses such documents anyway.
const MEASURE_DEPTH_CAP: usize = 64;

/// The limits a document must stay within. Every limit is configurable (see `config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct QueryLimits {
    /// Deepest nesting of fields accepted.
    #[arg(long, env = "TERRASSE_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Largest requested cost accepted (see the cost rules in the API documentation).
    #[arg(long, env = "TERRASSE_MAX_COST", default_value_t = 50_000)]
    pub max_cost: u64,
    /// Most aliases accepted in one document.
    #[arg(long, env = "TERRASSE_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most fields accepted in one document.
    #[arg(long, env = "TERRASSE_MAX_FIELDS", default_value_t = 500)]
    pub max_fields: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_cost: 50_000,
            max_aliases: 30,
            max_fields: 500,
        }
    }
}

/// What a document asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// Requested cost.
    pub cost: u64,
    /// Deepest nesting.
    pub depth: usize,
    /// Aliases.
    pub aliases: usize,
    /// Fields.
    pub fields: usize,
    /// The part of the cost spent writing ([`WRITE_COST`] per record a mutation writes): spent
    /// whatever the answer, so counted in the actual cost too.
    pub writes: u64,
}

impl QueryLimits {
    /// The first limit `measure` exceeds, as a message naming the limit, the measure and the
    /// excess.
    pub fn check(&self, measure: &Measure) -> Result<(), String> {
        let over = |what: &str, value: u64, limit: u64| {
            Err(format!(
                "query {what} is {value}, over the limit of {limit} by {}",
                value - limit
            ))
        };
        let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        if measure.depth > self.max_depth {
            return over("depth", wide(measure.depth), wide(self.max_depth));
        }
        if measure.aliases > self.max_aliases {
            return over("alias count", wide(measure.aliases), wide(self.max_aliases));
        }
        if measure.fields > self.max_fields {
            return over("field count", wide(measure.fields), wide(self.max_fields));
        }
        if measure.cost > self.max_cost {
            return over("cost", measure.cost, self.max_cost);
        }
        Ok(())
    }
}

/// Measures the operation of `document` that a request runs, selected as async-graphql selects
/// it ([`operation::select`]); `None` when there is no such operation (validation then
/// reports it).
///
/// The walk stops once it has counted more than `field_cap` fields: fragments spread several
/// times each are counted where they are spread, so a short document can stand for billions
/// of fields (a fragment bomb), and measuring it whole would be the unbounded work the limits
/// exist to refuse. The measure is then a lower bound, already over the field limit.
pub fn measure(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    field_cap: usize,
) -> Option<Measure> {
    let operation = operation::select(document, operation_name)?;
    let root = match operation.node.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    }?;
    let mut walk = Walk {
        registry,
        sizes: SchemaSizes::of(registry),
        document,
        variables,
        measure: Measure::default(),
        spreading: HashSet::new(),
        field_cap,
        root,
        of_type: 0,
        reference: false,
        definitions: &operation.node.variable_definitions,
        inherited: Vec::new(),
    };
    let cost = walk.selection_set(&operation.node.selection_set, root, 1);
    walk.measure.cost = cost;
    Some(walk.measure)
}

/// Sizes of the schema's own lists, which price introspection: how many types, and how many
/// fields, arguments, enum values... a type has on average (rounded up). Introspection answers
/// from the schema, so these are what its lists return, not a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaSizes {
    /// Types (`__schema.types`), introspection types included.
    pub types: u64,
    /// Fields per type (`__Type.fields`).
    pub fields_per_type: u64,
    /// Arguments per field (`__Field.args`).
    pub args_per_field: u64,
    /// Input fields per type (`__Type.inputFields`).
    pub input_fields_per_type: u64,
    /// Enum values per type (`__Type.enumValues`).
    pub enum_values_per_type: u64,
    /// Interfaces and possible types per type (`__Type.interfaces`, `__Type.possibleTypes`).
    pub related_types_per_type: u64,
    /// Directives (`__schema.directives`).
    pub directives: u64,
    /// Most wrappers (list and non-null) around a type in the schema, `[String!]!` having 3:
    /// an `ofType` chain longer than this answers `null`.
    pub max_wrapping: usize,
    /// Wrappers around a type reference on average (rounded): `ofType` levels past it are
    /// counted in the depth but priced as one field.
    pub mean_wrapping: usize,
    /// Fields, input fields, enum values and interfaces/possible types of the type a field's
    /// or argument's `type` names, on average: most references are wrapped (`X!`, `[X!]!`),
    /// and a wrapper has none of these lists.
    pub per_reference: [u64; 4],
}

/// Introspection types added to the schema's own (`__Schema`, `__Type`, `__TypeKind`,
/// `__Field`, `__InputValue`, `__EnumValue`, `__Directive`, `__DirectiveLocation`).
const INTROSPECTION_TYPES: u64 = 8;

/// Directives of every schema (`include`, `skip`, `deprecated`, `specifiedBy`, `oneOf`), and
/// the most arguments one of them takes.
const BUILT_IN_DIRECTIVES: u64 = 5;

impl SchemaSizes {
    /// The sizes of the schema `registry` describes (computed once for the served schema).
    pub fn of(registry: &Registry) -> Self {
        if std::ptr::eq(registry, &*TYPES) {
            return *SIZES;
        }
        Self::count(registry)
    }

    fn count(registry: &Registry) -> Self {
        let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let wrapping = |ty: &str| ty.bytes().filter(|b| matches!(b, b'[' | b'!')).count();
        // The lists of a named type: fields, input fields, enum values, related types.
        let lists = |ty: &MetaType| -> [usize; 4] {
            match ty {
                MetaType::Object { fields, name, .. } => [
                    fields.len(),
                    0,
                    0,
                    registry.implements.get(name).map_or(0, |set| set.len()),
                ],
                MetaType::Interface {
                    fields, possible_types, ..
                } => [fields.len(), 0, 0, possible_types.len()],
                MetaType::Union { possible_types, .. } => [0, 0, 0, possible_types.len()],
                MetaType::Enum { enum_values, .. } => [0, 0, enum_values.len(), 0],
                MetaType::InputObject { input_fields, .. } => [0, input_fields.len(), 0, 0],
                MetaType::Scalar { .. } => [0; 4],
            }
        };
        let mut totals = [0_usize; 4];
        let mut referenced = [0_usize; 4];
        let (mut fields, mut args, mut references, mut wrappers, mut max_wrapping) = (0, 0, 0, 0, 0);
        let mut reference = |ty: &str| {
            let wrapped = wrapping(ty);
            references += 1;
            wrappers += wrapped;
            max_wrapping = max_wrapping.max(wrapped);
            if wrapped == 0
                && let Some(named) = registry.types.get(ty)
            {
                for (sum, count) in referenced.iter_mut().zip(lists(named)) {
                    *sum += count;
                }
            }
        };
        for ty in registry.types.values() {
            for (sum, count) in totals.iter_mut().zip(lists(ty)) {
                *sum += count;
            }
            match ty {
                MetaType::Object { fields: own, .. } | MetaType::Interface { fields: own, .. } => {
                    fields += own.len();
                    for field in own.values() {
                        args += field.args.len();
                        reference(&field.ty);
                        for arg in field.args.values() {
                            reference(&arg.ty);
                        }
                    }
                }
                MetaType::InputObject { input_fields, .. } => {
                    for field in input_fields.values() {
                        reference(&field.ty);
                    }
                }
                _ => {}
            }
        }
        let types = wide(registry.types.len()).saturating_add(INTROSPECTION_TYPES);
        let per = |count: usize, over: u64| wide(count).div_ceil(over.max(1)).max(1);
        let references = wide(references);
        Self {
            types,
            fields_per_type: per(totals[0], types),
            args_per_field: per(args, wide(fields)),
            input_fields_per_type: per(totals[1], types),
            enum_values_per_type: per(totals[2], types),
            related_types_per_type: per(totals[3], types),
            directives: wide(registry.directives.len()).saturating_add(BUILT_IN_DIRECTIVES),
            max_wrapping: max_wrapping.max(1),
            mean_wrapping: usize::try_from((wide(wrappers) + references / 2) / references.max(1)).unwrap_or(1),
            per_reference: referenced.map(|count| per(count, references)),
        }
    }
}

/// What a field selects and how many times per parent.
enum Shape<'a> {
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

struct Walk<'a> {
    registry: &'a Registry,
    sizes: SchemaSizes,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    measure: Measure,
    /// Fragments being spread on the current path (a cycle is not followed).
    spreading: HashSet<&'a str>,
    /// Fields counted beyond which the walk stops.
    field_cap: usize,
    /// The operation's root type.
    root: &'a str,
    /// Length of the `ofType` chain the current selection is in.
    of_type: usize,
    /// Whether the current selection is on the `type` of a field or an argument.
    reference: bool,
    /// The operation's variables, with their default values.
    definitions: &'a [Positioned<VariableDefinition>],
    /// Sizes of the lists of the current selection, set by the field that selects it (the
    /// cells of an analytics answer, the events of a change page...).
    inherited: Vec<(&'static str, u64)>,
}

impl<'a> Walk<'a> {
    /// Cost of a selection set on `type_name` at nesting `depth`.
    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>, type_name: &'a str, depth: usize) -> u64 {
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
            WRITE_COST.saturating_mul(self.items(field).max(1))
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
            self.root_lists(field, name)
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
    fn argument(&self, field: &Field, name: &str) -> Option<Value> {
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
        let number = |value: Value| match value {
            Value::Number(n) => n.as_u64(),
            _ => None,
        };
        if child.ends_with("Connection") {
            let default = if field.name.node == "auditLog" {
                FEED_DEFAULT_PAGE
            } else {
                DEFAULT_PAGE_SIZE
            };
            return self
                .argument(field, "first")
                .and_then(number)
                .or_else(|| self.argument(field, "last").and_then(number))
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

    /// The sizes of the lists a root field's answer holds: analytics cells, change events,
    /// the partnership network, the results of a bulk write.
    fn root_lists(&self, field: &Field, name: &str) -> Vec<(&'static str, u64)> {
        let periods = || self.periods(field);
        let territories = || self.territories_within(field);
        let organisation_dimension = || match self.argument(field, "groupBy") {
            Some(Value::Enum(dimension)) => organisation_dimension_size(dimension.as_str()),
            _ => 1,
        };
        let number = |value: Value| match value {
            Value::Number(n) => n.as_u64(),
            _ => None,
        };
        match name {
            "changes" => {
                let first = self
                    .argument(field, "first")
                    .and_then(number)
                    .unwrap_or(FEED_DEFAULT_PAGE);
                vec![("events", first)]
            }
            "procurementIndicators" => {
                let groups = match self.argument(field, "groupBy") {
                    Some(Value::List(groupings)) => groupings.iter().fold(1_u64, |cells, grouping| {
                        cells.saturating_mul(self.procurement_dimension_size(field, grouping))
                    }),
                    Some(grouping @ Value::Object(_)) => self.procurement_dimension_size(field, &grouping),
                    _ => 1,
                };
                vec![("cells", groups)]
            }
            "procurementTimeSeries" => vec![("cells", periods())],
            "organisationIndicators" => vec![("cells", territories().saturating_mul(organisation_dimension()))],
            "organisationTimeSeries" => vec![
                ("totals", periods()),
                ("cells", periods().saturating_mul(organisation_dimension())),
            ],
            "partnershipIndicators" => vec![("cells", territories().saturating_mul(PARTNERSHIP_TYPES))],
            "partnershipTimeSeries" => vec![("cells", periods().saturating_mul(PARTNERSHIP_TYPES))],
            "partnershipNetwork" => vec![("nodes", NETWORK_NODES), ("edges", NETWORK_EDGES)],
            _ if self.registry.mutation_type.as_deref() == Some(self.root) => {
                let items = self.items(field).max(1);
                vec![("results", items), ("userErrors", items)]
            }
            _ => Vec::new(),
        }
    }

    /// Items of a bulk write (`input.items`), else 0.
    fn items(&self, field: &Field) -> u64 {
        match self.argument(field, "input") {
            Some(Value::Object(input)) => match input.get("items") {
                Some(Value::List(items)) => u64::try_from(items.len()).unwrap_or(u64::MAX),
                _ => 0,
            },
            _ => 0,
        }
    }

    /// Periods of a series (`period` cut by `granularity`), computed from the dates; the cap
    /// of a series when they cannot be read.
    fn periods(&self, field: &Field) -> u64 {
        let granularity = match self.argument(field, "granularity") {
            Some(Value::Enum(granularity)) => granularity,
            _ => return MAX_SERIES_PERIODS,
        };
        let Some(Value::Object(period)) = self.argument(field, "period") else {
            return MAX_SERIES_PERIODS;
        };
        let date = |name: &str| match period.get(name) {
            Some(Value::String(date)) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
            _ => None,
        };
        let (Some(from), Some(to)) = (date("from"), date("to")) else {
            return MAX_SERIES_PERIODS;
        };
        series_periods(from, to, granularity.as_str()).unwrap_or(MAX_SERIES_PERIODS)
    }

    /// Territories of the `level` argument inside the `territory` argument, at most.
    fn territories_within(&self, field: &Field) -> u64 {
        let level = |value: Option<&Value>| match value {
            Some(Value::Enum(level)) => Some(level.to_string()),
            _ => None,
        };
        let outer = match self.argument(field, "territory") {
            Some(Value::Object(territory)) => level(territory.get("level")),
            _ => None,
        };
        let inner = level(self.argument(field, "level").as_ref());
        territories_within(outer.as_deref(), inner.as_deref())
    }

    /// Groups of one procurement grouping (`{dimension, level}`).
    fn procurement_dimension_size(&self, field: &Field, grouping: &Value) -> u64 {
        let Value::Object(grouping) = grouping else {
            return 1;
        };
        let dimension = match grouping.get("dimension") {
            Some(Value::Enum(dimension)) => dimension.as_str(),
            _ => return 1,
        };
        let level = match grouping.get("level") {
            Some(Value::Enum(level)) => Some(level.as_str()),
            _ => None,
        };
        let periods = |granularity: &str| {
            let Some(Value::Object(period)) = self.argument(field, "period") else {
                return MAX_SERIES_PERIODS;
            };
            let date = |name: &str| match period.get(name) {
                Some(Value::String(date)) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
                _ => None,
            };
            match (date("from"), date("to")) {
                (Some(from), Some(to)) => series_periods(from, to, granularity).unwrap_or(MAX_SERIES_PERIODS),
                _ => MAX_SERIES_PERIODS,
            }
        };
        match dimension {
            "YEAR" | "QUARTER" | "MONTH" => periods(dimension),
            "BUYER" => BUYERS_ESTIMATE,
            "BUYER_TERRITORY" | "SUPPLIER_TERRITORY" => territory_groups(level.unwrap_or("EPCI")),
            "SUPPLIER_SSE_FAMILY" => SSE_FAMILIES,
            "SUPPLIER_LABEL" => LABEL_KINDS,
            "CPV_DIVISION" => CPV_DIVISIONS,
            "PROCEDURE" => PROCEDURES,
            "LOCALITY_LEVEL" => LOCALITY_LEVELS,
            _ => UNPAGED_LIST_ESTIMATE,
        }
    }
}

/// Points a mutation costs per record it writes (each item of a bulk `upsert*`, or 1), on top
/// of its fields: a write is a transaction with its change-log and audit entries.
pub const WRITE_COST: u64 = 10;

/// Keys of a procurement cell: one per grouping, at most two.
const KEYS_PER_CELL: u64 = 2;

/// Default page of the change feed and the audit log.
const FEED_DEFAULT_PAGE: u64 = 100;

/// Most periods a series may have (`procurementTimeSeries` and the other series); the price of
/// a series whose period cannot be read from its arguments.
pub const MAX_SERIES_PERIODS: u64 = 600;

/// Partnership types (`PartnershipType`): the cells of partnership counts per territory or
/// period.
const PARTNERSHIP_TYPES: u64 = 9;
/// Nodes priced for `partnershipNetwork`: the most it returns.
pub const NETWORK_NODES: u64 = crate::store::analytics::NETWORK_MAX_NODES;
/// Edges priced for `partnershipNetwork`: the most it returns.
pub const NETWORK_EDGES: u64 = crate::store::analytics::NETWORK_MAX_EDGES;
/// Buyers priced for a `BUYER` grouping.
const BUYERS_ESTIMATE: u64 = 100;

/// Territories priced for a `BUYER_TERRITORY` or `SUPPLIER_TERRITORY` grouping at `level`: the
/// territories one scope's buyers or suppliers are in (all of France's régions and
/// départements, 300 communes); a larger answer is charged after it is known.
fn territory_groups(level: &str) -> u64 {
    match level {
        "REGION" => 18,
        "DEPARTEMENT" => 101,
        "EPCI" => 200,
        _ => 300,
    }
}
/// SSE families (`SUPPLIER_SSE_FAMILY`, `SSE_FAMILY`).
const SSE_FAMILIES: u64 = 10;
/// Label kinds (`SUPPLIER_LABEL`, `LABEL`).
const LABEL_KINDS: u64 = 30;
/// CPV divisions.
const CPV_DIVISIONS: u64 = 45;
/// Procurement procedures.
const PROCEDURES: u64 = 12;
/// Locality levels.
const LOCALITY_LEVELS: u64 = 6;

/// Groups of an organisation dimension.
fn organisation_dimension_size(dimension: &str) -> u64 {
    match dimension {
        "NONE" => 1,
        "SSE_FAMILY" => SSE_FAMILIES,
        "LEGAL_CATEGORY" => 250,
        "NAF_SECTION" => 21,
        "NAF_DIVISION" => 88,
        "HEADCOUNT_BAND" => 16,
        "LABEL" => LABEL_KINDS,
        _ => UNPAGED_LIST_ESTIMATE,
    }
}

/// Territories of level `inner` inside one territory of level `outer`, on average in France
/// (a région holds 8 départements, 100 EPCI and 2 700 communes; a département 13 EPCI and 350
/// communes; an EPCI 30 communes); all of France's when the outer level is unknown. A larger
/// answer is charged after it is known.
fn territories_within(outer: Option<&str>, inner: Option<&str>) -> u64 {
    let inner = inner.unwrap_or("COMMUNE");
    match (inner, outer) {
        ("REGION", Some("REGION")) | ("DEPARTEMENT", Some("DEPARTEMENT")) | ("EPCI", Some("EPCI")) => 1,
        ("REGION", _) => 18,
        ("DEPARTEMENT", Some("REGION")) => 8,
        ("DEPARTEMENT", None) => 101,
        ("DEPARTEMENT", _) => 1,
        ("EPCI", Some("REGION")) => 100,
        ("EPCI", Some("DEPARTEMENT")) => 13,
        ("EPCI", None) => 1_250,
        ("EPCI", _) => 1,
        ("COMMUNE", Some("REGION")) => 2_700,
        ("COMMUNE", Some("DEPARTEMENT")) => 350,
        ("COMMUNE", Some("EPCI")) => 30,
        ("COMMUNE", Some(_)) => 1,
        ("COMMUNE", None) => 35_000,
        (_, Some("COMMUNE")) => 20,
        (_, Some("EPCI" | "DEPARTEMENT")) => 50,
        _ => 2_500,
    }
}

/// Periods of `granularity` (`YEAR`, `QUARTER`, `MONTH`) from `from` to `to`, both included;
/// `None` for another granularity.
fn series_periods(from: chrono::NaiveDate, to: chrono::NaiveDate, granularity: &str) -> Option<u64> {
    use chrono::Datelike;
    let months_per_period = match granularity {
        "YEAR" => 12,
        "QUARTER" => 3,
        "MONTH" => 1,
        _ => return None,
    };
    let index = |date: chrono::NaiveDate| (i64::from(date.year()) * 12 + i64::from(date.month0())) / months_per_period;
    let count = index(to).saturating_sub(index(from)).saturating_add(1);
    Some(u64::try_from(count).unwrap_or(1).max(1))
}

fn is_list(ty: &str) -> bool {
    ty.trim_end_matches('!').starts_with('[')
}

/// Fields in response data: the request's actual cost.
pub fn actual_cost(data: &Value) -> u64 {
    match data {
        Value::Object(fields) => fields
            .values()
            .fold(u64::try_from(fields.len()).unwrap_or(u64::MAX), |sum, value| {
                sum.saturating_add(actual_cost(value))
            }),
        Value::List(items) => items.iter().fold(0, |sum, item| sum.saturating_add(actual_cost(item))),
        _ => 0,
    }
}

/// The schema's types (queries and mutations, their fields, arguments and input types), built
/// once and shared by the measure and the input bounds.
pub(super) static TYPES: LazyLock<Registry> = LazyLock::new(|| {
    let mut registry = Registry {
        query_type: Query::type_name().into_owned(),
        mutation_type: Some(Mutation::type_name().into_owned()),
        ..Registry::default()
    };
    Query::create_type_info(&mut registry);
    Mutation::create_type_info(&mut registry);
    registry
});

/// The served schema's sizes, counted once.
static SIZES: LazyLock<SchemaSizes> = LazyLock::new(|| SchemaSizes::count(&TYPES));

/// Checks a request against `limits` before it runs: `Ok` with its measure (none when the
/// document does not parse or names no operation: execution then reports that), or the
/// `QUERY_TOO_COMPLEX` error to answer (or the `BAD_USER_INPUT` of an argument over its
/// bound, see `bounds`).
pub fn admit(request: &mut Request, limits: &QueryLimits) -> Result<Option<Measure>, ServerError> {
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(None);
    };
    super::bounds::admit(document, operation_name.as_deref(), &variables)?;
    let Some(measure) = measure(
        &TYPES,
        document,
        operation_name.as_deref(),
        &variables,
        limits.max_fields,
    ) else {
        return Ok(None);
    };
    match limits.check(&measure) {
        Ok(()) => Ok(Some(measure)),
        Err(message) => {
            let mut error = ServerError::new(message, None);
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", "QUERY_TOO_COMPLEX");
            error.extensions = Some(extensions);
            Err(error)
        }
    }
}

/// The actual cost of an answered request measured as `measure`: the fields of its response
/// data, plus its writes.
pub fn spent(response: &Response, measure: &Measure) -> u64 {
    actual_cost(&response.data).saturating_add(measure.writes)
}

/// Adds `extensions.cost` to a response: `requested` (the measure), `actual` ([`spent`]) and
/// `limit`.
pub fn report_cost(response: &mut Response, measure: &Measure, limits: &QueryLimits) {
    let cost = async_graphql::value!({
        "requested": measure.cost,
        "actual": spent(response, measure),
        "limit": limits.max_cost,
    });
    response.extensions.insert("cost".to_owned(), cost);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `query` on a schema over an empty database: limits and costs are decided before
    /// any resolver runs, so the resolvers' failures do not matter here.
    async fn run(query: &str, variables: serde_json::Value, limits: QueryLimits) -> async_graphql::Response {
        let db = sea_orm::Database::connect("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let schema = crate::graphql::build_schema(db.clone());
        let request = async_graphql::Request::new(query).variables(Variables::from_json(variables));
        crate::graphql::executor::execute_within(&schema, request, db, &limits).await
    }

    async fn requested(query: &str, variables: serde_json::Value) -> u64 {
        let response = run(query, variables, QueryLimits::default()).await;
        let cost = response
            .extensions
            .get("cost")
            .unwrap_or_else(|| panic!("no cost: {response:?}"));
        let json = cost.clone().into_json().unwrap_or_default();
        json["requested"].as_u64().unwrap_or_else(|| panic!("{json}"))
    }

    #[tokio::test]
    async fn lists_multiply_the_cost_of_their_selection() {
        // organisations (1) + 20 × (nodes 1 + name 1)
        let cost = requested("{ organisations(first: 20) { nodes { name } } }", serde_json::json!({})).await;
        assert_eq!(cost, 1 + 20 * 2);
        // the default page of 50, and a nested page size given by a variable
        let cost = requested(
            "query($n: Int) { organisations { nodes { contractsWon(first: $n) { nodes { uid } } } } }",
            serde_json::json!({ "n": 5 }),
        )
        .await;
        assert_eq!(cost, 1 + 50 * (1 + (1 + 5 * (1 + 1))));
        // nodes(ids:) by the number of ids; unpaged lists by the estimate
        let cost = requested(r#"{ nodes(ids: ["a", "b", "c"]) { id } }"#, serde_json::json!({})).await;
        assert_eq!(cost, 1 + 3);
        let cost = requested(
            r#"{ organisation(siren: "1") { labels { kind } } }"#,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(cost, 1 + (1 + UNPAGED_LIST_ESTIMATE));
        // fragments are priced where they are spread
        let cost = requested(
            "query { a: organisations(first: 2) { ...F } b: organisations(first: 2) { ...F } }
             fragment F on OrganisationConnection { nodes { name } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(cost, 2 * (1 + 2 * 2));
    }

    #[tokio::test]
    async fn documents_over_a_limit_are_refused_with_the_limit_and_the_excess() {
        let refusal = |response: async_graphql::Response| {
            let error = response
                .errors
                .first()
                .cloned()
                .unwrap_or_else(|| panic!("not refused"));
            let code = error.extensions.as_ref().and_then(|e| e.get("code")).cloned();
            assert_eq!(code, Some(Value::from("QUERY_TOO_COMPLEX")), "{error:?}");
            assert_eq!(response.data, Value::Null);
            error.message
        };
        let deep = "{ organisations { nodes { establishments { nodes { commune { epci { departement {
            region { children { nodes { children { nodes { children { nodes { name } } } } } } } } } } } } } } }";
        assert_eq!(
            refusal(run(deep, serde_json::json!({}), QueryLimits::default()).await),
            "query depth is 15, over the limit of 12 by 3"
        );
        let costly = "{ organisations(first: 500) { nodes { establishments(first: 500) { nodes { name } } } } }";
        assert_eq!(
            refusal(run(costly, serde_json::json!({}), QueryLimits::default()).await),
            "query cost is 501001, over the limit of 50000 by 451001"
        );
        let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
        assert_eq!(
            refusal(
                run(
                    &format!("{{ {aliases} }}"),
                    serde_json::json!({}),
                    QueryLimits::default()
                )
                .await
            ),
            "query alias count is 31, over the limit of 30 by 1"
        );
        let few_fields = QueryLimits {
            max_fields: 2,
            ..QueryLimits::default()
        };
        assert_eq!(
            refusal(
                run(
                    "{ organisations { nodes { name } } }",
                    serde_json::json!({}),
                    few_fields
                )
                .await
            ),
            "query field count is 3, over the limit of 2 by 1"
        );
        // A fragment bomb (each fragment spreads the previous one twice: 2^40 fields) is
        // refused quickly, the walk stopping past the field limit.
        let mut bomb = String::from("query { ...F40 } fragment F0 on Query { __typename }");
        for level in 1..=40 {
            bomb.push_str(&format!(
                " fragment F{level} on Query {{ ...F{p} ...F{p} }}",
                p = level - 1
            ));
        }
        let started = std::time::Instant::now();
        let message = refusal(run(&bomb, serde_json::json!({}), QueryLimits::default()).await);
        assert!(
            message.starts_with("query field count is 501, over the limit of 500"),
            "{message}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        // Introspection nesting past the schema's deepest type wrapping answers null and is not
        // counted: GraphiQL's own query must pass.
        let introspection = format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(8),
            "} ".repeat(8)
        );
        let response = run(&introspection, serde_json::json!({}), QueryLimits::default()).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    fn measured(query: &str, variables: serde_json::Value) -> Measure {
        let document = async_graphql::parser::parse_query(query).unwrap_or_else(|e| panic!("{e}"));
        measure(&TYPES, &document, None, &Variables::from_json(variables), 10_000)
            .unwrap_or_else(|| panic!("no operation"))
    }

    #[test]
    fn mutations_are_measured_with_their_items_and_selected_like_async_graphql() {
        let upsert = "mutation Upsert($input: UpsertOrganisationsInput!) {
            upsertOrganisations(input: $input) { committed results { status } } }";
        let items: Vec<_> = (0..7)
            .map(|i| serde_json::json!({ "externalId": i.to_string() }))
            .collect();
        let measure = measured(upsert, serde_json::json!({ "input": { "items": items } }));
        // 1 + 7 writes of 10, committed, results 1 + 7 × status.
        assert_eq!((measure.cost, measure.writes), (1 + 70 + 1 + (1 + 7), 70));
        let literal = measured(
            r#"mutation M { upsertLabels(input: { source: "MANUAL", items: [{}, {}] }) { committed } }"#,
            serde_json::json!({}),
        );
        assert_eq!(literal.writes, 20);
        let single = measured(
            r#"mutation { deleteOrganisation(input: { id: "x" }) { deletedId } }"#,
            serde_json::json!({}),
        );
        assert_eq!((single.cost, single.writes), (1 + 10 + 1, 10));
    }

    #[test]
    fn introspection_lists_are_sized_by_the_schema() {
        let sizes = *SIZES;
        assert!(sizes.types > 100, "{sizes:?}");
        assert!((2..=5).contains(&sizes.max_wrapping), "{sizes:?}");
        let measure = measured("{ __schema { types { name } } }", serde_json::json!({}));
        assert_eq!(measure.cost, 1 + (1 + sizes.types));
        assert_eq!(measure.depth, 3);
        // ofType past the deepest wrapping: one field, nothing below priced or counted deep.
        let chain = |n: usize| {
            format!(
                "{{ __type(name: \"Query\") {{ {} name {} }} }}",
                "ofType { ".repeat(n),
                "} ".repeat(n)
            )
        };
        let deepest = measured(&chain(sizes.max_wrapping), serde_json::json!({}));
        let past = measured(&chain(sizes.max_wrapping + 5), serde_json::json!({}));
        assert_eq!(past.depth, deepest.depth, "the null ofType is as deep as the last name");
        assert!(past.cost <= deepest.cost + 1, "{past:?} {deepest:?}");
    }

    #[tokio::test]
    async fn series_and_analytics_cells_are_priced_by_what_they_return() {
        let series = "query($to: NaiveDate!) { procurementTimeSeries(scope: { buyerSiren: \"1\" },
            period: { from: \"2020-01-01\", to: $to }, granularity: QUARTER) { cells { contracts } } }";
        assert_eq!(
            requested(series, serde_json::json!({ "to": "2024-12-31" })).await,
            1 + (1 + 20)
        );
        let grouped = r#"{ procurementIndicators(scope: { buyerSiren: "1" },
            period: { from: "2020-01-01", to: "2021-12-31" },
            groupBy: [{ dimension: YEAR }, { dimension: CPV_DIVISION }]) { cells { contracts } } }"#;
        assert_eq!(requested(grouped, serde_json::json!({})).await, 1 + (1 + 2 * 45));
        let communes = r#"{ organisationIndicators(territory: { level: DEPARTEMENT, code: "13" },
            level: COMMUNE, groupBy: NAF_SECTION) { cells { key } } }"#;
        assert_eq!(requested(communes, serde_json::json!({})).await, 1 + (1 + 350 * 21));
        let network =
            r#"{ partnershipNetwork(territory: { level: REGION, code: "93" }) { nodes { id } edges { source } } }"#;
        assert_eq!(
            requested(network, serde_json::json!({})).await,
            1 + (1 + NETWORK_NODES) + (1 + NETWORK_EDGES)
        );
        // A period that cannot be read (here a variable not given) is priced at the cap of a
        // series; one spanning millennia by its periods.
        let unreadable = r#"query($period: PeriodInput!) { partnershipTimeSeries(territory: { level: REGION, code: "93" },
            period: $period, granularity: MONTH) { cells { partnerships } } }"#;
        let measure = measured(unreadable, serde_json::json!({}));
        assert_eq!(measure.cost, 1 + (1 + MAX_SERIES_PERIODS * PARTNERSHIP_TYPES));
        let millennia = r#"{ procurementTimeSeries(scope: { buyerSiren: "1" },
            period: { from: "0001-01-01", to: "9999-12-31" }, granularity: MONTH) { cells { contracts } } }"#;
        assert_eq!(measured(millennia, serde_json::json!({})).cost, 1 + (1 + 9_999 * 12));
    }
}
