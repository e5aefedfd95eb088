//! The activities of the social and solidarity economy's kinds of organisations: associations,
//! cooperatives (SCOP, SCIC, CAE, agricultural, CUMA), mutuals, foundations and SSE companies.

use super::{Activity, Sector, Size, activity};
use entity::enums::LabelKind;

use LabelKind::{Ea, Esat, Geiq, SiaeAci, SiaeAi, SiaeEi, SiaeEiti, SiaeEtti};
use Sector::*;
use Size::{Large, Medium, Micro};

pub(super) const ASSOCIATION_ACTIVITIES: &[Activity] = &[
    activity(
        "88.99B",
        110,
        Some(SocialCare),
        &[
            "Association d'Entraide {de_commune}",
            "Accueil et Solidarité {commune}",
            "Épicerie Solidaire {de_commune}",
            "Maison des Solidarités {de_commune}",
            "Le Relais Solidaire {de_commune}",
            "Partage et Dignité {commune}",
        ],
    )
    .sized(Micro),
    activity(
        "88.10A",
        45,
        Some(SocialCare),
        &[
            "Aide à Domicile {de_commune}",
            "Présence à Domicile {commune}",
            "Service d'Aide et d'Accompagnement à Domicile {de_commune}",
        ],
    )
    .sized(Medium),
    activity(
        "88.91A",
        40,
        Some(SocialCare),
        &[
            "Crèche Parentale Les Petits Pas {de_commune}",
            "Les Galopins {de_commune}",
            "Multi-Accueil Les Lucioles {de_commune}",
        ],
    )
    .sized(Medium),
    activity(
        "94.99Z",
        170,
        None,
        &[
            "Comité des Fêtes {de_commune}",
            "Les Amis du Patrimoine {de_commune}",
            "Amicale Laïque {de_commune}",
            "Association des Habitants {de_commune}",
            "Collectif Citoyen {de_commune}",
            "Les Amis de la Bibliothèque {de_commune}",
        ],
    )
    .sized(Micro),
    activity(
        "88.99B",
        40,
        Some(Training),
        &[
            "Centre Social et Culturel {de_commune}",
            "Maison des Jeunes et de la Culture {de_commune}",
            "Foyer Rural {de_commune}",
        ],
    )
    .sized(Medium),
    activity(
        "85.59A",
        45,
        Some(Training),
        &[
            "Savoirs et Formation {commune}",
            "Atelier d'Alphabétisation {de_commune}",
            "Centre de Formation Solidaire {de_commune}",
            "Passerelles Emploi {commune}",
        ],
    ),
    activity(
        "90.01Z",
        70,
        Some(Culture),
        &[
            "Compagnie Théâtrale {de_commune}",
            "Les Tréteaux {de_commune}",
            "Ensemble Vocal {de_commune}",
            "Festival des Arts {de_commune}",
            "Compagnie des Lucioles {de_commune}",
        ],
    )
    .sized(Micro),
    activity(
        "93.12Z",
        150,
        None,
        &[
            "Football Club {de_commune}",
            "Union Sportive {de_commune}",
            "Rugby Club {de_commune}",
            "Tennis Club {de_commune}",
            "Club de Randonnée {de_commune}",
            "Judo Club {de_commune}",
        ],
    )
    .sized(Micro),
    activity(
        "01.13Z",
        30,
        Some(Food),
        &[
            "Les Jardins {de_commune}",
            "Jardin Partagé {de_commune}",
            "Les Potagers Solidaires {de_commune}",
        ],
    )
    .sized(Micro),
    activity(
        "95.29Z",
        15,
        None,
        &["Atelier Vélo Solidaire {de_commune}", "La Rustine {de_commune}"],
    )
    .sized(Micro),
    activity(
        "81.30Z",
        45,
        Some(GreenSpaces),
        &[
            "Chantier d'Insertion Nature et Patrimoine {de_commune}",
            "Les Jardins d'Insertion {de_commune}",
            "Atelier Chantier d'Insertion {de_commune}",
        ],
    )
    .sized(Medium)
    .labelled(&[SiaeAci])
    .category("9221"),
    activity(
        "38.32Z",
        25,
        Some(Waste),
        &["Recyclerie {de_commune}", "Ressourcerie du Pays {de_commune}"],
    )
    .sized(Medium)
    .labelled(&[SiaeAci]),
    activity(
        "81.21Z",
        15,
        Some(Cleaning),
        &["Régie de Quartier {de_commune}", "Régie Territoriale {de_commune}"],
    )
    .sized(Medium)
    .labelled(&[SiaeAci]),
    activity(
        "78.30Z",
        25,
        Some(Staffing),
        &[
            "Association Intermédiaire Emploi Solidaire {de_commune}",
            "Services Plus {commune}",
            "Tremplin Emploi {commune}",
        ],
    )
    .sized(Medium)
    .labelled(&[SiaeAi])
    .category("9222"),
    activity(
        "78.30Z",
        10,
        Some(Staffing),
        &[
            "GEIQ BTP {de_departement}",
            "GEIQ Propreté {de_departement}",
            "GEIQ Agricole {de_departement}",
        ],
    )
    .sized(Medium)
    .labelled(&[Geiq]),
    activity(
        "88.10C",
        20,
        Some(GreenSpaces),
        &[
            "ESAT Les Oliviers {de_commune}",
            "ESAT {de_commune}",
            "ESAT Le Mas {de_commune}",
        ],
    )
    .sized(Large)
    .labelled(&[Esat]),
    activity(
        "88.10C",
        15,
        Some(Cleaning),
        &["ESAT Les Ateliers {de_commune}", "ESAT Blanchisserie {de_commune}"],
    )
    .sized(Large)
    .labelled(&[Esat]),
    activity(
        "81.21Z",
        10,
        Some(Cleaning),
        &[
            "Entreprise Adaptée {de_commune}",
            "EA Les Ateliers Solidaires {de_commune}",
        ],
    )
    .sized(Medium)
    .labelled(&[Ea]),
    activity("18.12Z", 5, Some(Printing), &["Imprimerie Adaptée {de_commune}"])
        .sized(Medium)
        .labelled(&[Ea]),
    activity("86.21Z", 10, None, &["Centre de Santé Associatif {de_commune}"]).sized(Medium),
    activity(
        "86.90D",
        10,
        Some(SocialCare),
        &["Service de Soins Infirmiers à Domicile {de_commune}"],
    )
    .sized(Medium),
    activity(
        "87.30A",
        20,
        Some(SocialCare),
        &[
            "Résidence Autonomie Les Oliviers {de_commune}",
            "Foyer-Logement {de_commune}",
        ],
    )
    .sized(Medium),
    activity(
        "55.20Z",
        15,
        Some(Tourism),
        &[
            "Village Vacances {de_commune}",
            "Auberge de Jeunesse {de_commune}",
            "Centre de Vacances {de_commune}",
        ],
    ),
    activity(
        "56.10A",
        15,
        Some(Catering),
        &[
            "Café Associatif {de_commune}",
            "Le Resto Solidaire {de_commune}",
            "La Cantine Solidaire {de_commune}",
        ],
    ),
    activity(
        "49.39A",
        10,
        Some(Transport),
        &["Transport Solidaire {de_commune}", "Mobilité Solidaire {commune}"],
    ),
    activity(
        "94.99Z",
        20,
        Some(Training),
        &[
            "Centre d'Initiatives pour l'Environnement {de_commune}",
            "Les Amis de la Nature {de_commune}",
        ],
    )
    .sized(Micro),
];

