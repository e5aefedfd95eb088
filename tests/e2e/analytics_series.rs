//! Time series of the organisation and partnership indicators, compared on the demo ecosystem
//! with a Rust fold over every row read by plain `SELECT`s: every period present, the stock
//! taken on each period's last day, suppression period by period for anonymous callers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    analytics::{World, day},
    harness::on_both_databases,
};

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
}

/// An organisation as the fold needs it.
struct Org {
    id: Uuid,
    family: String,
    band: Option<String>,
    active: bool,
    live: bool,
    created_on: Option<NaiveDate>,
    ceased_on: Option<NaiveDate>,
    head_commune: Option<String>,
}

async fn organisations(db: &DatabaseConnection) -> Vec<Org> {
    let mut heads: HashMap<Uuid, String> = HashMap::new();
    for row in rows(
        db,
        "SELECT organisation_id, commune_id FROM establishment WHERE is_headquarters = TRUE AND deleted_at IS NULL",
    )
    .await
    {
        if let Some(commune) = row.try_get_by_index::<Option<String>>(1).unwrap() {
            heads.insert(row.try_get_by_index(0).unwrap(), commune);
        }
    }
    rows(
        db,
        "SELECT id, ess_family, headcount_band, admin_status, deleted_at IS NULL, created_on, ceased_on FROM organisation",
    )
    .await
    .iter()
    .map(|row| {
        let id: Uuid = row.try_get_by_index(0).unwrap();
        Org {
            id,
            family: row.try_get_by_index(1).unwrap(),
            band: row.try_get_by_index(2).unwrap(),
            active: row.try_get_by_index::<String>(3).unwrap() == "active",
            live: row.try_get_by_index(4).unwrap(),
            created_on: row.try_get_by_index(5).unwrap(),
            ceased_on: row.try_get_by_index(6).unwrap(),
            head_commune: heads.get(&id).cloned(),
        }
    })
    .collect()
}

/// The fold: (period, key) -> (organisations, SSE organisations, estimated jobs), for the
/// periods given by (key, last day), keyed by SSE family or by label held on the last day.
fn organisation_fold(
    world: &World,
    orgs: &[Org],
    scope: &str,
    periods: &[(String, NaiveDate)],
    by_label: bool,
) -> BTreeMap<(String, String), (i64, i64, f64)> {
    let midpoints: HashMap<&str, f64> = api::store::analytics::HEADCOUNT_MIDPOINTS.into_iter().collect();
    let mut expected = BTreeMap::new();
    for (period, ends) in periods {
        for org in orgs {
            let exists = org.live
                && org.created_on.is_none_or(|created| created <= *ends)
                && org.ceased_on.is_none_or(|ceased| ceased > *ends)
                && (org.active || org.ceased_on.is_some());
            if !exists || !world.inside(org.head_commune.as_ref(), scope) {
                continue;
            }
            let keys: Vec<String> = if by_label {
                let held = world.labels_on(Some(org.id), *ends);
                if held.is_empty() {
                    vec!["none".into()]
                } else {
                    held.into_iter().collect()
                }
            } else {
                vec![org.family.clone()]
            };
            for key in keys {
                let cell: &mut (i64, i64, f64) = expected.entry((period.clone(), key)).or_default();
                cell.0 += 1;
                if org.family != "non_sse" && org.family != "unknown" {
                    cell.1 += 1;
                }
                cell.2 += org.band.as_deref().map_or(0.0, |b| midpoints[b]);
            }
        }
    }
    expected
}

/// A partnership: id, type, territory, start and end dates.
type PartnershipRow = (Uuid, String, Option<String>, Option<NaiveDate>, Option<NaiveDate>);

fn yearly(from: i32, to: i32, last: NaiveDate) -> Vec<(String, NaiveDate)> {
    (from..=to)
        .map(|year| (year.to_string(), day(year, 12, 31).min(last)))
        .collect()
}

/// The example dashboard query (its variable `groupBy` defaults to `SSE_FAMILY`).
const ORGANISATION_SERIES: &str = include_str!("../../examples/dashboards/sse_organisations_per_year.graphql");

fn cells_by_key(cells: &Value) -> BTreeMap<(String, String), &Value> {
    cells
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    c["period"].as_str().unwrap().to_owned(),
                    c["key"].as_str().unwrap().to_owned(),
                ),
                c,
            )
        })
        .collect()
}

