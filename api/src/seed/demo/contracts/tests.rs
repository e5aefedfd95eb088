//! Tests of the generated contracts' words and VAT numbers.

use super::{rows::epci_with_de, suppliers::foreign_vat_numbers};
use crate::seed::demo::random::DemoRng;

#[test]
fn epci_names_take_an_article() {
    assert_eq!(epci_with_de("CA du Grand Avignon"), "de la CA du Grand Avignon");
    assert_eq!(
        epci_with_de("Métropole Nice Côte d'Azur"),
        "de la Métropole Nice Côte d'Azur"
    );
    assert_eq!(epci_with_de("Toulouse Métropole"), "de Toulouse Métropole");
}

#[test]
fn foreign_vat_numbers_are_distinct_and_well_formed() {
    let numbers = foreign_vat_numbers(&mut DemoRng::for_step("foreign"));
    let mut sorted = numbers.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), numbers.len());
    for number in &numbers {
        assert!(
            number.len() >= 10 && number[..2].chars().all(|c| c.is_ascii_uppercase()),
            "{number}"
        );
    }
    let belgian = numbers
        .iter()
        .find(|n| n.starts_with("BE"))
        .map(String::as_str)
        .unwrap_or("");
    let digits: u64 = belgian[2..].parse().unwrap_or(0);
    assert_eq!(97 - (digits / 100) % 97, digits % 100, "{belgian}");
}
