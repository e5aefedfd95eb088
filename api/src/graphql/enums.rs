//! GraphQL mirrors of the stored vocabularies (`entity::enums`), with conversions both ways.
//! The entity crate stays free of GraphQL; the descriptions here are what API users read.

/// A stored enum's GraphQL mirror, wherever `mirror_enum!` defined it: what the write
/// declarations name a field's GraphQL type by.
pub trait Mirrored {
    /// The GraphQL enum.
    type Graphql;
}

/// Defines a GraphQL enum with the same variants as a stored enum (`entity::enums`), and both
/// conversions. The features define the enums only their types show with it.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident mirrors $stored:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $crate::graphql::enums::Mirrored for entity::enums::$stored {
            type Graphql = $name;
        }

        impl From<entity::enums::$stored> for $name {
            fn from(value: entity::enums::$stored) -> Self {
                match value {
                    $(entity::enums::$stored::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for entity::enums::$stored {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => entity::enums::$stored::$variant),+
                }
            }
        }
    };
}

pub(crate) use mirror_enum;

mirror_enum! {
    /// Administrative level of a territory in the Code officiel géographique.
    TerritoryLevel mirrors TerritoryLevel {
        /// Région.
        Region,
        /// Département (overseas collectivities are listed at this level too).
        Departement,
        /// EPCI à fiscalité propre (its code is its SIREN).
        Epci,
        /// Current commune.
        Commune,
        /// Arrondissement municipal of Paris, Lyon or Marseille.
        ArrondissementMunicipal,
        /// Commune déléguée of a commune nouvelle.
        CommuneDeleguee,
        /// Commune associée.
        CommuneAssociee,
    }
}

mirror_enum! {
    /// Where a territory's coordinates come from.
    GeoSource mirrors GeoSource {
        /// The town-hall point.
        Mairie,
        /// The area centroid of the territory's polygon.
        PolygonCentroid,
        /// The mean of the points of its member communes.
        MembersMean,
        /// No coordinates known.
        None,
    }
}

mirror_enum! {
    /// Metropolitan France, overseas départements or overseas collectivities.
    Zone mirrors Zone {
        /// Metropolitan France, Corsica included.
        Metro,
        /// Overseas départements and régions.
        Drom,
        /// Overseas collectivities.
        Com,
    }
}

mirror_enum! {
    /// Family of the social and solidarity economy (SSE, ESS in French).
    EssFamily mirrors EssFamily {
        /// Association.
        Association,
        /// Cooperative (SCOP, SCIC, agricultural and banking cooperatives...).
        Cooperative,
        /// Mutual (mutuelle).
        Mutual,
        /// Foundation.
        Foundation,
        /// Commercial company of the SSE under the 2014 law.
        SseCommercialCompany,
        /// Other private non-profit body.
        OtherNonProfit,
        /// Outside the SSE.
        NonSse,
        /// Not known yet.
        Unknown,
    }
}

mirror_enum! {
    /// What an organisation's SSE family was decided from.
    EssFamilyBasis mirrors EssFamilyBasis {
        /// The Sirene ESS flag.
        SireneFlag,
        /// The INSEE legal category.
        LegalCategory,
        /// A label or agreement (ESUS, SCIC...).
        Label,
        /// Declared by the source of the record.
        Declared,
        /// No basis: the family is unknown.
        None,
    }
}

mirror_enum! {
    /// Administrative status of an organisation.
    OrganisationStatus mirrors OrganisationStatus {
        /// Active.
        Active,
        /// Ceased.
        Ceased,
    }
}

mirror_enum! {
    /// Administrative status of an establishment.
    EstablishmentStatus mirrors EstablishmentStatus {
        /// Open.
        Active,
        /// Closed.
        Closed,
    }
}

