//! Dashboard aggregates: procurement indicators, organisation indicators and partnership
//! indicators, each computed by one SQL statement with `GROUP BY` (never by loading rows into
//! Rust to sum them).
//!
//! The statements are raw SQL built per backend (PostgreSQL `$n` placeholders and `to_char`,
//! SQLite `?` placeholders and `substr` on ISO dates) by [`Sql`], so both databases run the same
//! definitions. This module returns plain aggregated rows; statistical confidentiality
//! ([`crate::domain::disclosure`]) and GraphQL wrapping happen above it.
//!
//! # Procurement: the unit of analysis
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
//! The lines are stored, pre-joined, in `award_line` ([`super::award_lines`], kept up to date
//! by every write): an indicator reads them by one range scan on (buyer commune, notification
//! date) or (buyer, notification date), and joins only what a dimension needs at read time
//! (territory memberships, the buyer's name, the labels for a label dimension).

use chrono::NaiveDate;
use entity::enums::TerritoryLevel;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use super::{DbContext, StoreError};

/// A SQL statement being written, with its bound values, for one backend.
#[derive(Debug)]
pub(super) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends text.
    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub(super) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// The floating-point SQL type.
    pub(super) fn float(&self) -> &'static str {
        match self.backend {
            DbBackend::Postgres => "DOUBLE PRECISION",
            _ => "REAL",
        }
    }

    fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    pub(super) fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

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

/// Label kinds of inclusive-employment suppliers: SIAE (EI, AI, ACI, ETTI, EITI) and the
/// disability sector (EA, EATT, ESAT).
pub const INCLUSIVE_LABELS: [&str; 8] = [
    "siae_ei",
    "siae_ai",
    "siae_aci",
    "siae_etti",
    "siae_eiti",
    "ea",
    "eatt",
    "esat",
];

/// SSE families that are not in the SSE (everything else is).
pub const NON_SSE_FAMILIES: [&str; 2] = ["non_sse", "unknown"];

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
/// benchmark can time it bare). It reads the award lines ([`super::award_lines`]), which hold
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

/// The stored text of a territory level.
pub(super) fn level_value(level: TerritoryLevel) -> String {
    use sea_orm::ActiveEnum;
    level.to_value()
}

/// A dimension organisation indicators can be grouped by (besides the territory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationDimension {
    /// No further grouping: one cell per territory.
    None,
    /// SSE family.
    SseFamily,
    /// INSEE legal category (4 digits).
    LegalCategory,
    /// NAF section (letter), from the division of the NAF code.
    NafSection,
    /// NAF division (2 digits).
    NafDivision,
    /// Sirene headcount band code.
    HeadcountBand,
    /// A label held on the reference date (`none` without one).
    Label,
}

/// Estimated salaried jobs of each Sirene headcount band: the midpoint of the band (10 000 for
/// `53`, 0 for `NN` and `00`).
pub const HEADCOUNT_MIDPOINTS: [(&str, f64); 16] = [
    ("NN", 0.0),
    ("00", 0.0),
    ("01", 1.5),
    ("02", 4.0),
    ("03", 7.5),
    ("11", 14.5),
    ("12", 34.5),
    ("21", 74.5),
    ("22", 149.5),
    ("31", 224.5),
    ("32", 374.5),
    ("41", 749.5),
    ("42", 1_499.5),
    ("51", 3_499.5),
    ("52", 7_499.5),
    ("53", 10_000.0),
];

/// NAF sections by their first and last division.
pub const NAF_SECTIONS: [(&str, &str, &str); 21] = [
    ("A", "01", "03"),
    ("B", "05", "09"),
    ("C", "10", "33"),
    ("D", "35", "35"),
    ("E", "36", "39"),
    ("F", "41", "43"),
    ("G", "45", "47"),
    ("H", "49", "53"),
    ("I", "55", "56"),
    ("J", "58", "63"),
    ("K", "64", "66"),
    ("L", "68", "68"),
    ("M", "69", "75"),
    ("N", "77", "82"),
    ("O", "84", "84"),
    ("P", "85", "85"),
    ("Q", "86", "88"),
    ("R", "90", "93"),
    ("S", "94", "96"),
    ("T", "97", "98"),
    ("U", "99", "99"),
];

