//! The change log: one row appended, in the writing transaction, for every write to a
//! syncable record. Its sequence is the cursor partners follow.

use sea_orm::entity::prelude::*;

use crate::enums::ChangeOp;

/// One committed change.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    /// Monotonic sequence number.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// Entity name (`organisation`, `establishment`, `contract`...).
    pub entity: String,
    /// Id of the changed row.
    pub row_id: Uuid,
    /// Upsert or delete.
    pub op: ChangeOp,
    /// Version of the row after the change.
    pub version: i32,
    /// When the change was written.
    pub changed_at: DateTimeUtc,
    /// PostgreSQL transaction id of the write (null on SQLite, whose writers are serialised),
    /// used to hold back readers until older concurrent transactions have committed.
    pub tx_id: Option<i64>,
}

/// A change-log row has no outgoing relation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
