//! The words of the demo: kinds of organisations with their share, legal categories and
//! activities (NAF code, name templates, what they can supply, statutory labels), surnames,
//! streets, and the filling of name templates.
//!
//! A name template may hold `{commune}` (the commune's name), `{de_commune}` (the same after
//! "de", with elision and contraction: "d'Aix-en-Provence", "du Cannet"), `{de_departement}`
//! ("des Bouches-du-Rhône") and `{surname}`.

use entity::enums::{EssFamily, EssFamilyBasis, HeadcountBand, LabelKind};

/// What an organisation can supply to a public buyer; contracts go to suppliers whose sector
/// matches the purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Sector {
    /// Building works.
    Building,
    /// Electrical works and public lighting.
    Electrical,
    /// Roads and networks.
    PublicWorks,
    /// Green spaces.
    GreenSpaces,
    /// Cleaning of premises.
    Cleaning,
    /// Catering and meals.
    Catering,
    /// Food supplies.
    Food,
    /// Waste collection, sorting and re-use.
    Waste,
    /// Guarding and security.
    Security,
    /// Training and popular education.
    Training,
    /// Social work, care, childcare.
    SocialCare,
    /// Cultural and recreational services.
    Culture,
    /// Passenger transport.
    Transport,
    /// IT services and equipment.
    It,
    /// Architecture and engineering.
    Engineering,
    /// Office supplies.
    OfficeSupplies,
    /// Furniture.
    Furniture,
    /// Vehicles.
    Vehicles,
    /// Energy.
    Energy,
    /// Insurance.
    Insurance,
    /// Printing.
    Printing,
    /// Supply of staff (temporary work, intermediary associations).
    Staffing,
    /// Tourism and holiday accommodation.
    Tourism,
}

/// Headcount profile of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Size {
    /// Mostly volunteers: many non-employers.
    Micro,
    /// Small businesses.
    Small,
    /// Employers of a few dozen people (social services, insertion).
    Medium,
    /// Larger employers (ESAT, mutuals, big foundations).
    Large,
    /// National companies.
    National,
}

impl Size {
    /// Headcount bands of the profile with their weights.
    pub(super) fn bands(self) -> &'static [(HeadcountBand, u32)] {
        use HeadcountBand::*;
        match self {
            Size::Micro => &[
                (NonEmployer, 38),
                (Zero, 22),
                (From1To2, 14),
                (From3To5, 10),
                (From6To9, 7),
                (From10To19, 5),
                (From20To49, 3),
                (From50To99, 1),
            ],
            Size::Small => &[
                (NonEmployer, 8),
                (Zero, 16),
                (From1To2, 20),
                (From3To5, 18),
                (From6To9, 14),
                (From10To19, 12),
                (From20To49, 8),
                (From50To99, 3),
                (From100To199, 1),
            ],
            Size::Medium => &[
                (NonEmployer, 2),
                (Zero, 4),
                (From1To2, 8),
                (From3To5, 12),
                (From6To9, 16),
                (From10To19, 24),
                (From20To49, 22),
                (From50To99, 8),
                (From100To199, 3),
                (From200To249, 1),
            ],
            Size::Large => &[
                (From6To9, 5),
                (From10To19, 15),
                (From20To49, 30),
                (From50To99, 25),
                (From100To199, 15),
                (From200To249, 4),
                (From250To499, 4),
                (From500To999, 2),
            ],
            Size::National => &[
                (From20To49, 15),
                (From50To99, 20),
                (From100To199, 20),
                (From200To249, 10),
                (From250To499, 15),
                (From500To999, 10),
                (From1000To1999, 6),
                (From2000To4999, 4),
            ],
        }
    }
}

/// One activity an organisation of a profile can have.
#[derive(Debug, Clone, Copy)]
pub(super) struct Activity {
    /// NAF rév. 2 sub-class.
    pub naf: &'static str,
    /// Relative weight within its profile.
    pub weight: u32,
    /// What it can supply to public buyers, if anything.
    pub sector: Option<Sector>,
    /// Statutory labels every organisation of this activity holds (SIAE kind, EA, ESAT).
    pub labels: &'static [LabelKind],
    /// Legal category forced by the activity (an association intermédiaire is `9222`).
    pub legal_category: Option<&'static str>,
    /// Headcount profile.
    pub size: Size,
    /// Name templates.
    pub names: &'static [&'static str],
}

