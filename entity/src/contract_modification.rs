//! A modification of a contract (DECP `modifications[]`, append-only).

use sea_orm::entity::prelude::*;

/// One modification; (contract, seq) is unique.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_modification")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The contract.
    pub contract_id: Uuid,
    /// Sequence number of the modification (DECP `id`).
    pub seq: i32,
    /// Notification date of the modification.
    pub notified_on: Option<Date>,
    /// Publication date of the modification data.
    pub published_on: Option<Date>,
    /// New duration in months, when changed.
    pub new_duration_months: Option<i32>,
    /// New amount in euro cents, when changed.
    pub new_amount_cents: Option<i64>,
    /// Creation time in Terrasse.
    pub created_at: DateTimeUtc,
}

/// Relations of a modification.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The contract.
    #[sea_orm(
        belongs_to = "super::contract::Entity",
        from = "Column::ContractId",
        to = "super::contract::Column::Id"
    )]
    Contract,
}

impl Related<super::contract::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contract.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
