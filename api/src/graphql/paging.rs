//! The Relay paging arguments of list fields (`first`, `after`, `last`, `before`), declared
//! once for every paged field by [`paged_object!`].

use super::connection::page_args;
use crate::store::page::PageArgs;

/// The four Relay paging arguments of a list field, as sent.
#[derive(Debug, Clone, Default)]
pub struct Relay {
    /// Items from the start of the list.
    pub first: Option<i32>,
    /// Cursor the list starts after.
    pub after: Option<String>,
    /// Items from the end of the list.
    pub last: Option<i32>,
    /// Cursor the list ends before.
    pub before: Option<String>,
}

impl Relay {
    /// The page they ask for; a BAD_USER_INPUT error when they do not make one.
    pub fn page(self) -> async_graphql::Result<PageArgs> {
        page_args(self.first, self.after, self.last, self.before)
    }
}

/// Stamps the `#[Object]` impl of `$ty` (with its attributes) from its fields in order: a `{ ... }` section holds
/// fields written as usual; a field marked `paged($args)` returns a connection and gets the
/// four Relay paging arguments, with their shared descriptions, after its own, gathered in
/// `$args` (a [`Relay`]) for its body.
macro_rules! paged_object {
    ($(#[$($type_attr:tt)*])* impl $ty:ident { $($fields:tt)* }) => {
        $crate::graphql::paging::paged_object!(@fields [$(#[$($type_attr)*])* impl $ty] [] $($fields)*);
    };
    (@fields [$($head:tt)*] [$($done:tt)*]) => {
        #[async_graphql::Object]
        $($head)* {
            $($done)*
        }
    };
    (@fields $head:tt [$($done:tt)*] { $($plain:tt)* } $($rest:tt)*) => {
        $crate::graphql::paging::paged_object!(@fields $head [$($done)* $($plain)*] $($rest)*);
    };
    (
        @fields $head:tt [$($done:tt)*]
        $(#[$($attr:tt)*])*
        paged($args:ident) async fn $name:ident($($params:tt)*)
            -> async_graphql::Result<TerrasseConnection<$node:ident>> { $($body:tt)* }
        $($rest:tt)*
    ) => {
        $crate::graphql::paging::paged_object!(@fields $head [
            $($done)*
            $(#[$($attr)*])*
            async fn $name(
                $($params)*,
                #[graphql(
                    desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
                )]
                first: Option<i32>,
                #[graphql(
                    desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
                )]
                after: Option<String>,
                #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
                last: Option<i32>,
                #[graphql(
                    desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
                )]
                before: Option<String>,
            ) -> async_graphql::Result<TerrasseConnection<$node>> {
                let $args = $crate::graphql::paging::Relay { first, after, last, before };
                $($body)*
            }
        ] $($rest)*);
    };
}
pub(crate) use paged_object;
