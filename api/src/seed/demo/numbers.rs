//! Identifiers of the invented organisations: SIREN, SIRET, RNA and intra-community VAT
//! numbers, well-formed and checked by the domain types before use.

use std::collections::BTreeSet;

use super::random::DemoRng;
use crate::domain::{Rna, Siren, Siret, ValidationError, luhn_valid};

/// First digits used for invented SIRENs: those of private legal units. `1` and `2` (public
/// bodies: communes, EPCI…) are never drawn, so an invented SIREN cannot look like a buyer's.
const SIREN_FIRST_DIGITS: [u8; 6] = [3, 4, 5, 7, 8, 9];

/// `stem` followed by the one digit that makes the whole number pass the Luhn check.
pub(super) fn with_luhn_digit(stem: &str) -> String {
    (0..=9)
        .map(|digit| format!("{stem}{digit}"))
        .find(|candidate| luhn_valid(candidate))
        .unwrap_or_else(|| format!("{stem}0"))
}

/// A new SIREN: 8 random digits (not starting with 1 or 2) and the Luhn check digit, not
/// already in `taken` (to which it is added).
pub(super) fn new_siren(rng: &mut DemoRng, taken: &mut BTreeSet<String>) -> Result<Siren, ValidationError> {
    loop {
        let first = SIREN_FIRST_DIGITS[rng.below(SIREN_FIRST_DIGITS.len())];
        let stem = format!("{first}{}", rng.digits(7));
        let siren = Siren::parse(&with_luhn_digit(&stem))?;
        if taken.insert(siren.as_str().to_owned()) {
            return Ok(siren);
        }
    }
}

/// The SIRET of an establishment: `siren`, the first four digits of the NIC (`0001` for a
/// head office, `0002` for a second establishment) and the digit that makes the 14 digits pass
/// the Luhn check.
pub(super) fn siret(siren: &str, nic_stem: &str) -> Result<Siret, ValidationError> {
    Siret::parse(&with_luhn_digit(&format!("{siren}{nic_stem}")))
}

/// A new RNA number for an association of `departement_code` (`13`, `2A`…): `W`, the
/// département and 7 random digits, not already in `taken` (to which it is added).
pub(super) fn new_rna(
    rng: &mut DemoRng,
    departement_code: &str,
    taken: &mut BTreeSet<String>,
) -> Result<Rna, ValidationError> {
    loop {
        let rna = Rna::parse(&format!("W{departement_code}{}", rng.digits(7)))?;
        if taken.insert(rna.as_str().to_owned()) {
            return Ok(rna);
        }
    }
}

/// The French intra-community VAT number of a legal unit: `FR`, the key
/// `(12 + 3 × (SIREN mod 97)) mod 97` on two digits, and the SIREN.
pub(super) fn vat_number(siren: &Siren) -> String {
    let number: u64 = siren.as_str().parse().unwrap_or(0);
    let key = (12 + 3 * (number % 97)) % 97;
    format!("FR{key:02}{siren}")
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use std::collections::BTreeSet;

    use super::{new_rna, new_siren, siret, vat_number};
    use crate::{
        domain::{Siren, Siret},
        seed::demo::random::DemoRng,
    };

    #[test]
    fn sirens_and_sirets_pass_luhn_and_are_unique() {
        let mut rng = DemoRng::for_step("numbers");
        let mut taken = BTreeSet::new();
        for _ in 0..2_000 {
            let siren = new_siren(&mut rng, &mut taken).unwrap();
            assert!(!siren.as_str().starts_with(['0', '1', '2']), "{siren}");
            assert_eq!(Siren::parse(siren.as_str()).unwrap(), siren);
            for nic_stem in ["0001", "0002"] {
                let siret = siret(siren.as_str(), nic_stem).unwrap();
                assert_eq!(Siret::parse(siret.as_str()).unwrap(), siret);
                assert_eq!(siret.siren(), siren);
                assert!(siret.nic().starts_with(nic_stem));
            }
        }
        assert_eq!(taken.len(), 2_000);
    }

    #[test]
    fn buyer_sirens_get_a_valid_head_office_siret() {
        // Marseille's SIREN, as in the reference territories.
        let siret = siret("211300553", "0001").unwrap();
        assert_eq!(&siret.as_str()[..13], "2113005530001");
    }

    #[test]
    fn rna_numbers_follow_the_register_format() {
        let mut rng = DemoRng::for_step("rna");
        let mut taken = BTreeSet::new();
        let corsican = new_rna(&mut rng, "2A", &mut taken).unwrap();
        assert!(corsican.as_str().starts_with("W2A"));
        assert_eq!(corsican.as_str().len(), 10);
        assert!(new_rna(&mut rng, "13", &mut taken).unwrap().as_str().starts_with("W13"));
    }

    #[test]
    fn vat_key_matches_the_published_formula() {
        // La Poste: FR39 356 000 000.
        assert_eq!(vat_number(&Siren::parse("356000000").unwrap()), "FR39356000000");
    }
}
