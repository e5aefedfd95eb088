//! Input bounds: one documented bound for every argument and input field, checked on the
//! request's document before anything executes.
//!
//! The check walks the selected operation (fragments included), and for every argument of
//! every field reads its value (a literal, a variable, or a variable's default) against the
//! argument's type in the schema, descending into input objects and lists. Each value meets
//! the bound of its kind unless [`OVERRIDES`] names another one for that input field or
//! argument:
//!
//! - a list: at most [`DEFAULT_LIST_ITEMS`] items, [`DEFAULT_ID_LIST_ITEMS`] for a list of
//!   ids;
//! - a `String`: at most [`DEFAULT_STRING_CHARS`] characters; an `ID`:
//!   [`DEFAULT_ID_CHARS`];
//! - an `Int`: 0 to 2 147 483 647 (no argument or input field takes a negative integer);
//! - a `Float`: [`DEFAULT_FLOAT`] (every float field of the schema has its own bound);
//! - a `Decimal` (euros): -[`MAX_DECIMAL`] to [`MAX_DECIMAL`] (each amount field refuses a
//!   negative value itself: a write answers it as the item's user error, not the request's);
//! - a `NaiveDate`: `YYYY-MM-DD` between [`EARLIEST_DATE`] and [`LATEST_DATE`]; a `DateTime`:
//!   RFC 3339 with a year from 1900 to 2100 (signed or 5-digit years are refused);
//! - enums and booleans are bounded by their type.
//!
//! A value over its bound is refused with `BAD_USER_INPUT`; `extensions.field` is the path
//! of the value from the field (`organisations.filter.naf`), `extensions.value` its size or
//! value, and the message names both and the bound:
//! `invalid organisations.filter.naf "20000 items": must have at most 100 items`. Nothing is
//! executed. Page sizes (`first`, `last`) are reported under the argument's name, as the
//! connections report them. A few bounds (the bulk mutations' items, the search circles) are
//! [`Bound::Checked`]: the field checks them itself, before any SQL, with its own field name;
//! they are listed here so the documentation lists every bound.
//!
//! Semantic validation (codes, date orders, one-of rules) stays with the input types
//! (`graphql/filters.rs` and the like). This module must not know about HTTP or the database.

mod scalars;
#[cfg(test)]
mod tests;
mod walk;

use std::collections::{HashMap, HashSet};

use async_graphql::{
    Name, ServerError, Value, Variables,
    parser::types::{ExecutableDocument, OperationDefinition},
    registry::Registry,
};

use self::walk::Walk;
use crate::graphql::operation;

/// Most items of a list, unless overridden.
pub const DEFAULT_LIST_ITEMS: usize = 100;
/// Most items of a list of ids (`[ID!]`), unless overridden.
pub const DEFAULT_ID_LIST_ITEMS: usize = 500;
/// Most characters of a `String`, unless overridden.
pub const DEFAULT_STRING_CHARS: usize = 1_000;
/// Most characters of an `ID`, unless overridden.
pub const DEFAULT_ID_CHARS: usize = 200;
/// Range of a `Float`, unless overridden.
pub const DEFAULT_FLOAT: (f64, f64) = (-1_000_000.0, 1_000_000.0);
/// Largest `Decimal` (euros) accepted, either sign.
pub const MAX_DECIMAL: f64 = 1e15;
/// Earliest date accepted.
pub const EARLIEST_DATE: &str = "1900-01-01";
/// Latest date accepted.
pub const LATEST_DATE: &str = "2100-12-31";
/// Most words of a name search, after folding (see `domain::text`).
pub const MAX_SEARCH_WORDS: usize = 8;

/// The bound of one input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A list of at most this many items.
    Items(usize),
    /// A string of at most this many characters.
    Chars(usize),
    /// A name search of at most this many words once folded (besides its characters).
    Words(usize),
    /// A number from `min` to `max`, both included.
    Range(f64, f64),
    /// A number above 0 and at most this.
    AboveZero(f64),
    /// A page size from 0 to this, reported under the argument's own name (`first`), as the
    /// connection itself reports it.
    Page(u32),
    /// Checked by the field itself, before any SQL: what the bound is.
    Checked(&'static str),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Items(n) => write!(f, "at most {n} items"),
            Bound::Chars(n) => write!(f, "at most {n} characters"),
            Bound::Words(n) => write!(f, "at most {n} words"),
            Bound::Range(min, max) => write!(f, "{min} to {max}"),
            Bound::AboveZero(max) => write!(f, "above 0, at most {max}"),
            Bound::Page(max) => write!(f, "0 to {max}"),
            Bound::Checked(what) => f.write_str(what),
        }
    }
}

