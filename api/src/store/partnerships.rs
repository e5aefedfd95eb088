//! Partnerships and their parties.

use entity::{partnership, partnership_party};
use sea_orm::{ConnectionTrait, IntoActiveModel};

use super::{DbContext, StoreError, insert_chunked, insert_logged};

/// Inserts new partnerships with their parties, logging each partnership in the change log
/// (parties are part of their partnership's record). Call inside a transaction.
pub async fn insert_new<C: ConnectionTrait>(
    db: &C,
    partnerships: Vec<partnership::Model>,
    parties: Vec<partnership_party::Model>,
) -> Result<(), StoreError> {
    insert_logged(db, partnerships)
        .await
        .context("inserting partnerships")?;
    insert_chunked(
        db,
        parties.into_iter().map(IntoActiveModel::into_active_model).collect(),
    )
    .await
    .context("inserting partnership parties")?;
    Ok(())
}
