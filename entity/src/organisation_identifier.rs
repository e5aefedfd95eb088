//! Identifiers of an organisation in other schemes (VAT, foreign registers, partner ids).

use sea_orm::entity::prelude::*;

use crate::enums::IdScheme;

/// One identifier; (scheme, value) is unique.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation_identifier")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organisation identified.
    pub organisation_id: Uuid,
    /// Identifier scheme.
    pub scheme: IdScheme,
    /// Identifier value, normalised for its scheme.
    pub value: String,
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

/// Relations of an identifier.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The organisation.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl ActiveModelBehavior for ActiveModel {}
