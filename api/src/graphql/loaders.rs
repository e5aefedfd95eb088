//! DataLoaders: each relation between GraphQL types is fetched here, one query per relation
//! per batch of parents. Built per request (they cache), in the HTTP handler.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{enums::TerritoryLevel, establishment, organisation, organisation_label, territory};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::store::{
    self, StoreError,
    page::{Page, PageArgs},
};

/// The loaders of one request (cheap to clone: each loader is shared).
#[derive(Clone)]
pub struct Loaders {
    /// Territories by id.
    pub territories: Arc<DataLoader<TerritoryById, HashMapCache>>,
    /// Territories of a level contained in a territory.
    pub contained: Arc<DataLoader<ContainedTerritories, HashMapCache>>,
    /// Organisations by id.
    pub organisations: Arc<DataLoader<OrganisationById, HashMapCache>>,
    /// Establishments of an organisation.
    pub establishments: Arc<DataLoader<EstablishmentsOfOrganisation, HashMapCache>>,
    /// Labels of an organisation.
    pub labels: Arc<DataLoader<LabelsOfOrganisation, HashMapCache>>,
    /// Establishments by id.
    pub establishment_by_id: Arc<DataLoader<EstablishmentById, HashMapCache>>,
    /// Labels by id.
    pub label_by_id: Arc<DataLoader<LabelById, HashMapCache>>,
    /// A page of establishments of an organisation.
    pub establishment_pages: Arc<DataLoader<EstablishmentPages, HashMapCache>>,
    /// Number of establishments of an organisation.
    pub establishment_counts: Arc<DataLoader<EstablishmentCounts, HashMapCache>>,
}

impl Loaders {
    /// Fresh loaders (with empty caches) over a database.
    pub fn new(db: DatabaseConnection) -> Self {
        fn build<T: Loader<K>, K>(loader: T) -> Arc<DataLoader<T, HashMapCache>>
        where
            K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        {
            Arc::new(DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()))
        }
        Self {
            territories: build(TerritoryById(db.clone())),
            contained: build(ContainedTerritories(db.clone())),
            organisations: build(OrganisationById(db.clone())),
            establishments: build(EstablishmentsOfOrganisation(db.clone())),
            labels: build(LabelsOfOrganisation(db.clone())),
            establishment_by_id: build(EstablishmentById(db.clone())),
            label_by_id: build(LabelById(db.clone())),
            establishment_pages: build(EstablishmentPages(db.clone())),
            establishment_counts: build(EstablishmentCounts(db)),
        }
    }
}

/// Loads territories by id.
pub struct TerritoryById(DatabaseConnection);

impl Loader<String> for TerritoryById {
    type Value = territory::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = store::territories::by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|t| (t.id.clone(), t)).collect())
    }
}

/// Loads, for (ancestor id, level), the territories of that level within the ancestor.
pub struct ContainedTerritories(DatabaseConnection);

impl Loader<(String, TerritoryLevel)> for ContainedTerritories {
    type Value = Vec<territory::Model>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[(String, TerritoryLevel)],
    ) -> Result<HashMap<(String, TerritoryLevel), Self::Value>, Self::Error> {
        let mut by_level: HashMap<TerritoryLevel, Vec<String>> = HashMap::new();
        for (ancestor, level) in keys {
            by_level.entry(*level).or_default().push(ancestor.clone());
        }
        let mut found = HashMap::new();
        for (level, ancestors) in by_level {
            let contained = store::territories::contained(&self.0, &ancestors, level).await?;
            for ancestor in ancestors {
                let children = contained.get(&ancestor).cloned().unwrap_or_default();
                found.insert((ancestor, level), children);
            }
        }
        Ok(found)
    }
}

/// Loads live organisations by id.
pub struct OrganisationById(DatabaseConnection);

impl Loader<Uuid> for OrganisationById {
    type Value = organisation::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::organisations::by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|o| (o.id, o)).collect())
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
