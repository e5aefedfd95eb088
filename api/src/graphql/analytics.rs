//! Dashboard analytics for local authorities: procurement indicators (SPASER), organisation
//! indicators per territory, partnership counts and networks.
//!
//! Resolvers validate arguments, call `store::analytics` (where every figure is computed by
//! SQL `GROUP BY`), apply statistical confidentiality (`domain::disclosure`) and attach the
//! definitions each figure was computed under, so a dashboard can print an honest footnote.

use std::collections::BTreeSet;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, futures_util};
use chrono::{Datelike, NaiveDate, Utc};
use entity::enums::{
    EssFamily as StoredFamily, PartnershipType as StoredPartnershipType, TerritoryLevel as StoredLevel,
};
use rust_decimal::Decimal;
use sea_orm::{ActiveEnum, DatabaseConnection};

use super::{
    enums::{EssFamily, TerritoryLevel},
    errors::{OrInternal, bad_input},
    inputs::TerritoryRef,
    node::global_id,
    partnership::PartnershipType,
};
use crate::{
    config::AnalyticsConfig,
    domain::{
        Siren, ValidationError,
        disclosure::{self, CellFacts, Suppression},
    },
    store::analytics::{
        self as store, AmountBasis as StoredBasis, BuyerScope, LocalScale as StoredScale, LocalityRule,
        OrganisationDimension as StoredOrgDimension, ProcurementDimension as StoredDimension, ProcurementQuery,
    },
    store::analytics_series::SeriesPeriod,
};

/// Whether the caller may see cells that statistical confidentiality withholds: callers with
/// an API key (partners and admins, who work under agreements) may; anonymous callers, whose
/// figures are published, may not.
pub fn may_see_unsuppressed(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<crate::access::Caller>()
        .is_some_and(|caller| caller.role != crate::access::Role::Anonymous)
}

/// The suppression threshold in force for this schema.
pub(super) fn threshold(ctx: &Context<'_>) -> i64 {
    ctx.data_opt::<AnalyticsConfig>()
        .copied()
        .unwrap_or_default()
        .suppression_threshold
}

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
    fn validate(&self) -> Result<BuyerScope, ValidationError> {
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

    fn describe(&self) -> String {
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

/// The definitions a set of figures was computed under, to print as a footnote.
#[derive(SimpleObject, Debug, Clone)]
pub struct IndicatorDefinitions {
    /// What is counted (which contracts, organisations or partnerships).
    pub counted: String,
    /// Which date places a record in the period.
    pub date_basis: Option<String>,
    /// Which amount is summed.
    pub amount_basis: Option<String>,
    /// What makes a supplier local.
    pub locality_rule: Option<String>,
    /// How a contract with several suppliers is shared between them.
    pub allocation: Option<String>,
    /// Which figures are estimates and how they are estimated.
    pub estimates: Option<String>,
    /// The statistical confidentiality rule applied to the cells.
    pub confidentiality: String,
}

/// A share, of the count and of the amount; null when there is nothing to share.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct Share {
    /// Share of contract equivalents, 0 to 1.
    pub of_count: Option<f64>,
    /// Share of the amount, 0 to 1.
    pub of_amount: Option<f64>,
}

impl Share {
    fn of(part: (f64, f64), cell: &store::ProcurementCell) -> Self {
        let ratio = |part: f64, whole: f64| (whole > 0.0).then(|| part / whole);
        Share {
            of_count: ratio(part.0, cell.weight),
            of_amount: ratio(part.1, cell.amount_cents),
        }
    }
}

/// The key of a cell in one dimension.
#[derive(SimpleObject, Debug, Clone)]
pub struct GroupKey {
    /// The dimension.
    pub dimension: ProcurementDimension,
    /// The key (`unknown` when the attribute is missing).
    pub key: String,
    /// A readable label (buyer or territory name), when there is one.
    pub label: Option<String>,
}

/// Procurement indicators of one cell (or of the total). When `suppressed`, every figure is
/// null.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProcurementCell {
    /// The cell's keys, one per grouping dimension (empty for the total).
    pub keys: Vec<GroupKey>,
    /// Whether the figures are withheld (statistical confidentiality).
    pub suppressed: bool,
    /// Why they are withheld.
    pub suppression_reason: Option<String>,
    /// Distinct contracts with at least one award line in the cell.
    pub contracts: Option<i64>,
    /// Contract equivalents: each contract counts 1, shared equally between its suppliers.
    pub contract_equivalents: Option<f64>,
    /// Amount in euros excluding VAT, allocated to the cell (rounded to the cent).
    pub amount_eur: Option<Decimal>,
    /// Share going to suppliers of the social and solidarity economy (SSE family other than
    /// non-SSE or unknown).
    pub sse: Option<Share>,
    /// Share going to inclusive-employment suppliers: holding a SIAE (EI, AI, ACI, ETTI,
    /// EITI), EA, EATT or ESAT label on the notification date.
    pub inclusive_employment: Option<Share>,
    /// Share going to suppliers holding the ESUS agreement on the notification date.
    pub esus: Option<Share>,
    /// Share going to local suppliers (see `definitions.localityRule`).
    pub local: Option<Share>,
    /// Share of contracts with a social clause or a social award criterion.
    pub social_consideration: Option<Share>,
    /// Share of reserved contracts.
    pub reserved: Option<Share>,
    /// Share of contracts with an environmental clause or criterion.
    pub environmental_consideration: Option<Share>,
    /// Amount-weighted mean buyer–supplier distance in km, over lines with a known distance.
    pub mean_distance_km: Option<f64>,
    /// Amount-weighted median buyer–supplier distance in km: the smallest distance within
    /// which at least half of the amount (of lines with a known distance) goes.
    pub median_distance_km: Option<f64>,
    /// Distinct suppliers (organisations, or bare identifiers when unresolved).
    pub distinct_suppliers: Option<i64>,
}

