//! Identifiers of organisations: SIREN (legal unit), SIRET (establishment) and RNA
//! (association register) numbers, validated by their format and check digits.
//!
//! A valid number is not necessarily an allocated one: whether a SIREN exists is Sirene's
//! business, not this module's.

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// SIREN of La Poste, whose establishments' SIRETs follow their own check rule (see [`Siret`]).
const LA_POSTE_SIREN: &str = "356000000";

/// Whether `digits` passes the Luhn check (the check digit of SIREN and SIRET numbers): from
/// the right, every second digit is doubled (minus 9 when above 9) and the sum of all the
/// digits must be a multiple of 10. False when `digits` is empty or holds anything but ASCII
/// digits.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum = digits.bytes().rev().enumerate().fold(0_u32, |sum, (position, byte)| {
        let digit = u32::from(byte - b'0');
        let weighted = if position % 2 == 1 { digit * 2 } else { digit };
        (sum + weighted / 10 + weighted % 10) % 10
    });
    sum == 0
}

/// The separators accepted between the digits of a SIREN or SIRET: the space, and the
/// no-break and narrow no-break spaces French typography puts in "356 000 000".
fn is_digit_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}')
}

/// `raw` trimmed and without separators, if only ASCII digits are left; else why not.
fn digits_only(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("is empty".to_owned());
    }
    let mut digits = String::with_capacity(trimmed.len());
    for c in trimmed.chars().filter(|&c| !is_digit_separator(c)) {
        if !c.is_ascii_digit() {
            return Err(format!("must contain only digits, found {c:?}"));
        }
        digits.push(c);
    }
    Ok(digits)
}

/// The digits of `raw` ([`digits_only`]) when there are `expected` of them; else why not,
/// with `hint` when there are `other` (the length of the number it is often mistaken for).
fn digits_of_length(raw: &str, expected: usize, other: usize, hint: &str) -> Result<String, String> {
    let digits = digits_only(raw)?;
    match digits.len() {
        n if n == expected => Ok(digits),
        n if n == other => Err(format!("must be {expected} digits, got {n} ({hint})")),
        n => Err(format!("must be {expected} digits, got {n}")),
    }
}

/// What is wrong with 9 ASCII digits as a SIREN, if anything.
fn siren_problem(digits: &str) -> Option<&'static str> {
    if digits.bytes().all(|b| b == b'0') {
        Some("is all zeros, a placeholder rather than a SIREN")
    } else if !luhn_valid(digits) {
        Some("fails the Luhn check digit")
    } else {
        None
    }
}

/// A SIREN: the 9-digit number of a legal unit (unité légale) in the Sirene register.
///
/// Parsing trims surrounding whitespace and removes spaces (also no-break spaces) between
/// digits, so "356 000 000" reads as `356000000`; the canonical form is the 9 bare digits. The
/// last digit is a Luhn check digit, and `000000000`, a placeholder found in procurement data,
/// is rejected although it passes Luhn. La Poste's SIREN `356000000` passes Luhn like any other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

impl Siren {
    /// Parses a SIREN; errors name the field `siren`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("siren", raw, reason);
        let digits = digits_of_length(raw, 9, 14, "a SIRET? its first 9 digits are the SIREN").map_err(invalid)?;
        if let Some(problem) = siren_problem(&digits) {
            return Err(invalid(problem.to_owned()));
        }
        Ok(Self(digits))
    }

    /// The 9 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SIRET: the 14-digit number of an establishment, its legal unit's SIREN followed by a
