//! The GraphQL inputs of a record kind, built from the kind's one declaration of its fields
//! (see [`store::write::declare`](crate::store::write::declare) for the classes of fields):
//! the upsert item input (the whole record), the patch input (absent fields unchanged, `null`
//! clears a nullable one), and their conversions into the store's structs, where global ids
//! become row ids and GraphQL enums the store's.

/// The GraphQL type of a field of a whole record, by class.
macro_rules! item_type {
    ((organisation)) => { async_graphql::ID };
    ((required enum $enum:ident)) => { $crate::graphql::enums::$enum };
    ((required $type:ty)) => { $type };
    ((optional enum $enum:ident)) => { Option<$crate::graphql::enums::$enum> };
    ((optional $type:ty)) => { Option<$type> };
    ((defaulted enum $enum:ident = $default:ident)) => { Option<$crate::graphql::enums::$enum> };
}
pub(crate) use item_type;

/// The GraphQL type of a field of a patch, by class.
macro_rules! patch_type {
    ((organisation)) => { Option<async_graphql::ID> };
    ((required enum $enum:ident)) => { Option<$crate::graphql::enums::$enum> };
    ((required $type:ty)) => { Option<$type> };
    ((optional enum $enum:ident)) => { async_graphql::MaybeUndefined<$crate::graphql::enums::$enum> };
    ((optional $type:ty)) => { async_graphql::MaybeUndefined<$type> };
    ((flag)) => { Option<bool> };
    ((defaulted enum $enum:ident = $default:ident)) => { Option<$crate::graphql::enums::$enum> };
}
pub(crate) use patch_type;

/// The store's value of a field of a whole record; an organisation's global id that is not one
/// rejects the input with a user error on `{prefix}{field}`.
macro_rules! item_value {
    ((organisation), $value:expr, $prefix:expr, $field:ident) => {
        $crate::graphql::mutation::record::organisation_row_id_of(&$value, $prefix, stringify!($field))?
    };
    ((required enum $enum:ident), $value:expr, $prefix:expr, $field:ident) => {
        $value.into()
    };
    ((optional enum $enum:ident), $value:expr, $prefix:expr, $field:ident) => {
        $value.map(Into::into)
    };
    ((defaulted enum $enum:ident = $default:ident), $value:expr, $prefix:expr, $field:ident) => {
        $value.map_or(entity::enums::$enum::$default, Into::into)
    };
    ($class:tt, $value:expr, $prefix:expr, $field:ident) => {
        $value
    };
}
pub(crate) use item_value;

/// The store's value of a field of a patch.
macro_rules! patch_value {
    ((organisation), $value:expr, $field:ident) => {
        $value
            .as_ref()
            .map(|id| $crate::graphql::mutation::record::organisation_row_id_of(id, "", stringify!($field)))
            .transpose()?
    };
    ((optional enum $enum:ident), $value:expr, $field:ident) => {
        $crate::graphql::mutation::record::patch($value).map(|value| value.map(Into::into))
    };
    ((optional $type:ty), $value:expr, $field:ident) => {
        $crate::graphql::mutation::record::patch($value)
    };
    ((required enum $enum:ident), $value:expr, $field:ident) => {
        $value.map(Into::into)
    };
    ((defaulted enum $enum:ident = $default:ident), $value:expr, $field:ident) => {
        $value.map(Into::into)
    };
    ($class:tt, $value:expr, $field:ident) => {
        $value
    };
}
pub(crate) use patch_value;

/// The upsert item input, field by field: a flag is false when not sent.
macro_rules! item_struct {
    (($(#[$meta:meta])* $name:ident) { $($done:tt)* }) => {
        $(#[$meta])*
        pub struct $name { $($done)* }
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$($patch_doc:literal)?] $field:ident (flag) $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::item_struct!($head {
            $($done)* $(#[doc = $doc])* #[graphql(default)] pub $field: bool,
        } $($($rest)*)?);
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$($patch_doc:literal)?] $field:ident $class:tt $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::item_struct!($head {
            $($done)* $(#[doc = $doc])* pub $field: $crate::graphql::mutation::declare::item_type!($class),
        } $($($rest)*)?);
    };
}
pub(crate) use item_struct;

/// The patch input, field by field: a field's `#[patch = "..."]` doc, when given, replaces its
/// doc comment.
macro_rules! patch_struct {
    (($(#[$meta:meta])* $name:ident) { $($done:tt)* }) => {
        $(#[$meta])*
        pub struct $name { $($done)* }
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$patch_doc:literal] $field:ident $class:tt $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::patch_struct!($head {
            $($done)* #[doc = $patch_doc] pub $field: $crate::graphql::mutation::declare::patch_type!($class),
        } $($($rest)*)?);
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [] $field:ident $class:tt $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::patch_struct!($head {
            $($done)* $(#[doc = $doc])* pub $field: $crate::graphql::mutation::declare::patch_type!($class),
        } $($($rest)*)?);
    };
}
pub(crate) use patch_struct;

/// Builds a record kind's GraphQL inputs from its declaration: `[item doc, Item, patch doc,
/// Patch]` come first, then the declaration. `Item::into_store` and `Patch::into_store` give
/// the store's structs.
macro_rules! input_types {
    (
        [$(#[doc = $item_doc:literal])* $item:ident, $(#[doc = $patch_input_doc:literal])* $patch_input:ident]
        $(#[doc = $doc:literal])*
        $fields:ident, $patch:ident of $entity:ident {
            $(
                $(#[doc = $field_doc:literal])*
                $(#[patch = $patch_doc:literal])?
                $field:ident: $class:tt,
            )*
        }
    ) => {
        $crate::graphql::mutation::declare::item_struct!(
            ($(#[doc = $item_doc])* #[derive(async_graphql::InputObject, Debug, Clone)] $item) {
                /// Id in the writer's source: the key of the upsert.
                pub external_id: String,
            }
            $([$($field_doc)*] [$($patch_doc)?] $field $class),*
        );

        $crate::graphql::mutation::declare::patch_struct!(
            ($(#[doc = $patch_input_doc])* #[derive(async_graphql::InputObject, Debug, Clone, Default)] $patch_input) {
                /// Id in the writer's source (unique in the source).
                pub external_id: Option<String>,
            }
            $([$($field_doc)*] [$($patch_doc)?] $field $class),*
        );

        impl $item {
            /// The store's whole record; item fields are named with `prefix` in user errors.
            pub fn into_store(self, prefix: &str) -> Result<$fields, $crate::graphql::mutation::record::Rejection> {
                Ok($fields {
                    external_id: self.external_id,
                    $($field: $crate::graphql::mutation::declare::item_value!($class, self.$field, prefix, $field),)*
                })
            }
        }

        impl $patch_input {
            /// The store's patch.
            pub fn into_store(self) -> Result<$patch, $crate::graphql::mutation::record::Rejection> {
                Ok($patch {
                    external_id: self.external_id,
                    $($field: $crate::graphql::mutation::declare::patch_value!($class, self.$field, $field),)*
                })
            }
        }
    };
}
pub(crate) use input_types;