/// The items of a bulk write, checked by the mutation itself (each answers the excess as its
/// user error `items`).
const BULK_ITEMS: Bound = Bound::Checked("1000 (user error `items`)");

/// Bounds other than the defaults, by input: `InputType.field` for an input object's field,
/// `Type.field(argument)` for an argument, `*(argument)` for that argument of any field. A
/// path may have several bounds (a list's items and their characters). The API
/// documentation's "Input bounds" table lists the same rows (a test keeps them equal).
pub const OVERRIDES: &[(&str, Bound)] = &[
    // Paging, reported as the connection reports it (field `first` or `last`).
    ("*(first)", Bound::Page(500)),
    ("*(last)", Bound::Page(500)),
    ("Query.changes(first)", Bound::Page(1_000)),
    ("Query.auditLog(first)", Bound::Page(1_000)),
    ("Query.auditLog(last)", Bound::Page(1_000)),
    ("*(after)", Bound::Chars(2_000)),
    ("*(before)", Bound::Chars(2_000)),
    // Look-ups by id or code.
    ("Query.nodes(ids)", Bound::Items(500)),
    ("TerritoryRef.code", Bound::Chars(20)),
    ("Query.territory(code)", Bound::Chars(20)),
    ("Query.organisation(siren)", Bound::Chars(20)),
    ("Query.organisation(siret)", Bound::Chars(20)),
    ("Query.organisation(rna)", Bound::Chars(20)),
    ("Query.establishment(siret)", Bound::Chars(20)),
    ("Query.contract(uid)", Bound::Chars(100)),
    ("BuyerScopeInput.buyerSiren", Bound::Chars(20)),
    // Filters.
    ("OrganisationFilterInput.naf", Bound::Items(100)),
    ("OrganisationFilterInput.legalCategories", Bound::Items(100)),
    ("OrganisationFilterInput.territories", Bound::Items(100)),
    ("OrganisationFilterInput.name", Bound::Chars(500)),
    ("OrganisationFilterInput.name", Bound::Words(MAX_SEARCH_WORDS)),
    ("TerritoryFilterInput.name", Bound::Chars(500)),
    ("TerritoryFilterInput.name", Bound::Words(MAX_SEARCH_WORDS)),
    ("ContractFilterInput.ids", Bound::Items(500)),
    ("ContractFilterInput.buyers", Bound::Items(500)),
    ("ContractFilterInput.suppliers", Bound::Items(500)),
    ("ContractFilterInput.cpvPrefixes", Bound::Items(100)),
    ("ContractFilterInput.procedures", Bound::Items(100)),
    ("PartnershipFilterInput.ids", Bound::Items(500)),
    ("PartnershipFilterInput.parties", Bound::Items(500)),
    ("SupplyLinkFilterInput.ids", Bound::Items(500)),
    ("SupplyLinkFilterInput.buyers", Bound::Items(500)),
    ("SupplyLinkFilterInput.suppliers", Bound::Items(500)),
    ("SupplyLinkFilterInput.foodProjects", Bound::Items(500)),
    ("SupplyLinkFilterInput.buyerTerritories", Bound::Items(100)),
    ("FoodProjectFilterInput.search", Bound::Chars(500)),
    ("FoodProjectFilterInput.search", Bound::Words(MAX_SEARCH_WORDS)),
    ("FoodProjectFilterInput.codes", Bound::Items(100)),
    ("FoodProjectFilterInput.territories", Bound::Items(100)),
    ("Query.foodProject(code)", Bound::Chars(100)),
    ("Query.canteen(siret)", Bound::Chars(20)),
    ("CanteenFilterInput.ids", Bound::Items(500)),
    ("OrganicOperatorFilterInput.ids", Bound::Items(500)),
    ("OrganicOperatorFilterInput.foodProjects", Bound::Items(500)),
    ("OrganicOperatorFilterInput.territories", Bound::Items(100)),
    ("CanteenFilterInput.foodProjects", Bound::Items(500)),
    ("CanteenFilterInput.territories", Bound::Items(100)),
    ("CanteenFilterInput.search", Bound::Chars(500)),
    ("CanteenFilterInput.search", Bound::Words(MAX_SEARCH_WORDS)),
    (
        "NearInput.latitude",
        Bound::Checked("-90 to 90 (field `near.latitude`)"),
    ),
    (
        "NearInput.longitude",
        Bound::Checked("-180 to 180 (field `near.longitude`)"),
    ),
    (
        "NearInput.radiusKm",
        Bound::Checked("above 0, at most 1000 (field `near.radiusKm`)"),
    ),
    (
        "SupplierLocalityInput.radiusKm",
        Bound::Checked("above 0, at most 20000 (field `filter.supplierLocality.radiusKm`)"),
    ),
    (
        "LocalityInput.withinKm",
        Bound::Checked("above 0, at most 20000 (field `locality.withinKm`)"),
    ),
    (
        "Query.procurementIndicators(groupBy)",
        Bound::Checked("at most 2 items (field `groupBy`)"),
    ),
    // Writes.
    ("UpsertOrganisationsInput.items", BULK_ITEMS),
    ("UpsertContractsInput.items", BULK_ITEMS),
    ("UpsertPartnershipsInput.items", BULK_ITEMS),
    ("UpsertLabelsInput.items", BULK_ITEMS),
    ("UpsertEstablishmentsInput.items", BULK_ITEMS),
    ("UpsertIdentifiersInput.items", BULK_ITEMS),
    ("UpsertSupplyLinksInput.items", BULK_ITEMS),
    ("SupplyLinkUpsertItemInput.description", Bound::Chars(10_000)),
    ("SupplyLinkPatchInput.description", Bound::Chars(10_000)),
    ("PartnershipUpsertItemInput.parties", Bound::Items(200)),
    ("PartnershipPatchInput.parties", Bound::Items(200)),
    ("PartnershipUpsertItemInput.description", Bound::Chars(10_000)),
    ("PartnershipPatchInput.description", Bound::Chars(10_000)),
    ("ContractUpsertItemInput.supplierSirets", Bound::Items(100)),
    ("ContractPatchInput.supplierSirets", Bound::Items(100)),
    ("ContractUpsertItemInput.durationMonths", Bound::Range(0.0, 1_200.0)),
    ("ContractPatchInput.durationMonths", Bound::Range(0.0, 1_200.0)),
    ("EstablishmentUpsertItemInput.latitude", Bound::Range(-90.0, 90.0)),
    ("EstablishmentUpsertItemInput.longitude", Bound::Range(-180.0, 180.0)),
    ("EstablishmentPatchInput.latitude", Bound::Range(-90.0, 90.0)),
    ("EstablishmentPatchInput.longitude", Bound::Range(-180.0, 180.0)),
];

