//! The audit log: who wrote which row, when, and which fields changed.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, Set, sea_query::Expr};
use uuid::Uuid;

use super::writer::Writer;
use crate::store::{
    DbContext, StoreError, insert_chunked,
    page::{IdKind, KeyKind, ListFilter, SortKey},
};

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

/// Which audit entries a page lists: all, or only those of one kind of record or one record.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only writes of this entity (its change-log name).
    pub entity: Option<&'static str>,
    /// Only writes of this row.
    pub row_id: Option<Uuid>,
}

impl ListFilter for AuditFilter {
    type Entity = audit_log::Entity;
    const PAGING: &'static str = "reading the audit log";
    const COUNTING: &'static str = "counting the audit log";

    fn condition(&self) -> Condition {
        Condition::all()
            .add_option(self.entity.map(|entity| audit_log::Column::Entity.eq(entity)))
            .add_option(self.row_id.map(|row_id| audit_log::Column::RowId.eq(row_id)))
    }
}

/// Name of the audit log's one order, as cursors record it.
pub const AUDIT_ORDER_NAME: &str = "ID";

/// The audit log's order: newest first, by entry id (ids only grow).
pub fn audit_order() -> SortKey {
    let id = Expr::col((audit_log::Entity, audit_log::Column::Id));
    SortKey {
        name: AUDIT_ORDER_NAME,
        expr: id.clone(),
        kind: KeyKind::Integer,
        id,
        id_kind: IdKind::Integer,
        descending: true,
    }
}
