//! The child rows of a contract (its suppliers and modifications), read and compared across
//! writes, replaced when the contract is created or updated.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{contract, contract_modification, contract_supplier};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::{
    result::{ItemResult, ItemStatus},
    settle::ChildRows,
};
use crate::store::{DbContext, StoreError, insert_chunked};

/// The supplier rows of a contract, comparable across writes (ids and times left out).
pub(super) fn supplier_key(row: &contract_supplier::Model) -> (i16, String, Option<Uuid>) {
    (row.position, row.id_value.clone(), row.establishment_id)
}

/// The initial suppliers (not brought by a modification) of these contracts.
pub(super) async fn suppliers_of<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<contract_supplier::Model>>, StoreError> {
    let mut suppliers: HashMap<Uuid, Vec<contract_supplier::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(suppliers);
    }
    for row in contract_supplier::Entity::find()
        .filter(contract_supplier::Column::ContractId.is_in(ids))
        .filter(contract_supplier::Column::FromModification.eq(0))
        .all(db)
        .await
        .context("loading contract suppliers")?
    {
        suppliers.entry(row.contract_id).or_default().push(row);
    }
    Ok(suppliers)
}

/// The modifications of these contracts.
pub(super) async fn modifications_of<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<contract_modification::Model>>, StoreError> {
    let mut modifications: HashMap<Uuid, Vec<contract_modification::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(modifications);
    }
    for row in contract_modification::Entity::find()
        .filter(contract_modification::Column::ContractId.is_in(ids))
        .all(db)
        .await
        .context("loading contract modifications")?
    {
        modifications.entry(row.contract_id).or_default().push(row);
    }
    Ok(modifications)
}

/// The modification rows of a contract, comparable across writes (ids and times left out).
pub(super) fn modification_key(
    row: &contract_modification::Model,
) -> (i32, Option<NaiveDate>, Option<NaiveDate>, Option<i32>, Option<i64>) {
    (
        row.seq,
        row.notified_on,
        row.published_on,
        row.new_duration_months,
        row.new_amount_cents,
    )
}

/// A checked contract: its row, its initial supplier rows and its modification rows (`None`:
/// keep the stored ones).
pub(super) struct CheckedContract {
    pub(super) model: contract::Model,
    pub(super) suppliers: Option<Vec<contract_supplier::Model>>,
    pub(super) modifications: Option<Vec<contract_modification::Model>>,
}

impl CheckedContract {
    /// The child rows that differ from the stored ones: `suppliers` when the initial suppliers
    /// are given and differ, `modifications` when the modifications are given and differ.
    pub(super) fn children_changed(
        &self,
        stored_suppliers: Option<&Vec<contract_supplier::Model>>,
        stored_modifications: Option<&Vec<contract_modification::Model>>,
    ) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if let Some(new) = &self.suppliers {
            let mut old_rows: Vec<_> =
                stored_suppliers.map_or_else(Vec::new, |rows| rows.iter().map(supplier_key).collect());
            old_rows.sort();
            let new_rows: Vec<_> = new.iter().map(supplier_key).collect();
            if old_rows != new_rows {
                changed.push("suppliers");
            }
        }
        if let Some(new) = &self.modifications {
            let mut old_rows: Vec<_> =
                stored_modifications.map_or_else(Vec::new, |rows| rows.iter().map(modification_key).collect());
            old_rows.sort();
            let mut new_rows: Vec<_> = new.iter().map(modification_key).collect();
            new_rows.sort();
            if old_rows != new_rows {
                changed.push("modifications");
            }
        }
        changed
    }
}

/// Child rows to write once the contracts are settled: the suppliers and modifications of
/// created contracts, and the replacements of those of updated ones whose suppliers or
/// modifications changed.
#[derive(Default)]
pub(super) struct Children {
    pub(super) replaced_suppliers: Vec<Uuid>,
    pub(super) suppliers: Vec<contract_supplier::Model>,
    pub(super) replaced_modifications: Vec<Uuid>,
    pub(super) modifications: Vec<contract_modification::Model>,
}

impl ChildRows for Children {
    /// Replaces the initial suppliers and the modifications (call after the new contracts are
    /// inserted).
    async fn write<C: ConnectionTrait>(self, db: &C) -> Result<(), StoreError> {
        if !self.replaced_suppliers.is_empty() {
            contract_supplier::Entity::delete_many()
                .filter(contract_supplier::Column::ContractId.is_in(self.replaced_suppliers))
                .filter(contract_supplier::Column::FromModification.eq(0))
                .exec(db)
                .await
                .context("replacing contract suppliers")?;
        }
        if !self.replaced_modifications.is_empty() {
            contract_modification::Entity::delete_many()
                .filter(contract_modification::Column::ContractId.is_in(self.replaced_modifications))
                .exec(db)
                .await
                .context("replacing contract modifications")?;
        }
        insert_chunked(
            db,
            self.modifications
                .into_iter()
                .map(IntoActiveModel::into_active_model)
                .collect(),
        )
        .await
        .context("inserting contract modifications")?;
        insert_chunked(
            db,
            self.suppliers
                .into_iter()
                .map(IntoActiveModel::into_active_model)
                .collect(),
        )
        .await
        .context("inserting contract suppliers")
    }
}

impl Children {
    /// Queues the child rows of a settled contract; those of a stored contract (`stored`) go
    /// when `changed` names them.
    pub(super) fn add(
        &mut self,
        result: &ItemResult,
        stored: bool,
        changed: &[&'static str],
        suppliers: Option<Vec<contract_supplier::Model>>,
        modifications: Option<Vec<contract_modification::Model>>,
    ) {
        let Some(id) = result.id else {
            return;
        };
        let replace = |what: &str| match result.status {
            ItemStatus::Created => Some(false),
            ItemStatus::Updated if stored && changed.contains(&what) => Some(true),
            _ => None,
        };
        if let (Some(rows), Some(replace)) = (suppliers, replace("suppliers")) {
            if replace {
                self.replaced_suppliers.push(id);
            }
            self.suppliers.extend(rows.into_iter().map(|mut row| {
                row.contract_id = id;
                row
            }));
        }
        if let (Some(rows), Some(replace)) = (modifications, replace("modifications")) {
            if replace {
                self.replaced_modifications.push(id);
            }
            self.modifications.extend(rows.into_iter().map(|mut row| {
                row.contract_id = id;
                row
            }));
        }
    }
}
