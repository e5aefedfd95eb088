//! The GraphQL inputs of a record kind, built from the kind's one declaration of its fields
//! (see [`store::write::declare`](crate::store::write::declare) for the classes of fields):
//! the upsert item input (the whole record), the patch input (absent fields unchanged, `null`
//! clears a nullable one), and their conversions into the store's structs, where global ids
//! become row ids and GraphQL enums the store's.

use async_graphql::MaybeUndefined;
use rust_decimal::Decimal;

use super::record::{Rejection, graphql_name, patch};
use crate::{domain::Cents, error_code::ErrorCode, store::write::UserError};

/// The GraphQL type of a field of a whole record, by class.
macro_rules! item_type {
    ((organisation)) => { async_graphql::ID };
    ((required enum $enum:ident)) => { <entity::enums::$enum as $crate::graphql::enums::Mirrored>::Graphql };
    ((required $type:ty)) => { $type };
    ((optional enum $enum:ident)) => { Option<<entity::enums::$enum as $crate::graphql::enums::Mirrored>::Graphql> };
    ((optional $type:ty)) => { Option<$type> };
    ((defaulted enum $enum:ident = $default:ident)) => { Option<<entity::enums::$enum as $crate::graphql::enums::Mirrored>::Graphql> };
}
pub(crate) use item_type;

/// The GraphQL type of a field of a patch, by class.
macro_rules! patch_type {
    ((organisation)) => { Option<async_graphql::ID> };
    ((required enum $enum:ident)) => { Option<<entity::enums::$enum as $crate::graphql::enums::Mirrored>::Graphql> };
    ((required $type:ty)) => { Option<$type> };
    ((optional enum $enum:ident)) => { async_graphql::MaybeUndefined<<entity::enums::$enum as $crate::graphql::enums::Mirrored>::Graphql> };
    ((optional $type:ty)) => { async_graphql::MaybeUndefined<$type> };
    ((flag)) => { Option<bool> };
    ((defaulted enum $enum:ident = $default:ident)) => { Option<<entity::enums::$enum as $crate::graphql::enums::Mirrored>::Graphql> };
    ((children $child:ident from $input:ident)) => { Option<Vec<$input>> };
    ((list $type:ty)) => { Option<Vec<$type>> };
}
pub(crate) use patch_type;

/// The store's external id of an upsert item's: as sent, or `Some` of it for a kind whose
/// records may have none.
macro_rules! key_value {
    ($key:expr;) => {
        $key
    };
    ($key:expr; optional) => {
        Some($key)
    };
}
pub(crate) use key_value;

/// The store's value of field `$field` of input `$input`, a whole record, or the user errors
/// that reject it (fields named with `$prefix`).
macro_rules! item_value {
    ((organisation), $input:expr, $prefix:expr, $field:ident) => {
        $crate::graphql::mutation::record::organisation_row_id_of(&$input.$field, $prefix, stringify!($field))
    };
    ((required enum $enum:ident), $input:expr, $prefix:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>($input.$field.into())
    };
    ((optional enum $enum:ident), $input:expr, $prefix:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>($input.$field.map(Into::into))
    };
    ((optional cents named $name:ident), $input:expr, $prefix:expr, $field:ident) => {
        $input
            .$name
            .map(|amount| $crate::graphql::mutation::declare::cents_of(amount, $prefix, stringify!($name)))
            .transpose()
    };
    ((defaulted enum $enum:ident = $default:ident), $input:expr, $prefix:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>(
            $input.$field.map_or(entity::enums::$enum::$default, Into::into),
        )
    };
    ((children $child:ident from $child_input:ident), $input:expr, $prefix:expr, $field:ident) => {
        $crate::graphql::mutation::declare::children(
            $input.$field,
            $prefix,
            stringify!($field),
            $child_input::into_store,
        )
    };
    ($class:tt, $input:expr, $prefix:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>($input.$field)
    };
}
pub(crate) use item_value;