/// 5-digit NIC (numéro interne de classement).
///
/// Parsing trims surrounding whitespace and removes spaces (also no-break spaces) between
/// digits, so "732 829 320 00074" reads as `73282932000074`; the canonical form is the 14 bare
/// digits. The 14 digits must pass the Luhn check, except for La Poste (SIREN `356000000`),
/// whose establishments are numbered so that the sum of the 14 digits is a multiple of 5: a La
/// Poste SIRET is valid when it passes either rule (its head office, `35600000000048`, passes
/// Luhn but not the sum rule). The first 9 digits must also be a valid [`Siren`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siret {
    /// Parses a SIRET; errors name the field `siret`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: String| ValidationError::new("siret", raw, reason);
        let digits = digits_of_length(raw, 14, 9, "a SIREN? a SIRET is the SIREN followed by the 5-digit NIC")
            .map_err(invalid)?;
        let siren = &digits[..9];
        let la_poste = siren == LA_POSTE_SIREN;
        let digit_sum: u32 = digits.bytes().map(|b| u32::from(b - b'0')).sum();
        let la_poste_rule = la_poste && digit_sum.is_multiple_of(5);
        if !(luhn_valid(&digits) || la_poste_rule) {
            return Err(invalid(if la_poste {
                format!(
                    "fails both the Luhn check digit and La Poste's rule (digit sum a multiple \
                     of 5, got {digit_sum})"
                )
            } else {
                "fails the Luhn check digit".to_owned()
            }));
        }
        if let Some(problem) = siren_problem(siren) {
            return Err(invalid(format!("its SIREN {siren} {problem}")));
        }
        Ok(Self(digits))
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN of the legal unit the establishment belongs to (the first 9 digits).
    pub fn siren(&self) -> Siren {
        Siren(self.0[..9].to_owned())
    }

    /// The NIC, the establishment's 5-digit number within its legal unit (the last 5 digits).
    pub fn nic(&self) -> &str {
        &self.0[9..]
    }
}

/// An RNA number (Répertoire national des associations): `W` followed by 9 characters, the
/// first two being digits or, for Corsica, `2A`/`2B`, the last seven digits (`W751212517`,
/// `W2A1000123`).
///
/// Parsing trims surrounding whitespace and upper-cases letters, so "w2a1000123" reads as
/// `W2A1000123`. Associations of Alsace-Moselle have no RNA number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rna(String);

