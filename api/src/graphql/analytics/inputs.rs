//! The arguments of the analytics queries, validated and converted into the service's and
//! the store's queries (errors name the argument's field path).

use async_graphql::{Enum, InputObject};
use chrono::NaiveDate;
use entity::enums::TerritoryLevel as StoredLevel;

use super::super::{enums::TerritoryLevel, inputs::TerritoryRef};
use crate::{
    analytics::periods::{self, Granularity as SeriesGranularity},
    domain::{Siren, TerritoryId, ValidationError},
    store::{
        analytics::{
            AmountBasis as StoredBasis, BuyerScope, LocalScale as StoredScale, LocalityRule,
            OrganisationDimension as StoredOrgDimension, ProcurementDimension as StoredDimension, ProcurementQuery,
        },
        analytics_series::SeriesPeriod,
    },
};

/// Whose contracts count: exactly one of `buyerSiren` and `territory`.
#[derive(InputObject, Debug, Clone)]
pub struct BuyerScopeInput {
    /// One buyer, by the SIREN of its organisation.
    pub buyer_siren: Option<String>,
    /// Every buyer whose buyer establishment (the SIRET of the DECP record) lies in this
    /// territory, at any level.
    pub territory: Option<TerritoryRef>,
}

impl BuyerScopeInput {
    pub(super) fn validate(&self) -> Result<BuyerScope, ValidationError> {
        match (&self.buyer_siren, &self.territory) {
            (Some(siren), None) => Ok(BuyerScope::Buyer(
                Siren::parse(siren)
                    .map_err(|e| e.with_field("scope.buyerSiren"))?
                    .as_str()
                    .to_owned(),
            )),
            (None, Some(territory)) => Ok(BuyerScope::Territory(
                territory
                    .territory_id()
                    .map_err(|e| e.with_field("scope.territory.code"))?,
            )),
            _ => Err(ValidationError::new(
                "scope",
                "",
                "give exactly one of buyerSiren and territory",
            )),
        }
    }

    pub(super) fn describe(&self) -> String {
        match (&self.buyer_siren, &self.territory) {
            (Some(siren), _) => format!("contracts of the buyer with SIREN {siren}"),
            (_, Some(territory)) => format!(
                "contracts of every buyer whose buyer establishment lies in {:?} {}",
                territory.level, territory.code
            ),
            _ => String::new(),
        }
    }
}

/// A period of notification dates, both ends included.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct PeriodInput {
    /// First notification date counted.
    pub from: NaiveDate,
    /// Last notification date counted (not before `from`).
    pub to: NaiveDate,
}

impl PeriodInput {
    pub(super) fn validate(self) -> Result<Self, ValidationError> {
        if self.to < self.from {
            return Err(ValidationError::new(
                "period.to",
                self.to.to_string(),
                format!("must not be before period.from ({})", self.from),
            ));
        }
        Ok(self)
    }
}

/// Which amount of a contract is counted.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmountBasis {
    /// The amount notified at award.
    #[default]
    Initial,
    /// The amount after the latest modification (the initial amount when never modified).
    Current,
}

/// Territorial scale of "local" suppliers.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalScale {
    /// Same commune as the buyer.
    Commune,
    /// Same EPCI as the buyer (same commune included).
    Epci,
    /// Same département as the buyer (smaller shared territories included).
    Departement,
    /// Same région as the buyer (smaller shared territories included).
    Region,
}

/// What makes a supplier local: exactly one of `scale` and `withinKm`; EPCI scale when omitted.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct LocalityInput {
    /// The smallest territory buyer and supplier establishments share is at most this scale.
    pub scale: Option<LocalScale>,
    /// The buyer–supplier distance is at most this many kilometres (above 0, at most
    /// 20 000).
    pub within_km: Option<f64>,
}

/// Largest `withinKm` accepted, km (half the Earth's circumference).
const MAX_WITHIN_KM: f64 = 20_000.0;

impl LocalityInput {
    fn validate(self) -> Result<LocalityRule, ValidationError> {
        match (self.scale, self.within_km) {
            (Some(scale), None) => Ok(LocalityRule::Scale(match scale {
                LocalScale::Commune => StoredScale::Commune,
                LocalScale::Epci => StoredScale::Epci,
                LocalScale::Departement => StoredScale::Departement,
                LocalScale::Region => StoredScale::Region,
            })),
            (None, Some(km)) if km > 0.0 && km <= MAX_WITHIN_KM => Ok(LocalityRule::WithinKm(km)),
            (None, Some(km)) => Err(ValidationError::new(
                "locality.withinKm",
                km.to_string(),
                format!("must be a number of kilometres above 0 and at most {MAX_WITHIN_KM}"),
            )),
            _ => Err(ValidationError::new(
                "locality",
                "",
                "give exactly one of scale and withinKm",
            )),
        }
    }
}

fn locality_rule(locality: Option<LocalityInput>) -> Result<LocalityRule, ValidationError> {
    locality.map_or(Ok(LocalityRule::Scale(StoredScale::Epci)), LocalityInput::validate)
}

/// A dimension procurement indicators can be grouped by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcurementDimension {
    /// Notification year, key `2024`.
    Year,
    /// Notification quarter, key `2024-Q1`.
    Quarter,
    /// Notification month, key `2024-03`.
    Month,
    /// The buyer, key its SIREN, label its name.
    Buyer,
    /// The territory of the buyer establishment at `level`, key its internal id
    /// (`COM:13055`, `EPCI:200054807`, `DEP:13`), label its name.
    BuyerTerritory,
    /// The territory of the supplier establishment at `level`, key and label as for
    /// `BUYER_TERRITORY`.
    SupplierTerritory,
    /// The supplier's SSE family (stored value, e.g. `association`).
    SupplierSseFamily,
    /// A label the supplier held on the notification date (stored value, e.g. `siae_ei`;
    /// `none` without one). A supplier with several labels is in several cells.
    SupplierLabel,
    /// The CPV division (2 digits).
    CpvDivision,
    /// The award procedure as published.
    Procedure,
    /// The smallest territory buyer and supplier share (e.g. `same_epci`).
    LocalityLevel,
}