/// The bounds [`OVERRIDES`] gives `key` (`Type.field` or `Type.field(argument)`), falling back
/// to the `*(argument)` rows for an argument.
pub(super) fn overrides(key: &str) -> impl Iterator<Item = Bound> + '_ {
    let any_field = key.find('(').map(|open| format!("*{}", &key[open..]));
    let exact: Vec<Bound> = OVERRIDES
        .iter()
        .filter(|(path, _)| *path == key)
        .map(|(_, bound)| *bound)
        .collect();
    let fallback: Vec<Bound> = if exact.is_empty() {
        OVERRIDES
            .iter()
            .filter(|(path, _)| Some(*path) == any_field.as_deref())
            .map(|(_, bound)| *bound)
            .collect()
    } else {
        Vec::new()
    };
    exact.into_iter().chain(fallback)
}

/// Checks the arguments of the operation a request runs against their bounds, on the
/// schema's types (see [`check`]).
pub fn admit(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    check(&super::registry::TYPES, document, operation_name, variables)
}

/// Checks every argument of the operation of `document` that a request runs against its
/// bound (see the module documentation); the `BAD_USER_INPUT` error of the first value over
/// its bound. A document naming no such operation passes (validation reports it).
pub fn check(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<(), ServerError> {
    let Some(operation) = operation::select(document, operation_name) else {
        return Ok(());
    };
    let Some(root) = operation::root_type(registry, operation.node.ty) else {
        return Ok(());
    };
    let mut walk = Walk {
        registry,
        document,
        variables,
        defaults: variable_defaults(&operation.node),
        visited: HashSet::new(),
    };
    walk.selection_set(&operation.node.selection_set, root, 0)
}

/// The operation's defaults of its variables.
fn variable_defaults(operation: &OperationDefinition) -> HashMap<&Name, &Value> {
    operation
        .variable_definitions
        .iter()
        .filter_map(|definition| {
            let default = definition.node.default_value.as_ref()?;
            Some((&definition.node.name.node, &default.node))
        })
        .collect()
}
