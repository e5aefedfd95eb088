//! The analytics service, between the store and GraphQL: it runs the indicator statements of
//! `store::analytics*` (every figure is computed there by SQL `GROUP BY`), splits periods for
//! time series, fills the cells a chart needs without gaps, and applies statistical
//! confidentiality ([`crate::domain::disclosure`]) to the cells. It knows nothing of GraphQL:
//! resolvers convert arguments into its queries and wrap what it returns.

pub mod food;
pub mod organisations;
pub mod partnerships;
pub mod periods;
pub mod procurement;

use crate::domain::disclosure::{self, CellFacts, Suppression};

/// Whether, and with which threshold, statistical confidentiality applies to a caller's
/// figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// Minimum number of distinct contributors behind a published cell.
    pub threshold: i64,
    /// Whether cells are withheld at all (not for callers who may see every cell).
    pub applies: bool,
}

impl Disclosure {
    /// The suppression of each of `cells` and of their total, whose contributors are
    /// `total_contributors`; nothing is withheld when the rule does not apply.
    pub fn decide(self, cells: &[CellFacts], total_contributors: i64) -> disclosure::Decision {
        if self.applies {
            disclosure::decide(cells, total_contributors, self.threshold)
        } else {
            disclosure::Decision {
                cells: vec![None; cells.len()],
                total: None,
            }
        }
    }
}

/// A cell with its confidentiality decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Published<T> {
    /// The figures, as computed.
    pub cell: T,
    /// Why they are withheld, when they are.
    pub suppression: Option<Suppression>,
}

/// A table of cells and its total, each with its confidentiality decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<T> {
    /// The whole scope.
    pub total: Published<T>,
    /// One entry per group.
    pub cells: Vec<Published<T>>,
}

impl<T> Table<T> {
    /// Applies `disclosure` to `cells` and `total`, described for the rule by `facts`.
    fn decide(disclosure: Disclosure, total: T, total_contributors: i64, cells: Vec<T>, facts: &[CellFacts]) -> Self {
        let decision = disclosure.decide(facts, total_contributors);
        Table {
            total: Published {
                cell: total,
                suppression: decision.total,
            },
            cells: cells
                .into_iter()
                .zip(decision.cells)
                .map(|(cell, suppression)| Published { cell, suppression })
                .collect(),
        }
    }
}

/// What the rule needs to know of a count of organisations under `keys`.
fn organisation_facts(keys: Vec<String>, organisations: i64) -> CellFacts {
    CellFacts {
        keys,
        contributors: organisations,
        #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
        size: organisations as f64,
        empty: organisations == 0,
    }
}
