//! What the single-record creates and updates of establishments, identifiers, labels,
//! partnerships and contracts share: loading the record to update (live, of a source the
//! writer may write, at the expected version), the `(source, externalId)` uniqueness check,
//! and settling one checked record through [`Settlement`]. Validation itself lives with each
//! entity and is the same as in its bulk upsert.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait},
};
use uuid::Uuid;

use std::future::Future;

use super::{
    result::{ItemResult, Outcome, UserError, Written},
    settle::{Settlement, Writable},
    transaction::{Attempt, TxFuture, WriteOptions, run},
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, Synced},
};

/// How a kind of record is named in messages: `(record, bulk upsert)`, e.g.
/// `("label", "upsertLabels")`.
pub(crate) type Names = (&'static str, &'static str);

/// The checked row of a single-record write, or its user errors.
pub(crate) type Checked<M> = Result<M, Vec<UserError>>;

/// The one result of a check run on one item.
pub(crate) fn only<M>(mut checked: Vec<Checked<M>>) -> Checked<M> {
    checked.pop().unwrap_or_else(|| Err(Vec::new()))
}

/// The checked record of a single-record write, or every error found: those of the checks made
/// beside the kind's check (`errors`) first, then the record's own.
pub(crate) fn all_checked<T>(checked: Checked<T>, mut errors: Vec<UserError>) -> Checked<T> {
    match checked {
        Ok(checked) if errors.is_empty() => Ok(checked),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// The body of a single-record write: given the write's transaction, the writer, what the
/// write starts from and the time of the write, it checks and settles the record.
pub(crate) trait SingleWrite<A>:
    for<'t> FnOnce(
        &'t DatabaseTransaction,
        Writer,
        A,
        DateTime<Utc>,
    ) -> TxFuture<'t, Result<Attempt<Written>, StoreError>>
    + Send
    + 'static
{
}

impl<A, F> SingleWrite<A> for F where
    F: for<'t> FnOnce(
            &'t DatabaseTransaction,
            Writer,
            A,
            DateTime<Utc>,
        ) -> TxFuture<'t, Result<Attempt<Written>, StoreError>>
        + Send
        + 'static
{
}

/// Runs a single-record write in its write transaction: `start` finds what the write starts
/// from (the source of a new record, the stored record to change) or the user error that
/// rejects it; then `body` checks and settles the record.
async fn run_single<A, S>(
    db: &DatabaseConnection,
    writer: &Writer,
    options: &WriteOptions,
    start: S,
    body: impl SingleWrite<A>,
) -> Result<Outcome<Written>, StoreError>
where
    A: Send,
    S: for<'t> FnOnce(&'t DatabaseTransaction, &'t Writer) -> TxFuture<'t, Result<Result<A, UserError>, StoreError>>
        + Send
        + 'static,
{
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let from = match start(txn, &writer_inner).await? {
                Ok(from) => from,
                Err(error) => return Ok(Attempt::reject(vec![error])),
            };
            body(txn, writer_inner, from, Utc::now()).await
        })
    })
    .await
}

/// Runs the create of one record in its write transaction: the record's source is `source`
/// (the writer's when `None`) when the writer may write it, else the create is rejected;
/// `body` checks and settles the record of that source at the time of the write.
pub(crate) async fn run_create(
    db: &DatabaseConnection,
    writer: &Writer,
    options: &WriteOptions,
    source: Option<String>,
    body: impl SingleWrite<String>,
) -> Result<Outcome<Written>, StoreError> {
    run_single(
        db,
        writer,
        options,
        move |_, writer| {
            let source = writer.source_for_new(source.as_deref());
            Box::pin(async move { Ok(source) })
        },
        body,
    )
    .await
}

/// Runs the update of record `id` of `E` in its write transaction: the record is loaded live,
/// of a source the writer may write, at `expected_version` when given ([`load_for_update`]),
/// else the update is rejected; `body` checks and settles the change from the stored row at
/// the time of the write. `what` names the record in messages.
pub(crate) async fn run_update<E>(
    db: &DatabaseConnection,
    writer: &Writer,
    options: &WriteOptions,
    (id, expected_version): (Uuid, Option<i32>),
    what: &'static str,
    body: impl SingleWrite<E::Model>,
) -> Result<Outcome<Written>, StoreError>
where
    E: EntityTrait,
    E::Model: Synced + Send,
{
    run_single(
        db,
        writer,
        options,
        move |txn, writer| Box::pin(load_for_update::<E, _>(txn, writer, id, expected_version, what)),
        body,
    )
    .await
}

