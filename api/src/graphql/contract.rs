//! The `Contract`, `ContractSupplier` and `ContractModification` types, the `contracts` and
//! `contract` queries, their filter and order inputs, the loaders of contracts and of what
//! hangs off them, and the nested lists (contracts won, awarded, awarded in a territory)
//! that the `Organisation` and `Territory` types expose through [`contracts_won`],
//! [`contracts_awarded`] and [`contracts_awarded_in_territory`].

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context, Enum, ID, InputObject, Object,
    dataloader::{DataLoader, Loader},
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{contract, contract_modification, contract_supplier};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    connection::{
        ConnectionTotals, SortDirection, TerrasseConnection, connection, nested_page, nested_total, page_args,
    },
    enums::{EssFamily, IdScheme, LabelKind},
    errors::{OrInternal, bad_input},
    executor::FetchQueue,
    filters::TerritoryRef,
    loaders::Cache,
    loaders::{Loaders, build, group_by_args},
    node::{global_id, parse_global_id},
    organisation::{Establishment, Organisation},
    territory::Territory,
};
use crate::{
    domain::ValidationError,
    store::{
        self, StoreError,
        contracts::{ContractFilter, ContractParents, ContractSort, SupplierFilter, SupplierLocality},
        page::{Page, PageArgs},
    },
};

/// Defines a GraphQL enum with the same variants as a stored enum (`entity::enums`), and
/// both conversions (the pattern of `graphql::enums`).
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident mirrors $stored:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
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

pub(super) use mirror_enum;

mirror_enum! {
    /// Kind of public contract (DECP).
    ContractKind mirrors ContractKind {
        /// Marché public.
        PublicContract,
        /// Contrat de concession.
        Concession,
    }
}

mirror_enum! {
    /// Works, supplies or services, derived from the CPV division (45 is works).
    PurchaseType mirrors PurchaseType {
        /// Travaux.
        Works,
        /// Fournitures.
        Supplies,
        /// Services.
        Services,
    }
}

