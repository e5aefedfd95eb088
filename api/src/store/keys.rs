//! API keys: creation (the key is returned once, only its SHA-256 hash is stored), listing,
//! revocation and lookup of a presented key.

use chrono::{Duration, Utc};
use entity::{api_key, enums::ApiRole};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{DbContext, StoreError};
use crate::domain::ValidationError;

/// Prefix of every Terrasse API key, so a leaked key is recognisable.
pub const KEY_PREFIX: &str = "trs_";

/// A key just created: the secret is shown once and never stored.
#[derive(Debug)]
pub struct CreatedKey {
    /// The stored record.
    pub record: api_key::Model,
    /// The whole key, to hand to its holder.
    pub secret: String,
}

/// Hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Whether `key` has the shape of a Terrasse key (`trs_` + 64 hex digits).
pub fn is_well_formed(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX)
        .is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Creates a key named `name` with `role`; a partner key needs a `source` of the form
/// `PARTNER:<slug>` (so authoritative imports recognise its records and take their natural
/// keys over), an admin key may have one.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    role: ApiRole,
    source: Option<&str>,
) -> Result<CreatedKey, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ValidationError::new("name", name, "must not be empty").into());
    }
    let source = source.map(str::trim).filter(|s| !s.is_empty());
    if role == ApiRole::Partner && source.is_none() {
        return Err(ValidationError::new("source", "", "a partner key needs the source its records carry").into());
    }
    if role == ApiRole::Partner
        && let Some(source) = source
        && !super::write::writer::is_partner_source(source)
    {
        return Err(ValidationError::new(
            "source",
            source,
            "a partner key's source must start with PARTNER: (e.g. PARTNER:ress-paca)",
        )
        .into());
    }
    let mut random = [0u8; 32];
    getrandom::fill(&mut random)
        .map_err(|error| ValidationError::new("key", "", format!("no randomness available: {error}")))?;
    let secret = format!(
        "{KEY_PREFIX}{}",
        random.iter().map(|byte| format!("{byte:02x}")).collect::<String>()
    );
    let record = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        role: Set(role),
        source: Set(source.map(str::to_owned)),
        key_hash: Set(sha256_hex(&secret)),
        key_prefix: Set(secret[..12].to_owned()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await
    .context("creating an API key")?;
    Ok(CreatedKey { record, secret })
}

/// Every key, oldest first.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<api_key::Model>, StoreError> {
    api_key::Entity::find()
        .order_by_asc(api_key::Column::CreatedAt)
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await
        .context("listing API keys")
}

/// Revokes a key; returns it, or `None` when no key has that id. Revoking twice keeps the
/// first revocation time.
pub async fn revoke<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<api_key::Model>, StoreError> {
    let Some(key) = api_key::Entity::find_by_id(id)
        .one(db)
        .await
        .context("finding an API key")?
    else {
        return Ok(None);
    };
    if key.revoked_at.is_some() {
        return Ok(Some(key));
    }
    let mut active: api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(Some(active.update(db).await.context("revoking an API key")?))
}

/// The live (not revoked) key whose secret is `secret`, if any; records its use (at most once
/// a minute, so reads do not write on every request).
pub async fn authenticate<C: ConnectionTrait>(db: &C, secret: &str) -> Result<Option<api_key::Model>, StoreError> {
    let found = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(sha256_hex(secret)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await
        .context("looking up an API key")?;
    let Some(key) = found else { return Ok(None) };
    let now = Utc::now();
    if key.last_used_at.is_none_or(|at| now - at > Duration::minutes(1)) {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(db)
            .await
            .context("recording an API key's use")?;
    }
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn well_formed_keys_have_the_prefix_and_64_hex_digits() {
        assert!(is_well_formed(&format!("trs_{}", "a1".repeat(32))));
        assert!(!is_well_formed(&format!("xyz_{}", "a1".repeat(32))));
        assert!(!is_well_formed("trs_abc"));
        assert!(!is_well_formed(&format!("trs_{}", "zz".repeat(32))));
    }
}
