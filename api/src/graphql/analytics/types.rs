//! The GraphQL objects analytics answer with, and their building from the service's cells
//! (figures nulled where confidentiality withholds them).

use async_graphql::{ID, SimpleObject};
use rust_decimal::Decimal;

use super::{
    super::{enums::EssFamily, partnership::PartnershipType},
    inputs::ProcurementDimension,
};
use crate::{
    analytics::Published,
    domain::{Cents, TerritoryId, disclosure::Suppression},
    store::analytics as store,
};

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

impl IndicatorDefinitions {
    /// Definitions saying what is `counted` and the `confidentiality` rule, the other
    /// definitions absent until set.
    pub(super) fn new(counted: String, confidentiality: String) -> Self {
        IndicatorDefinitions {
            counted,
            date_basis: None,
            amount_basis: None,
            locality_rule: None,
            allocation: None,
            estimates: None,
            confidentiality,
        }
    }
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

/// Why a cell is withheld, for `suppressionReason`.
pub(super) fn reason(suppression: Suppression, threshold: i64, contributors: &str) -> String {
    match suppression {
        Suppression::Primary => format!("fewer than {threshold} distinct {contributors}"),
        Suppression::Secondary => {
            "secondary suppression: protects another withheld cell from recovery by subtraction".to_owned()
        }
    }
}

/// The published cell of `published` under `dimensions`: figures nulled when withheld.
pub(super) fn procurement_cell(
    published: &Published<store::ProcurementCell>,
    dimensions: &[ProcurementDimension],
    threshold: i64,
) -> ProcurementCell {
    let cell = &published.cell;
    let keys = dimensions
        .iter()
        .zip(cell.keys.iter().zip(&cell.labels))
        .map(|(dimension, (key, label))| GroupKey {
            dimension: *dimension,
            key: key.clone(),
            label: label.clone(),
        })
        .collect();
    let visible = published.suppression.is_none();
    let share = |part: (f64, f64)| visible.then(|| Share::of(part, cell));
    ProcurementCell {
        keys,
        suppressed: !visible,
        suppression_reason: published.suppression.map(|s| reason(s, threshold, "suppliers")),
        contracts: visible.then_some(cell.contracts),
        contract_equivalents: visible.then_some(cell.weight),
        // Allocated cents are a float (a contract's amount is shared between its suppliers):
        // rounded to the cent.
        amount_eur: visible.then(|| Cents::rounded(cell.amount_cents).euros()),
        sse: share(cell.sse),
        inclusive_employment: share(cell.inclusive),
        esus: share(cell.esus),
        local: share(cell.local),
        social_consideration: share(cell.social),
        reserved: share(cell.reserved),
        environmental_consideration: share(cell.environmental),
        mean_distance_km: cell.mean_distance_km.filter(|_| visible),
        median_distance_km: cell.median_distance_km.filter(|_| visible),
        distinct_suppliers: visible.then_some(cell.suppliers),
    }
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
    /// The key of the territory of stored id `id`, named `name`.
    pub(super) fn new(id: &str, name: &str) -> Self {
        AreaKey {
            territory_id: id.to_owned(),
            code: TerritoryId::parse(id).map_or_else(|| id.to_owned(), |id| id.code().to_owned()),
            name: name.to_owned(),
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

/// The published cell of `published`: figures nulled when withheld.
pub(super) fn organisation_cell(published: &Published<store::OrganisationCell>, threshold: i64) -> OrganisationCell {
    let cell = &published.cell;
    OrganisationCell {
        territory: AreaKey::new(&cell.territory_id, &cell.territory_name),
        key: cell.key.clone(),
        figures: OrganisationFigures::new(
            cell.organisations,
            cell.sse_organisations,
            cell.estimated_jobs,
            published.suppression,
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