mirror_enum! {
    /// Kind of the code giving a contract's place of execution (DECP `lieuExecution.typeCode`).
    ExecPlaceType mirrors ExecPlaceType {
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
}

mirror_enum! {
    /// Smallest territory a buyer and a supplier share, computed when the contract was
    /// written. Levels are exclusive: a supplier in the buyer's commune is SAME_COMMUNE, not
    /// SAME_EPCI.
    LocalityLevel mirrors LocalityLevel {
        /// Same commune.
        SameCommune,
        /// Same EPCI, different communes.
        SameEpci,
        /// Same département, different EPCI.
        SameDepartement,
        /// Same région, different départements.
        SameRegion,
        /// Both in France, different régions.
        National,
        /// Supplier outside France.
        Foreign,
        /// Not enough location data.
        Unknown,
    }
}

/// Euros from cents.
pub(super) fn euros(cents: i64) -> Decimal {
    crate::domain::Cents::new(cents).euros()
}

/// Cents from euros given by a client (at most 2 decimals, not negative); `field` names
/// the input.
pub(super) fn cents(field: &'static str, euros: Decimal) -> Result<i64, ValidationError> {
    crate::domain::Cents::from_euros(euros)
        .map(crate::domain::Cents::get)
        .map_err(|error| ValidationError::new(field, euros.to_string(), error.reason().to_owned()))
}

/// The row ids of global ids of `type_name` (e.g. organisation ids from `Organisation`
/// global ids); `field` names the input.
pub(super) fn row_ids(type_name: &str, field: &'static str, ids: &[ID]) -> Result<Vec<Uuid>, ValidationError> {
    ids.iter()
        .map(|id| {
            let invalid = |reason: String| ValidationError::new(field, id.as_str(), reason);
            let (found, key) = parse_global_id(id).map_err(|e| e.with_field(field))?;
            if found != type_name {
                return Err(invalid(format!("is the id of a {found}, not of a {type_name}")));
            }
            key.parse::<Uuid>()
                .map_err(|_| invalid("not a Terrasse global id".to_owned()))
        })
        .collect()
}

/// The strings of a JSON array (the published DECP lists); anything else gives none.
fn strings(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .map(|values| values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// A public contract (marché) or concession, as published in the DECP 2.0 format, with the
/// buyer and suppliers resolved to organisations where possible. Amounts are in euros,
/// excluding VAT.
pub struct Contract(pub Box<contract::Model>);

impl From<contract::Model> for Contract {
    fn from(model: contract::Model) -> Self {
        Self(Box::new(model))
    }
}

/// A public contract (marché) or concession, as published in the DECP 2.0 format, with the
/// buyer and suppliers resolved to organisations where possible. Amounts are in euros,
/// excluding VAT.
#[Object]
impl Contract {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Contract", self.0.id)
    }

    /// National key: the buyer's SIRET followed by the buyer's own id.
    async fn uid(&self) -> &str {
        &self.0.uid
    }

    /// The buyer's own id (DECP `id`, 1 to 16 characters, unique per buyer only).
    async fn buyer_internal_id(&self) -> &str {
        &self.0.buyer_internal_id
    }

    /// Public contract or concession.
    async fn kind(&self) -> ContractKind {
        self.0.kind.into()
    }

    /// DECP `nature` as published (`Marché`, `Marché de partenariat`, `Délégation de
    /// service public`…).
    async fn nature(&self) -> Option<&str> {
        self.0.nature.as_deref()
    }

    /// Object of the contract.
    async fn object(&self) -> Option<&str> {
        self.0.object.as_deref()
    }

    /// CPV code, 8 digits without the check digit.
    async fn cpv_code(&self) -> Option<&str> {
        self.0.cpv_code.as_deref()
    }

    /// CPV division (first 2 digits of the CPV code).
    async fn cpv_division(&self) -> Option<&str> {
        self.0.cpv_division.as_deref()
    }

    /// Works, supplies or services, from the CPV division.
    async fn purchase_type(&self) -> Option<PurchaseType> {
        self.0.purchase_type.map(Into::into)
    }

    /// Procedure as published (`Procédure adaptée`, `Appel d'offres ouvert`…).
    async fn procedure(&self) -> Option<&str> {
        self.0.procedure.as_deref()
    }

    /// Techniques as published (`Accord-cadre`, `Concours`…).
    async fn techniques(&self) -> Vec<String> {
        strings(&self.0.techniques)
    }

    /// Execution modes as published (`Tranches`, `Bons de commande`…).
    async fn execution_modes(&self) -> Vec<String> {
        strings(&self.0.execution_modes)
    }

    /// Uid of the framework agreement this contract is subsequent to.
    async fn framework_uid(&self) -> Option<&str> {
        self.0.framework_uid.as_deref()
    }

    /// Whether the contract is innovative.
    async fn innovative(&self) -> Option<bool> {
        self.0.innovative
    }

    /// CCAG of reference (general administrative terms).
    async fn ccag(&self) -> Option<&str> {
        self.0.ccag.as_deref()
    }

    /// Number of offers received.
    async fn offers_received(&self) -> Option<i32> {
        self.0.offers_received
    }

    /// Whether an advance was granted.
    async fn advance(&self) -> Option<bool> {
        self.0.advance
    }

    /// Advance rate, from 0 to 1.
    async fn advance_rate(&self) -> Option<f64> {
        self.0.advance_rate
    }

    /// Grouping of operators as published (`Conjoint`, `Solidaire`, `Pas de groupement`).
    async fn grouping_type(&self) -> Option<&str> {
        self.0.grouping_type.as_deref()
    }

    /// Whether subcontracting was declared.
    async fn subcontracting_declared(&self) -> Option<bool> {
        self.0.subcontracting_declared
    }

    /// Code of the place of execution as published.
    async fn exec_place_code(&self) -> Option<&str> {
        self.0.exec_place_code.as_deref()
    }

    /// Kind of that code.
    async fn exec_place_type(&self) -> Option<ExecPlaceType> {
        self.0.exec_place_type.map(Into::into)
    }

    /// The territory the place of execution resolves to.
    async fn execution_territory(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        let Some(id) = &self.0.exec_territory_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .territories
            .load_one(id.clone())
            .await
            .or_internal()?
            .map(Territory))
    }

    /// Initial duration, in months.
    async fn duration_months(&self) -> Option<i32> {
        self.0.duration_months
    }

    /// Notification date (signature date for a concession).
    async fn notified_on(&self) -> Option<NaiveDate> {
        self.0.notified_on
    }

    /// Publication date of the data.
    async fn published_on(&self) -> Option<NaiveDate> {
        self.0.published_on
    }

    /// Initial amount in euros excluding VAT (the forfait or estimated maximum; a
    /// concession's global value).
    async fn amount_eur(&self) -> Option<Decimal> {
        self.0.amount_cents.map(euros)
    }

    /// Amount in euros excluding VAT after the latest modification.
    async fn current_amount_eur(&self) -> Option<Decimal> {
        self.0.current_amount_cents.map(euros)
    }

    /// Duration in months after the latest modification.
    async fn current_duration_months(&self) -> Option<i32> {
        self.0.current_duration_months
    }

    /// Price form as published (`Unitaire`, `Forfaitaire`, `Mixte`).
    async fn price_form(&self) -> Option<&str> {
        self.0.price_form.as_deref()
    }

    /// Price types as published (`Définitif ferme`, `Provisoire`…).
    async fn price_types(&self) -> Vec<String> {
        strings(&self.0.price_types)
    }

    /// Share of the purchase originating in the European Union, from 0 to 1.
    async fn origin_eu(&self) -> Option<f64> {
        self.0.origin_eu
    }

    /// Share of the purchase originating in France, from 0 to 1.
    async fn origin_fr(&self) -> Option<f64> {
        self.0.origin_fr
    }

    /// Social considerations as published (`Clause sociale`, `Critère social`, `Marché
    /// réservé`, `Pas de considération sociale`).
    async fn social_considerations(&self) -> Vec<String> {
        strings(&self.0.social_considerations)
    }

    /// Environmental considerations as published (`Clause environnementale`, `Critère
    /// environnemental`, `Pas de considération environnementale`).
    async fn environmental_considerations(&self) -> Vec<String> {
        strings(&self.0.environmental_considerations)
    }

    /// Has a social clause (execution condition).
    async fn social_clause(&self) -> bool {
        self.0.social_clause
    }

    /// Has a social award criterion.
    async fn social_criterion(&self) -> bool {
        self.0.social_criterion
    }

    /// Is reserved (to SIAE, EA/ESAT or SSE enterprises).
    async fn reserved(&self) -> bool {
        self.0.reserved
    }

    /// Has an environmental clause (execution condition).
    async fn env_clause(&self) -> bool {
        self.0.env_clause
    }

    /// Has an environmental award criterion.
    async fn env_criterion(&self) -> bool {
        self.0.env_criterion
    }

    /// The buyer's SIRET as published.
    async fn buyer_siret(&self) -> &str {
        &self.0.buyer_siret
    }

    /// The buyer organisation, when the SIRET resolved to one.
    async fn buyer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(id) = self.0.buyer_organisation_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .organisations
            .load_one(id)
            .await
            .or_internal()?
            .map(Organisation))
    }

    /// The buyer's establishment, when the SIRET resolved to one.
    async fn buyer_establishment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Establishment>> {
        let Some(id) = self.0.buyer_establishment_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .establishment_by_id
            .load_one(id)
            .await
            .or_internal()?
            .map(Establishment))
    }

    /// Suppliers (titulaires, concessionnaires): the initial ones in published order, then
    /// those brought by each modification.
    async fn suppliers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContractSupplier>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders.contracts.suppliers.load_one(self.0.id).await.or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(ContractSupplier).collect())
    }

    /// Modifications, by sequence number.
    async fn modifications(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContractModification>> {
        let loaders = ctx.data::<Loaders>()?;
        let rows = loaders
            .contracts
            .modifications
            .load_one(self.0.id)
            .await
            .or_internal()?;
        Ok(rows.unwrap_or_default().into_iter().map(ContractModification).collect())
    }

    /// Source system of the record (`DECP`, `DEMO`, `PARTNER:<slug>`…).
    async fn source(&self) -> &str {
        &self.0.source
    }

    /// Id of the record in its source.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Row version, bumped on every write.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Last update in Terrasse.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A supplier of a contract (titulaire or concessionnaire), as published, with the
/// organisation and establishment it resolved to and its distance to the buyer.
pub struct ContractSupplier(pub contract_supplier::Model);

/// A supplier of a contract (titulaire or concessionnaire), as published, with the
/// organisation and establishment it resolved to and its distance to the buyer.
#[Object]
impl ContractSupplier {
    /// Position in the published list (from 1).
    async fn position(&self) -> i16 {
        self.0.position
    }

    /// Scheme of the published identifier (SIRET, TVA, HORS_UE…).
    async fn id_scheme(&self) -> IdScheme {
        self.0.id_scheme.into()
    }

    /// The published identifier, normalised for its scheme.
    async fn id_value(&self) -> &str {
        &self.0.id_value
    }

    /// The organisation the identifier resolved to.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .organisations
            .load_one(id)
            .await
            .or_internal()?
            .map(Organisation))
    }

    /// The establishment the identifier resolved to (for a SIRET).
    async fn establishment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Establishment>> {
        let Some(id) = self.0.establishment_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .establishment_by_id
            .load_one(id)
            .await
            .or_internal()?
            .map(Establishment))
    }

    /// 0 for an initial supplier, else the sequence number of the modification that brought
    /// it.
    async fn from_modification(&self) -> i32 {
        self.0.from_modification
    }

    /// Great-circle distance between the buyer and the supplier, in km.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }

    /// Smallest territory the buyer and the supplier share.
    async fn locality_level(&self) -> LocalityLevel {
        self.0.locality_level.into()
    }
}

