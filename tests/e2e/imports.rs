//! Importers of open data: DECP files in the 2022 and 2019 formats (gzip too) with their
//! dirty records, the reject report and the summary, unresolved minimal records, execution
//! places resolved to territories, a second import that changes nothing, a newer publication
//! that updates a contract and its modifications, and the `terrasse import decp` command.

use std::path::{Path, PathBuf};

use api::import::{
    Progress, RejectReport, Summary,
    decp::{DecpOptions, import_decp},
};
use serde_json::Value;

use crate::harness::{TestApp, on_both_databases};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/decp")
        .join(name)
}

/// Imports `name` with a reject report in a temporary file; returns the summary and the
/// report lines.
async fn import(app: &TestApp, name: &str) -> (Summary, Vec<Value>) {
    let report_path = std::env::temp_dir().join(format!(
        "terrasse-rejects-{}-{}.jsonl",
        std::process::id(),
        uuid::Uuid::now_v7()
    ));
    let mut report = RejectReport::to_file(&report_path).unwrap();
    let mut progress = Progress::new("decp", None).quiet();
    let summary = import_decp(
        &app.db,
        &fixture(name),
        &DecpOptions::default(),
        &mut report,
        Some(&mut progress),
    )
    .await
    .unwrap();
    report.finish().unwrap();
    let lines = std::fs::read_to_string(&report_path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    std::fs::remove_file(&report_path).unwrap();
    (summary, lines)
}

/// `(record, field, rejected)` of each report line, with its reason.
fn rejections(lines: &[Value]) -> Vec<(String, String, String, String)> {
    lines
        .iter()
        .map(|l| {
            (
                l["record"].as_str().unwrap().to_owned(),
                l["field"].as_str().unwrap().to_owned(),
                l["rejected"].as_str().unwrap().to_owned(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn text(app: &TestApp, sql: &str) -> Option<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row for {sql}"));
    row.try_get_by_index::<Option<String>>(0).unwrap()
}

const M1: &str = "211300553000162024-001";

on_both_databases! {
    async fn decp_2022_dirty_file_imports_completely_and_twice_is_a_no_op(app: &TestApp) {
        let (summary, lines) = super::import(app, "decp-2022.json").await;
        assert_eq!(
            summary,
            super::Summary {
                read: 8,
                imported: 5,
                updated: 0,
                unchanged: 0,
                rejected: 3,
                rejected_fields: 4,
                flagged: 2,
                organisations_created: 7,
                establishments_created: 7,
            }
        );
        let mut found = super::rejections(&lines);
        found.sort();
        let expected: Vec<(&str, &str, &str)> = vec![
            ("#3", "acheteur.id", "record"),
            ("#6", "id", "record"),
            ("211300553000162024-001", "record", "record"),
            ("211300553000162024-002", "montant", "field"),
            ("213502388000192024-004", "codeCPV", "field"),
            ("213502388000192024-004", "titulaires.1.id", "field"),
            ("213502388000192024-007", "dureeMois", "field"),
        ];
        assert_eq!(
            found.iter().map(|(r, f, k, _)| (r.as_str(), f.as_str(), k.as_str())).collect::<Vec<_>>(),
            expected,
            "{found:#?}"
        );
        let reason = |field: &str| found.iter().find(|f| f.1 == field).unwrap().3.clone();
        assert!(reason("acheteur.id").contains("Luhn"), "{}", reason("acheteur.id"));
        assert!(reason("montant").contains("too large"), "{}", reason("montant"));
        assert!(reason("record").contains("duplicate of the record at position 1"));
        assert!(reason("titulaires.1.id").contains("invalid supplier SIRET"));
        assert_eq!(lines.iter().find(|l| l["field"] == "montant").unwrap()["value"], serde_json::json!(1e17));

        // Every valid contract is present, with what the file says.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM contract WHERE source = 'decp'").await, 5);
        assert_eq!(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM contract WHERE uid = '{}' AND amount_cents = 57500000 \
                 AND duration_months = 48 AND current_duration_months = 52 AND social_clause AND reserved \
                 AND exec_territory_id = 'COM:13055' AND published_on IS NOT NULL",
                super::M1
            ))
            .await,
            1
        );
        assert_eq!(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM contract_modification m JOIN contract c ON c.id = m.contract_id WHERE c.uid = '{}'", super::M1
            ))
            .await,
            1
        );
        // "NC" duration and an unstorable amount are absent; "oui"/"non" read; out-of-order
        // dates and a bare-string supplier flagged.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract WHERE uid = '211300553000162024-002' AND duration_months IS NULL \
                 AND amount_cents IS NULL AND innovative AND NOT advance AND exec_territory_id = 'DEP:13'"
            )
            .await,
            1
        );
        let flags: serde_json::Value = serde_json::from_str(
            &super::text(app, "SELECT CAST(quality_flags AS TEXT) FROM contract WHERE uid = '211300553000162024-002'")
                .await
                .unwrap(),
        )
        .unwrap();
        let reasons: Vec<&str> = flags.as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(reasons, vec!["datePublicationDonnees", "titulaires.0"], "{flags}");
        // An implausible amount is kept and flagged; a SIRET that lost its leading zero is
        // restored; a VAT supplier is kept as an identifier, foreign.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract WHERE uid = '213502388000192024-004' AND amount_cents = 2000000000000 \
                 AND cpv_code IS NULL AND exec_territory_id = 'COM:35238'"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract_supplier s JOIN contract c ON c.id = s.contract_id \
                 WHERE c.uid = '213502388000192024-004' AND ((s.id_value = '01234567400019' AND s.establishment_id IS NOT NULL) \
                 OR (s.id_scheme = 'tva' AND s.id_value = 'DE814864138' AND s.establishment_id IS NULL AND s.locality_level = 'foreign'))"
            )
            .await,
            2
        );
        // A postal code of one commune resolves to it; the concession and its modification.
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM contract WHERE uid = '213502388000192024-007' AND exec_territory_id = 'COM:35238'")
                .await,
            1
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract WHERE uid = '21130055300016DSP-2024-01' AND kind = 'concession' \
                 AND amount_cents = 125000050 AND current_amount_cents = 150000000 AND current_duration_months = 72 \
                 AND public_subsidy_cents = 30000000 AND reserved"
            )
            .await,
            1
        );
        // Unknown buyers and suppliers became minimal records, marked unresolved.
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM organisation WHERE source = 'decp' AND NOT resolved").await,
            7
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract c JOIN establishment e ON e.id = c.buyer_establishment_id \
                 WHERE e.siret = '21130055300016'"
            )
            .await,
            3
        );

        // A second import changes nothing.
        let log = app.scalar("SELECT COUNT(*) FROM change_log").await;
        let audit = app.scalar("SELECT COUNT(*) FROM audit_log").await;
        let (again, again_lines) = super::import(app, "decp-2022.json").await;
        assert_eq!(
            again,
            super::Summary {
                read: 8,
                unchanged: 5,
                rejected: 3,
                rejected_fields: 4,
                flagged: 2,
                ..super::Summary::default()
            }
        );
        assert_eq!(again_lines.len(), lines.len());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, log);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, audit);

        // A newer publication updates the contract and its modifications.
        let (update, _) = super::import(app, "decp-2022-update.json").await;
        assert_eq!((update.read, update.updated), (1, 1));
        assert_eq!(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM contract WHERE uid = '{}' AND version = 2 AND current_amount_cents = 64000000 \
                 AND amount_cents = 57500000",
                super::M1
            ))
            .await,
            1
        );
        assert_eq!(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM contract_modification m JOIN contract c ON c.id = m.contract_id WHERE c.uid = '{}'", super::M1
            ))
            .await,
            2
        );
        // The older publication, read again, leaves the newer one alone.
        let log = app.scalar("SELECT COUNT(*) FROM change_log").await;
        let (older, _) = super::import(app, "decp-2022.json").await;
        assert_eq!((older.updated, older.unchanged), (0, 5));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, log);
    }

    async fn decp_2019_gzip_with_concession_and_newer_publication(app: &TestApp) {
        let (summary, lines) = super::import(app, "decp-2019.json.gz").await;
        assert!(lines.is_empty(), "{lines:#?}");
        assert_eq!(
            (summary.read, summary.imported, summary.updated, summary.rejected),
            (4, 3, 1, 0)
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract WHERE uid = '213502388000192019-0042' AND amount_cents = 1250050 \
                 AND duration_months = 12 AND current_duration_months = 15 AND current_amount_cents = 1500000 \
                 AND exec_territory_id = 'COM:35238' AND notified_on IS NOT NULL"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract_supplier s JOIN contract c ON c.id = s.contract_id \
                 WHERE c.uid = '213502388000192019-0042' AND s.id_scheme = 'hors_ue' AND s.locality_level = 'foreign'"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM contract WHERE uid = '21350238800019CC-2019-07' AND kind = 'concession' \
                 AND exec_territory_id = 'DEP:35' AND amount_cents = 84000000"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM contract WHERE uid = '213502388000192019-0043' AND amount_cents = 4500046 AND duration_months = 24")
                .await,
            1
        );
        // The names published beside the SIRETs name the minimal records.
        assert_eq!(
            super::text(app, "SELECT name FROM organisation WHERE siren = '401234562'").await.as_deref(),
            Some("ATELIER SOLIDAIRE DU BOIS")
        );
        let log = app.scalar("SELECT COUNT(*) FROM change_log").await;
        let (again, _) = super::import(app, "decp-2019.json").await;
        assert_eq!((again.read, again.unchanged, again.imported, again.updated), (4, 4, 0, 0));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, log);
    }

    async fn decp_command_line_writes_the_report_and_the_summary(app: &TestApp) {
        let dir = std::env::temp_dir().join(format!("terrasse-cli-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("decp.json");
        std::fs::copy(super::fixture("decp-2022.json"), &input).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_terrasse"))
            .args(["import", "decp"])
            .arg(&input)
            .env("DATABASE_URL", &app.database_url)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("read 8, imported 5, updated 0, unchanged 0, rejected 3, rejected fields 4, flagged 2"), "{stdout}");
        let report = std::fs::read_to_string(dir.join("decp.json.rejects.jsonl")).unwrap();
        assert_eq!(report.lines().count(), 7);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM contract WHERE source = 'decp'").await, 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
