//! Public contracts, their suppliers and modifications.

use entity::{contract, contract_modification, contract_supplier};
use sea_orm::{ConnectionTrait, IntoActiveModel};

use super::{DbContext, StoreError, insert_chunked, insert_logged};

/// New contracts with their suppliers and modifications, written together.
#[derive(Debug, Default)]
pub struct NewContracts {
    /// Contracts.
    pub contracts: Vec<contract::Model>,
    /// Their suppliers.
    pub suppliers: Vec<contract_supplier::Model>,
    /// Their modifications.
    pub modifications: Vec<contract_modification::Model>,
}

/// Inserts new contracts with their suppliers and modifications, logging each contract in
/// the change log (suppliers and modifications are part of their contract's record). Call
/// inside a transaction.
pub async fn insert_new<C: ConnectionTrait>(db: &C, new: NewContracts) -> Result<(), StoreError> {
    insert_logged(db, new.contracts).await.context("inserting contracts")?;
    insert_chunked(
        db,
        new.suppliers
            .into_iter()
            .map(IntoActiveModel::into_active_model)
            .collect(),
    )
    .await
    .context("inserting contract suppliers")?;
    insert_chunked(
        db,
        new.modifications
            .into_iter()
            .map(IntoActiveModel::into_active_model)
            .collect(),
    )
    .await
    .context("inserting contract modifications")?;
    Ok(())
}
