//! The loaders of contracts, of what hangs off them (suppliers, modifications), and of the
//! contract lists of organisations (won, awarded) and territories.

use entity::{contract, contract_modification, contract_supplier};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    graphql::{
        fetch_queue::FetchQueue,
        loaders::{Children, FetchPerParent, PerParent, Rows, Shared, build},
    },
    store::{
        contracts::{self as store, ContractFilter, ContractParents},
        page::{Page, PageArgs},
    },
};

/// A page of the contracts of each parent.
type Pages<P> = PerParent<P, PageArgs, String, Page<contract::Model>>;
/// The number of contracts of each parent.
type Counts<P> = PerParent<P, (), String, u64>;

/// The loaders of contracts and of what hangs off them, one set per request.
pub struct ContractLoaders {
    /// Live contracts by id.
    pub by_id: Shared<Rows<Uuid, contract::Model, contract::Model>>,
    /// Suppliers of a contract.
    pub suppliers: Shared<Children<contract_supplier::Model>>,
    /// Modifications of a contract.
    pub modifications: Shared<Children<contract_modification::Model>>,
    /// A page of the contracts an organisation won.
    pub won_pages: Shared<Pages<Uuid>>,
    /// Number of contracts an organisation won.
    pub won_counts: Shared<Counts<Uuid>>,
    /// A page of the contracts an organisation awarded.
    pub awarded_pages: Shared<Pages<Uuid>>,
    /// Number of contracts an organisation awarded.
    pub awarded_counts: Shared<Counts<Uuid>>,
    /// A page of the contracts awarded by buyers within a territory.
    pub territory_pages: Shared<Pages<String>>,
    /// Number of contracts awarded by buyers within a territory.
    pub territory_counts: Shared<Counts<String>>,
}

/// The pages of the contracts of parents (latest notification first), the parents given to
/// the store by `parents`.
macro_rules! pages_of {
    ($parents:expr) => {{
        let fetch: FetchPerParent<_, PageArgs, String, Page<contract::Model>> = |db, ids, args| {
            Box::pin(async move {
                let sort = store::nested_sort();
                store::pages_of(db, $parents(ids), &ContractFilter::default(), &sort, args).await
            })
        };
        fetch
    }};
}

/// The numbers of contracts of parents, the parents given to the store by `parents`.
macro_rules! counts_of {
    ($parents:expr) => {{
        let fetch: FetchPerParent<_, (), String, u64> =
            |db, ids, _| Box::pin(async move { store::counts_of(db, $parents(ids), &ContractFilter::default()).await });
        fetch
    }};
}

impl ContractLoaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: &DatabaseConnection, queue: &FetchQueue) -> Self {
        Self {
            by_id: build(
                Rows::new(db, |db, ids| Box::pin(store::by_ids(db, ids)), |c| (c.id, c)),
                queue,
            ),
            suppliers: build(
                Children::new(db, |db, ids| Box::pin(store::suppliers_of(db, ids))),
                queue,
            ),
            modifications: build(
                Children::new(db, |db, ids| Box::pin(store::modifications_of(db, ids))),
                queue,
            ),
            won_pages: build(PerParent::new(db, pages_of!(ContractParents::Winners)), queue),
            won_counts: build(PerParent::new(db, counts_of!(ContractParents::Winners)), queue),
            awarded_pages: build(PerParent::new(db, pages_of!(ContractParents::Buyers)), queue),
            awarded_counts: build(PerParent::new(db, counts_of!(ContractParents::Buyers)), queue),
            territory_pages: build(PerParent::new(db, pages_of!(ContractParents::BuyerTerritories)), queue),
            territory_counts: build(PerParent::new(db, counts_of!(ContractParents::BuyerTerritories)), queue),
        }
    }
}
