//! Food supply indicators: the cells of a scope and their total, run side by side, with cells
//! built from too few suppliers withheld (a cell's amounts would tell one supplier's sales).

use sea_orm::ConnectionTrait;

use super::{Disclosure, Table};
use crate::{
    domain::disclosure::CellFacts,
    store::{
        StoreError,
        analytics::food::{FoodCell, FoodQuery, food},
    },
};

/// The cells of `query` and the total of its scope, with confidentiality applied.
pub async fn indicators<C: ConnectionTrait>(
    db: &C,
    query: &FoodQuery,
    disclosure: Disclosure,
) -> Result<Table<FoodCell>, StoreError> {
    let total_query = FoodQuery {
        group_by: None,
        ..query.clone()
    };
    let (cells, total) = tokio::join!(
        async {
            match query.group_by {
                Some(_) => food(db, query).await,
                None => Ok(Vec::new()),
            }
        },
        food(db, &total_query)
    );
    let cells = cells?;
    let total = total?.into_iter().next().unwrap_or_default();
    #[expect(clippy::cast_precision_loss, reason = "cents far below 2^52")]
    let facts: Vec<CellFacts> = cells
        .iter()
        .map(|cell| CellFacts {
            keys: vec![cell.key.clone().unwrap_or_default()],
            contributors: cell.suppliers,
            size: cell.amount_cents as f64,
            empty: cell.links == 0,
        })
        .collect();
    let suppliers = total.suppliers;
    Ok(Table::decide(disclosure, total, suppliers, cells, &facts))
}
