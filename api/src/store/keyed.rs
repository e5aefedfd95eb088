//! Rows of reference lists written by their importers, keyed by a natural key (a canteen's
//! SIRET, an organic operator's number): a new key is CREATED, a row that differs from the
//! stored one is UPDATED, an equal one UNCHANGED, nothing logged (these lists are not synced
//! records).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};

use super::{
    DbContext, StoreError, insert_chunked,
    rows::{FetchModels, FromRow},
};
use crate::store::write::ItemStatus;

/// How a keyed row is written: its key column, the key of a row, and how a new row takes the
/// stored one's identity (id, creation and update times) before they are compared.
pub(crate) struct Keyed<E: EntityTrait> {
    /// The unique key column.
    pub column: E::Column,
    /// The key of a row.
    pub key: fn(&E::Model) -> String,
    /// Gives `new` the id and times of `stored`.
    pub adopt: fn(&mut E::Model, &E::Model),
    /// Sets the update time of a changed row.
    pub touch: fn(&mut E::Model, DateTime<Utc>),
    /// What is written, for database errors.
    pub what: &'static str,
}

impl<E> Keyed<E>
where
    E: EntityTrait<Model: FromRow + PartialEq + Clone + IntoActiveModel<E::ActiveModel>>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    /// Writes `rows` (new ids and times `now`), each CREATED, UPDATED or UNCHANGED, in order.
    /// Call inside a transaction.
    pub(crate) async fn write<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: Vec<E::Model>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ItemStatus>, StoreError> {
        let keys: Vec<String> = rows.iter().map(self.key).collect();
        let stored: HashMap<String, E::Model> = E::find()
            .filter(self.column.is_in(keys))
            .fetch_all(db)
            .await
            .context(self.what)?
            .into_iter()
            .map(|row| ((self.key)(&row), row))
            .collect();
        let (mut inserts, mut statuses) = (Vec::new(), Vec::with_capacity(rows.len()));
        for mut row in rows {
            let Some(old) = stored.get(&(self.key)(&row)) else {
                inserts.push(row.into_active_model());
                statuses.push(ItemStatus::Created);
                continue;
            };
            (self.adopt)(&mut row, old);
            if row == *old {
                statuses.push(ItemStatus::Unchanged);
                continue;
            }
            (self.touch)(&mut row, now);
            row.into_active_model()
                .reset_all()
                .update(db)
                .await
                .context(self.what)?;
            statuses.push(ItemStatus::Updated);
        }
        insert_chunked(db, inserts).await.context(self.what)?;
        Ok(statuses)
    }
}
