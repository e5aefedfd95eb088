//! The `OrganicOperator` type (an operator certified in organic farming by the Agence Bio),
//! the `organicOperators` root field and `organicOperatorIndicators` (operators by sales
//! channel in a scope).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::organic_operator;
use sea_orm::DatabaseConnection;

use crate::{
    domain::ValidationError,
    graphql::{
        analytics::food::FoodScopeInput,
        connection::{SortDirection, TerrasseConnection, list_connection, page_args},
        errors::{OrInternal, bad_input},
        inputs::{TerritoryRef, territory_ids},
        node::{global_id, row_ids},
        organisation::Organisation,
        territory::Territory,
    },
    store::organic::{self as store, CHANNELS, OrganicFilter},
};

/// How an organic operator sells, as the Agence Bio lists it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganicChannel {
    /// Sale to consumers (direct sale).
    DirectSale,
    /// Craftsmen and shopkeepers.
    ArtisanShop,
    /// Specialised (organic) shops.
    SpecialisedShop,
    /// General supermarkets (GMS).
    Supermarket,
    /// Wholesalers.
    Wholesaler,
    /// Restaurants.
    Restaurant,
}

/// The channels, in the order of [`CHANNELS`].
const ORDER: [OrganicChannel; 6] = [
    OrganicChannel::DirectSale,
    OrganicChannel::ArtisanShop,
    OrganicChannel::SpecialisedShop,
    OrganicChannel::Supermarket,
    OrganicChannel::Wholesaler,
    OrganicChannel::Restaurant,
];

fn stored(channel: OrganicChannel) -> &'static str {
    ORDER
        .iter()
        .zip(CHANNELS)
        .find(|(c, _)| **c == channel)
        .map_or("", |(_, s)| s)
}

/// An operator certified (or once certified) in organic farming by the Agence Bio.
pub struct OrganicOperator(pub organic_operator::Model);

/// An operator certified (or once certified) in organic farming by the Agence Bio.
#[Object]
impl OrganicOperator {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("OrganicOperator", self.0.id)
    }

    /// Its number at the Agence Bio.
    async fn numero_bio(&self) -> &str {
        &self.0.numero_bio
    }

    /// SIRET, when the listing gives a valid one.
    async fn siret(&self) -> Option<&str> {
        self.0.siret.as_deref()
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Its organisation (which holds its `BIO` label), when known.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, self.0.organisation_id).await
    }

    /// Commune of its head office (else of its first active address).
    async fn commune(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.commune_id).await
    }

    /// Latitude (WGS84) of that address.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }

    /// Longitude (WGS84) of that address.
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }

    /// How it sells.
    async fn channels(&self) -> Vec<OrganicChannel> {
        self.0
            .categories
            .split(',')
            .filter_map(|c| CHANNELS.iter().position(|s| *s == c).map(|i| ORDER[i]))
            .collect()
    }

    /// Certification state (`ENGAGEE` while certified; `ARRETEE`, `SUSPENDUE`…).
    async fn certification(&self) -> Option<&str> {
        self.0.certification.as_deref()
    }

    /// When it entered certification.
    async fn engaged_on(&self) -> Option<NaiveDate> {
        self.0.engaged_on
    }

    /// Productions, as listed.
    async fn productions(&self) -> Option<&str> {
        self.0.productions.as_deref()
    }
}

/// Filters on organic operators. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct OrganicOperatorFilterInput {
    /// Operator global ids.
    pub ids: Option<Vec<ID>>,
    /// Located in a commune within one of these territories, at any level.
    pub territories: Option<Vec<TerritoryRef>>,
    /// Located in a commune of one of these food projects (global ids).
    pub food_projects: Option<Vec<ID>>,
    /// Selling through one of these channels.
    pub channels: Option<Vec<OrganicChannel>>,
}

impl OrganicOperatorFilterInput {
    fn validate(&self) -> Result<OrganicFilter, ValidationError> {
        Ok(OrganicFilter {
            ids: row_ids("OrganicOperator", "filter.ids", self.ids.as_deref().unwrap_or_default())?,
            territory_ids: territory_ids(self.territories.as_deref(), "filter.territories.code")?,
            food_project_ids: row_ids(
                "FoodProject",
                "filter.foodProjects",
                self.food_projects.as_deref().unwrap_or_default(),
            )?,
            channels: self.channels.iter().flatten().map(|c| stored(*c).to_owned()).collect(),
        })
    }
}

/// Organic operators selling through one channel.
#[derive(SimpleObject, Debug, Clone)]
pub struct OrganicChannelCount {
    /// The channel.
    pub channel: OrganicChannel,
    /// Operators selling through it (an operator may sell through several).
    pub operators: i64,
}

/// Organic operators of a scope by sales channel.
#[derive(SimpleObject, Debug, Clone)]
pub struct OrganicOperatorIndicators {
    /// What is counted.
    pub counted: String,
    /// Operators engaged in certification located in the scope.
    pub operators: i64,
    /// By channel, every channel listed (zero when none).
    pub channels: Vec<OrganicChannelCount>,
}

/// Organic operators.
#[derive(Default)]
pub struct OrganicQuery;

/// Organic operators.
#[Object]
impl OrganicQuery {
    /// Organic operators matching `filter`, by number, paged with `first`/`after` or
    /// `last`/`before` (50 by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn organic_operators(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<OrganicOperatorFilterInput>,
        #[graphql(desc = "Direction of the number order.")] direction: Option<SortDirection>,
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
    ) -> async_graphql::Result<TerrasseConnection<OrganicOperator>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let sort = store::sort_key(direction.unwrap_or_default().descending());
        list_connection(db, filter, &sort, &args, OrganicOperator).await
    }

    /// Organic operators engaged in certification located in a territory or a food project,
    /// by sales channel. The Agence Bio's directory is public: nothing is withheld.
    async fn organic_operator_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where: a territory or a food project.")] scope: FoodScopeInput,
    ) -> async_graphql::Result<OrganicOperatorIndicators> {
        let scope = bad_input(scope.validate())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let (operators, per) = store::by_channel(db, &scope).await.or_internal()?;
        Ok(OrganicOperatorIndicators {
            counted: "Operators of the Agence Bio directory engaged in organic certification \
                      (ENGAGEE) whose head office (else first active address) is in the scope."
                .into(),
            operators,
            channels: ORDER
                .iter()
                .zip(per)
                .map(|(channel, operators)| OrganicChannelCount {
                    channel: *channel,
                    operators,
                })
                .collect(),
        })
    }
}
