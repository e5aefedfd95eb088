//! The definitions printed with every set of figures (`definitions`): what is counted, which
//! date and amount, the locality rule, the allocation, the estimates and the confidentiality
//! rule, so a dashboard can print an honest footnote.

use super::{super::inputs::TerritoryRef, inputs::BuyerScopeInput, types::IndicatorDefinitions};
use crate::{
    analytics::Disclosure,
    store::analytics::{self as store, AmountBasis, LocalityRule, ProcurementQuery},
};

/// The confidentiality footnote of figures that are public.
pub(super) const PARTNERSHIPS_ARE_PUBLIC: &str = "Not applied: partnerships and their parties are public in this API.";

/// The confidentiality footnote of a table whose cells are built from `contributors`, under
/// `disclosure`; `applied_how` is appended when the rule applies.
pub(super) fn withheld(disclosure: Disclosure, contributors: &str, applied_how: &str) -> String {
    if disclosure.applies {
        format!("{}{applied_how}", confidentiality(disclosure.threshold, contributors))
    } else {
        "Not applied: the caller may see every cell.".into()
    }
}

fn confidentiality(threshold: i64, contributors: &str) -> String {
    format!(
        "A cell built from fewer than {threshold} distinct {contributors} is withheld (null figures, \
         suppressed: true); when a table, row or column would hold exactly one withheld cell, its \
         smallest other non-empty cell is withheld too, so no withheld figure can be recovered by \
         subtraction from a total and a single other cell. Empty cells are never withheld."
    )
}

/// The definitions of procurement indicators of `scope` computed by `query`.
pub(super) fn procurement_definitions(
    scope: &BuyerScopeInput,
    query: &ProcurementQuery,
    disclosure: Disclosure,
) -> IndicatorDefinitions {
    IndicatorDefinitions {
        counted: format!(
            "Public contracts (marchés; concessions excluded), not deleted, notified within the \
             period: {}.",
            scope.describe()
        ),
        date_basis: Some("Notification date (dateNotification), both ends of the period included.".into()),
        amount_basis: Some(match query.amount_basis {
            AmountBasis::Initial => "Initial amount notified at award, euros excluding VAT.".into(),
            AmountBasis::Current => {
                "Current amount after the latest modification (the initial amount when never modified), \
                 euros excluding VAT."
                    .into()
            }
        }),
        locality_rule: Some(match query.locality {
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
        confidentiality: withheld(disclosure, "suppliers", ""),
    }
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

/// What partnership counts and networks of `territory` count.
pub(super) fn partnership_definitions(territory: &TerritoryRef) -> String {
    format!(
        "Partnerships not deleted whose territory is {:?} {} or inside it, whatever their dates and status; \
         organisations are their parties (any role).",
        territory.level, territory.code
    )
}
