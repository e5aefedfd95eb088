//! What the demo's buyers purchase: CPV codes with object templates, how often communes and
//! EPCI buy them, which sector supplies them, typical amounts and CCAG; and the DECP
//! vocabularies contracts are described with.
//!
//! An object template may hold `{de_buyer}` ("de Marseille", "de la CA du Grand Avignon"),
//! `{place}` (the buyer's commune) and `{year}`.

use super::vocabulary::Sector;

/// One kind of purchase.
#[derive(Debug)]
pub(super) struct Purchase {
    /// CPV code, 8 digits.
    pub cpv: &'static str,
    /// Object templates.
    pub objects: &'static [&'static str],
    /// Relative frequency for a commune.
    pub commune_weight: u32,
    /// Relative frequency for an EPCI.
    pub epci_weight: u32,
    /// Who supplies it.
    pub sector: Sector,
    /// Typical amount, euros excluding VAT.
    pub median_euros: f64,
    /// CCAG of reference (for a concession: its DECP nature).
    pub ccag_or_nature: &'static str,
}

/// A purchase of `cpv` supplied by `sector`.
const fn purchase(
    cpv: &'static str,
    sector: Sector,
    weights: (u32, u32),
    median_euros: f64,
    ccag_or_nature: &'static str,
    objects: &'static [&'static str],
) -> Purchase {
    Purchase {
        cpv,
        objects,
        commune_weight: weights.0,
        epci_weight: weights.1,
        sector,
        median_euros,
        ccag_or_nature,
    }
}

const WORKS: &str = "Travaux";
const SERVICES: &str = "Fournitures courantes et services";
const DESIGN: &str = "Maitrise d'œuvre";
const IT: &str = "Techniques de l'information et de la communication";
const NO_CCAG: &str = "Pas de CCAG";