/// An activity of `weight` with code `naf`, supplying `sector`, named from `names`; small,
/// unlabelled, with the profile's legal categories.
const fn activity(naf: &'static str, weight: u32, sector: Option<Sector>, names: &'static [&'static str]) -> Activity {
    Activity {
        naf,
        weight,
        sector,
        labels: &[],
        legal_category: None,
        size: Size::Small,
        names,
    }
}

impl Activity {
    /// The same activity with another headcount profile.
    const fn sized(self, size: Size) -> Self {
        Self { size, ..self }
    }

    /// The same activity, every organisation of which holds `labels`.
    const fn labelled(self, labels: &'static [LabelKind]) -> Self {
        Self { labels, ..self }
    }

    /// The same activity with a forced legal category.
    const fn category(self, code: &'static str) -> Self {
        Self {
            legal_category: Some(code),
            ..self
        }
    }
}

/// A kind of organisation and its share of the generated ones.
#[derive(Debug)]
pub(super) struct Profile {
    /// Share of the generated organisations, per thousand.
    pub per_mille: u32,
    /// SSE family.
    pub family: EssFamily,
    /// What the family is decided from.
    pub basis: EssFamilyBasis,
    /// INSEE legal categories with their weights.
    pub legal_categories: &'static [(&'static str, u32)],
    /// Labels every organisation of the profile holds (SCOP, SCIC, CAE).
    pub labels: &'static [LabelKind],
    /// Share of organisations holding the ESUS agreement, percent.
    pub esus_percent: u32,
    /// Earliest creation year.
    pub founded_from: i32,
    /// Whether names end with the legal form ("SAS", "SARL").
    pub legal_form_in_name: bool,
    /// Activities.
    pub activities: &'static [Activity],
}

use LabelKind::{Cae, Ea, Esat, Geiq, Scic, Scop, SiaeAci, SiaeAi, SiaeEi, SiaeEiti, SiaeEtti};
use Sector::*;
use Size::{Large, Medium, Micro, National};

