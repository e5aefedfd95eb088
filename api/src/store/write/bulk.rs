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

/// Stamps the bulk `upsert` entry point of a record kind whose items are `$fields`: one bulk
/// write ([`run_bulk`]) whose body is the module's own `upsert_in`, called inside the
/// transaction with the writer and the items' source. `$doc` documents it.
macro_rules! bulk_upsert {
    ($(#[$($doc:tt)*])* $fields:ty) => {
        $(#[$($doc)*])*
        pub async fn upsert(
            db: &sea_orm::DatabaseConnection,
            writer: &$crate::store::write::writer::Writer,
            source: Option<String>,
            items: Vec<$fields>,
            atomic: bool,
            options: &$crate::store::write::transaction::WriteOptions,
        ) -> Result<$crate::store::write::result::Outcome<$crate::store::write::result::BulkResult>, $crate::store::StoreError>
        {
            let writer_inner = writer.clone();
            $crate::store::write::bulk::run_bulk(db, writer, source, items.len(), atomic, options, move |txn, source| {
                Box::pin(async move { upsert_in(txn, &writer_inner, &source, items).await })
            })
            .await
        }
    };
}
pub(crate) use bulk_upsert;
