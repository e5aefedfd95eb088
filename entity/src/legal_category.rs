//! INSEE legal categories (catégories juridiques, level III, four digits).

use sea_orm::entity::prelude::*;

use crate::enums::EssFamily;

/// One legal category and the SSE family it implies by default.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "legal_category")]
pub struct Model {
    /// Four-digit code, e.g. `9220` (association déclarée).
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// French label.
    pub label: String,
    /// SSE family implied by the category alone.
    pub ess_family: EssFamily,
}

/// A legal category has no outgoing relation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