/// A modification of a contract (DECP `modifications[]`); null fields did not change.
pub struct ContractModification(pub contract_modification::Model);

/// A modification of a contract (DECP `modifications[]`); null fields did not change.
#[Object]
impl ContractModification {
    /// Sequence number of the modification.
    async fn seq(&self) -> i32 {
        self.0.seq
    }

    /// Notification date of the modification.
    async fn notified_on(&self) -> Option<NaiveDate> {
        self.0.notified_on
    }

    /// Publication date of the modification data.
    async fn published_on(&self) -> Option<NaiveDate> {
        self.0.published_on
    }

    /// New duration in months.
    async fn new_duration_months(&self) -> Option<i32> {
        self.0.new_duration_months
    }

    /// New amount in euros excluding VAT.
    async fn new_amount_eur(&self) -> Option<Decimal> {
        self.0.new_amount_cents.map(euros)
    }
}

/// How near the buyer a supplier must be, as a nested scope.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalityScope {
    /// In the buyer's commune (SAME_COMMUNE).
    Commune,
    /// In the buyer's commune or EPCI (SAME_COMMUNE, SAME_EPCI).
    Epci,
    /// In the buyer's département (SAME_COMMUNE to SAME_DEPARTEMENT).
    Departement,
    /// In the buyer's région (SAME_COMMUNE to SAME_REGION).
    Region,
    /// Anywhere in France (every level but FOREIGN and UNKNOWN).
    France,
}

