//! An establishment (établissement) of an organisation, identified by its SIRET.

use sea_orm::entity::prelude::*;

use crate::enums::{EstablishmentStatus, GeoPrecision, HeadcountBand};

/// One establishment.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "establishment")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organisation it belongs to.
    pub organisation_id: Uuid,
    /// SIRET (14 digits), when known.
    pub siret: Option<String>,
    /// Trade name (enseigne).
    pub name: Option<String>,
    /// Whether this is the organisation's head office (siège).
    pub is_headquarters: bool,
    /// First address line (number and street).
    pub address_line1: Option<String>,
    /// Second address line (complement, locality).
    pub address_line2: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Territory id of the commune (`COM:…` or `ARM:…`).
    pub commune_id: Option<String>,
    /// Latitude (WGS84).
    pub latitude: Option<f64>,
    /// Longitude (WGS84).
    pub longitude: Option<f64>,
    /// How precise the coordinates are.
    pub geo_precision: Option<GeoPrecision>,
    /// Activity code of the establishment.
    pub naf_code: Option<String>,
    /// Sirene headcount band of the establishment.
    pub headcount_band: Option<HeadcountBand>,
    /// Administrative status.
    pub admin_status: EstablishmentStatus,
    /// Opening date.
    pub opened_on: Option<Date>,
    /// Closing date.
    pub closed_on: Option<Date>,
    /// False when Sirene marks the establishment non-diffusible: its address and
    /// coordinates must not be exposed.
    pub diffusible: bool,
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

/// Relations of an establishment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The organisation.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    /// The commune.
    #[sea_orm(
        belongs_to = "super::territory::Entity",
        from = "Column::CommuneId",
        to = "super::territory::Column::Id"
    )]
    Commune,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