/// Public contracts (marchés).
pub(super) const PURCHASES: &[Purchase] = &[
    purchase(
        "45000000",
        Sector::Building,
        (10, 6),
        500_000.0,
        WORKS,
        &[
            "Travaux de réhabilitation du groupe scolaire de {place}",
            "Construction d'un équipement sportif à {place}",
            "Travaux de rénovation énergétique des bâtiments {de_buyer}",
        ],
    ),
    purchase(
        "45210000",
        Sector::Building,
        (6, 5),
        1_200_000.0,
        WORKS,
        &[
            "Construction d'une crèche à {place}",
            "Extension de la médiathèque de {place}",
            "Construction d'un centre technique {de_buyer}",
        ],
    ),
    purchase(
        "45233140",
        Sector::PublicWorks,
        (10, 8),
        300_000.0,
        WORKS,
        &[
            "Travaux de voirie {de_buyer} – programme {year}",
            "Réfection de chaussées et de trottoirs à {place}",
        ],
    ),
    purchase(
        "45453000",
        Sector::Building,
        (6, 3),
        150_000.0,
        WORKS,
        &[
            "Travaux de remise en état des logements {de_buyer}",
            "Remise à neuf des vestiaires du stade de {place}",
        ],
    ),
    purchase(
        "45316110",
        Sector::Electrical,
        (6, 4),
        180_000.0,
        WORKS,
        &[
            "Travaux d'éclairage public {de_buyer}",
            "Rénovation de l'éclairage public en LED à {place}",
        ],
    ),
    purchase(
        "50700000",
        Sector::Building,
        (5, 4),
        120_000.0,
        SERVICES,
        &[
            "Maintenance des installations de chauffage et de climatisation {de_buyer}",
            "Entretien et réparation des bâtiments {de_buyer}",
        ],
    ),
    purchase(
        "77310000",
        Sector::GreenSpaces,
        (8, 5),
        120_000.0,
        SERVICES,
        &[
            "Entretien des espaces verts {de_buyer}",
            "Entretien des parcs, jardins et cimetières de {place}",
        ],
    ),
    purchase(
        "90910000",
        Sector::Cleaning,
        (8, 6),
        150_000.0,
        SERVICES,
        &[
            "Nettoyage des locaux {de_buyer}",
            "Nettoyage des bâtiments communaux de {place}",
            "Nettoyage des écoles et des équipements sportifs {de_buyer}",
        ],
    ),
    purchase(
        "55520000",
        Sector::Catering,
        (3, 2),
        90_000.0,
        SERVICES,
        &[
            "Fourniture et livraison de repas pour les manifestations {de_buyer}",
            "Portage de repas à domicile pour les personnes âgées {de_buyer}",
        ],
    ),
    purchase(
        "55524000",
        Sector::Catering,
        (7, 2),
        700_000.0,
        SERVICES,
        &[
            "Restauration scolaire {de_buyer}",
            "Fourniture de repas en liaison froide pour les écoles et les crèches de {place}",
        ],
    ),
    purchase(
        "79710000",
        Sector::Security,
        (3, 3),
        150_000.0,
        SERVICES,
        &[
            "Gardiennage et surveillance des bâtiments {de_buyer}",
            "Sécurité des manifestations estivales de {place}",
        ],
    ),
    purchase(
        "90511000",
        Sector::Waste,
        (1, 8),
        2_000_000.0,
        SERVICES,
        &[
            "Collecte des déchets ménagers et assimilés {de_buyer}",
            "Collecte sélective en points d'apport volontaire {de_buyer}",
        ],
    ),
    purchase(
        "90500000",
        Sector::Waste,
        (1, 4),
        600_000.0,
        SERVICES,
        &[
            "Exploitation des déchèteries {de_buyer}",
            "Tri et valorisation des encombrants {de_buyer}",
        ],
    ),
    purchase(
        "80500000",
        Sector::Training,
        (3, 3),
        60_000.0,
        SERVICES,
        &[
            "Formation des agents {de_buyer}",
            "Formation aux premiers secours et à la sécurité des agents",
        ],
    ),
    purchase(
        "85310000",
        Sector::SocialCare,
        (3, 4),
        150_000.0,
        SERVICES,
        &[
            "Accompagnement social et professionnel des bénéficiaires du RSA",
            "Animation d'un dispositif d'accompagnement vers l'emploi {de_buyer}",
            "Accueil de loisirs sans hébergement de {place}",
        ],
    ),
    purchase(
        "98341130",
        Sector::Cleaning,
        (2, 1),
        60_000.0,
        SERVICES,
        &["Conciergerie et gardiennage des équipements sportifs de {place}"],
    ),
    purchase(
        "92000000",
        Sector::Culture,
        (4, 2),
        80_000.0,
        SERVICES,
        &[
            "Organisation du festival d'été {de_buyer}",
            "Animations culturelles et ateliers artistiques {de_buyer}",
        ],
    ),
    purchase(
        "60130000",
        Sector::Transport,
        (3, 4),
        400_000.0,
        SERVICES,
        &[
            "Transport scolaire et périscolaire {de_buyer}",
            "Transport des enfants des centres de loisirs de {place}",
        ],
    ),
    purchase(
        "71000000",
        Sector::Engineering,
        (5, 4),
        120_000.0,
        DESIGN,
        &[
            "Maîtrise d'œuvre pour la réhabilitation de l'hôtel de ville de {place}",
            "Maîtrise d'œuvre pour l'aménagement des espaces publics {de_buyer}",
        ],
    ),
    purchase(
        "72000000",
        Sector::It,
        (4, 4),
        100_000.0,
        IT,
        &[
            "Maintenance du parc informatique {de_buyer}",
            "Hébergement et maintenance du site internet {de_buyer}",
        ],
    ),
    purchase(
        "66510000",
        Sector::Insurance,
        (3, 3),
        150_000.0,
        NO_CCAG,
        &[
            "Assurance dommages aux biens et responsabilité civile {de_buyer}",
            "Assurance de la flotte automobile {de_buyer}",
        ],
    ),
    purchase(
        "79620000",
        Sector::Staffing,
        (1, 1),
        60_000.0,
        SERVICES,
        &["Mise à disposition de personnel pour l'entretien des locaux {de_buyer}"],
    ),
    purchase(
        "79810000",
        Sector::Printing,
        (2, 2),
        50_000.0,
        SERVICES,
        &[
            "Impression du magazine d'information {de_buyer}",
            "Impression des supports de communication {de_buyer}",
        ],
    ),
    purchase(
        "15800000",
        Sector::Food,
        (4, 1),
        200_000.0,
        SERVICES,
        &["Fourniture de denrées alimentaires pour la restauration collective {de_buyer}"],
    ),
    purchase(
        "03221000",
        Sector::Food,
        (3, 1),
        80_000.0,
        SERVICES,
        &["Fourniture de fruits et légumes frais de saison en circuit court {de_buyer}"],
    ),
    purchase(
        "30192000",
        Sector::OfficeSupplies,
        (4, 3),
        50_000.0,
        SERVICES,
        &[
            "Fourniture de papeterie et de fournitures de bureau {de_buyer}",
            "Fournitures scolaires pour les écoles de {place}",
        ],
    ),
    purchase(
        "39130000",
        Sector::Furniture,
        (3, 2),
        80_000.0,
        SERVICES,
        &["Acquisition de mobilier scolaire et de bureau {de_buyer}"],
    ),
    purchase(
        "34110000",
        Sector::Vehicles,
        (2, 2),
        120_000.0,
        SERVICES,
        &["Acquisition de véhicules légers électriques {de_buyer}"],
    ),
    purchase(
        "34144000",
        Sector::Vehicles,
        (0, 2),
        400_000.0,
        SERVICES,
        &["Acquisition de bennes à ordures ménagères {de_buyer}"],
    ),
    purchase(
        "09310000",
        Sector::Energy,
        (2, 2),
        500_000.0,
        SERVICES,
        &["Fourniture d'électricité pour les bâtiments et l'éclairage public {de_buyer}"],
    ),
    purchase(
        "30213000",
        Sector::It,
        (2, 2),
        80_000.0,
        SERVICES,
        &["Acquisition de postes informatiques pour les écoles de {place}"],
    ),
];

