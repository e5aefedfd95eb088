//! Keeping a copy in sync: the change feed (`changes`), the cursor to start it from
//! (`syncState`), and the audit log of writes (`auditLog`, admins only).
//!
//! The feed's ordering guarantees are described in docs/SYNC.md.

pub mod query;
pub mod types;

pub use query::SyncQuery;
pub use types::{ChangeEntity, ChangeEvent, ChangeRecord};
