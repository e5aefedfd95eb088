//! The loaders of organisations and of what hangs off them (establishments, identifiers,
//! labels), and of the organisation lists of territories.

use std::sync::Arc;

use entity::{establishment, organisation, organisation_identifier, organisation_label};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    graphql::{
        fetch_queue::FetchQueue,
        loaders::{Children, PerParent, Rows, Shared, build},
    },
    store::{
        self, StoreError,
        organisations::{OrganisationFilter, OrganisationSort},
        page::{Page, PageArgs},
    },
};

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

/// The loaders of organisations and their dependants, one set per request.
pub struct OrganisationLoaders {
    /// Live organisations by id.
    pub by_id: Shared<Rows<Uuid, organisation::Model, Arc<organisation::Model>>>,
    /// Live establishments of an organisation.
    pub establishments: Shared<Children<establishment::Model>>,
    /// Live labels of an organisation.
    pub labels: Shared<Children<organisation_label::Model>>,
    /// Live identifiers of an organisation.
    pub identifiers: Shared<Children<organisation_identifier::Model>>,
    /// Live establishments by id.
    pub establishment_by_id: Shared<Rows<Uuid, establishment::Model, establishment::Model>>,
    /// Live labels by id.
    pub label_by_id: Shared<Rows<Uuid, organisation_label::Model, organisation_label::Model>>,
    /// Live identifiers by id.
    pub identifier_by_id: Shared<Rows<Uuid, organisation_identifier::Model, organisation_identifier::Model>>,
    /// A page of the establishments of an organisation.
    pub establishment_pages: Shared<PerParent<Uuid, PageArgs, String, Page<establishment::Model>>>,
    /// Number of establishments of an organisation.
    pub establishment_counts: Shared<PerParent<Uuid, (), Uuid, u64>>,
    /// A page of the organisations within a territory.
    pub within_pages: Shared<PerParent<String, OrganisationListKey, String, Page<organisation::Model>>>,
    /// Number of organisations matching a filter within a territory.
    pub within_counts: Shared<PerParent<String, OrganisationFilter, String, u64>>,
}

impl OrganisationLoaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: &DatabaseConnection, queue: &FetchQueue) -> Self {
        use store::organisations as store;
        Self {
            by_id: build(
                Rows::new(db, |db, ids| Box::pin(store::by_ids(db, ids)), |o| (o.id, Arc::new(o))),
                queue,
            ),
            establishments: build(
                Children::new(db, |db, ids| Box::pin(store::establishments_of(db, ids))),
                queue,
            ),
            labels: build(Children::new(db, |db, ids| Box::pin(store::labels_of(db, ids))), queue),
            identifiers: build(
                Children::new(db, |db, ids| Box::pin(store::identifiers_of(db, ids))),
                queue,
            ),
            establishment_by_id: build(
                Rows::new(
                    db,
                    |db, ids| Box::pin(store::establishments_by_ids(db, ids)),
                    |e| (e.id, e),
                ),
                queue,
            ),
            label_by_id: build(
                Rows::new(db, |db, ids| Box::pin(store::labels_by_ids(db, ids)), |l| (l.id, l)),
                queue,
            ),
            identifier_by_id: build(
                Rows::new(
                    db,
                    |db, ids| Box::pin(store::identifiers_by_ids(db, ids)),
                    |i| (i.id, i),
                ),
                queue,
            ),
            establishment_pages: build(
                PerParent::new(db, |db, parents, args| {
                    Box::pin(store::establishment_pages(db, parents, args))
                }),
                queue,
            ),
            establishment_counts: build(
                PerParent::new(db, |db, parents, _| Box::pin(store::establishment_counts(db, parents))),
                queue,
            ),
            within_pages: build(
                PerParent::new(db, |db, territories, list| {
                    Box::pin(async move {
                        let sort = store::sort_key(list.sort, list.descending, list.filter.near.as_ref())
                            .map_err(StoreError::Invalid)?;
                        store::pages_in_territories(db, territories, &list.filter, &sort, &list.args).await
                    })
                }),
                queue,
            ),
            within_counts: build(
                PerParent::new(db, |db, territories, filter| {
                    Box::pin(store::counts_in_territories(db, territories, filter))
                }),
                queue,
            ),
        }
    }
}