/// Creates one record of `source` (the writer's source when `None`): `check` validates the
/// input exactly as the bulk upsert does and builds the row; its external id must not be in
/// use in that source. Audited as `create`.
pub(crate) async fn create_record<E, F>(
    db: &DatabaseConnection,
    writer: &Writer,
    (source, external_id): (Option<String>, String),
    (what, bulk): Names,
    options: &WriteOptions,
    check: F,
) -> Result<Outcome<Written>, StoreError>
where
    E: Writable,
    E::Model: Send + Sync,
    F: for<'t> FnOnce(
            &'t DatabaseTransaction,
            Writer,
            String,
            DateTime<Utc>,
        ) -> TxFuture<'t, Result<Checked<E::Model>, StoreError>>
        + Send
        + 'static,
{
    run_create(db, writer, options, source, move |txn, writer, source, now| {
        Box::pin(async move {
            let taken = external_id_taken::<E, _>(txn, &source, Some(&external_id), None, ("externalId", bulk)).await?;
            let checked = check(txn, writer.clone(), source, now).await?;
            let errors = taken.into_iter().collect();
            settle_one::<E, _>(txn, &writer, ("create", what), None, checked, errors, now).await
        })
    })
    .await
}

/// Updates record `id`: loaded live, of a source the writer may write, at `expected_version`
/// when given; `check` applies the patch to the stored row and validates the whole record
/// exactly as the bulk upsert does. A changed external id must not be in use. Audited as
/// `update`; equal to the stored row, nothing is written and the version stays.
pub(crate) async fn update_record<E, F>(
    db: &DatabaseConnection,
    writer: &Writer,
    (id, expected_version): (Uuid, Option<i32>),
    (what, bulk): Names,
    options: &WriteOptions,
    check: F,
) -> Result<Outcome<Written>, StoreError>
where
    E: Writable,
    E::Model: Clone + Send + Sync,
    F: for<'t> FnOnce(
            &'t DatabaseTransaction,
            Writer,
            E::Model,
            DateTime<Utc>,
        ) -> TxFuture<'t, Result<Checked<E::Model>, StoreError>>
        + Send
        + 'static,
{
    run_update::<E>(
        db,
        writer,
        options,
        (id, expected_version),
        what,
        move |txn, writer, old, now| {
            Box::pin(async move {
                let checked = check(txn, writer.clone(), old.clone(), now).await?;
                let mut errors = Vec::new();
                if let Ok(model) = &checked {
                    let stored = Some((id, old.external_id()));
                    errors.extend(
                        external_id_taken::<E, _>(txn, old.source(), model.external_id(), stored, ("externalId", bulk))
                            .await?,
                    );
                }
                settle_one::<E, _>(txn, &writer, ("update", what), Some(&old), checked, errors, now).await
            })
        },
    )
    .await
}

/// The live record `id` of `E`, when `writer` may write it and `expected_version` (when given)
/// is its version; otherwise the user error (NOT_FOUND on `id`, FORBIDDEN on `id`, CONFLICT
/// on `expectedVersion`). `what` names the record in messages (`label`).
pub(crate) async fn load_for_update<E, C>(
    db: &C,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    what: &str,
) -> Result<Result<E::Model, UserError>, StoreError>
where
    E: EntityTrait,
    E::Model: Synced,
    C: ConnectionTrait,
{
    let found = E::find()
        .filter(Expr::col((E::default(), Alias::new("id"))).eq(id))
        .one(db)
        .await
        .context("loading a record to update")?;
    let Some(old) = found.filter(|old| !old.is_deleted()) else {
        return Ok(Err(UserError::new(
            "id",
            format!("no live {what} has id {id}"),
            ErrorCode::NotFound,
        )));
    };
    if let Err(error) = writer.check_source("id", old.source()) {
        return Ok(Err(error));
    }
    let (_, version) = old.sync_key();
    if let Some(expected) = expected_version
        && expected != version
    {
        return Ok(Err(UserError::new(
            "expectedVersion",
            format!("{what} {id} is at version {version}, not the expected version {expected}: reload it and retry"),
            ErrorCode::Conflict,
        )));
    }
    Ok(Ok(old))
}

