//! The `Contract` type and the vocabularies it shows.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::contract;
use rust_decimal::Decimal;

use super::{ContractModification, ContractSupplier};
use crate::{
    domain::Cents,
    graphql::{
        enums::mirror_enum,
        errors::OrInternal,
        loaders::Loaders,
        node::global_id,
        organisation::{Establishment, Organisation},
        territory::Territory,
    },
};

mirror_enum! {
    /// Kind of public contract (DECP).
    ContractKind mirrors ContractKind {
        /// Marché public.
        PublicContract,
        /// Contrat de concession.
        Concession,
    }
}

mirror_enum! {
    /// Works, supplies or services, derived from the CPV division (45 is works).
    PurchaseType mirrors PurchaseType {
        /// Travaux.
        Works,
        /// Fournitures.
        Supplies,
        /// Services.
        Services,
    }
}

mirror_enum! {
    /// Kind of the code giving a contract's place of execution (DECP `lieuExecution.typeCode`).
    ExecPlaceType mirrors ExecPlaceType {
        /// Code postal.
        PostalCode,
        /// Code commune (INSEE).
        CommuneCode,
        /// Code arrondissement.
        ArrondissementCode,
        /// Code canton.
        CantonCode,
        /// Code département.
        DepartementCode,
        /// Code région.
        RegionCode,
        /// Code pays.
        CountryCode,
    }
}

mirror_enum! {
    /// Smallest territory a buyer and a supplier share, computed when the contract was
    /// written. Levels are exclusive: a supplier in the buyer's commune is SAME_COMMUNE, not
    /// SAME_EPCI.
    LocalityLevel mirrors LocalityLevel {
        /// Same commune.
        SameCommune,
        /// Same EPCI, different communes.
        SameEpci,
        /// Same département, different EPCI.
        SameDepartement,
        /// Same région, different départements.
        SameRegion,
        /// Both in France, different régions.
        National,
        /// Supplier outside France.
        Foreign,
        /// Not enough location data.
        Unknown,
    }
}

/// Euros from stored cents.
pub(crate) fn euros(cents: i64) -> Decimal {
    Cents::new(cents).euros()
}