mirror_enum! {
    /// Sirene headcount band (tranche d'effectifs salariés). Totals computed from bands are
    /// estimates, not official job counts.
    HeadcountBand mirrors HeadcountBand {
        /// `NN`: non-employer or unknown.
        #[graphql(name = "NON_EMPLOYER")]
        NonEmployer,
        /// `00`: no salaried employee at 31 December.
        #[graphql(name = "ZERO")]
        Zero,
        /// `01`: 1 or 2 employees.
        #[graphql(name = "FROM_1_TO_2")]
        From1To2,
        /// `02`: 3 to 5.
        #[graphql(name = "FROM_3_TO_5")]
        From3To5,
        /// `03`: 6 to 9.
        #[graphql(name = "FROM_6_TO_9")]
        From6To9,
        /// `11`: 10 to 19.
        #[graphql(name = "FROM_10_TO_19")]
        From10To19,
        /// `12`: 20 to 49.
        #[graphql(name = "FROM_20_TO_49")]
        From20To49,
        /// `21`: 50 to 99.
        #[graphql(name = "FROM_50_TO_99")]
        From50To99,
        /// `22`: 100 to 199.
        #[graphql(name = "FROM_100_TO_199")]
        From100To199,
        /// `31`: 200 to 249.
        #[graphql(name = "FROM_200_TO_249")]
        From200To249,
        /// `32`: 250 to 499.
        #[graphql(name = "FROM_250_TO_499")]
        From250To499,
        /// `41`: 500 to 999.
        #[graphql(name = "FROM_500_TO_999")]
        From500To999,
        /// `42`: 1 000 to 1 999.
        #[graphql(name = "FROM_1000_TO_1999")]
        From1000To1999,
        /// `51`: 2 000 to 4 999.
        #[graphql(name = "FROM_2000_TO_4999")]
        From2000To4999,
        /// `52`: 5 000 to 9 999.
        #[graphql(name = "FROM_5000_TO_9999")]
        From5000To9999,
        /// `53`: 10 000 or more.
        #[graphql(name = "FROM_10000")]
        From10000,
    }
}

mirror_enum! {
    /// Kind of label or agreement.
    LabelKind mirrors LabelKind {
        /// Agrément « entreprise solidaire d'utilité sociale ».
        Esus,
        /// SIAE: entreprise d'insertion.
        SiaeEi,
        /// SIAE: association intermédiaire.
        SiaeAi,
        /// SIAE: atelier et chantier d'insertion.
        SiaeAci,
        /// SIAE: entreprise de travail temporaire d'insertion.
        SiaeEtti,
        /// SIAE: entreprise d'insertion par le travail indépendant.
        SiaeEiti,
        /// Groupement d'employeurs pour l'insertion et la qualification.
        Geiq,
        /// Entreprise adaptée.
        Ea,
        /// Entreprise adaptée de travail temporaire.
        Eatt,
        /// Établissement et service d'aide par le travail.
        Esat,
        /// Société coopérative et participative.
        Scop,
        /// Société coopérative d'intérêt collectif.
        Scic,
        /// Coopérative d'activité et d'emploi.
        Cae,
        /// Société à mission.
        SocieteAMission,
        /// Reconnue d'utilité publique.
        Rup,
        /// Member of a pôle territorial de coopération économique.
        PtceMember,
        /// Organic farming certification (agriculture biologique), from the Agence Bio.
        Bio,
    }
}

mirror_enum! {
    /// How precise an establishment's coordinates are.
    GeoPrecision mirrors GeoPrecision {
        /// Geocoded address.
        Address,
        /// The commune's town hall.
        Mairie,
        /// The commune's centroid.
        CommuneCentroid,
    }
}

mirror_enum! {
    /// Scheme of an organisation identifier.
    IdScheme mirrors IdScheme {
        /// SIREN (legal unit, 9 digits).
        Siren,
        /// SIRET (establishment, 14 digits).
        Siret,
        /// RNA (associations).
        Rna,
        /// Intra-community VAT number.
        Tva,
        /// French Polynesia business number.
        Tahiti,
        /// New Caledonia business number.
        Ridet,
        /// Wallis and Futuna business number.
        Frwf,
        /// Register of foreign companies without an establishment in France.
        Irep,
        /// Identifier of a company outside the European Union.
        HorsUe,
        /// Identifier given by a partner.
        Partner,
        /// Number of an organic operator at the Agence Bio.
        NumeroBio,
    }
}
