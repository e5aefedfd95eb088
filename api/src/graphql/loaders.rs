//! DataLoaders: each relation between GraphQL types is fetched here, one query per relation
//! per batch of parents. Built per request (they cache) by `executor::execute`, which also
//! starts their fetches.

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_graphql::{
    dataloader::{DataLoader, HashMapCache, Loader},
    futures_util::future::BoxFuture,
};
use entity::{
    enums::TerritoryLevel, establishment, organisation, organisation_identifier, organisation_label, territory,
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::fetch_queue::FetchQueue;
use crate::store::{
    self, StoreError,
    organisations::{OrganisationFilter, OrganisationSort},
    page::{Page, PageArgs},
};

/// The per-request cache of every loader: a hash map with a fast hasher (loader keys are ids,
/// and SipHash was a visible part of a nested query's CPU time).
pub type Cache = HashMapCache<foldhash::fast::RandomState>;

/// A loader with a per-request cache whose fetches are queued for the request's executor
/// (`graphql::executor`), which starts them once the execution is idle: no timed delay.
pub(crate) fn build<T: Loader<K>, K>(loader: T, queue: &FetchQueue) -> Arc<DataLoader<T, Cache>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    let queue = queue.clone();
    let spawn = move |fetch: BoxFuture<'static, ()>| queue.spawn(fetch);
    Arc::new(DataLoader::with_cache(loader, spawn, Cache::new()).delay(Duration::ZERO))
}

/// The loaders of one request (cheap to clone: each loader is shared).
#[derive(Clone)]
pub struct Loaders {
    /// Territories by id.
    pub territories: Arc<DataLoader<TerritoryById, Cache>>,
    /// Organisations by id.
    pub organisations: Arc<DataLoader<OrganisationById, Cache>>,
    /// Establishments of an organisation.
    pub establishments: Arc<DataLoader<EstablishmentsOfOrganisation, Cache>>,
    /// Labels of an organisation.
    pub labels: Arc<DataLoader<LabelsOfOrganisation, Cache>>,
    /// Identifiers of an organisation.
    pub identifiers: Arc<DataLoader<IdentifiersOfOrganisation, Cache>>,
    /// Establishments by id.
    pub establishment_by_id: Arc<DataLoader<EstablishmentById, Cache>>,
    /// Labels by id.
    pub label_by_id: Arc<DataLoader<LabelById, Cache>>,
    /// Identifiers by id.
    pub identifier_by_id: Arc<DataLoader<IdentifierById, Cache>>,
    /// A page of establishments of an organisation.
    pub establishment_pages: Arc<DataLoader<EstablishmentPages, Cache>>,
    /// Number of establishments of an organisation.
    pub establishment_counts: Arc<DataLoader<EstablishmentCounts, Cache>>,
    /// A page of the territories of a level within a territory.
    pub contained_pages: Arc<DataLoader<ContainedPages, Cache>>,
    /// Number of territories of a level within a territory.
    pub contained_counts: Arc<DataLoader<ContainedCounts, Cache>>,
    /// A page of the organisations within a territory.
    pub organisations_within: Arc<DataLoader<OrganisationsWithin, Cache>>,
    /// Number of organisations within a territory.
    pub organisation_counts_within: Arc<DataLoader<OrganisationCountsWithin, Cache>>,
    /// Contracts, their suppliers and modifications, and the contract lists of
    /// organisations and territories.
    pub contracts: Arc<super::contract::ContractLoaders>,
    /// Partnerships, their parties, and the partnership lists of organisations.
    pub partnerships: Arc<super::partnership::PartnershipLoaders>,
}

impl Loaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: DatabaseConnection, queue: &FetchQueue) -> Self {
        Self {
            territories: build(TerritoryById(db.clone()), queue),
            organisations: build(OrganisationById(db.clone()), queue),
            establishments: build(EstablishmentsOfOrganisation(db.clone()), queue),
            labels: build(LabelsOfOrganisation(db.clone()), queue),
            identifiers: build(IdentifiersOfOrganisation(db.clone()), queue),
            establishment_by_id: build(EstablishmentById(db.clone()), queue),
            label_by_id: build(LabelById(db.clone()), queue),
            identifier_by_id: build(IdentifierById(db.clone()), queue),
            establishment_pages: build(EstablishmentPages(db.clone()), queue),
            establishment_counts: build(EstablishmentCounts(db.clone()), queue),
            contained_pages: build(ContainedPages(db.clone()), queue),
            contained_counts: build(ContainedCounts(db.clone()), queue),
            organisations_within: build(OrganisationsWithin(db.clone()), queue),
            organisation_counts_within: build(OrganisationCountsWithin(db.clone()), queue),
            contracts: Arc::new(super::contract::ContractLoaders::new(db.clone(), queue)),
            partnerships: Arc::new(super::partnership::PartnershipLoaders::new(db, queue)),
        }
    }
}