pub(super) const SCOP_ACTIVITIES: &[Activity] = &[
    activity(
        "43.99C",
        25,
        Some(Building),
        &["SCOP Bâtiment {commune}", "Les Maçons Associés {de_commune}"],
    ),
    activity(
        "43.21A",
        12,
        Some(Electrical),
        &["Électricité Coopérative {de_commune}", "SCOP Élec {commune}"],
    ),
    activity(
        "43.32A",
        10,
        Some(Building),
        &[
            "Les Menuisiers Associés {de_commune}",
            "Menuiserie Coopérative {de_commune}",
        ],
    ),
    activity(
        "71.12B",
        12,
        Some(Engineering),
        &["Bureau d'Études Coopératif {de_commune}", "{surname} & Associés"],
    ),
    activity(
        "62.01Z",
        10,
        Some(It),
        &["Coopérative Informatique {de_commune}", "SCOP Numérique {commune}"],
    ),
    activity("18.12Z", 8, Some(Printing), &["Imprimerie Coopérative {de_commune}"]),
    activity("81.21Z", 8, Some(Cleaning), &["Nettoyage Coopératif {de_commune}"]),
    activity("49.39B", 5, Some(Transport), &["Transports Coopératifs {de_commune}"]),
    activity("56.10A", 5, Some(Catering), &["Restaurant Coopératif {de_commune}"]),
    activity(
        "71.11Z",
        5,
        Some(Engineering),
        &["Atelier d'Architecture Coopératif {de_commune}"],
    ),
];

pub(super) const SCIC_ACTIVITIES: &[Activity] = &[
    activity(
        "35.11Z",
        20,
        Some(Energy),
        &["SCIC Énergies Citoyennes {de_commune}", "SCIC Soleil {de_commune}"],
    ),
    activity("02.20Z", 10, Some(Energy), &["SCIC Bois Énergie {de_commune}"]),
    activity(
        "68.20B",
        15,
        None,
        &["SCIC Tiers-Lieu {de_commune}", "SCIC La Fabrique {de_commune}"],
    ),
    activity("47.11B", 15, Some(Food), &["SCIC Alimentation Locale {de_commune}"]),
    activity("10.39A", 10, Some(Food), &["SCIC Légumerie {de_commune}"]),
    activity("49.39A", 10, Some(Transport), &["SCIC Mobilités {de_commune}"]),
    activity("41.20A", 10, Some(Building), &["SCIC Habitat Solidaire {de_commune}"]),
    activity("38.32Z", 10, Some(Waste), &["SCIC Réemploi {de_commune}"]),
];

