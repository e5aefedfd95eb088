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
    Ok((Table::decide(disclosure, total, suppliers, cells, &facts), spend))
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
    let cells = cells?;
    let total = total?.into_iter().next().unwrap_or_default();
    #[expect(clippy::cast_precision_loss, reason = "meal counts far below 2^52")]
    let facts: Vec<CellFacts> = cells
        .iter()
        .map(|cell| CellFacts {
            keys: vec![cell.key.clone().unwrap_or_default()],
            contributors: cell.declaring,
            size: cell.yearly_meals as f64,
            empty: cell.canteens == 0,
        })
        .collect();
    let declaring = total.declaring;
    Ok(Table::decide(disclosure, total, declaring, cells, &facts))
}
