//! The loaders of partnerships, of their parties, and of the partnership lists of
//! organisations.

use entity::{partnership, partnership_party};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    graphql::{
        fetch_queue::FetchQueue,
        loaders::{Children, PerParent, Rows, Shared, build},
    },
    store::{
        page::{Page, PageArgs},
        partnerships::{self as store, PartnershipFilter, PartnershipSort},
    },
};

/// The loaders of partnerships and their parties, one set per request.
pub struct PartnershipLoaders {
    /// Live partnerships by id.
    pub by_id: Shared<Rows<Uuid, partnership::Model, partnership::Model>>,
    /// Parties of a partnership.
    pub parties: Shared<Children<partnership_party::Model>>,
    /// A page of the partnerships of an organisation (by name).
    pub pages_of_organisation: Shared<PerParent<Uuid, PageArgs, String, Page<partnership::Model>>>,
    /// Number of partnerships of an organisation.
    pub counts_of_organisation: Shared<PerParent<Uuid, (), Uuid, u64>>,
}

impl PartnershipLoaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: &DatabaseConnection, queue: &FetchQueue) -> Self {
        Self {
            by_id: build(
                Rows::new(db, |db, ids| Box::pin(store::by_ids(db, ids)), |p| (p.id, p)),
                queue,
            ),
            parties: build(Children::new(db, |db, ids| Box::pin(store::parties_of(db, ids))), queue),
            pages_of_organisation: build(
                PerParent::new(db, |db, parents, args| {
                    Box::pin(async move {
                        let sort = store::sort_key(PartnershipSort::Name, false, db.get_database_backend());
                        store::pages_of_organisations(db, parents, &PartnershipFilter::default(), &sort, args).await
                    })
                }),
                queue,
            ),
            counts_of_organisation: build(
                PerParent::new(db, |db, parents, _| {
                    Box::pin(
                        async move { store::counts_of_organisations(db, parents, &PartnershipFilter::default()).await },
                    )
                }),
                queue,
            ),
        }
    }
}