/// Grouped procurement indicators with their total and definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProcurementIndicators {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// The grouping dimensions, in order.
    pub dimensions: Vec<ProcurementDimension>,
    /// The whole scope and period.
    pub total: ProcurementCell,
    /// One cell per group, sorted by keys.
    pub cells: Vec<ProcurementCell>,
}

fn reason(suppression: Suppression, threshold: i64, contributors: &str) -> String {
    match suppression {
        Suppression::Primary => format!("fewer than {threshold} distinct {contributors}"),
        Suppression::Secondary => {
            "secondary suppression: protects another withheld cell from recovery by subtraction".to_owned()
        }
    }
}

fn procurement_cell(
    cell: &store::ProcurementCell,
    dimensions: &[ProcurementDimension],
    suppression: Option<Suppression>,
    threshold: i64,
) -> ProcurementCell {
    let keys = dimensions
        .iter()
        .zip(cell.keys.iter().zip(&cell.labels))
        .map(|(dimension, (key, label))| GroupKey {
            dimension: *dimension,
            key: key.clone(),
            label: label.clone(),
        })
        .collect();
    if let Some(suppression) = suppression {
        return ProcurementCell {
            keys,
            suppressed: true,
            suppression_reason: Some(reason(suppression, threshold, "suppliers")),
            contracts: None,
            contract_equivalents: None,
            amount_eur: None,
            sse: None,
            inclusive_employment: None,
            esus: None,
            local: None,
            social_consideration: None,
            reserved: None,
            environmental_consideration: None,
            mean_distance_km: None,
            median_distance_km: None,
            distinct_suppliers: None,
        };
    }
    ProcurementCell {
        keys,
        suppressed: false,
        suppression_reason: None,
        contracts: Some(cell.contracts),
        contract_equivalents: Some(cell.weight),
        amount_eur: Some(cents_to_euros(cell.amount_cents)),
        sse: Some(Share::of(cell.sse, cell)),
        inclusive_employment: Some(Share::of(cell.inclusive, cell)),
        esus: Some(Share::of(cell.esus, cell)),
        local: Some(Share::of(cell.local, cell)),
        social_consideration: Some(Share::of(cell.social, cell)),
        reserved: Some(Share::of(cell.reserved, cell)),
        environmental_consideration: Some(Share::of(cell.environmental, cell)),
        mean_distance_km: cell.mean_distance_km,
        median_distance_km: cell.median_distance_km,
        distinct_suppliers: Some(cell.suppliers),
    }
}

/// Allocated cents (a float, as shares of a contract are) to euros rounded to the cent.
fn cents_to_euros(cents: f64) -> Decimal {
    #[expect(clippy::cast_possible_truncation, reason = "amounts are far below 2^63 cents")]
    let cents = cents.round() as i64;
    Decimal::new(cents, 2)
}