/// The store's value of field `$field` of patch input `$input`, or the user errors that reject
/// it.
macro_rules! patch_value {
    ((organisation), $input:expr, $field:ident) => {
        $input
            .$field
            .as_ref()
            .map(|id| $crate::graphql::mutation::record::organisation_row_id_of(id, "", stringify!($field)))
            .transpose()
    };
    ((optional enum $enum:ident), $input:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>(
            $crate::graphql::mutation::record::patch($input.$field).map(|value| value.map(Into::into)),
        )
    };
    ((optional cents named $name:ident), $input:expr, $field:ident) => {
        $crate::graphql::mutation::declare::patched_cents($input.$name, stringify!($name))
    };
    ((optional $type:ty), $input:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>($crate::graphql::mutation::record::patch($input.$field))
    };
    ((required enum $enum:ident), $input:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>($input.$field.map(Into::into))
    };
    ((defaulted enum $enum:ident = $default:ident), $input:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>($input.$field.map(Into::into))
    };
    ((children $child:ident from $child_input:ident), $input:expr, $field:ident) => {
        $input
            .$field
            .map(|children| {
                $crate::graphql::mutation::declare::children(children, "", stringify!($field), $child_input::into_store)
            })
            .transpose()
    };
    ($class:tt, $input:expr, $field:ident) => {
        Ok::<_, $crate::graphql::mutation::record::Rejection>($input.$field)
    };
}
pub(crate) use patch_value;

/// The value of `result`, or `None` with its user errors added to `errors`: every field of an
/// input is converted, so one answer names all its faults.
pub fn kept<T>(result: Result<T, Rejection>, errors: &mut Rejection) -> Option<T> {
    result.map_err(|rejection| errors.extend(rejection)).ok()
}

/// Euro cents of `amount` (either sign) sent in field `{prefix}{field}`; a user error when it is
/// not a whole number of cents or too large to store.
pub fn cents_of(amount: Decimal, prefix: &str, field: &str) -> Result<i64, Rejection> {
    Cents::from_signed_euros(amount).map(Cents::get).map_err(|error| {
        vec![UserError::new(
            &format!("{prefix}{}", graphql_name(field)),
            format!("{} {amount} {}", graphql_name(field), error.reason()),
            ErrorCode::BadUserInput,
        )]
    })
}

/// The patch of an amount in euros (absent: unchanged, null: cleared) as cents.
pub fn patched_cents(amount: MaybeUndefined<Decimal>, field: &str) -> Result<Option<Option<i64>>, Rejection> {
    patch(amount)
        .map(|amount| amount.map(|amount| cents_of(amount, "", field)).transpose())
        .transpose()
}

/// The store's children of a record (a partnership's parties), converted in order by
/// `into_store`; the user errors of every child, named under `{prefix}{field}.{position}.`.
pub fn children<I, T>(
    inputs: Vec<I>,
    prefix: &str,
    field: &str,
    into_store: impl Fn(I, &str) -> Result<T, Rejection>,
) -> Result<Vec<T>, Rejection> {
    let mut errors = Vec::new();
    let mut children = Vec::with_capacity(inputs.len());
    for (position, input) in inputs.into_iter().enumerate() {
        let child_prefix = format!("{prefix}{}.{position}.", graphql_name(field));
        children.extend(kept(into_store(input, &child_prefix), &mut errors));
    }
    if errors.is_empty() { Ok(children) } else { Err(errors) }
}

/// Struct `$target` with each `$key` as given and each `$field` from its conversion (a result), or
/// the user errors of every conversion that failed.
macro_rules! converted {
    ($target:ident { $($key:ident: $key_value:expr,)* } $($field:ident = $value:expr;)*) => {{
        let mut errors = Vec::new();
        $(let $field = $crate::graphql::mutation::declare::kept($value, &mut errors);)*
        match ($($field,)*) {
            ($(Some($field),)*) => Ok($target { $($key: $key_value,)* $($field,)* }),
            _ => Err(errors),
        }
    }};
}
pub(crate) use converted;

