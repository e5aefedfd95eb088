//! Exports of contracts and organisations (CSV, JSON Lines, OCDS), checked against plain SQL
//! over the same rows.

use std::collections::BTreeSet;

use api::export::{self, Format, Scope, ocds::PackageInfo};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

use crate::harness::{TestApp, on_both_databases};

const BOUCHES_DU_RHONE: &str = "DEP:13";

/// Contracts of buyers in Bouches-du-Rhône notified in 2020-2024, as the exports must select them.
const SCOPED_CONTRACTS: &str = "FROM contract c WHERE c.deleted_at IS NULL \
     AND c.notified_on >= '2020-01-01' AND c.notified_on <= '2024-12-31' \
     AND c.buyer_organisation_id IN ( \
       SELECT o.id FROM organisation o JOIN territory_membership m ON m.territory_id = o.public_authority_territory_id \
       WHERE m.ancestor_id = 'DEP:13' AND o.deleted_at IS NULL \
       UNION SELECT e.organisation_id FROM establishment e JOIN territory_membership m ON m.territory_id = e.commune_id \
       WHERE m.ancestor_id = 'DEP:13' AND e.deleted_at IS NULL)";

fn scope() -> Scope {
    Scope {
        territory_id: Some(BOUCHES_DU_RHONE.to_owned()),
        from: Some(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
        to: Some(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()),
    }
}

/// The first column of `sql`'s rows, decoded as `T` and shown as text.
async fn column<T: sea_orm::TryGetable + ToString>(app: &TestApp, sql: &str) -> BTreeSet<String> {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get_by_index::<T>(0).unwrap().to_string())
        .collect()
}

async fn strings(app: &TestApp, sql: &str) -> BTreeSet<String> {
    column::<String>(app, sql).await
}

async fn ids(app: &TestApp, sql: &str) -> BTreeSet<String> {
    column::<uuid::Uuid>(app, sql).await
}

/// Parses RFC 4180 text (quoted fields, doubled quotes, CRLF line ends) into rows.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the CSV ends with a line break");
    rows
}

async fn export_contracts(app: &TestApp, format: Format) -> String {
    let mut out = Vec::new();
    export::contracts(&app.db, &scope(), format, &PackageInfo::default(), &mut out, |_| {})
        .await
        .unwrap();
    String::from_utf8(out).unwrap()
}