impl LocalityScope {
    /// The locality levels the scope covers.
    fn levels(self) -> Vec<entity::enums::LocalityLevel> {
        use entity::enums::LocalityLevel as Level;
        let nested = [
            Level::SameCommune,
            Level::SameEpci,
            Level::SameDepartement,
            Level::SameRegion,
            Level::National,
        ];
        let depth = match self {
            LocalityScope::Commune => 1,
            LocalityScope::Epci => 2,
            LocalityScope::Departement => 3,
            LocalityScope::Region => 4,
            LocalityScope::France => 5,
        };
        nested[..depth].to_vec()
    }
}

/// Where a supplier is relative to the buyer. Give exactly one field: "local" is a question
/// the client asks (`{ within: EPCI }` or `{ radiusKm: 30 }`), never a fixed rule.
#[derive(InputObject, Debug, Clone)]
pub struct SupplierLocalityInput {
    /// The supplier is within this scope of the buyer: `EPCI` means in the buyer's commune
    /// or EPCI.
    pub within: Option<LocalityScope>,
    /// The supplier's locality level is one of these, exactly (e.g. `[FOREIGN]`); at least
    /// one.
    pub levels: Option<Vec<LocalityLevel>>,
    /// The buyer–supplier distance is known and at most this many km (above 0, at most
    /// 20 000).
    pub radius_km: Option<f64>,
}

impl SupplierLocalityInput {
    /// Largest radius accepted, km (half the Earth's circumference).
    const MAX_RADIUS_KM: f64 = 20_000.0;

    fn validate(&self) -> Result<SupplierLocality, ValidationError> {
        const FIELD: &str = "filter.supplierLocality";
        match (self.within, &self.levels, self.radius_km) {
            (Some(scope), None, None) => Ok(SupplierLocality::Levels(scope.levels())),
            (None, Some(levels), None) if levels.is_empty() => Err(ValidationError::new(
                "filter.supplierLocality.levels",
                "[]",
                "give at least one level",
            )),
            (None, Some(levels), None) => Ok(SupplierLocality::Levels(levels.iter().map(|l| (*l).into()).collect())),
            (None, None, Some(km)) => {
                if km > 0.0 && km <= Self::MAX_RADIUS_KM {
                    Ok(SupplierLocality::WithinKm(km))
                } else {
                    Err(ValidationError::new(
                        "filter.supplierLocality.radiusKm",
                        km.to_string(),
                        format!("must be above 0 and at most {}", Self::MAX_RADIUS_KM),
                    ))
                }
            }
            _ => Err(ValidationError::new(
                FIELD,
                format!("{self:?}"),
                "give exactly one of within, levels, radiusKm",
            )),
        }
    }
}