/// Loads territories by id.
pub struct TerritoryById(DatabaseConnection);

impl Loader<String> for TerritoryById {
    type Value = Arc<territory::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = store::territories::by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|t| (t.id.clone(), Arc::new(t))).collect())
    }
}

/// Loads live organisations by id.
pub struct OrganisationById(DatabaseConnection);

impl Loader<Uuid> for OrganisationById {
    type Value = Arc<organisation::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::organisations::by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|o| (o.id, Arc::new(o))).collect())
    }
}

/// Loads the live establishments of organisations.
pub struct EstablishmentsOfOrganisation(DatabaseConnection);

impl Loader<Uuid> for EstablishmentsOfOrganisation {
    type Value = Vec<establishment::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = store::organisations::establishments_of(&self.0, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, found.remove(id).unwrap_or_default()))
            .collect())
    }
}

/// Loads the live labels of organisations.
pub struct LabelsOfOrganisation(DatabaseConnection);

impl Loader<Uuid> for LabelsOfOrganisation {
    type Value = Vec<organisation_label::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = store::organisations::labels_of(&self.0, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, found.remove(id).unwrap_or_default()))
            .collect())
    }
}

/// Loads live establishments by id.
pub struct EstablishmentById(DatabaseConnection);

impl Loader<Uuid> for EstablishmentById {
    type Value = establishment::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::organisations::establishments_by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|e| (e.id, e)).collect())
    }
}

/// Loads live labels by id.
pub struct LabelById(DatabaseConnection);

impl Loader<Uuid> for LabelById {
    type Value = organisation_label::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::organisations::labels_by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|l| (l.id, l)).collect())
    }
}

/// Loads live identifiers by id.
pub struct IdentifierById(DatabaseConnection);

impl Loader<Uuid> for IdentifierById {
    type Value = organisation_identifier::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::organisations::identifiers_by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|i| (i.id, i)).collect())
    }
}

/// Groups paged-relation keys by their page arguments, so parents asking for the same page
/// shape share one query.
pub fn group_by_args<K: Clone>(keys: &[(K, PageArgs)]) -> HashMap<PageArgs, Vec<K>> {
    let mut groups: HashMap<PageArgs, Vec<K>> = HashMap::new();
    for (parent, args) in keys {
        groups.entry(args.clone()).or_default().push(parent.clone());
    }
    groups
}

/// Loads a page of establishments per (organisation, page arguments).
pub struct EstablishmentPages(DatabaseConnection);

impl Loader<(Uuid, PageArgs)> for EstablishmentPages {
    type Value = Page<establishment::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[(Uuid, PageArgs)]) -> Result<HashMap<(Uuid, PageArgs), Self::Value>, Self::Error> {
        let mut found = HashMap::new();
        for (args, parents) in group_by_args(keys) {
            let mut pages = store::organisations::establishment_pages(&self.0, &parents, &args).await?;
            for parent in parents {
                let page = pages.remove(&parent.to_string()).unwrap_or_default();
                found.insert((parent, args.clone()), page);
            }
        }
        Ok(found)
    }
}

/// Counts the live establishments of organisations.
pub struct EstablishmentCounts(DatabaseConnection);

impl Loader<Uuid> for EstablishmentCounts {
    type Value = u64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let counts = store::organisations::establishment_counts(&self.0, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, counts.get(id).copied().unwrap_or_default()))
            .collect())
    }
}

/// Loads a page of the territories of a level within a territory.
pub struct ContainedPages(DatabaseConnection);

