//! Food supply indicators: the cells of a scope and their total, run side by side, with cells
//! built from too few suppliers withheld (a cell's amounts would tell one supplier's sales);
//! canteen indicators, cells built from too few declaring canteens withheld.

use sea_orm::ConnectionTrait;

use super::{Disclosure, Published, Table};
use crate::{
    domain::disclosure::CellFacts,
    store::{
        StoreError,
        analytics::food::{
            CanteenCell, CanteenDimension, DecpFoodSpend, FoodCell, FoodQuery, FoodScope, canteens, decp_food_spend,
            food,
        },
    },
};

/// The cells of `query` and the total of its scope, with confidentiality applied.
pub async fn indicators<C: ConnectionTrait>(
    db: &C,
    query: &FoodQuery,
    disclosure: Disclosure,
) -> Result<(Table<FoodCell>, Published<DecpFoodSpend>), StoreError> {
    let total_query = FoodQuery {
        group_by: None,
        ..query.clone()
    };
    let (cells, total, spend) = tokio::join!(
        async {
            match query.group_by {
                Some(_) => food(db, query).await,
                None => Ok(Vec::new()),
            }
        },
        food(db, &total_query),
        decp_food_spend(db, query)
    );
    let spend = spend?;
    let spend = Published {
        suppression: disclosure.decide(&[], spend.suppliers).total,
        cell: spend,
    };
    #[expect(clippy::cast_precision_loss, reason = "cents far below 2^52")]
    let facts = |cell: &FoodCell| {
        (
            cell.key.clone(),
            cell.suppliers,
            cell.amount_cents as f64,
            cell.links == 0,
        )
    };
    Ok((table(disclosure, cells?, total?, facts), spend))
}

/// The canteen cells of a scope and year and their total, with confidentiality applied:
/// contributors are the canteens (a cell's shares would tell one canteen's declaration).
pub async fn canteen_indicators<C: ConnectionTrait>(
    db: &C,
    scope: &FoodScope,
    year: i16,
    group_by: Option<CanteenDimension>,
    disclosure: Disclosure,
) -> Result<Table<CanteenCell>, StoreError> {
    let (cells, total) = tokio::join!(
        async {
            match group_by {
                Some(_) => canteens(db, scope, year, group_by).await,
                None => Ok(Vec::new()),
            }
        },
        canteens(db, scope, year, None)
    );
    #[expect(clippy::cast_precision_loss, reason = "meal counts far below 2^52")]
    let facts = |cell: &CanteenCell| {
        (
            cell.key.clone(),
            cell.declaring,
            cell.yearly_meals as f64,
            cell.canteens == 0,
        )
    };
    Ok(table(disclosure, cells?, total?, facts))
}

/// The table of `cells`, split by one dimension, and of the one row of `total`, with
/// confidentiality applied: `facts` gives a cell's key, contributors, size and emptiness.
fn table<T: Default>(
    disclosure: Disclosure,
    cells: Vec<T>,
    total: Vec<T>,
    facts: impl Fn(&T) -> (Option<String>, i64, f64, bool),
) -> Table<T> {
    let total = total.into_iter().next().unwrap_or_default();
    let described: Vec<CellFacts> = cells
        .iter()
        .map(|cell| {
            let (key, contributors, size, empty) = facts(cell);
            CellFacts {
                keys: vec![key.unwrap_or_default()],
                contributors,
                size,
                empty,
            }
        })
        .collect();
    let (_, contributors, _, _) = facts(&total);
    Table::decide(disclosure, total, contributors, cells, &described)
}
