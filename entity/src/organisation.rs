//! A legal unit (unité légale): association, cooperative, mutual, foundation, company, or a
//! public authority acting as buyer or partner.

use sea_orm::entity::prelude::*;

use crate::enums::{CompanyCategory, EssFamily, EssFamilyBasis, HeadcountBand, NafNomenclature, OrganisationStatus};

/// One organisation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SIREN (9 digits, Luhn-checked), when the organisation has one.
    pub siren: Option<String>,
    /// RNA number (`W` + 9), for associations.
    pub rna: Option<String>,
    /// Name (dénomination).
    pub name: String,
    /// Name folded to lower case without accents or punctuation, for search.
    pub name_search: String,
    /// Acronym (sigle).
    pub acronym: Option<String>,
    /// INSEE legal category, four digits.
    pub legal_category_code: Option<String>,
    /// SSE family.
    pub ess_family: EssFamily,
    /// What the family was decided from.
    pub ess_family_basis: EssFamilyBasis,
    /// Sirene ESS flag (`economieSocialeSolidaireUniteLegale`), when known.
    pub sirene_ess_flag: Option<bool>,
    /// Société à mission flag from Sirene.
    pub societe_mission: Option<bool>,
    /// Main activity code, e.g. `88.99B`.
    pub naf_code: Option<String>,
    /// Nomenclature of `naf_code`.
    pub naf_nomenclature: Option<NafNomenclature>,
    /// Sirene headcount band.
    pub headcount_band: Option<HeadcountBand>,
    /// Reference year of the headcount band.
    pub headcount_year: Option<i16>,
    /// Whether the unit employs staff (`caractereEmployeurUniteLegale`).
    pub employer: Option<bool>,
    /// INSEE company category.
    pub company_category: Option<CompanyCategory>,
    /// Administrative status.
    pub admin_status: OrganisationStatus,
    /// Creation date.
    pub created_on: Option<Date>,
    /// Cessation date.
    pub ceased_on: Option<Date>,
    /// False for units Sirene marks as non-diffusible: their details must not be exposed.
    pub diffusible: bool,
    /// False for minimal records created from a bare identifier (e.g. a DECP supplier SIRET)
    /// until register data enriches them.
    pub resolved: bool,
    /// The territory this organisation governs, for a public authority (commune, EPCI,
    /// département, région).
    pub public_authority_territory_id: Option<String>,
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

/// Relations of an organisation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its establishments.
    #[sea_orm(has_many = "super::establishment::Entity")]
    Establishment,
    /// The territory it governs, for a public authority.
    #[sea_orm(
        belongs_to = "super::territory::Entity",
        from = "Column::PublicAuthorityTerritoryId",
        to = "super::territory::Column::Id"
    )]
    PublicAuthorityTerritory,
}

impl Related<super::establishment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Establishment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
