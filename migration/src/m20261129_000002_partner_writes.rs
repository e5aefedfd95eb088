//! Partner writes: API keys, idempotency keys of mutations, and the audit log of writes.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `api_key`, `idempotency_key` and `audit_log`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000002_partner_writes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_key")
                    .col(uuid("id").primary_key())
                    .col(text("name"))
                    .col(text("role"))
                    .col(text_null("source"))
                    .col(text("key_hash").unique_key())
                    .col(text("key_prefix"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .check(Expr::col("role").is_in(["partner", "admin"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("idempotency_key")
                    .col(uuid("api_key_id"))
                    .col(text("key"))
                    .col(text("operation"))
                    .col(text("request_hash"))
                    .col(text("response"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .primary_key(Index::create().col("api_key_id").col("key"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_idempotency_key_api_key_id")
                            .from("idempotency_key", "api_key_id")
                            .to("api_key", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(uuid_null("api_key_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(text("operation"))
                    .col(text("entity"))
                    .col(uuid("row_id"))
                    .col(text("changed_fields"))
                    .to_owned(),
            )
            .await?;
        for (table, cols) in [
            ("idempotency_key", &["expires_at"][..]),
            ("audit_log", &["entity", "row_id"][..]),
            ("audit_log", &["api_key_id", "id"][..]),
        ] {
            let mut index = Index::create();
            index.name(format!("ix_{table}_{}", cols.join("_"))).table(table);
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["audit_log", "idempotency_key", "api_key"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
