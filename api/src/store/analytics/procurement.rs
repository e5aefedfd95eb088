//! Procurement indicators (SPASER) over the award lines.
//!
//! # The unit of analysis
//!
//! A contract counts when it is a public contract (`kind = public_contract`, concessions are
//! left out), is not deleted, and was notified within the period (both ends included). Its
//! scope is its buyer: one organisation (by SIREN) or every buyer whose buyer establishment
//! lies in a territory (through `territory_membership`, any level).
//!
//! Each contract is split into **award lines**, one per original supplier
//! (`contract_supplier.from_modification = 0`); a contract with `n` suppliers gives each line a
//! weight of `1/n` contract and `amount/n` of the amount (a contract without a known supplier
//! is one line of weight 1 with no supplier attributes). Count shares are shares of these
//! weights, amount shares are shares of the allocated amounts, so cells add up to the total
//! (except when grouping by supplier label, where a supplier holding several labels is in
//! several cells).
//!
//! The lines are stored, pre-joined, in `award_line` ([`crate::store::award_lines`], kept up to date
//! by every write): an indicator reads them by one range scan on (buyer commune, notification
//! date) or (buyer, notification date), and joins only what a dimension needs at read time
//! (territory memberships, the buyer's name, the labels for a label dimension).

use chrono::NaiveDate;
use entity::enums::TerritoryLevel;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::{NON_SSE_FAMILIES, Sql, level_value};
use crate::store::{DbContext, StoreError};

/// Whose contracts are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuyerScope {
    /// One buyer, by the SIREN of its organisation.
    Buyer(String),
    /// Every buyer whose buyer establishment lies in this territory (internal id such as
    /// `EPCI:200054807`), at any level.
    Territory(String),
}

/// Which amount of a contract is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountBasis {
    /// The amount notified at award.
    Initial,
    /// The amount after the latest modification (the initial amount when never modified).
    Current,
}

/// Territorial scale of "local" suppliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalScale {
    /// Same commune as the buyer.
    Commune,
    /// Same EPCI (or commune).
    Epci,
    /// Same département (or EPCI, or commune).
    Departement,
    /// Same région (or any smaller shared territory).
    Region,
}

impl LocalScale {
    /// The `contract_supplier.locality_level` values that count as local at this scale.
    pub fn locality_levels(self) -> &'static [&'static str] {
        const LEVELS: [&str; 4] = ["same_commune", "same_epci", "same_departement", "same_region"];
        match self {
            LocalScale::Commune => &LEVELS[..1],
            LocalScale::Epci => &LEVELS[..2],
            LocalScale::Departement => &LEVELS[..3],
            LocalScale::Region => &LEVELS[..4],
        }
    }
}

/// What makes a supplier local.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LocalityRule {
    /// The smallest territory buyer and supplier share is at most this scale.
    Scale(LocalScale),
    /// The buyer–supplier distance is at most this many kilometres.
    WithinKm(f64),
}

/// A dimension procurement indicators can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcurementDimension {
    /// Notification year (`2024`).
    Year,
    /// Notification quarter (`2024-Q1`).
    Quarter,
    /// Notification month (`2024-03`).
    Month,
    /// The buyer (key: its SIREN).
    Buyer,
    /// The territory of the buyer establishment at a level (key: territory id).
    BuyerTerritory(TerritoryLevel),
    /// The territory of the supplier establishment at a level (key: territory id).
    SupplierTerritory(TerritoryLevel),
    /// The supplier's SSE family.
    SupplierSseFamily,
    /// A label the supplier held on the notification date (`none` without one).
    SupplierLabel,
    /// The CPV division (2 digits).
    CpvDivision,
    /// The award procedure.
    Procedure,
    /// The smallest territory buyer and supplier share.
    LocalityLevel,
}

/// The question a procurement aggregate answers.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcurementQuery {
    /// Whose contracts.
    pub scope: BuyerScope,
    /// First notification date counted.
    pub from: NaiveDate,
    /// Last notification date counted.
    pub to: NaiveDate,
    /// Which amount.
    pub amount_basis: AmountBasis,
    /// What counts as local.
    pub locality: LocalityRule,
    /// At most two grouping dimensions; none gives the total alone.
    pub group_by: Vec<ProcurementDimension>,
}