pub(super) fn confidentiality(threshold: i64, contributors: &str) -> String {
    format!(
        "A cell built from fewer than {threshold} distinct {contributors} is withheld (null figures, \
         suppressed: true); when a table, row or column would hold exactly one withheld cell, its \
         smallest other non-empty cell is withheld too, so no withheld figure can be recovered by \
         subtraction from a total and a single other cell. Empty cells are never withheld."
    )
}

fn procurement_definitions(
    scope: &BuyerScopeInput,
    basis: AmountBasis,
    locality: LocalityRule,
    threshold: i64,
    suppressed: bool,
) -> IndicatorDefinitions {
    IndicatorDefinitions {
        counted: format!(
            "Public contracts (marchés; concessions excluded), not deleted, notified within the \
             period: {}.",
            scope.describe()
        ),
        date_basis: Some("Notification date (dateNotification), both ends of the period included.".into()),
        amount_basis: Some(match basis {
            AmountBasis::Initial => "Initial amount notified at award, euros excluding VAT.".into(),
            AmountBasis::Current => {
                "Current amount after the latest modification (the initial amount when never modified), \
                 euros excluding VAT."
                    .into()
            }
        }),
        locality_rule: Some(match locality {
            LocalityRule::Scale(scale) => format!(
                "A supplier is local when the smallest territory its establishment shares with the buyer \
                 establishment is one of: {}.",
                scale.locality_levels().join(", ")
            ),
            LocalityRule::WithinKm(km) => {
                format!("A supplier is local when its establishment is at most {km} km from the buyer's.")
            }
        }),
        allocation: Some(
            "Each contract is split equally between its original suppliers (award lines); counts are \
             contract equivalents and amounts are allocated the same way. Supplier attributes (SSE family, \
             labels, locality, distance) are those of each line's supplier; labels must be valid on the \
             notification date."
                .into(),
        ),
        estimates: None,
        confidentiality: if suppressed {
            confidentiality(threshold, "suppliers")
        } else {
            "Not applied: the caller may see every cell.".into()
        },
    }
}

/// Runs a procurement aggregate and its total, with suppression applied.
async fn procurement_indicators(
    ctx: &Context<'_>,
    scope: &BuyerScopeInput,
    query: ProcurementQuery,
    dimensions: Vec<ProcurementDimension>,
    fill: Option<Vec<String>>,
) -> async_graphql::Result<ProcurementIndicators> {
    let db = ctx.data::<DatabaseConnection>()?;
    let total_query = ProcurementQuery {
        group_by: Vec::new(),
        ..query.clone()
    };
    // The cells and the total are independent statements: run them side by side.
    let (cells, total) =
        futures_util::future::join(store::procurement(db, &query), store::procurement(db, &total_query)).await;
    let mut cells = cells.or_internal()?;
    let total = total.or_internal()?.into_iter().next().unwrap_or_default();
    if let Some(periods) = fill {
        let present: BTreeSet<String> = cells.iter().map(|c| c.keys[0].clone()).collect();
        for period in periods.into_iter().filter(|p| !present.contains(p)) {
            cells.push(store::ProcurementCell {
                keys: vec![period],
                labels: vec![None],
                ..store::ProcurementCell::default()
            });
        }
        cells.sort_by(|a, b| a.keys.cmp(&b.keys));
    }
    let threshold = threshold(ctx);
    let suppress = !may_see_unsuppressed(ctx);
    let decision = if suppress {
        let facts: Vec<CellFacts> = cells
            .iter()
            .map(|cell| CellFacts {
                keys: cell.keys.clone(),
                contributors: cell.suppliers,
                size: cell.amount_cents,
                empty: cell.contracts == 0,
            })
            .collect();
        disclosure::decide(&facts, total.suppliers, threshold)
    } else {
        disclosure::Decision {
            cells: vec![None; cells.len()],
            total: None,
        }
    };
    Ok(ProcurementIndicators {
        definitions: procurement_definitions(scope, amount_basis_of(&query), query.locality, threshold, suppress),
        total: procurement_cell(&total, &[], decision.total, threshold),
        cells: cells
            .iter()
            .zip(&decision.cells)
            .map(|(cell, suppression)| procurement_cell(cell, &dimensions, *suppression, threshold))
            .collect(),
        dimensions,
    })
}

