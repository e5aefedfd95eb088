//! DataLoaders: each relation between GraphQL types is fetched through one of them, one
//! query per relation per batch of parents. Built per request (they cache) by
//! `executor::execute`, which also starts their fetches.
//!
//! Every relation has one of three shapes, each served by one generic loader over a store
//! function: rows by key ([`Rows`]), the rows of each parent ([`Children`]), and a value per
//! parent and list query, such as a page or a count ([`PerParent`]). The features own the
//! sets of loaders of their types; [`Loaders`] gathers them.

use std::{collections::HashMap, hash::Hash, sync::Arc, time::Duration};

use async_graphql::{
    dataloader::{DataLoader, HashMapCache, Loader},
    futures_util::future::BoxFuture,
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    contract::loaders::ContractLoaders, fetch_queue::FetchQueue, organisation::loaders::OrganisationLoaders,
    partnership::loaders::PartnershipLoaders, supply::loaders::SupplyLoaders, territory::loaders::TerritoryLoaders,
};
use crate::store::StoreError;

/// The per-request cache of every loader: a hash map with a fast hasher (loader keys are ids,
/// and SipHash was a visible part of a nested query's CPU time).
pub type Cache = HashMapCache<foldhash::fast::RandomState>;

/// A loader shared by the request's resolvers.
pub type Shared<T> = Arc<DataLoader<T, Cache>>;

/// A loader with a per-request cache whose fetches are queued for the request's executor
/// (`graphql::executor`), which starts them once the execution is idle: no timed delay.
pub(crate) fn build<T: Loader<K>, K>(loader: T, queue: &FetchQueue) -> Shared<T>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    let queue = queue.clone();
    let spawn = move |fetch: BoxFuture<'static, ()>| queue.spawn(fetch);
    Arc::new(DataLoader::with_cache(loader, spawn, Cache::new()).delay(Duration::ZERO))
}

/// The loaders of one request (cheap to clone: each set is shared).
#[derive(Clone)]
pub struct Loaders {
    /// Territories and the lists within them.
    pub territories: Arc<TerritoryLoaders>,
    /// Organisations, their establishments, identifiers and labels.
    pub organisations: Arc<OrganisationLoaders>,
    /// Contracts, their suppliers and modifications, and the contract lists of
    /// organisations and territories.
    pub contracts: Arc<ContractLoaders>,
    /// Partnerships, their parties, and the partnership lists of organisations.
    pub partnerships: Arc<PartnershipLoaders>,
    /// Supply links and food projects.
    pub supply: Arc<SupplyLoaders>,
}

impl Loaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: DatabaseConnection, queue: &FetchQueue) -> Self {
        Self {
            territories: Arc::new(TerritoryLoaders::new(&db, queue)),
            organisations: Arc::new(OrganisationLoaders::new(&db, queue)),
            contracts: Arc::new(ContractLoaders::new(&db, queue)),
            partnerships: Arc::new(PartnershipLoaders::new(&db, queue)),
            supply: Arc::new(SupplyLoaders::new(&db, queue)),
        }
    }
}

/// A store read of a batch of keys.
pub type Fetch<K, T> = for<'a> fn(&'a DatabaseConnection, &'a [K]) -> BoxFuture<'a, Result<T, StoreError>>;

/// Loads rows by key with one store call per batch (live records by id).
pub struct Rows<K, M, V> {
    db: DatabaseConnection,
    fetch: Fetch<K, Vec<M>>,
    entry: fn(M) -> (K, V),
}

impl<K, M, V> Rows<K, M, V> {
    /// A loader reading rows with `fetch`, keyed and wrapped by `entry`.
    pub fn new(db: &DatabaseConnection, fetch: Fetch<K, Vec<M>>, entry: fn(M) -> (K, V)) -> Self {
        Self {
            db: db.clone(),
            fetch,
            entry,
        }
    }
}

impl<K, M, V> Loader<K> for Rows<K, M, V>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    M: Send + Sync + 'static,
    V: Send + Sync + Clone + 'static,
{
    type Value = V;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, V>, Self::Error> {
        let rows = (self.fetch)(&self.db, keys).await?;
        Ok(rows.into_iter().map(self.entry).collect())
    }
}

/// Loads the rows of each parent (an empty list for a parent without any) with one store
/// call per batch.
pub struct Children<M> {
    db: DatabaseConnection,
    fetch: Fetch<Uuid, HashMap<Uuid, Vec<M>>>,
}

impl<M> Children<M> {
    /// A loader reading the rows of a batch of parents with `fetch`.
    pub fn new(db: &DatabaseConnection, fetch: Fetch<Uuid, HashMap<Uuid, Vec<M>>>) -> Self {
        Self { db: db.clone(), fetch }
    }
}

impl<M: Send + Sync + Clone + 'static> Loader<Uuid> for Children<M> {
    type Value = Vec<M>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<M>>, Self::Error> {
        let mut found = (self.fetch)(&self.db, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, found.remove(id).unwrap_or_default()))
            .collect())
    }
}

/// How a parent is found in the map a store call returns: partitioned pages are keyed by the
/// parent's text, counts by the parent itself.
pub trait ParentKey<S>: Send + Sync + Hash + Eq + Clone + 'static {
    /// Takes the parent's value out of `found`.
    fn take<V>(&self, found: &mut HashMap<S, V>) -> Option<V>;
}

impl ParentKey<Uuid> for Uuid {
    fn take<V>(&self, found: &mut HashMap<Uuid, V>) -> Option<V> {
        found.remove(self)
    }
}

impl ParentKey<String> for Uuid {
    fn take<V>(&self, found: &mut HashMap<String, V>) -> Option<V> {
        found.remove(&self.to_string())
    }
}

impl ParentKey<String> for String {
    fn take<V>(&self, found: &mut HashMap<String, V>) -> Option<V> {
        found.remove(self)
    }
}

/// A store read of a batch of parents sharing one list query.
pub type FetchPerParent<P, Q, S, V> =
    for<'a> fn(&'a DatabaseConnection, &'a [P], &'a Q) -> BoxFuture<'a, Result<HashMap<S, V>, StoreError>>;

/// Loads a value (a page of a nested list, a count) per (parent, list query): the parents
/// asking the same list query (filter, order, page) share one store call.
pub struct PerParent<P, Q, S, V> {
    db: DatabaseConnection,
    fetch: FetchPerParent<P, Q, S, V>,
}

impl<P, Q, S, V> PerParent<P, Q, S, V> {
    /// A loader reading the values of a batch of parents with `fetch`.
    pub fn new(db: &DatabaseConnection, fetch: FetchPerParent<P, Q, S, V>) -> Self {
        Self { db: db.clone(), fetch }
    }
}

impl<P, Q, S, V> Loader<(P, Q)> for PerParent<P, Q, S, V>
where
    P: ParentKey<S>,
    Q: Send + Sync + Hash + Eq + Clone + 'static,
    S: Send + Sync + 'static,
    V: Send + Sync + Clone + Default + 'static,
{
    type Value = V;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[(P, Q)]) -> Result<HashMap<(P, Q), V>, Self::Error> {
        let mut groups: HashMap<Q, Vec<P>> = HashMap::new();
        for (parent, query) in keys {
            groups.entry(query.clone()).or_default().push(parent.clone());
        }
        let mut found = HashMap::with_capacity(keys.len());
        for (query, parents) in groups {
            let mut values = (self.fetch)(&self.db, &parents, &query).await?;
            for parent in parents {
                let value = parent.take(&mut values).unwrap_or_default();
                found.insert((parent, query.clone()), value);
            }
        }
        Ok(found)
    }
}