/// One group of a procurement aggregate. Weights are contract equivalents (see the module
/// doc); amounts are in cents, allocated to award lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcurementCell {
    /// Group keys, one per dimension (`unknown` when the attribute is missing).
    pub keys: Vec<String>,
    /// Human-readable labels of the keys (territory or buyer name), when there is one.
    pub labels: Vec<Option<String>>,
    /// Distinct contracts with at least one line in the cell.
    pub contracts: i64,
    /// Contract equivalents (sum of line weights).
    pub weight: f64,
    /// Allocated amount, in cents.
    pub amount_cents: f64,
    /// Weight and amount going to SSE suppliers.
    pub sse: (f64, f64),
    /// Weight and amount going to inclusive-employment suppliers (SIAE, EA, ESAT).
    pub inclusive: (f64, f64),
    /// Weight and amount going to ESUS-approved suppliers.
    pub esus: (f64, f64),
    /// Weight and amount going to local suppliers.
    pub local: (f64, f64),
    /// Weight and amount of contracts with a social clause or criterion.
    pub social: (f64, f64),
    /// Weight and amount of reserved contracts.
    pub reserved: (f64, f64),
    /// Weight and amount of contracts with an environmental clause or criterion.
    pub environmental: (f64, f64),
    /// Amount-weighted mean buyer–supplier distance (km), over lines with a known distance.
    pub mean_distance_km: Option<f64>,
    /// Amount-weighted median buyer–supplier distance (km): the smallest distance within which
    /// at least half of the amount (of lines with a known distance) goes.
    pub median_distance_km: Option<f64>,
    /// Distinct suppliers (organisations, or bare identifiers when unresolved).
    pub suppliers: i64,
}

impl ProcurementDimension {
    /// Whether the dimension is an attribute of the contract (so each contract falls in one
    /// group), rather than of the supplier.
    fn of_contract(self) -> bool {
        matches!(
            self,
            Self::Year
                | Self::Quarter
                | Self::Month
                | Self::Buyer
                | Self::BuyerTerritory(_)
                | Self::CpvDivision
                | Self::Procedure
        )
    }
}

/// The SQL key and label of a dimension over the award lines `al`, and the joins it needs,
/// for dimension number `i`.
fn dimension_sql(pg: bool, dimension: ProcurementDimension, i: usize) -> (String, String, String) {
    let date = "al.notified_on";
    let none = "CAST(NULL AS TEXT)".to_owned();
    match dimension {
        ProcurementDimension::Year => (
            if pg {
                format!("to_char({date}, 'YYYY')")
            } else {
                format!("substr({date}, 1, 4)")
            },
            none,
            String::new(),
        ),
        ProcurementDimension::Quarter => (
            if pg {
                format!("to_char({date}, 'YYYY-\"Q\"Q')")
            } else {
                format!("substr({date}, 1, 4) || '-Q' || ((CAST(substr({date}, 6, 2) AS INTEGER) + 2) / 3)")
            },
            none,
            String::new(),
        ),
        ProcurementDimension::Month => (
            if pg {
                format!("to_char({date}, 'YYYY-MM')")
            } else {
                format!("substr({date}, 1, 7)")
            },
            none,
            String::new(),
        ),
        ProcurementDimension::Buyer => (
            "al.buyer_siren".to_owned(),
            format!("d{i}o.name"),
            format!(" LEFT JOIN organisation d{i}o ON d{i}o.id = al.buyer_organisation_id"),
        ),
        ProcurementDimension::BuyerTerritory(_) | ProcurementDimension::SupplierTerritory(_) => {
            let commune = if matches!(dimension, ProcurementDimension::BuyerTerritory(_)) {
                "al.buyer_commune_id"
            } else {
                "al.supplier_commune_id"
            };
            // The level is bound later, in join order: write the join with a marker.
            let join = format!(
                " LEFT JOIN territory_membership d{i}m ON d{i}m.territory_id = {commune} \
                 AND d{i}m.ancestor_level = {{LEVEL}} \
                 LEFT JOIN territory d{i}t ON d{i}t.id = d{i}m.ancestor_id"
            );
            (format!("d{i}t.id"), format!("d{i}t.name"), join)
        }
        ProcurementDimension::SupplierSseFamily => ("al.ess_family".to_owned(), none, String::new()),
        ProcurementDimension::SupplierLabel => (
            format!("COALESCE(d{i}l.kind, 'none')"),
            none,
            format!(
                " LEFT JOIN (SELECT DISTINCT organisation_id, kind, valid_from, valid_to FROM organisation_label \
                 WHERE deleted_at IS NULL) d{i}l ON d{i}l.organisation_id = al.supplier_organisation_id \
                 AND (d{i}l.valid_from IS NULL OR d{i}l.valid_from <= al.notified_on) \
                 AND (d{i}l.valid_to IS NULL OR d{i}l.valid_to >= al.notified_on)"
            ),
        ),
        ProcurementDimension::CpvDivision => ("al.cpv_division".to_owned(), none, String::new()),
        ProcurementDimension::Procedure => ("al.procedure".to_owned(), none, String::new()),
        ProcurementDimension::LocalityLevel => ("al.locality_level".to_owned(), none, String::new()),
    }
}

