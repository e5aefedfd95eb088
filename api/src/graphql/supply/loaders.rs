//! The loaders of supply links, food projects and their communes, canteens and their
//! declarations.

use entity::{canteen, canteen_declaration, food_project, food_project_commune, organic_operator, supply_link};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    graphql::{
        fetch_queue::FetchQueue,
        loaders::{Children, Rows, Shared, build},
    },
    store::{canteens, food_projects, organic, supply_links},
};

/// The loaders of supply links and food projects, one set per request.
pub struct SupplyLoaders {
    /// Live supply links by id.
    pub by_id: Shared<Rows<Uuid, supply_link::Model, supply_link::Model>>,
    /// Food projects by id.
    pub food_project_by_id: Shared<Rows<Uuid, food_project::Model, food_project::Model>>,
    /// Communes of a food project.
    pub food_project_communes: Shared<Children<food_project_commune::Model>>,
    /// Canteens by id.
    pub canteen_by_id: Shared<Rows<Uuid, canteen::Model, canteen::Model>>,
    /// Declarations of a canteen.
    pub canteen_declarations: Shared<Children<canteen_declaration::Model>>,
    /// Organic operators by id.
    pub organic_by_id: Shared<Rows<Uuid, organic_operator::Model, organic_operator::Model>>,
}

impl SupplyLoaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: &DatabaseConnection, queue: &FetchQueue) -> Self {
        Self {
            by_id: build(
                Rows::new(db, |db, ids| Box::pin(supply_links::by_ids(db, ids)), |l| (l.id, l)),
                queue,
            ),
            food_project_by_id: build(
                Rows::new(db, |db, ids| Box::pin(food_projects::by_ids(db, ids)), |p| (p.id, p)),
                queue,
            ),
            food_project_communes: build(
                Children::new(db, |db, ids| Box::pin(food_projects::communes_of(db, ids))),
                queue,
            ),
            canteen_by_id: build(
                Rows::new(db, |db, ids| Box::pin(canteens::by_ids(db, ids)), |c| (c.id, c)),
                queue,
            ),
            canteen_declarations: build(
                Children::new(db, |db, ids| Box::pin(canteens::declarations_of(db, ids))),
                queue,
            ),
            organic_by_id: build(
                Rows::new(db, |db, ids| Box::pin(organic::by_ids(db, ids)), |o| (o.id, o)),
                queue,
            ),
        }
    }
}
