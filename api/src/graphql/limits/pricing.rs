//! Pricing of lists whose size the schema does not give: the page of a connection by default,
//! a list without page arguments, and the lists of root fields' answers (analytics cells and
//! series, change events, the partnership network, the results of a bulk write), sized from
//! their arguments (periods, groups, territories) by the tables below.

use async_graphql::Value;

/// Size assumed for a list that takes no page arguments (labels, suppliers, parties...).
pub const UNPAGED_LIST_ESTIMATE: u64 = 10;

/// Points a mutation costs per record it writes (each item of a bulk `upsert*`, or 1), on top
/// of its fields: a write is a transaction with its change-log and audit entries.
pub const WRITE_COST: u64 = 10;

/// Keys of a procurement cell: one per grouping, at most two.
pub(super) const KEYS_PER_CELL: u64 = 2;

/// Default page of the change feed and the audit log.
pub(super) const FEED_DEFAULT_PAGE: u64 = 100;

/// Most periods a series may have (`procurementTimeSeries` and the other series); the price of
/// a series whose period cannot be read from its arguments.
pub const MAX_SERIES_PERIODS: u64 = 600;

/// Partnership types (`PartnershipType`): the cells of partnership counts per territory or
/// period.
pub(super) const PARTNERSHIP_TYPES: u64 = 9;
/// Nodes priced for `partnershipNetwork`: the most it returns.
pub const NETWORK_NODES: u64 = crate::store::analytics::NETWORK_MAX_NODES;
/// Edges priced for `partnershipNetwork`: the most it returns.
pub const NETWORK_EDGES: u64 = crate::store::analytics::NETWORK_MAX_EDGES;
/// Edges priced for `foodSupplyNetwork`: the most it returns.
pub const FOOD_NETWORK_EDGES: u64 = crate::store::analytics::food::FOOD_NETWORK_MAX_EDGES;
/// Buyers priced for a `BUYER` grouping.
const BUYERS_ESTIMATE: u64 = 100;

/// Territories priced for a `BUYER_TERRITORY` or `SUPPLIER_TERRITORY` grouping at `level`: the
/// territories one scope's buyers or suppliers are in (all of France's régions and
/// départements, 300 communes); a larger answer is charged after it is known.
fn territory_groups(level: &str) -> u64 {
    match level {
        "REGION" => 18,
        "DEPARTEMENT" => 101,
        "EPCI" => 200,
        _ => 300,
    }
}
/// SSE families (`SUPPLIER_SSE_FAMILY`, `SSE_FAMILY`).
const SSE_FAMILIES: u64 = 10;
/// Label kinds (`SUPPLIER_LABEL`, `LABEL`).
const LABEL_KINDS: u64 = 30;
/// CPV divisions.
const CPV_DIVISIONS: u64 = 45;
/// Procurement procedures.
const PROCEDURES: u64 = 12;
/// Locality levels.
const LOCALITY_LEVELS: u64 = 6;

/// Groups of an organisation dimension.
fn organisation_dimension_size(dimension: &str) -> u64 {
    match dimension {
        "NONE" => 1,
        "SSE_FAMILY" => SSE_FAMILIES,
        "LEGAL_CATEGORY" => 250,
        "NAF_SECTION" => 21,
        "NAF_DIVISION" => 88,
        "HEADCOUNT_BAND" => 16,
        "LABEL" => LABEL_KINDS,
        _ => UNPAGED_LIST_ESTIMATE,
    }
}

/// Territories of level `inner` inside one territory of level `outer`, on average in France
/// (a région holds 8 départements, 100 EPCI and 2 700 communes; a département 13 EPCI and 350
/// communes; an EPCI 30 communes); all of France's when the outer level is unknown. A larger
/// answer is charged after it is known.
fn territories_within(outer: Option<&str>, inner: Option<&str>) -> u64 {
    let inner = inner.unwrap_or("COMMUNE");
    match (inner, outer) {
        ("REGION", Some("REGION")) | ("DEPARTEMENT", Some("DEPARTEMENT")) | ("EPCI", Some("EPCI")) => 1,
        ("REGION", _) => 18,
        ("DEPARTEMENT", Some("REGION")) => 8,
        ("DEPARTEMENT", None) => 101,
        ("DEPARTEMENT", _) => 1,
        ("EPCI", Some("REGION")) => 100,
        ("EPCI", Some("DEPARTEMENT")) => 13,
        ("EPCI", None) => 1_250,
        ("EPCI", _) => 1,
        ("COMMUNE", Some("REGION")) => 2_700,
        ("COMMUNE", Some("DEPARTEMENT")) => 350,
        ("COMMUNE", Some("EPCI")) => 30,
        ("COMMUNE", Some(_)) => 1,
        ("COMMUNE", None) => 35_000,
        (_, Some("COMMUNE")) => 20,
        (_, Some("EPCI" | "DEPARTEMENT")) => 50,
        _ => 2_500,
    }
}

/// Periods of `granularity` (`YEAR`, `QUARTER`, `MONTH`) from `from` to `to`, both included;
/// `None` for another granularity.
fn series_periods(from: chrono::NaiveDate, to: chrono::NaiveDate, granularity: &str) -> Option<u64> {
    use chrono::Datelike;
    let months_per_period = match granularity {
        "YEAR" => 12,
        "QUARTER" => 3,
        "MONTH" => 1,
        _ => return None,
    };
    let index = |date: chrono::NaiveDate| (i64::from(date.year()) * 12 + i64::from(date.month0())) / months_per_period;
    let count = index(to).saturating_sub(index(from)).saturating_add(1);
    Some(u64::try_from(count).unwrap_or(1).max(1))
}

