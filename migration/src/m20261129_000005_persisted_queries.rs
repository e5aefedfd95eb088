//! Persisted queries: GraphQL documents registered by their SHA-256 hash, shared by every
//! instance serving the database.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `persisted_query`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000005_persisted_queries"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("persisted_query")
                    .col(text("sha256_hash").primary_key())
                    .col(text("query"))
                    .col(timestamp_with_time_zone("registered_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("persisted_query").to_owned())
            .await
    }
}