/// The question an organisation aggregate answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationQuery {
    /// Territory (internal id) whose organisations count: those whose head office is in it.
    pub territory: String,
    /// Level of the territories the cells are grouped by (inside `territory`).
    pub level: TerritoryLevel,
    /// Second grouping.
    pub dimension: OrganisationDimension,
    /// Reference date for labels.
    pub as_of: NaiveDate,
}

/// One group of an organisation aggregate.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationCell {
    /// Territory id (`COM:13055`).
    pub territory_id: String,
    /// Territory name.
    pub territory_name: String,
    /// Key of the second dimension (`''` for [`OrganisationDimension::None`], `unknown` when
    /// missing).
    pub key: String,
    /// Organisations.
    pub organisations: i64,
    /// Of which in the SSE.
    pub sse_organisations: i64,
    /// Estimated salaried jobs (headcount-band midpoints).
    pub estimated_jobs: f64,
}

/// The SQL key of an organisation dimension over the organisation `o` (and the label `lab`
/// joined for [`OrganisationDimension::Label`]); NULL when the attribute is missing.
pub(super) fn organisation_key(dimension: OrganisationDimension) -> String {
    let division = "substr(o.naf_code, 1, 2)";
    match dimension {
        OrganisationDimension::None => "''".to_owned(),
        OrganisationDimension::SseFamily => "o.ess_family".to_owned(),
        OrganisationDimension::LegalCategory => "o.legal_category_code".to_owned(),
        OrganisationDimension::NafDivision => division.to_owned(),
        OrganisationDimension::NafSection => {
            let arms = NAF_SECTIONS
                .iter()
                .map(|(section, first, last)| {
                    format!("WHEN {division} BETWEEN '{first}' AND '{last}' THEN '{section}'")
                })
                .collect::<Vec<_>>()
                .join(" ");
            format!("CASE {arms} END")
        }
        OrganisationDimension::HeadcountBand => "o.headcount_band".to_owned(),
        OrganisationDimension::Label => "COALESCE(lab.kind, 'none')".to_owned(),
    }
}

