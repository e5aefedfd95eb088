//! Organisation indicators per territory: counts, SSE share and estimated jobs of the
//! organisations whose head office is in a territory, by one `GROUP BY` statement.

use chrono::NaiveDate;
use entity::enums::TerritoryLevel;
use sea_orm::ConnectionTrait;

use super::{NON_SSE_FAMILIES, Sql, level_value};
use crate::store::StoreError;

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
pub(in crate::store) fn organisation_key(dimension: OrganisationDimension) -> String {
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
pub(in crate::store) fn jobs_by_band() -> String {
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
    sql.rows(
        db,
        ("computing organisation indicators", "reading organisation indicators"),
        |row| {
            Ok(OrganisationCell {
                territory_id: row.try_get_by_index(0)?,
                territory_name: row.try_get_by_index(1)?,
                key: row.try_get_by_index(2)?,
                organisations: row.try_get_by_index(3)?,
                sse_organisations: row.try_get_by_index(4)?,
                estimated_jobs: row.try_get_by_index::<Option<f64>>(5)?.unwrap_or(0.0),
            })
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

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
