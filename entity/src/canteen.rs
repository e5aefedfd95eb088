//! A collective-catering canteen of the national register (school, hospital, company
//! restaurant…), by SIRET: how it is run and how many meals it serves.

use sea_orm::entity::prelude::*;

/// One canteen.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "canteen")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SIRET of the canteen (its establishment, which Terrasse may not know).
    #[sea_orm(unique)]
    pub siret: String,
    /// Name.
    pub name: String,
    /// Name folded to lower case without accents or punctuation, for search.
    pub name_search: String,
    /// Id in the register.
    pub register_id: Option<String>,
    /// Commune (`COM:<code>`), when the register's code is a known commune.
    pub commune_id: Option<String>,
    /// `public` or `private`.
    pub economic_model: Option<String>,
    /// `direct` (run by its own staff) or `conceded` (by a caterer).
    pub management_type: Option<String>,
    /// `central`, `central_serving`, `site` or `site_cooked_elsewhere`.
    pub production_type: Option<String>,
    /// SIRET of the central kitchen that supplies it, when it is supplied by one.
    pub central_kitchen_siret: Option<String>,
    /// Meals served per day.
    pub daily_meals: Option<i64>,
    /// Meals served per year.
    pub yearly_meals: Option<i64>,
    /// Sectors, as the register lists them.
    pub sectors: Option<String>,
    /// Line ministry, as the register names it.
    pub line_ministry: Option<String>,
    /// When the canteen was registered.
    pub registered_on: Option<Date>,
    /// Where the record comes from.
    pub source: String,
    /// First import.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a canteen.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its yearly declarations.
    #[sea_orm(has_many = "super::canteen_declaration::Entity")]
    Declaration,
}

impl Related<super::canteen_declaration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Declaration.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