/// The upsert item input, field by field: a flag is false when not sent.
macro_rules! item_struct {
    (@key $head:tt [$key_doc:literal] $($rest:tt)*) => {
        $crate::graphql::mutation::declare::item_struct!($head { #[doc = $key_doc] pub external_id: String, } $($rest)*);
    };
    (@key $head:tt [] $($rest:tt)*) => {
        $crate::graphql::mutation::declare::item_struct!($head {
            /// Id in the writer's source: the key of the upsert.
            pub external_id: String,
        } $($rest)*);
    };
    (($(#[$meta:meta])* $name:ident) { $($done:tt)* }) => {
        $(#[$meta])*
        pub struct $name { $($done)* }
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$($patch_doc:literal)?] $field:ident (flag) $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::item_struct!($head {
            $($done)* $(#[doc = $doc])* #[graphql(default)] pub $field: bool,
        } $($($rest)*)?);
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$($patch_doc:literal)?] $field:ident (list $type:ty) $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::item_struct!($head {
            $($done)* $(#[doc = $doc])* #[graphql(default)] pub $field: Vec<$type>,
        } $($($rest)*)?);
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$($patch_doc:literal)?] $field:ident (children $child:ident from $input:ident) $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::item_struct!($head {
            $($done)* $(#[doc = $doc])* #[graphql(default)] pub $field: Vec<$input>,
        } $($($rest)*)?);
    };
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$($patch_doc:literal)?] $field:ident (optional cents named $name:ident) $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::item_struct!($head {
            $($done)* $(#[doc = $doc])* pub $name: Option<rust_decimal::Decimal>,
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
    ($head:tt { $($done:tt)* } [$($doc:literal)*] [$($patch_doc:literal)?] $field:ident (optional cents named $name:ident) $(, $($rest:tt)*)?) => {
        $crate::graphql::mutation::declare::patch_struct!($head {
            $($done)* $(#[doc = $doc])* pub $name: async_graphql::MaybeUndefined<rust_decimal::Decimal>,
        } $($($rest)*)?);
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
        $crate::graphql::mutation::declare::item_struct!(
            @key ($(#[doc = $item_doc])* #[derive(async_graphql::InputObject, Debug, Clone)] $item)
            [$($key_doc)?]
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
            /// The store's whole record, or the user errors of every field that rejects it
            /// (named with `prefix`).
            pub fn into_store(self, prefix: &str) -> Result<$fields, $crate::graphql::mutation::record::Rejection> {
                // Only organisation ids, amounts and children name their field with it.
                let _ = prefix;
                $crate::graphql::mutation::declare::converted!($fields {
                    external_id: $crate::graphql::mutation::declare::key_value!(self.external_id; $($key)?),
                    $($internal: <$internal_type>::default(),)?
                } $($field = $crate::graphql::mutation::declare::item_value!($class, self, prefix, $field);)*)
            }
        }

        impl $patch_input {
            /// The store's patch, or the user errors of every field that rejects it.
            pub fn into_store(self) -> Result<$patch, $crate::graphql::mutation::record::Rejection> {
                $crate::graphql::mutation::declare::converted!($patch { external_id: self.external_id, }
                    $($field = $crate::graphql::mutation::declare::patch_value!($class, self, $field);)*)
            }
        }
    };
}
pub(crate) use input_types;

/// The [`MutableKind`](super::record::MutableKind) of a kind whose inputs [`input_types!`]
/// builds: `$kind: $fields, $patch;` then the store's writes as
/// [`store_writes!`](super::record::store_writes) takes them.
macro_rules! declared_kind {
    ($kind:ident: $fields:ident, $patch:ident; $($writes:tt)*) => {
        impl $crate::graphql::mutation::record::MutableKind for $kind {
            type Fields = $fields;
            type Patch = $patch;

            fn fields(item: Self::Item, prefix: &str) -> Result<$fields, $crate::graphql::mutation::record::Rejection> {
                item.into_store(prefix)
            }

            fn patch(input: Self::PatchInput) -> Result<$patch, $crate::graphql::mutation::record::Rejection> {
                input.into_store()
            }

            $crate::graphql::mutation::record::store_writes!($($writes)*);
        }
    };
}
pub(crate) use declared_kind;

/// Builds the one GraphQL input of a kind declared for
/// [`patch_types!`](crate::store::write::declare::patch_types) (`[doc, Input]` first, then the
/// declaration), with `Input::into_store`.
macro_rules! patch_input_type {
    (
        [$(#[doc = $input_doc:literal])* $input:ident]
        $(#[doc = $doc:literal])*
        $patch:ident {
            $(
                $(#[doc = $field_doc:literal])*
                $field:ident: $class:tt,
            )*
        }
    ) => {
        $(#[doc = $input_doc])*
        #[derive(async_graphql::InputObject, Debug, Clone, Default)]
        pub struct $input {
            $(
                $(#[doc = $field_doc])*
                pub $field: $crate::graphql::mutation::declare::patch_type!($class),
            )*
        }

        impl $input {
            /// The store's fields, or the user errors of every field that rejects them.
            pub fn into_store(self) -> Result<$patch, $crate::graphql::mutation::record::Rejection> {
                $crate::graphql::mutation::declare::converted!($patch {}
                    $($field = $crate::graphql::mutation::declare::patch_value!($class, self, $field);)*)
            }
        }
    };
}
pub(crate) use patch_input_type;
