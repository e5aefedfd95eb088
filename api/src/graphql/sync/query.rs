//! The `changes`, `syncState` and `auditLog` root fields.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, ID, Object};
use entity::{change_log, enums::ChangeOp};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::types::{
    AuditCursor, AuditLogConnection, ChangeEntity, ChangeEvent, ChangePage, ChangeRecord, SyncState,
    audit_log_connection,
};
use crate::{
    domain::ValidationError,
    graphql::{
        connection::ConnectionTotals,
        contract::Contract,
        errors::{OrInternal, bad_input},
        mutation::require_admin,
        node::parse_global_id,
        organisation::{Establishment, Identifier, Label, Organisation},
        partnership::Partnership,
        supply::SupplyLink,
    },
    store::{
        self, DbContext, StoreError,
        changes::MAX_FEED_PAGE,
        page::{PageArgs, list_count, list_page},
        write::{AuditFilter, audit_order},
    },
};

fn parse_cursor(field: &'static str, cursor: Option<&str>) -> Result<Option<i64>, ValidationError> {
    cursor
        .map(|c| {
            c.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ValidationError::new(field, c, "not a cursor of this list"))
        })
        .transpose()
}

fn page_size(first: Option<i32>, default: u64) -> Result<u64, ValidationError> {
    match first {
        None => Ok(default),
        Some(n) if (0..=MAX_FEED_PAGE as i32).contains(&n) => Ok(n as u64),
        Some(n) => Err(ValidationError::new(
            "first",
            n.to_string(),
            format!("must be between 0 and {MAX_FEED_PAGE}"),
        )),
    }
}

/// Entries of an audit-log page when neither `first` nor `last` is given.
const AUDIT_DEFAULT_PAGE: u64 = 100;

/// Rows read for the feed, each with its id and as the record the feed shows.
fn records_of<M>(
    rows: Result<Vec<M>, StoreError>,
    entry: fn(M) -> (Uuid, ChangeRecord),
) -> async_graphql::Result<Vec<(Uuid, ChangeRecord)>> {
    Ok(rows.or_internal()?.into_iter().map(entry).collect())
}

