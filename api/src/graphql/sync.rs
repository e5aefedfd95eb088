//! Following changes: the change feed (`changes`), the cursor to start it from
//! (`syncState`), and the audit log of writes (`auditLog`, admins only).
//!
//! The feed's ordering guarantees are described in docs/SYNC.md.

use std::collections::HashMap;

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Union};
use chrono::{DateTime, Utc};
use entity::{change_log, enums::ChangeOp};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    contract::Contract,
    errors::{OrInternal, bad_input},
    mutation::require_admin,
    node::global_id,
    organisation::{Establishment, Identifier, Label, Organisation},
    partnership::Partnership,
};
use crate::{
    domain::ValidationError,
    store::{self, DbContext, changes::MAX_FEED_PAGE},
};

/// A kind of record the change feed reports.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeEntity {
    /// Organisations.
    Organisation,
    /// Establishments.
    Establishment,
    /// Identifiers of organisations in other schemes.
    Identifier,
    /// Labels and agreements.
    Label,
    /// Partnerships.
    Partnership,
    /// Public contracts.
    Contract,
}

impl ChangeEntity {
    /// Name in the change log.
    fn stored(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Establishment => "establishment",
            Self::Identifier => "organisation_identifier",
            Self::Label => "organisation_label",
            Self::Partnership => "partnership",
            Self::Contract => "contract",
        }
    }

    fn from_stored(name: &str) -> Option<Self> {
        [
            Self::Organisation,
            Self::Establishment,
            Self::Identifier,
            Self::Label,
            Self::Partnership,
            Self::Contract,
        ]
        .into_iter()
        .find(|entity| entity.stored() == name)
    }

    /// GraphQL type name used in global ids.
    fn type_name(self) -> &'static str {
        match self {
            Self::Organisation => "Organisation",
            Self::Establishment => "Establishment",
            Self::Identifier => "Identifier",
            Self::Label => "Label",
            Self::Partnership => "Partnership",
            Self::Contract => "Contract",
        }
    }
}

/// What a change did.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOperation {
    /// The record was created or updated.
    Upsert,
    /// The record was (soft-)deleted.
    Delete,
}

/// The current state of a changed record.
#[derive(Union)]
pub enum ChangeRecord {
    /// An organisation.
    Organisation(Organisation),
    /// An establishment.
    Establishment(Establishment),
    /// An identifier in another scheme.
    Identifier(Identifier),
    /// A label.
    Label(Label),
    /// A partnership.
    Partnership(Partnership),
    /// A contract.
    Contract(Contract),
}

/// What is left of a deleted record.
#[derive(SimpleObject)]
pub struct Tombstone {
    /// Global id of the deleted record.
    pub id: ID,
    /// Its version once deleted.
    pub version: i32,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
}

/// One committed change.
pub struct ChangeEvent {
    entry: change_log::Model,
    entity: ChangeEntity,
    record: Option<ChangeRecord>,
}

/// One committed change, in feed order.
#[Object]
impl ChangeEvent {
    /// Cursor of this event: pass it as `after` to read the events that follow.
    async fn cursor(&self) -> String {
        self.entry.seq.to_string()
    }

    /// Sequence number (increasing along the feed; gaps are possible).
    async fn sequence(&self) -> String {
        self.entry.seq.to_string()
    }

    /// Kind of record.
    async fn entity(&self) -> ChangeEntity {
        self.entity
    }

    /// Global id of the record.
    async fn id(&self) -> ID {
        global_id(self.entity.type_name(), self.entry.row_id)
    }

    /// Created/updated or deleted.
    async fn operation(&self) -> ChangeOperation {
        match self.entry.op {
            ChangeOp::Upsert => ChangeOperation::Upsert,
            ChangeOp::Delete => ChangeOperation::Delete,
        }
    }

    /// Version of the record after this change.
    async fn version(&self) -> i32 {
        self.entry.version
    }

    /// When the change was written.
    async fn changed_at(&self) -> DateTime<Utc> {
        self.entry.changed_at
    }

    /// For an UPSERT, the record as it is now (its version may be newer than this event's: a
    /// later event reports that change). Null for a DELETE, and when the record has been
    /// deleted since (a DELETE event follows).
    async fn record(&self) -> Option<&ChangeRecord> {
        self.record.as_ref()
    }

    /// For a DELETE, the tombstone of the record.
    async fn tombstone(&self) -> Option<Tombstone> {
        (self.entry.op == ChangeOp::Delete).then(|| Tombstone {
            id: global_id(self.entity.type_name(), self.entry.row_id),
            version: self.entry.version,
            deleted_at: self.entry.changed_at,
        })
    }
}

/// A page of the change feed.
#[derive(SimpleObject)]
pub struct ChangePage {
    /// Events in sequence order.
    pub events: Vec<ChangeEvent>,
    /// Where to continue: the last event's cursor, or `after` when the page is empty. Save it
    /// once the events are applied.
    pub end_cursor: String,
    /// Whether more events are already available after `endCursor`.
    pub has_more: bool,
}

/// Where a partner's mirror starts.
#[derive(SimpleObject)]
pub struct SyncState {
    /// The cursor of the latest committed change: take a snapshot with ordinary queries after
    /// reading it, then follow `changes(after: cursor)`; nothing is missed, and events already
    /// in the snapshot are replayed harmlessly (apply them by id and version).
    pub cursor: String,
}