fn amount_basis_of(query: &ProcurementQuery) -> AmountBasis {
    match query.amount_basis {
        StoredBasis::Initial => AmountBasis::Initial,
        StoredBasis::Current => AmountBasis::Current,
    }
}

/// Every period key of `granularity` from `from` to `to`, in order.
pub fn period_keys(granularity: Granularity, from: NaiveDate, to: NaiveDate) -> Vec<String> {
    series_periods(granularity, from, to)
        .into_iter()
        .map(|period| period.key)
        .collect()
}

/// The most periods a time series may have (50 years of months).
pub const MAX_PERIODS: u64 = 600;

/// How many periods of `granularity` run from `from` to `to` (0 when `to` is before
/// `from`), computed without building them.
pub fn period_count(granularity: Granularity, from: NaiveDate, to: NaiveDate) -> u64 {
    let months = |date: NaiveDate| i64::from(date.year()) * 12 + i64::from(date.month0());
    let step = granularity_months(granularity);
    let align = |m: i64| m - m.rem_euclid(step);
    let (first, last) = (align(months(from)), align(months(to)));
    if last < first {
        0
    } else {
        u64::try_from((last - first) / step + 1).unwrap_or(u64::MAX)
    }
}

fn granularity_months(granularity: Granularity) -> i64 {
    match granularity {
        Granularity::Year => 12,
        Granularity::Quarter => 3,
        Granularity::Month => 1,
    }
}

/// The periods of `granularity` over `period` (validated), refused with `BAD_USER_INPUT`
/// (field `period`, naming the count and the cap) above [`MAX_PERIODS`] before any is built.
pub fn series_periods_within(
    granularity: Granularity,
    period: PeriodInput,
) -> Result<Vec<SeriesPeriod>, ValidationError> {
    let period = period.validate()?;
    let count = period_count(granularity, period.from, period.to);
    if count > MAX_PERIODS {
        return Err(ValidationError::new(
            "period",
            format!("{} to {}", period.from, period.to),
            format!("gives {count} periods of {granularity:?}; at most {MAX_PERIODS} are allowed"),
        ));
    }
    Ok(series_periods(granularity, period.from, period.to))
}

/// Every period of `granularity` from `from` to `to`, in order, each with its last day (`to`
/// for the last one when `to` falls inside it).
pub fn series_periods(granularity: Granularity, from: NaiveDate, to: NaiveDate) -> Vec<SeriesPeriod> {
    let months = |date: NaiveDate| date.year() * 12 + date.month0() as i32;
    let step = match granularity {
        Granularity::Year => 12,
        Granularity::Quarter => 3,
        Granularity::Month => 1,
    };
    let align = |m: i32| m - m.rem_euclid(step);
    let mut keys = Vec::new();
    let mut month = align(months(from));
    while month <= months(to) {
        let (year, month0) = (month.div_euclid(12), month.rem_euclid(12));
        let key = match granularity {
            Granularity::Year => format!("{year}"),
            Granularity::Quarter => format!("{year}-Q{}", month0 / 3 + 1),
            Granularity::Month => format!("{year}-{:02}", month0 + 1),
        };
        month += step;
        let (next_year, next_month0) = (month.div_euclid(12), month.rem_euclid(12));
        #[expect(clippy::cast_sign_loss, reason = "a month index is 0 to 11")]
        let ends = NaiveDate::from_ymd_opt(next_year, next_month0 as u32 + 1, 1)
            .and_then(|next| next.pred_opt())
            .map_or(to, |last| last.min(to));
        keys.push(SeriesPeriod { key, ends });
    }
    keys
}

/// A territory a cell is about.
#[derive(SimpleObject, Debug, Clone)]
pub struct AreaKey {
    /// Internal territory id (`COM:13055`, `EPCI:200054807`, `DEP:13`, `REG:93`).
    pub territory_id: String,
    /// Code: INSEE code, or SIREN for an EPCI.
    pub code: String,
    /// Name.
    pub name: String,
}

