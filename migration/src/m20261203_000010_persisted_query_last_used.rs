//! Persisted queries remember when they were last used, so that entries nobody uses any more
//! can be pruned (`last_used_at`; null for entries registered before this migration, which
//! count from their registration).

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `persisted_query.last_used_at`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000010_persisted_query_last_used"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("persisted_query")
                    .add_column(timestamp_with_time_zone_null("last_used_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("persisted_query")
                    .drop_column("last_used_at")
                    .to_owned(),
            )
            .await
    }
}
