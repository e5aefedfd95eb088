//! All database access. One module per aggregate; each returns entity models or plain
//! structs and knows nothing of GraphQL or HTTP.
//!
//! Every write to a syncable record goes through this module, inside a transaction that also
//! appends to the change log ([`changes`]). Aggregations are done in SQL, never by loading
//! rows into Rust.

pub mod analytics;
pub mod analytics_series;
pub mod award_lines;
pub mod canteens;
pub mod changes;
pub mod contracts;
pub mod food_projects;
mod keyed;
pub mod keys;
pub mod organic;
pub mod organisations;
pub mod page;
pub mod partnerships;
pub mod persisted_queries;
pub mod rows;
pub mod supply_links;
pub mod territories;
pub mod write;

mod json_insert;

use entity::{
    contract, enums::ChangeOp, establishment, organisation, organisation_identifier, organisation_label, partnership,
    supply_link,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, Iterable};
use uuid::Uuid;

use crate::domain::ValidationError;

/// What a store function can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input is invalid; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database failed; `context` says what the store was doing.
    #[error("database error while {context}: {source}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: DbErr,
    },
}

impl StoreError {
    /// A paging failure: an invalid cursor, or the database (with `context`).
    pub fn from_page(error: page::PageError, context: &'static str) -> Self {
        match error {
            page::PageError::Invalid(invalid) => StoreError::Invalid(invalid),
            page::PageError::Database(source) => StoreError::Database { context, source },
        }
    }
}

/// Adds context to a database result.
pub trait DbContext<T> {
    /// Wraps a database error with what the store was doing.
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> DbContext<T> for Result<T, DbErr> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database { context, source })
    }
}

/// Refreshes the planner statistics after a bulk write (reference load, demo seed, import),
/// so the first queries use the indexes instead of plans made for empty tables.
pub async fn refresh_statistics<C: ConnectionTrait>(db: &C) -> Result<(), StoreError> {
    db.execute_unprepared("ANALYZE")
        .await
        .context("refreshing planner statistics")?;
    Ok(())
}

/// Largest number of bound parameters put in one statement (SQLite allows 32 766,
/// PostgreSQL 65 535).
const MAX_PARAMS_PER_STATEMENT: usize = 30_000;

/// Inserts rows in multi-row statements: on PostgreSQL the rows of a statement are one JSON
/// parameter ([`json_insert`]); otherwise (and for value kinds the JSON form does not handle)
/// `VALUES` lists sized to stay under the parameter limit of both databases. Call inside a
/// transaction: a failure leaves earlier chunks written.
pub(crate) async fn insert_chunked<A, C>(db: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    if rows.len() > 1
        && db.get_database_backend() == DbBackend::Postgres
        && let Some(statements) = json_insert::statements(&rows)?
    {
        for statement in statements {
            db.execute_raw(statement).await?;
        }
        return Ok(());
    }
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count().max(1);
    let per_statement = (MAX_PARAMS_PER_STATEMENT / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A record partners can sync: it has an id and a version, and its writes are logged.
pub(crate) trait Synced {
    /// Entity name used in the change log.
    const ENTITY: &'static str;
    /// The row's id and version.
    fn sync_key(&self) -> (Uuid, i32);
    /// Sets the version and the time of the change.
    fn set_version(&mut self, version: i32, at: chrono::DateTime<chrono::Utc>);
    /// Source system of the record (a partner writes only its own).
    fn source(&self) -> &str;
    /// The record's id in its source.
    fn external_id(&self) -> Option<&str>;
    /// Whether the record is soft-deleted.
    fn is_deleted(&self) -> bool;
    /// The organisation whose SSE classification depends on this record (a label's holder);
    /// `None` for records no classification reads.
    fn classified_holder(&self) -> Option<Uuid> {
        None
    }
}

macro_rules! synced {
    ($($module:ident => $name:literal $(, classifies $holder:ident)?);* $(;)?) => {$(
        impl Synced for $module::Model {
            const ENTITY: &'static str = $name;
            fn sync_key(&self) -> (Uuid, i32) {
                (self.id, self.version)
            }
            fn set_version(&mut self, version: i32, at: chrono::DateTime<chrono::Utc>) {
                self.version = version;
                self.updated_at = at;
            }
            fn source(&self) -> &str {
                &self.source
            }
            fn external_id(&self) -> Option<&str> {
                self.external_id.as_deref()
            }
            fn is_deleted(&self) -> bool {
                self.deleted_at.is_some()
            }
            $(fn classified_holder(&self) -> Option<Uuid> {
                Some(self.$holder)
            })?
        }
    )*};
}

synced!(
    organisation => "organisation";
    establishment => "establishment";
    organisation_identifier => "organisation_identifier";
    organisation_label => "organisation_label", classifies organisation_id;
    partnership => "partnership";
    contract => "contract";
    supply_link => "supply_link";
);

/// Inserts new syncable records and appends one change-log entry for each. Call inside a
/// transaction so the rows and their log entries commit together.
pub(crate) async fn insert_logged<M, A, C>(db: &C, rows: Vec<M>) -> Result<(), DbErr>
where
    M: Synced + IntoActiveModel<A>,
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let keys: Vec<(Uuid, i32)> = rows.iter().map(Synced::sync_key).collect();
    insert_chunked(db, rows.into_iter().map(IntoActiveModel::into_active_model).collect()).await?;
    changes::append(db, M::ENTITY, ChangeOp::Upsert, keys).await
}