/// The procurement aggregate of `query`: one cell per group (sorted by keys), or one cell for
/// the whole scope when `group_by` is empty (none when no contract counts).
pub async fn procurement<C: ConnectionTrait>(
    db: &C,
    query: &ProcurementQuery,
) -> Result<Vec<ProcurementCell>, StoreError> {
    let rows = db
        .query_all_raw(procurement_statement(db.get_database_backend(), query))
        .await
        .context("computing procurement indicators")?;
    let arity = query.group_by.len();
    rows.iter()
        .map(|row| procurement_cell(row, arity))
        .collect::<Result<_, _>>()
        .context("reading procurement indicators")
}

/// The one SQL statement [`procurement`] runs for `query` on `backend` (public so the
/// benchmark can time it bare). It reads the award lines ([`crate::store::award_lines`]), which hold
/// one row per line of every live, notified public contract with its weight's denominator,
/// both amounts, flags and supplier attributes already joined.
pub fn procurement_statement(backend: DbBackend, query: &ProcurementQuery) -> Statement {
    let mut sql = Sql::new(backend);
    let float = sql.float();
    let pg = sql.is_postgres();
    let amount = match query.amount_basis {
        AmountBasis::Initial => "al.initial_amount_cents",
        AmountBasis::Current => "al.current_amount_cents",
    };
    let dimensions: Vec<(String, String, String)> = query
        .group_by
        .iter()
        .enumerate()
        .map(|(i, d)| dimension_sql(pg, *d, i))
        .collect();
    let key = |i: usize| {
        dimensions
            .get(i)
            .map_or("''".to_owned(), |(k, _, _)| format!("COALESCE({k}, 'unknown')"))
    };
    let label = |i: usize| {
        dimensions
            .get(i)
            .map_or("CAST(NULL AS TEXT)".to_owned(), |(_, l, _)| l.clone())
    };
    let sse = format!(
        "CASE WHEN al.ess_family IS NOT NULL AND al.ess_family NOT IN ('{}', '{}') THEN 1 ELSE 0 END",
        NON_SSE_FAMILIES[0], NON_SSE_FAMILIES[1]
    );

    sql.push(&format!(
        "WITH lines AS (SELECT al.contract_id AS contract_id, al.line_no AS line_no, \
         {} AS k1, {} AS l1, {} AS k2, {} AS l2, \
         1.0 / CAST(al.line_count AS {float}) AS w, \
         CAST(COALESCE({amount}, 0) AS {float}) / CAST(al.line_count AS {float}) AS a, \
         al.supplier_key AS supplier_key, al.distance_km AS distance_km, {sse} AS is_sse, \
         al.inclusive AS is_inclusive, al.esus AS is_esus, CASE WHEN ",
        key(0),
        label(0),
        key(1),
        label(1)
    ));
    match query.locality {
        LocalityRule::Scale(scale) => {
            let list = scale
                .locality_levels()
                .iter()
                .map(|l| format!("'{l}'"))
                .collect::<Vec<_>>()
                .join(", ");
            sql.push(&format!("al.locality_level IN ({list})"));
        }
        LocalityRule::WithinKm(km) => {
            sql.push("al.distance_km <= ");
            sql.bind(km);
        }
    }
    sql.push(
        " THEN 1 ELSE 0 END AS is_local, al.social AS is_social, al.reserved AS is_reserved, \
         al.environmental AS is_environmental FROM award_line al",
    );
    if let BuyerScope::Territory(territory) = &query.scope {
        sql.push(" JOIN territory_membership sm ON sm.territory_id = al.buyer_commune_id AND sm.ancestor_id = ");
        sql.bind(territory.clone());
    }
    for ((_, _, join), dimension) in dimensions.iter().zip(&query.group_by) {
        match dimension {
            ProcurementDimension::BuyerTerritory(level) | ProcurementDimension::SupplierTerritory(level) => {
                let (before, after) = join.split_once("{LEVEL}").unwrap_or((join, ""));
                sql.push(before);
                sql.bind(level_value(*level));
                sql.push(after);
            }
            _ => {
                sql.push(join);
            }
        }
    }
    sql.push(" WHERE al.notified_on >= ");
    sql.bind(query.from);
    sql.push(" AND al.notified_on <= ");
    sql.bind(query.to);
    if let BuyerScope::Buyer(siren) = &query.scope {
        sql.push(" AND al.buyer_organisation_id IN (SELECT id FROM organisation WHERE siren = ");
        sql.bind(siren.clone());
        sql.push(")");
    }
    // Each contract falls in one group when every dimension is the contract's: its first line
    // then counts it, without a distinct count.
    let contracts = if query.group_by.iter().all(|d| d.of_contract()) {
        "SUM(CASE WHEN line_no = 0 THEN 1 ELSE 0 END)"
    } else {
        "COUNT(DISTINCT contract_id)"
    };
    sql.push(&format!(
        "), ranked AS (SELECT lines.*, \
         SUM(CASE WHEN distance_km IS NOT NULL THEN a ELSE 0 END) OVER (PARTITION BY k1, k2 ORDER BY distance_km \
         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative, \
         SUM(CASE WHEN distance_km IS NOT NULL THEN a ELSE 0 END) OVER (PARTITION BY k1, k2) AS located \
         FROM lines) \
         SELECT k1, MIN(l1), k2, MIN(l2), {contracts}, \
         CAST(SUM(w) AS {float}), CAST(SUM(a) AS {float}), "
    ));
    for flag in [
        "is_sse",
        "is_inclusive",
        "is_esus",
        "is_local",
        "is_social",
        "is_reserved",
        "is_environmental",
    ] {
        sql.push(&format!(
            "CAST(SUM({flag} * w) AS {float}), CAST(SUM({flag} * a) AS {float}), "
        ));
    }
    sql.push(&format!(
        "CAST(SUM(CASE WHEN distance_km IS NOT NULL THEN a * distance_km END) AS {float}) \
         / NULLIF(CAST(SUM(CASE WHEN distance_km IS NOT NULL THEN a END) AS {float}), 0), \
         CAST(MIN(CASE WHEN distance_km IS NOT NULL AND located > 0 AND cumulative >= located / 2.0 \
         THEN distance_km END) AS {float}), \
         COUNT(DISTINCT supplier_key) \
         FROM ranked GROUP BY k1, k2 ORDER BY k1, k2"
    ));
    sql.statement()
}