/// Loads the current state of the records of upsert events, one query per entity.
async fn records(db: &DatabaseConnection, entries: &[change_log::Model]) -> async_graphql::Result<Vec<ChangeEvent>> {
    let mut found: HashMap<(ChangeEntity, Uuid), ChangeRecord> = HashMap::new();
    for entity in ChangeEntity::ALL {
        let ids: Vec<Uuid> = entries
            .iter()
            .filter(|e| e.entity == entity.stored() && e.op == ChangeOp::Upsert)
            .map(|e| e.row_id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let records = match entity {
            ChangeEntity::Organisation => records_of(store::organisations::by_ids(db, &ids).await, |m| {
                (m.id, ChangeRecord::Organisation(Organisation::from(m)))
            })?,
            ChangeEntity::Establishment => {
                records_of(store::organisations::establishments_by_ids(db, &ids).await, |m| {
                    (m.id, ChangeRecord::Establishment(Establishment(m)))
                })?
            }
            ChangeEntity::Identifier => records_of(store::organisations::identifiers_by_ids(db, &ids).await, |m| {
                (m.id, ChangeRecord::Identifier(Identifier(m)))
            })?,
            ChangeEntity::Label => records_of(store::organisations::labels_by_ids(db, &ids).await, |m| {
                (m.id, ChangeRecord::Label(Label(m)))
            })?,
            ChangeEntity::Partnership => records_of(store::partnerships::by_ids(db, &ids).await, |m| {
                (m.id, ChangeRecord::Partnership(Partnership(m)))
            })?,
            ChangeEntity::Contract => records_of(store::contracts::by_ids(db, &ids).await, |m| {
                (m.id, ChangeRecord::Contract(Contract::from(m)))
            })?,
            ChangeEntity::SupplyLink => records_of(store::supply_links::by_ids(db, &ids).await, |m| {
                (m.id, ChangeRecord::SupplyLink(SupplyLink(m)))
            })?,
        };
        found.extend(records.into_iter().map(|(id, record)| ((entity, id), record)));
    }
    Ok(entries
        .iter()
        .filter_map(|entry| {
            let entity = ChangeEntity::from_stored(&entry.entity)?;
            let record = match entry.op {
                ChangeOp::Upsert => found.remove(&(entity, entry.row_id)),
                ChangeOp::Delete => None,
            };
            Some(ChangeEvent {
                entry: entry.clone(),
                entity,
                record,
            })
        })
        .collect())
}

/// The change feed, its starting cursor and the audit log.
#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Committed changes after `after`, in order: every change exactly once, deletions
    /// included, also while writers commit concurrently. Follow it by passing `endCursor` as
    /// the next `after`.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A cursor from `syncState` or a previous page's `endCursor`; from the start when absent.")]
        after: Option<String>,
        #[graphql(desc = "Number of events, 0 to 1 000; 100 by default.")] first: Option<i32>,
        #[graphql(desc = "Only these kinds of record; all when absent or empty.")] entities: Option<Vec<ChangeEntity>>,
    ) -> async_graphql::Result<ChangePage> {
        let after = bad_input(parse_cursor("after", after.as_deref()))?.unwrap_or(0);
        let first = bad_input(page_size(first, 100))?;
        let names: Vec<&str> = entities
            .unwrap_or_default()
            .into_iter()
            .map(ChangeEntity::stored)
            .collect();
        let db = ctx.data::<DatabaseConnection>()?;
        let mut entries = store::changes::feed(db, after, first + 1, &names)
            .await
            .context("reading the change feed")
            .or_internal()?;
        let has_more = entries.len() as u64 > first;
        entries.truncate(first as usize);
        let end_cursor = entries.last().map_or(after, |e| e.seq).to_string();
        Ok(ChangePage {
            events: records(db, &entries).await?,
            end_cursor,
            has_more,
        })
    }

    /// The cursor to follow the change feed from, read before taking a snapshot.
    async fn sync_state(&self, ctx: &Context<'_>) -> async_graphql::Result<SyncState> {
        let db = ctx.data::<DatabaseConnection>()?;
        let cursor = store::changes::current_cursor(db)
            .await
            .context("reading the sync state")
            .or_internal()?;
        Ok(SyncState {
            cursor: cursor.to_string(),
        })
    }

    /// The audit log of writes, newest first (admin keys only): a Relay connection, paged
    /// forward with `first`/`after` (older entries) or backward with `last`/`before`.
    #[expect(clippy::too_many_arguments, reason = "Relay paging arguments plus two filters")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of entries from the start (newest), 0 to 1 000; 100 by default.")] first: Option<i32>,
        #[graphql(desc = "Only entries older than this cursor (an edge's `cursor` or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(desc = "Number of entries from the end (oldest), 0 to 1 000; exclusive with `first`.")] last: Option<
            i32,
        >,
        #[graphql(desc = "Only entries newer than this cursor (an edge's `cursor` or `pageInfo.startCursor`).")]
        before: Option<String>,
        #[graphql(desc = "Only writes of this kind of record.")] entity: Option<ChangeEntity>,
        #[graphql(desc = "Only writes of this record (global id).")] record_id: Option<ID>,
    ) -> async_graphql::Result<AuditLogConnection> {
        require_admin(ctx, "the audit log")?;
        let args = bad_input(PageArgs::from_relay_within(
            (first, after.as_deref(), last, before.as_deref()),
            (AUDIT_DEFAULT_PAGE, MAX_FEED_PAGE),
            AuditCursor::decode,
        ))?;
        let row_id = match record_id {
            Some(id) => Some(bad_input(
                parse_global_id(&id)
                    .ok()
                    .and_then(|(_, key)| key.parse::<Uuid>().ok())
                    .ok_or_else(|| ValidationError::new("recordId", id.as_str(), "not the global id of a record")),
            )?),
            None => None,
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let filter = AuditFilter {
            entity: entity.map(ChangeEntity::stored),
            row_id,
        };
        let page = list_page(db, &filter, &audit_order(), &args).await.or_internal()?;
        let db = db.clone();
        let totals = ConnectionTotals::new(move |_| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move { list_count(&db, &filter).await.map_err(Arc::new) })
        });
        Ok(audit_log_connection(page, totals))
    }
}