impl Rna {
    /// Parses an RNA number; errors name the field `rna`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |reason: &str| ValidationError::new("rna", raw, reason);
        let number = raw.trim().to_ascii_uppercase();
        let Some(rest) = number.strip_prefix('W') else {
            return Err(invalid("must start with W"));
        };
        let count = rest.chars().count();
        if count != 9 {
            return Err(invalid(&format!("must be W followed by 9 characters, got {count}")));
        }
        let (prefix, serial) = rest.as_bytes().split_at(2);
        let prefix_ok = match prefix {
            [b'2', b'A' | b'B'] => true,
            _ => prefix.iter().all(u8::is_ascii_digit),
        };
        if !prefix_ok {
            return Err(invalid("the 2 characters after W must be digits, or 2A/2B for Corsica"));
        }
        if !serial.iter().all(u8::is_ascii_digit) {
            return Err(invalid("must end with 7 digits"));
        }
        Ok(Self(number))
    }

    /// The number: `W` and 9 characters, letters upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(Siren, Siret, Rna);

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use super::{Rna, Siren, Siret, luhn_valid};

    fn siren_reason(raw: &str) -> String {
        Siren::parse(raw).unwrap_err().reason
    }

    fn siret_reason(raw: &str) -> String {
        Siret::parse(raw).unwrap_err().reason
    }

    fn rna_reason(raw: &str) -> String {
        Rna::parse(raw).unwrap_err().reason
    }

    #[test]
    fn luhn_accepts_known_numbers_and_rejects_others() {
        assert!(luhn_valid("552100554"));
        assert!(luhn_valid("732829320"));
        assert!(luhn_valid("73282932000074"));
        assert!(luhn_valid("356000000"), "La Poste's SIREN passes Luhn");
        assert!(luhn_valid("35600000000048"), "La Poste's head office passes Luhn");
        assert!(!luhn_valid("552100555"));
        assert!(!luhn_valid("35600000000049"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("55210055a"));
        assert!(!luhn_valid("552 100 554"));
    }

    #[test]
    fn luhn_catches_every_single_digit_change() {
        let valid = "73282932000074";
        for position in 0..valid.len() {
            for replacement in b'0'..=b'9' {
                let mut bytes = valid.as_bytes().to_vec();
                if bytes[position] == replacement {
                    continue;
                }
                bytes[position] = replacement;
                let changed = String::from_utf8(bytes).unwrap();
                assert!(!luhn_valid(&changed), "{changed}");
            }
        }
    }

    #[test]
    fn siren_accepts_real_numbers() {
        for raw in ["552100554", "356000000", "732829320"] {
            assert_eq!(Siren::parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn siren_trims_and_removes_spaces_between_digits() {
        assert_eq!(Siren::parse("  356 000 000\n").unwrap().as_str(), "356000000");
        assert_eq!(Siren::parse("732\u{a0}829\u{202f}320").unwrap().as_str(), "732829320");
        assert_eq!(
            Siren::parse("\t552100554 ").unwrap(),
            Siren::parse("552100554").unwrap()
        );
    }

    #[test]
    fn siren_rejects_wrong_length() {
        assert_eq!(siren_reason("55210055"), "must be 9 digits, got 8");
        assert_eq!(siren_reason("5521005540"), "must be 9 digits, got 10");
        assert_eq!(
            siren_reason("73282932000074"),
            "must be 9 digits, got 14 (a SIRET? its first 9 digits are the SIREN)"
        );
        assert_eq!(siren_reason("   "), "is empty");
    }

    #[test]
    fn siren_rejects_non_digits() {
        assert_eq!(siren_reason("55210055A"), "must contain only digits, found 'A'");
        assert_eq!(siren_reason("552-100-554"), "must contain only digits, found '-'");
        assert_eq!(siren_reason("５52100554"), "must contain only digits, found '５'");
    }

    #[test]
    fn siren_rejects_bad_check_digit_and_placeholder() {
        assert_eq!(siren_reason("552100555"), "fails the Luhn check digit");
        assert_eq!(
            siren_reason("000000000"),
            "is all zeros, a placeholder rather than a SIREN"
        );
    }

    #[test]
    fn siren_error_keeps_the_raw_value_and_names_the_field() {
        let error = Siren::parse(" 55210055 ").unwrap_err();
        assert_eq!(error.field, "siren");
        assert_eq!(error.value, " 55210055 ");
        assert_eq!(
            error.to_string(),
            r#"invalid siren " 55210055 ": must be 9 digits, got 8"#
        );
        let renamed = error.with_field("organisation.siren");
        assert_eq!(
            renamed.to_string(),
            r#"invalid organisation.siren " 55210055 ": must be 9 digits, got 8"#
        );
    }

    #[test]
    fn siret_accepts_real_numbers_and_splits_siren_and_nic() {
        let siret = Siret::parse("73282932000074").unwrap();
        assert_eq!(siret.as_str(), "73282932000074");
        assert_eq!(siret.siren(), Siren::parse("732829320").unwrap());
        assert_eq!(siret.nic(), "00074");
    }

    #[test]
    fn siret_trims_and_removes_spaces_between_digits() {
        let siret = Siret::parse(" 732 829 320 00074 ").unwrap();
        assert_eq!(siret.as_str(), "73282932000074");
    }

    #[test]
    fn siret_of_la_poste_follows_its_own_rule() {
        // Head office: passes Luhn (digit sum 26, not a multiple of 5).
        let head_office = Siret::parse("35600000000048").unwrap();
        assert_eq!(head_office.siren().as_str(), "356000000");
        assert_eq!(head_office.nic(), "00048");
        // An establishment numbered by the digit-sum rule (sum 15), which fails Luhn.
        assert!(!luhn_valid("35600000000001"));
        assert!(Siret::parse("35600000000001").is_ok());
        // Neither rule: Luhn sum 31, digit sum 27.
        assert_eq!(
            siret_reason("35600000000049"),
            "fails both the Luhn check digit and La Poste's rule (digit sum a multiple of 5, got \
             27)"
        );
        // The digit-sum rule is La Poste's only: 55210055400003 has digit sum 30 but fails Luhn.
        assert_eq!(siret_reason("55210055400003"), "fails the Luhn check digit");
    }

    #[test]
    fn siret_rejects_wrong_length_and_non_digits() {
        assert_eq!(siret_reason("7328293200007"), "must be 14 digits, got 13");
        assert_eq!(
            siret_reason("732829320"),
            "must be 14 digits, got 9 (a SIREN? a SIRET is the SIREN followed by the 5-digit NIC)"
        );
        assert_eq!(siret_reason("7328293200007A"), "must contain only digits, found 'A'");
        assert_eq!(siret_reason(""), "is empty");
    }

    #[test]
    fn siret_rejects_bad_check_digit() {
        assert_eq!(siret_reason("73282932000075"), "fails the Luhn check digit");
    }

    #[test]
    fn siret_rejects_a_luhn_valid_number_whose_siren_is_not() {
        // 12345678900007 passes Luhn on 14 digits, but 123456789 does not on 9.
        assert!(luhn_valid("12345678900007"));
        assert_eq!(
            siret_reason("12345678900007"),
            "its SIREN 123456789 fails the Luhn check digit"
        );
        assert_eq!(
            siret_reason("00000000000000"),
            "its SIREN 000000000 is all zeros, a placeholder rather than a SIREN"
        );
    }

    #[test]
    fn siret_error_names_the_field() {
        let error = Siret::parse("123").unwrap_err();
        assert_eq!(error.to_string(), r#"invalid siret "123": must be 14 digits, got 3"#);
    }

    #[test]
    fn rna_accepts_numbers_and_corsican_prefixes() {
        assert_eq!(Rna::parse("W751212517").unwrap().as_str(), "W751212517");
        assert_eq!(Rna::parse("W2A1000123").unwrap().as_str(), "W2A1000123");
        assert_eq!(Rna::parse("W2B2004567").unwrap().as_str(), "W2B2004567");
    }

    #[test]
    fn rna_trims_and_upper_cases() {
        assert_eq!(Rna::parse(" w751212517 ").unwrap().as_str(), "W751212517");
        assert_eq!(Rna::parse("w2a1000123").unwrap().as_str(), "W2A1000123");
    }

    #[test]
    fn rna_rejects_malformed_numbers() {
        assert_eq!(rna_reason("751212517"), "must start with W");
        assert_eq!(rna_reason(""), "must start with W");
        assert_eq!(rna_reason("W75121251"), "must be W followed by 9 characters, got 8");
        assert_eq!(rna_reason("W7512125170"), "must be W followed by 9 characters, got 10");
        assert_eq!(
            rna_reason("W2C1000123"),
            "the 2 characters after W must be digits, or 2A/2B for Corsica"
        );
        assert_eq!(
            rna_reason("WA21000123"),
            "the 2 characters after W must be digits, or 2A/2B for Corsica"
        );
        assert_eq!(rna_reason("W75121251X"), "must end with 7 digits");
        assert_eq!(rna_reason("W7512125é1"), "must end with 7 digits");
    }

    #[test]
    fn conversions_parse_and_print_the_canonical_form() {
        let siren: Siren = "356 000 000".parse().unwrap();
        assert_eq!(siren.to_string(), "356000000");
        assert_eq!(siren.as_ref(), "356000000");
        assert_eq!(String::from(siren.clone()), "356000000");
        assert_eq!(Siren::try_from("356000000".to_owned()).unwrap(), siren);
        assert_eq!(format!("[{siren:>11}]"), "[  356000000]");
        assert!("55210055".parse::<Siren>().is_err());
        assert!("W123".parse::<Rna>().is_err());
        assert!(Siret::try_from(String::new()).is_err());
    }

    #[test]
    fn serde_round_trips_as_a_plain_string() {
        let siret = Siret::parse("73282932000074").unwrap();
        let json = serde_json::to_string(&siret).unwrap();
        assert_eq!(json, r#""73282932000074""#);
        assert_eq!(serde_json::from_str::<Siret>(&json).unwrap(), siret);
        let rna: Rna = serde_json::from_str(r#"" w2a1000123""#).unwrap();
        assert_eq!(serde_json::to_string(&rna).unwrap(), r#""W2A1000123""#);
        let siren: Siren = serde_json::from_str(r#""356 000 000""#).unwrap();
        assert_eq!(siren.as_str(), "356000000");
    }

    #[test]
    fn serde_rejects_invalid_values_with_the_reason() {
        let error = serde_json::from_str::<Siren>(r#""552100555""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(r#"invalid siren "552100555": fails the Luhn check digit"#),
            "{error}"
        );
        assert!(serde_json::from_str::<Siret>(r#""35600000000049""#).is_err());
        assert!(serde_json::from_str::<Rna>(r#""X751212517""#).is_err());
        assert!(
            serde_json::from_str::<Siren>("552100554").is_err(),
            "a number is not a string"
        );
    }
}
