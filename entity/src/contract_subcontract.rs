//! A declared subcontracting act of a contract (DECP `actesSousTraitance`).

use sea_orm::entity::prelude::*;

use crate::enums::IdScheme;

/// One subcontracting act; (contract, act id) is unique.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_subcontract")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The contract.
    pub contract_id: Uuid,
    /// Id of the act as published.
    pub act_id: String,
    /// Identifier scheme of the subcontractor.
    pub subcontractor_scheme: IdScheme,
    /// Identifier of the subcontractor.
    pub subcontractor_id: String,
    /// Resolved subcontractor organisation.
    pub organisation_id: Option<Uuid>,
    /// Duration in months.
    pub duration_months: Option<i32>,
    /// Notification date of the act.
    pub notified_on: Option<Date>,
    /// Publication date of the act data.
    pub published_on: Option<Date>,
    /// Amount in euro cents excluding VAT.
    pub amount_cents: Option<i64>,
    /// Price variation (Ferme, Actualisable, Révisable).
    pub price_variation: Option<String>,
    /// Creation time in Terrasse.
    pub created_at: DateTimeUtc,
}

/// Relations of a subcontracting act.
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

impl ActiveModelBehavior for ActiveModel {}
