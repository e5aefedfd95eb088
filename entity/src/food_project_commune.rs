//! A commune covered by a territorial food project (a commune can be in several).

use sea_orm::entity::prelude::*;

/// `commune_id` lies in food project `food_project_id`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "food_project_commune")]
pub struct Model {
    /// The food project.
    #[sea_orm(primary_key, auto_increment = false)]
    pub food_project_id: Uuid,
    /// The commune (`COM:<code>`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub commune_id: String,
}

/// Relations of a food project's commune.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The food project.
    #[sea_orm(
        belongs_to = "super::food_project::Entity",
        from = "Column::FoodProjectId",
        to = "super::food_project::Column::Id"
    )]
    FoodProject,
    /// The commune.
    #[sea_orm(
        belongs_to = "super::territory::Entity",
        from = "Column::CommuneId",
        to = "super::territory::Column::Id"
    )]
    Commune,
}

impl Related<super::food_project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FoodProject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
