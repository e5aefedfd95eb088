//! The activities of ordinary companies, in the three régions and outside them.

use super::{Activity, Sector, Size, activity};

use Sector::*;
use Size::National;

pub(super) const COMPANY_ACTIVITIES: &[Activity] = &[
    activity(
        "41.20A",
        40,
        Some(Building),
        &["{surname} Construction", "Bâtiments {surname}"],
    ),
    activity(
        "43.99C",
        35,
        Some(Building),
        &["{surname} Maçonnerie", "Entreprise {surname} et Fils"],
    ),
    activity(
        "43.21A",
        30,
        Some(Electrical),
        &["{surname} Électricité", "Élec {commune}"],
    ),
    activity("43.22A", 25, Some(Building), &["{surname} Plomberie Chauffage"]),
    activity(
        "42.11Z",
        20,
        Some(PublicWorks),
        &["{surname} Travaux Publics", "Routes et Réseaux {surname}"],
    ),
    activity(
        "81.21Z",
        25,
        Some(Cleaning),
        &["Propreté {commune} Services", "{surname} Nettoyage"],
    ),
    activity(
        "81.30Z",
        25,
        Some(GreenSpaces),
        &["{surname} Paysages", "Jardins {surname}"],
    ),
    activity(
        "56.29A",
        15,
        Some(Catering),
        &["Restauration Collective {surname}", "{surname} Restauration"],
    ),
    activity(
        "80.10Z",
        15,
        Some(Security),
        &["{surname} Sécurité Privée", "Gardiennage {commune}"],
    ),
    activity("71.11Z", 20, Some(Engineering), &["Cabinet {surname} Architecture"]),
    activity("71.12B", 20, Some(Engineering), &["{surname} Ingénierie"]),
    activity(
        "62.01Z",
        20,
        Some(It),
        &["{surname} Informatique", "{commune} Numérique Services"],
    ),
    activity("46.66Z", 10, Some(OfficeSupplies), &["Fournitures de Bureau {surname}"]),
    activity("46.65Z", 8, Some(Furniture), &["Mobilier {surname}"]),
    activity("45.11Z", 10, Some(Vehicles), &["Garage {surname} Automobiles"]),
    activity("66.22Z", 8, Some(Insurance), &["{surname} Assurances"]),
    activity(
        "46.31Z",
        10,
        Some(Food),
        &["Primeurs {surname}", "Fruits et Légumes {surname}"],
    ),
    activity("18.12Z", 10, Some(Printing), &["Imprimerie {surname}"]),
    activity("35.14Z", 5, Some(Energy), &["{surname} Énergies"]),
    activity("49.39B", 15, Some(Transport), &["Autocars {surname}"]),
    activity("38.11Z", 10, Some(Waste), &["{surname} Environnement"]),
    activity("78.20Z", 8, Some(Staffing), &["{surname} Intérim"]),
    activity("85.59A", 10, Some(Training), &["{surname} Formation"]),
    activity("90.01Z", 5, Some(Culture), &["Productions {surname}"]),
    activity("55.30Z", 5, Some(Tourism), &["Camping {surname}"]),
];

/// Activities of the companies placed outside the three régions, taken in turn so that every
/// sector a far supplier may serve is represented.
pub(in crate::seed::demo) const FAR_ACTIVITIES: &[Activity] = &[
    activity("62.02A", 1, Some(It), &["{surname} Conseil Informatique"]).sized(National),
    activity("71.12B", 1, Some(Engineering), &["Groupe {surname} Ingénierie"]).sized(National),
    activity("41.20A", 1, Some(Building), &["{surname} Bâtiment France"]).sized(National),
    activity("81.21Z", 1, Some(Cleaning), &["{surname} Propreté Services"]).sized(National),
    activity("56.29A", 1, Some(Catering), &["{surname} Restauration Collective"]).sized(National),
    activity("80.10Z", 1, Some(Security), &["{surname} Sécurité"]).sized(National),
    activity("46.66Z", 1, Some(OfficeSupplies), &["{surname} Bureau Fournitures"]).sized(National),
    activity("46.65Z", 1, Some(Furniture), &["{surname} Mobilier Collectivités"]).sized(National),
    activity("45.11Z", 1, Some(Vehicles), &["{surname} Véhicules Utilitaires"]).sized(National),
    activity("35.14Z", 1, Some(Energy), &["{surname} Énergie Collectivités"]).sized(National),
    activity("66.22Z", 1, Some(Insurance), &["{surname} Courtage Assurances"]).sized(National),
    activity("38.11Z", 1, Some(Waste), &["{surname} Environnement Services"]).sized(National),
    activity("58.29C", 1, Some(It), &["{surname} Logiciels Publics"]).sized(National),
    activity("49.39B", 1, Some(Transport), &["{surname} Mobilités"]).sized(National),
    activity("46.39B", 1, Some(Food), &["{surname} Distribution Alimentaire"]).sized(National),
];
