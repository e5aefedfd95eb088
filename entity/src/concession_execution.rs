//! Yearly execution data of a concession (DECP `donneesExecution`).

use sea_orm::entity::prelude::*;

/// One execution period of a concession; (contract, period start) is unique.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "concession_execution")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The concession.
    pub contract_id: Uuid,
    /// Start of the reported period.
    pub period_start: Date,
    /// Publication date of the execution data.
    pub published_on: Option<Date>,
    /// Investment spending in euro cents.
    pub investment_cents: Option<i64>,
    /// Tariffs as published (JSON array of `{intituleTarif, tarif}`).
    pub tariffs: Json,
    /// Creation time in Terrasse.
    pub created_at: DateTimeUtc,
}

/// Relations of an execution period.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The concession.
    #[sea_orm(
        belongs_to = "super::contract::Entity",
        from = "Column::ContractId",
        to = "super::contract::Column::Id"
    )]
    Contract,
}

impl ActiveModelBehavior for ActiveModel {}
