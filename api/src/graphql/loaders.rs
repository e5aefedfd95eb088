//! DataLoaders: each relation between GraphQL types is fetched here, one query per relation
//! per batch of parents. Built per request (they cache), in the HTTP handler.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{enums::TerritoryLevel, establishment, organisation, organisation_label, territory};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::store::{self, StoreError};

/// The loaders of one request.
pub struct Loaders {
    /// Territories by id.
    pub territories: DataLoader<TerritoryById, HashMapCache>,
    /// Territories of a level contained in a territory.
    pub contained: DataLoader<ContainedTerritories, HashMapCache>,
    /// Organisations by id.
    pub organisations: DataLoader<OrganisationById, HashMapCache>,
    /// Establishments of an organisation.
    pub establishments: DataLoader<EstablishmentsOfOrganisation, HashMapCache>,
    /// Labels of an organisation.
    pub labels: DataLoader<LabelsOfOrganisation, HashMapCache>,
}

impl Loaders {
    /// Fresh loaders (with empty caches) over a database.
    pub fn new(db: DatabaseConnection) -> Self {
        fn build<T: Loader<K>, K>(loader: T) -> DataLoader<T, HashMapCache>
        where
            K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        {
            DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
        }
        Self {
            territories: build(TerritoryById(db.clone())),
            contained: build(ContainedTerritories(db.clone())),
            organisations: build(OrganisationById(db.clone())),
            establishments: build(EstablishmentsOfOrganisation(db.clone())),
            labels: build(LabelsOfOrganisation(db)),
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
