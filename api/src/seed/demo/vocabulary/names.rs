//! The words organisations and addresses are named with (surnames, streets, business parks,
//! qualifiers) and the filling of name templates.

/// Surnames for company and foundation names: common in the south of France and Corsica.
pub(in crate::seed::demo) const SURNAMES: &[&str] = &[
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
pub(in crate::seed::demo) const STREETS: &[&str] = &[
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
pub(in crate::seed::demo) const BUSINESS_PARKS: &[&str] = &[
    "Zone artisanale Les Paluds",
    "Zone d'activités du Pont",
    "Parc d'activités des Estroublans",
    "Zone industrielle Nord",
    "Parc d'activités de la Plaine",
];

/// What tells apart two organisations that would otherwise get the same name.
pub(in crate::seed::demo) const NAME_QUALIFIERS: &[&str] = &[
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
pub(in crate::seed::demo) struct NameWords<'a> {
    /// The commune's name.
    pub commune: &'a str,
    /// The département after "de" ("des Bouches-du-Rhône").
    pub de_departement: &'a str,
    /// A surname.
    pub surname: &'a str,
}

/// `template` with its placeholders replaced.
pub(in crate::seed::demo) fn fill(template: &str, words: &NameWords<'_>) -> String {
    template
        .replace("{de_commune}", &with_de(words.commune))
        .replace("{commune}", words.commune)
        .replace("{de_departement}", words.de_departement)
        .replace("{surname}", words.surname)
}

/// `name` after the preposition "de", as French writes it: "de Nice", "d'Aix-en-Provence",
/// "du Cannet" (for "Le Cannet"), "des Pennes-Mirabeau", "de La Ciotat".
pub(in crate::seed::demo) fn with_de(name: &str) -> String {
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
