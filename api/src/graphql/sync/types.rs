//! The types of the change feed and of the audit log.

use async_graphql::{
    Enum, ID, Object, OutputType, SimpleObject, Union,
    connection::{Connection, ConnectionNameType, CursorType, EmptyFields},
};
use chrono::{DateTime, Utc};
use entity::{change_log, enums::ChangeOp};

use crate::{
    domain::ValidationError,
    graphql::{
        connection::{ConnectionTotals, connection_with},
        contract::Contract,
        node::global_id,
        organisation::{Establishment, Identifier, Label, Organisation},
        partnership::Partnership,
        supply::SupplyLink,
    },
    store::{
        page::{Cursor, Page},
        write::AUDIT_ORDER_NAME,
    },
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
    /// Supply links of food chains.
    SupplyLink,
}

impl ChangeEntity {
    /// Name in the change log.
    pub fn stored(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Establishment => "establishment",
            Self::Identifier => "organisation_identifier",
            Self::Label => "organisation_label",
            Self::Partnership => "partnership",
            Self::Contract => "contract",
            Self::SupplyLink => "supply_link",
        }
    }

    /// Every kind, in the order the feed loads their records.
    pub const ALL: [Self; 7] = [
        Self::Organisation,
        Self::Establishment,
        Self::Identifier,
        Self::Label,
        Self::Partnership,
        Self::Contract,
        Self::SupplyLink,
    ];

    /// The kind named `name` in the change log.
    pub fn from_stored(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|entity| entity.stored() == name)
    }

    /// GraphQL type name used in global ids.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Organisation => "Organisation",
            Self::Establishment => "Establishment",
            Self::Identifier => "Identifier",
            Self::Label => "Label",
            Self::Partnership => "Partnership",
            Self::Contract => "Contract",
            Self::SupplyLink => "SupplyLink",
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
    /// A supply link.
    SupplyLink(SupplyLink),
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
    /// The change log entry.
    pub entry: change_log::Model,
    /// The kind of record it changed.
    pub entity: ChangeEntity,
    /// The record as it is now, for an upsert of a live record.
    pub record: Option<ChangeRecord>,
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
pub struct AuditEntry(pub entity::audit_log::Model);

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

/// An audit-log cursor: the entry's id, as `AuditEntry.cursor` has always shown it.
pub struct AuditCursor(Cursor);

impl AuditCursor {
    /// The store cursor of the entry with id `text`; `field` names the argument.
    pub fn decode(field: &'static str, text: &str) -> Result<Cursor, ValidationError> {
        let id = text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(|| ValidationError::new(field, text, "not a cursor of the audit log"))?;
        Ok(Cursor {
            sort: format!("-{AUDIT_ORDER_NAME}"),
            key: id.to_string(),
            id: id.to_string(),
        })
    }
}

impl CursorType for AuditCursor {
    type Error = ValidationError;

    fn decode_cursor(text: &str) -> Result<Self, Self::Error> {
        Self::decode("after", text).map(Self)
    }

    fn encode_cursor(&self) -> String {
        self.0.id.clone()
    }
}

/// Names the audit log's connection type `AuditLogConnection`.
pub struct AuditLogName;

impl ConnectionNameType for AuditLogName {
    fn type_name<T: OutputType>() -> String {
        "AuditLogConnection".to_owned()
    }
}

/// What the audit log's connection adds to Relay's: its total, and the paging fields it had
/// before it was a Relay connection.
#[derive(SimpleObject)]
pub struct AuditLogFields {
    /// `totalCount`, as every connection has it.
    #[graphql(flatten)]
    pub totals: ConnectionTotals,
    /// Cursor of the last entry (pass as `after` for older entries).
    #[graphql(deprecation = "Use `pageInfo { endCursor }`.")]
    pub end_cursor: Option<String>,
    /// Whether older entries exist.
    #[graphql(deprecation = "Use `pageInfo { hasNextPage }`.")]
    pub has_next_page: bool,
}

/// A page of the audit log, newest first: a Relay connection.
pub type AuditLogConnection = Connection<AuditCursor, AuditEntry, AuditLogFields, EmptyFields, AuditLogName>;

/// The connection of a page of audit entries.
pub fn audit_log_connection(page: Page<entity::audit_log::Model>, totals: ConnectionTotals) -> AuditLogConnection {
    let fields = AuditLogFields {
        totals,
        end_cursor: page.items.last().map(|(_, cursor)| cursor.id.clone()),
        has_next_page: page.has_next_page,
    };
    connection_with(page, AuditEntry, AuditCursor, fields)
}