/// Filters on contracts. Fields combine with AND; values within a list with OR. The
/// supplier criteria (`suppliers`, `supplierEssFamilies`, `supplierLabels`,
/// `supplierLocality`) must all hold for one same supplier: `{ supplierEssFamilies:
/// [COOPERATIVE], supplierLocality: { within: EPCI } }` finds contracts won by a cooperative
/// of the buyer's EPCI. Organisations are given by their global ids (as returned by
/// `organisation(siren:)`).
#[derive(InputObject, Debug, Clone, Default)]
pub struct ContractFilterInput {
    /// Contract global ids.
    pub ids: Option<Vec<ID>>,
    /// Awarded by one of these organisations (global ids).
    pub buyers: Option<Vec<ID>>,
    /// Awarded by a buyer within one of these territories, at any level: the territory the
    /// buyer governs (for a commune, EPCI…) or one of its establishments lies within it.
    pub buyer_territories: Option<Vec<TerritoryRef>>,
    /// Won by one of these organisations (global ids), initially or by a modification.
    pub suppliers: Option<Vec<ID>>,
    /// Won by an organisation of one of these SSE families.
    pub supplier_ess_families: Option<Vec<EssFamily>>,
    /// Won by an organisation holding one of these labels (valid on
    /// `supplierLabelValidOn` when given).
    pub supplier_labels: Option<Vec<LabelKind>>,
    /// Date on which the supplier's labels must be valid.
    pub supplier_label_valid_on: Option<NaiveDate>,
    /// Won by a supplier this near the buyer.
    pub supplier_locality: Option<SupplierLocalityInput>,
    /// CPV code prefixes of 2 to 8 digits: division (`45`), group (`452`), class (`4521`)…
    pub cpv_prefixes: Option<Vec<String>>,
    /// Procedures, exactly as published (`Procédure adaptée`, `Appel d'offres ouvert`…).
    pub procedures: Option<Vec<String>>,
    /// Has (true) or has not (false) a social clause.
    pub social_clause: Option<bool>,
    /// Has or has not a social award criterion.
    pub social_criterion: Option<bool>,
    /// Is or is not reserved.
    pub reserved: Option<bool>,
    /// Has at least one social consideration (clause, criterion or reservation), or none.
    pub has_social: Option<bool>,
    /// Has or has not an environmental clause.
    pub env_clause: Option<bool>,
    /// Has or has not an environmental award criterion.
    pub env_criterion: Option<bool>,
    /// Has at least one environmental consideration (clause or criterion), or none.
    pub has_environmental: Option<bool>,
    /// Notified on or after this date.
    pub notified_from: Option<NaiveDate>,
    /// Notified on or before this date.
    pub notified_to: Option<NaiveDate>,
    /// Initial amount (euros excluding VAT) at least this.
    pub amount_min_eur: Option<Decimal>,
    /// Initial amount (euros excluding VAT) at most this.
    pub amount_max_eur: Option<Decimal>,
    /// Changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl ContractFilterInput {
    /// Validates the input into a store filter.
    pub fn validate(&self) -> Result<ContractFilter, ValidationError> {
        let mut filter = ContractFilter {
            ids: row_ids("Contract", "filter.ids", self.ids.as_deref().unwrap_or_default())?,
            buyer_organisation_ids: row_ids(
                "Organisation",
                "filter.buyers",
                self.buyers.as_deref().unwrap_or_default(),
            )?,
            ..ContractFilter::default()
        };
        for territory in self.buyer_territories.iter().flatten() {
            filter.buyer_territory_ids.push(
                territory
                    .territory_id()
                    .map_err(|e| e.with_field("filter.buyerTerritories.code"))?,
            );
        }
        filter.suppliers = SupplierFilter {
            organisation_ids: row_ids(
                "Organisation",
                "filter.suppliers",
                self.suppliers.as_deref().unwrap_or_default(),
            )?,
            ess_families: self
                .supplier_ess_families
                .iter()
                .flatten()
                .map(|f| (*f).into())
                .collect(),
            labels: self.supplier_labels.iter().flatten().map(|k| (*k).into()).collect(),
            label_valid_on: self.supplier_label_valid_on,
            locality: self
                .supplier_locality
                .as_ref()
                .map(SupplierLocalityInput::validate)
                .transpose()?,
        };
        for prefix in self.cpv_prefixes.iter().flatten() {
            let digits = prefix.trim();
            if !(2..=8).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ValidationError::new(
                    "filter.cpvPrefixes",
                    prefix.as_str(),
                    "must be 2 to 8 digits",
                ));
            }
            filter.cpv_prefixes.push(digits.to_owned());
        }
        filter.cpv_prefixes = crate::domain::covering_prefixes(std::mem::take(&mut filter.cpv_prefixes));
        for procedure in self.procedures.iter().flatten() {
            if procedure.trim().is_empty() {
                return Err(ValidationError::new(
                    "filter.procedures",
                    procedure.as_str(),
                    "must not be empty",
                ));
            }
            filter.procedures.push(procedure.trim().to_owned());
        }
        filter.social_clause = self.social_clause;
        filter.social_criterion = self.social_criterion;
        filter.reserved = self.reserved;
        filter.has_social = self.has_social;
        filter.env_clause = self.env_clause;
        filter.env_criterion = self.env_criterion;
        filter.has_environmental = self.has_environmental;
        if let (Some(from), Some(to)) = (self.notified_from, self.notified_to)
            && from > to
        {
            return Err(ValidationError::new(
                "filter.notifiedFrom",
                from.to_string(),
                "is after notifiedTo",
            ));
        }
        filter.notified_from = self.notified_from;
        filter.notified_to = self.notified_to;
        filter.amount_min_cents = self
            .amount_min_eur
            .map(|eur| cents("filter.amountMinEur", eur))
            .transpose()?;
        filter.amount_max_cents = self
            .amount_max_eur
            .map(|eur| cents("filter.amountMaxEur", eur))
            .transpose()?;
        if let (Some(min), Some(max)) = (filter.amount_min_cents, filter.amount_max_cents)
            && min > max
        {
            return Err(ValidationError::new(
                "filter.amountMinEur",
                euros(min).to_string(),
                "is above amountMaxEur",
            ));
        }
        filter.updated_since = self.updated_since;
        Ok(filter)
    }
}

