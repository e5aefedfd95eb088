//! A supplier (titulaire or concessionnaire) of a contract, with the buyer-supplier distance
//! and locality computed when it was written.

use sea_orm::entity::prelude::*;

use crate::enums::{IdScheme, LocalityLevel};

/// One supplier of one contract; (contract, scheme, value, from_modification) is unique.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_supplier")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The contract.
    pub contract_id: Uuid,
    /// Position in the published list.
    pub position: i16,
    /// Identifier scheme as published.
    pub id_scheme: IdScheme,
    /// Identifier value as published (normalised).
    pub id_value: String,
    /// Resolved establishment.
    pub establishment_id: Option<Uuid>,
    /// Resolved organisation.
    pub organisation_id: Option<Uuid>,
    /// 0 for the initial suppliers, else the modification that brought this one.
    pub from_modification: i32,
    /// Great-circle distance between buyer and supplier, km.
    pub distance_km: Option<f64>,
    /// Smallest territory buyer and supplier share.
    pub locality_level: LocalityLevel,
    /// Creation time in Terrasse.
    pub created_at: DateTimeUtc,
}

/// Relations of a contract supplier.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The contract.
    #[sea_orm(
        belongs_to = "super::contract::Entity",
        from = "Column::ContractId",
        to = "super::contract::Column::Id"
    )]
    Contract,
    /// The supplier organisation.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    /// The supplier establishment.
    #[sea_orm(
        belongs_to = "super::establishment::Entity",
        from = "Column::EstablishmentId",
        to = "super::establishment::Column::Id"
    )]
    Establishment,
}

impl Related<super::contract::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contract.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
