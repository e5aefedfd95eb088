//! A canteen's yearly declaration of its purchases (télédéclaration): the shares of organic
//! and of other EGalim-quality products in its food purchases.

use sea_orm::entity::prelude::*;

/// The declaration of one canteen for one year.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "canteen_declaration")]
pub struct Model {
    /// The canteen.
    #[sea_orm(primary_key, auto_increment = false)]
    pub canteen_id: Uuid,
    /// The year of the purchases declared.
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i16,
    /// Who declared what (`SITE`, `CENTRAL_APPRO`, `CENTRAL_ALL`, `SATELLITE_WITHOUT_APPRO`).
    pub mode: Option<String>,
    /// `SIMPLE` or `COMPLETE`.
    pub declaration_type: Option<String>,
    /// Share of organic products in the purchases, 0 to 1.
    pub organic_share: Option<f64>,
    /// Share of the other EGalim-quality products (organic excluded), 0 to 1.
    pub egalim_share: Option<f64>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a declaration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The canteen.
    #[sea_orm(
        belongs_to = "super::canteen::Entity",
        from = "Column::CanteenId",
        to = "super::canteen::Column::Id"
    )]
    Canteen,
}

impl Related<super::canteen::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Canteen.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
