//! The audit log is paged newest first, filtered by record or by kind of record
//! (`auditLog(recordId:)`, `auditLog(entity:)`): two indexes let those pages read only the
//! entries they show instead of scanning the log.

use sea_orm_migration::prelude::*;

/// Indexes the audit log by record and by entity, each then by entry id.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000012_audit_log_paging"
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Entity,
    RowId,
}

const BY_ROW: &str = "idx_audit_log_row_id";
const BY_ENTITY: &str = "idx_audit_log_entity";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in [(BY_ROW, AuditLog::RowId), (BY_ENTITY, AuditLog::Entity)] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditLog::Table)
                        .col(column)
                        .col(AuditLog::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [BY_ROW, BY_ENTITY] {
            manager
                .drop_index(Index::drop().name(name).table(AuditLog::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
