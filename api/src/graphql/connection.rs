//! Relay cursor connections: `edges { cursor node }`, `nodes`, `pageInfo` and `totalCount`
//! (computed only when asked for). Pages come from `store::page` (keyset, no OFFSET).

use std::{hash::Hash, sync::Arc};

use async_graphql::{
    Context, Enum, Object, ObjectType, OutputType,
    connection::{Connection, ConnectionNameType, CursorType, Edge, EmptyFields},
    dataloader::{DataLoader, Loader},
    futures_util::future::BoxFuture,
};

use sea_orm::{DatabaseConnection, EntityTrait};

use super::{
    errors::{OrInternal, bad_input},
    loaders::{Cache, Loaders},
};
use crate::{
    domain::ValidationError,
    store::{
        StoreError,
        page::{Cursor, ListFilter, Page, PageArgs, SortKey, list_count, list_page},
    },
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
        let loaders = ctx.data::<Loaders>()?.clone();
        let count = (self.counter)(loaders).await.or_internal()?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// A Relay connection of `N` with a total count.
pub type TerrasseConnection<N> = Connection<PageCursor, N, ConnectionTotals>;

/// An edge's cursor, encoded to its opaque string only when a client selects it.
pub struct PageCursor(Cursor);

impl CursorType for PageCursor {
    type Error = ValidationError;

    fn decode_cursor(raw: &str) -> Result<Self, Self::Error> {
        Cursor::decode("after", raw).map(Self)
    }

    fn encode_cursor(&self) -> String {
        self.0.encode()
    }
}

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
    connection_with(page, wrap, PageCursor, totals)
}

/// Wraps a page of models into a connection of any name, cursor type and added fields: each
/// edge's cursor is the row's cursor through `cursor`.
pub fn connection_with<M, N, C, F, Name>(
    page: Page<M>,
    wrap: impl Fn(M) -> N,
    cursor: impl Fn(Cursor) -> C,
    fields: F,
) -> Connection<C, N, F, EmptyFields, Name>
where
    N: OutputType,
    C: CursorType + Send + Sync,
    F: ObjectType,
    Name: ConnectionNameType,
{
    let mut connection = Connection::with_additional_fields(page.has_previous_page, page.has_next_page, fields);
    connection.edges = page
        .items
        .into_iter()
        .map(|(model, row_cursor)| Edge::new(cursor(row_cursor), wrap(model)))
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

/// The page of a nested list, loaded by one of the request's page loaders (batched with the
/// other parents of the enclosing page).
pub async fn nested_page<L, K, M>(page_loader: &DataLoader<L, Cache>, key: K) -> async_graphql::Result<Page<M>>
where
    L: Loader<K, Value = Page<M>, Error = Arc<StoreError>>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    M: Send + Sync + Clone + 'static,
{
    Ok(page_loader.load_one(key).await.or_internal()?.unwrap_or_default())
}

/// The total of a nested list, counted (only if selected) by one of the request's count
/// loaders, batched with the other parents of the enclosing page.
pub fn nested_total<L, K>(count_loader: fn(&Loaders) -> &DataLoader<L, Cache>, key: K) -> ConnectionTotals
where
    L: Loader<K, Value = u64, Error = Arc<StoreError>>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    ConnectionTotals::new(move |loaders| {
        let key = key.clone();
        Box::pin(async move { Ok(count_loader(&loaders).load_one(key).await?.unwrap_or_default()) })
    })
}

/// The connection of a page of a top-level list matching `filter`, its total counted over
/// the same filter only if a client selects `totalCount`.
pub async fn list_connection<F, N>(
    db: &DatabaseConnection,
    filter: F,
    sort: &SortKey,
    args: &PageArgs,
    wrap: impl Fn(<F::Entity as EntityTrait>::Model) -> N,
) -> async_graphql::Result<TerrasseConnection<N>>
where
    F: ListFilter,
    N: OutputType,
{
    let page = list_page(db, &filter, sort, args).await.or_internal()?;
    let db = db.clone();
    let totals = ConnectionTotals::new(move |_| {
        let (db, filter) = (db.clone(), filter.clone());
        Box::pin(async move { list_count(&db, &filter).await.map_err(Arc::new) })
    });
    Ok(connection(page, wrap, totals))
}
