//! Who is calling and what callers may do: the caller resolved from the request's API key
//! ([`Caller`], [`Role`]) and the access settings ([`Access`]). These are plain values shared
//! by the HTTP layer, which resolves them, and the GraphQL layer, which checks them; this
//! module depends on neither.

use std::sync::Arc;

use uuid::Uuid;

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No key: reads only (when allowed by configuration).
    Anonymous,
    /// A partner key: reads, and writes of records whose source is the key's source.
    Partner,
    /// An admin key: everything.
    Admin,
}

/// Who is calling, put in every GraphQL request's data.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The caller's role.
    pub role: Role,
    /// The API key's id (`None` when anonymous).
    pub key_id: Option<Uuid>,
    /// The key's source (for a partner, the only source it may write).
    pub source: Option<String>,
}

impl Caller {
    /// A caller without a key.
    pub fn anonymous() -> Self {
        Self {
            role: Role::Anonymous,
            key_id: None,
            source: None,
        }
    }
}

/// Who may do what without a key, how long idempotency keys are kept, and which partner
/// sources may write certified labels.
#[derive(Debug, Clone)]
pub struct Access {
    /// Whether requests without an API key may read.
    pub anonymous_read: bool,
    /// How long the first result of a mutation sent with an idempotency key is kept.
    pub idempotency_retention: chrono::Duration,
    /// The partner sources allowed to write certified label kinds
    /// (`TERRASSE_CERTIFIED_LABEL_SOURCES`).
    pub certified_label_sources: Arc<[String]>,
}

impl Default for Access {
    fn default() -> Self {
        Self {
            anonymous_read: true,
            idempotency_retention: chrono::Duration::hours(24),
            certified_label_sources: Arc::from([]),
        }
    }
}