/// One grouping dimension.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ProcurementGrouping {
    /// The dimension.
    pub dimension: ProcurementDimension,
    /// Territory level, required for `BUYER_TERRITORY` and `SUPPLIER_TERRITORY`.
    pub level: Option<TerritoryLevel>,
}

impl ProcurementGrouping {
    fn validate(self) -> Result<StoredDimension, ValidationError> {
        let level = || {
            self.level.map(StoredLevel::from).ok_or_else(|| {
                ValidationError::new(
                    "groupBy.level",
                    format!("{:?}", self.dimension),
                    "a territory level is required for this dimension",
                )
            })
        };
        Ok(match self.dimension {
            ProcurementDimension::Year => StoredDimension::Year,
            ProcurementDimension::Quarter => StoredDimension::Quarter,
            ProcurementDimension::Month => StoredDimension::Month,
            ProcurementDimension::Buyer => StoredDimension::Buyer,
            ProcurementDimension::BuyerTerritory => StoredDimension::BuyerTerritory(level()?),
            ProcurementDimension::SupplierTerritory => StoredDimension::SupplierTerritory(level()?),
            ProcurementDimension::SupplierSseFamily => StoredDimension::SupplierSseFamily,
            ProcurementDimension::SupplierLabel => StoredDimension::SupplierLabel,
            ProcurementDimension::CpvDivision => StoredDimension::CpvDivision,
            ProcurementDimension::Procedure => StoredDimension::Procedure,
            ProcurementDimension::LocalityLevel => StoredDimension::LocalityLevel,
        })
    }
}

/// Time step of a time series.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One point per calendar year, key `2024`.
    Year,
    /// One point per quarter, key `2024-Q1`.
    Quarter,
    /// One point per month, key `2024-03`.
    Month,
}

/// A dimension organisation indicators can be grouped by, besides the territory.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrganisationDimension {
    /// No further grouping: one cell per territory.
    #[default]
    None,
    /// SSE family (stored value, e.g. `association`).
    SseFamily,
    /// INSEE legal category, 4 digits.
    LegalCategory,
    /// NAF section (letter A to U), from the NAF code's division.
    NafSection,
    /// NAF division, 2 digits.
    NafDivision,
    /// Sirene headcount band code (`NN`, `00`, `01`… `53`).
    HeadcountBand,
    /// A label held on `asOf` (stored value, e.g. `esus`; `none` without one). An
    /// organisation with several labels is in several cells.
    Label,
}

impl From<OrganisationDimension> for StoredOrgDimension {
    fn from(dimension: OrganisationDimension) -> Self {
        match dimension {
            OrganisationDimension::None => Self::None,
            OrganisationDimension::SseFamily => Self::SseFamily,
            OrganisationDimension::LegalCategory => Self::LegalCategory,
            OrganisationDimension::NafSection => Self::NafSection,
            OrganisationDimension::NafDivision => Self::NafDivision,
            OrganisationDimension::HeadcountBand => Self::HeadcountBand,
            OrganisationDimension::Label => Self::Label,
        }
    }
}

/// The store query of `procurementIndicators`' (or a series') arguments.
pub(super) fn procurement_query(
    scope: &BuyerScopeInput,
    period: PeriodInput,
    amount_basis: Option<AmountBasis>,
    locality: Option<LocalityInput>,
    group_by: &[ProcurementGrouping],
) -> Result<ProcurementQuery, ValidationError> {
    let period = period.validate()?;
    Ok(ProcurementQuery {
        scope: scope.validate()?,
        from: period.from,
        to: period.to,
        amount_basis: match amount_basis.unwrap_or_default() {
            AmountBasis::Initial => StoredBasis::Initial,
            AmountBasis::Current => StoredBasis::Current,
        },
        locality: locality_rule(locality)?,
        group_by: group_by.iter().map(|g| g.validate()).collect::<Result<_, _>>()?,
    })
}

impl From<Granularity> for SeriesGranularity {
    fn from(granularity: Granularity) -> Self {
        match granularity {
            Granularity::Year => Self::Year,
            Granularity::Quarter => Self::Quarter,
            Granularity::Month => Self::Month,
        }
    }
}

impl Granularity {
    /// The procurement dimension of this time step.
    pub(super) fn dimension(self) -> ProcurementDimension {
        match self {
            Granularity::Year => ProcurementDimension::Year,
            Granularity::Quarter => ProcurementDimension::Quarter,
            Granularity::Month => ProcurementDimension::Month,
        }
    }
}

/// `period`, validated, split into the periods of `granularity` (at most
/// [`periods::MAX_PERIODS`], counted before any is built).
pub(super) fn series_periods(
    granularity: Granularity,
    period: PeriodInput,
) -> Result<Vec<SeriesPeriod>, ValidationError> {
    let period = period.validate()?;
    periods::series_periods_within(granularity.into(), period.from, period.to)
}

/// The id of the territory `territory` names, after validating its code for its level
/// (errors name the field `code`).
pub(super) fn territory_id(territory: &TerritoryRef) -> Result<TerritoryId, ValidationError> {
    TerritoryId::for_level(territory.level.into(), &territory.code)
}