/// A CONFLICT on `field` when another record of `E` (deleted ones included) already has
/// `external_id` (trimmed; none: nothing to check) in `source`; `bulk` names the bulk upsert to
/// use instead. On an update, `stored` is the record's row id and stored external id: an
/// unchanged external id is not checked again.
pub(crate) async fn external_id_taken<E, C>(
    db: &C,
    source: &str,
    external_id: Option<&str>,
    stored: Option<(Uuid, Option<&str>)>,
    (field, bulk): (&str, &str),
) -> Result<Option<UserError>, StoreError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let Some(external_id) = external_id.map(str::trim) else {
        return Ok(None);
    };
    if let Some((_, Some(old))) = stored
        && old == external_id
    {
        return Ok(None);
    }
    let except = stored.map(|(id, _)| id);
    let column = |name: &str| Expr::col((E::default(), Alias::new(name)));
    let mut query = E::find()
        .filter(column("source").eq(source))
        .filter(column("external_id").eq(external_id.trim()));
    if let Some(except) = except {
        query = query.filter(column("id").ne(except));
    }
    let taken = query.one(db).await.context("checking an external id")?.is_some();
    Ok(taken.then(|| {
        UserError::new(
            field,
            format!(
                "externalId {:?} of source {source:?} is already used: update that record or use {bulk}",
                external_id.trim()
            ),
            ErrorCode::Conflict,
        )
    }))
}

/// Settles one checked record without child rows: rejected with every error found, else
/// created or updated (UNCHANGED when equal to `old`: same version, nothing logged), audited
/// as `operation`, and logged.
pub(crate) async fn settle_one<E, C>(
    db: &C,
    writer: &Writer,
    (operation, what): (&'static str, &str),
    old: Option<&E::Model>,
    checked: Result<E::Model, Vec<UserError>>,
    errors: Vec<UserError>,
    now: DateTime<Utc>,
) -> Result<Attempt<Written>, StoreError>
where
    E: Writable,
    C: ConnectionTrait,
{
    let model = match all_checked(checked, errors) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Attempt::reject(errors)),
    };
    let mut settled = Settlement::<E>::for_operation(operation);
    match settled.record(db, what, old, model, now, None).await? {
        Ok(written) => {
            settled.finish(db, writer, now).await?;
            Ok(Attempt::commit(written))
        }
        Err(errors) => Ok(Attempt::reject(errors)),
    }
}

/// The stored records of `source` with these external ids (deleted ones included, so an
/// upsert revives them), by external id: the first step of every bulk upsert keyed by
/// `(source, externalId)`.
pub(crate) async fn stored_by_external_id<E, C>(
    db: &C,
    source: &str,
    keys: &[String],
    context: &'static str,
) -> Result<std::collections::HashMap<String, E::Model>, StoreError>
where
    E: EntityTrait,
    E::Model: Synced,
    C: ConnectionTrait,
{
    let column = |name: &str| Expr::col((E::default(), Alias::new(name)));
    Ok(E::find()
        .filter(column("source").eq(source))
        .filter(column("external_id").is_in(keys.iter().cloned()))
        .all(db)
        .await
        .context(context)?
        .into_iter()
        .filter_map(|model| model.external_id().map(str::to_owned).map(|key| (key, model)))
        .collect())
}

/// Each item of a bulk upsert with its stored record (`stored` by key; `None` for a new one),
/// item `i` being keyed `keys[i]`: what a kind's check takes.
pub(crate) fn with_stored<'s, M, F>(
    keys: &[String],
    stored: &'s std::collections::HashMap<String, M>,
    items: Vec<F>,
) -> Vec<(Option<&'s M>, F)> {
    keys.iter().map(|key| stored.get(key)).zip(items).collect()
}

