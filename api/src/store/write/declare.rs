//! A record kind's fields, declared once.
//!
//! A kind declares its fields in one `declare_fields!` call, which builds the store's structs
//! here and defines `<kind>_fields!`, the macro that hands the same list to the GraphQL layer:
//! `store_types!` builds the store's whole-record struct, its patch struct and the patch's
//! `applied_to` (a patch over the stored record gives the whole record again), or
//! `patch_types!` the one partial struct of organisations; the GraphQL layer's builders make
//! the upsert item input, the patch input and their conversions into the store's structs from
//! the same list. Adding a field means adding one line to the declaration.
//!
//! Each field has a class, in parentheses:
//! - `(organisation)`: the id of an organisation (a global id in GraphQL, a row id here);
//! - `(required T)` / `(required enum E)`: always present in a whole record;
//! - `(optional T)` / `(optional enum E)`: nullable; a patch can clear it;
//! - `(flag)`: a boolean, false when not sent;
//! - `(defaulted enum E = V)`: an enum the whole record may omit (then `V`);
//! - `(optional cents named N)`: an amount, euro cents here, euros in GraphQL's field `N`;
//! - `(children C from I)`: a record's children in order (a partnership's parties), `C` here
//!   and `I` in GraphQL (`I::into_store(self, prefix)` converts one); a patch that sends them
//!   replaces them all;
//! - `(list T)`: a list of values, all replaced by a patch that sends it.
//!
//! `T` is the same type on both sides; `E` names an enum of `entity::enums` and its mirror in
//! the GraphQL layer. Every kind also has its `external_id`, the key of its upserts, first.
//! The header `Fields, Patch of S` names the stored value a patch applies to: a row
//! (`label::Model`), or a row with its children that dereferences to the row; `, key optional`
//! after it makes the external id optional, and `, internal field: T` adds a field of the
//! whole record that only the store's own writers set (an importer's extra record): it is not
//! in the patch, GraphQL never sends it, and a patch leaves it `T::default()` (unchanged).
//! `#[key = "..."]` before the header documents the upsert item's external id. A field's doc comment is its description in both layers;
//! `#[patch = "..."]` gives the patch input another one.

/// The store's type of a field of a whole record, by class.
macro_rules! whole_type {
    ((organisation)) => { uuid::Uuid };
    ((required enum $enum:ident)) => { entity::enums::$enum };
    ((required $type:ty)) => { $type };
    ((optional enum $enum:ident)) => { Option<entity::enums::$enum> };
    ((optional cents named $name:ident)) => { Option<i64> };
    ((optional $type:ty)) => { Option<$type> };
    ((flag)) => { bool };
    ((children $child:ident from $input:ident)) => { Vec<$child> };
    ((defaulted enum $enum:ident = $default:ident)) => { entity::enums::$enum };
    ((list $type:ty)) => { Vec<$type> };
}
pub(crate) use whole_type;

/// The store's type of a field of a patch, by class: `None` keeps the stored value; nullable
/// fields are a [`Patch`](super::Patch), whose `Some(None)` clears it.
macro_rules! patch_type {
    ((organisation)) => { Option<uuid::Uuid> };
    ((required enum $enum:ident)) => { Option<entity::enums::$enum> };
    ((required $type:ty)) => { Option<$type> };
    ((optional enum $enum:ident)) => { $crate::store::write::Patch<entity::enums::$enum> };
    ((optional cents named $name:ident)) => { $crate::store::write::Patch<i64> };
    ((optional $type:ty)) => { $crate::store::write::Patch<$type> };
    ((flag)) => { Option<bool> };
    ((children $child:ident from $input:ident)) => { Option<Vec<$child>> };
    ((defaulted enum $enum:ident = $default:ident)) => { Option<entity::enums::$enum> };
    ((list $type:ty)) => { Option<Vec<$type>> };
}
pub(crate) use patch_type;

