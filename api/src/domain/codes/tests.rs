//! Tests of the classification codes.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

use std::collections::HashSet;

use super::{CommuneCode, CpvCode, NafCode, PurchaseType, naf_prefixes, naf_section_of_division};

#[test]
fn covering_prefixes_drop_duplicates_and_extensions() {
    let given = ["88.9", "88", "86", "88", "88.99B", "8"].map(str::to_owned);
    assert_eq!(super::covering_prefixes(given), ["8"]);
    let given = ["88.9", "86", "88.99B", "86.1"].map(str::to_owned);
    assert_eq!(super::covering_prefixes(given), ["86", "88.9"]);
    assert!(super::covering_prefixes(Vec::new()).is_empty());
}

fn commune_reason(raw: &str) -> String {
    CommuneCode::parse(raw).unwrap_err().reason
}

fn cpv_reason(raw: &str) -> String {
    CpvCode::parse(raw).unwrap_err().reason
}

fn naf_reason(raw: &str) -> String {
    NafCode::parse(raw).unwrap_err().reason
}

#[test]
fn commune_accepts_metropolitan_corsican_and_overseas_codes() {
    for (raw, departement) in [
        ("75056", "75"),
        ("13055", "13"),
        ("75101", "75"),
        ("01001", "01"),
        ("95690", "95"),
        ("2A004", "2A"),
        ("2B033", "2B"),
        ("97105", "971"),
        ("97411", "974"),
        ("97502", "975"),
        ("97608", "976"),
        ("97701", "977"),
        ("97801", "978"),
        ("98411", "984"),
        ("98611", "986"),
        ("98735", "987"),
        ("98818", "988"),
        ("98901", "989"),
    ] {
        let commune = CommuneCode::parse(raw).unwrap();
        assert_eq!(commune.as_str(), raw);
        assert_eq!(commune.departement(), departement, "{raw}");
    }
}

#[test]
fn commune_trims_and_upper_cases_corsica() {
    assert_eq!(CommuneCode::parse(" 2a004\t").unwrap().as_str(), "2A004");
    assert_eq!(CommuneCode::parse("2b033").unwrap().departement(), "2B");
}

#[test]
fn commune_rejects_codes_that_cannot_exist() {
    assert_eq!(
        commune_reason("20004"),
        "Corsican communes start with 2A or 2B, not 20 (since 1976)"
    );
    assert_eq!(commune_reason("96001"), "there is no département 96");
    assert_eq!(commune_reason("00123"), "there is no département 00");
    assert_eq!(
        commune_reason("97001"),
        "970 is neither an overseas département (971-976) nor a collectivity (975, 977, 978)"
    );
    assert!(commune_reason("97901").starts_with("979 is neither"));
    for raw in ["98001", "98101", "98201", "98301", "98501"] {
        let expected = format!("{} is not an overseas collectivity (984, 986-989)", &raw[..3]);
        assert_eq!(commune_reason(raw), expected);
    }
    assert_eq!(
        commune_reason("99100"),
        "99xxx is INSEE's code for a foreign country, not a commune"
    );
    assert_eq!(
        commune_reason("2C004"),
        "must start with a 2-digit département, or 2A/2B for Corsica"
    );
    assert_eq!(
        commune_reason("A2004"),
        "must start with a 2-digit département, or 2A/2B for Corsica"
    );
    assert_eq!(commune_reason("2A0O4"), "must end with 3 digits");
    assert_eq!(
        commune_reason("750é6"),
        "must contain only digits, or 2A/2B for Corsica"
    );
    assert_eq!(
        commune_reason("aé123"),
        "must contain only digits, or 2A/2B for Corsica"
    );
}

#[test]
fn commune_rejects_wrong_length_and_suggests_the_lost_leading_zero() {
    assert_eq!(commune_reason("1001"), r#"must be 5 characters; did you mean "01001"?"#);
    assert_eq!(
        commune_reason("0123"),
        "must be 5 characters, got 4",
        "00123 is no better"
    );
    assert_eq!(commune_reason("2A04"), "must be 5 characters, got 4");
    assert_eq!(commune_reason("750560"), "must be 5 characters, got 6");
    assert_eq!(commune_reason(""), "must be 5 characters, got 0");
    let error = CommuneCode::parse(" 1001").unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"invalid communeCode " 1001": must be 5 characters; did you mean "01001"?"#
    );
}

