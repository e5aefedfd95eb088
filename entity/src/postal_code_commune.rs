//! Postal code to commune mapping (one postal code can serve several communes, and a
//! commune can have several postal codes).

use sea_orm::entity::prelude::*;

/// One (postal code, commune) pair.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "postal_code_commune")]
pub struct Model {
    /// Five-digit postal code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub postal_code: String,
    /// Territory id of the commune or municipal arrondissement (`COM:…`, `ARM:…`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub commune_id: String,
}

/// Relations of a postal code row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The commune served.
    #[sea_orm(
        belongs_to = "super::territory::Entity",
        from = "Column::CommuneId",
        to = "super::territory::Column::Id"
    )]
    Commune,
}

impl ActiveModelBehavior for ActiveModel {}
