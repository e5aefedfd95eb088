//! The `Partnership` and `PartnershipParty` types, the `partnerships` and `partnership`
//! queries, their filter and order inputs, the loaders of partnerships and of their parties,
//! and the nested list of an organisation's partnerships that the `Organisation` type
//! exposes through [`partnerships_of`].

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context, Enum, ID, InputObject, Object,
    dataloader::{DataLoader, Loader},
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{partnership, partnership_party};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    connection::{
        ConnectionTotals, SortDirection, TerrasseConnection, connection, nested_page, nested_total, page_args,
    },
    contract::{euros, mirror_enum, row_ids},
    errors::{OrInternal, bad_input},
    fetch_queue::FetchQueue,
    filters::TerritoryRef,
    loaders::Cache,
    loaders::{Loaders, build, group_by_args},
    node::global_id,
    organisation::Organisation,
    territory::Territory,
};
use crate::{
    domain::ValidationError,
    store::{
        self, StoreError,
        page::{Page, PageArgs, SortKey},
        partnerships::{PartnershipFilter, PartnershipSort},
    },
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
        let Some(id) = &self.0.territory_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .territories
            .load_one(id.clone())
            .await
            .or_internal()?
            .map(Territory))
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
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await
            .or_internal()?
            .map(Organisation))
    }
}

/// Filters on partnerships. Fields combine with AND; values within a list with OR.
/// Organisations are given by their global ids (as returned by `organisation(siren:)`).
#[derive(InputObject, Debug, Clone, Default)]
pub struct PartnershipFilterInput {
    /// Partnership global ids.
    pub ids: Option<Vec<ID>>,
    /// Types.
    pub types: Option<Vec<PartnershipType>>,
    /// One of these organisations (global ids) is a party, in any role.
    pub parties: Option<Vec<ID>>,
    /// Covers a territory within one of these territories, at any level: a PTCE scoped to
    /// an EPCI matches that EPCI, its département and its région, not its communes.
    pub territories: Option<Vec<TerritoryRef>>,
    /// Running on this date: started on or before it (or start unknown), and ended on or
    /// after it (or end unknown).
    pub active_on: Option<NaiveDate>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl PartnershipFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<PartnershipFilter, ValidationError> {
        let mut filter = PartnershipFilter {
            ids: row_ids("Partnership", "filter.ids", self.ids.as_deref().unwrap_or_default())?,
            types: self.types.iter().flatten().map(|t| (*t).into()).collect(),
            party_organisation_ids: row_ids(
                "Organisation",
                "filter.parties",
                self.parties.as_deref().unwrap_or_default(),
            )?,
            active_on: self.active_on,
            updated_since: self.updated_since,
            ..PartnershipFilter::default()
        };
        for territory in self.territories.iter().flatten() {
            filter.territory_ids.push(
                territory
                    .territory_id()
                    .map_err(|e| e.with_field("filter.territories.code"))?,
            );
        }
        Ok(filter)
    }
}

/// Fields partnerships can be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnershipSortField {
    /// Name, compared byte-wise (case and accents matter: `Z` sorts before `a`, `É` after
    /// `z`).
    #[default]
    Name,
    /// Start date (unknown dates sort as the earliest).
    StartDate,
}

/// Order of a partnership list; ties are broken by id, so paging is stable. By name by
/// default.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct PartnershipOrder {
    /// Field.
    #[graphql(default)]
    pub field: PartnershipSortField,
    /// Direction.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl PartnershipOrder {
    /// The store sort.
    pub fn sort(&self) -> PartnershipSort {
        match self.field {
            PartnershipSortField::Name => PartnershipSort::Name,
            PartnershipSortField::StartDate => PartnershipSort::StartDate,
        }
    }
}

/// Partnerships between organisations.
#[derive(Default)]
pub struct PartnershipQuery;