#[test]
fn cpv_accepts_codes_with_and_without_check_digit() {
    let bare = CpvCode::parse("45000000").unwrap();
    assert_eq!(bare.as_str(), "45000000");
    assert_eq!(bare.check_digit(), None);
    let checked = CpvCode::parse(" 45000000-7 ").unwrap();
    assert_eq!(checked.as_str(), "45000000");
    assert_eq!(checked.check_digit(), Some(7));
    assert_eq!(checked.to_string(), "45000000");
    assert_eq!(bare, checked, "the check digit is not part of the code");
    let set: HashSet<CpvCode> = [bare, checked].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn cpv_levels() {
    let cpv = CpvCode::parse("45214200-2").unwrap();
    assert_eq!(cpv.division(), "45");
    assert_eq!(cpv.group(), "452");
    assert_eq!(cpv.class(), "4521");
    assert_eq!(cpv.category(), "45214");
}

#[test]
fn cpv_purchase_type_follows_the_division() {
    let purchase_type = |raw: &str| CpvCode::parse(raw).unwrap().purchase_type();
    assert_eq!(purchase_type("45000000"), PurchaseType::Works);
    assert_eq!(purchase_type("45233140-2"), PurchaseType::Works);
    assert_eq!(purchase_type("30192000"), PurchaseType::Supplies);
    assert_eq!(purchase_type("03000000"), PurchaseType::Supplies);
    assert_eq!(purchase_type("44000000"), PurchaseType::Supplies);
    assert_eq!(purchase_type("48000000"), PurchaseType::Supplies);
    assert_eq!(purchase_type("50000000"), PurchaseType::Services);
    assert_eq!(purchase_type("90910000"), PurchaseType::Services);
    assert_eq!(purchase_type("98000000"), PurchaseType::Services);
}

#[test]
fn cpv_rejects_unknown_divisions() {
    for division in ["00", "01", "02", "04", "10", "49", "99"] {
        assert_eq!(
            cpv_reason(&format!("{division}000000")),
            format!("{division} is not a CPV division")
        );
    }
}

#[test]
fn cpv_rejects_malformed_codes() {
    assert_eq!(cpv_reason("4500000"), "must be 8 digits, got 7");
    assert_eq!(cpv_reason("3000000"), r#"must be 8 digits; did you mean "03000000"?"#);
    assert_eq!(cpv_reason("450000000"), "must be 8 digits, got 9");
    assert_eq!(cpv_reason(""), "must be 8 digits, got 0");
    let reason = cpv_reason("4500000A");
    assert!(
        reason.starts_with("must be 8 digits, optionally followed by a dash and a check digit"),
        "{reason}"
    );
    assert!(reason.ends_with(r#"as in "45000000-7", found 'A'"#), "{reason}");
    assert_eq!(
        cpv_reason("45000000-77"),
        r#"the check digit after the dash must be a single digit, got "77""#
    );
    assert_eq!(
        cpv_reason("45000000-"),
        r#"the check digit after the dash must be a single digit, got """#
    );
    assert!(cpv_reason("45000000-7-1").starts_with("the check digit"));
    let error = CpvCode::parse("45").unwrap_err();
    assert_eq!(error.to_string(), r#"invalid cpvCode "45": must be 8 digits, got 2"#);
}

#[test]
fn naf_normalises_to_the_dotted_form() {
    for raw in ["88.99B", "8899B", "88.99b", "88 99B", " 8899b "] {
        assert_eq!(NafCode::parse(raw).unwrap().as_str(), "88.99B", "{raw}");
    }
}

#[test]
fn naf_levels_and_sections() {
    let naf = NafCode::parse("88.99B").unwrap();
    assert_eq!(naf.division(), "88");
    assert_eq!(naf.group(), "88.9");
    assert_eq!(naf.class(), "88.99");
    assert_eq!(naf.section(), 'Q');
    assert_eq!(NafCode::parse("94.99Z").unwrap().section(), 'S');
    assert_eq!(NafCode::parse("01.11Z").unwrap().section(), 'A');
    assert_eq!(NafCode::parse("99.00Z").unwrap().section(), 'U');
    assert_eq!(NafCode::parse("35.11Z").unwrap().section(), 'D');
}

#[test]
fn naf_has_88_divisions_in_21_sections() {
    let sections: Vec<char> = (0..100)
        .filter_map(|division| naf_section_of_division(&format!("{division:02}")))
        .collect();
    assert_eq!(sections.len(), 88);
    let distinct: HashSet<char> = sections.iter().copied().collect();
    assert_eq!(distinct, ('A'..='U').collect());
    for missing in ["00", "04", "34", "40", "44", "48", "54", "57", "67", "76", "83", "89"] {
        assert_eq!(naf_section_of_division(missing), None, "{missing}");
    }
    assert_eq!(naf_section_of_division("8"), None);
    assert_eq!(naf_section_of_division("088"), None);
}

#[test]
fn naf_rejects_malformed_codes() {
    let shape = r#"must be 4 digits and a letter, as in "88.99B" or "8899B""#;
    assert_eq!(naf_reason("88.99BB"), shape);
    assert_eq!(naf_reason("88..99B"), shape);
    assert_eq!(naf_reason(""), shape);
    assert_eq!(naf_reason("88.99"), format!("{shape}, found '.'"));
    assert_eq!(naf_reason("88-99B"), shape);
    assert_eq!(naf_reason("8A.99B"), format!("{shape}, found 'A'"));
    assert_eq!(
        naf_reason("88.991"),
        r#"must end with a letter, as in "88.99B", found '1'"#
    );
    assert_eq!(naf_reason("00.00Z"), "00 is not a NAF rév. 2 division");
    assert_eq!(naf_reason("04.11Z"), "04 is not a NAF rév. 2 division");
    let error = NafCode::parse("8899").unwrap_err();
    assert!(error.to_string().starts_with(r#"invalid nafCode "8899": "#), "{error}");
}

#[test]
fn serde_round_trips_canonical_strings() {
    let commune: CommuneCode = serde_json::from_str(r#""2a004""#).unwrap();
    assert_eq!(serde_json::to_string(&commune).unwrap(), r#""2A004""#);
    let cpv: CpvCode = serde_json::from_str(r#""45000000-7""#).unwrap();
    assert_eq!(serde_json::to_string(&cpv).unwrap(), r#""45000000""#);
    assert_eq!(serde_json::from_str::<CpvCode>(r#""45000000""#).unwrap(), cpv);
    let naf: NafCode = serde_json::from_str(r#""8899b""#).unwrap();
    assert_eq!(serde_json::to_string(&naf).unwrap(), r#""88.99B""#);
    assert_eq!(serde_json::from_str::<NafCode>(r#""88.99B""#).unwrap(), naf);
}

#[test]
fn serde_rejects_invalid_codes() {
    let error = serde_json::from_str::<CommuneCode>(r#""20004""#).unwrap_err();
    assert!(
        error.to_string().starts_with(r#"invalid communeCode "20004": "#),
        "{error}"
    );
    assert!(serde_json::from_str::<CpvCode>(r#""99000000""#).is_err());
    assert!(serde_json::from_str::<NafCode>(r#""00.00Z""#).is_err());
    assert!(
        serde_json::from_str::<CommuneCode>("75056").is_err(),
        "a number is not a string"
    );
}

#[test]
fn conversions_go_through_parse_and_as_str() {
    let commune: CommuneCode = "13055".parse().unwrap();
    assert_eq!(commune.as_ref(), "13055");
    assert_eq!(String::from(commune), "13055");
    assert_eq!(NafCode::try_from("8899B".to_owned()).unwrap().to_string(), "88.99B");
    assert!("1001".parse::<CommuneCode>().is_err());
    let mut codes = [
        CpvCode::parse("90910000").unwrap(),
        CpvCode::parse("45000000-7").unwrap(),
        CpvCode::parse("30192000").unwrap(),
    ];
    codes.sort();
    let sorted: Vec<&str> = codes.iter().map(CpvCode::as_str).collect();
    assert_eq!(sorted, ["30192000", "45000000", "90910000"]);
}

#[test]
fn expands_sections_and_normalises_prefixes() {
    assert_eq!(naf_prefixes("q").expect("section"), ["86", "87", "88"]);
    assert_eq!(naf_prefixes("88").expect("division"), ["88"]);
    assert_eq!(naf_prefixes("889").expect("group"), ["88.9"]);
    assert_eq!(naf_prefixes("88.99").expect("class"), ["88.99"]);
    assert_eq!(naf_prefixes("88.99b").expect("sub-class"), ["88.99B"]);
    assert!(naf_prefixes("V").is_err());
    assert!(naf_prefixes("04").is_err());
    assert!(naf_prefixes("88.99BB").is_err());
}
