//! The `Canteen` type (a canteen of the national register with its yearly declarations), the
//! `canteens` and `canteen` root fields and their filter.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::{canteen, canteen_declaration};
use sea_orm::DatabaseConnection;

use crate::{
    domain::{Siret, ValidationError},
    graphql::{
        connection::{SortDirection, TerrasseConnection, list_connection, page_args},
        errors::{OrInternal, bad_input},
        inputs::{TerritoryRef, search_words, territory_ids},
        loaders::Loaders,
        node::{global_id, row_ids},
        territory::Territory,
    },
    store::canteens::{self as store, CanteenFilter},
};

/// How a canteen is run.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanteenManagement {
    /// By its own staff.
    Direct,
    /// By a caterer under a concession.
    Conceded,
}

/// Where a canteen's meals are made.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanteenProduction {
    /// A central kitchen delivering to other canteens, serving none itself.
    Central,
    /// A central kitchen that also serves meals.
    CentralServing,
    /// Cooks and serves on site.
    Site,
    /// Serves meals cooked elsewhere (by a central kitchen).
    SiteCookedElsewhere,
}

/// The stored values of the management types.
const MANAGEMENT: [(CanteenManagement, &str); 2] = [
    (CanteenManagement::Direct, "direct"),
    (CanteenManagement::Conceded, "conceded"),
];

/// The stored values of the production types.
const PRODUCTION: [(CanteenProduction, &str); 4] = [
    (CanteenProduction::Central, "central"),
    (CanteenProduction::CentralServing, "central_serving"),
    (CanteenProduction::Site, "site"),
    (CanteenProduction::SiteCookedElsewhere, "site_cooked_elsewhere"),
];

/// The GraphQL value of a stored one.
fn read<T: Copy>(table: &[(T, &str)], stored: Option<&str>) -> Option<T> {
    table
        .iter()
        .find(|(_, text)| Some(*text) == stored)
        .map(|(value, _)| *value)
}

/// The stored value of a GraphQL one.
fn stored<T: Copy + PartialEq>(table: &[(T, &str)], value: T) -> String {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, text)| (*text).to_owned())
        .unwrap_or_default()
}

/// A canteen's declaration of one year's purchases.
#[derive(SimpleObject, Debug, Clone)]
pub struct CanteenDeclaration {
    /// The year of the purchases.
    pub year: i32,
    /// Share of organic products in the purchases, 0 to 1.
    pub organic_share: Option<f64>,
    /// Share of the other EGalim-quality products (organic excluded), 0 to 1.
    pub egalim_share: Option<f64>,
    /// Who declared (`SITE`, `CENTRAL_APPRO`, `CENTRAL_ALL`, `SATELLITE_WITHOUT_APPRO`).
    pub mode: Option<String>,
    /// `SIMPLE` or `COMPLETE`.
    pub declaration_type: Option<String>,
}

impl From<canteen_declaration::Model> for CanteenDeclaration {
    fn from(row: canteen_declaration::Model) -> Self {
        Self {
            year: i32::from(row.year),
            organic_share: row.organic_share,
            egalim_share: row.egalim_share,
            mode: row.mode,
            declaration_type: row.declaration_type,
        }
    }
}

/// A collective-catering canteen of the national register (school, hospital, company
/// restaurant…).
pub struct Canteen(pub canteen::Model);

