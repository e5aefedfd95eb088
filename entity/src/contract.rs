//! A public contract (marché) or concession, following the DECP 2.0 format.

use sea_orm::entity::prelude::*;

use crate::enums::{ContractKind, ExecPlaceType, PurchaseType};

/// One contract, keyed nationally by `uid` = buyer SIRET + the buyer's own id.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contract")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// National key: buyer SIRET followed by the buyer's id.
    pub uid: String,
    /// The buyer's own id (DECP `id`, 1-16 characters).
    pub buyer_internal_id: String,
    /// Marché or concession.
    pub kind: ContractKind,
    /// DECP `nature` as published.
    pub nature: Option<String>,
    /// Object of the contract.
    pub object: Option<String>,
    /// CPV code, 8 digits without check digit.
    pub cpv_code: Option<String>,
    /// CPV division (first 2 digits), kept for grouping.
    pub cpv_division: Option<String>,
    /// Works, supplies or services, from the CPV division.
    pub purchase_type: Option<PurchaseType>,
    /// Procedure as published.
    pub procedure: Option<String>,
    /// Techniques (JSON array of DECP values).
    pub techniques: Json,
    /// Execution modes (JSON array of DECP values).
    pub execution_modes: Json,
    /// Uid of the parent framework agreement.
    pub framework_uid: Option<String>,
    /// Innovative contract flag.
    pub innovative: Option<bool>,
    /// CCAG of reference.
    pub ccag: Option<String>,
    /// Number of offers received.
    pub offers_received: Option<i32>,
    /// Whether an advance was granted.
    pub advance: Option<bool>,
    /// Advance rate, 0 to 1.
    pub advance_rate: Option<f64>,
    /// Grouping of operators (Conjoint, Solidaire, Pas de groupement).
    pub grouping_type: Option<String>,
    /// Whether subcontracting was declared.
    pub subcontracting_declared: Option<bool>,
    /// Execution place code as published.
    pub exec_place_code: Option<String>,
    /// Kind of that code.
    pub exec_place_type: Option<ExecPlaceType>,
    /// Territory the execution place resolves to.
    pub exec_territory_id: Option<String>,
    /// Initial duration in months.
    pub duration_months: Option<i32>,
    /// Notification date (signature date for a concession).
    pub notified_on: Option<Date>,
    /// Publication date of the data.
    pub published_on: Option<Date>,
    /// Initial amount in euro cents excluding VAT (forfait or estimated maximum; a
    /// concession's `valeurGlobale`).
    pub amount_cents: Option<i64>,
    /// Price form (Unitaire, Forfaitaire, Mixte).
    pub price_form: Option<String>,
    /// Price types (JSON array).
    pub price_types: Json,
    /// Share of EU origin, 0 to 1.
    pub origin_eu: Option<f64>,
    /// Share of French origin, 0 to 1.
    pub origin_fr: Option<f64>,
    /// Social considerations as published (JSON array).
    pub social_considerations: Json,
    /// Environmental considerations as published (JSON array).
    pub environmental_considerations: Json,
    /// Has a social clause.
    pub social_clause: bool,
    /// Has a social award criterion.
    pub social_criterion: bool,
    /// Is a reserved contract (or reserved concession).
    pub reserved: bool,
    /// Has an environmental clause.
    pub env_clause: bool,
    /// Has an environmental award criterion.
    pub env_criterion: bool,
    /// Amount in euro cents after the latest modification.
    pub current_amount_cents: Option<i64>,
    /// Duration in months after the latest modification.
    pub current_duration_months: Option<i32>,
    /// Buyer SIRET as published.
    pub buyer_siret: String,
    /// The buyer's establishment, when known.
    pub buyer_establishment_id: Option<Uuid>,
    /// The buyer organisation, when known.
    pub buyer_organisation_id: Option<Uuid>,
    /// Concession: signature date.
    pub signed_on: Option<Date>,
    /// Concession: start of execution.
    pub exec_start_on: Option<Date>,
    /// Concession: public subsidy in euro cents.
    pub public_subsidy_cents: Option<i64>,
    /// Data-quality flags raised at import (JSON array of `{field, value, reason}`).
    pub quality_flags: Json,
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

/// Relations of a contract.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its suppliers.
    #[sea_orm(has_many = "super::contract_supplier::Entity")]
    Supplier,
    /// Its modifications.
    #[sea_orm(has_many = "super::contract_modification::Entity")]
    Modification,
    /// The buyer organisation.
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::BuyerOrganisationId",
        to = "super::organisation::Column::Id"
    )]
    BuyerOrganisation,
    /// The buyer establishment.
    #[sea_orm(
        belongs_to = "super::establishment::Entity",
        from = "Column::BuyerEstablishmentId",
        to = "super::establishment::Column::Id"
    )]
    BuyerEstablishment,
}

impl Related<super::contract_supplier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Supplier.def()
    }
}

impl Related<super::contract_modification::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Modification.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