/// Fields contracts can be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContractSortField {
    /// Notification date (unknown dates sort as the earliest).
    #[default]
    NotifiedOn,
    /// Current amount (after modifications), else the initial amount (unknown amounts sort
    /// as the smallest).
    Amount,
}

/// Order of a contract list; ties are broken by id, so paging is stable. Latest
/// notification first by default.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ContractOrder {
    /// Field.
    #[graphql(default)]
    pub field: ContractSortField,
    /// Direction (descending by default).
    #[graphql(default_with = "SortDirection::Desc")]
    pub direction: SortDirection,
}

impl Default for ContractOrder {
    fn default() -> Self {
        Self {
            field: ContractSortField::NotifiedOn,
            direction: SortDirection::Desc,
        }
    }
}

impl ContractOrder {
    /// The store sort.
    pub fn sort(&self) -> ContractSort {
        match self.field {
            ContractSortField::NotifiedOn => ContractSort::NotifiedOn,
            ContractSortField::Amount => ContractSort::Amount,
        }
    }
}

/// Public procurement: contracts and concessions.
#[derive(Default)]
pub struct ContractQuery;

/// Public procurement: contracts and concessions.
#[Object]
impl ContractQuery {
    /// Contracts matching `filter`, in `orderBy` order (latest notification first by
    /// default), paged with `first`/`after` or `last`/`before` (50 by default, at most 500).
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus filter and order")]
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filters: fields combine with AND, values within a list with OR; omitted fields do not filter."
        )]
        filter: Option<ContractFilterInput>,
        #[graphql(desc = "Order of the list; ties are broken by id, so paging is stable.")] order_by: Option<
            ContractOrder,
        >,
        #[graphql(
            desc = "Number of items from the start of the list (after `after` when given), 0 to 500; 50 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor: only items after this one (an edge `cursor` or `pageInfo.endCursor` of the same list and order)."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list (before `before` when given), 0 to 500.")]
        last: Option<i32>,
        #[graphql(
            desc = "Cursor: only items before this one (an edge `cursor` or `pageInfo.startCursor` of the same list and order)."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<TerrasseConnection<Contract>> {
        let filter = bad_input(filter.unwrap_or_default().validate())?;
        let order = order_by.unwrap_or_default();
        let sort = store::contracts::sort_key(order.sort(), order.direction.descending());
        let args = page_args(first, after, last, before)?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let page = store::contracts::page(&db, &filter, &sort, &args).await.or_internal()?;
        let totals = ConnectionTotals::new(move |_| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { store::contracts::count(&db, &filter).await.map_err(Arc::new) })
        });
        Ok(connection(page, Contract::from, totals))
    }

    /// One contract by its national key `uid` (buyer SIRET followed by the buyer's id); null
    /// when no live contract has it.
    async fn contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "National key: the buyer's SIRET followed by the buyer's own id.")] uid: String,
    ) -> async_graphql::Result<Option<Contract>> {
        let key = uid.trim();
        if key.is_empty() {
            return bad_input(Err(ValidationError::new("uid", uid.as_str(), "must not be empty")));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(store::contracts::by_uid(db, key)
            .await
            .or_internal()?
            .map(Contract::from))
    }
}

