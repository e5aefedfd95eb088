//! An operator of organic farming listed by the Agence Bio (a producer, a processor, a
//! distributor…), with its sales channels and certification.

use sea_orm::entity::prelude::*;

/// One organic operator.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organic_operator")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its number at the Agence Bio.
    #[sea_orm(unique)]
    pub numero_bio: String,
    /// SIRET, when the listing gives a valid one.
    pub siret: Option<String>,
    /// Its organisation, when known.
    pub organisation_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Commune of its main address (`COM:<code>`), when known.
    pub commune_id: Option<String>,
    /// Latitude (WGS84) of that address.
    pub latitude: Option<f64>,
    /// Longitude (WGS84) of that address.
    pub longitude: Option<f64>,
    /// Sales channels, comma-separated stored values (`vente_directe`, `grossiste`…).
    pub categories: String,
    /// Certification state (`ENGAGEE`, `ARRETEE`, `SUSPENDUE`…).
    pub certification: Option<String>,
    /// When it entered organic certification.
    pub engaged_on: Option<Date>,
    /// Productions certified, comma-separated names.
    pub productions: Option<String>,
    /// Where the record comes from.
    pub source: String,
    /// First import.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of an organic operator.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