/// One audited write.
pub struct AuditEntry(entity::audit_log::Model);

/// One audited write: who wrote what, when.
#[Object]
impl AuditEntry {
    /// Position in the audit log (a cursor for `auditLog(after:)`).
    async fn cursor(&self) -> String {
        self.0.id.to_string()
    }

    /// Id of the API key that wrote (null for command-line writes).
    async fn api_key_id(&self) -> Option<String> {
        self.0.api_key_id.map(|id| id.to_string())
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// `create`, `update`, `delete` or `upsert`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }

    /// Kind of record.
    async fn entity(&self) -> Option<ChangeEntity> {
        ChangeEntity::from_stored(&self.0.entity)
    }

    /// Global id of the record.
    async fn record_id(&self) -> ID {
        let type_name = ChangeEntity::from_stored(&self.0.entity).map_or("Unknown", ChangeEntity::type_name);
        global_id(type_name, self.0.row_id)
    }

    /// Names of the stored fields that changed (snake_case column names).
    async fn changed_fields(&self) -> Vec<String> {
        serde_json::from_str(&self.0.changed_fields).unwrap_or_default()
    }
}

/// A page of the audit log, newest first.
#[derive(SimpleObject)]
pub struct AuditLogConnection {
    /// Entries, newest first.
    pub nodes: Vec<AuditEntry>,
    /// Cursor of the last entry (pass as `after` for older entries).
    pub end_cursor: Option<String>,
    /// Whether older entries exist.
    pub has_next_page: bool,
}

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

/// Loads the current state of the records of upsert events, one query per entity.
async fn records(db: &DatabaseConnection, entries: &[change_log::Model]) -> async_graphql::Result<Vec<ChangeEvent>> {
    let ids = |name: &str| -> Vec<Uuid> {
        entries
            .iter()
            .filter(|e| e.entity == name && e.op == ChangeOp::Upsert)
            .map(|e| e.row_id)
            .collect()
    };
    let mut found: HashMap<(ChangeEntity, Uuid), ChangeRecord> = HashMap::new();
    let organisations = ids("organisation");
    if !organisations.is_empty() {
        for m in store::organisations::by_ids(db, &organisations).await.or_internal()? {
            found.insert(
                (ChangeEntity::Organisation, m.id),
                ChangeRecord::Organisation(Organisation::from(m)),
            );
        }
    }
    let establishments = ids("establishment");
    if !establishments.is_empty() {
        for m in store::organisations::establishments_by_ids(db, &establishments)
            .await
            .or_internal()?
        {
            found.insert(
                (ChangeEntity::Establishment, m.id),
                ChangeRecord::Establishment(Establishment(m)),
            );
        }
    }
    let identifiers = ids("organisation_identifier");
    if !identifiers.is_empty() {
        for m in store::organisations::identifiers_by_ids(db, &identifiers)
            .await
            .or_internal()?
        {
            found.insert(
                (ChangeEntity::Identifier, m.id),
                ChangeRecord::Identifier(Identifier(m)),
            );
        }
    }
    let labels = ids("organisation_label");
    if !labels.is_empty() {
        for m in store::organisations::labels_by_ids(db, &labels).await.or_internal()? {
            found.insert((ChangeEntity::Label, m.id), ChangeRecord::Label(Label(m)));
        }
    }
    let partnerships = ids("partnership");
    if !partnerships.is_empty() {
        for m in store::partnerships::by_ids(db, &partnerships).await.or_internal()? {
            found.insert(
                (ChangeEntity::Partnership, m.id),
                ChangeRecord::Partnership(Partnership(m)),
            );
        }
    }
    let contracts = ids("contract");
    if !contracts.is_empty() {
        for m in store::contracts::by_ids(db, &contracts).await.or_internal()? {
            found.insert(
                (ChangeEntity::Contract, m.id),
                ChangeRecord::Contract(Contract(Box::new(m))),
            );
        }
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

    /// The audit log of writes, newest first (admin keys only).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of entries, 0 to 1 000; 100 by default.")] first: Option<i32>,
        #[graphql(desc = "Only entries older than this cursor (an `endCursor`).")] after: Option<String>,
        #[graphql(desc = "Only writes of this kind of record.")] entity: Option<ChangeEntity>,
        #[graphql(desc = "Only writes of this record (global id).")] record_id: Option<ID>,
    ) -> async_graphql::Result<AuditLogConnection> {
        require_admin(ctx, "the audit log")?;
        let first = bad_input(page_size(first, 100))?;
        let after = bad_input(parse_cursor("after", after.as_deref()))?;
        let row_id = match record_id {
            Some(id) => Some(bad_input(
                super::node::parse_global_id(&id)
                    .ok()
                    .and_then(|(_, key)| key.parse::<Uuid>().ok())
                    .ok_or_else(|| ValidationError::new("recordId", id.as_str(), "not the global id of a record")),
            )?),
            None => None,
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let mut rows = store::write::audit_page(db, after, first + 1, entity.map(ChangeEntity::stored), row_id)
            .await
            .or_internal()?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Ok(AuditLogConnection {
            end_cursor: rows.last().map(|r| r.id.to_string()),
            nodes: rows.into_iter().map(AuditEntry).collect(),
            has_next_page,
        })
    }
}
