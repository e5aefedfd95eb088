//! The audit log: one row per record written, with the key that wrote it.

use sea_orm::entity::prelude::*;

/// One audited write.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Monotonic id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The API key that wrote (null for writes made by the command line).
    pub api_key_id: Option<Uuid>,
    /// When.
    pub at: DateTimeUtc,
    /// `create`, `update`, `delete` or `upsert`.
    pub operation: String,
    /// Entity name, as in the change log.
    pub entity: String,
    /// Id of the written row.
    pub row_id: Uuid,
    /// JSON array of the names of the fields that changed.
    pub changed_fields: String,
}

/// An audit row has no outgoing relation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
