//! Labels and agreements held by an organisation (ESUS, SIAE kinds, EA, ESAT, SCOP...).

use sea_orm::entity::prelude::*;

use crate::enums::LabelKind;

/// One label, valid over a period.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation_label")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The labelled organisation.
    pub organisation_id: Uuid,
    /// The establishment the label applies to, when it is establishment-specific.
    pub establishment_id: Option<Uuid>,
    /// Kind of label.
    pub kind: LabelKind,
    /// Who issued it (e.g. a DDETS).
    pub issuer: Option<String>,
    /// The issuer's reference.
    pub reference: Option<String>,
    /// First day of validity.
    pub valid_from: Option<Date>,
    /// Last day of validity (open when null).
    pub valid_to: Option<Date>,
    /// Where the label can be checked.
    pub evidence_url: Option<String>,
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

/// Relations of a label.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The organisation.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    /// The establishment.
    #[sea_orm(
        belongs_to = "super::establishment::Entity",
        from = "Column::EstablishmentId",
        to = "super::establishment::Column::Id"
    )]
    Establishment,
}

impl ActiveModelBehavior for ActiveModel {}
