//! Tests of the demo vocabulary: shares, NAF codes and name templates.

use super::{FAR_COMPANY, NameWords, PROFILES, fill, with_de};
use crate::domain::NafCode;

#[test]
fn shares_add_up_to_one_thousand() {
    assert_eq!(PROFILES.iter().map(|p| p.per_mille).sum::<u32>(), 1_000);
}

#[test]
fn every_activity_has_a_valid_naf_code_and_names() {
    for profile in PROFILES.iter().chain([&FAR_COMPANY]) {
        assert!(!profile.legal_categories.is_empty());
        for activity in profile.activities {
            assert!(NafCode::parse(activity.naf).is_ok(), "{}", activity.naf);
            assert!(!activity.names.is_empty(), "{}", activity.naf);
            assert!(activity.names.iter().all(|name| !name.trim().is_empty()));
        }
    }
}

#[test]
fn names_elide_and_contract_after_de() {
    assert_eq!(with_de("Nice"), "de Nice");
    assert_eq!(with_de("Aix-en-Provence"), "d'Aix-en-Provence");
    assert_eq!(with_de("Le Cannet"), "du Cannet");
    assert_eq!(with_de("Les Pennes-Mirabeau"), "des Pennes-Mirabeau");
    assert_eq!(with_de("La Ciotat"), "de La Ciotat");
    assert_eq!(with_de("Éguilles"), "d'Éguilles");
    let words = NameWords {
        commune: "Arles",
        de_departement: "des Bouches-du-Rhône",
        surname: "Roux",
    };
    assert_eq!(fill("Les Jardins {de_commune}", &words), "Les Jardins d'Arles");
    assert_eq!(
        fill("GEIQ BTP {de_departement}", &words),
        "GEIQ BTP des Bouches-du-Rhône"
    );
    assert_eq!(fill("{surname} Construction", &words), "Roux Construction");
}
