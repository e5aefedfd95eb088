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

/// The SQL condition of a short circuit: at most one intermediary.
const SHORT_CHAIN: &str = "l.channel IN ('direct', 'one_intermediary')";

/// Appends the end of `m.ancestor_id …`: the territory, or the communes of the food project,
/// whose members are counted.
pub(in crate::store) fn in_scope(sql: &mut Sql, scope: &FoodScope) {
    match scope {
        FoodScope::Territory(id) => {
            sql.push("= ").bind(id.clone());
        }
        FoodScope::FoodProject(id) => {
            sql.push("IN (SELECT commune_id FROM food_project_commune WHERE food_project_id = ")
                .bind(*id)
                .push(")");
        }
    }
}

/// Appends `FROM` to `WHERE` of the links of `query`'s scope and period: `l` the link, `b` its
/// buyer establishment, `s` its supplier's organisation (when known).
fn scoped(sql: &mut Sql, query: &FoodQuery) {
    sql.push(
        " FROM supply_link l \
         JOIN establishment b ON b.id = l.buyer_establishment_id \
         LEFT JOIN organisation s ON s.id = l.supplier_organisation_id \
         JOIN territory_membership m ON m.territory_id = b.commune_id AND m.ancestor_id ",
    );
    in_scope(sql, &query.scope);
    let (from, to) = query.period;
    sql.push(" WHERE l.deleted_at IS NULL AND l.period_start <= ")
        .bind(to)
        .push(" AND (l.period_end IS NULL OR l.period_end >= ")
        .bind(from)
        .push(")");
}

/// The cells of `query`, sorted by key (one cell without key when not grouped).
pub async fn food<C: ConnectionTrait>(db: &C, query: &FoodQuery) -> Result<Vec<FoodCell>, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    let key = query.group_by.map_or("CAST(NULL AS TEXT)", FoodDimension::column);
    let sse = NON_SSE_FAMILIES.map(|f| format!("'{f}'")).join(", ");
    let local = "l.locality_level IN ('same_commune', 'same_epci', 'same_departement')";
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
         CAST(COALESCE(SUM(l.amount_cents), 0) AS BIGINT), {}, {}, {}, CAST(AVG(l.distance_km) AS {})",
        both(SHORT_CHAIN),
        both(local),
        both(&format!("s.ess_family IS NOT NULL AND s.ess_family NOT IN ({sse})")),
        sql.float(),
    ));
    scoped(&mut sql, query);
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

/// Most edges a food supply network holds: the buyer–supplier pairs with the largest amounts
/// (then the most links).
pub const FOOD_NETWORK_MAX_EDGES: u64 = 2_000;

/// A buyer–supplier pair of a food supply network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoodEdge {
    /// The buyer's organisation.
    pub buyer: Uuid,
    /// The supplier's organisation, when known by SIRET.
    pub supplier: Option<Uuid>,
    /// For a supplier without an organisation: its declared name without case or surrounding
    /// spaces (how links are grouped), and the name as first written.
    pub supplier_name: Option<(String, String)>,
    /// Links between them.
    pub links: i64,
    /// Their amount in cents.
    pub amount_cents: i64,
    /// Links with at most one intermediary.
    pub short_chain_links: i64,
    /// The channel of every link, when they all have the same one (stored value).
    pub channel: Option<String>,
}

/// The buyer–supplier pairs of `query`'s links (grouped by buyer organisation and supplier),
/// the `FOOD_NETWORK_MAX_EDGES` with the largest amounts, then the most links.
pub async fn network<C: ConnectionTrait>(db: &C, query: &FoodQuery) -> Result<Vec<FoodEdge>, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    let named = "CASE WHEN l.supplier_organisation_id IS NULL THEN LOWER(TRIM(l.supplier_name)) END";
    sql.push(&format!(
        "SELECT l.buyer_organisation_id, l.supplier_organisation_id, MIN({named}), COUNT(*), \
         CAST(COALESCE(SUM(l.amount_cents), 0) AS BIGINT), \
         CAST(SUM(CASE WHEN {SHORT_CHAIN} THEN 1 ELSE 0 END) AS BIGINT), \
         CASE WHEN MIN(l.channel) = MAX(l.channel) THEN MIN(l.channel) END, MIN(l.supplier_name)"
    ));
    scoped(&mut sql, query);
    sql.push(&format!(
        " GROUP BY l.buyer_organisation_id, l.supplier_organisation_id, {named} \
         ORDER BY 5 DESC, 4 DESC, 1, 2, 3 LIMIT {FOOD_NETWORK_MAX_EDGES}"
    ));
    sql.rows(
        db,
        ("computing the food supply network", "reading the food supply network"),
        |row| {
            Ok(FoodEdge {
                buyer: row.try_get_by_index(0)?,
                supplier: row.try_get_by_index(1)?,
                supplier_name: row
                    .try_get_by_index::<Option<String>>(2)?
                    .zip(row.try_get_by_index::<Option<String>>(7)?),
                links: row.try_get_by_index(3)?,
                amount_cents: row.try_get_by_index(4)?,
                short_chain_links: row.try_get_by_index::<Option<i64>>(5)?.unwrap_or_default(),
                channel: row.try_get_by_index(6)?,
            })
        },
    )
    .await
}