fn procurement_cell(row: &QueryResult, arity: usize) -> Result<ProcurementCell, sea_orm::DbErr> {
    let f = |i: usize| -> Result<f64, sea_orm::DbErr> { Ok(row.try_get_by_index::<Option<f64>>(i)?.unwrap_or(0.0)) };
    let pair = |i: usize| -> Result<(f64, f64), sea_orm::DbErr> { Ok((f(i)?, f(i + 1)?)) };
    let mut keys = Vec::new();
    let mut labels = Vec::new();
    for i in 0..arity {
        keys.push(row.try_get_by_index::<String>(2 * i)?);
        labels.push(row.try_get_by_index::<Option<String>>(2 * i + 1)?);
    }
    Ok(ProcurementCell {
        keys,
        labels,
        contracts: row.try_get_by_index::<i64>(4)?,
        weight: f(5)?,
        amount_cents: f(6)?,
        sse: pair(7)?,
        inclusive: pair(9)?,
        esus: pair(11)?,
        local: pair(13)?,
        social: pair(15)?,
        reserved: pair(17)?,
        environmental: pair(19)?,
        mean_distance_km: row.try_get_by_index::<Option<f64>>(21)?,
        median_distance_km: row.try_get_by_index::<Option<f64>>(22)?,
        suppliers: row.try_get_by_index::<i64>(23)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_scales_nest() {
        assert_eq!(LocalScale::Commune.locality_levels(), ["same_commune"]);
        assert_eq!(LocalScale::Region.locality_levels().len(), 4);
        assert!(LocalScale::Departement.locality_levels().contains(&"same_epci"));
    }
}