pub(super) const CAE_ACTIVITIES: &[Activity] = &[
    activity(
        "70.22Z",
        3,
        Some(Training),
        &[
            "Coopérative d'Activité et d'Emploi {de_commune}",
            "CAE Les Entreprenants {de_commune}",
            "Coopérative d'Entrepreneurs {de_commune}",
        ],
    )
    .sized(Medium),
    activity("43.99C", 1, Some(Building), &["CAE Bâtiment {de_commune}"]).sized(Medium),
];

pub(super) const AGRICULTURAL_COOPERATIVE_ACTIVITIES: &[Activity] = &[
    activity(
        "11.02B",
        40,
        None,
        &[
            "Cave Coopérative {de_commune}",
            "Les Vignerons {de_commune}",
            "Union des Caves {de_commune}",
        ],
    ),
    activity(
        "10.41A",
        15,
        Some(Food),
        &["Coopérative Oléicole {de_commune}", "Moulin Coopératif {de_commune}"],
    ),
    activity(
        "46.31Z",
        25,
        Some(Food),
        &["Coopérative Fruitière {de_commune}", "Les Producteurs {de_commune}"],
    ),
    activity("46.21Z", 20, None, &["Coopérative Agricole {de_commune}"]),
];

pub(super) const CUMA_ACTIVITIES: &[Activity] = &[activity(
    "01.61Z",
    1,
    None,
    &[
        "CUMA {de_commune}",
        "CUMA Les Terres {de_commune}",
        "CUMA du Plateau {de_commune}",
    ],
)
.sized(Micro)];

pub(super) const MUTUAL_ACTIVITIES: &[Activity] = &[
    activity(
        "65.12Z",
        60,
        Some(Insurance),
        &[
            "Mutuelle Solidaire {de_commune}",
            "Mutuelle des Agents Territoriaux {de_departement}",
            "Mutuelle Familiale {de_commune}",
        ],
    )
    .sized(Large),
    activity("86.21Z", 20, None, &["Centre Mutualiste de Santé {de_commune}"]).sized(Medium),
    activity("86.23Z", 10, None, &["Centre Dentaire Mutualiste {de_commune}"]).sized(Medium),
    activity("47.78A", 10, None, &["Optique Mutualiste {de_commune}"]),
];

pub(super) const FOUNDATION_ACTIVITIES: &[Activity] = &[
    activity(
        "88.99B",
        35,
        Some(SocialCare),
        &["Fondation {surname} pour l'Enfance", "Fondation {surname} Solidarités"],
    )
    .sized(Large),
    activity(
        "87.30A",
        20,
        Some(SocialCare),
        &["Fondation Les Amandiers {de_commune}"],
    )
    .sized(Large),
    activity(
        "94.99Z",
        25,
        Some(Culture),
        &["Fondation {surname}", "Fondation {surname} pour la Culture"],
    )
    .sized(Micro),
    activity("72.19Z", 10, None, &["Fondation {surname} pour la Recherche Médicale"]).sized(Medium),
    activity("85.59A", 10, Some(Training), &["Fondation {surname} pour l'Insertion"]).sized(Medium),
];

pub(super) const SSE_COMPANY_ACTIVITIES: &[Activity] = &[
    activity(
        "81.30Z",
        12,
        Some(GreenSpaces),
        &["{commune} Espaces Verts Insertion", "Vert Solidaire {commune}"],
    )
    .sized(Medium)
    .labelled(&[SiaeEi]),
    activity(
        "81.21Z",
        10,
        Some(Cleaning),
        &["Nettoyage Solidaire {de_commune}", "Propreté Insertion {commune}"],
    )
    .sized(Medium)
    .labelled(&[SiaeEi]),
    activity(
        "43.99C",
        8,
        Some(Building),
        &["Bâtiment Insertion {commune}", "Rénov'Solidaire {commune}"],
    )
    .sized(Medium)
    .labelled(&[SiaeEi]),
    activity(
        "38.11Z",
        5,
        Some(Waste),
        &["{commune} Recyclage Solidaire", "Collecte Solidaire {de_commune}"],
    )
    .sized(Medium)
    .labelled(&[SiaeEi]),
    activity(
        "78.20Z",
        15,
        Some(Staffing),
        &["Intérim Solidaire {de_commune}", "ETTI Tremplin {commune}"],
    )
    .sized(Medium)
    .labelled(&[SiaeEtti]),
    activity("74.90B", 3, None, &["Entrepreneurs Solidaires {de_commune}"]).labelled(&[SiaeEiti]),
    activity("81.30Z", 5, Some(GreenSpaces), &["EA Services {commune}"])
        .sized(Medium)
        .labelled(&[Ea]),
    activity("96.09Z", 8, None, &["Conciergerie Solidaire {de_commune}"]),
    activity("56.21Z", 8, Some(Catering), &["Traiteur Solidaire {de_commune}"]),
    activity("47.11B", 6, Some(Food), &["Épicerie Solidaire {commune}"]),
    activity("95.11Z", 8, Some(It), &["Informatique Solidaire {de_commune}"]),
    activity("49.39A", 5, Some(Transport), &["Mobilité Solidaire {commune}"]),
    activity("38.32Z", 7, Some(Waste), &["Ressourcerie {commune}"]),
];
