//! Classification codes: INSEE commune codes (COG), CPV procurement codes and NAF rév. 2
//! activity codes, validated by their shape and the ranges that actually exist.
//!
//! Whether a well-formed code is allocated in a given vintage (a commune merged away, a CPV
//! code without a label) is for the reference tables to say, not this module.

use std::{
    cmp::Ordering,
    hash::{Hash, Hasher},
};

pub use entity::enums::PurchaseType;
use serde::{Deserialize, Serialize};

use super::{ValidationError, two_digits};

/// An INSEE commune code (code officiel géographique): 5 characters, the département or
/// overseas collectivity code followed by the commune's number in it.
///
/// Accepted: metropolitan départements `01`–`19`, `21`–`95` + 3 digits (`75056` Paris, `13055`
/// Marseille, and the arrondissements municipaux such as `75101`); Corsica `2A`/`2B` + 3 digits
/// (`2A004` Ajaccio); overseas départements `971`–`976` + 2 digits (`97411` Saint-Denis,
/// `97608` Dzaoudzi); overseas collectivities `975`, `977`, `978`, `984`, `986`–`989` + 2 digits
/// (`98735` Papeete). Rejected: `20xxx` (Corsica is `2A`/`2B` since 1976), `00`, `96`, `970`,
/// `979`, `980`–`983`, `985` and `99xxx` (INSEE's codes for foreign countries).
///
/// Parsing trims surrounding whitespace and upper-cases `2a`/`2b`. A 4-digit input that a
/// spreadsheet stripped of its leading zero ("1001") is rejected with the zero-padded code as a
/// suggestion, never silently padded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommuneCode(String);

impl CommuneCode {
    /// Parses a commune code; errors name the field `communeCode`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("communeCode", raw, reason);
        let code = raw.trim().to_ascii_uppercase();
        let length = code.chars().count();
        if length != 5 {
            let padded = format!("0{code}");
            if length == 4 && code.bytes().all(|b| b.is_ascii_digit()) && commune_problem(&padded).is_none() {
                return Err(invalid(format!("must be 5 characters; did you mean {padded:?}?")));
            }
            return Err(invalid(format!("must be 5 characters, got {length}")));
        }
        if let Some(problem) = commune_problem(&code) {
            return Err(invalid(problem));
        }
        Ok(Self(code))
    }

    /// The 5 characters, `2A`/`2B` upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of the département or overseas collectivity the commune belongs to: 2
    /// characters in metropolitan France and Corsica (`75`, `2A`), 3 overseas (`974`, `987`).
    pub fn departement(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") {
            &self.0[..3]
        } else {
            &self.0[..2]
        }
    }
}

/// What is wrong with 5 upper-cased characters as a commune code, if anything.
fn commune_problem(code: &str) -> Option<String> {
    if !code.is_ascii() {
        return Some("must contain only digits, or 2A/2B for Corsica".to_owned());
    }
    let Some((prefix, number)) = code.split_at_checked(2) else {
        return Some("must be 5 characters".to_owned());
    };
    if number.len() != 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Some("must end with 3 digits".to_owned());
    }
    if matches!(prefix, "2A" | "2B") {
        return None;
    }
    let Some(departement) = two_digits(prefix) else {
        return Some("must start with a 2-digit département, or 2A/2B for Corsica".to_owned());
    };
    let third = number.as_bytes()[0];
    match departement {
        1..=19 | 21..=95 => None,
        0 => Some("there is no département 00".to_owned()),
        20 => Some("Corsican communes start with 2A or 2B, not 20 (since 1976)".to_owned()),
        96 => Some("there is no département 96".to_owned()),
        97 if (b'1'..=b'8').contains(&third) => None,
        97 => Some(format!(
            "97{} is neither an overseas département (971-976) nor a collectivity (975, 977, 978)",
            char::from(third)
        )),
        98 if matches!(third, b'4' | b'6'..=b'9') => None,
        98 => Some(format!(
            "98{} is not an overseas collectivity (984, 986-989)",
            char::from(third)
        )),
        _ => Some("99xxx is INSEE's code for a foreign country, not a commune".to_owned()),
    }
}

/// The CPV divisions (Common Procurement Vocabulary, regulation (EC) 213/2008): the first two
/// digits of every CPV code.
const CPV_DIVISIONS: [u8; 45] = [
    3, 9, 14, 15, 16, 18, 19, 22, 24, 30, 31, 32, 33, 34, 35, 37, 38, 39, 41, 42, 43, 44, 45, 48, 50, 51, 55, 60, 63,
    64, 65, 66, 70, 71, 72, 73, 75, 76, 77, 79, 80, 85, 90, 92, 98,
];

