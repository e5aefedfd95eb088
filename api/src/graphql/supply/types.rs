//! The `SupplyLink` and `FoodProject` types and the vocabularies they show.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{enums::SupplyChannel as StoredChannel, food_project, supply_link};
use rust_decimal::Decimal;

use crate::graphql::{
    contract::types::{Contract, LocalityLevel, euros},
    enums::mirror_enum,
    errors::OrInternal,
    loaders::Loaders,
    node::global_id,
    organisation::{Establishment, Organisation},
    territory::Territory,
};

mirror_enum! {
    /// Family of food products, as in the canteens' purchase declarations.
    ProductFamily mirrors ProductFamily {
        /// Meat and poultry.
        MeatPoultry,
        /// Charcuterie.
        Charcuterie,
        /// Fish and seafood.
        Seafood,
        /// Fruit and vegetables.
        FruitVegetables,
        /// Dairy products.
        Dairy,
        /// Bread and bakery.
        Bakery,
        /// Drinks.
        Beverages,
        /// Groceries and other products.
        Other,
    }
}

mirror_enum! {
    /// How many intermediaries stand between the producer and the buyer. A short circuit
    /// ("circuit court") has at most one; distance is a separate matter (`localityLevel`).
    SupplyChannel mirrors SupplyChannel {
        /// Direct sale: no intermediary.
        Direct,
        /// One intermediary.
        OneIntermediary,
        /// Two intermediaries or more.
        Long,
        /// Not known.
        Unknown,
    }
}

mirror_enum! {
    /// What a supply link rests on.
    SupplyEvidence mirrors SupplyEvidence {
        /// A published public contract (DECP) with a food CPV code.
        DecpContract,
        /// A canteen's declared purchase.
        CanteenPurchase,
        /// A central kitchen supplying a satellite canteen.
        CentralKitchen,
        /// Declared by a partner.
        Partner,
    }
}

/// A supply link of a food chain: a supplier supplies a buyer establishment (a canteen, a
/// central kitchen, a public buyer) with a family of products over a period.
pub struct SupplyLink(pub supply_link::Model);

/// A supply link of a food chain: a supplier supplies a buyer establishment (a canteen, a
/// central kitchen, a public buyer) with a family of products over a period.
#[Object]
impl SupplyLink {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("SupplyLink", self.0.id)
    }

    /// The buyer establishment (null if it has been deleted).
    async fn buyer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Establishment>> {
        Establishment::load(ctx, Some(self.0.buyer_establishment_id)).await
    }

    /// The buyer's organisation (null if it has been deleted).
    async fn buyer_organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, Some(self.0.buyer_organisation_id)).await
    }

    /// SIRET of the buyer establishment.
    async fn buyer_siret(&self) -> &str {
        &self.0.buyer_siret
    }

    /// The supplier establishment, when known by its SIRET.
    async fn supplier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Establishment>> {
        Establishment::load(ctx, self.0.supplier_establishment_id).await
    }

    /// The supplier's organisation, when known.
    async fn supplier_organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, self.0.supplier_organisation_id).await
    }

    /// SIRET of the supplier establishment, when known.
    async fn supplier_siret(&self) -> Option<&str> {
        self.0.supplier_siret.as_deref()
    }

    /// The supplier's name as declared.
    async fn supplier_name(&self) -> Option<&str> {
        self.0.supplier_name.as_deref()
    }

    /// Family of products supplied.
    async fn product_family(&self) -> ProductFamily {
        self.0.product_family.into()
    }

    /// Intermediaries between producer and buyer.
    async fn channel(&self) -> SupplyChannel {
        self.0.channel.into()
    }

    /// A short circuit: at most one intermediary (`DIRECT` or `ONE_INTERMEDIARY`).
    async fn short_chain(&self) -> bool {
        matches!(self.0.channel, StoredChannel::Direct | StoredChannel::OneIntermediary)
    }

    /// What the link rests on.
    async fn evidence(&self) -> SupplyEvidence {
        self.0.evidence.into()
    }

    /// The public contract behind the link, when there is one.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        let Some(id) = self.0.contract_id else { return Ok(None) };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .contracts
            .by_id
            .load_one(id)
            .await
            .or_internal()?
            .map(Into::into))
    }

    /// National key of that contract.
    async fn contract_uid(&self) -> Option<&str> {
        self.0.contract_uid.as_deref()
    }

    /// First day of the period.
    async fn period_start(&self) -> NaiveDate {
        self.0.period_start
    }

    /// Last day of the period (open when null).
    async fn period_end(&self) -> Option<NaiveDate> {
        self.0.period_end
    }

    /// Amount excluding VAT in euros over the period.
    async fn amount_eur(&self) -> Option<Decimal> {
        self.0.amount_cents.map(euros)
    }

    /// Distance between supplier and buyer in kilometres, when both are placed.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }

    /// How close the supplier is to the buyer (`UNKNOWN` without a known supplier
    /// establishment).
    async fn locality_level(&self) -> LocalityLevel {
        self.0.locality_level.into()
    }

    /// Free description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Source system of the record (`DEMO`, `PARTNER:<slug>`…).
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

/// A territorial food project (Projet Alimentaire Territorial, PAT): communes working together
/// on their food system, a scope next to the administrative territories.
pub struct FoodProject(pub food_project::Model);

/// A territorial food project (Projet Alimentaire Territorial, PAT): communes working together
/// on their food system, a scope next to the administrative territories.
#[Object]
impl FoodProject {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("FoodProject", self.0.id)
    }

    /// Id in the national PAT list.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Administrative name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Name in common use.
    async fn usual_name(&self) -> Option<&str> {
        self.0.usual_name.as_deref()
    }

    /// The project's page on the national list.
    async fn sheet_url(&self) -> Option<&str> {
        self.0.sheet_url.as_deref()
    }

    /// Régions, as the list gives them.
    async fn regions(&self) -> Option<&str> {
        self.0.regions.as_deref()
    }

    /// Départements, as the list gives them.
    async fn departements(&self) -> Option<&str> {
        self.0.departements.as_deref()
    }

    /// EPCI, as the list gives them.
    async fn epcis(&self) -> Option<&str> {
        self.0.epcis.as_deref()
    }

    /// The communes the project covers, by code.
    async fn communes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Territory>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders
            .supply
            .food_project_communes
            .load_one(self.0.id)
            .await
            .or_internal()?;
        let ids: Vec<String> = rows.unwrap_or_default().into_iter().map(|row| row.commune_id).collect();
        let found = loaders
            .territories
            .by_id
            .load_many(ids.iter().cloned())
            .await
            .or_internal()?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Territory))
            .collect())
    }

    /// Number of communes the project covers.
    async fn commune_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders
            .supply
            .food_project_communes
            .load_one(self.0.id)
            .await
            .or_internal()?;
        Ok(i32::try_from(rows.map_or(0, |rows| rows.len())).unwrap_or(i32::MAX))
    }

    /// Where the record comes from (`PAT` for the national list, `DEMO`).
    async fn source(&self) -> &str {
        &self.0.source
    }

    /// Last change in Terrasse.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
