//! Transitive closure of territory containment: one row per (territory, ancestor), the
//! territory itself included, so "everything within X" is one indexed join at any level.

use sea_orm::entity::prelude::*;

use crate::enums::TerritoryLevel;

/// `territory_id` lies within `ancestor_id` (or is it).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "territory_membership")]
pub struct Model {
    /// The contained territory.
    #[sea_orm(primary_key, auto_increment = false)]
    pub territory_id: String,
    /// A territory containing it, or itself.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ancestor_id: String,
    /// Level of the ancestor.
    pub ancestor_level: TerritoryLevel,
}

/// Relations of a membership row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The contained territory.
    #[sea_orm(
        belongs_to = "super::territory::Entity",
        from = "Column::TerritoryId",
        to = "super::territory::Column::Id"
    )]
    Territory,
    /// The containing territory.
    #[sea_orm(
        belongs_to = "super::territory::Entity",
        from = "Column::AncestorId",
        to = "super::territory::Column::Id"
    )]
    Ancestor,
}

impl Related<super::territory::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Territory.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
