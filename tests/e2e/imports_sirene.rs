//! Importers of the Sirene stock files and of partner label lists: counts and fields against
//! the fixtures, dirty rows in the reject report, territory and SSE filters, enrichment of the
//! minimal records a DECP import created, non-diffusible units redacted by the API, a second
//! import that writes nothing, a newer file that updates, labels that change an
//! organisation's SSE family, and the `terrasse import sirene|labels` commands.

use std::path::{Path, PathBuf};

use api::import::{
    RejectReport, Summary,
    labels::{LabelsOptions, LabelsSummary, import_labels},
    sirene::{SireneOptions, SireneScope, SireneSummary, import_sirene},
};
use serde_json::Value;

use crate::harness::{TestApp, on_both_databases};

pub(crate) fn fixture(folder: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder)
        .join(name)
}

pub(crate) fn report_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "terrasse-rejects-{}-{}.jsonl",
        std::process::id(),
        uuid::Uuid::now_v7()
    ))
}

pub(crate) fn read_report(path: &Path) -> Vec<Value> {
    let lines = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    std::fs::remove_file(path).unwrap();
    lines
}

/// Imports the Sirene fixtures `units` and `establishments` with `scope`; returns the summary
/// and the report lines.
pub(crate) async fn sirene(
    app: &TestApp,
    units: &str,
    establishments: &str,
    scope: SireneScope,
) -> (SireneSummary, Vec<Value>) {
    let path = report_path();
    let mut report = RejectReport::to_file(&path).unwrap();
    let options = SireneOptions {
        batch_size: 4,
        scope,
        quiet: true,
        ..SireneOptions::default()
    };
    let summary = import_sirene(
        &app.db,
        &fixture("sirene", units),
        &fixture("sirene", establishments),
        &options,
        &mut report,
    )
    .await
    .unwrap();
    report.finish().unwrap();
    (summary, read_report(&path))
}

pub(crate) async fn sirene_all(app: &TestApp) -> (SireneSummary, Vec<Value>) {
    sirene(
        app,
        "StockUniteLegale_extrait.csv",
        "StockEtablissement_extrait.csv.gz",
        SireneScope::default(),
    )
    .await
}

async fn labels(app: &TestApp, name: &str) -> (LabelsSummary, Vec<Value>) {
    let path = report_path();
    let mut report = RejectReport::to_file(&path).unwrap();
    let options = LabelsOptions {
        batch_size: 3,
        quiet: true,
        ..LabelsOptions::default()
    };
    let summary = import_labels(&app.db, &fixture("labels", name), &options, &mut report)
        .await
        .unwrap();
    report.finish().unwrap();
    (summary, read_report(&path))
}

pub(crate) async fn decp(app: &TestApp) {
    let mut report = RejectReport::discard();
    api::import::decp::import_decp(
        &app.db,
        &fixture("decp", "decp-2022.json"),
        &api::import::decp::DecpOptions::default(),
        &mut report,
        Some(&mut api::import::Progress::new("decp", None).quiet()),
    )
    .await
    .unwrap();
}

/// `(record, field, rejected)` of each report line, sorted.
fn rejections(lines: &[Value]) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["record"].as_str().unwrap().to_owned(),
                l["field"].as_str().unwrap().to_owned(),
                l["rejected"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn reason<'a>(lines: &'a [Value], record: &str, field: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l["record"] == record && l["field"] == field)
        .and_then(|l| l["reason"].as_str())
        .unwrap_or_else(|| panic!("no rejection of {record} {field} in {lines:#?}"))
}

fn owned(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    expected
        .iter()
        .map(|(r, f, k)| ((*r).to_owned(), (*f).to_owned(), (*k).to_owned()))
        .collect()
}

/// `family/basis` of the organisation holding `siren`.
pub(crate) async fn family(app: &TestApp, siren: &str) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT ess_family, ess_family_basis FROM organisation WHERE siren = '{siren}'"),
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no organisation {siren}"));
    format!(
        "{}/{}",
        row.try_get_by_index::<String>(0).unwrap(),
        row.try_get_by_index::<String>(1).unwrap()
    )
}

const UNIT_REJECTIONS: &[(&str, &str, &str)] = &[
    ("#12", "siren", "record"),
    ("334455664", "activitePrincipaleUniteLegale", "field"),
    ("334455664", "dateDernierTraitementUniteLegale", "field"),
    ("334455664", "identifiantAssociationUniteLegale", "field"),
    ("334455664", "statutDiffusionUniteLegale", "field"),
    ("421112228", "categorieJuridiqueUniteLegale", "field"),
    ("421112228", "dateCreationUniteLegale", "field"),
    ("421112228", "trancheEffectifsUniteLegale", "field"),
    ("556677888", "denominationUniteLegale", "record"),
    ("901234567", "dateDebut", "field"),
];

