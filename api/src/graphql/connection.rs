//! Relay cursor connections: `edges { cursor node }`, `nodes`, `pageInfo` and `totalCount`
//! (computed only when asked for). Pages come from `store::page` (keyset, no OFFSET).

use std::sync::Arc;

use async_graphql::{
    Context, Enum, Object, OutputType,
    connection::{Connection, Edge},
    futures_util::future::BoxFuture,
};

use super::{errors::bad_input, loaders::Loaders};
use crate::store::{
    StoreError,
    page::{Page, PageArgs},
};

/// A lazily computed total: runs only if the client selects `totalCount`.
type Counter = Arc<dyn Fn(Loaders) -> BoxFuture<'static, Result<u64, Arc<StoreError>>> + Send + Sync>;

/// Fields every connection adds to Relay's: the total count.
pub struct ConnectionTotals {
    counter: Counter,
}

impl ConnectionTotals {
    /// A total computed by `counter` when asked for.
    pub fn new<F>(counter: F) -> Self
    where
        F: Fn(Loaders) -> BoxFuture<'static, Result<u64, Arc<StoreError>>> + Send + Sync + 'static,
    {
        Self {
            counter: Arc::new(counter),
        }
    }
}

#[Object]
impl ConnectionTotals {
    /// Number of items matching the filters, over all pages. Computed only when selected.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        use super::errors::OrInternal;
        let loaders = ctx.data::<Loaders>()?.clone();
        let count = (self.counter)(loaders).await.or_internal()?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// A Relay connection of `N` with a total count.
pub type TerrasseConnection<N> = Connection<String, N, ConnectionTotals>;

/// Validates Relay paging arguments into store page arguments.
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<PageArgs> {
    bad_input(PageArgs::from_relay(first, after.as_deref(), last, before.as_deref()))
}

/// Wraps a page of models into a connection of GraphQL nodes.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    wrap: impl Fn(M) -> N,
    totals: ConnectionTotals,
) -> TerrasseConnection<N> {
    let mut connection = Connection::with_additional_fields(page.has_previous_page, page.has_next_page, totals);
    connection.edges = page
        .items
        .into_iter()
        .map(|(model, cursor)| Edge::new(cursor.encode(), wrap(model)))
        .collect();
    connection
}

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

impl SortDirection {
    /// True for descending.
    pub fn descending(self) -> bool {
        self == SortDirection::Desc
    }
}
