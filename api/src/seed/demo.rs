//! The demo SSE ecosystem (placeholder until the generator lands).

use std::fmt;

use entity::organisation;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::store::{DbContext, StoreError};

/// What the demo generator wrote.
#[derive(Debug, Default)]
pub struct DemoSummary {
    /// Organisations.
    pub organisations: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "demo ecosystem: {} organisations", self.organisations)
    }
}

/// Whether any organisation exists.
pub async fn has_organisations<C: ConnectionTrait>(db: &C) -> Result<bool, StoreError> {
    Ok(organisation::Entity::find()
        .count(db)
        .await
        .context("counting organisations")?
        > 0)
}

/// Writes the demo ecosystem.
pub async fn seed_demo(_db: &DatabaseConnection) -> Result<DemoSummary, StoreError> {
    Ok(DemoSummary::default())
}