/// Concessions; the last field is their DECP nature.
pub(super) const CONCESSIONS: &[Purchase] = &[
    purchase(
        "60112000",
        Sector::Transport,
        (0, 3),
        6_000_000.0,
        "Délégation de service public",
        &["Délégation de service public du réseau de transport urbain {de_buyer}"],
    ),
    purchase(
        "55524000",
        Sector::Catering,
        (2, 0),
        3_000_000.0,
        "Délégation de service public",
        &["Délégation de service public de la restauration scolaire de {place}"],
    ),
    purchase(
        "85320000",
        Sector::SocialCare,
        (2, 1),
        1_500_000.0,
        "Concession de service public",
        &[
            "Gestion du multi-accueil petite enfance de {place}",
            "Gestion de l'accueil de loisirs {de_buyer}",
        ],
    ),
    purchase(
        "92610000",
        Sector::Culture,
        (1, 2),
        2_500_000.0,
        "Délégation de service public",
        &["Exploitation du centre aquatique {de_buyer}"],
    ),
    purchase(
        "55220000",
        Sector::Tourism,
        (1, 0),
        800_000.0,
        "Concession de service",
        &["Exploitation du camping municipal de {place}"],
    ),
];

/// Procedures of public contracts (DECP values) with their weights below and above the
/// European thresholds.
pub(super) const PROCEDURES: &[(&str, u32, u32)] = &[
    ("Procédure adaptée", 78, 0),
    ("Appel d'offres ouvert", 12, 78),
    ("Appel d'offres restreint", 1, 6),
    ("Procédure avec négociation", 3, 10),
    ("Marché passé sans publicité ni mise en concurrence préalable", 6, 3),
    ("Dialogue compétitif", 0, 3),
];

/// Procedures of concessions.
pub(super) const CONCESSION_PROCEDURES: &[&str] = &[
    "Procédure négociée ouverte",
    "Procédure non négociée ouverte",
    "Procédure négociée restreinte",
];

/// Price types (DECP `typesPrix`).
pub(super) const PRICE_TYPES: &[(&str, u32)] = &[
    ("Définitif ferme", 40),
    ("Définitif révisable", 45),
    ("Définitif actualisable", 15),
];

#[cfg(test)]
mod tests {
    use super::{CONCESSIONS, PURCHASES};
    use crate::domain::CpvCode;

    #[test]
    fn every_cpv_code_is_valid_and_has_objects() {
        for purchase in PURCHASES.iter().chain(CONCESSIONS) {
            assert!(CpvCode::parse(purchase.cpv).is_ok(), "{}", purchase.cpv);
            assert!(!purchase.objects.is_empty(), "{}", purchase.cpv);
        }
    }
}