/// A CPV code (Common Procurement Vocabulary): 8 digits, division (2), group (3), class (4) and
/// category (5), optionally followed by a dash and a check digit (`45000000-7`).
///
/// The first two digits must be one of the 45 CPV 2008 divisions (`03`, `09`, `14`, … `98`).
/// Parsing trims surrounding whitespace. The check digit is kept apart ([`CpvCode::check_digit`])
/// but **not verified**, and it is not part of the code: `as_str`, `Display` and serde give the 8
/// digits, and `45000000` equals, hashes and sorts like `45000000-7`. A 7-digit input that lost
/// its leading zero is rejected with the padded code as a suggestion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CpvCode {
    /// The 8 digits.
    code: String,
    /// The check digit given after the dash, if any (not verified).
    check_digit: Option<u8>,
}

impl CpvCode {
    /// Parses a CPV code, with or without its check digit; errors name the field `cpvCode`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("cpvCode", raw, reason);
        let trimmed = raw.trim();
        let (code, check) = match trimmed.split_once('-') {
            Some((code, check)) => (code, Some(check)),
            None => (trimmed, None),
        };
        if let Some(c) = code.chars().find(|c| !c.is_ascii_digit()) {
            return Err(invalid(format!(
                "must be 8 digits, optionally followed by a dash and a check digit as in \
                 \"45000000-7\", found {c:?}"
            )));
        }
        if code.len() != 8 {
            let padded = format!("0{code}");
            if code.len() == 7 && cpv_division_problem(&padded).is_none() {
                return Err(invalid(format!("must be 8 digits; did you mean {padded:?}?")));
            }
            return Err(invalid(format!("must be 8 digits, got {}", code.len())));
        }
        let check_digit = match check {
            None => None,
            Some(check) => match check.as_bytes() {
                &[digit @ b'0'..=b'9'] => Some(digit - b'0'),
                _ => {
                    return Err(invalid(format!(
                        "the check digit after the dash must be a single digit, got {check:?}"
                    )));
                }
            },
        };
        if let Some(problem) = cpv_division_problem(code) {
            return Err(invalid(problem));
        }
        Ok(Self {
            code: code.to_owned(),
            check_digit,
        })
    }

    /// The 8 digits, without the check digit.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The check digit given after the dash, if any. It is not verified.
    pub fn check_digit(&self) -> Option<u8> {
        self.check_digit
    }

    /// The division, first level of the vocabulary: 2 digits (`45` construction work).
    pub fn division(&self) -> &str {
        &self.code[..2]
    }

    /// The group: 3 digits (`452` works for complete or part construction).
    pub fn group(&self) -> &str {
        &self.code[..3]
    }

    /// The class: 4 digits (`4521`).
    pub fn class(&self) -> &str {
        &self.code[..4]
    }

    /// The category: 5 digits (`45214`).
    pub fn category(&self) -> &str {
        &self.code[..5]
    }

    /// Works, supplies or services, as consolidators derive it from the division: `45` is
    /// works, `03`–`44` and `48` (software packages) are supplies, `49`–`98` are services.
    pub fn purchase_type(&self) -> PurchaseType {
        match two_digits(self.division()) {
            Some(45) => PurchaseType::Works,
            Some(3..=44 | 48) => PurchaseType::Supplies,
            _ => PurchaseType::Services,
        }
    }
}

/// Why 8 ASCII digits do not start with a CPV division, if they do not.
fn cpv_division_problem(code: &str) -> Option<String> {
    let division = code.get(..2)?;
    match two_digits(division) {
        Some(number) if CPV_DIVISIONS.contains(&number) => None,
        _ => Some(format!("{division} is not a CPV division")),
    }
}

impl PartialEq for CpvCode {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for CpvCode {}

impl Hash for CpvCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl PartialOrd for CpvCode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CpvCode {
    fn cmp(&self, other: &Self) -> Ordering {
        self.code.cmp(&other.code)
    }
}

/// The NAF rév. 2 section (`A`–`U`) of a 2-digit division ("88" is in `Q`), or `None` when
/// `division` is not one of the 88 divisions.
pub fn naf_section_of_division(division: &str) -> Option<char> {
    Some(match two_digits(division)? {
        1..=3 => 'A',
        5..=9 => 'B',
        10..=33 => 'C',
        35 => 'D',
        36..=39 => 'E',
        41..=43 => 'F',
        45..=47 => 'G',
        49..=53 => 'H',
        55..=56 => 'I',
        58..=63 => 'J',
        64..=66 => 'K',
        68 => 'L',
        69..=75 => 'M',
        77..=82 => 'N',
        84 => 'O',
        85 => 'P',
        86..=88 => 'Q',
        90..=93 => 'R',
        94..=96 => 'S',
        97..=98 => 'T',
        99 => 'U',
        _ => return None,
    })
}

/// A NAF rév. 2 sub-class (nomenclature d'activités française), the activity code of Sirene:
/// canonical form `DD.DDL`, e.g. `88.99B` (action sociale sans hébergement n.c.a.).
///
/// Parsing trims surrounding whitespace, accepts the dot, a space or nothing between the
/// division-group and the class digits (`8899B`, `88 99B`) and upper-cases the letter
/// (`88.99b`). The division must be one of the 88 divisions of NAF rév. 2, so Sirene's
/// `00.00Z` ("unknown") is rejected. NAF 2025 codes are not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NafCode {
    /// The canonical `DD.DDL` form.
    code: String,
    /// The section of the division, `A`–`U`.
    section: char,
}

