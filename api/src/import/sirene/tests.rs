//! Tests of the Sirene importer: field parsers and row readers.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

use chrono::NaiveDate;
use entity::enums::{CompanyCategory, EssFamily, HeadcountBand, OrganisationStatus};

use super::{
    rows::{Reference, read_unit},
    *,
};
use crate::{domain::NON_DIFFUSIBLE, import::Rejected};

#[test]
fn flags_dates_and_bands_read_as_sirene_writes_them() {
    assert_eq!(parse_yes_no("O"), Ok(true));
    assert_eq!(parse_yes_no(" n "), Ok(false));
    assert_eq!(parse_yes_no("true"), Ok(true));
    assert!(parse_yes_no("X").is_err());
    assert_eq!(
        parse_day("2015-03-02"),
        Ok(NaiveDate::from_ymd_opt(2015, 3, 2).unwrap())
    );
    assert!(parse_day("02/03/2015").is_err());
    assert!(parse_day("2015-02-30").is_err());
    assert!(parse_day("1650-01-01").unwrap_err().contains("implausible"));
    assert_eq!(
        parse_timestamp("2024-03-12T10:25:03.000").unwrap().to_rfc3339(),
        "2024-03-12T10:25:03+00:00"
    );
    assert_eq!(
        parse_timestamp("2024-03-12").unwrap().to_rfc3339(),
        "2024-03-12T00:00:00+00:00"
    );
    assert!(parse_timestamp("hier").is_err());
    assert_eq!(parse_headcount_band("NN"), Ok(HeadcountBand::NonEmployer));
    assert_eq!(parse_headcount_band("12"), Ok(HeadcountBand::From20To49));
    assert!(parse_headcount_band("13").is_err());
    assert_eq!(parse_year("2023"), Ok(2023));
    assert!(parse_year("23").is_err());
    assert_eq!(parse_company_category("eti"), Ok(CompanyCategory::Eti));
    assert!(parse_company_category("TPE").is_err());
    assert_eq!(parse_metres("892390,5"), Ok(892_390.5));
    assert!(parse_metres("NaN").is_err());
}

#[test]
fn street_lines_join_what_is_given() {
    assert_eq!(
        street_line(Some("12"), Some("B"), Some("RUE"), Some("DE LA REPUBLIQUE")).as_deref(),
        Some("12 B RUE DE LA REPUBLIQUE")
    );
    assert_eq!(
        street_line(None, Some("B"), None, Some("LE VILLAGE")).as_deref(),
        Some("LE VILLAGE")
    );
    assert_eq!(street_line(None, None, None, None), None);
}

#[test]
fn units_read_by_column_name_and_reject_bad_fields() {
    let reference = Reference {
        legal_categories: [
            ("9220".to_owned(), EssFamily::Association),
            ("1000".to_owned(), EssFamily::NonSse),
        ]
        .into_iter()
        .collect(),
        communes: Default::default(),
    };
    let text = "etatAdministratifUniteLegale,siren,denominationUniteLegale,categorieJuridiqueUniteLegale,\
                trancheEffectifsUniteLegale,statutDiffusionUniteLegale,prenom1UniteLegale,nomUniteLegale,colonneInconnue\n\
                A,732829320,ENTRAIDE,9220,ZZ,O,,,x\n\
                A,732829321,ENTRAIDE,9220,01,O,,,x\n\
                C,732829320,,1000,NN,O,Jeanne,MARTIN,x\n\
                A,732829320,,1000,NN,P,[ND],[ND],x\n\
                A,732829320,,5710,NN,O,,,x\n";
    let (header, rows) = super::super::table::read_all(text.as_bytes()).unwrap();
    let (unit, rejects) = read_unit(&header, &rows[0], 1, &reference);
    let unit = unit.unwrap();
    assert_eq!(unit.fields.name.as_deref(), Some("ENTRAIDE"));
    assert_eq!(unit.facts.headcount_band, None);
    assert_eq!(
        rejects
            .iter()
            .map(|r| (r.field.as_str(), r.rejected))
            .collect::<Vec<_>>(),
        vec![("trancheEffectifsUniteLegale", Rejected::Field)]
    );
    let (unit, rejects) = read_unit(&header, &rows[1], 2, &reference);
    assert!(unit.is_none());
    assert!(rejects[0].reason.contains("Luhn"), "{rejects:?}");
    let (unit, _) = read_unit(&header, &rows[2], 3, &reference);
    let unit = unit.unwrap();
    assert_eq!(unit.fields.name.as_deref(), Some("Jeanne MARTIN"));
    assert_eq!(unit.fields.admin_status, Some(OrganisationStatus::Ceased));
    let (unit, _) = read_unit(&header, &rows[3], 4, &reference);
    let unit = unit.unwrap();
    assert_eq!(unit.fields.name.as_deref(), Some(NON_DIFFUSIBLE));
    assert!(!unit.facts.diffusible);
    let (unit, rejects) = read_unit(&header, &rows[4], 5, &reference);
    assert!(unit.is_none(), "no name at all");
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    assert!(rejects[0].reason.contains("unknown legal category"));
}
