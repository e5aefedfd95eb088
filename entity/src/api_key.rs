//! An API key: who may call Terrasse with which role. Only the key's SHA-256 hash is stored.

use sea_orm::entity::prelude::*;

use crate::enums::ApiRole;

/// One API key.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key")]
pub struct Model {
    /// Internal id, also recorded in the audit log.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Human name of the key (who holds it).
    pub name: String,
    /// What the key may do.
    pub role: ApiRole,
    /// For a partner key, the source its writes must carry (`PARTNER:<slug>`...).
    pub source: Option<String>,
    /// Hex SHA-256 of the whole key.
    pub key_hash: String,
    /// The first characters of the key, to recognise it in listings.
    pub key_prefix: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Revocation time: a revoked key is refused.
    pub revoked_at: Option<DateTimeUtc>,
    /// Last time the key authenticated a request (updated at most once a minute).
    pub last_used_at: Option<DateTimeUtc>,
}

/// An API key has no outgoing relation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
