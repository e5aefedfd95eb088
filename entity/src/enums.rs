//! Closed vocabularies stored as short text codes.
//!
//! Every enum is stored as its `string_value` (snake_case, or the official code where one
//! exists, as for Sirene headcount bands), so both SQLite and PostgreSQL hold the same text
//! and a value can be added later without rebuilding a table.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Administrative level of a territory (COG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum TerritoryLevel {
    /// Région.
    Region,
    /// Département (or overseas collectivity when the source lists it as one).
    Departement,
    /// EPCI à fiscalité propre, identified by its SIREN.
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

/// Where a territory's coordinates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum GeoSource {
    /// The town-hall point.
    Mairie,
    /// The area centroid of the territory's polygon.
    PolygonCentroid,
    /// The mean of the points of member communes.
    MembersMean,
    /// No coordinates known.
    None,
}

/// Geographical zone of a territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum Zone {
    /// Metropolitan France, Corsica included.
    Metro,
    /// Overseas départements and régions.
    Drom,
    /// Overseas collectivities.
    Com,
}

/// Family of the social and solidarity economy an organisation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum EssFamily {
    /// Association.
    Association,
    /// Coopérative (SCOP, SCIC, agricultural, banking cooperatives...).
    Cooperative,
    /// Mutuelle.
    Mutual,
    /// Fondation.
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

/// What the SSE family of an organisation was decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum EssFamilyBasis {
    /// The Sirene flag `economieSocialeSolidaireUniteLegale`.
    SireneFlag,
    /// The INSEE legal category.
    LegalCategory,
    /// A label or agreement (ESUS, SCIC...).
    Label,
    /// Declared by the source that wrote the record.
    Declared,
    /// No basis: the family is unknown.
    None,
}

/// Administrative status of a legal unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum OrganisationStatus {
    /// Active (Sirene `A`).
    Active,
    /// Ceased (Sirene `C`).
    Ceased,
}

/// Administrative status of an establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum EstablishmentStatus {
    /// Open (Sirene `A`).
    Active,
    /// Closed (Sirene `F`).
    Closed,
}

/// Sirene headcount band (`tranche d'effectifs`), stored as its official two-character code.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum HeadcountBand {
    /// `NN`: non-employer or unknown.
    #[sea_orm(string_value = "NN")]
    NonEmployer,
    /// `00`: no salaried employee at 31 December.
    #[sea_orm(string_value = "00")]
    Zero,
    /// `01`: 1 or 2.
    #[sea_orm(string_value = "01")]
    From1To2,
    /// `02`: 3 to 5.
    #[sea_orm(string_value = "02")]
    From3To5,
    /// `03`: 6 to 9.
    #[sea_orm(string_value = "03")]
    From6To9,
    /// `11`: 10 to 19.
    #[sea_orm(string_value = "11")]
    From10To19,
    /// `12`: 20 to 49.
    #[sea_orm(string_value = "12")]
    From20To49,
    /// `21`: 50 to 99.
    #[sea_orm(string_value = "21")]
    From50To99,
    /// `22`: 100 to 199.
    #[sea_orm(string_value = "22")]
    From100To199,
    /// `31`: 200 to 249.
    #[sea_orm(string_value = "31")]
    From200To249,
    /// `32`: 250 to 499.
    #[sea_orm(string_value = "32")]
    From250To499,
    /// `41`: 500 to 999.
    #[sea_orm(string_value = "41")]
    From500To999,
    /// `42`: 1 000 to 1 999.
    #[sea_orm(string_value = "42")]
    From1000To1999,
    /// `51`: 2 000 to 4 999.
    #[sea_orm(string_value = "51")]
    From2000To4999,
    /// `52`: 5 000 to 9 999.
    #[sea_orm(string_value = "52")]
    From5000To9999,
    /// `53`: 10 000 or more.
    #[sea_orm(string_value = "53")]
    From10000,
}

/// INSEE company category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum CompanyCategory {
    /// Small and medium enterprise.
    Pme,
    /// Intermediate-size enterprise.
    Eti,
    /// Large enterprise.
    Ge,
}

/// Nomenclature an activity code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum NafNomenclature {
    /// NAF rév. 2 (2008).
    NafRev2,
    /// NAF 2025 (in force from 1 January 2027).
    Naf2025,
}