/// Contracts won by an organisation (as a supplier, initially or by a modification), latest
/// notification first. For the `Organisation` type.
pub async fn contracts_won(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Contract>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.contracts.won_pages, (organisation_id, args)).await?;
    let totals = nested_total(|loaders| &loaders.contracts.won_counts, organisation_id);
    Ok(connection(page, Contract::from, totals))
}

/// Contracts awarded by an organisation (as the buyer), latest notification first. For the
/// `Organisation` type.
pub async fn contracts_awarded(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Contract>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.contracts.awarded_pages, (organisation_id, args)).await?;
    let totals = nested_total(|loaders| &loaders.contracts.awarded_counts, organisation_id);
    Ok(connection(page, Contract::from, totals))
}

/// Contracts awarded by buyers within a territory (by the territory they govern or by one of
/// their establishments, at any level), latest notification first. For the `Territory` type;
/// `territory_id` is the internal id (`DEP:13`).
pub async fn contracts_awarded_in_territory(
    ctx: &Context<'_>,
    territory_id: String,
    args: PageArgs,
) -> async_graphql::Result<TerrasseConnection<Contract>> {
    let loaders = ctx.data::<Loaders>()?;
    let page = nested_page(&loaders.contracts.territory_pages, (territory_id.clone(), args)).await?;
    let totals = nested_total(|loaders| &loaders.contracts.territory_counts, territory_id);
    Ok(connection(page, Contract::from, totals))
}

/// The loaders of contracts and of what hangs off them, one set per request.
pub struct ContractLoaders {
    /// Live contracts by id.
    pub by_id: Arc<DataLoader<ContractById, Cache>>,
    /// Suppliers of a contract.
    pub suppliers: Arc<DataLoader<SuppliersOfContract, Cache>>,
    /// Modifications of a contract.
    pub modifications: Arc<DataLoader<ModificationsOfContract, Cache>>,
    /// A page of the contracts an organisation won.
    pub won_pages: Arc<DataLoader<OrganisationContractPages, Cache>>,
    /// Number of contracts an organisation won.
    pub won_counts: Arc<DataLoader<OrganisationContractCounts, Cache>>,
    /// A page of the contracts an organisation awarded.
    pub awarded_pages: Arc<DataLoader<OrganisationContractPages, Cache>>,
    /// Number of contracts an organisation awarded.
    pub awarded_counts: Arc<DataLoader<OrganisationContractCounts, Cache>>,
    /// A page of the contracts awarded by buyers within a territory.
    pub territory_pages: Arc<DataLoader<TerritoryContractPages, Cache>>,
    /// Number of contracts awarded by buyers within a territory.
    pub territory_counts: Arc<DataLoader<TerritoryContractCounts, Cache>>,
}

impl ContractLoaders {
    /// Fresh loaders (with empty caches) over a database, their fetches queued in `queue`.
    pub fn new(db: DatabaseConnection, queue: &FetchQueue) -> Self {
        let of_organisations = |role: OrganisationRole| OrganisationContractPages { db: db.clone(), role };
        let counts_of_organisations = |role: OrganisationRole| OrganisationContractCounts { db: db.clone(), role };
        Self {
            by_id: build(ContractById(db.clone()), queue),
            suppliers: build(SuppliersOfContract(db.clone()), queue),
            modifications: build(ModificationsOfContract(db.clone()), queue),
            won_pages: build(of_organisations(OrganisationRole::Supplier), queue),
            won_counts: build(counts_of_organisations(OrganisationRole::Supplier), queue),
            awarded_pages: build(of_organisations(OrganisationRole::Buyer), queue),
            awarded_counts: build(counts_of_organisations(OrganisationRole::Buyer), queue),
            territory_pages: build(TerritoryContractPages(db.clone()), queue),
            territory_counts: build(TerritoryContractCounts(db), queue),
        }
    }
}

