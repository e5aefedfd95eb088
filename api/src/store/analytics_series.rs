//! Time series of the organisation and partnership indicators: the stock at the end of each
//! period, one `GROUP BY` statement over a list of periods (the procurement series is the
//! procurement aggregate grouped by a period dimension, in [`super::analytics`]).
//!
//! # When an organisation counts in a period
//! On the last day of the period it exists and is active: not deleted, created on or before
//! that day (an unknown creation date counts as always existing), and not ceased on or before
//! it. An organisation recorded as ceased without a date cannot be placed in time and counts
//! in no period. It is placed by its current head office, with its current SSE family and
//! headcount band (Terrasse keeps no history of those); labels are those valid on that day.
//!
//! # When a partnership counts in a period
//! On the last day of the period it is not deleted and active by the same rule as the read
//! API's `activeOn` filter: started on or before that day (or no start date) and not ended
//! before it (or no end date). Its territory is its own territory or one inside the territory
//! asked.

use chrono::NaiveDate;

use super::{
    StoreError,
    analytics::{
        NON_SSE_FAMILIES, OrganisationDimension, Sql,
        organisations::{jobs_by_band, organisation_key},
    },
};

/// One period of a series: its key (`2024`, `2024-Q2`, `2024-05`) and its last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPeriod {
    /// Key printed in the cells.
    pub key: String,
    /// Last day of the period (the stock is counted on it).
    pub ends: NaiveDate,
}

/// One cell of an organisation series.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationSeriesCell {
    /// Period key.
    pub period: String,
    /// Key of the dimension (`''` for [`OrganisationDimension::None`], `unknown` when missing,
    /// `none` for organisations without a label under [`OrganisationDimension::Label`]).
    pub key: String,
    /// Organisations counted.
    pub organisations: i64,
    /// Of which in the SSE.
    pub sse_organisations: i64,
    /// Estimated salaried jobs (headcount-band midpoints).
    pub estimated_jobs: f64,
}

/// The `WITH periods(k, ends) AS (VALUES …)` prefix binding `periods`.
fn periods_cte(sql: &mut Sql, periods: &[SeriesPeriod]) {
    sql.push("WITH periods(k, ends) AS (VALUES ");
    for (i, period) in periods.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(");
        sql.bind(period.key.clone());
        sql.push(", ");
        sql.bind(period.ends);
        sql.push(")");
    }
    sql.push(") ");
}

/// Organisations of `territory` (internal id, any level; head office inside it) counted at the
/// end of each of `periods` (see the module doc), grouped by `dimension`; sorted by period key
/// then dimension key. Periods with no organisation have no cell.
pub async fn organisation_series<C: sea_orm::ConnectionTrait>(
    db: &C,
    territory: &str,
    periods: &[SeriesPeriod],
    dimension: OrganisationDimension,
) -> Result<Vec<OrganisationSeriesCell>, StoreError> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    let float = sql.float();
    periods_cte(&mut sql, periods);
    let key = organisation_key(dimension);
    // The distinct (period, key, organisation) triples first, so an organisation holding two
    // labels of one kind is counted (and its jobs summed) once per cell.
    sql.push(&format!(
        "SELECT k, key, COUNT(*), SUM(CASE WHEN ess_family NOT IN ('{}', '{}') THEN 1 ELSE 0 END), \
         CAST(SUM(CASE headcount_band {} ELSE 0 END) AS {float}) FROM (\
         SELECT DISTINCT p.k AS k, COALESCE({key}, 'unknown') AS key, o.id AS id, o.ess_family AS ess_family, \
         o.headcount_band AS headcount_band FROM periods p \
         JOIN organisation o ON (o.created_on IS NULL OR o.created_on <= p.ends) \
         AND (o.ceased_on IS NULL OR o.ceased_on > p.ends) \
         AND (o.admin_status = 'active' OR o.ceased_on IS NOT NULL) \
         JOIN establishment e ON e.organisation_id = o.id AND e.is_headquarters = TRUE AND e.deleted_at IS NULL \
         JOIN territory_membership sm ON sm.territory_id = e.commune_id AND sm.ancestor_id = ",
        NON_SSE_FAMILIES[0],
        NON_SSE_FAMILIES[1],
        jobs_by_band(),
    ));
    sql.bind(territory.to_owned());
    if dimension == OrganisationDimension::Label {
        sql.push(
            " LEFT JOIN organisation_label lab ON lab.organisation_id = o.id AND lab.deleted_at IS NULL \
             AND (lab.valid_from IS NULL OR lab.valid_from <= p.ends) \
             AND (lab.valid_to IS NULL OR lab.valid_to >= p.ends)",
        );
    }
    sql.push(" WHERE o.deleted_at IS NULL) cells GROUP BY k, key ORDER BY k, key");
    sql.rows(
        db,
        ("computing the organisation series", "reading the organisation series"),
        |row| {
            Ok(OrganisationSeriesCell {
                period: row.try_get_by_index(0)?,
                key: row.try_get_by_index(1)?,
                organisations: row.try_get_by_index(2)?,
                sse_organisations: row.try_get_by_index::<Option<i64>>(3)?.unwrap_or(0),
                estimated_jobs: row.try_get_by_index::<Option<f64>>(4)?.unwrap_or(0.0),
            })
        },
    )
    .await
}

/// One cell of a partnership series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipSeriesCell {
    /// Period key.
    pub period: String,
    /// Partnership type (stored value, e.g. `ptce`).
    pub partnership_type: String,
    /// Partnerships active on the period's last day.
    pub partnerships: i64,
    /// Distinct organisations taking part in them.
    pub organisations: i64,
}

/// Partnerships whose territory is `territory` or inside it, active at the end of each of
/// `periods` (see the module doc), by type; sorted by period key then type. Types with no
/// partnership in a period have no cell.
pub async fn partnership_series<C: sea_orm::ConnectionTrait>(
    db: &C,
    territory: &str,
    periods: &[SeriesPeriod],
) -> Result<Vec<PartnershipSeriesCell>, StoreError> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    periods_cte(&mut sql, periods);
    sql.push(
        "SELECT p.k, s.partnership_type, COUNT(DISTINCT s.id), COUNT(DISTINCT pp.organisation_id) \
         FROM periods p JOIN partnership s ON (s.start_date IS NULL OR s.start_date <= p.ends) \
         AND (s.end_date IS NULL OR s.end_date >= p.ends) \
         JOIN territory_membership sm ON sm.territory_id = s.territory_id AND sm.ancestor_id = ",
    );
    sql.bind(territory.to_owned());
    sql.push(
        " LEFT JOIN partnership_party pp ON pp.partnership_id = s.id \
         WHERE s.deleted_at IS NULL GROUP BY p.k, s.partnership_type ORDER BY p.k, s.partnership_type",
    );
    sql.rows(
        db,
        ("computing the partnership series", "reading the partnership series"),
        |row| {
            Ok(PartnershipSeriesCell {
                period: row.try_get_by_index(0)?,
                partnership_type: row.try_get_by_index(1)?,
                partnerships: row.try_get_by_index(2)?,
                organisations: row.try_get_by_index(3)?,
            })
        },
    )
    .await
}