impl AreaKey {
    fn new(id: &str, name: &str) -> Self {
        AreaKey {
            territory_id: id.to_owned(),
            code: id.split_once(':').map_or(id, |(_, code)| code).to_owned(),
            name: name.to_owned(),
        }
    }
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

/// Organisation counts of one cell. When `suppressed`, every figure is null.
#[derive(SimpleObject, Debug, Clone)]
pub struct OrganisationCell {
    /// The territory.
    pub territory: AreaKey,
    /// Key of the second dimension (empty for `NONE`, `unknown` when missing).
    pub key: String,
    /// The figures.
    #[graphql(flatten)]
    pub figures: OrganisationFigures,
}

/// The figures of an organisation cell, withheld together.
#[derive(SimpleObject, Debug, Clone)]
pub struct OrganisationFigures {
    /// Whether the figures are withheld (statistical confidentiality).
    pub suppressed: bool,
    /// Why they are withheld.
    pub suppression_reason: Option<String>,
    /// Organisations counted: active, with their head office in the territory (on the
    /// period's last day in a time series; see `definitions.counted`).
    pub organisations: Option<i64>,
    /// Of which in the social and solidarity economy.
    pub sse_organisations: Option<i64>,
    /// Share of organisations in the SSE, 0 to 1.
    pub sse_share: Option<f64>,
    /// ESTIMATE of salaried jobs: the sum of the midpoints of the organisations' Sirene
    /// headcount bands (see `definitions.estimates`); not an official employment figure.
    pub estimated_jobs: Option<f64>,
}

impl OrganisationFigures {
    /// The published figures of `organisations` organisations of which `sse` in the SSE, with
    /// `jobs` estimated jobs, withheld when `suppression` says so.
    pub(super) fn new(
        organisations: i64,
        sse: i64,
        jobs: f64,
        suppression: Option<Suppression>,
        threshold: i64,
    ) -> Self {
        let visible = suppression.is_none();
        #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
        let share = (organisations > 0).then(|| sse as f64 / organisations as f64);
        OrganisationFigures {
            suppressed: !visible,
            suppression_reason: suppression.map(|s| reason(s, threshold, "organisations")),
            organisations: visible.then_some(organisations),
            sse_organisations: visible.then_some(sse),
            sse_share: share.filter(|_| visible),
            estimated_jobs: visible.then_some(jobs),
        }
    }
}

/// Organisation indicators per territory, with their total and definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct OrganisationIndicators {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// The whole territory asked.
    pub total: OrganisationCell,
    /// One cell per territory and key, sorted by territory id then key.
    pub cells: Vec<OrganisationCell>,
}