/// A whole number given as an argument (`first`, `last`), if it is one.
pub(super) fn count(value: Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A field's arguments by name, variables substituted.
pub(super) type Arguments<'f> = dyn Fn(&str) -> Option<Value> + 'f;

/// Items of a bulk write (`input.items`), else 0.
pub(super) fn items(argument: &Arguments<'_>) -> u64 {
    match argument("input") {
        Some(Value::Object(input)) => match input.get("items") {
            Some(Value::List(items)) => u64::try_from(items.len()).unwrap_or(u64::MAX),
            _ => 0,
        },
        _ => 0,
    }
}

/// The sizes of the lists the answer of root field `name` holds: analytics cells, change
/// events, the partnership network, the results of a bulk write (`mutation`: the field is a
/// mutation).
pub(super) fn root_lists(name: &str, argument: &Arguments<'_>, mutation: bool) -> Vec<(&'static str, u64)> {
    let periods = || series_length(argument);
    let territories = || territories_asked(argument);
    let organisation_dimension = || match argument("groupBy") {
        Some(Value::Enum(dimension)) => organisation_dimension_size(dimension.as_str()),
        _ => 1,
    };
    match name {
        "changes" => {
            let first = argument("first").and_then(count).unwrap_or(FEED_DEFAULT_PAGE);
            vec![("events", first)]
        }
        "procurementIndicators" => {
            let groups = match argument("groupBy") {
                Some(Value::List(groupings)) => groupings.iter().fold(1_u64, |cells, grouping| {
                    cells.saturating_mul(procurement_dimension_size(argument, grouping))
                }),
                Some(grouping @ Value::Object(_)) => procurement_dimension_size(argument, &grouping),
                _ => 1,
            };
            vec![("cells", groups)]
        }
        "procurementTimeSeries" => vec![("cells", periods())],
        "organisationIndicators" => vec![("cells", territories().saturating_mul(organisation_dimension()))],
        "organisationTimeSeries" => vec![
            ("totals", periods()),
            ("cells", periods().saturating_mul(organisation_dimension())),
        ],
        "partnershipIndicators" => vec![("cells", territories().saturating_mul(PARTNERSHIP_TYPES))],
        "partnershipTimeSeries" => vec![("cells", periods().saturating_mul(PARTNERSHIP_TYPES))],
        "partnershipNetwork" => vec![("nodes", NETWORK_NODES), ("edges", NETWORK_EDGES)],
        // Every edge has its two ends: at most twice as many nodes as edges.
        "foodSupplyNetwork" => vec![("nodes", 2 * FOOD_NETWORK_EDGES), ("edges", FOOD_NETWORK_EDGES)],
        _ if mutation => {
            let items = items(argument).max(1);
            vec![("results", items), ("userErrors", items)]
        }
        _ => Vec::new(),
    }
}

/// Periods of a series (`period` cut by `granularity`), computed from the dates; the cap
/// of a series when they cannot be read.
fn series_length(argument: &Arguments<'_>) -> u64 {
    match argument("granularity") {
        Some(Value::Enum(granularity)) => periods_of(argument, granularity.as_str()),
        _ => MAX_SERIES_PERIODS,
    }
}

/// Periods of `granularity` in the `period` argument (`{from, to}`); the cap of a series when
/// its dates cannot be read.
fn periods_of(argument: &Arguments<'_>, granularity: &str) -> u64 {
    let Some(Value::Object(period)) = argument("period") else {
        return MAX_SERIES_PERIODS;
    };
    let date = |name: &str| match period.get(name) {
        Some(Value::String(date)) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
        _ => None,
    };
    match (date("from"), date("to")) {
        (Some(from), Some(to)) => series_periods(from, to, granularity).unwrap_or(MAX_SERIES_PERIODS),
        _ => MAX_SERIES_PERIODS,
    }
}

/// Territories of the `level` argument inside the `territory` argument, at most.
fn territories_asked(argument: &Arguments<'_>) -> u64 {
    let level = |value: Option<&Value>| match value {
        Some(Value::Enum(level)) => Some(level.to_string()),
        _ => None,
    };
    let outer = match argument("territory") {
        Some(Value::Object(territory)) => level(territory.get("level")),
        _ => None,
    };
    let inner = level(argument("level").as_ref());
    territories_within(outer.as_deref(), inner.as_deref())
}

/// Groups of one procurement grouping (`{dimension, level}`).
fn procurement_dimension_size(argument: &Arguments<'_>, grouping: &Value) -> u64 {
    let Value::Object(grouping) = grouping else {
        return 1;
    };
    let dimension = match grouping.get("dimension") {
        Some(Value::Enum(dimension)) => dimension.as_str(),
        _ => return 1,
    };
    let level = match grouping.get("level") {
        Some(Value::Enum(level)) => Some(level.as_str()),
        _ => None,
    };
    match dimension {
        "YEAR" | "QUARTER" | "MONTH" => periods_of(argument, dimension),
        "BUYER" => BUYERS_ESTIMATE,
        "BUYER_TERRITORY" | "SUPPLIER_TERRITORY" => territory_groups(level.unwrap_or("EPCI")),
        "SUPPLIER_SSE_FAMILY" => SSE_FAMILIES,
        "SUPPLIER_LABEL" => LABEL_KINDS,
        "CPV_DIVISION" => CPV_DIVISIONS,
        "PROCEDURE" => PROCEDURES,
        "LOCALITY_LEVEL" => LOCALITY_LEVELS,
        _ => UNPAGED_LIST_ESTIMATE,
    }
}
