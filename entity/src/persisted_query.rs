//! A GraphQL document registered under its SHA-256 hash (automatic persisted queries).

use sea_orm::entity::prelude::*;

/// One registered query.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "persisted_query")]
pub struct Model {
    /// Lowercase hex SHA-256 of `query`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha256_hash: String,
    /// The GraphQL document, as registered.
    pub query: String,
    /// When it was first registered.
    pub registered_at: DateTimeUtc,
    /// When it was last registered or run (at most once a day per instance); null for entries
    /// older than this column, which count from `registered_at`.
    pub last_used_at: Option<DateTimeUtc>,
}

/// A persisted query has no relation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