/// The store's type of a record's external id: required, or `optional` for a kind whose
/// records may have none (contracts imported under their national key).
macro_rules! key_type {
    () => { String };
    (optional) => { Option<String> };
}
pub(crate) use key_type;

/// The external id a patch gives a stored record: the patch's, else the stored one.
macro_rules! key_applied {
    ($patched:expr, $stored:expr;) => {
        $patched.unwrap_or_else(|| $stored.clone().unwrap_or_default())
    };
    ($patched:expr, $stored:expr; optional) => {
        $patched.or_else(|| $stored.clone())
    };
}
pub(crate) use key_applied;

/// Builds the store's structs of a record kind from its declaration: `$fields` (the whole
/// record, as a partner sends it), `$patch` (the fields to change) and `$patch::applied_to`,
/// which takes each absent field from `$stored` (a column or child list of the same name and
/// type) and keeps the stored external id when the patch has none.
macro_rules! store_types {
    (
        $(#[doc = $doc:literal])*
        $(#[key = $key_doc:literal])?
        $fields:ident, $patch:ident of $stored:ty $(, key $key:ident)?
        $(, internal $(#[doc = $internal_doc:literal])* $internal:ident: $internal_type:ty)? {
            $(
                $(#[doc = $field_doc:literal])*
                $(#[patch = $patch_doc:literal])?
                $field:ident: $class:tt,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        pub struct $fields {
            /// Id in the writer's source: the key of the upsert.
            pub external_id: $crate::store::write::declare::key_type!($($key)?),
            $(
                $(#[doc = $field_doc])*
                pub $field: $crate::store::write::declare::whole_type!($class),
            )*
            $(
                $(#[doc = $internal_doc])*
                #[serde(default)]
                pub $internal: $internal_type,
            )?
        }

        #[doc = concat!("Changes to a record of [`", stringify!($fields), "`]: absent fields (`None`) keep their stored value; for nullable fields `Some(None)` clears it.")]
        #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
        pub struct $patch {
            /// New external id.
            pub external_id: Option<String>,
            $(
                $(#[doc = $field_doc])*
                pub $field: $crate::store::write::declare::patch_type!($class),
            )*
        }

        impl $patch {
            /// The whole record this patch makes of `stored`.
            pub fn applied_to(self, stored: &$stored) -> $fields {
                $fields {
                    external_id: $crate::store::write::declare::key_applied!(self.external_id, stored.external_id; $($key)?),
                    $($field: self.$field.unwrap_or_else(|| stored.$field.clone()),)*
                    $($internal: Default::default(),)?
                }
            }
        }
    };
}
pub(crate) use store_types;

/// Builds the store's struct of a kind whose writes all take the same partial fields
/// (organisations: absent fields take their default on create and stay as stored on update):
/// only the patch, from a declaration `Patch { fields }` without an implicit external id.
macro_rules! patch_types {
    (
        $(#[doc = $doc:literal])*
        $patch:ident {
            $(
                $(#[doc = $field_doc:literal])*
                $field:ident: $class:tt,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
        pub struct $patch {
            $(
                $(#[doc = $field_doc])*
                pub $field: $crate::store::write::declare::patch_type!($class),
            )*
        }
    };
}
pub(crate) use patch_types;

/// Declares a record kind's fields once: defines `$name!`, which hands the declaration to a
/// builder (`$name!(builder, args...)`: the GraphQL layer builds its inputs so), and builds the
/// store's structs here with `$builder` ([`store_types!`] or [`patch_types!`]). The first token
/// is `$`, which the inner macro needs for its own variables.
macro_rules! declare_fields {
    ($d:tt $(#[doc = $doc:literal])* $name:ident => $builder:ident; $($declaration:tt)*) => {
        $(#[doc = $doc])*
        macro_rules! $name {
            ($d build:path $d(, $d arg:tt)*) => {
                $d build! { $d($d arg)* $($declaration)* }
            };
        }
        pub(crate) use $name;

        $crate::store::write::declare::$builder! { $($declaration)* }
    };
}
pub(crate) use declare_fields;