/// The `WHEN band THEN midpoint` arms of a `CASE o.headcount_band` giving estimated jobs.
pub(super) fn jobs_by_band() -> String {
    HEADCOUNT_MIDPOINTS
        .iter()
        .map(|(band, midpoint)| format!("WHEN '{band}' THEN {midpoint:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The organisation aggregate of `query`, sorted by territory id and key. Organisations count
/// when active, not deleted, and their head-office establishment is in the territory.
pub async fn organisations<C: ConnectionTrait>(
    db: &C,
    query: &OrganisationQuery,
) -> Result<Vec<OrganisationCell>, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    let float = sql.float();
    let key = organisation_key(query.dimension);
    let jobs = jobs_by_band();
    let sse = format!(
        "CASE WHEN o.ess_family NOT IN ('{}', '{}') THEN o.id END",
        NON_SSE_FAMILIES[0], NON_SSE_FAMILIES[1]
    );
    sql.push(&format!(
        "SELECT t.id, MIN(t.name), COALESCE({key}, 'unknown') AS k, COUNT(DISTINCT o.id), \
         COUNT(DISTINCT {sse}), CAST(SUM(CASE o.headcount_band {jobs} ELSE 0 END) AS {float}) \
         FROM organisation o \
         JOIN establishment e ON e.organisation_id = o.id AND e.is_headquarters = TRUE AND e.deleted_at IS NULL \
         JOIN territory_membership sm ON sm.territory_id = e.commune_id AND sm.ancestor_id = "
    ));
    sql.bind(query.territory.clone());
    sql.push(" JOIN territory_membership gm ON gm.territory_id = e.commune_id AND gm.ancestor_level = ");
    sql.bind(level_value(query.level));
    sql.push(" JOIN territory t ON t.id = gm.ancestor_id");
    if query.dimension == OrganisationDimension::Label {
        sql.push(
            " LEFT JOIN (SELECT DISTINCT organisation_id, kind FROM organisation_label \
             WHERE deleted_at IS NULL AND (valid_from IS NULL OR valid_from <= ",
        );
        sql.bind(query.as_of);
        sql.push(") AND (valid_to IS NULL OR valid_to >= ");
        sql.bind(query.as_of);
        sql.push(")) lab ON lab.organisation_id = o.id");
    }
    sql.push(" WHERE o.deleted_at IS NULL AND o.admin_status = 'active' GROUP BY t.id, k ORDER BY t.id, k");
    let rows = db
        .query_all_raw(sql.statement())
        .await
        .context("computing organisation indicators")?;
    rows.iter()
        .map(|row| -> Result<OrganisationCell, sea_orm::DbErr> {
            Ok(OrganisationCell {
                territory_id: row.try_get_by_index(0)?,
                territory_name: row.try_get_by_index(1)?,
                key: row.try_get_by_index(2)?,
                organisations: row.try_get_by_index(3)?,
                sse_organisations: row.try_get_by_index(4)?,
                estimated_jobs: row.try_get_by_index::<Option<f64>>(5)?.unwrap_or(0.0),
            })
        })
        .collect::<Result<_, _>>()
        .context("reading organisation indicators")
}

/// One group of partnership counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipCell {
    /// Partnership type (stored value, e.g. `ptce`).
    pub partnership_type: String,
    /// Territory id: the partnership's territory rolled up to the level asked, or its own
    /// territory when that is above the level.
    pub territory_id: String,
    /// Territory name.
    pub territory_name: String,
    /// Partnerships.
    pub partnerships: i64,
    /// Distinct organisations taking part.
    pub organisations: i64,
}

/// Partnerships whose territory is `territory` or inside it, counted by type and territory
/// (rolled up to `level` when given), sorted by type then territory. Deleted partnerships do
/// not count.
pub async fn partnerships<C: ConnectionTrait>(
    db: &C,
    territory: &str,
    level: Option<TerritoryLevel>,
) -> Result<Vec<PartnershipCell>, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT p.partnership_type, t.id, MIN(t.name), COUNT(DISTINCT p.id), COUNT(DISTINCT pp.organisation_id) \
         FROM partnership p \
         JOIN territory_membership sm ON sm.territory_id = p.territory_id AND sm.ancestor_id = ",
    );
    sql.bind(territory.to_owned());
    match level {
        Some(level) => {
            sql.push(" LEFT JOIN territory_membership gm ON gm.territory_id = p.territory_id AND gm.ancestor_level = ");
            sql.bind(level_value(level));
            sql.push(" JOIN territory t ON t.id = COALESCE(gm.ancestor_id, p.territory_id)");
        }
        None => {
            sql.push(" JOIN territory t ON t.id = p.territory_id");
        }
    }
    sql.push(
        " LEFT JOIN partnership_party pp ON pp.partnership_id = p.id \
         WHERE p.deleted_at IS NULL GROUP BY p.partnership_type, t.id ORDER BY p.partnership_type, t.id",
    );
    let rows = db
        .query_all_raw(sql.statement())
        .await
        .context("computing partnership indicators")?;
    rows.iter()
        .map(|row| -> Result<PartnershipCell, sea_orm::DbErr> {
            Ok(PartnershipCell {
                partnership_type: row.try_get_by_index(0)?,
                territory_id: row.try_get_by_index(1)?,
                territory_name: row.try_get_by_index(2)?,
                partnerships: row.try_get_by_index(3)?,
                organisations: row.try_get_by_index(4)?,
            })
        })
        .collect::<Result<_, _>>()
        .context("reading partnership indicators")
}

/// An organisation of a partnership network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkNode {
    /// Organisation id.
    pub organisation_id: Uuid,
    /// Name.
    pub name: String,
    /// SIREN, when known.
    pub siren: Option<String>,
    /// SSE family (stored value).
    pub ess_family: String,
    /// Partnerships of the network it takes part in.
    pub partnerships: i64,
}

/// Two organisations sharing partnerships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEdge {
    /// One organisation (the smaller id).
    pub source: Uuid,
    /// The other.
    pub target: Uuid,
    /// Number of partnerships they share.
    pub shared_partnerships: i64,
}

/// Most organisations a partnership network holds: those taking part in the most
/// partnerships (then by id).
pub const NETWORK_MAX_NODES: u64 = 1_000;

/// Most edges a partnership network holds: the pairs sharing the most partnerships (then by
/// ids), among the organisations kept.
pub const NETWORK_MAX_EDGES: u64 = 5_000;