const ESTABLISHMENT_REJECTIONS: &[(&str, &str, &str)] = &[
    ("#16", "siret", "record"),
    ("31234567100019", "siren", "record"),
    ("66778899600011", "codeCommuneEtablissement", "field"),
    ("66778899600011", "codePostalEtablissement", "field"),
    ("78234567200029", "siren", "record"),
    ("81234567600041", "codeCommuneEtablissement", "field"),
    ("81234567600041", "coordonneeLambertAbscisseEtablissement", "field"),
    ("81234567600041", "coordonneeLambertOrdonneeEtablissement", "field"),
    ("81234567600041", "dateCreationEtablissement", "field"),
    ("81234567600041", "trancheEffectifsEtablissement", "field"),
    ("88345678200027", "coordonneeLambertAbscisseEtablissement", "field"),
];

on_both_databases! {
    async fn sirene_enriches_decp_records_classifies_redacts_and_reimports_as_a_no_op(app: &TestApp) {
        super::decp(app).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation WHERE siren = '401234562' AND NOT resolved").await, 1);
        let (summary, lines) = super::sirene_all(app).await;
        assert_eq!(
            summary.legal_units,
            super::Summary { read: 17, imported: 12, updated: 3, rejected: 2, rejected_fields: 8, ..super::Summary::default() }
        );
        assert_eq!(
            summary.establishments,
            super::Summary { read: 20, imported: 14, updated: 3, rejected: 3, rejected_fields: 8, ..super::Summary::default() }
        );
        assert_eq!((summary.legal_units_out_of_scope, summary.establishments_out_of_scope), (0, 0));
        let mut expected = super::owned(super::UNIT_REJECTIONS);
        expected.extend(super::owned(super::ESTABLISHMENT_REJECTIONS));
        expected.sort();
        assert_eq!(super::rejections(&lines), expected, "{lines:#?}");
        assert!(super::reason(&lines, "#12", "siren").contains("Luhn"));
        assert!(super::reason(&lines, "421112228", "categorieJuridiqueUniteLegale").contains("unknown legal category"));
        assert!(super::reason(&lines, "421112228", "trancheEffectifsUniteLegale").contains("unknown headcount band"));
        assert!(super::reason(&lines, "334455664", "activitePrincipaleUniteLegale").contains("NAFRev1"));
        assert!(super::reason(&lines, "556677888", "denominationUniteLegale").contains("no name"));
        assert!(super::reason(&lines, "901234567", "dateDebut").contains("before the creation date"));
        assert!(super::reason(&lines, "66778899600011", "codeCommuneEtablissement").contains("unknown commune"));
        assert!(super::reason(&lines, "81234567600041", "codeCommuneEtablissement").contains("did you mean \"01300\""));
        assert!(super::reason(&lines, "31234567100019", "siren").contains("no live organisation holds SIREN 312345671"));
        assert!(super::reason(&lines, "78234567200029", "siren").contains("does not match"));
        assert!(super::reason(&lines, "88345678200027", "coordonneeLambertAbscisseEtablissement").contains("outside metropolitan France"));
        let dirty = lines.iter().find(|l| l["field"] == "trancheEffectifsUniteLegale").unwrap();
        assert_eq!((dirty["position"].as_u64(), dirty["value"].as_str()), (Some(13), Some("13")));

        // The minimal records the DECP import created are enriched and resolved, and keep
        // their source; the others are new records of source sirene.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM organisation WHERE siren = '401234562' AND resolved AND source = 'decp' \
                 AND name = 'ATELIER SOLIDAIRE DU BOIS' AND acronym = 'ASB' AND legal_category_code = '5458' \
                 AND naf_code = '16.23Z' AND naf_nomenclature = 'naf_rev2' AND headcount_band = '11' AND headcount_year = 2023 \
                 AND employer AND company_category = 'pme' AND sirene_ess_flag AND NOT societe_mission \
                 AND admin_status = 'active' AND diffusible AND source_updated_at IS NOT NULL"
            )
            .await,
            1
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation WHERE source = 'sirene'").await, 12);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation WHERE source = 'decp' AND NOT resolved").await, 4);
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM establishment WHERE siret = '40123456200015' AND source = 'decp' AND is_headquarters \
                 AND commune_id = 'ARM:13205' AND postal_code = '13005' AND address_line1 = '12 RUE DES ATELIERS' \
                 AND naf_code = '16.23Z' AND headcount_band = '11' AND admin_status = 'active' AND geo_precision = 'address' \
                 AND ABS(latitude - 43.299) < 0.0001 AND ABS(longitude - 5.395) < 0.0001"
            )
            .await,
            1
        );
        // A closed establishment and a ceased unit keep their status and dates.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM establishment WHERE siret = '40123456200023' AND NOT is_headquarters \
                 AND admin_status = 'closed' AND closed_on IS NOT NULL AND commune_id = 'COM:13005' \
                 AND address_line1 = '4 B AV DES PAULINES' AND name = 'DEPOT AUBAGNE'"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM organisation WHERE siren = '794567891' AND admin_status = 'ceased' \
                 AND ceased_on IS NOT NULL AND created_on IS NOT NULL AND rna = 'W131000456'"
            )
            .await,
            1
        );
        // Rejected fields are absent, the record kept.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM organisation WHERE siren = '421112228' AND legal_category_code IS NULL \
                 AND created_on IS NULL AND headcount_band IS NULL"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM organisation WHERE siren = '334455664' AND NOT diffusible AND rna IS NULL AND naf_code IS NULL")
                .await,
            1
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM establishment WHERE siret = '66778899600011' AND commune_id IS NULL AND postal_code IS NULL")
                .await,
            1
        );
        // Overseas-free Corsica: Lambert-93 covers it.
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM establishment WHERE siret = '51234567900017' AND commune_id = 'COM:2A004' AND ABS(latitude - 41.919) < 0.0001")
                .await,
            1
        );

        // The SSE family from the legal category, else the Sirene flag.
        for (siren, expected) in [
            ("401234562", "cooperative/legal_category"),
            ("812345676", "association/legal_category"),
            ("782345672", "sse_commercial_company/sirene_flag"),
            ("883456782", "non_sse/legal_category"),
            ("512345679", "mutual/legal_category"),
            ("773456785", "foundation/legal_category"),
            ("445566771", "non_sse/legal_category"),
            ("211300553", "non_sse/legal_category"),
            ("421112228", "sse_commercial_company/sirene_flag"),
            ("667788996", "unknown/none"),
        ] {
            assert_eq!(super::family(app, siren).await, expected, "{siren}");
        }

        // Non-diffusible units and establishments are redacted by the API; a diffusible
        // individual is named.
        let data = app
            .query(
                r#"{ hidden: organisation(siren: "445566771") { name acronym diffusible
                       establishments { nodes { diffusible name addressLine1 postalCode latitude commune { code } } } }
                     named: organisation(siren: "834567893") { name diffusible headquarters { name commune { code } } } }"#,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(data["hidden"]["name"], "[non diffusible]");
        assert_eq!(data["hidden"]["diffusible"], false);
        let establishment = &data["hidden"]["establishments"]["nodes"][0];
        assert_eq!(establishment["diffusible"], false);
        assert_eq!(establishment["addressLine1"], super::Value::Null);
        assert_eq!(establishment["latitude"], super::Value::Null);
        assert_eq!(establishment["commune"]["code"], "30189");
        assert_eq!(data["named"]["name"], "JEANNE MARTIN");
        assert_eq!(data["named"]["headquarters"]["name"], "SALON JEANNE");
        assert_eq!(data["named"]["headquarters"]["commune"]["code"], "2B033");

        // A second import of the same files writes nothing.
        let log = app.scalar("SELECT COUNT(*) FROM change_log").await;
        let audit = app.scalar("SELECT COUNT(*) FROM audit_log").await;
        let (again, again_lines) = super::sirene(
            app,
            "StockUniteLegale_extrait.csv",
            "StockEtablissement_extrait.csv",
            api::import::sirene::SireneScope::default(),
        )
        .await;
        assert_eq!(
            again.legal_units,
            super::Summary { read: 17, unchanged: 15, rejected: 2, rejected_fields: 8, ..super::Summary::default() }
        );
        assert_eq!(
            again.establishments,
            super::Summary { read: 20, unchanged: 17, rejected: 3, rejected_fields: 8, ..super::Summary::default() }
        );
        assert_eq!(again_lines.len(), lines.len());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, log);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, audit);

        // A newer processing date updates; an older one is left alone.
        let (update, _) = super::sirene(
            app,
            "StockUniteLegale_maj.csv",
            "StockEtablissement_extrait.csv",
            api::import::sirene::SireneScope::default(),
        )
        .await;
        assert_eq!(
            update.legal_units,
            super::Summary { read: 3, updated: 1, unchanged: 2, ..super::Summary::default() }
        );
        assert_eq!(update.establishments.unchanged, 17);
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM organisation WHERE siren = '883456782' AND version = 2 \
                 AND name = 'TRANSPORTS DURANCE ET LUBERON' AND headcount_band = '22' AND headcount_year = 2024"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM organisation WHERE siren = '401234562' AND name = 'ATELIER SOLIDAIRE DU BOIS'")
                .await,
            1
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, log + 1);
    }

    async fn sirene_territory_and_ess_filters_keep_what_is_in_scope(app: &TestApp) {
        let departement = api::import::sirene::SireneScope { territories: Some(vec!["DEP:13".to_owned()]), ess_only: false };
        let (summary, lines) =
            super::sirene(app, "StockUniteLegale_extrait.csv", "StockEtablissement_extrait.csv", departement).await;
        assert_eq!(
            summary.legal_units,
            super::Summary { read: 17, imported: 6, rejected_fields: 3, ..super::Summary::default() }
        );
        assert_eq!(
            summary.establishments,
            super::Summary { read: 20, imported: 8, rejected: 1, rejected_fields: 1, ..super::Summary::default() }
        );
        assert_eq!((summary.legal_units_out_of_scope, summary.establishments_out_of_scope), (11, 11));
        assert_eq!(lines.len(), 5, "{lines:#?}");
        let sirens = |sql: &'static str| async move { app.scalar(sql).await };
        assert_eq!(
            sirens(
                "SELECT COUNT(*) FROM organisation WHERE siren IN \
                 ('401234562', '812345676', '883456782', '794567891', '211300553', '421112228')"
            )
            .await,
            6
        );
        // The association of Avignon is kept for its Marseille establishment; its head office,
        // outside the département, is not written.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM establishment e JOIN organisation o ON o.id = e.organisation_id \
                 WHERE o.siren = '812345676'"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM establishment WHERE commune_id NOT LIKE '%:13%'").await,
            0
        );

        // SSE units of Occitanie, added to the same database.
        let occitanie = api::import::sirene::SireneScope { territories: Some(vec!["REG:76".to_owned()]), ess_only: true };
        let (summary, _) =
            super::sirene(app, "StockUniteLegale_extrait.csv", "StockEtablissement_extrait.csv.gz", occitanie).await;
        assert_eq!(
            (summary.legal_units.imported, summary.legal_units.rejected, summary.legal_units_out_of_scope),
            (2, 0, 15)
        );
        assert_eq!(
            (summary.establishments.imported, summary.establishments.rejected, summary.establishments_out_of_scope),
            (2, 1, 17)
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation WHERE siren IN ('782345672', '773456785')").await, 2);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation WHERE siren = '445566771'").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation").await, 8);
    }

    async fn labels_import_dirty_rows_unknown_holders_and_family_changes(app: &TestApp) {
        super::sirene_all(app).await;
        let (summary, lines) = super::labels(app, "labels-partenaire.csv").await;
        assert_eq!(
            summary.labels,
            super::Summary {
                read: 11,
                imported: 7,
                rejected: 4,
                rejected_fields: 2,
                organisations_created: 2,
                establishments_created: 1,
                ..super::Summary::default()
            }
        );
        assert_eq!(summary.reclassified, 3);
        assert_eq!(
            super::rejections(&lines),
            super::owned(&[
                ("#6", "SIREN", "record"),
                ("401234562", "Date de fin", "field"),
                ("773456785", "Date de début", "field"),
                ("773456785", "Type d'agrément", "record"),
                ("782345672:scic:2017-01-15", "record", "record"),
                ("88345678200019", "SIRET", "record"),
            ]),
            "{lines:#?}"
        );
        assert!(super::reason(&lines, "773456785", "Type d'agrément").contains("unknown label kind"));
        assert!(super::reason(&lines, "782345672:scic:2017-01-15", "record").contains("duplicate of the label at position 1"));
        assert!(super::reason(&lines, "401234562", "Date de fin").contains("before the start of validity"));

        // Labels stored with what the file says; unknown holders created unresolved.
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM organisation_label l JOIN organisation o ON o.id = l.organisation_id \
                 WHERE o.siren = '883456782' AND l.kind = 'esus' AND l.issuer = 'DDETS des Bouches-du-Rhône' \
                 AND l.external_id = 'ESUS-13-2023-0042' AND l.source = 'labels' AND l.valid_from IS NOT NULL AND l.valid_to IS NOT NULL"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM organisation_label l JOIN organisation o ON o.id = l.organisation_id \
                 WHERE o.siren = '401234562' AND l.kind = 'esus' AND l.valid_to IS NULL AND l.external_id = '401234562:esus:2024-05-01'"
            )
            .await,
            1
        );
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM organisation WHERE source = 'labels' AND NOT resolved \
                 AND ((siren = '623456787' AND name = 'ESAT LES OLIVIERS') OR (siren = '634567895' AND name = 'EA PROVENCE RECYCLAGE'))"
            )
            .await,
            2
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM establishment WHERE siret = '63456789500012' AND source = 'labels'").await, 1);

        // Labels decide the family of companies and unknown units; statutes stay first; an
        // expired label counts for nothing.
        for (siren, expected) in [
            ("782345672", "cooperative/label"),
            ("883456782", "sse_commercial_company/label"),
            ("623456787", "sse_commercial_company/label"),
            ("634567895", "unknown/none"),
            ("812345676", "association/legal_category"),
            ("401234562", "cooperative/legal_category"),
        ] {
            assert_eq!(super::family(app, siren).await, expected, "{siren}");
        }
        let data = app
            .query(r#"{ organisation(siren: "782345672") { essFamily essFamilyBasis labels { kind } } }"#, serde_json::json!({}))
            .await;
        assert_eq!(data["organisation"]["essFamily"], "COOPERATIVE");
        assert_eq!(data["organisation"]["essFamilyBasis"], "LABEL");

        // Comma-separated, ISO dates, label_kind values.
        let (iso, iso_lines) = super::labels(app, "labels-iso.csv").await;
        assert_eq!(
            (iso.labels.read, iso.labels.imported, iso.labels.rejected_fields, iso.reclassified),
            (3, 3, 1, 0)
        );
        assert_eq!(super::rejections(&iso_lines), super::owned(&[("512345679", "evidence_url", "field")]));

        // Re-importing the labels, and then the Sirene files, writes nothing.
        let log = app.scalar("SELECT COUNT(*) FROM change_log").await;
        let (again, _) = super::labels(app, "labels-partenaire.csv").await;
        assert_eq!(
            again.labels,
            super::Summary { read: 11, unchanged: 7, rejected: 4, rejected_fields: 2, ..super::Summary::default() }
        );
        assert_eq!(again.reclassified, 0);
        let (sirene, _) = super::sirene_all(app).await;
        assert_eq!((sirene.legal_units.unchanged, sirene.establishments.unchanged), (15, 17));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, log);
        assert_eq!(super::family(app, "883456782").await, "sse_commercial_company/label");
    }

    async fn sirene_and_labels_command_lines_write_reports_and_summaries(app: &TestApp) {
        let dir = std::env::temp_dir().join(format!("terrasse-cli-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let units = dir.join("StockUniteLegale.csv");
        std::fs::copy(super::fixture("sirene", "StockUniteLegale_extrait.csv"), &units).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_terrasse"))
            .args(["import", "sirene", "--unites-legales"])
            .arg(&units)
            .arg("--etablissements")
            .arg(super::fixture("sirene", "StockEtablissement_extrait.csv.gz"))
            .args(["--departement", "13", "--batch-size", "2"])
            .env("DATABASE_URL", &app.database_url)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(
            stdout.contains("legal units: read 17, imported 6, updated 0, unchanged 0, rejected 0, rejected fields 3, flagged 0, out of scope 11"),
            "{stdout}"
        );
        assert!(stdout.contains("establishments: read 20, imported 8,"), "{stdout}");
        let report = std::fs::read_to_string(dir.join("StockUniteLegale.csv.rejects.jsonl")).unwrap();
        assert_eq!(report.lines().count(), 5);

        let output = std::process::Command::new(env!("CARGO_BIN_EXE_terrasse"))
            .args(["import", "labels"])
            .arg(super::fixture("labels", "labels-partenaire.csv"))
            .arg("--rejects")
            .arg(dir.join("labels.jsonl"))
            .args(["--source", "PARTNER:avise"])
            .env("DATABASE_URL", &app.database_url)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("read 11, imported 7,"), "{stdout}");
        assert_eq!(std::fs::read_to_string(dir.join("labels.jsonl")).unwrap().lines().count(), 6);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation_label WHERE source = 'PARTNER:avise'").await, 7);
        // Outside the département: the SCIC of Montpellier was created unresolved by the labels.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM organisation WHERE siren = '782345672' AND NOT resolved").await, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