/// A collective-catering canteen of the national register (school, hospital, company
/// restaurant…).
#[Object]
impl Canteen {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Canteen", self.0.id)
    }

    /// SIRET.
    async fn siret(&self) -> &str {
        &self.0.siret
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Its commune.
    async fn commune(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.commune_id).await
    }

    /// `public` or `private`.
    async fn economic_model(&self) -> Option<&str> {
        self.0.economic_model.as_deref()
    }

    /// How it is run.
    async fn management(&self) -> Option<CanteenManagement> {
        read(&MANAGEMENT, self.0.management_type.as_deref())
    }

    /// Where its meals are made.
    async fn production(&self) -> Option<CanteenProduction> {
        read(&PRODUCTION, self.0.production_type.as_deref())
    }

    /// SIRET of the central kitchen that supplies it.
    async fn central_kitchen_siret(&self) -> Option<&str> {
        self.0.central_kitchen_siret.as_deref()
    }

    /// Meals per day.
    async fn daily_meals(&self) -> Option<i64> {
        self.0.daily_meals
    }

    /// Meals per year.
    async fn yearly_meals(&self) -> Option<i64> {
        self.0.yearly_meals
    }

    /// Sectors, as the register lists them.
    async fn sectors(&self) -> Option<&str> {
        self.0.sectors.as_deref()
    }

    /// Line ministry, as the register names it.
    async fn line_ministry(&self) -> Option<&str> {
        self.0.line_ministry.as_deref()
    }

    /// When it was registered.
    async fn registered_on(&self) -> Option<NaiveDate> {
        self.0.registered_on
    }

    /// Its yearly declarations, by year.
    async fn declarations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CanteenDeclaration>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders
            .supply
            .canteen_declarations
            .load_one(self.0.id)
            .await
            .or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(Into::into).collect())
    }
}

/// Filters on canteens. Fields combine with AND; values within a list with OR.
#[derive(InputObject, Debug, Clone, Default)]
pub struct CanteenFilterInput {
    /// Canteen global ids.
    pub ids: Option<Vec<ID>>,
    /// In a commune within one of these territories, at any level.
    pub territories: Option<Vec<TerritoryRef>>,
    /// In a commune of one of these food projects (global ids).
    pub food_projects: Option<Vec<ID>>,
    /// Run in one of these ways.
    pub management: Option<Vec<CanteenManagement>>,
    /// Making its meals in one of these ways.
    pub production: Option<Vec<CanteenProduction>>,
    /// Words that must all appear in the name (case, accents and punctuation ignored).
    pub search: Option<String>,
}

impl CanteenFilterInput {
    fn validate(&self) -> Result<CanteenFilter, ValidationError> {
        Ok(CanteenFilter {
            ids: row_ids("Canteen", "filter.ids", self.ids.as_deref().unwrap_or_default())?,
            territory_ids: territory_ids(self.territories.as_deref(), "filter.territories.code")?,
            food_project_ids: row_ids(
                "FoodProject",
                "filter.foodProjects",
                self.food_projects.as_deref().unwrap_or_default(),
            )?,
            management_types: self
                .management
                .iter()
                .flatten()
                .map(|m| stored(&MANAGEMENT, *m))
                .collect(),
            production_types: self
                .production
                .iter()
                .flatten()
                .map(|p| stored(&PRODUCTION, *p))
                .collect(),
            name_words: self.search.as_deref().map(search_words).unwrap_or_default(),
        })
    }
}

/// Canteens of the national register.
#[derive(Default)]
pub struct CanteenQuery;

/// Canteens of the national register.
#[Object]
impl CanteenQuery {
    /// Canteens matching `filter`, by SIRET, paged with `first`/`after` or `last`/`before` (50
    /// by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn canteens(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<CanteenFilterInput>,
        #[graphql(desc = "Direction of the SIRET order.")] direction: Option<SortDirection>,
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
    ) -> async_graphql::Result<TerrasseConnection<Canteen>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let sort = store::sort_key(direction.unwrap_or_default().descending());
        list_connection(db, filter, &sort, &args, Canteen).await
    }

    /// The canteen with this SIRET; null when the register has none.
    async fn canteen(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "SIRET of the canteen.")] siret: String,
    ) -> async_graphql::Result<Option<Canteen>> {
        let siret = bad_input(Siret::parse(&siret))?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(store::by_siret(db, siret.as_str()).await.or_internal()?.map(Canteen))
    }
}