impl NafCode {
    /// Parses a NAF rév. 2 sub-class; errors name the field `nafCode`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("nafCode", raw, reason);
        let mut chars: Vec<char> = raw.trim().chars().collect();
        if chars.len() == 6 && matches!(chars[2], '.' | ' ') {
            chars.remove(2);
        }
        let &[d1, d2, d3, d4, letter] = chars.as_slice() else {
            return Err(invalid(
                "must be 4 digits and a letter, as in \"88.99B\" or \"8899B\"".to_owned(),
            ));
        };
        if let Some(c) = [d1, d2, d3, d4].into_iter().find(|c| !c.is_ascii_digit()) {
            return Err(invalid(format!(
                "must be 4 digits and a letter, as in \"88.99B\" or \"8899B\", found {c:?}"
            )));
        }
        if !letter.is_ascii_alphabetic() {
            return Err(invalid(format!(
                "must end with a letter, as in \"88.99B\", found {letter:?}"
            )));
        }
        let division = format!("{d1}{d2}");
        let Some(section) = naf_section_of_division(&division) else {
            return Err(invalid(format!("{division} is not a NAF rév. 2 division")));
        };
        let code = format!("{d1}{d2}.{d3}{d4}{}", letter.to_ascii_uppercase());
        Ok(Self { code, section })
    }

    /// The canonical form, `DD.DDL` (`88.99B`).
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The division: 2 digits (`88`).
    pub fn division(&self) -> &str {
        &self.code[..2]
    }

    /// The group: the division, a dot and one digit (`88.9`).
    pub fn group(&self) -> &str {
        &self.code[..4]
    }

    /// The class: the division, a dot and two digits (`88.99`).
    pub fn class(&self) -> &str {
        &self.code[..5]
    }

    /// The section, `A`–`U`, derived from the division (`Q` health and social work for `88`).
    pub fn section(&self) -> char {
        self.section
    }
}

string_conversions!(CommuneCode, CpvCode, NafCode);

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use std::collections::HashSet;

    use super::{CommuneCode, CpvCode, NafCode, PurchaseType, naf_section_of_division};

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
}

/// The fewest prefixes matching what `prefixes` match with `LIKE 'prefix%'`: duplicates and
/// prefixes that extend another one (`88.9` beside `88`) dropped; sorted. Filters built from
/// them stay as short as the distinct prefixes asked for.
pub fn covering_prefixes(prefixes: impl IntoIterator<Item = String>) -> Vec<String> {
    let sorted: std::collections::BTreeSet<String> = prefixes.into_iter().collect();
    let mut kept: Vec<String> = Vec::with_capacity(sorted.len());
    for prefix in sorted {
        // Sorted, the extensions of a prefix follow it directly.
        if kept.last().is_none_or(|last| !prefix.starts_with(last.as_str())) {
            kept.push(prefix);
        }
    }
    kept
}

/// Expands a NAF rév. 2 filter prefix into code prefixes to match with `LIKE 'prefix%'`:
/// a section letter (`Q`) becomes its divisions (`86`, `87`, `88`); a division (`88`),
/// group (`88.9`), class (`88.99` or `8899`) or sub-class (`88.99B`) stays one prefix, in
/// canonical dotted form.
pub fn naf_prefixes(raw: &str) -> Result<Vec<String>, ValidationError> {
    let field = "naf";
    let trimmed = raw.trim().to_ascii_uppercase();
    if trimmed.len() == 1 && trimmed.as_bytes()[0].is_ascii_uppercase() {
        let section = trimmed.as_bytes()[0] as char;
        let divisions: Vec<String> = (1..=99)
            .map(|d| format!("{d:02}"))
            .filter(|d| naf_section_of_division(d) == Some(section))
            .collect();
        if divisions.is_empty() {
            return Err(ValidationError::new(
                field,
                raw,
                "no NAF section has this letter (A to U)",
            ));
        }
        return Ok(divisions);
    }
    let digits: String = trimmed.chars().filter(|c| *c != '.' && *c != ' ').collect();
    let bytes = digits.as_bytes();
    let well_formed = match bytes.len() {
        2..=4 => bytes.iter().all(u8::is_ascii_digit),
        5 => bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4].is_ascii_uppercase(),
        _ => false,
    };
    if !well_formed {
        return Err(ValidationError::new(
            field,
            raw,
            "must be a section letter (Q), a division (88), group (88.9), class (88.99) or sub-class (88.99B)",
        ));
    }
    if naf_section_of_division(&digits[..2]).is_none() {
        return Err(ValidationError::new(
            field,
            raw,
            format!("{} is not a NAF rév. 2 division", &digits[..2]),
        ));
    }
    Ok(vec![if digits.len() == 2 {
        digits
    } else {
        format!("{}.{}", &digits[..2], &digits[2..])
    }])
}

#[cfg(test)]
mod naf_prefix_tests {
    use super::naf_prefixes;

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
}