/// The footnote of `estimatedJobs`.
pub(super) fn jobs_estimate() -> String {
    let midpoints = store::HEADCOUNT_MIDPOINTS
        .iter()
        .map(|(band, midpoint)| format!("{band}: {midpoint}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "estimatedJobs is an ESTIMATE: the sum over organisations of the midpoint of their Sirene \
         headcount band ({midpoints}); not an official employment count."
    )
}

fn organisation_cell(
    cell: &store::OrganisationCell,
    suppression: Option<Suppression>,
    threshold: i64,
) -> OrganisationCell {
    OrganisationCell {
        territory: AreaKey::new(&cell.territory_id, &cell.territory_name),
        key: cell.key.clone(),
        figures: OrganisationFigures::new(
            cell.organisations,
            cell.sse_organisations,
            cell.estimated_jobs,
            suppression,
            threshold,
        ),
    }
}

/// Partnership counts of one type in one territory.
#[derive(SimpleObject, Debug, Clone)]
pub struct PartnershipCountCell {
    /// Partnership type.
    pub partnership_type: PartnershipType,
    /// The territory (the partnership's own territory when it is above the level asked).
    pub territory: AreaKey,
    /// Partnerships.
    pub partnerships: i64,
    /// Distinct organisations taking part.
    pub organisations: i64,
}

/// Partnership counts by type and territory, with definitions.
#[derive(SimpleObject, Debug, Clone)]
pub struct PartnershipIndicators {
    /// The definitions the figures follow.
    pub definitions: IndicatorDefinitions,
    /// One cell per type and territory, sorted by type then territory id.
    pub cells: Vec<PartnershipCountCell>,
}

/// An organisation in a partnership network.
#[derive(SimpleObject, Debug, Clone)]
pub struct NetworkNode {
    /// The organisation's global id (usable with `node(id:)`).
    pub id: ID,
    /// Name.
    pub name: String,
    /// SIREN, when known.
    pub siren: Option<String>,
    /// SSE family.
    pub ess_family: EssFamily,
    /// Partnerships of the network it takes part in.
    pub partnerships: i64,
}

/// Two organisations of a network sharing partnerships.
#[derive(SimpleObject, Debug, Clone)]
pub struct NetworkEdge {
    /// Global id of one organisation.
    pub source: ID,
    /// Global id of the other.
    pub target: ID,
    /// Weight: number of partnerships they share.
    pub shared_partnerships: i64,
}

/// The partnership network of a territory, ready to draw as a graph.
#[derive(SimpleObject, Debug, Clone)]
pub struct PartnershipNetwork {
    /// The definitions the network follows.
    pub definitions: IndicatorDefinitions,
    /// Organisations, sorted by name.
    pub nodes: Vec<NetworkNode>,
    /// Weighted edges, one per pair of organisations sharing at least one partnership.
    pub edges: Vec<NetworkEdge>,
}

fn partnership_definitions(territory: &TerritoryRef) -> String {
    format!(
        "Partnerships not deleted whose territory is {:?} {} or inside it, whatever their dates and status; \
         organisations are their parties (any role).",
        territory.level, territory.code
    )
}

/// Dashboard analytics: grouped procurement, organisation and partnership indicators.
#[derive(Default)]
pub struct AnalyticsQuery;

/// Dashboard analytics: grouped procurement, organisation and partnership indicators.
#[Object]
impl AnalyticsQuery {
    /// Procurement indicators (SPASER) for a scope and a period, grouped by at most two
    /// dimensions, with the total of the scope and the definitions used. Cells built from
    /// too few suppliers are withheld (see `definitions.confidentiality`).
    async fn procurement_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose contracts: one buyer or the buyers of a territory.")] scope: BuyerScopeInput,
        #[graphql(desc = "Notification dates counted, both ends included.")] period: PeriodInput,
        #[graphql(desc = "Which amount is summed; INITIAL by default.")] amount_basis: Option<AmountBasis>,
        #[graphql(desc = "What makes a supplier local; same EPCI by default.")] locality: Option<LocalityInput>,
        #[graphql(desc = "Zero, one or two grouping dimensions.")] group_by: Option<Vec<ProcurementGrouping>>,
    ) -> async_graphql::Result<ProcurementIndicators> {
        let group_by = group_by.unwrap_or_default();
        if group_by.len() > 2 {
            return bad_input(Err(ValidationError::new(
                "groupBy",
                group_by.len().to_string(),
                "at most two dimensions",
            )));
        }
        let query = bad_input(procurement_query(&scope, period, amount_basis, locality, &group_by))?;
        let dimensions = group_by.iter().map(|g| g.dimension).collect();
        procurement_indicators(ctx, &scope, query, dimensions, None).await
    }

    /// A time series of procurement indicators: one cell per period of `granularity` from the
    /// start to the end of `period`, empty periods included (zero contracts), so a chart
    /// needs no gap filling.
    async fn procurement_time_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose contracts: one buyer or the buyers of a territory.")] scope: BuyerScopeInput,
        #[graphql(desc = "Notification dates counted, both ends included.")] period: PeriodInput,
        #[graphql(desc = "Time step.")] granularity: Granularity,
        #[graphql(desc = "Which amount is summed; INITIAL by default.")] amount_basis: Option<AmountBasis>,
        #[graphql(desc = "What makes a supplier local; same EPCI by default.")] locality: Option<LocalityInput>,
    ) -> async_graphql::Result<ProcurementIndicators> {
        let dimension = match granularity {
            Granularity::Year => ProcurementDimension::Year,
            Granularity::Quarter => ProcurementDimension::Quarter,
            Granularity::Month => ProcurementDimension::Month,
        };
        let grouping = [ProcurementGrouping { dimension, level: None }];
        let periods = bad_input(series_periods_within(granularity, period))?
            .into_iter()
            .map(|period| period.key)
            .collect();
        let query = bad_input(procurement_query(&scope, period, amount_basis, locality, &grouping))?;
        procurement_indicators(ctx, &scope, query, vec![dimension], Some(periods)).await
    }

    /// Organisation indicators per territory at `level` inside `territory`: counts, SSE share
    /// and ESTIMATED salaried jobs, optionally split by a second dimension. Cells built from
    /// too few organisations are withheld (see `definitions.confidentiality`).
    async fn organisation_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory whose organisations count (head office inside it).")] territory: TerritoryRef,
        #[graphql(desc = "Level of the territories of the cells, at or below `territory`'s.")] level: TerritoryLevel,
        #[graphql(desc = "Second grouping; NONE by default.")] group_by: Option<OrganisationDimension>,
        #[graphql(desc = "Reference date for labels; today by default.")] as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<OrganisationIndicators> {
        let territory_id = bad_input(territory.territory_id())?;
        let dimension = group_by.unwrap_or_default().into();
        let as_of = as_of.unwrap_or_else(|| Utc::now().date_naive());
        let db = ctx.data::<DatabaseConnection>()?;
        let query = store::OrganisationQuery {
            territory: territory_id.clone(),
            level: level.into(),
            dimension,
            as_of,
        };
        let cells = store::organisations(db, &query).await.or_internal()?;
        let total_query = store::OrganisationQuery {
            level: territory.level.into(),
            dimension: StoredOrgDimension::None,
            ..query
        };
        let total = store::organisations(db, &total_query)
            .await
            .or_internal()?
            .into_iter()
            .find(|cell| cell.territory_id == territory_id)
            .unwrap_or(store::OrganisationCell {
                territory_id: territory_id.clone(),
                territory_name: String::new(),
                key: String::new(),
                organisations: 0,
                sse_organisations: 0,
                estimated_jobs: 0.0,
            });
        let threshold = threshold(ctx);
        let suppress = !may_see_unsuppressed(ctx);
        let two_dimensional = dimension != StoredOrgDimension::None;
        let decision = if suppress {
            let facts: Vec<CellFacts> = cells
                .iter()
                .map(|cell| CellFacts {
                    keys: if two_dimensional {
                        vec![cell.territory_id.clone(), cell.key.clone()]
                    } else {
                        vec![cell.territory_id.clone()]
                    },
                    contributors: cell.organisations,
                    #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
                    size: cell.organisations as f64,
                    empty: cell.organisations == 0,
                })
                .collect();
            disclosure::decide(&facts, total.organisations, threshold)
        } else {
            disclosure::Decision {
                cells: vec![None; cells.len()],
                total: None,
            }
        };
        Ok(OrganisationIndicators {
            definitions: IndicatorDefinitions {
                counted: format!(
                    "Active, not deleted organisations whose head-office establishment is in {:?} {}, \
                     placed in the territory of that establishment's commune at the level asked; public \
                     authorities included. SSE: SSE family other than non-SSE or unknown.",
                    territory.level, territory.code
                ),
                date_basis: Some(format!("Labels valid on {as_of}.")),
                amount_basis: None,
                locality_rule: None,
                allocation: None,
                estimates: Some(jobs_estimate()),
                confidentiality: if suppress {
                    confidentiality(threshold, "organisations")
                } else {
                    "Not applied: the caller may see every cell.".into()
                },
            },
            total: organisation_cell(&total, decision.total, threshold),
            cells: cells
                .iter()
                .zip(&decision.cells)
                .map(|(cell, suppression)| organisation_cell(cell, *suppression, threshold))
                .collect(),
        })
    }

    /// Partnership counts by type and territory for partnerships whose territory is
    /// `territory` or inside it. Partnerships and their parties are public in this API, so
    /// these counts are not withheld.
    async fn partnership_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory.")] territory: TerritoryRef,
        #[graphql(desc = "Roll each partnership's territory up to this level; its own territory when omitted.")]
        level: Option<TerritoryLevel>,
    ) -> async_graphql::Result<PartnershipIndicators> {
        let territory_id = bad_input(territory.territory_id())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let cells = store::partnerships(db, &territory_id, level.map(Into::into))
            .await
            .or_internal()?;
        let cells = cells
            .into_iter()
            .map(|cell| -> async_graphql::Result<PartnershipCountCell> {
                let kind = StoredPartnershipType::try_from_value(&cell.partnership_type)
                    .map_err(|_| async_graphql::Error::new("internal error"))?;
                Ok(PartnershipCountCell {
                    partnership_type: kind.into(),
                    territory: AreaKey::new(&cell.territory_id, &cell.territory_name),
                    partnerships: cell.partnerships,
                    organisations: cell.organisations,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(PartnershipIndicators {
            definitions: IndicatorDefinitions {
                counted: partnership_definitions(&territory),
                date_basis: None,
                amount_basis: None,
                locality_rule: None,
                allocation: None,
                estimates: None,
                confidentiality: "Not applied: partnerships and their parties are public in this API.".into(),
            },
            cells,
        })
    }

    /// The partnership network of a territory: the organisations taking part in partnerships
    /// whose territory is `territory` or inside it (non-diffusible organisations left out),
    /// and one weighted edge per pair sharing at least one of them. At most 1 000
    /// organisations (those in the most partnerships) and 5 000 edges (the pairs sharing the
    /// most partnerships) are returned.
    async fn partnership_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The territory.")] territory: TerritoryRef,
    ) -> async_graphql::Result<PartnershipNetwork> {
        let territory_id = bad_input(territory.territory_id())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let (nodes, edges) = store::network(db, &territory_id).await.or_internal()?;
        let nodes = nodes
            .into_iter()
            .map(|node| -> async_graphql::Result<NetworkNode> {
                let family = StoredFamily::try_from_value(&node.ess_family)
                    .map_err(|_| async_graphql::Error::new("internal error"))?;
                Ok(NetworkNode {
                    id: global_id("Organisation", node.organisation_id),
                    name: node.name,
                    siren: node.siren,
                    ess_family: family.into(),
                    partnerships: node.partnerships,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(PartnershipNetwork {
            definitions: IndicatorDefinitions {
                counted: format!("{} Diffusible organisations only.", partnership_definitions(&territory)),
                date_basis: None,
                amount_basis: None,
                locality_rule: None,
                allocation: None,
                estimates: None,
                confidentiality: "Not applied: partnerships and their parties are public in this API.".into(),
            },
            nodes,
            edges: edges
                .into_iter()
                .map(|edge| NetworkEdge {
                    source: global_id("Organisation", edge.source),
                    target: global_id("Organisation", edge.target),
                    shared_partnerships: edge.shared_partnerships,
                })
                .collect(),
        })
    }
}

fn procurement_query(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn period_keys_cover_the_whole_period() {
        assert_eq!(
            period_keys(Granularity::Year, date(2019, 5, 1), date(2021, 1, 1)),
            ["2019", "2020", "2021"]
        );
        assert_eq!(
            period_keys(Granularity::Quarter, date(2024, 2, 10), date(2024, 7, 1)),
            ["2024-Q1", "2024-Q2", "2024-Q3"]
        );
        assert_eq!(
            period_keys(Granularity::Month, date(2024, 11, 30), date(2025, 2, 1)),
            ["2024-11", "2024-12", "2025-01", "2025-02"]
        );
    }

    #[test]
    fn period_counts_are_computed_without_building_the_periods() {
        let spans = [
            (date(2019, 5, 1), date(2021, 1, 1)),
            (date(2024, 2, 10), date(2024, 7, 1)),
            (date(2024, 11, 30), date(2025, 2, 1)),
            (date(1900, 1, 1), date(2100, 12, 31)),
            (date(2024, 3, 1), date(2024, 3, 1)),
        ];
        for granularity in [Granularity::Year, Granularity::Quarter, Granularity::Month] {
            for (from, to) in spans {
                let built = series_periods(granularity, from, to).len() as u64;
                assert_eq!(
                    period_count(granularity, from, to),
                    built,
                    "{granularity:?} {from} {to}"
                );
            }
        }
        assert_eq!(
            period_count(Granularity::Month, date(1900, 1, 1), date(2100, 12, 31)),
            2412
        );
        assert!(period_count(Granularity::Month, NaiveDate::MIN, NaiveDate::MAX) > 6_000_000);
        assert_eq!(period_count(Granularity::Year, date(2021, 1, 1), date(2020, 1, 1)), 0);
        let refused = series_periods_within(
            Granularity::Month,
            PeriodInput {
                from: date(2000, 1, 1),
                to: date(2050, 1, 1),
            },
        );
        assert_eq!(
            refused.map(|p| p.len()).map_err(|e| e.reason),
            Err("gives 601 periods of Month; at most 600 are allowed".to_owned())
        );
    }

    #[test]
    fn cents_round_to_the_cent() {
        assert_eq!(cents_to_euros(12_345.4).to_string(), "123.45");
        assert_eq!(cents_to_euros(12_345.6).to_string(), "123.46");
    }
}
