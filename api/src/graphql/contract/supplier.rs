//! The `ContractSupplier` and `ContractModification` types: who won a contract, and how it
//! changed since.

use async_graphql::{Context, Object};
use chrono::NaiveDate;
use entity::{contract_modification, contract_supplier};
use rust_decimal::Decimal;

use super::types::{LocalityLevel, euros};
use crate::graphql::{
    enums::IdScheme,
    organisation::{Establishment, Organisation},
};

/// A supplier of a contract (titulaire or concessionnaire), as published, with the
/// organisation and establishment it resolved to and its distance to the buyer.
pub struct ContractSupplier(pub contract_supplier::Model);

/// A supplier of a contract (titulaire or concessionnaire), as published, with the
/// organisation and establishment it resolved to and its distance to the buyer.
#[Object]
impl ContractSupplier {
    /// Position in the published list (from 1).
    async fn position(&self) -> i16 {
        self.0.position
    }

    /// Scheme of the published identifier (SIRET, TVA, HORS_UE…).
    async fn id_scheme(&self) -> IdScheme {
        self.0.id_scheme.into()
    }

    /// The published identifier, normalised for its scheme.
    async fn id_value(&self) -> &str {
        &self.0.id_value
    }

    /// The organisation the identifier resolved to.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, self.0.organisation_id).await
    }

    /// The establishment the identifier resolved to (for a SIRET).
    async fn establishment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Establishment>> {
        Establishment::load(ctx, self.0.establishment_id).await
    }

    /// 0 for an initial supplier, else the sequence number of the modification that brought
    /// it.
    async fn from_modification(&self) -> i32 {
        self.0.from_modification
    }

    /// Great-circle distance between the buyer and the supplier, in km.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }

    /// Smallest territory the buyer and the supplier share.
    async fn locality_level(&self) -> LocalityLevel {
        self.0.locality_level.into()
    }
}

/// A modification of a contract (DECP `modifications[]`); null fields did not change.
pub struct ContractModification(pub contract_modification::Model);

/// A modification of a contract (DECP `modifications[]`); null fields did not change.
#[Object]
impl ContractModification {
    /// Sequence number of the modification.
    async fn seq(&self) -> i32 {
        self.0.seq
    }

    /// Notification date of the modification.
    async fn notified_on(&self) -> Option<NaiveDate> {
        self.0.notified_on
    }

    /// Publication date of the modification data.
    async fn published_on(&self) -> Option<NaiveDate> {
        self.0.published_on
    }

    /// New duration in months.
    async fn new_duration_months(&self) -> Option<i32> {
        self.0.new_duration_months
    }

    /// New amount in euros excluding VAT.
    async fn new_amount_eur(&self) -> Option<Decimal> {
        self.0.new_amount_cents.map(euros)
    }
}
