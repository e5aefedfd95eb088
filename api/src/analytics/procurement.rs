//! Procurement indicators: a grouped aggregate and the total of its scope, run side by side,
//! time-series cells filled for every period, and cells built from too few suppliers
//! withheld.

use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;

use super::{Disclosure, Table};
use crate::{
    domain::disclosure::CellFacts,
    store::{
        StoreError,
        analytics::{ProcurementCell, ProcurementQuery, procurement},
    },
};

/// The cells of `query` and the total of its scope, with confidentiality applied. With
/// `periods` (keys of the only, period, dimension), a period without contracts gets an
/// empty cell, so a series has no gap.
pub async fn indicators<C: ConnectionTrait>(
    db: &C,
    query: &ProcurementQuery,
    periods: Option<Vec<String>>,
    disclosure: Disclosure,
) -> Result<Table<ProcurementCell>, StoreError> {
    let total_query = ProcurementQuery {
        group_by: Vec::new(),
        ..query.clone()
    };
    // The cells and the total are independent statements: run them side by side.
    let (cells, total) = tokio::join!(procurement(db, query), procurement(db, &total_query));
    let mut cells = cells?;
    let total = total?.into_iter().next().unwrap_or_default();
    if let Some(periods) = periods {
        let present: BTreeSet<String> = cells.iter().map(|c| c.keys[0].clone()).collect();
        for period in periods.into_iter().filter(|p| !present.contains(p)) {
            cells.push(ProcurementCell {
                keys: vec![period],
                labels: vec![None],
                ..ProcurementCell::default()
            });
        }
        cells.sort_by(|a, b| a.keys.cmp(&b.keys));
    }
    let facts: Vec<CellFacts> = cells
        .iter()
        .map(|cell| CellFacts {
            keys: cell.keys.clone(),
            contributors: cell.suppliers,
            size: cell.amount_cents,
            empty: cell.contracts == 0,
        })
        .collect();
    let total_suppliers = total.suppliers;
    Ok(Table::decide(disclosure, total, total_suppliers, cells, &facts))
}