/// The strings of a JSON array (the published DECP lists); anything else gives none.
fn strings(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .map(|values| values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// A public contract (marché) or concession, as published in the DECP 2.0 format, with the
/// buyer and suppliers resolved to organisations where possible. Amounts are in euros,
/// excluding VAT.
pub struct Contract(pub Box<contract::Model>);

impl From<contract::Model> for Contract {
    fn from(model: contract::Model) -> Self {
        Self(Box::new(model))
    }
}

/// A public contract (marché) or concession, as published in the DECP 2.0 format, with the
/// buyer and suppliers resolved to organisations where possible. Amounts are in euros,
/// excluding VAT.
#[Object]
impl Contract {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Contract", self.0.id)
    }

    /// National key: the buyer's SIRET followed by the buyer's own id.
    async fn uid(&self) -> &str {
        &self.0.uid
    }

    /// The buyer's own id (DECP `id`, 1 to 16 characters, unique per buyer only).
    async fn buyer_internal_id(&self) -> &str {
        &self.0.buyer_internal_id
    }

    /// Public contract or concession.
    async fn kind(&self) -> ContractKind {
        self.0.kind.into()
    }

    /// DECP `nature` as published (`Marché`, `Marché de partenariat`, `Délégation de
    /// service public`…).
    async fn nature(&self) -> Option<&str> {
        self.0.nature.as_deref()
    }

    /// Object of the contract.
    async fn object(&self) -> Option<&str> {
        self.0.object.as_deref()
    }

    /// CPV code, 8 digits without the check digit.
    async fn cpv_code(&self) -> Option<&str> {
        self.0.cpv_code.as_deref()
    }

    /// CPV division (first 2 digits of the CPV code).
    async fn cpv_division(&self) -> Option<&str> {
        self.0.cpv_division.as_deref()
    }

    /// Works, supplies or services, from the CPV division.
    async fn purchase_type(&self) -> Option<PurchaseType> {
        self.0.purchase_type.map(Into::into)
    }

    /// Procedure as published (`Procédure adaptée`, `Appel d'offres ouvert`…).
    async fn procedure(&self) -> Option<&str> {
        self.0.procedure.as_deref()
    }

    /// Techniques as published (`Accord-cadre`, `Concours`…).
    async fn techniques(&self) -> Vec<String> {
        strings(&self.0.techniques)
    }

    /// Execution modes as published (`Tranches`, `Bons de commande`…).
    async fn execution_modes(&self) -> Vec<String> {
        strings(&self.0.execution_modes)
    }

    /// Uid of the framework agreement this contract is subsequent to.
    async fn framework_uid(&self) -> Option<&str> {
        self.0.framework_uid.as_deref()
    }

    /// Whether the contract is innovative.
    async fn innovative(&self) -> Option<bool> {
        self.0.innovative
    }

    /// CCAG of reference (general administrative terms).
    async fn ccag(&self) -> Option<&str> {
        self.0.ccag.as_deref()
    }

    /// Number of offers received.
    async fn offers_received(&self) -> Option<i32> {
        self.0.offers_received
    }

    /// Whether an advance was granted.
    async fn advance(&self) -> Option<bool> {
        self.0.advance
    }

    /// Advance rate, from 0 to 1.
    async fn advance_rate(&self) -> Option<f64> {
        self.0.advance_rate
    }

    /// Grouping of operators as published (`Conjoint`, `Solidaire`, `Pas de groupement`).
    async fn grouping_type(&self) -> Option<&str> {
        self.0.grouping_type.as_deref()
    }

    /// Whether subcontracting was declared.
    async fn subcontracting_declared(&self) -> Option<bool> {
        self.0.subcontracting_declared
    }

    /// Code of the place of execution as published.
    async fn exec_place_code(&self) -> Option<&str> {
        self.0.exec_place_code.as_deref()
    }

    /// Kind of that code.
    async fn exec_place_type(&self) -> Option<ExecPlaceType> {
        self.0.exec_place_type.map(Into::into)
    }

    /// The territory the place of execution resolves to.
    async fn execution_territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.exec_territory_id).await
    }

    /// Initial duration, in months.
    async fn duration_months(&self) -> Option<i32> {
        self.0.duration_months
    }

    /// Notification date (signature date for a concession).
    async fn notified_on(&self) -> Option<NaiveDate> {
        self.0.notified_on
    }

    /// Publication date of the data.
    async fn published_on(&self) -> Option<NaiveDate> {
        self.0.published_on
    }

    /// Initial amount in euros excluding VAT (the forfait or estimated maximum; a
    /// concession's global value).
    async fn amount_eur(&self) -> Option<Decimal> {
        self.0.amount_cents.map(euros)
    }

    /// Amount in euros excluding VAT after the latest modification.
    async fn current_amount_eur(&self) -> Option<Decimal> {
        self.0.current_amount_cents.map(euros)
    }

    /// Duration in months after the latest modification.
    async fn current_duration_months(&self) -> Option<i32> {
        self.0.current_duration_months
    }

    /// Price form as published (`Unitaire`, `Forfaitaire`, `Mixte`).
    async fn price_form(&self) -> Option<&str> {
        self.0.price_form.as_deref()
    }

    /// Price types as published (`Définitif ferme`, `Provisoire`…).
    async fn price_types(&self) -> Vec<String> {
        strings(&self.0.price_types)
    }

    /// Share of the purchase originating in the European Union, from 0 to 1.
    async fn origin_eu(&self) -> Option<f64> {
        self.0.origin_eu
    }

    /// Share of the purchase originating in France, from 0 to 1.
    async fn origin_fr(&self) -> Option<f64> {
        self.0.origin_fr
    }

    /// Social considerations as published (`Clause sociale`, `Critère social`, `Marché
    /// réservé`, `Pas de considération sociale`).
    async fn social_considerations(&self) -> Vec<String> {
        strings(&self.0.social_considerations)
    }

    /// Environmental considerations as published (`Clause environnementale`, `Critère
    /// environnemental`, `Pas de considération environnementale`).
    async fn environmental_considerations(&self) -> Vec<String> {
        strings(&self.0.environmental_considerations)
    }

    /// Has a social clause (execution condition).
    async fn social_clause(&self) -> bool {
        self.0.social_clause
    }

    /// Has a social award criterion.
    async fn social_criterion(&self) -> bool {
        self.0.social_criterion
    }

    /// Is reserved (to SIAE, EA/ESAT or SSE enterprises).
    async fn reserved(&self) -> bool {
        self.0.reserved
    }

    /// Has an environmental clause (execution condition).
    async fn env_clause(&self) -> bool {
        self.0.env_clause
    }

    /// Has an environmental award criterion.
    async fn env_criterion(&self) -> bool {
        self.0.env_criterion
    }

    /// The buyer's SIRET as published.
    async fn buyer_siret(&self) -> &str {
        &self.0.buyer_siret
    }

    /// The buyer organisation, when the SIRET resolved to one.
    async fn buyer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, self.0.buyer_organisation_id).await
    }

    /// The buyer's establishment, when the SIRET resolved to one.
    async fn buyer_establishment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Establishment>> {
        Establishment::load(ctx, self.0.buyer_establishment_id).await
    }

    /// Suppliers (titulaires, concessionnaires): the initial ones in published order, then
    /// those brought by each modification.
    async fn suppliers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContractSupplier>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders.contracts.suppliers.load_one(self.0.id).await.or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(ContractSupplier).collect())
    }

    /// Modifications, by sequence number.
    async fn modifications(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContractModification>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders
            .contracts
            .modifications
            .load_one(self.0.id)
            .await
            .or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(ContractModification).collect())
    }

    /// Source system of the record (`DECP`, `DEMO`, `PARTNER:<slug>`…).
    async fn source(&self) -> &str {
        &self.0.source
    }

    /// Id of the record in its source.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Row version, bumped on every write.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Last update in Terrasse.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