fn ocds_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ocds/release-package-1.1.schema.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// The official OCDS 1.1 release-package schema, its releases checked against the official
/// release schema (both copied unchanged from the standard's repository, see
/// tests/fixtures/ocds/official/SOURCE.md), formats included.
fn official_ocds_schema() -> jsonschema::Validator {
    let read = |name: &str| -> Value {
        let path = format!("{}/tests/fixtures/ocds/official/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let release = read("release-schema.json");
    let package = read("release-package-schema.json");
    let uri = release["id"].as_str().unwrap().to_owned();
    let registry: &'static jsonschema::Registry<'static> = Box::leak(Box::new(
        jsonschema::Registry::new()
            .add(uri, release)
            .unwrap()
            .prepare()
            .unwrap(),
    ));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_registry(registry)
        .build(&package)
        .unwrap()
}

on_both_databases! {
    async fn contract_exports_hold_exactly_the_scoped_contracts_in_every_format(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let expected = strings(app, &format!("SELECT c.uid {SCOPED_CONTRACTS}")).await;
        assert!(expected.len() > 1_000, "the demo has contracts in scope: {}", expected.len());
        let total_cents = app.scalar(&format!("SELECT CAST(COALESCE(SUM(c.amount_cents), 0) AS BIGINT) {SCOPED_CONTRACTS}")).await;
        let supplier_rows = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM contract_supplier s WHERE s.contract_id IN (SELECT c.id {SCOPED_CONTRACTS})"
            ))
            .await;

        // CSV: a header, one row per contract, amounts exact to the cent.
        let csv = parse_csv(&export_contracts(app, Format::Csv).await);
        let header = &csv[0];
        assert_eq!(header.iter().map(String::as_str).collect::<Vec<_>>(), export::records::CONTRACT_COLUMNS);
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let rows = &csv[1..];
        assert!(rows.iter().all(|r| r.len() == header.len()));
        let uids: BTreeSet<String> = rows.iter().map(|r| r[column("uid")].clone()).collect();
        assert_eq!(uids, expected);
        assert_eq!(uids.len(), rows.len(), "each contract once");
        let cents: i64 = rows
            .iter()
            .filter(|r| !r[column("amount_eur")].is_empty())
            .map(|r| {
                let (euros, cents) = r[column("amount_eur")].split_once('.').unwrap();
                euros.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
            })
            .sum();
        assert_eq!(cents, total_cents);
        let notified: Vec<&str> = rows.iter().map(|r| r[column("notified_on")].as_str()).collect();
        assert!(notified.windows(2).all(|w| w[0] <= w[1]), "in notification order");

        // JSON Lines: one object per contract with its suppliers.
        let jsonl = export_contracts(app, Format::Jsonl).await;
        let records: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let uids: BTreeSet<String> = records.iter().map(|r| r["uid"].as_str().unwrap().to_owned()).collect();
        assert_eq!(uids, expected);
        let suppliers: usize = records.iter().map(|r| r["suppliers"].as_array().unwrap().len()).sum();
        assert_eq!(suppliers as i64, supplier_rows);

        // OCDS: a release package that validates, one release per contract.
        let package: Value = serde_json::from_str(&export_contracts(app, Format::Ocds).await).unwrap();
        let validator = ocds_schema();
        let errors: Vec<String> = validator.iter_errors(&package).take(5).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "OCDS validation: {errors:?}");
        let official = official_ocds_schema();
        let errors: Vec<String> = official.iter_errors(&package).take(5).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "official OCDS schema: {errors:?}");
        let releases = package["releases"].as_array().unwrap();
        let ocids: BTreeSet<String> = releases
            .iter()
            .map(|r| r["ocid"].as_str().unwrap().strip_prefix("ocds-terrasse-").unwrap().to_owned())
            .collect();
        assert_eq!(ocids, expected);
        let award_cents: i64 = releases
            .iter()
            .filter_map(|r| r["awards"][0]["value"]["amount"].as_f64())
            .map(|euros| (euros * 100.0).round() as i64)
            .sum();
        assert_eq!(award_cents, total_cents);
        for release in releases {
            let supplier_ids: Vec<&str> = release["parties"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["roles"][0] == "supplier")
                .map(|p| p["id"].as_str().unwrap())
                .collect();
            for awarded in release["awards"][0]["suppliers"].as_array().unwrap() {
                assert!(supplier_ids.contains(&awarded["id"].as_str().unwrap()), "award suppliers are parties");
            }
        }

        // A package that validates is not vacuous: a broken release is refused.
        let mut broken = package.clone();
        broken["releases"][0]["tag"] = serde_json::json!(["signed"]);
        broken["releases"][0]["contracts"][0].as_object_mut().unwrap().remove("awardID");
        assert!(validator.iter_errors(&broken).count() >= 2);
        assert!(official.iter_errors(&broken).count() >= 1, "the official schema refuses an unknown tag");
    }

    async fn organisation_exports_follow_the_territory_and_period_and_redact(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        // One organisation in scope becomes non-diffusible: its name must not leak.
        let in_scope = "FROM organisation o WHERE o.deleted_at IS NULL \
             AND (o.ceased_on IS NULL OR o.ceased_on >= '2020-01-01') \
             AND (o.created_on IS NULL OR o.created_on <= '2024-12-31') \
             AND o.id IN (SELECT e.organisation_id FROM establishment e JOIN territory_membership m \
               ON m.territory_id = e.commune_id WHERE m.ancestor_id = 'DEP:13' AND e.deleted_at IS NULL)";
        let hidden = strings(app, &format!("SELECT o.name {in_scope} AND o.ess_family = 'association' ORDER BY o.name LIMIT 1"))
            .await
            .into_iter()
            .next()
            .unwrap();
        app.db
            .execute_raw(Statement::from_sql_and_values(
                app.db.get_database_backend(),
                match app.db.get_database_backend() {
                    sea_orm::DatabaseBackend::Postgres => "UPDATE organisation SET diffusible = false WHERE name = $1",
                    _ => "UPDATE organisation SET diffusible = false WHERE name = ?",
                },
                [hidden.clone().into()],
            ))
            .await
            .unwrap();
        let expected = ids(app, &format!("SELECT o.id {in_scope}")).await;
        let in_territory = app
            .scalar(
                "SELECT COUNT(*) FROM organisation o WHERE o.deleted_at IS NULL AND o.id IN \
                 (SELECT e.organisation_id FROM establishment e JOIN territory_membership m ON m.territory_id = e.commune_id \
                  WHERE m.ancestor_id = 'DEP:13' AND e.deleted_at IS NULL)",
            )
            .await;

        for format in [Format::Csv, Format::Jsonl] {
            let mut out = Vec::new();
            let written = export::organisations(&app.db, &scope(), format, &mut out, |_| {}).await.unwrap();
            let text = String::from_utf8(out).unwrap();
            assert_eq!(written as usize, expected.len());
            let ids: BTreeSet<String> = match format {
                Format::Csv => parse_csv(&text)[1..].iter().map(|r| r[0].clone()).collect(),
                _ => text
                    .lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_owned())
                    .collect(),
            };
            assert_eq!(ids, expected, "{format:?}");
            assert!(!text.contains(&hidden), "{format:?} leaks a non-diffusible name");
            assert!(text.contains("[non diffusible]"), "{format:?}");
        }
        // Without a period: every organisation established in the territory.
        let mut unbounded = Vec::new();
        let all = export::organisations(
            &app.db,
            &Scope { territory_id: Some(BOUCHES_DU_RHONE.to_owned()), from: None, to: None },
            Format::Jsonl,
            &mut unbounded,
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(i64::try_from(all).unwrap(), in_territory);
        assert!(all as usize >= expected.len());
        // OCDS is for contracts only.
        let refused = export::organisations(&app.db, &scope(), Format::Ocds, Vec::new(), |_| {}).await;
        assert!(refused.unwrap_err().to_string().contains("contracts only"));
    }

    async fn the_export_command_writes_files_and_names_bad_arguments(app: &TestApp) {
        use super::*;
        api::seed::demo::seed_demo(&app.db).await.unwrap();
        let expected = strings(app, &format!("SELECT c.uid {SCOPED_CONTRACTS}")).await;
        let dir = std::env::temp_dir().join(format!("terrasse_export_{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bouches-du-rhone.json.gz");
        let terrasse = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_terrasse"))
                .env("DATABASE_URL", &app.database_url)
                .env("RUST_LOG", "warn")
                .args(args)
                .output()
                .unwrap()
        };
        let output = terrasse(&[
            "export", "contracts", "--format", "ocds", "--territory", "departement:13",
            "--from", "2020-01-01", "--to", "2024-12-31", "--ocid-prefix", "ocds-abc123",
            "--output", file.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap()), &mut text).unwrap();
        let package: Value = serde_json::from_str(&text).unwrap();
        let releases = package["releases"].as_array().unwrap();
        assert_eq!(releases.len(), expected.len());
        assert!(releases.iter().all(|r| r["ocid"].as_str().unwrap().starts_with("ocds-abc123-")));

        let output = terrasse(&["export", "organisations", "--format", "csv", "--territory", "commune:84007"]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let rows = parse_csv(&String::from_utf8(output.stdout).unwrap());
        let avignon = app.scalar(
            "SELECT COUNT(DISTINCT e.organisation_id) FROM establishment e JOIN organisation o ON o.id = e.organisation_id \
             WHERE e.commune_id = 'COM:84007' AND e.deleted_at IS NULL AND o.deleted_at IS NULL",
        ).await;
        assert_eq!(rows.len() as i64 - 1, avignon);

        for (args, named) in [
            (&["export", "contracts", "--territory", "departement:999"][..], "departement:999"),
            (&["export", "contracts", "--territory", "canton:12"][..], "canton"),
            (&["export", "contracts", "--from", "2024-01-01", "--to", "2023-01-01"][..], "--from 2024-01-01"),
            (&["export", "organisations", "--format", "ocds"][..], "contracts only"),
        ] {
            let output = terrasse(args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{args:?} should fail");
            assert!(stderr.contains(named), "{args:?}: {stderr}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
