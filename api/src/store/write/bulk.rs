//! What every bulk upsert shares: its size limit and transaction, finding stored records by
//! external id, and settling the checked items.

use sea_orm::DatabaseConnection;

use super::{
    result::{BulkResult, ItemResult, ItemStatus, Outcome, UserError},
    transaction::{Attempt, TxFuture, WriteOptions, run},
    writer::Writer,
};
use crate::{error_code::ErrorCode, store::StoreError};

/// Largest number of items in one bulk upsert.
pub const MAX_BULK_ITEMS: usize = 1000;

/// Runs a bulk upsert: at most [`MAX_BULK_ITEMS`] items, the source checked for `writer`,
/// `body` run in the write's transaction with that source; with `atomic`, any rejected item
/// rolls the whole batch back.
pub async fn run_bulk<F>(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    item_count: usize,
    atomic: bool,
    options: &WriteOptions,
    body: F,
) -> Result<Outcome<BulkResult>, StoreError>
where
    F: for<'t> FnOnce(&'t sea_orm::DatabaseTransaction, String) -> TxFuture<'t, Result<Vec<ItemResult>, StoreError>>
        + Send
        + 'static,
{
    if item_count > MAX_BULK_ITEMS {
        return Ok(Outcome::Rejected(vec![UserError::new(
            "items",
            format!("{item_count} items given, at most {MAX_BULK_ITEMS} per call"),
            ErrorCode::BadUserInput,
        )]));
    }
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let source = match writer_inner.source_for_new(source.as_deref()) {
                Ok(source) => source,
                Err(error) => return Ok(Attempt::reject(vec![error])),
            };
            let result = body(txn, source).await?;
            let rejected = result.iter().any(|item| item.status == ItemStatus::Rejected);
            let commit = !(atomic && rejected);
            Ok(Attempt {
                result: Ok(BulkResult {
                    committed: commit && !result.is_empty(),
                    items: result,
                }),
                commit,
            })
        })
    })
    .await
    .map(|outcome| match outcome {
        Outcome::Validated(mut result) => {
            result.committed = false;
            Outcome::Validated(result)
        }
        other => other,
    })
}
