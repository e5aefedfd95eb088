//! Checks every record kind applies to its fields the same way: text normalisation, external
//! ids, live holders, the writer's source and source update times.

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{organisation, territory};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{result::UserError, writer::Writer};
use crate::{
    domain::ValidationError,
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

/// Trimmed text, `None` when empty.
pub fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// How far ahead of the server clock a record's `sourceUpdatedAt` may be (clock skew between
/// the source and Terrasse); later times are refused.
pub const SOURCE_CLOCK_SKEW: Duration = Duration::days(1);

/// A BAD_USER_INPUT user error on `field` when `at` is more than [`SOURCE_CLOCK_SKEW`] after
/// `now`: a source update time in the future would make every later publication of the
/// record (an import included) look older, and be skipped.
pub fn check_source_updated_at(field: &str, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), UserError> {
    match at {
        Some(at) if at > now + SOURCE_CLOCK_SKEW => Err(UserError::new(
            field,
            format!(
                "{field} {} is in the future: at most 1 day after the server time ({})",
                at.to_rfc3339(),
                now.to_rfc3339()
            ),
            ErrorCode::BadUserInput,
        )),
        _ => Ok(()),
    }
}

/// A BAD_USER_INPUT error on `end_field` when the end date is before the start date (named
/// `start_field` in the message), both given.
pub fn not_before(
    (start_field, start): (&str, Option<NaiveDate>),
    (end_field, end): (impl Into<Cow<'static, str>>, Option<NaiveDate>),
) -> Option<ValidationError> {
    match (start, end) {
        (Some(start), Some(end)) if end < start => Some(ValidationError::new(
            end_field,
            end.to_string(),
            format!("must not be before {start_field} ({start})"),
        )),
        _ => None,
    }
}

/// An item's external id as the key of its record: trimmed, and `keyless` when a stored record
/// without one (imported) is sent without one, which it may stay.
pub struct ItemKey {
    /// The trimmed external id.
    pub key: String,
    /// The record has and keeps no external id.
    pub keyless: bool,
}

impl ItemKey {
    /// The key of an item sent as `external_id`, for its stored record (`None` for a new one)
    /// whose external id is `stored`.
    pub fn new(external_id: &str, stored: Option<Option<&str>>) -> Self {
        let key = external_id.trim().to_owned();
        let keyless = key.is_empty() && stored.is_some_and(|stored| stored.is_none());
        Self { key, keyless }
    }

    /// A BAD_USER_INPUT error when the key has not 1 to 200 characters (none for a keyless
    /// record).
    pub fn invalid(&self) -> Option<ValidationError> {
        (!self.keyless && (self.key.is_empty() || self.key.chars().count() > 200))
            .then(|| ValidationError::new("externalId", self.key.clone(), "must have 1 to 200 characters"))
    }

    /// A CONFLICT when item `index` repeats the key of an earlier item of the batch (`seen`,
    /// where the key is recorded).
    pub fn repeated(&self, seen: &mut HashMap<String, usize>, index: usize) -> Option<UserError> {
        seen.insert(self.key.clone(), index).map(|first| {
            UserError::new(
                "externalId",
                format!("externalId {:?} already appears in item {first}", self.key),
                ErrorCode::Conflict,
            )
        })
    }

    /// The key's error, if any: [`invalid`](Self::invalid), else [`repeated`](Self::repeated).
    pub fn check(&self, seen: &mut HashMap<String, usize>, index: usize) -> Option<UserError> {
        match self.invalid() {
            Some(invalid) => Some(invalid.into()),
            None => self.repeated(seen, index),
        }
    }

    /// The external id to store.
    pub fn stored(self) -> Option<String> {
        (!self.keyless).then_some(self.key)
    }
}

/// The live organisations among `ids`, in one query (none when `ids` is empty); `context`
/// says what is checked, for database errors.
pub async fn live_organisations<C: ConnectionTrait>(
    db: &C,
    ids: HashSet<Uuid>,
    context: &'static str,
) -> Result<HashSet<Uuid>, StoreError> {
    let live = organisation::Entity::find().filter(organisation::Column::DeletedAt.is_null());
    present(db, live, organisation::Column::Id, ids, context).await
}

/// The territories among `ids` that exist, in one query (none when `ids` is empty); `context`
/// says what is checked, for database errors.
pub async fn known_territories<C: ConnectionTrait>(
    db: &C,
    ids: HashSet<String>,
    context: &'static str,
) -> Result<HashSet<String>, StoreError> {
    present(db, territory::Entity::find(), territory::Column::Id, ids, context).await
}

/// The values among `ids` that `query` finds in `column`, in one query (none when `ids` is
/// empty).
async fn present<E, T, C>(
    db: &C,
    query: sea_orm::Select<E>,
    column: E::Column,
    ids: HashSet<T>,
    context: &'static str,
) -> Result<HashSet<T>, StoreError>
where
    E: EntityTrait,
    T: sea_orm::TryGetableMany + Into<sea_orm::Value> + Eq + std::hash::Hash,
    C: ConnectionTrait,
{
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(query
        .select_only()
        .column(column)
        .filter(column.is_in(ids))
        .into_tuple::<T>()
        .all(db)
        .await
        .context(context)?
        .into_iter()
        .collect())
}

/// The NOT_FOUND error on `field` for organisation `id`, which is not live.
pub fn no_live_organisation(field: &str, id: Uuid) -> UserError {
    UserError::new(field, format!("no live organisation has id {id}"), ErrorCode::NotFound)
}

/// The provenance checks of an item, added to `errors`: its stored record (source
/// `stored_source`) must be of a source `writer` may write, and its `sourceUpdatedAt` not in
/// the future ([`check_source_updated_at`]).
pub fn check_provenance(
    writer: &Writer,
    stored_source: Option<&str>,
    source_updated_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    errors: &mut Vec<UserError>,
) {
    if let Some(source) = stored_source
        && let Err(error) = writer.check_source("source", source)
    {
        errors.push(error);
    }
    if let Err(error) = check_source_updated_at("sourceUpdatedAt", source_updated_at, now) {
        errors.push(error);
    }
}

/// Builds the row of a checked item: the kind's own fields as given, then the provenance every
/// kind stores the same way: the source, creation and update times and version of the stored
/// record `old`, or for a new record `source`, `now`, `now` and 1; the item's external id
/// (`key`, an [`ItemKey`]) and source update time; not deleted.
macro_rules! checked_row {
    (
        $entity:ident::Model { $($field:ident $(: $value:expr)?),* $(,)? },
        provenance: ($old:expr, $source:expr, $key:expr, $source_updated_at:expr, $now:expr) $(,)?
    ) => {
        $entity::Model {
            $($field $(: $value)?,)*
            source: $old.map_or($source, |o| o.source.as_str()).to_owned(),
            external_id: $key.stored(),
            source_updated_at: $source_updated_at,
            created_at: $old.map_or($now, |o| o.created_at),
            updated_at: $old.map_or($now, |o| o.updated_at),
            deleted_at: None,
            version: $old.map_or(1, |o| o.version),
        }
    };
}
pub(crate) use checked_row;

/// Builds the row of a new record of `source` created at `now` with nothing else known of its
/// provenance: the kind's own fields as given, then no external id, no source update time,
/// not deleted, version 1.
macro_rules! new_row {
    (
        $entity:ident::Model { $($field:ident $(: $value:expr)?),* $(,)? },
        created: ($source:expr, $now:expr) $(,)?
    ) => {
        $entity::Model {
            $($field $(: $value)?,)*
            source: $source,
            external_id: None,
            source_updated_at: None,
            created_at: $now,
            updated_at: $now,
            deleted_at: None,
            version: 1,
        }
    };
}
pub(crate) use new_row;
