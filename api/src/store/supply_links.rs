//! Supply links of short food chains, read filtered and paged. Filters are built with the
//! sea-query builder only, so the same code runs on SQLite and PostgreSQL. Deleted links
//! (`deleted_at` set) are never read.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{EssFamily, LabelKind, ProductFamily, SupplyChannel, SupplyEvidence},
    establishment, organisation, organisation_label, supply_link,
};
use sea_orm::{
    ActiveEnum, Condition, ConnectionTrait,
    sea_query::{Expr, ExprTrait, Func, Query, SelectStatement},
};
use uuid::Uuid;

use super::{
    StoreError,
    page::{IdKind, KeyKind, SortKey, list_filter},
    rows::live_by_ids,
    territories,
};

/// Filters on supply links; fields combine with AND, values within a list with OR. Only live
/// links are ever matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SupplyLinkFilter {
    /// Restrict to these ids.
    pub ids: Vec<Uuid>,
    /// The buyer establishment lies within one of these territories (any level).
    pub buyer_territory_ids: Vec<String>,
    /// The buyer establishment lies in a commune of one of these food projects.
    pub food_project_ids: Vec<Uuid>,
    /// The buyer is one of these organisations.
    pub buyer_organisation_ids: Vec<Uuid>,
    /// The supplier is one of these organisations.
    pub supplier_organisation_ids: Vec<Uuid>,
    /// With one of these numbers of intermediaries.
    pub channels: Vec<SupplyChannel>,
    /// Of one of these product families.
    pub product_families: Vec<ProductFamily>,
    /// Resting on one of these kinds of evidence.
    pub evidence: Vec<SupplyEvidence>,
    /// The supplier's organisation is of one of these SSE families.
    pub supplier_families: Vec<EssFamily>,
    /// The supplier's organisation holds a live label of one of these kinds.
    pub supplier_labels: Vec<LabelKind>,
    /// The period overlaps `[from, to]` (either end open when `None`).
    pub period: (Option<NaiveDate>, Option<NaiveDate>),
    /// Updated at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

/// Orders of supply link lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupplyLinkSort {
    /// By first day of the period.
    PeriodStart,
    /// By amount (unknown amounts sort as zero).
    Amount,
}

fn col(column: supply_link::Column) -> Expr {
    Expr::col((supply_link::Entity, column))
}

/// The establishments lying in a commune of these food projects (an arrondissement municipal
/// lies in its commune), as a subquery.
fn establishments_in_food_projects(ids: &[Uuid]) -> SelectStatement {
    establishments_where(
        Expr::col(establishment::Column::CommuneId).in_subquery(super::food_projects::territories_in(ids)),
    )
}

/// The ids of the establishments matching `condition`, as a subquery.
fn establishments_where(condition: Expr) -> SelectStatement {
    Query::select()
        .column(establishment::Column::Id)
        .from(establishment::Entity)
        .and_where(condition)
        .to_owned()
}

impl SupplyLinkFilter {
    /// The WHERE condition of the filter (live links only).
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all().add(col(supply_link::Column::DeletedAt).is_null());
        let values = |ids: &[Uuid]| ids.iter().map(|id| (*id).into()).collect::<Vec<sea_orm::Value>>();
        let texts = |values: Vec<String>| values.into_iter().map(Into::into).collect::<Vec<sea_orm::Value>>();
        for (column, values) in [
            (supply_link::Column::Id, values(&self.ids)),
            (
                supply_link::Column::BuyerOrganisationId,
                values(&self.buyer_organisation_ids),
            ),
            (
                supply_link::Column::SupplierOrganisationId,
                values(&self.supplier_organisation_ids),
            ),
            (
                supply_link::Column::Channel,
                texts(self.channels.iter().map(ActiveEnum::to_value).collect()),
            ),
            (
                supply_link::Column::ProductFamily,
                texts(self.product_families.iter().map(ActiveEnum::to_value).collect()),
            ),
            (
                supply_link::Column::Evidence,
                texts(self.evidence.iter().map(ActiveEnum::to_value).collect()),
            ),
        ] {
            if !values.is_empty() {
                all = all.add(col(column).is_in(values));
            }
        }
        if !self.buyer_territory_ids.is_empty() {
            let within =
                Expr::col(establishment::Column::CommuneId).in_subquery(territories::within(&self.buyer_territory_ids));
            all = all.add(col(supply_link::Column::BuyerEstablishmentId).in_subquery(establishments_where(within)));
        }
        if !self.food_project_ids.is_empty() {
            all = all.add(
                col(supply_link::Column::BuyerEstablishmentId)
                    .in_subquery(establishments_in_food_projects(&self.food_project_ids)),
            );
        }
        if !self.supplier_families.is_empty() {
            let families = Query::select()
                .column(organisation::Column::Id)
                .from(organisation::Entity)
                .and_where(
                    Expr::col(organisation::Column::EssFamily)
                        .is_in(self.supplier_families.iter().map(ActiveEnum::to_value)),
                )
                .to_owned();
            all = all.add(col(supply_link::Column::SupplierOrganisationId).in_subquery(families));
        }
        if !self.supplier_labels.is_empty() {
            let holders = Query::select()
                .column(organisation_label::Column::OrganisationId)
                .from(organisation_label::Entity)
                .and_where(
                    Expr::col(organisation_label::Column::Kind)
                        .is_in(self.supplier_labels.iter().map(ActiveEnum::to_value)),
                )
                .and_where(Expr::col(organisation_label::Column::DeletedAt).is_null())
                .to_owned();
            all = all.add(col(supply_link::Column::SupplierOrganisationId).in_subquery(holders));
        }
        let (from, to) = self.period;
        if let Some(to) = to {
            all = all.add(col(supply_link::Column::PeriodStart).lte(to));
        }
        if let Some(from) = from {
            all = all.add(
                Condition::any()
                    .add(col(supply_link::Column::PeriodEnd).is_null())
                    .add(col(supply_link::Column::PeriodEnd).gte(from)),
            );
        }
        if let Some(since) = self.updated_since {
            all = all.add(col(supply_link::Column::UpdatedAt).gte(since));
        }
        all
    }
}

/// The sort key of a supply link list; ties are broken by id.
pub fn sort_key(sort: SupplyLinkSort, descending: bool) -> SortKey {
    let (name, expr, kind) = match sort {
        SupplyLinkSort::PeriodStart => ("PERIOD_START", col(supply_link::Column::PeriodStart), KeyKind::Date),
        SupplyLinkSort::Amount => (
            "AMOUNT",
            Func::coalesce([col(supply_link::Column::AmountCents), Expr::val(0i64)]).into(),
            KeyKind::Integer,
        ),
    };
    SortKey::new(
        name,
        (expr, kind),
        (col(supply_link::Column::Id), IdKind::Uuid),
        descending,
    )
}

list_filter!(SupplyLinkFilter => supply_link::Entity, "supply links");

/// Live supply links by id.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<supply_link::Model>, StoreError> {
    live_by_ids::<supply_link::Entity, C>(db, ids).await
}