/// Scheme of an organisation identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum IdScheme {
    /// SIREN (legal unit).
    Siren,
    /// SIRET (establishment).
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
    /// Register of foreign companies without establishment in France.
    Irep,
    /// Identifier of a company outside the European Union.
    HorsUe,
    /// Identifier given by a partner.
    Partner,
    /// Number of an organic operator at the Agence Bio.
    NumeroBio,
}

/// Kind of label or agreement held by an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum LabelKind {
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

/// Type of a partnership between organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum PartnershipType {
    /// Pôle territorial de coopération économique.
    Ptce,
    /// Convention de partenariat.
    PartnershipAgreement,
    /// Convention pluriannuelle d'objectifs (multi-year funding agreement).
    MultiYearFunding,
    /// Groupement de commandes.
    PurchasingGroup,
    /// Co-traitance.
    CoContracting,
    /// Sous-traitance.
    Subcontracting,
    /// Sociétariat de SCIC.
    ScicMembership,
    /// Mutualisation de moyens.
    ResourcePooling,
    /// Membership of a network.
    NetworkMembership,
}

/// Lifecycle status of a partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum PartnershipStatus {
    /// Not started yet.
    Planned,
    /// Running.
    Active,
    /// Finished.
    Ended,
}

/// Role of an organisation in a partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum PartyRole {
    /// Leads the partnership.
    Lead,
    /// Member.
    Member,
    /// Funds it.
    Funder,
    /// Public partner (local authority, State service).
    PublicPartner,
    /// Associated without being a member.
    Associate,
}

/// Kind of public contract (DECP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum ContractKind {
    /// Marché public.
    PublicContract,
    /// Contrat de concession.
    Concession,
}

/// Kind of the code that gives a contract's place of execution (DECP `lieuExecution.typeCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum ExecPlaceType {
    /// Code postal.
    PostalCode,
    /// Code commune (INSEE).
    CommuneCode,
    /// Code arrondissement.
    ArrondissementCode,
    /// Code canton.
    CantonCode,
    /// Code département.
    DepartementCode,
    /// Code région.
    RegionCode,
    /// Code pays.
    CountryCode,
}

/// Smallest territory a buyer and a supplier share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum LocalityLevel {
    /// Same commune.
    SameCommune,
    /// Same EPCI.
    SameEpci,
    /// Same département.
    SameDepartement,
    /// Same région.
    SameRegion,
    /// Both in France, different régions.
    National,
    /// Supplier outside France.
    Foreign,
    /// Not enough location data.
    Unknown,
}

/// Works, supplies or services, derived from the CPV division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum PurchaseType {
    /// Travaux (CPV division 45).
    Works,
    /// Fournitures.
    Supplies,
    /// Services.
    Services,
}

/// How precise an establishment's coordinates are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum GeoPrecision {
    /// Geocoded address.
    Address,
    /// The commune's town hall.
    Mairie,
    /// The commune's centroid.
    CommuneCentroid,
}

/// Operation recorded in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum ChangeOp {
    /// Created or updated.
    Upsert,
    /// Soft-deleted.
    Delete,
}

/// Role of an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum ApiRole {
    /// Reads, and writes records whose source is the key's source.
    Partner,
    /// Everything, the audit log included.
    Admin,
}

/// Family of food products in a supply link, as in the canteens' purchase declarations.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum ProductFamily {
    /// Meat and poultry.
    MeatPoultry,
    /// Charcuterie.
    Charcuterie,
    /// Fish and seafood.
    Seafood,
    /// Fruit and vegetables.
    FruitVegetables,
    /// Dairy products.
    Dairy,
    /// Bread and bakery.
    Bakery,
    /// Drinks.
    Beverages,
    /// Groceries and other products.
    Other,
}

/// How many intermediaries stand between the producer and the buyer of a supply link.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum SupplyChannel {
    /// Direct sale: no intermediary.
    Direct,
    /// One intermediary.
    OneIntermediary,
    /// Two intermediaries or more.
    Long,
    /// Not known.
    Unknown,
}

/// What a supply link rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum SupplyEvidence {
    /// A published public contract (DECP) with a food CPV code.
    DecpContract,
    /// A canteen's declared purchase.
    CanteenPurchase,
    /// A central kitchen supplying a satellite canteen.
    CentralKitchen,
    /// Declared by a partner.
    Partner,
}
