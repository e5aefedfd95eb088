//! The audit log: who wrote which row, when, and which fields changed.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::writer::Writer;
use crate::store::{DbContext, StoreError, insert_chunked};

/// One audited write of one row.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// `create`, `update`, `delete`, `upsert` or `take_over` (an import taking a natural key
    /// over from a partner's record).
    pub operation: &'static str,
    /// Entity name, as in the change log.
    pub entity: &'static str,
    /// The row.
    pub row_id: Uuid,
    /// Names of the fields that changed.
    pub changed_fields: Vec<&'static str>,
}

/// Appends audit entries for `writer`, in the writing transaction.
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    at: DateTime<Utc>,
    entries: Vec<AuditEntry>,
) -> Result<(), StoreError> {
    let rows = entries
        .into_iter()
        .map(|entry| audit_log::ActiveModel {
            api_key_id: Set(writer.key_id),
            at: Set(at),
            operation: Set(entry.operation.to_owned()),
            entity: Set(entry.entity.to_owned()),
            row_id: Set(entry.row_id),
            changed_fields: Set(serde_json::Value::from(entry.changed_fields).to_string()),
            ..Default::default()
        })
        .collect();
    insert_chunked(db, rows).await.context("appending to the audit log")
}

/// A page of the audit log, newest first, after the entry `before` (an id) when given.
pub async fn audit_page<C: ConnectionTrait>(
    db: &C,
    before: Option<i64>,
    limit: u64,
    entity: Option<&str>,
    row_id: Option<Uuid>,
) -> Result<Vec<audit_log::Model>, StoreError> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut query = audit_log::Entity::find();
    if let Some(before) = before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    if let Some(entity) = entity {
        query = query.filter(audit_log::Column::Entity.eq(entity));
    }
    if let Some(row_id) = row_id {
        query = query.filter(audit_log::Column::RowId.eq(row_id));
    }
    query
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .context("reading the audit log")
}
