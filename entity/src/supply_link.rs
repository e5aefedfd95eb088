//! A supply link of a short food chain: a supplier (a known establishment, or a name) supplies
//! a buyer establishment with a family of products over a period, through a number of
//! intermediaries, on some evidence.

use sea_orm::entity::prelude::*;

use crate::enums::{LocalityLevel, ProductFamily, SupplyChannel, SupplyEvidence};

/// One supply link.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "supply_link")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SIRET of the buyer establishment, as sent.
    pub buyer_siret: String,
    /// The buyer establishment.
    pub buyer_establishment_id: Uuid,
    /// Its organisation.
    pub buyer_organisation_id: Uuid,
    /// SIRET of the supplier establishment, when known.
    pub supplier_siret: Option<String>,
    /// The supplier establishment, when its SIRET is given.
    pub supplier_establishment_id: Option<Uuid>,
    /// Its organisation.
    pub supplier_organisation_id: Option<Uuid>,
    /// The supplier's name as declared (required without a SIRET).
    pub supplier_name: Option<String>,
    /// Family of products.
    pub product_family: ProductFamily,
    /// Intermediaries between producer and buyer.
    pub channel: SupplyChannel,
    /// What the link rests on.
    pub evidence: SupplyEvidence,
    /// National key (`uid`) of the contract behind the link, when there is one.
    pub contract_uid: Option<String>,
    /// That contract.
    pub contract_id: Option<Uuid>,
    /// First day of the period.
    pub period_start: Date,
    /// Last day of the period (open when null).
    pub period_end: Option<Date>,
    /// Amount excluding VAT in euro cents.
    pub amount_cents: Option<i64>,
    /// Distance between supplier and buyer in kilometres, when both are placed.
    pub distance_km: Option<f64>,
    /// How close the supplier is to the buyer (same commune, EPCI, département...).
    pub locality_level: LocalityLevel,
    /// Free description (the products, the arrangement).
    pub description: Option<String>,
    /// Source system.
    pub source: String,
    /// Id in the source.
    pub external_id: Option<String>,
    /// Last update in the source.
    pub source_updated_at: Option<DateTimeUtc>,
    /// Creation in Terrasse.
    pub created_at: DateTimeUtc,
    /// Last change in Terrasse.
    pub updated_at: DateTimeUtc,
    /// Soft deletion time.
    pub deleted_at: Option<DateTimeUtc>,
    /// Row version.
    pub version: i32,
}

/// Relations of a supply link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The buyer establishment.
    #[sea_orm(
        belongs_to = "super::establishment::Entity",
        from = "Column::BuyerEstablishmentId",
        to = "super::establishment::Column::Id"
    )]
    Buyer,
}

impl ActiveModelBehavior for ActiveModel {}