/// Settles the checked items of a bulk upsert (item `i` keyed by `keys[i]`, stored as
/// `stored[keys[i]]` when it exists) through one [`Settlement`]: a result per item, user
/// errors prefixed with `items.<i>`, then the audit and change-log entries of the batch.
/// `what` names the record in conflict messages.
#[expect(clippy::too_many_arguments, reason = "one bulk upsert's items and their context")]
pub(crate) async fn settle_checked<E, C>(
    db: &C,
    writer: &Writer,
    what: &'static str,
    keys: &[String],
    external_ids: Vec<String>,
    stored: &std::collections::HashMap<String, E::Model>,
    checked: Vec<Checked<E::Model>>,
    now: DateTime<Utc>,
) -> Result<Vec<ItemResult>, StoreError>
where
    E: Writable,
    C: ConnectionTrait,
{
    let split = |model, _: Option<&E::Model>| (model, Vec::new(), ());
    let add = |_: &mut (), _: &ItemResult, _: Option<&E::Model>, _: &[&'static str], ()| {};
    let items = (keys, external_ids, checked);
    Settlement::<E>::new()
        .items_with_children(db, writer, (what, now), items, stored, (split, add))
        .await
}

/// A kind of record written by partners through the shared engine: its fields are written
/// once here, and its bulk upsert, create and update follow from them ([`upsert_in`],
/// [`create`], [`update`], and the `upsert` of [`record_entry_points!`]).
pub(crate) trait RecordKind: Send + Sync + 'static {
    /// The table.
    type Entity: EntityTrait<Model = Self::Model>;
    /// A stored row.
    type Model: Synced
        + PartialEq
        + Clone
        + sea_orm::FromQueryResult
        + IntoActiveModel<<Self::Entity as EntityTrait>::ActiveModel>
        + Send
        + Sync;
    /// The whole record as sent (by a bulk upsert item or a create).
    type Fields: Send + 'static;
    /// Changes to a stored record (absent fields keep their value).
    type Patch: Send + 'static;
    /// How the kind is named in messages: `(record, bulk upsert)`, e.g. `("label", "upsertLabels")`.
    const NAMES: Names;
    /// What the store was doing when looking the stored records up, for database errors.
    const LOOKUP: &'static str;

    /// The item's external id, as given.
    fn external_id(fields: &Self::Fields) -> &str;

    /// The whole record: `stored` with `patch` applied.
    fn applied_to(patch: Self::Patch, stored: &Self::Model) -> Self::Fields;

    /// Checks items, each with its stored record (`None` for a new one), and builds the rows to
    /// write, with one query per reference checked. Errors name the fields without the
    /// `items.<i>` prefix; an external id repeated in the batch is a CONFLICT.
    fn check<'a, C: ConnectionTrait>(
        db: &'a C,
        writer: &'a Writer,
        source: &'a str,
        items: Vec<(Option<&'a Self::Model>, Self::Fields)>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Checked<Self::Model>>, StoreError>> + Send + 'a;
}

/// The body of a kind's bulk upsert, inside its transaction: one query for the stored records, the
/// kind's checks, then the settlement of the batch.
pub(crate) async fn upsert_in<K: RecordKind, C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<K::Fields>,
) -> Result<Vec<ItemResult>, StoreError>
where
    K::Entity: Writable,
{
    let now = Utc::now();
    let external_ids: Vec<String> = items.iter().map(|i| K::external_id(i).to_owned()).collect();
    let keys: Vec<String> = external_ids.iter().map(|key| key.trim().to_owned()).collect();
    let stored = stored_by_external_id::<K::Entity, _>(db, source, &keys, K::LOOKUP).await?;
    let checked = K::check(db, writer, source, with_stored(&keys, &stored, items), now).await?;
    settle_checked::<K::Entity, _>(db, writer, K::NAMES.0, &keys, external_ids, &stored, checked, now).await
}

