//! Food supply indicators: the supply links whose buyer lies in a scope (a territory at any
//! level, or the communes of a territorial food project) and whose period overlaps a period,
//! summed by one `GROUP BY` statement, optionally by one dimension.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{NON_SSE_FAMILIES, Sql};
use crate::store::StoreError;

/// Whose purchases: the buyers within a territory, or within a food project's communes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoodScope {
    /// A territory id (`DEP:13`), any level.
    Territory(String),
    /// A food project's row id.
    FoodProject(Uuid),
}

/// How the cells are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoodDimension {
    /// By product family.
    ProductFamily,
    /// By number of intermediaries.
    Channel,
    /// By evidence.
    Evidence,
    /// By locality level of the supplier.
    LocalityLevel,
}

impl FoodDimension {
    fn column(self) -> &'static str {
        match self {
            Self::ProductFamily => "l.product_family",
            Self::Channel => "l.channel",
            Self::Evidence => "l.evidence",
            Self::LocalityLevel => "l.locality_level",
        }
    }
}

/// A food indicators query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoodQuery {
    /// The buyers counted.
    pub scope: FoodScope,
    /// Links whose period overlaps `[from, to]`.
    pub period: (NaiveDate, NaiveDate),
    /// The split, if any.
    pub group_by: Option<FoodDimension>,
}

/// The figures of one cell (or of the total).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FoodCell {
    /// The stored value of the dimension (none for the total).
    pub key: Option<String>,
    /// Supply links.
    pub links: i64,
    /// Distinct buyer establishments.
    pub buyers: i64,
    /// Distinct suppliers: organisations, and names of suppliers without a known establishment.
    pub suppliers: i64,
    /// Amount in cents (links without an amount count zero).
    pub amount_cents: i64,
    /// Links with at most one intermediary, and their amount.
    pub short_chain: (i64, i64),
    /// Links whose supplier is in the buyer's département or closer, and their amount.
    pub local: (i64, i64),
    /// Links whose supplier's organisation is of the SSE, and their amount.
    pub sse: (i64, i64),
    /// Mean buyer–supplier distance in km over links with a known distance.
    pub mean_distance_km: Option<f64>,
}

/// The cells of `query`, sorted by key (one cell without key when not grouped).
pub async fn food<C: ConnectionTrait>(db: &C, query: &FoodQuery) -> Result<Vec<FoodCell>, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    let key = query.group_by.map_or("CAST(NULL AS TEXT)", FoodDimension::column);
    let sse = NON_SSE_FAMILIES.map(|f| format!("'{f}'")).join(", ");
    let (short, local) = (
        "l.channel IN ('direct', 'one_intermediary')",
        "l.locality_level IN ('same_commune', 'same_epci', 'same_departement')",
    );
    let both = |condition: &str| {
        format!(
            "CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN {condition} THEN COALESCE(l.amount_cents, 0) ELSE 0 END) AS BIGINT)"
        )
    };
    sql.push(&format!(
        "SELECT {key}, COUNT(*), COUNT(DISTINCT l.buyer_establishment_id), \
         COUNT(DISTINCT l.supplier_organisation_id) \
           + COUNT(DISTINCT CASE WHEN l.supplier_organisation_id IS NULL THEN l.supplier_name END), \
         CAST(COALESCE(SUM(l.amount_cents), 0) AS BIGINT), {}, {}, {}, CAST(AVG(l.distance_km) AS {}) \
         FROM supply_link l \
         JOIN establishment b ON b.id = l.buyer_establishment_id \
         LEFT JOIN organisation s ON s.id = l.supplier_organisation_id \
         JOIN territory_membership m ON m.territory_id = b.commune_id AND m.ancestor_id ",
        both(short),
        both(local),
        both(&format!("s.ess_family IS NOT NULL AND s.ess_family NOT IN ({sse})")),
        sql.float(),
    ));
    match &query.scope {
        FoodScope::Territory(id) => {
            sql.push("= ").bind(id.clone());
        }
        FoodScope::FoodProject(id) => {
            sql.push("IN (SELECT commune_id FROM food_project_commune WHERE food_project_id = ")
                .bind(*id)
                .push(")");
        }
    }
    let (from, to) = query.period;
    sql.push(" WHERE l.deleted_at IS NULL AND l.period_start <= ")
        .bind(to)
        .push(" AND (l.period_end IS NULL OR l.period_end >= ")
        .bind(from)
        .push(")");
    if query.group_by.is_some() {
        sql.push(&format!(" GROUP BY {key} ORDER BY {key}"));
    }
    sql.rows(db, ("computing food indicators", "reading food indicators"), |row| {
        let get = |i: usize| row.try_get_by_index::<Option<i64>>(i).map(Option::unwrap_or_default);
        Ok(FoodCell {
            key: row.try_get_by_index(0)?,
            links: get(1)?,
            buyers: get(2)?,
            suppliers: get(3)?,
            amount_cents: get(4)?,
            short_chain: (get(5)?, get(6)?),
            local: (get(7)?, get(8)?),
            sse: (get(9)?, get(10)?),
            mean_distance_km: row.try_get_by_index(11)?,
        })
    })
    .await
}
