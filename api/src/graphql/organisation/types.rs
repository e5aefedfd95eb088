//! The `Organisation` type: a legal unit, with its establishments, identifiers, labels,
//! contracts and partnerships.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::organisation;

use uuid::Uuid;

use super::records::{Establishment, Identifier, Label};
use crate::{
    domain::NON_DIFFUSIBLE,
    graphql::{
        connection::{TerrasseConnection, connection, nested_page, nested_total, page_args},
        contract::{self, Contract},
        enums::{EssFamily, EssFamilyBasis, HeadcountBand, OrganisationStatus},
        errors::OrInternal,
        loaders::Loaders,
        node::global_id,
        partnership::{self, Partnership},
        territory::Territory,
    },
};

/// A legal unit: association, cooperative, mutual, foundation, company, or a public
/// authority (commune, EPCI...) acting as buyer or partner. Units that Sirene marks as
/// non-diffusible (individuals) are redacted: name and acronym withheld.
pub struct Organisation(pub Arc<organisation::Model>);

impl From<organisation::Model> for Organisation {
    fn from(model: organisation::Model) -> Self {
        Self(Arc::new(model))
    }
}

impl Organisation {
    /// The live organisation with id `id` (none when `id` is none), through the request's
    /// loader.
    pub async fn load(ctx: &Context<'_>, id: Option<Uuid>) -> async_graphql::Result<Option<Organisation>> {
        let Some(id) = id else { return Ok(None) };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .organisations
            .by_id
            .load_one(id)
            .await
            .or_internal()?
            .map(Organisation))
    }
}

/// A legal unit: association, cooperative, mutual, foundation, company, or a public
/// authority (commune, EPCI...) acting as buyer or partner. Units that Sirene marks as
/// non-diffusible (individuals) are redacted: name and acronym withheld.
#[Object]
impl Organisation {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Organisation", self.0.id)
    }

    /// SIREN (9 digits).
    async fn siren(&self) -> Option<&str> {
        self.0.siren.as_deref()
    }

    /// RNA number of an association (`W` + 9).
    async fn rna(&self) -> Option<&str> {
        self.0.rna.as_deref()
    }

    /// Name (`[non diffusible]` for a unit Sirene marks as non-diffusible).
    async fn name(&self) -> &str {
        if self.0.diffusible {
            &self.0.name
        } else {
            NON_DIFFUSIBLE
        }
    }

    /// Acronym (withheld for a non-diffusible unit).
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref().filter(|_| self.0.diffusible)
    }

    /// False when Sirene marks the unit non-diffusible; its name is then withheld.
    async fn diffusible(&self) -> bool {
        self.0.diffusible
    }

    /// INSEE legal category (catégorie juridique, 4 digits).
    async fn legal_category_code(&self) -> Option<&str> {
        self.0.legal_category_code.as_deref()
    }

    /// SSE family.
    async fn ess_family(&self) -> EssFamily {
        self.0.ess_family.into()
    }

    /// What the SSE family was decided from.
    async fn ess_family_basis(&self) -> EssFamilyBasis {
        self.0.ess_family_basis.into()
    }

    /// The Sirene ESS flag, when known.
    async fn sirene_ess_flag(&self) -> Option<bool> {
        self.0.sirene_ess_flag
    }

    /// Main activity code (NAF rév. 2), e.g. `88.99B`.
    async fn naf_code(&self) -> Option<&str> {
        self.0.naf_code.as_deref()
    }

    /// Sirene headcount band.
    async fn headcount_band(&self) -> Option<HeadcountBand> {
        self.0.headcount_band.map(Into::into)
    }

    /// Reference year of the headcount band.
    async fn headcount_year(&self) -> Option<i16> {
        self.0.headcount_year
    }

    /// Whether it employs staff.
    async fn employer(&self) -> Option<bool> {
        self.0.employer
    }

    /// Administrative status.
    async fn admin_status(&self) -> OrganisationStatus {
        self.0.admin_status.into()
    }

    /// Creation date.
    async fn created_on(&self) -> Option<NaiveDate> {
        self.0.created_on
    }

    /// Cessation date.
    async fn ceased_on(&self) -> Option<NaiveDate> {
        self.0.ceased_on
    }

    /// False for a minimal record created from a bare identifier, not yet enriched from
    /// the business register.
    async fn resolved(&self) -> bool {
        self.0.resolved
    }

    /// Whether it is a public authority (commune, EPCI, département, région) that can award
    /// contracts.
    async fn is_public_buyer(&self) -> bool {
        self.0.public_authority_territory_id.is_some()
    }

    /// The territory it governs, for a public authority.
    async fn public_authority_territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.public_authority_territory_id).await
    }

    /// Its establishments, head office first, then by SIRET.
    async fn establishments(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Establishment>> {
        let args = page_args(first, after, last, before)?;
        let loaders = ctx.data::<Loaders>()?;
        let page = nested_page(&loaders.organisations.establishment_pages, (self.0.id, args)).await?;
        let totals = nested_total(|loaders| &loaders.organisations.establishment_counts, (self.0.id, ()));
        Ok(connection(page, Establishment, totals))
    }

    /// Its head office (siège), when known.
    async fn headquarters(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Establishment>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders
            .organisations
            .establishments
            .load_one(self.0.id)
            .await
            .or_internal()?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .find(|e| e.is_headquarters)
            .map(Establishment))
    }

    /// Contracts it won as a supplier (co-contractor included), most recently notified first.
    async fn contracts_won(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Contract>> {
        contract::contracts_won(ctx, self.0.id, page_args(first, after, last, before)?).await
    }

    /// Contracts it awarded as a public buyer, most recently notified first.
    async fn contracts_awarded(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Contract>> {
        contract::contracts_awarded(ctx, self.0.id, page_args(first, after, last, before)?).await
    }

    /// Partnerships it is a party to (in any role), by name.
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Partnership>> {
        partnership::partnerships_of(ctx, self.0.id, page_args(first, after, last, before)?).await
    }

    /// Its identifiers in other schemes (VAT, foreign registers, partner ids).
    async fn identifiers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Identifier>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders
            .organisations
            .identifiers
            .load_one(self.0.id)
            .await
            .or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(Identifier).collect())
    }

    /// Its labels and agreements, by kind.
    async fn labels(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Label>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders.organisations.labels.load_one(self.0.id).await.or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(Label).collect())
    }

    /// Source system of the record (`SIRENE`, `DECP`, `DEMO`, `PARTNER:<slug>`...).
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
