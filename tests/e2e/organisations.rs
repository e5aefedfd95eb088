//! Organisations by SIREN, with establishments and their communes, through the store.

use api::store::organisations::{NewOrganisations, insert_new};
use chrono::{TimeZone, Utc};
use entity::{
    enums::{
        EssFamily, EssFamilyBasis, EstablishmentStatus, GeoPrecision, HeadcountBand, LabelKind, OrganisationStatus,
    },
    establishment, organisation, organisation_label,
};
use sea_orm::{DatabaseConnection, TransactionTrait};

use uuid::Uuid;

use crate::harness::on_both_databases;

/// Writes an association with two establishments (Marseille head office, Nice) and an ESUS
/// label through the store.
pub async fn write_association(db: &DatabaseConnection) -> Uuid {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let organisation_id = Uuid::now_v7();
    let organisation = organisation::Model {
        id: organisation_id,
        siren: Some("552100554".into()),
        rna: Some("W133000001".into()),
        name: "Société Coopérative des Jardins".into(),
        name_search: api::domain::text::fold_for_search("Société Coopérative des Jardins"),
        acronym: Some("SCJ".into()),
        legal_category_code: Some("9220".into()),
        ess_family: EssFamily::Association,
        ess_family_basis: EssFamilyBasis::LegalCategory,
        sirene_ess_flag: Some(true),
        societe_mission: None,
        naf_code: Some("88.99B".into()),
        naf_nomenclature: None,
        headcount_band: Some(HeadcountBand::From10To19),
        headcount_year: Some(2024),
        employer: Some(true),
        company_category: None,
        admin_status: OrganisationStatus::Active,
        created_on: chrono::NaiveDate::from_ymd_opt(2001, 5, 4),
        ceased_on: None,
        diffusible: true,
        resolved: true,
        public_authority_territory_id: None,
        source: "MANUAL".into(),
        external_id: Some("test-1".into()),
        source_updated_at: None,
        created_at: at,
        updated_at: at,
        deleted_at: None,
        version: 1,
    };
    let establishment = |siret: &str, hq: bool, commune: &str| establishment::Model {
        id: Uuid::now_v7(),
        organisation_id,
        siret: Some(siret.into()),
        name: None,
        is_headquarters: hq,
        address_line1: Some("1 rue de la République".into()),
        address_line2: None,
        postal_code: None,
        commune_id: Some(commune.into()),
        latitude: Some(43.3),
        longitude: Some(5.4),
        geo_precision: Some(GeoPrecision::Address),
        naf_code: None,
        headcount_band: None,
        admin_status: EstablishmentStatus::Active,
        opened_on: None,
        closed_on: None,
        diffusible: true,
        source: "MANUAL".into(),
        external_id: Some(format!("test-{siret}")),
        source_updated_at: None,
        created_at: at,
        updated_at: at,
        deleted_at: None,
        version: 1,
    };
    let label = organisation_label::Model {
        id: Uuid::now_v7(),
        organisation_id,
        establishment_id: None,
        kind: LabelKind::Esus,
        issuer: Some("DDETS des Bouches-du-Rhône".into()),
        reference: Some("ESUS-13-0042".into()),
        valid_from: chrono::NaiveDate::from_ymd_opt(2024, 1, 1),
        valid_to: chrono::NaiveDate::from_ymd_opt(2028, 12, 31),
        evidence_url: None,
        source: "MANUAL".into(),
        external_id: Some("test-label-1".into()),
        source_updated_at: None,
        created_at: at,
        updated_at: at,
        deleted_at: None,
        version: 1,
    };
    let txn = db.begin().await.unwrap();
    insert_new(
        &txn,
        NewOrganisations {
            organisations: vec![organisation],
            establishments: vec![
                establishment("55210055400047", false, "COM:06088"),
                establishment("55210055400013", true, "COM:13055"),
            ],
            identifiers: vec![],
            labels: vec![label],
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    organisation_id
}

on_both_databases! {
    async fn organisation_by_siren_with_establishments_communes_and_labels(app: &TestApp) {
        super::write_association(&app.db).await;
        let data = app
            .query(
                r#"query($siren: String!) { organisation(siren: $siren) {
                    id name siren rna essFamily essFamilyBasis headcountBand createdOn isPublicBuyer version
                    headquarters { siret commune { name } }
                    establishments { totalCount nodes { siret isHeadquarters commune { code name departement { code } } organisation { name } } }
                    labels { kind issuer validFrom validTo }
                } }"#,
                serde_json::json!({ "siren": "552 100 554" }),
            )
            .await;
        let org = &data["organisation"];
        assert_eq!(org["name"], "Société Coopérative des Jardins");
        assert_eq!(org["essFamily"], "ASSOCIATION");
        assert_eq!(org["essFamilyBasis"], "LEGAL_CATEGORY");
        assert_eq!(org["headcountBand"], "FROM_10_TO_19");
        assert_eq!(org["createdOn"], "2001-05-04");
        assert_eq!(org["isPublicBuyer"], false);
        assert_eq!(org["version"], 1);
        assert_eq!(org["headquarters"]["commune"]["name"], "Marseille");
        let establishments = org["establishments"]["nodes"].as_array().unwrap();
        assert_eq!(establishments.len(), 2);
        assert_eq!(org["establishments"]["totalCount"], 2);
        assert_eq!(establishments[0]["isHeadquarters"], true, "head office first");
        assert_eq!(establishments[1]["commune"]["name"], "Nice");
        assert_eq!(establishments[1]["commune"]["departement"]["code"], "06");
        assert_eq!(establishments[1]["organisation"]["name"], "Société Coopérative des Jardins");
        assert_eq!(org["labels"][0]["kind"], "ESUS");
        assert_eq!(org["labels"][0]["validTo"], "2028-12-31");
        // Every write was logged in the same transaction: 1 organisation, 2 establishments, 1 label.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log").await, 4);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM change_log WHERE entity = 'establishment'").await, 2);
    }

    async fn non_diffusible_units_are_redacted(app: &TestApp) {
        use sea_orm::ConnectionTrait;
        super::write_association(&app.db).await;
        app.db
            .execute_unprepared("UPDATE organisation SET diffusible = false")
            .await
            .unwrap();
        app.db
            .execute_unprepared("UPDATE establishment SET diffusible = false WHERE siret = '55210055400013'")
            .await
            .unwrap();
        let data = app
            .query(
                r#"{ organisation(siren: "552100554") { name acronym diffusible
                     establishments { nodes { siret diffusible addressLine1 latitude commune { name } } } } }"#,
                serde_json::json!({}),
            )
            .await;
        let org = &data["organisation"];
        assert_eq!(org["name"], "[non diffusible]");
        assert!(org["acronym"].is_null());
        assert_eq!(org["diffusible"], false);
        let hq = &org["establishments"]["nodes"][0];
        assert_eq!(hq["siret"], "55210055400013");
        assert!(hq["addressLine1"].is_null() && hq["latitude"].is_null());
        assert_eq!(hq["commune"]["name"], "Marseille", "the commune stays public");
        assert_eq!(org["establishments"]["nodes"][1]["addressLine1"], "1 rue de la République");
    }

    async fn organisation_lookup_validates_the_siren(app: &TestApp) {
        let response = app.graphql(r#"{ organisation(siren: "552100555") { name } }"#, serde_json::json!({})).await;
        let error = &response["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], "siren");
        assert_eq!(error["extensions"]["value"], "552100555");
        let missing = app.query(r#"{ organisation(siren: "732829320") { name } }"#, serde_json::json!({})).await;
        assert!(missing["organisation"].is_null());
    }
}
