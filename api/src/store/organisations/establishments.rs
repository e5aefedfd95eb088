//! Establishments of organisations: by SIRET and by id, per organisation (all, a page, a
//! count), and their filter and orders for lists.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{establishment, organisation};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use uuid::Uuid;

use crate::domain::{Siret, geo::Near};
use crate::store::{
    DbContext, StoreError,
    page::{IdKind, KeyKind, Page, PageArgs, SortKey, list_filter, paginate_partitioned},
    rows::{counts, fetch_grouped, live_by_ids},
    territories,
};

/// A column of the establishment table, qualified.
fn col(column: establishment::Column) -> Expr {
    Expr::col((establishment::Entity, column))
}

/// Live establishments of each organisation, head office first, then by SIRET.
pub async fn establishments_of<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<establishment::Model>>, StoreError> {
    let select = establishment::Entity::find()
        .filter(establishment::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(establishment::Column::DeletedAt.is_null())
        .order_by_desc(establishment::Column::IsHeadquarters)
        .order_by_asc(establishment::Column::Siret)
        .order_by_asc(establishment::Column::Id);
    fetch_grouped(
        db,
        select,
        |row| row.organisation_id,
        "loading establishments of organisations",
    )
    .await
}

/// The live establishment with this SIRET.
pub async fn establishment_by_siret<C: ConnectionTrait>(
    db: &C,
    siret: &Siret,
) -> Result<Option<establishment::Model>, StoreError> {
    establishment::Entity::find()
        .filter(establishment::Column::Siret.eq(siret.as_str()))
        .filter(establishment::Column::DeletedAt.is_null())
        .one(db)
        .await
        .context("loading an establishment by SIRET")
}

/// Live establishments by id.
pub async fn establishments_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<establishment::Model>, StoreError> {
    live_by_ids::<establishment::Entity, C>(db, ids).await
}

/// Establishment order: head office first, then by SIRET.
pub fn establishment_sort() -> SortKey {
    let key = Expr::cust(
        "(CASE WHEN establishment.is_headquarters THEN '0' ELSE '1' END || COALESCE(establishment.siret, ''))",
    );
    SortKey::new(
        "HEADQUARTERS_FIRST",
        (key, KeyKind::Text),
        (col(establishment::Column::Id), IdKind::Uuid),
        false,
    )
}

/// One page of live establishments per organisation, in one query.
pub async fn establishment_pages<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
    args: &PageArgs,
) -> Result<HashMap<String, Page<establishment::Model>>, StoreError> {
    let select = establishment::Entity::find()
        .filter(establishment::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(establishment::Column::DeletedAt.is_null());
    let partition = (
        Expr::col((establishment::Entity, establishment::Column::OrganisationId)),
        IdKind::Uuid,
    );
    paginate_partitioned(db, select, partition, &establishment_sort(), args)
        .await
        .map_err(|e| StoreError::from_page(e, "paging establishments of organisations"))
}

/// Number of live establishments of each organisation.
pub async fn establishment_counts<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>, StoreError> {
    let rows: Vec<(Uuid, i64)> = establishment::Entity::find()
        .select_only()
        .column(establishment::Column::OrganisationId)
        .column_as(establishment::Column::Id.count(), "n")
        .filter(establishment::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(establishment::Column::DeletedAt.is_null())
        .group_by(establishment::Column::OrganisationId)
        .into_tuple()
        .all(db)
        .await
        .context("counting establishments of organisations")?;
    Ok(counts(rows))
}

/// Filters on establishments; fields combine with AND, values within a list with OR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EstablishmentFilter {
    /// In a commune within one of these territories (any level).
    pub territory_ids: Vec<String>,
    /// Within this circle.
    pub near: Option<Near>,
    /// Head offices only (true) or secondary establishments only (false).
    pub headquarters: Option<bool>,
    /// Updated at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl EstablishmentFilter {
    /// The WHERE condition (live establishments of live organisations).
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all()
            .add(col(establishment::Column::DeletedAt).is_null())
            .add(
                col(establishment::Column::OrganisationId).in_subquery(
                    Query::select()
                        .column(organisation::Column::Id)
                        .from(organisation::Entity)
                        .and_where(Expr::col(organisation::Column::DeletedAt).is_null())
                        .to_owned(),
                ),
            );
        if !self.territory_ids.is_empty() {
            all = all.add(col(establishment::Column::CommuneId).in_subquery(territories::within(&self.territory_ids)));
        }
        if let Some(near) = &self.near {
            let (min_lat, max_lat, min_lon, max_lon) = near.bounding_box();
            all = all
                .add(col(establishment::Column::Latitude).between(min_lat, max_lat))
                .add(col(establishment::Column::Longitude).between(min_lon, max_lon))
                .add(
                    Expr::cust(near.squared_distance_sql("establishment.latitude", "establishment.longitude"))
                        .lte(near.radius_km * near.radius_km),
                );
        }
        if let Some(headquarters) = self.headquarters {
            all = all.add(col(establishment::Column::IsHeadquarters).eq(headquarters));
        }
        if let Some(since) = self.updated_since {
            all = all.add(col(establishment::Column::UpdatedAt).gte(since));
        }
        all
    }
}

/// Establishment list order: by SIRET (establishments without one first).
pub fn establishment_siret_sort(descending: bool) -> SortKey {
    let siret = Func::coalesce([col(establishment::Column::Siret), Expr::val("")]);
    SortKey::new(
        "SIRET",
        (siret.into(), KeyKind::Text),
        (col(establishment::Column::Id), IdKind::Uuid),
        descending,
    )
}

list_filter!(EstablishmentFilter => establishment::Entity, "establishments");
