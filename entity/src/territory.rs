//! A territory of the Code officiel géographique: région, département, EPCI, commune,
//! municipal arrondissement, commune déléguée or associée.

use sea_orm::entity::prelude::*;

use crate::enums::{GeoSource, TerritoryLevel, Zone};

/// One territory at one COG vintage. `id` is `<PREFIX>:<code>` (`REG:93`, `DEP:2A`,
/// `EPCI:200054807`, `COM:13055`, `ARM:13201`, `COMD:…`, `COMA:…`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "territory")]
pub struct Model {
    /// Stable identifier, `<PREFIX>:<code>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Administrative level.
    pub level: TerritoryLevel,
    /// INSEE code (SIREN for an EPCI).
    pub code: String,
    /// Official name.
    pub name: String,
    /// Name folded to lower case without accents or punctuation, for search.
    pub name_search: String,
    /// SIREN of the local authority, where it has one.
    pub siren: Option<String>,
    /// Municipal population (summed over members where the source gives none).
    pub population: Option<i64>,
    /// Latitude (WGS84) of the representative point.
    pub latitude: Option<f64>,
    /// Longitude (WGS84) of the representative point.
    pub longitude: Option<f64>,
    /// Where the point comes from.
    pub geo_source: GeoSource,
    /// Metropolitan, overseas département or overseas collectivity.
    pub zone: Option<Zone>,
    /// Immediate parent: the commune of an arrondissement, the EPCI (or département) of a
    /// commune, the région of a département.
    pub parent_id: Option<String>,
    /// Containing EPCI.
    pub epci_id: Option<String>,
    /// Containing département.
    pub departement_id: Option<String>,
    /// Containing région.
    pub region_id: Option<String>,
    /// COG vintage (year) the row belongs to.
    pub cog_vintage: i16,
}

/// Relations of a territory.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Immediate parent.
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