/// The partnership network of a territory: the diffusible organisations taking part in live
/// partnerships whose territory is `territory` or inside it, and one edge per pair of them
/// sharing at least one such partnership; at most [`NETWORK_MAX_NODES`] organisations and
/// [`NETWORK_MAX_EDGES`] edges.
pub async fn network<C: ConnectionTrait>(
    db: &C,
    territory: &str,
) -> Result<(Vec<NetworkNode>, Vec<NetworkEdge>), StoreError> {
    let scoped = "SELECT pp.partnership_id, pp.organisation_id FROM partnership_party pp \
                  JOIN partnership p ON p.id = pp.partnership_id AND p.deleted_at IS NULL \
                  JOIN organisation o ON o.id = pp.organisation_id AND o.diffusible = TRUE AND o.deleted_at IS NULL \
                  JOIN territory_membership sm ON sm.territory_id = p.territory_id AND sm.ancestor_id = ";
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("WITH scoped AS (");
    sql.push(scoped);
    sql.bind(territory.to_owned());
    sql.push(
        "), top AS (SELECT organisation_id FROM scoped GROUP BY organisation_id \
         ORDER BY COUNT(DISTINCT partnership_id) DESC, organisation_id LIMIT ",
    );
    sql.push(&NETWORK_MAX_NODES.to_string());
    sql.push(
        ") SELECT o.id, o.name, o.siren, o.ess_family, COUNT(DISTINCT s.partnership_id) FROM scoped s \
         JOIN top t ON t.organisation_id = s.organisation_id \
         JOIN organisation o ON o.id = s.organisation_id GROUP BY o.id, o.name, o.siren, o.ess_family ORDER BY o.name, o.id",
    );
    let rows = db
        .query_all_raw(sql.statement())
        .await
        .context("computing the partnership network nodes")?;
    let nodes = rows
        .iter()
        .map(|row| -> Result<NetworkNode, sea_orm::DbErr> {
            Ok(NetworkNode {
                organisation_id: row.try_get_by_index(0)?,
                name: row.try_get_by_index(1)?,
                siren: row.try_get_by_index(2)?,
                ess_family: row.try_get_by_index(3)?,
                partnerships: row.try_get_by_index(4)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .context("reading the partnership network nodes")?;

    let mut sql = Sql::new(db.get_database_backend());
    sql.push("WITH scoped AS (");
    sql.push(scoped);
    sql.bind(territory.to_owned());
    sql.push(
        "), top AS (SELECT organisation_id FROM scoped GROUP BY organisation_id \
         ORDER BY COUNT(DISTINCT partnership_id) DESC, organisation_id LIMIT ",
    );
    sql.push(&NETWORK_MAX_NODES.to_string());
    sql.push(
        "), kept AS (SELECT s.partnership_id, s.organisation_id FROM scoped s \
         JOIN top t ON t.organisation_id = s.organisation_id), \
         strongest AS (SELECT a.organisation_id AS source, b.organisation_id AS target, \
         COUNT(DISTINCT a.partnership_id) AS shared FROM kept a \
         JOIN kept b ON b.partnership_id = a.partnership_id AND a.organisation_id < b.organisation_id \
         GROUP BY a.organisation_id, b.organisation_id ORDER BY shared DESC, source, target LIMIT ",
    );
    sql.push(&NETWORK_MAX_EDGES.to_string());
    sql.push(") SELECT source, target, shared FROM strongest ORDER BY source, target");
    let rows = db
        .query_all_raw(sql.statement())
        .await
        .context("computing the partnership network edges")?;
    let edges = rows
        .iter()
        .map(|row| -> Result<NetworkEdge, sea_orm::DbErr> {
            Ok(NetworkEdge {
                source: row.try_get_by_index(0)?,
                target: row.try_get_by_index(1)?,
                shared_partnerships: row.try_get_by_index(2)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .context("reading the partnership network edges")?;
    Ok((nodes, edges))
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

    #[test]
    fn placeholders_follow_the_backend() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("a = ").bind(1).push(" AND b = ").bind(2);
        assert_eq!(pg.text, "a = $1 AND b = $2");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("a = ").bind(1);
        assert_eq!(lite.text, "a = ?");
    }

    #[test]
    fn naf_sections_cover_every_division_once() {
        for division in 1..=99 {
            let code = format!("{division:02}");
            let sections = NAF_SECTIONS
                .iter()
                .filter(|(_, first, last)| code.as_str() >= *first && code.as_str() <= *last)
                .count();
            assert!(sections <= 1, "{code}");
        }
    }
}