/// Creates a record of kind `K` and of `source` (the key's source when `None`), checked as
/// in [`upsert_in`]; its external id must not be in use in that source.
pub(crate) async fn create<K: RecordKind>(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    fields: K::Fields,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError>
where
    K::Entity: Writable,
{
    let external_id = K::external_id(&fields).to_owned();
    create_record::<K::Entity, _>(
        db,
        writer,
        (source, external_id),
        K::NAMES,
        options,
        move |txn, writer, source, now| {
            Box::pin(async move { Ok(only(K::check(txn, &writer, &source, vec![(None, fields)], now).await?)) })
        },
    )
    .await
}

/// Updates the given fields of record `id` of kind `K`, checked as in [`upsert_in`];
/// `expected_version`, when given, must be its current version.
pub(crate) async fn update<K: RecordKind>(
    db: &DatabaseConnection,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    patch: K::Patch,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError>
where
    K::Entity: Writable,
{
    update_record::<K::Entity, _>(
        db,
        writer,
        (id, expected_version),
        K::NAMES,
        options,
        move |txn, writer, old, now| {
            Box::pin(async move {
                let fields = K::applied_to(patch, &old);
                Ok(only(
                    K::check(txn, &writer, old.source(), vec![(Some(&old), fields)], now).await?,
                ))
            })
        },
    )
    .await
}

/// The public entry points of a [`RecordKind`]: `upsert`, `upsert_in`, `create` and `update`,
/// each a call of the engine's generic write for the kind, with the kind's own names in their
/// documentation (`$record`: "label", "identifier"...).
macro_rules! record_entry_points {
    ($kind:ty, $fields:ty, $patch:ty, $record:literal) => {
        $crate::store::write::bulk::bulk_upsert! {
            #[doc = concat!("Upserts ", $record, "s of `source` keyed by external id; items equal to the stored one are")]
            /// UNCHANGED. Rejected items are skipped unless `atomic`.
            $fields
        }

        /// The body of [`upsert`], inside its transaction.
        pub async fn upsert_in<C: sea_orm::ConnectionTrait>(
            db: &C,
            writer: &$crate::store::write::writer::Writer,
            source: &str,
            items: Vec<$fields>,
        ) -> Result<Vec<$crate::store::write::result::ItemResult>, $crate::store::StoreError> {
            $crate::store::write::record::upsert_in::<$kind, _>(db, writer, source, items).await
        }

        #[doc = concat!("Creates a ", $record, " of `source` (the key's source when `None`), checked as in [`upsert`];")]
        /// its external id must not be in use in that source.
        pub async fn create(
            db: &sea_orm::DatabaseConnection,
            writer: &$crate::store::write::writer::Writer,
            source: Option<String>,
            fields: $fields,
            options: &$crate::store::write::transaction::WriteOptions,
        ) -> Result<$crate::store::write::result::Outcome<$crate::store::write::result::Written>, $crate::store::StoreError>
        {
            $crate::store::write::record::create::<$kind>(db, writer, source, fields, options).await
        }

        #[doc = concat!("Updates the given fields of ", $record, " `id`, checked as in [`upsert`]; `expected_version`,")]
        /// when given, must be its current version.
        pub async fn update(
            db: &sea_orm::DatabaseConnection,
            writer: &$crate::store::write::writer::Writer,
            id: uuid::Uuid,
            expected_version: Option<i32>,
            patch: $patch,
            options: &$crate::store::write::transaction::WriteOptions,
        ) -> Result<$crate::store::write::result::Outcome<$crate::store::write::result::Written>, $crate::store::StoreError>
        {
            $crate::store::write::record::update::<$kind>(db, writer, id, expected_version, patch, options).await
        }
    };
}
pub(crate) use record_entry_points;

/// Stamps a record kind of the engine: the unit struct `$kind`, its [`RecordKind`] impl and its
/// entry points ([`record_entry_points!`]).
///
/// `$entity` is the entity module (its `Entity` and `Model`); `check` is the kind's check;
/// `$fields` and `$patch` are built from the kind's declaration
/// ([`store_types!`](super::declare::store_types)), whose `applied_to` gives the whole fields
/// of a patch over the stored row.
macro_rules! record_kind {
    (
        $(#[doc = $doc:tt])*
        $kind:ident {
            entity: $entity:ident,
            fields: $fields:ident,
            patch: $patch:ident,
            names: ($record:literal, $bulk:literal),
            lookup: $lookup:literal,
            check: $check:path $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $kind;

        impl $crate::store::write::record::RecordKind for $kind {
            type Entity = $entity::Entity;
            type Model = $entity::Model;
            type Fields = $fields;
            type Patch = $patch;
            const NAMES: $crate::store::write::record::Names = ($record, $bulk);
            const LOOKUP: &'static str = $lookup;

            fn external_id(fields: &$fields) -> &str {
                &fields.external_id
            }

            fn applied_to(patch: $patch, stored: &$entity::Model) -> $fields {
                patch.applied_to(stored)
            }

            fn check<'a, C: sea_orm::ConnectionTrait>(
                db: &'a C,
                writer: &'a $crate::store::write::writer::Writer,
                source: &'a str,
                items: Vec<(Option<&'a $entity::Model>, $fields)>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> impl std::future::Future<
                Output = Result<
                    Vec<$crate::store::write::record::Checked<$entity::Model>>,
                    $crate::store::StoreError,
                >,
            > + Send
            + 'a {
                $check(db, writer, source, items, now)
            }
        }

        $crate::store::write::record::record_entry_points!($kind, $fields, $patch, $record);
    };
}
pub(crate) use record_kind;
