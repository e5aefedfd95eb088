//! Soft deletion of any syncable record (contracts, partnerships, establishments, labels,
//! identifiers): `deleted_at` set, `version` bumped, hidden from reads, kept for the change
//! feed as a DELETE event. Organisations have their own in [`super::organisation`].
//! Every syncable table has the same `id`, `source`, `version`, `updated_at` and `deleted_at`
//! columns, so one statement shape serves them all.

use chrono::Utc;
use entity::enums::ChangeOp;
use sea_orm::{
    DatabaseConnection,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{
    audit::{AuditEntry, audit},
    result::{Outcome, UserError, Written},
    settle::labels_changed,
    transaction::{Attempt, WriteOptions, run},
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, award_lines, changes},
};

/// A kind of syncable record that can be soft-deleted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletable {
    /// A public contract.
    Contract,
    /// A partnership.
    Partnership,
    /// An establishment.
    Establishment,
    /// A label.
    Label,
    /// An identifier in another scheme.
    Identifier,
    /// A supply link.
    SupplyLink,
}

impl Deletable {
    /// Table, and entity name in the change log.
    pub fn table(self) -> &'static str {
        match self {
            Self::Contract => "contract",
            Self::Partnership => "partnership",
            Self::Establishment => "establishment",
            Self::Label => "organisation_label",
            Self::Identifier => "organisation_identifier",
            Self::SupplyLink => "supply_link",
        }
    }
}

/// Soft-deletes record `id` of `kind`; `expected_version`, when given, must be its version.
pub async fn delete(
    db: &DatabaseConnection,
    writer: &Writer,
    kind: Deletable,
    id: Uuid,
    expected_version: Option<i32>,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let table = Alias::new(kind.table());
            let select = Query::select()
                .columns([Alias::new("source"), Alias::new("version")])
                .from(table.clone())
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .and_where(Expr::col(Alias::new("deleted_at")).is_null())
                .to_owned();
            let Some(row) = sea_orm::ConnectionTrait::query_one(txn, &select)
                .await
                .context("loading a record to delete")?
            else {
                return Ok(Attempt::reject(vec![UserError::new(
                    "id",
                    format!("no live {} has id {id}", kind.table()),
                    ErrorCode::NotFound,
                )]));
            };
            let source: String = row.try_get("", "source").context("reading a record's source")?;
            let version: i32 = row.try_get("", "version").context("reading a record's version")?;
            if let Err(error) = writer_inner.check_source("id", &source) {
                return Ok(Attempt::reject(vec![error]));
            }
            if let Some(expected) = expected_version
                && expected != version
            {
                return Ok(Attempt::reject(vec![UserError::new(
                    "expectedVersion",
                    format!(
                        "{} {id} is at version {version}, not the expected version {expected}: reload it and retry",
                        kind.table()
                    ),
                    ErrorCode::Conflict,
                )]));
            }
            let now = Utc::now();
            let update = Query::update()
                .table(table)
                .values([
                    (Alias::new("deleted_at"), Expr::val(now)),
                    (Alias::new("updated_at"), Expr::val(now)),
                    (Alias::new("version"), Expr::val(version + 1)),
                ])
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .and_where(Expr::col(Alias::new("version")).eq(version))
                .to_owned();
            let updated = sea_orm::ConnectionTrait::execute(txn, &update)
                .await
                .context("deleting a record")?;
            if updated.rows_affected() != 1 {
                return Ok(Attempt::reject(vec![UserError::new(
                    "expectedVersion",
                    format!("{} {id} changed meanwhile: reload it and retry", kind.table()),
                    ErrorCode::Conflict,
                )]));
            }
            if matches!(kind, Deletable::Label) {
                // The holder's SSE family and award lines may have rested on this label.
                let holders = award_lines::label_holders(txn, &[id]).await?;
                labels_changed(txn, &writer_inner, holders).await?;
            } else {
                award_lines::refresh_after_delete(txn, kind.table(), id).await?;
            }
            let written = Written {
                id,
                version: version + 1,
            };
            audit(
                txn,
                &writer_inner,
                now,
                vec![AuditEntry {
                    operation: "delete",
                    entity: kind.table(),
                    row_id: id,
                    changed_fields: vec!["deleted_at"],
                }],
            )
            .await?;
            changes::append(txn, kind.table(), ChangeOp::Delete, [(id, written.version)])
                .await
                .context("logging a change")?;
            Ok(Attempt::commit(written))
        })
    })
    .await
}