/// Loads live contracts by id.
pub struct ContractById(DatabaseConnection);

impl Loader<Uuid> for ContractById {
    type Value = contract::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::contracts::by_ids(&self.0, keys).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Loads the suppliers of contracts.
pub struct SuppliersOfContract(DatabaseConnection);

impl Loader<Uuid> for SuppliersOfContract {
    type Value = Vec<contract_supplier::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = store::contracts::suppliers_of(&self.0, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, found.remove(id).unwrap_or_default()))
            .collect())
    }
}

/// Loads the modifications of contracts.
pub struct ModificationsOfContract(DatabaseConnection);

impl Loader<Uuid> for ModificationsOfContract {
    type Value = Vec<contract_modification::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = store::contracts::modifications_of(&self.0, keys).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, found.remove(id).unwrap_or_default()))
            .collect())
    }
}

/// The side of a contract an organisation is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationRole {
    /// It won the contract.
    Supplier,
    /// It awarded the contract.
    Buyer,
}

impl OrganisationRole {
    fn parents(self, organisation_ids: &[Uuid]) -> ContractParents<'_> {
        match self {
            OrganisationRole::Supplier => ContractParents::Winners(organisation_ids),
            OrganisationRole::Buyer => ContractParents::Buyers(organisation_ids),
        }
    }
}

/// Loads a page of the contracts of an organisation (won or awarded) per (organisation,
/// page arguments), latest notification first.
pub struct OrganisationContractPages {
    db: DatabaseConnection,
    role: OrganisationRole,
}

impl Loader<(Uuid, PageArgs)> for OrganisationContractPages {
    type Value = Page<contract::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[(Uuid, PageArgs)]) -> Result<HashMap<(Uuid, PageArgs), Self::Value>, Self::Error> {
        let sort = store::contracts::nested_sort();
        let mut found = HashMap::new();
        for (args, parents) in group_by_args(keys) {
            let mut pages = store::contracts::pages_of(
                &self.db,
                self.role.parents(&parents),
                &ContractFilter::default(),
                &sort,
                &args,
            )
            .await?;
            for parent in parents {
                let page = pages.remove(&parent.to_string()).unwrap_or_default();
                found.insert((parent, args.clone()), page);
            }
        }
        Ok(found)
    }
}

/// Counts the contracts of organisations (won or awarded).
pub struct OrganisationContractCounts {
    db: DatabaseConnection,
    role: OrganisationRole,
}

impl Loader<Uuid> for OrganisationContractCounts {
    type Value = u64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let counts = store::contracts::counts_of(&self.db, self.role.parents(keys), &ContractFilter::default()).await?;
        Ok(keys
            .iter()
            .map(|id| (*id, counts.get(&id.to_string()).copied().unwrap_or_default()))
            .collect())
    }
}

/// Loads a page of the contracts awarded by buyers within a territory per (territory, page
/// arguments), latest notification first.
pub struct TerritoryContractPages(DatabaseConnection);

impl Loader<(String, PageArgs)> for TerritoryContractPages {
    type Value = Page<contract::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[(String, PageArgs)]) -> Result<HashMap<(String, PageArgs), Self::Value>, Self::Error> {
        let sort = store::contracts::nested_sort();
        let mut found = HashMap::new();
        for (args, territories) in group_by_args(keys) {
            let mut pages = store::contracts::pages_of(
                &self.0,
                ContractParents::BuyerTerritories(&territories),
                &ContractFilter::default(),
                &sort,
                &args,
            )
            .await?;
            for territory in territories {
                let page = pages.remove(&territory).unwrap_or_default();
                found.insert((territory, args.clone()), page);
            }
        }
        Ok(found)
    }
}

/// Counts the contracts awarded by buyers within territories.
pub struct TerritoryContractCounts(DatabaseConnection);

impl Loader<String> for TerritoryContractCounts {
    type Value = u64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let counts = store::contracts::counts_of(
            &self.0,
            ContractParents::BuyerTerritories(keys),
            &ContractFilter::default(),
        )
        .await?;
        Ok(keys
            .iter()
            .map(|id| (id.clone(), counts.get(id).copied().unwrap_or_default()))
            .collect())
    }
}
