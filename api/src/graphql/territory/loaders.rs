//! The loaders of territories and of the territories of a level within a territory.

use std::sync::Arc;

use entity::{enums::TerritoryLevel, territory};
use sea_orm::DatabaseConnection;

use crate::{
    graphql::{
        fetch_queue::FetchQueue,
        loaders::{PerParent, Rows, Shared, build},
    },
    store::{
        self,
        page::{Page, PageArgs},
    },
};

/// Pages of the territories of a level within a parent territory, by parent id.
type ContainedPages = PerParent<String, (TerritoryLevel, PageArgs), String, Page<territory::Model>>;

/// The loaders of territories, one set per request.
pub struct TerritoryLoaders {
    /// Territories by id.
    pub by_id: Shared<Rows<String, territory::Model, Arc<territory::Model>>>,
    /// A page of the territories of a level within a territory.
    pub contained_pages: Shared<ContainedPages>,
    /// Number of territories of a level within a territory.
    pub contained_counts: Shared<PerParent<String, TerritoryLevel, String, u64>>,
}

impl TerritoryLoaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: &DatabaseConnection, queue: &FetchQueue) -> Self {
        Self {
            by_id: build(
                Rows::new(
                    db,
                    |db, ids| Box::pin(store::territories::by_ids(db, ids)),
                    |t| (t.id.clone(), Arc::new(t)),
                ),
                queue,
            ),
            contained_pages: build(
                PerParent::new(db, |db, parents, (level, args)| {
                    Box::pin(store::territories::contained_pages(db, parents, *level, args))
                }),
                queue,
            ),
            contained_counts: build(
                PerParent::new(db, |db, parents, level| {
                    Box::pin(store::territories::contained_counts(db, parents, *level))
                }),
                queue,
            ),
        }
    }
}
