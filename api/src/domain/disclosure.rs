//! Statistical confidentiality of grouped figures: which cells of a table are withheld from
//! callers who may not see small counts.
//!
//! The rule (documented for users in `docs/ANALYTICS.md`):
//!
//! 1. **Primary suppression**: a non-empty cell built from fewer than `threshold` distinct
//!    contributors (suppliers for procurement, organisations for organisation counts) is
//!    suppressed. Empty cells (no contract, no organisation) reveal nothing and are never
//!    suppressed.
//! 2. **Secondary suppression**: a suppressed cell must not be recoverable by subtracting the
//!    other cells from a published total. Cells are considered in groups: the whole table
//!    (whose total is published), and for a two-dimensional table every row and every column
//!    (whose totals a dashboard can obtain from the one-dimensional query). Whenever a group
//!    holds exactly one suppressed non-empty cell, its smallest other non-empty cell (by
//!    size, then by keys) is suppressed too; this repeats until no group has a lone
//!    suppressed cell. A row or column whose only non-empty cell is suppressed needs no
//!    complement: its margin equals that cell and is withheld by the same rule. When the whole
//!    table has a lone suppressed cell and nothing else to suppress, the table total is
//!    suppressed instead.
//! 3. The total of a table is itself suppressed when built from fewer than `threshold`
//!    contributors.
//!
//! This module is pure: the caller says who the caller is (see
//! `graphql::analytics::may_see_unsuppressed`) and applies the result.

use std::collections::BTreeMap;

/// Default minimum number of distinct contributors behind a published cell.
pub const DEFAULT_THRESHOLD: i64 = 3;

/// Why a cell is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    /// Too few contributors behind the cell.
    Primary,
    /// Withheld to protect another suppressed cell from subtraction.
    Secondary,
}

/// What the rule needs to know of a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellFacts {
    /// Group keys, one per dimension.
    pub keys: Vec<String>,
    /// Distinct contributors.
    pub contributors: i64,
    /// Size used to choose the complementary cell (e.g. amount or count).
    pub size: f64,
    /// Whether the cell is empty (nothing counted).
    pub empty: bool,
}

/// Which cells of a table are suppressed, and whether its total is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// One entry per cell, in the order given.
    pub cells: Vec<Option<Suppression>>,
    /// The total's suppression.
    pub total: Option<Suppression>,
}

/// Applies the rule of the module doc to a table of `cells` whose total has
/// `total_contributors` contributors.
pub fn decide(cells: &[CellFacts], total_contributors: i64, threshold: i64) -> Decision {
    let mut decisions: Vec<Option<Suppression>> = cells
        .iter()
        .map(|cell| (!cell.empty && cell.contributors < threshold).then_some(Suppression::Primary))
        .collect();
    let total_primary = total_contributors > 0 && total_contributors < threshold;
    let mut total = total_primary.then_some(Suppression::Primary);

    // Groups of cell indices: the whole table first, then rows and columns.
    let mut groups: Vec<(bool, Vec<usize>)> = vec![(true, (0..cells.len()).collect())];
    let arity = cells.first().map_or(0, |cell| cell.keys.len());
    if arity == 2 {
        for dimension in 0..2 {
            let mut lines: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (i, cell) in cells.iter().enumerate() {
                lines.entry(cell.keys[dimension].as_str()).or_default().push(i);
            }
            groups.extend(lines.into_values().map(|members| (false, members)));
        }
    }

    loop {
        let mut changed = false;
        for (whole_table, members) in &groups {
            let non_empty: Vec<usize> = members.iter().copied().filter(|&i| !cells[i].empty).collect();
            let suppressed = non_empty.iter().filter(|&&i| decisions[i].is_some()).count();
            if suppressed != 1 {
                continue;
            }
            let complement = non_empty
                .iter()
                .copied()
                .filter(|&i| decisions[i].is_none())
                .min_by(|&a, &b| {
                    cells[a]
                        .size
                        .total_cmp(&cells[b].size)
                        .then_with(|| cells[a].keys.cmp(&cells[b].keys))
                });
            match complement {
                Some(i) => {
                    decisions[i] = Some(Suppression::Secondary);
                    changed = true;
                }
                None if *whole_table && total.is_none() => {
                    total = Some(Suppression::Secondary);
                }
                None => {}
            }
        }
        if !changed {
            break;
        }
    }
    Decision {
        cells: decisions,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(keys: &[&str], contributors: i64, size: f64) -> CellFacts {
        CellFacts {
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            contributors,
            size,
            empty: contributors == 0,
        }
    }

    #[test]
    fn small_cells_are_suppressed_with_the_next_smallest() {
        let cells = [
            cell(&["2019"], 2, 10.0),
            cell(&["2020"], 5, 30.0),
            cell(&["2021"], 8, 20.0),
            cell(&["2022"], 0, 0.0),
        ];
        let decision = decide(&cells, 12, 3);
        assert_eq!(
            decision.cells,
            [Some(Suppression::Primary), None, Some(Suppression::Secondary), None]
        );
        assert_eq!(decision.total, None);
    }

    #[test]
    fn two_suppressed_cells_need_no_complement() {
        let cells = [cell(&["a"], 1, 1.0), cell(&["b"], 2, 2.0), cell(&["c"], 9, 3.0)];
        let decision = decide(&cells, 12, 3);
        assert_eq!(
            decision.cells,
            [Some(Suppression::Primary), Some(Suppression::Primary), None]
        );
    }

    #[test]
    fn a_lone_cell_suppresses_the_total() {
        let cells = [cell(&["a"], 2, 1.0)];
        let decision = decide(&cells, 2, 3);
        assert_eq!(decision.cells, [Some(Suppression::Primary)]);
        assert_eq!(decision.total, Some(Suppression::Primary));
        let decision = decide(&[cell(&["a"], 2, 1.0), cell(&["b"], 0, 0.0)], 4, 3);
        assert_eq!(decision.total, Some(Suppression::Secondary));
    }

    #[test]
    fn rows_and_columns_are_protected() {
        // 2x2 table: one small cell forces its row and column complements, and then the
        // fourth cell, so that no row or column has a lone suppressed cell.
        let cells = [
            cell(&["2019", "45"], 1, 5.0),
            cell(&["2019", "90"], 9, 50.0),
            cell(&["2020", "45"], 9, 40.0),
            cell(&["2020", "90"], 9, 60.0),
        ];
        let decision = decide(&cells, 20, 3);
        assert!(decision.cells.iter().all(Option::is_some), "{decision:?}");
        for dimension in 0..2 {
            for key in ["2019", "2020", "45", "90"] {
                let in_line = cells
                    .iter()
                    .zip(&decision.cells)
                    .filter(|(c, d)| c.keys[dimension] == key && d.is_some())
                    .count();
                assert_ne!(in_line, 1);
            }
        }
    }

    #[test]
    fn nothing_is_suppressed_above_the_threshold() {
        let cells = [cell(&["a"], 3, 1.0), cell(&["b"], 4, 2.0)];
        let decision = decide(&cells, 7, 3);
        assert_eq!(decision.cells, [None, None]);
        assert_eq!(decision.total, None);
    }
}