on_both_databases! {
    async fn organisation_time_series_match_an_independent_fold(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let orgs = organisations(&app.db).await;
        let periods = yearly(2005, 2026, day(2026, 6, 30));
        let partner = crate::writes::key(app, entity::enums::ApiRole::Partner, Some("PARTNER:obs")).await;

        for (group_by, by_label) in [("SSE_FAMILY", false), ("LABEL", true)] {
            let expected = organisation_fold(&world, &orgs, "DEP:13", &periods, by_label);
            let data = crate::writes::data(app, &partner, ORGANISATION_SERIES, json!({ "groupBy": group_by })).await;
            let series = &data["organisationTimeSeries"];
            let cells = cells_by_key(&series["cells"]);
            // The full grid: every period times every key met in any period.
            let keys: BTreeSet<&String> = expected.keys().map(|(_, key)| key).collect();
            assert_eq!(cells.len(), periods.len() * keys.len(), "{group_by}");
            for (period, _) in &periods {
                for key in &keys {
                    let cell = cells[&(period.clone(), (*key).clone())];
                    let (orgs, sse, jobs) = expected.get(&(period.clone(), (*key).clone())).copied().unwrap_or_default();
                    assert_eq!(cell["suppressed"], false, "{cell}");
                    assert_eq!(cell["organisations"], json!(orgs), "{group_by} {period} {key}");
                    assert_eq!(cell["sseOrganisations"], json!(sse), "{group_by} {period} {key}");
                    let actual_jobs = cell["estimatedJobs"].as_f64().unwrap();
                    assert!((actual_jobs - jobs).abs() < 1e-6, "{group_by} {period} {key}: {actual_jobs} vs {jobs}");
                }
            }
            // The stock changes over time: creations and cessations both show.
            let totals: Vec<i64> = series["totals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["organisations"].as_i64().unwrap())
                .collect();
            assert_eq!(totals.len(), periods.len());
            assert!(totals.first() < totals.last(), "{totals:?}");
            let family_totals = organisation_fold(&world, &orgs, "DEP:13", &periods, false);
            for ((period, _), total) in periods.iter().zip(&totals) {
                let expected_total: i64 =
                    family_totals.iter().filter(|((p, _), _)| p == period).map(|(_, (n, _, _))| n).sum();
                assert_eq!(*total, expected_total, "total {period}");
            }
            let definitions = &series["definitions"];
            assert!(definitions["counted"].as_str().unwrap().contains("last day"));
            assert!(definitions["estimates"].as_str().unwrap().contains("ESTIMATE"));
        }
        // Someone ceased on a known date and no longer counts after it.
        assert!(orgs.iter().any(|o| o.ceased_on.is_some() && world.inside(o.head_commune.as_ref(), "DEP:13")));
    }

    async fn organisation_time_series_withhold_small_cells_for_anonymous_callers(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let orgs = organisations(&app.db).await;
        let periods = yearly(2005, 2026, day(2026, 6, 30));
        let expected = organisation_fold(&world, &orgs, "DEP:13", &periods, false);
        let data = app.query(ORGANISATION_SERIES, json!({ "groupBy": "SSE_FAMILY" })).await;
        let series = &data["organisationTimeSeries"];
        assert!(series["definitions"]["confidentiality"].as_str().unwrap().contains("each period"));
        let cells = cells_by_key(&series["cells"]);
        let mut primary = 0;
        for ((period, key), cell) in &cells {
            let (orgs, _, _) = expected.get(&(period.clone(), key.clone())).copied().unwrap_or_default();
            if orgs > 0 && orgs < 3 {
                primary += 1;
                assert_eq!(cell["suppressed"], true, "{cell}");
                assert_eq!(cell["organisations"], Value::Null);
                assert!(cell["suppressionReason"].as_str().unwrap().contains("fewer than 3"));
            } else if cell["suppressed"] == false {
                assert_eq!(cell["organisations"], json!(orgs), "{period} {key}");
            } else {
                assert!(cell["suppressionReason"].as_str().unwrap().starts_with("secondary"), "{cell}");
            }
        }
        assert!(primary > 0, "the early years hold small cells");
        // No period publishes its total beside exactly one withheld cell.
        let totals = cells_by_key(&series["totals"]);
        for (period, _) in &periods {
            if totals[&(period.clone(), String::new())]["suppressed"] == true {
                continue;
            }
            let withheld = cells.iter().filter(|((p, _), c)| p == period && c["suppressed"] == true).count();
            assert_ne!(withheld, 1, "period {period}");
        }
    }

    async fn partnership_time_series_match_an_independent_fold(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let mut parties: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
        for row in rows(&app.db, "SELECT partnership_id, organisation_id FROM partnership_party").await {
            parties.entry(row.try_get_by_index(0).unwrap()).or_default().insert(row.try_get_by_index(1).unwrap());
        }
        let partnerships: Vec<PartnershipRow> = rows(
            &app.db,
            "SELECT id, partnership_type, territory_id, start_date, end_date FROM partnership WHERE deleted_at IS NULL",
        )
        .await
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
                r.try_get_by_index(4).unwrap(),
            )
        })
        .collect();
        let quarters: Vec<(String, NaiveDate)> = (2018..=2026)
            .flat_map(|year| {
                (1..=4u32).map(move |q| {
                    let ends = if q == 4 { day(year, 12, 31) } else { day(year, 3 * q + 1, 1).pred_opt().unwrap() };
                    (format!("{year}-Q{q}"), ends)
                })
            })
            .filter(|(_, ends)| *ends >= day(2018, 1, 1))
            .map(|(key, ends)| (key, ends.min(day(2026, 8, 15))))
            .take_while(|(key, _)| key.as_str() <= "2026-Q3")
            .collect();
        let mut expected: BTreeMap<(String, String), (i64, BTreeSet<Uuid>)> = BTreeMap::new();
        for (period, ends) in &quarters {
            for (id, kind, territory, start, end) in &partnerships {
                if world.inside(territory.as_ref(), "REG:93")
                    && start.is_none_or(|s| s <= *ends)
                    && end.is_none_or(|e| e >= *ends)
                {
                    let cell = expected.entry((period.clone(), kind.clone())).or_default();
                    cell.0 += 1;
                    cell.1.extend(parties.get(id).into_iter().flatten());
                }
            }
        }
        let data = app
            .query(
                r#"{ partnershipTimeSeries(
                    territory: { level: REGION, code: "93" }
                    period: { from: "2018-02-10", to: "2026-08-15" }
                    granularity: QUARTER
                  ) { definitions { counted dateBasis } cells { period partnershipType partnerships organisations } } }"#,
                json!({}),
            )
            .await;
        let cells = data["partnershipTimeSeries"]["cells"].as_array().unwrap();
        let types = 9;
        assert_eq!(cells.len(), quarters.len() * types);
        let periods: Vec<&str> = cells.iter().map(|c| c["period"].as_str().unwrap()).collect();
        assert_eq!(periods.first(), Some(&"2018-Q1"));
        assert_eq!(periods.last(), Some(&"2026-Q3"));
        let mut nonzero = 0;
        for cell in cells {
            let period = cell["period"].as_str().unwrap().to_owned();
            let kind = cell["partnershipType"].as_str().unwrap().to_lowercase();
            let (n, members) = expected.get(&(period.clone(), kind.clone())).cloned().unwrap_or_default();
            assert_eq!(cell["partnerships"], json!(n), "{period} {kind}");
            assert_eq!(cell["organisations"], json!(members.len()), "{period} {kind}");
            nonzero += usize::from(n > 0);
        }
        assert!(nonzero > 10, "{nonzero} non-empty cells");
        // The series moves: partnerships start and end inside the period.
        let per_period: BTreeMap<&str, i64> = cells.iter().fold(BTreeMap::new(), |mut acc, c| {
            *acc.entry(c["period"].as_str().unwrap()).or_default() += c["partnerships"].as_i64().unwrap();
            acc
        });
        assert!(per_period.values().collect::<BTreeSet<_>>().len() > 2, "{per_period:?}");
    }

    async fn the_configured_suppression_threshold_applies(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let world = World::load(&app.db).await;
        let orgs = organisations(&app.db).await;
        let periods = yearly(2005, 2026, day(2026, 6, 30));
        let expected = organisation_fold(&world, &orgs, "DEP:13", &periods, false);
        let strict = app.sibling(|serve| serve.suppression_threshold = 8).await;
        let body = json!({ "query": ORGANISATION_SERIES, "variables": { "groupBy": "SSE_FAMILY" } }).to_string();
        let answer = crate::harness::exchange(crate::transport::post(strict, "application/json", None, body)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let data = answer.json();
        let series = &data["data"]["organisationTimeSeries"];
        assert!(series["definitions"]["confidentiality"].as_str().unwrap().contains("fewer than 8"), "{series}");
        let cells = cells_by_key(&series["cells"]);
        let mut between = 0;
        for ((period, key), cell) in &cells {
            let (orgs, _, _) = expected.get(&(period.clone(), key.clone())).copied().unwrap_or_default();
            if orgs > 0 && orgs < 8 {
                assert_eq!(cell["suppressed"], true, "{period} {key}: {cell}");
                between += usize::from(orgs >= 3);
            }
        }
        assert!(between > 0, "some cells of 3 to 7 organisations are withheld only under the stricter threshold");
    }

    async fn bad_series_arguments_are_rejected_with_field_and_value(app: &TestApp) {
        use super::*;
        for (query, field, value) in [
            (
                r#"{ organisationTimeSeries(territory: { level: DEPARTEMENT, code: "13" }, period: { from: "2021-01-01", to: "2020-01-01" }, granularity: YEAR) { totals { period } } }"#,
                "period.to",
                "2020-01-01",
            ),
            (
                r#"{ partnershipTimeSeries(territory: { level: DEPARTEMENT, code: "13" }, period: { from: "1900-01-01", to: "2100-01-01" }, granularity: MONTH) { cells { period } } }"#,
                "period",
                "1900-01-01 to 2100-01-01",
            ),
            (
                r#"{ organisationTimeSeries(territory: { level: EPCI, code: "123" }, period: { from: "2020-01-01", to: "2021-01-01" }, granularity: YEAR) { totals { period } } }"#,
                "code",
                "123",
            ),
        ] {
            let response = app.graphql(query, json!({})).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response}");
            assert_eq!(error["extensions"]["field"], field, "{response}");
            assert!(error["message"].as_str().unwrap().contains(value), "{response}");
        }
    }
}
