//! Introspection metering: introspection is priced like any field, its lists by the schema's
//! own sizes ([`SchemaSizes`], counted once for the served schema), and an `ofType` chain
//! longer than the schema's deepest type wrapping answers `null`, priced as one field (the
//! walk's `introspection_shape` reads these sizes).

use std::sync::LazyLock;

use async_graphql::registry::{MetaType, Registry};

use super::registry::TYPES;

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

/// The introspection query graphql-js's `getIntrospectionQuery` builds with every option on (the
/// one GraphiQL and common clients send), with `type_depth` nested `ofType` (7 in graphql-js
/// 16, 9 in graphql-js 17).
pub fn standard_introspection_query(type_depth: usize) -> String {
    let mut of_type = String::new();
    for _ in 0..type_depth {
        of_type = format!("ofType {{ name kind {of_type} }}");
    }
    format!(
        "query IntrospectionQuery {{
          __schema {{
            description
            queryType {{ name kind }}
            mutationType {{ name kind }}
            subscriptionType {{ name kind }}
            types {{ ...FullType }}
            directives {{ name description isRepeatable locations args(includeDeprecated: true) {{ ...InputValue }} }}
          }}
        }}
        fragment FullType on __Type {{
          kind name description specifiedByURL isOneOf
          fields(includeDeprecated: true) {{
            name description
            args(includeDeprecated: true) {{ ...InputValue }}
            type {{ ...TypeRef }}
            isDeprecated deprecationReason
          }}
          inputFields(includeDeprecated: true) {{ ...InputValue }}
          interfaces {{ ...TypeRef }}
          enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }}
          possibleTypes {{ ...TypeRef }}
        }}
        fragment InputValue on __InputValue {{
          name description type {{ ...TypeRef }} defaultValue isDeprecated deprecationReason
        }}
        fragment TypeRef on __Type {{ kind name {of_type} }}"
    )
}

/// The cost of the standard introspection query of the served schema with the deepest
/// `ofType` chains tools send (9), measured once: what an introspection-only document may
/// cost (`cost_limit`).
pub static STANDARD_COST: LazyLock<u64> = LazyLock::new(|| {
    let query = standard_introspection_query(9);
    async_graphql::parser::parse_query(&query)
        .ok()
        .and_then(|document| {
            super::measure(
                &TYPES,
                &document,
                None,
                &async_graphql::Variables::default(),
                usize::MAX,
            )
        })
        .map_or(0, |measure| measure.cost)
});

/// Introspection types added to the schema's own (`__Schema`, `__Type`, `__TypeKind`,
/// `__Field`, `__InputValue`, `__EnumValue`, `__Directive`, `__DirectiveLocation`).
const INTROSPECTION_TYPES: u64 = 8;

/// Directives of every schema (`include`, `skip`, `deprecated`, `specifiedBy`, `oneOf`), and
/// the most arguments one of them takes.
pub(super) const BUILT_IN_DIRECTIVES: u64 = 5;

impl SchemaSizes {
    /// The sizes of the schema `registry` describes (computed once for the served schema).
    pub fn of(registry: &Registry) -> Self {
        if std::ptr::eq(registry, &*TYPES) {
            return *SIZES;
        }
        Self::count(registry)
    }

    /// Counts the sizes of `registry`.
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

/// The served schema's sizes, counted once.
pub(super) static SIZES: LazyLock<SchemaSizes> = LazyLock::new(|| SchemaSizes::count(&TYPES));