/// Partnerships between organisations.
#[Object]
impl PartnershipQuery {
    /// Partnerships matching `filter`, in `orderBy` order (name by default), paged with
    /// `first`/`after` or `last`/`before` (50 by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<PartnershipFilterInput>,
        #[graphql(desc = "Order of the list; ties are broken by id, so paging is stable.")] order_by: Option<
            PartnershipOrder,
        >,
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
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let order = order_by.unwrap_or_default();
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let sort = store::partnerships::sort_key(order.sort(), order.direction.descending(), db.get_database_backend());
        let page = store::partnerships::page(&db, &filter, &sort, &args)
            .await
            .or_internal()?;
        let totals = ConnectionTotals::new(move |_| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { store::partnerships::count(&db, &filter).await.map_err(Arc::new) })
        });
        Ok(connection(page, Partnership, totals))
    }

    /// One partnership by its global id; null when no live partnership has it.
    async fn partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the partnership.")] id: ID,
    ) -> async_graphql::Result<Option<Partnership>> {
        let ids = bad_input(row_ids("Partnership", "id", std::slice::from_ref(&id)))?;
        let Some(id) = ids.first().copied() else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .partnerships
            .by_id
            .load_one(id)
            .await
            .or_internal()?
            .map(Partnership))
    }
}

/// Partnerships an organisation is a party to (in any role, once each), by name. For the
/// `Organisation` type.
pub async fn partnerships_of(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Partnership>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.partnerships.pages_of_organisation, (organisation_id, args)).await?;
    let totals = nested_total(|loaders| &loaders.partnerships.counts_of_organisation, organisation_id);
    Ok(connection(page, Partnership, totals))
}

/// The loaders of partnerships and their parties, one set per request.
pub struct PartnershipLoaders {
    /// Live partnerships by id.
    pub by_id: Arc<DataLoader<PartnershipById, Cache>>,
    /// Parties of a partnership.
    pub parties: Arc<DataLoader<PartiesOfPartnership, Cache>>,
    /// A page of the partnerships of an organisation.
    pub pages_of_organisation: Arc<DataLoader<PartnershipPagesOfOrganisation, Cache>>,
    /// Number of partnerships of an organisation.
    pub counts_of_organisation: Arc<DataLoader<PartnershipCountsOfOrganisation, Cache>>,
}

impl PartnershipLoaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: DatabaseConnection, queue: &FetchQueue) -> Self {
        Self {
            by_id: build(PartnershipById(db.clone()), queue),
            parties: build(PartiesOfPartnership(db.clone()), queue),
            pages_of_organisation: build(PartnershipPagesOfOrganisation(db.clone()), queue),
            counts_of_organisation: build(PartnershipCountsOfOrganisation(db), queue),
        }
    }
}

/// Loads live partnerships by id.
pub struct PartnershipById(DatabaseConnection);

impl Loader<Uuid> for PartnershipById {
    type Value = partnership::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::partnerships::by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// Loads the parties of partnerships.
pub struct PartiesOfPartnership(DatabaseConnection);

impl Loader<Uuid> for PartiesOfPartnership {
    type Value = Vec<partnership_party::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = store::partnerships::parties_of(&self.0, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, found.remove(id).unwrap_or_default()))
            .collect())
    }
}

/// The order of nested partnership lists: by name.
fn nested_sort(db: &DatabaseConnection) -> SortKey {
    store::partnerships::sort_key(PartnershipSort::Name, false, db.get_database_backend())
}

/// Loads a page of the partnerships of an organisation per (organisation, page arguments),
/// by name.
pub struct PartnershipPagesOfOrganisation(DatabaseConnection);

impl Loader<(Uuid, PageArgs)> for PartnershipPagesOfOrganisation {
    type Value = Page<partnership::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[(Uuid, PageArgs)]) -> Result<HashMap<(Uuid, PageArgs), Self::Value>, Self::Error> {
        let sort = nested_sort(&self.0);
        let mut found = HashMap::new();
        for (args, parents) in group_by_args(keys) {
            let mut pages = store::partnerships::pages_of_organisations(
                &self.0,
                &parents,
                &PartnershipFilter::default(),
                &sort,
                &args,
            )
            .await?;
            for parent in parents {
                let page = pages.remove(&parent.to_string()).unwrap_or_default();
                found.insert((parent, args.clone()), page);
            }
        }
        Ok(found)
    }
}

/// Counts the partnerships of organisations.
pub struct PartnershipCountsOfOrganisation(DatabaseConnection);

impl Loader<Uuid> for PartnershipCountsOfOrganisation {
    type Value = u64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let counts = store::partnerships::counts_of_organisations(&self.0, keys, &PartnershipFilter::default()).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, counts.get(id).copied().unwrap_or_default()))
            .collect())
    }
}
