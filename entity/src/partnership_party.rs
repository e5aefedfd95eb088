//! A party to a partnership: an organisation in a role. Written with its partnership.

use sea_orm::entity::prelude::*;

use crate::enums::PartyRole;

/// One organisation in one role; (partnership, organisation, role) is unique.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "partnership_party")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The partnership.
    pub partnership_id: Uuid,
    /// The organisation.
    pub organisation_id: Uuid,
    /// Its role.
    pub role: PartyRole,
    /// When it joined.
    pub joined_on: Option<Date>,
    /// When it left.
    pub left_on: Option<Date>,
    /// Creation time in Terrasse.
    pub created_at: DateTimeUtc,
}

/// Relations of a party.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The partnership.
    #[sea_orm(
        belongs_to = "super::partnership::Entity",
        from = "Column::PartnershipId",
        to = "super::partnership::Column::Id"
    )]
    Partnership,
    /// The organisation.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::partnership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partnership.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
