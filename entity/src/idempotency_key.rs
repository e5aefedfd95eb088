//! The first result of a mutation sent with an idempotency key, kept so a retry returns it.

use sea_orm::entity::prelude::*;

/// One remembered mutation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    /// The API key that sent it (keys are scoped per API key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub api_key_id: Uuid,
    /// The client's idempotency key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The mutation field (`createOrganisation`...).
    pub operation: String,
    /// Hex SHA-256 of the operation and its input.
    pub request_hash: String,
    /// The first result, as JSON.
    pub response: String,
    /// When it was first run.
    pub created_at: DateTimeUtc,
    /// When it may be forgotten.
    pub expires_at: DateTimeUtc,
}

/// An idempotency key has no relation used by the code.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
