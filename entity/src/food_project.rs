//! A territorial food project (Projet Alimentaire Territorial, PAT): a scope of communes that
//! works on its food system, next to the administrative territories.

use sea_orm::entity::prelude::*;

/// One PAT as listed nationally.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "food_project")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The PAT's id in the national list.
    #[sea_orm(unique)]
    pub code: String,
    /// Administrative name.
    pub name: String,
    /// Name in common use.
    pub usual_name: Option<String>,
    /// Names folded to lower case without accents or punctuation, for search.
    pub name_search: String,
    /// The PAT's page on the national list.
    pub sheet_url: Option<String>,
    /// Régions, as the list gives them.
    pub regions: Option<String>,
    /// Départements, as the list gives them.
    pub departements: Option<String>,
    /// EPCI, as the list gives them.
    pub epcis: Option<String>,
    /// Where the record comes from (`PAT`, `DEMO`).
    pub source: String,
    /// First import.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a food project.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its communes.
    #[sea_orm(has_many = "super::food_project_commune::Entity")]
    Commune,
}

impl Related<super::food_project_commune::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Commune.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
