//! A partnership between organisations: PTCE, agreement, funding, purchasing group...

use sea_orm::entity::prelude::*;

use crate::enums::{PartnershipStatus, PartnershipType};

/// One partnership.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "partnership")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Type of partnership.
    pub partnership_type: PartnershipType,
    /// Name.
    pub name: String,
    /// Free description.
    pub description: Option<String>,
    /// Start date.
    pub start_date: Option<Date>,
    /// End date (open when null); never before the start date.
    pub end_date: Option<Date>,
    /// Territory the partnership covers.
    pub territory_id: Option<String>,
    /// Amount in euro cents (funding, pooled budget), when relevant.
    pub amount_cents: Option<i64>,
    /// Lifecycle status.
    pub status: PartnershipStatus,
    /// Source system of the record.
    pub source: String,
    /// Id of the record in its source.
    pub external_id: Option<String>,
    /// Last update time in the source.
    pub source_updated_at: Option<DateTimeUtc>,
    /// Creation time in Terrasse.
    pub created_at: DateTimeUtc,
    /// Last update time in Terrasse.
    pub updated_at: DateTimeUtc,
    /// Soft-deletion time.
    pub deleted_at: Option<DateTimeUtc>,
    /// Row version, bumped on every write.
    pub version: i32,
}

/// Relations of a partnership.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its parties.
    #[sea_orm(has_many = "super::partnership_party::Entity")]
    Party,
    /// The territory covered.
    #[sea_orm(
        belongs_to = "super::territory::Entity",
        from = "Column::TerritoryId",
        to = "super::territory::Column::Id"
    )]
    Territory,
}

impl Related<super::partnership_party::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Party.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
