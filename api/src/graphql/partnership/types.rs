//! The `Partnership` and `PartnershipParty` types and the vocabularies they show.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{partnership, partnership_party};
use rust_decimal::Decimal;

use crate::graphql::{
    contract::types::euros, enums::mirror_enum, errors::OrInternal, loaders::Loaders, node::global_id,
    organisation::Organisation, territory::Territory,
};

mirror_enum! {
    /// Type of a partnership between organisations.
    PartnershipType mirrors PartnershipType {
        /// Pôle territorial de coopération économique (PTCE).
        Ptce,
        /// Convention de partenariat.
        PartnershipAgreement,
        /// Convention pluriannuelle d'objectifs (multi-year funding agreement).
        MultiYearFunding,
        /// Groupement de commandes (purchasing group).
        PurchasingGroup,
        /// Co-traitance.
        CoContracting,
        /// Sous-traitance.
        Subcontracting,
        /// Sociétariat de SCIC (membership of a SCIC).
        ScicMembership,
        /// Mutualisation de moyens (resource pooling).
        ResourcePooling,
        /// Membership of a network.
        NetworkMembership,
    }
}

mirror_enum! {
    /// Lifecycle status of a partnership.
    PartnershipStatus mirrors PartnershipStatus {
        /// Not started yet.
        Planned,
        /// Running.
        Active,
        /// Finished.
        Ended,
    }
}

mirror_enum! {
    /// Role of an organisation in a partnership.
    PartyRole mirrors PartyRole {
        /// Leads the partnership.
        Lead,
        /// Member.
        Member,
        /// Funds it.
        Funder,
        /// Public partner (local authority, State service).
        PublicPartner,
        /// Associated without being a member.
        Associate,
    }
}

/// A partnership between organisations: a PTCE, an agreement, a funding convention, a
/// purchasing group… scoped to a territory.
pub struct Partnership(pub partnership::Model);

/// A partnership between organisations: a PTCE, an agreement, a funding convention, a
/// purchasing group… scoped to a territory.
#[Object]
impl Partnership {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Partnership", self.0.id)
    }

    /// Type of partnership.
    #[graphql(name = "type")]
    async fn partnership_type(&self) -> PartnershipType {
        self.0.partnership_type.into()
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Free description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Start date.
    async fn start_date(&self) -> Option<NaiveDate> {
        self.0.start_date
    }

    /// End date (open-ended when null).
    async fn end_date(&self) -> Option<NaiveDate> {
        self.0.end_date
    }

    /// The territory the partnership covers.
    async fn territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.territory_id).await
    }

    /// Amount in euros (funding, pooled budget), when relevant.
    async fn amount_eur(&self) -> Option<Decimal> {
        self.0.amount_cents.map(euros)
    }

    /// Lifecycle status.
    async fn status(&self) -> PartnershipStatus {
        self.0.status.into()
    }

    /// Parties: the organisations and their roles, leads first (lead, member, funder,
    /// public partner, associate), then by joining date. An organisation with two roles
    /// appears twice.
    async fn parties(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PartnershipParty>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders.partnerships.parties.load_one(self.0.id).await.or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(PartnershipParty).collect())
    }

    /// Source system of the record (`MANUAL`, `DEMO`, `PARTNER:<slug>`…).
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

/// An organisation taking part in a partnership, in one role.
pub struct PartnershipParty(pub partnership_party::Model);

/// An organisation taking part in a partnership, in one role.
#[Object]
impl PartnershipParty {
    /// Its role.
    async fn role(&self) -> PartyRole {
        self.0.role.into()
    }

    /// When it joined.
    async fn joined_on(&self) -> Option<NaiveDate> {
        self.0.joined_on
    }

    /// When it left (still a party when null).
    async fn left_on(&self) -> Option<NaiveDate> {
        self.0.left_on
    }

    /// The organisation (null if it has been deleted).
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, Some(self.0.organisation_id)).await
    }
}