const ASSOCIATION_ACTIVITIES: &[Activity] = &[
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

const SCOP_ACTIVITIES: &[Activity] = &[
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

const SCIC_ACTIVITIES: &[Activity] = &[
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

const CAE_ACTIVITIES: &[Activity] = &[
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

const AGRICULTURAL_COOPERATIVE_ACTIVITIES: &[Activity] = &[
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

const CUMA_ACTIVITIES: &[Activity] = &[activity(
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

const MUTUAL_ACTIVITIES: &[Activity] = &[
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

const FOUNDATION_ACTIVITIES: &[Activity] = &[
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

const SSE_COMPANY_ACTIVITIES: &[Activity] = &[
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

const COMPANY_ACTIVITIES: &[Activity] = &[
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
pub(super) const FAR_ACTIVITIES: &[Activity] = &[
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

/// The kinds of generated organisations; their shares add up to 1 000 per thousand.
pub(super) const PROFILES: &[Profile] = &[
    Profile {
        per_mille: 580,
        family: EssFamily::Association,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("9220", 98), ("9230", 2)],
        labels: &[],
        esus_percent: 10,
        founded_from: 1950,
        legal_form_in_name: false,
        activities: ASSOCIATION_ACTIVITIES,
    },
    Profile {
        per_mille: 48,
        family: EssFamily::Cooperative,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("5458", 80), ("5558", 20)],
        labels: &[Scop],
        esus_percent: 10,
        founded_from: 1960,
        legal_form_in_name: false,
        activities: SCOP_ACTIVITIES,
    },
    Profile {
        per_mille: 24,
        family: EssFamily::Cooperative,
        basis: EssFamilyBasis::Label,
        legal_categories: &[("5710", 1)],
        labels: &[Scic],
        esus_percent: 10,
        founded_from: 2002,
        legal_form_in_name: false,
        activities: SCIC_ACTIVITIES,
    },
    Profile {
        per_mille: 12,
        family: EssFamily::Cooperative,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("5460", 1)],
        labels: &[Cae],
        esus_percent: 10,
        founded_from: 1996,
        legal_form_in_name: false,
        activities: CAE_ACTIVITIES,
    },
    Profile {
        per_mille: 24,
        family: EssFamily::Cooperative,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("6317", 85), ("6318", 15)],
        labels: &[],
        esus_percent: 10,
        founded_from: 1950,
        legal_form_in_name: false,
        activities: AGRICULTURAL_COOPERATIVE_ACTIVITIES,
    },
    Profile {
        per_mille: 12,
        family: EssFamily::Cooperative,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("6316", 1)],
        labels: &[],
        esus_percent: 0,
        founded_from: 1950,
        legal_form_in_name: false,
        activities: CUMA_ACTIVITIES,
    },
    Profile {
        per_mille: 30,
        family: EssFamily::Mutual,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("8210", 70), ("8290", 30)],
        labels: &[],
        esus_percent: 0,
        founded_from: 1950,
        legal_form_in_name: false,
        activities: MUTUAL_ACTIVITIES,
    },
    Profile {
        per_mille: 20,
        family: EssFamily::Foundation,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("9300", 1)],
        labels: &[],
        esus_percent: 0,
        founded_from: 1950,
        legal_form_in_name: false,
        activities: FOUNDATION_ACTIVITIES,
    },
    Profile {
        per_mille: 60,
        family: EssFamily::SseCommercialCompany,
        basis: EssFamilyBasis::Label,
        legal_categories: &[("5710", 70), ("5499", 30)],
        labels: &[],
        esus_percent: 100,
        founded_from: 2000,
        legal_form_in_name: false,
        activities: SSE_COMPANY_ACTIVITIES,
    },
    Profile {
        per_mille: 190,
        family: EssFamily::NonSse,
        basis: EssFamilyBasis::LegalCategory,
        legal_categories: &[("5710", 55), ("5499", 35), ("5720", 10)],
        labels: &[],
        esus_percent: 0,
        founded_from: 1960,
        legal_form_in_name: true,
        activities: COMPANY_ACTIVITIES,
    },
];

/// The profile of the companies placed outside the three régions.
pub(super) const FAR_COMPANY: Profile = Profile {
    per_mille: 0,
    family: EssFamily::NonSse,
    basis: EssFamilyBasis::LegalCategory,
    legal_categories: &[("5710", 80), ("5599", 20)],
    labels: &[],
    esus_percent: 0,
    founded_from: 1950,
    legal_form_in_name: true,
    activities: FAR_ACTIVITIES,
};

/// Surnames for company and foundation names: common in the south of France and Corsica.
pub(super) const SURNAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Roux",
    "Fabre",
    "Blanc",
    "Garcia",
    "Rossi",
    "Giraud",
    "Michel",
    "Arnaud",
    "Bonnet",
    "Fournier",
    "Mercier",
    "Laurent",
    "Lopez",
    "Martinez",
    "Moreau",
    "Faure",
    "André",
    "Rouvier",
    "Castellani",
    "Santoni",
    "Pietri",
    "Mattei",
    "Casanova",
    "Orsini",
    "Rey",
    "Gauthier",
    "Barthélemy",
    "Cayol",
    "Olivier",
    "Vidal",
    "Sabatier",
    "Bousquet",
    "Cabanel",
    "Marty",
    "Costes",
    "Delmas",
    "Escudier",
    "Estève",
    "Garnier",
    "Imbert",
    "Jourdan",
    "Maurel",
    "Pons",
    "Serre",
    "Teissier",
    "Bertrand",
    "Audibert",
    "Aubert",
    "Brun",
    "Chabert",
    "Reynaud",
    "Sanchez",
    "Ferrer",
    "Puig",
    "Carrère",
    "Lafont",
    "Salvat",
    "Bonifay",
];

/// Streets for addresses.
pub(super) const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean Jaurès",
    "boulevard Victor Hugo",
    "place de la Mairie",
    "chemin des Oliviers",
    "rue Pasteur",
    "avenue de la Gare",
    "rue du Moulin",
    "impasse des Lavandes",
    "avenue du Général de Gaulle",
    "rue des Écoles",
    "boulevard Gambetta",
    "rue Frédéric Mistral",
    "chemin de la Colline",
    "rue de l'Église",
    "avenue des Pins",
    "place du Marché",
    "rue Voltaire",
    "allée des Platanes",
    "route de la Mer",
    "rue des Artisans",
    "avenue de la Libération",
    "quai du Port",
    "rue Émile Zola",
];

/// Second address lines of business parks.
pub(super) const BUSINESS_PARKS: &[&str] = &[
    "Zone artisanale Les Paluds",
    "Zone d'activités du Pont",
    "Parc d'activités des Estroublans",
    "Zone industrielle Nord",
    "Parc d'activités de la Plaine",
];

/// What tells apart two organisations that would otherwise get the same name.
pub(super) const NAME_QUALIFIERS: &[&str] = &[
    "Centre",
    "Nord",
    "Sud",
    "Est",
    "Ouest",
    "Centre-Ville",
    "Les Hauts",
    "La Gare",
    "Le Port",
    "Les Plaines",
];

/// Words that fill a name template.
pub(super) struct NameWords<'a> {
    /// The commune's name.
    pub commune: &'a str,
    /// The département after "de" ("des Bouches-du-Rhône").
    pub de_departement: &'a str,
    /// A surname.
    pub surname: &'a str,
}

/// `template` with its placeholders replaced.
pub(super) fn fill(template: &str, words: &NameWords<'_>) -> String {
    template
        .replace("{de_commune}", &with_de(words.commune))
        .replace("{commune}", words.commune)
        .replace("{de_departement}", words.de_departement)
        .replace("{surname}", words.surname)
}

/// `name` after the preposition "de", as French writes it: "de Nice", "d'Aix-en-Provence",
/// "du Cannet" (for "Le Cannet"), "des Pennes-Mirabeau", "de La Ciotat".
pub(super) fn with_de(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        format!("du {rest}")
    } else if let Some(rest) = name.strip_prefix("Les ") {
        format!("des {rest}")
    } else if name.starts_with(['A', 'E', 'I', 'O', 'U', 'Y', 'É', 'È', 'Ê', 'Î', 'Ô', 'Œ']) {
        format!("d'{name}")
    } else {
        format!("de {name}")
    }
}

#[cfg(test)]
mod tests {
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
}