impl Loader<(String, TerritoryLevel, PageArgs)> for ContainedPages {
    type Value = Page<territory::Model>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[(String, TerritoryLevel, PageArgs)],
    ) -> Result<HashMap<(String, TerritoryLevel, PageArgs), Self::Value>, Self::Error> {
        let mut groups: HashMap<(TerritoryLevel, PageArgs), Vec<String>> = HashMap::new();
        for (parent, level, args) in keys {
            groups.entry((*level, args.clone())).or_default().push(parent.clone());
        }
        let mut found = HashMap::new();
        for ((level, args), parents) in groups {
            let mut pages = store::territories::contained_pages(&self.0, &parents, level, &args).await?;
            for parent in parents {
                let page = pages.remove(&parent).unwrap_or_default();
                found.insert((parent, level, args.clone()), page);
            }
        }
        Ok(found)
    }
}

/// Counts the territories of a level within a territory.
pub struct ContainedCounts(DatabaseConnection);

impl Loader<(String, TerritoryLevel)> for ContainedCounts {
    type Value = u64;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[(String, TerritoryLevel)],
    ) -> Result<HashMap<(String, TerritoryLevel), Self::Value>, Self::Error> {
        let mut groups: HashMap<TerritoryLevel, Vec<String>> = HashMap::new();
        for (parent, level) in keys {
            groups.entry(*level).or_default().push(parent.clone());
        }
        let mut found = HashMap::new();
        for (level, parents) in groups {
            let counts = store::territories::contained_counts(&self.0, &parents, level).await?;
            for parent in parents {
                let count = counts.get(&parent).copied().unwrap_or_default();
                found.insert((parent, level), count);
            }
        }
        Ok(found)
    }
}

/// Which organisations of a territory, in which order and page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganisationListKey {
    /// Filter.
    pub filter: OrganisationFilter,
    /// Sort field.
    pub sort: OrganisationSort,
    /// Descending order.
    pub descending: bool,
    /// Page.
    pub args: PageArgs,
}

/// Loads a page of the organisations within a territory.
pub struct OrganisationsWithin(DatabaseConnection);

impl Loader<(String, OrganisationListKey)> for OrganisationsWithin {
    type Value = Page<organisation::Model>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[(String, OrganisationListKey)],
    ) -> Result<HashMap<(String, OrganisationListKey), Self::Value>, Self::Error> {
        let mut groups: HashMap<OrganisationListKey, Vec<String>> = HashMap::new();
        for (territory, list) in keys {
            groups.entry(list.clone()).or_default().push(territory.clone());
        }
        let mut found = HashMap::new();
        for (list, territories) in groups {
            let sort = store::organisations::sort_key(list.sort, list.descending, list.filter.near.as_ref())
                .map_err(|e| Arc::new(StoreError::Invalid(e)))?;
            let mut pages =
                store::organisations::pages_in_territories(&self.0, &territories, &list.filter, &sort, &list.args)
                    .await?;
            for territory in territories {
                let page = pages.remove(&territory).unwrap_or_default();
                found.insert((territory, list.clone()), page);
            }
        }
        Ok(found)
    }
}

/// Counts the organisations matching a filter within a territory.
pub struct OrganisationCountsWithin(DatabaseConnection);

impl Loader<(String, OrganisationFilter)> for OrganisationCountsWithin {
    type Value = u64;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[(String, OrganisationFilter)],
    ) -> Result<HashMap<(String, OrganisationFilter), Self::Value>, Self::Error> {
        let mut groups: HashMap<OrganisationFilter, Vec<String>> = HashMap::new();
        for (territory, filter) in keys {
            groups.entry(filter.clone()).or_default().push(territory.clone());
        }
        let mut found = HashMap::new();
        for (filter, territories) in groups {
            let counts = store::organisations::counts_in_territories(&self.0, &territories, &filter).await?;
            for territory in territories {
                let count = counts.get(&territory).copied().unwrap_or_default();
                found.insert((territory, filter.clone()), count);
            }
        }
        Ok(found)
    }
}

/// Loads the live identifiers of organisations.
pub struct IdentifiersOfOrganisation(DatabaseConnection);

impl Loader<Uuid> for IdentifiersOfOrganisation {
    type Value = Vec<organisation_identifier::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = store::organisations::identifiers_of(&self.0, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, found.remove(id).unwrap_or_default()))
            .collect())
    }
}