/// How canteen cells are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanteenDimension {
    /// By management type.
    Management,
    /// By production type.
    Production,
}

/// The figures of canteens of one cell (or of the total).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CanteenCell {
    /// The stored value of the dimension (none for the total; `unknown` when not given).
    pub key: Option<String>,
    /// Canteens of the register in the scope.
    pub canteens: i64,
    /// Of which declaring for the year.
    pub declaring: i64,
    /// Meals per year of all the canteens.
    pub yearly_meals: i64,
    /// Declared organic share, weighted by yearly meals, over the declaring canteens with both.
    pub organic_share: Option<f64>,
    /// Declared share of the other EGalim-quality products, weighted likewise.
    pub egalim_share: Option<f64>,
}

/// The canteens of `scope` with their declarations of `year`, in total or by `group_by`.
pub async fn canteens<C: ConnectionTrait>(
    db: &C,
    scope: &FoodScope,
    year: i16,
    group_by: Option<CanteenDimension>,
) -> Result<Vec<CanteenCell>, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    let key = match group_by {
        None => "CAST(NULL AS TEXT)",
        Some(CanteenDimension::Management) => "COALESCE(c.management_type, 'unknown')",
        Some(CanteenDimension::Production) => "COALESCE(c.production_type, 'unknown')",
    };
    let float = sql.float();
    let weighted = |share: &str| {
        format!(
            "CAST(SUM(CASE WHEN d.{share} IS NOT NULL AND c.yearly_meals > 0 THEN d.{share} * c.yearly_meals END) AS {float}) \
             / NULLIF(CAST(SUM(CASE WHEN d.{share} IS NOT NULL AND c.yearly_meals > 0 THEN c.yearly_meals END) AS {float}), 0)"
        )
    };
    sql.push(&format!(
        "SELECT {key}, COUNT(*), COUNT(d.canteen_id), CAST(COALESCE(SUM(c.yearly_meals), 0) AS BIGINT), {}, {} \
         FROM canteen c LEFT JOIN canteen_declaration d ON d.canteen_id = c.id AND d.year = ",
        weighted("organic_share"),
        weighted("egalim_share"),
    ));
    sql.bind(year);
    sql.push(" JOIN territory_membership m ON m.territory_id = c.commune_id AND m.ancestor_id ");
    in_scope(&mut sql, scope);
    if group_by.is_some() {
        sql.push(&format!(" GROUP BY {key} ORDER BY {key}"));
    }
    sql.rows(
        db,
        ("computing canteen indicators", "reading canteen indicators"),
        |row| {
            Ok(CanteenCell {
                key: row.try_get_by_index(0)?,
                canteens: row.try_get_by_index(1)?,
                declaring: row.try_get_by_index(2)?,
                yearly_meals: row.try_get_by_index(3)?,
                organic_share: row.try_get_by_index(4)?,
                egalim_share: row.try_get_by_index(5)?,
            })
        },
    )
    .await
}

/// What the buyers of a scope spent on food through published public contracts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecpFoodSpend {
    /// Contracts with a food CPV code (divisions 03 and 15) notified in the period.
    pub contracts: i64,
    /// Their amount in cents, each contract's initial amount shared equally between its
    /// suppliers (award lines).
    pub amount_cents: f64,
    /// Distinct suppliers.
    pub suppliers: i64,
    /// The part of the amount going to SSE suppliers.
    pub sse_amount_cents: f64,
}

/// The DECP food spend of the buyers whose establishment lies in `query`'s scope, over the
/// contracts notified in its period, from the award lines (as the procurement indicators).
pub async fn decp_food_spend<C: ConnectionTrait>(db: &C, query: &FoodQuery) -> Result<DecpFoodSpend, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    let float = sql.float();
    let sse = NON_SSE_FAMILIES.map(|f| format!("'{f}'")).join(", ");
    let share = format!("CAST(COALESCE(a.initial_amount_cents, 0) AS {float}) / CAST(a.line_count AS {float})");
    sql.push(&format!(
        "SELECT COUNT(DISTINCT a.contract_id), CAST(COALESCE(SUM({share}), 0) AS {float}), COUNT(DISTINCT a.supplier_key), \
         CAST(COALESCE(SUM(CASE WHEN a.ess_family IS NOT NULL AND a.ess_family NOT IN ({sse}) THEN {share} ELSE 0 END), 0) AS {float}) \
         FROM award_line a JOIN territory_membership m ON m.territory_id = a.buyer_commune_id AND m.ancestor_id "
    ));
    in_scope(&mut sql, &query.scope);
    let (from, to) = query.period;
    sql.push(" WHERE a.cpv_division IN ('03', '15') AND a.notified_on >= ")
        .bind(from)
        .push(" AND a.notified_on <= ")
        .bind(to);
    let rows = sql
        .rows(
            db,
            ("computing the DECP food spend", "reading the DECP food spend"),
            |row| {
                Ok(DecpFoodSpend {
                    contracts: row.try_get_by_index(0)?,
                    amount_cents: row.try_get_by_index::<Option<f64>>(1)?.unwrap_or_default(),
                    suppliers: row.try_get_by_index(2)?,
                    sse_amount_cents: row.try_get_by_index::<Option<f64>>(3)?.unwrap_or_default(),
                })
            },
        )
        .await?;
    Ok(rows.into_iter().next().unwrap_or_default())
}
