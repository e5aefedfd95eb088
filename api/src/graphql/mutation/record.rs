//! The one shape of a record mutation: create, partial update, soft delete and bulk upsert
//! by `(source, externalId)`, for every record kind that implements [`MutableKind`].
//!
//! Every mutation runs the same steps: take the writer (UNAUTHENTICATED when anonymous),
//! build the write options (`validateOnly`, the idempotency key guarding the operation and its
//! whole input), turn global ids and inputs into the store's fields (user errors, nothing
//! written), call the store, and answer with the record as written, the `userErrors`, whether
//! the call was a replay and the `clientMutationId`. A kind only says how its inputs become
//! store fields and which store functions write and read it.

use std::future::Future;

use async_graphql::{Context, ID, InputType, MaybeUndefined};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    Reply, UserError,
    upsert::{UpsertPayload, upsert_payload},
    writer,
};
use crate::{
    access::Access,
    error_code::ErrorCode,
    graphql::{
        errors::OrInternal,
        node::{global_id, parse_global_id},
    },
    store::{
        StoreError,
        write::{self, IdempotencyKey, Outcome, WriteOptions, Writer},
        write::{BulkResult, Patch, Written},
    },
};

/// What a store write of one record returns.
pub type SingleWrite = Result<Outcome<Written>, StoreError>;

/// What a store bulk upsert returns.
pub type BulkWrite = Result<Outcome<BulkResult>, StoreError>;

/// Where and how a store write runs.
#[derive(Clone, Copy)]
pub struct WriteTo<'a> {
    /// The primary database.
    pub db: &'a DatabaseConnection,
    /// Who writes.
    pub writer: &'a Writer,
    /// `validateOnly`, idempotency key, retention.
    pub options: &'a WriteOptions,
}

impl<'a> WriteTo<'a> {
    /// A write by `writer` on `db` with `options`.
    pub fn new(db: &'a DatabaseConnection, writer: &'a Writer, options: &'a WriteOptions) -> Self {
        Self { db, writer, options }
    }
}

/// The arguments of a create: the source (the key's by default) and the whole record.
pub struct Create<T> {
    /// Source of the record.
    pub source: Option<String>,
    /// The record's input.
    pub record: T,
}

/// The arguments of a partial update.
pub struct Update<T> {
    /// Global id of the record.
    pub id: ID,
    /// The version the change was made from.
    pub expected_version: Option<i32>,
    /// The fields to change.
    pub patch: T,
}

/// The arguments of a bulk upsert.
pub struct Upsert<T> {
    /// Source of every item.
    pub source: Option<String>,
    /// The whole records, each keyed by its external id.
    pub items: Vec<T>,
    /// All or nothing.
    pub atomic: bool,
}

/// The arguments of a soft delete.
pub struct Delete {
    /// Global id of the record.
    pub id: ID,
    /// The version the deletion was decided from.
    pub expected_version: Option<i32>,
}

/// What every write input carries besides its arguments.
pub struct Controls {
    /// Run every check and write nothing.
    pub validate_only: bool,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// A GraphQL input of a write: its idempotency key, then its controls and arguments.
pub trait WriteInput: InputType {
    /// The arguments of the write ([`Create`], [`Update`], [`Upsert`] or [`Delete`]).
    type Parts;
    /// The client's idempotency key, as sent.
    fn idempotency_key(&self) -> Option<&str>;
    /// Splits the input into its controls and arguments.
    fn into_parts(self) -> (Controls, Self::Parts);
}

/// The payload of a create or update of a record of GraphQL type `Node`.
pub trait RecordPayload {
    /// The GraphQL type of the record.
    type Node;
    /// The payload of the record as written (none when rejected or not committed).
    fn new(node: Option<Self::Node>, reply: Reply) -> Self;
}

/// The payload of a soft delete.
pub trait DeletionPayload {
    /// The payload of the deleted record's global id and version (none when rejected or not
    /// committed).
    fn new(deleted: Option<(ID, i32)>, reply: Reply) -> Self;
}

/// The GraphQL types of a record kind's mutations, stamped by `record_mutation_types!`.
pub trait MutationTypes {
    /// GraphQL type name of the record: the kind of its global ids, and the operation names
    /// (`create<TYPE_NAME>`, `upsert<TYPE_NAME>s`...) that idempotency keys guard.
    const TYPE_NAME: &'static str;
    /// Input of the whole record (create, upsert items).
    type Item: Send;
    /// Input of the fields to change.
    type PatchInput: Send;
    /// GraphQL type of the record.
    type Node: Send;
    /// Input of the create mutation.
    type CreateInput: WriteInput<Parts = Create<Self::Item>> + Send;
    /// Input of the update mutation.
    type UpdateInput: WriteInput<Parts = Update<Self::PatchInput>> + Send;
    /// Input of the bulk upsert mutation.
    type UpsertInput: WriteInput<Parts = Upsert<Self::Item>> + Send;
    /// Payload of the create and update mutations.
    type Payload: RecordPayload<Node = Self::Node> + Send;
}

/// A kind of record written through the API: how its inputs become the store's fields and
/// which store functions write and read it.
pub trait MutableKind: MutationTypes + Send + Sync + 'static {
    /// The store's fields of a whole record.
    type Fields: Send;
    /// The store's patch of a record.
    type Patch: Send;

    /// The store's fields of `item`; errors name its fields under `prefix` (`items.3.`).
    fn fields(item: Self::Item, prefix: &str) -> Result<Self::Fields, Rejection>;
    /// The store's patch; errors name its fields.
    fn patch(input: Self::PatchInput) -> Result<Self::Patch, Rejection>;
    /// Creates a record.
    fn create(
        to: WriteTo<'_>,
        source: Option<String>,
        fields: Self::Fields,
    ) -> impl Future<Output = SingleWrite> + Send;
    /// Updates record `id`.
    fn update(
        to: WriteTo<'_>,
        id: Uuid,
        expected_version: Option<i32>,
        patch: Self::Patch,
    ) -> impl Future<Output = SingleWrite> + Send;
    /// Soft-deletes record `id`.
    fn delete(to: WriteTo<'_>, id: Uuid, expected_version: Option<i32>) -> impl Future<Output = SingleWrite> + Send;
    /// Creates or updates records keyed by `(source, externalId)`.
    fn upsert(
        to: WriteTo<'_>,
        source: Option<String>,
        items: Vec<Self::Fields>,
        atomic: bool,
    ) -> impl Future<Output = BulkWrite> + Send;
    /// The live record `id`, as its GraphQL type.
    fn load(db: &DatabaseConnection, id: Uuid) -> impl Future<Output = Result<Option<Self::Node>, StoreError>> + Send;
}

/// The user errors that reject an input: nothing is written.
pub type Rejection = Vec<write::UserError>;

/// The row id of the organisation named by global id `id` in field `{prefix}organisationId`.
pub fn organisation_row_id(id: &ID, prefix: &str) -> Result<Uuid, Rejection> {
    organisation_row_id_of(id, prefix, "organisation_id")
}

/// The row id of the organisation named by global id `id` in the input field whose Rust name
/// is `field` (`{prefix}` and the field's GraphQL name in the user error).
pub fn organisation_row_id_of(id: &ID, prefix: &str, field: &str) -> Result<Uuid, Rejection> {
    row_id(id, "Organisation", &format!("{prefix}{}", graphql_name(field))).map_err(|error| vec![error])
}

/// The GraphQL name of a Rust field name (`organisation_id` is `organisationId`).
pub(crate) fn graphql_name(field: &str) -> String {
    let mut name = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            name.extend(c.to_uppercase());
            upper = false;
        } else {
            name.push(c);
        }
    }
    name
}

/// A patch of a nullable field: absent leaves it, null clears it, a value sets it.
pub fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

/// The row id of a global id of `type_name`, as a UUID; a user error on `field` otherwise.
pub fn row_id(id: &ID, type_name: &str, field: &str) -> Result<Uuid, write::UserError> {
    let bad = || {
        write::UserError::new(
            field,
            format!("{:?} is not the id of a {type_name}", id.as_str()),
            ErrorCode::BadUserInput,
        )
    };
    let (kind, key) = parse_global_id(id).map_err(|_| bad())?;
    if kind != type_name {
        return Err(bad());
    }
    key.parse().map_err(|_| bad())
}

/// How a write ended, as its payload tells it.
pub struct Settled<T> {
    /// The result, unless the write was rejected.
    pub result: Option<T>,
    /// Whether it was committed (written or replayed).
    pub committed: bool,
    /// Why nothing was written.
    pub user_errors: Vec<UserError>,
    /// Whether it was the replay of an earlier call.
    pub replayed: bool,
}

impl<T> From<Outcome<T>> for Settled<T> {
    fn from(outcome: Outcome<T>) -> Self {
        let (result, committed, user_errors, replayed) = match outcome {
            Outcome::Written(result) => (Some(result), true, Vec::new(), false),
            Outcome::Replayed(result) => (Some(result), true, Vec::new(), true),
            Outcome::Validated(result) => (Some(result), false, Vec::new(), false),
            Outcome::Rejected(errors) => (None, false, errors.into_iter().map(Into::into).collect(), false),
        };
        Self {
            result,
            committed,
            user_errors,
            replayed,
        }
    }
}

impl<T> Settled<T> {
    /// The result (when `committed_only`, only a committed one), and the rest of the payload.
    fn reply(self, committed_only: bool, client_mutation_id: Option<String>) -> (Option<T>, Reply) {
        let reply = Reply {
            user_errors: self.user_errors,
            replayed: self.replayed,
            client_mutation_id,
        };
        (self.result.filter(|_| self.committed || !committed_only), reply)
    }
}

/// A write input taken apart: its write options (or the user error in them), the
/// `clientMutationId` and the arguments.
struct Begun<P> {
    options: Result<WriteOptions, write::UserError>,
    client_mutation_id: Option<String>,
    parts: P,
}

/// Takes `input` of `operation` apart: `validateOnly`, and the idempotency key guarding
/// `operation` run with the whole input (hashed).
fn begin<I: WriteInput>(ctx: &Context<'_>, operation: &str, input: I) -> Begun<I::Parts> {
    let retention = ctx.data_opt::<Access>().map_or_else(
        || Access::default().idempotency_retention,
        |access| access.idempotency_retention,
    );
    let idempotency = input
        .idempotency_key()
        .map(|key| IdempotencyKey::new(key, operation, &input.to_value().into_json().unwrap_or_default()))
        .transpose();
    let (controls, parts) = input.into_parts();
    Begun {
        options: idempotency.map(|idempotency| WriteOptions {
            validate_only: controls.validate_only,
            idempotency,
            retention,
        }),
        client_mutation_id: controls.client_mutation_id,
        parts,
    }
}

/// The payload of a single-record write: the record reloaded when committed.
async fn record_payload<K: MutableKind>(
    db: &DatabaseConnection,
    outcome: Outcome<Written>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<K::Payload> {
    let (written, reply) = Settled::from(outcome).reply(true, client_mutation_id);
    let node = match written {
        Some(written) => K::load(db, written.id).await.or_internal()?,
        None => None,
    };
    Ok(K::Payload::new(node, reply))
}

/// Creates a record of kind `K`.
pub async fn create<K: MutableKind>(ctx: &Context<'_>, input: K::CreateInput) -> async_graphql::Result<K::Payload> {
    let writer = writer(ctx)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let begun = begin(ctx, &format!("create{}", K::TYPE_NAME), input);
    let Create { source, record } = begun.parts;
    let prepared = begun
        .options
        .map_err(|error| vec![error])
        .and_then(|options| Ok((options, K::fields(record, "")?)));
    let outcome = match prepared {
        Ok((options, fields)) => K::create(WriteTo::new(db, &writer, &options), source, fields)
            .await
            .or_internal()?,
        Err(errors) => Outcome::Rejected(errors),
    };
    record_payload::<K>(db, outcome, begun.client_mutation_id).await
}

/// Updates the given fields of a record of kind `K`.
pub async fn update<K: MutableKind>(ctx: &Context<'_>, input: K::UpdateInput) -> async_graphql::Result<K::Payload> {
    let writer = writer(ctx)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let begun = begin(ctx, &format!("update{}", K::TYPE_NAME), input);
    let Update {
        id,
        expected_version,
        patch,
    } = begun.parts;
    let prepared = begun
        .options
        .and_then(|options| Ok((options, row_id(&id, K::TYPE_NAME, "id")?)))
        .map_err(|error| vec![error])
        .and_then(|(options, id)| Ok((options, id, K::patch(patch)?)));
    let outcome = match prepared {
        Ok((options, id, patch)) => K::update(WriteTo::new(db, &writer, &options), id, expected_version, patch)
            .await
            .or_internal()?,
        Err(errors) => Outcome::Rejected(errors),
    };
    record_payload::<K>(db, outcome, begun.client_mutation_id).await
}

/// Soft-deletes a record of kind `K`; the payload `P` names it by global id.
pub async fn delete<K, I, P>(ctx: &Context<'_>, input: I) -> async_graphql::Result<P>
where
    K: MutableKind,
    I: WriteInput<Parts = Delete>,
    P: DeletionPayload,
{
    let writer = writer(ctx)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let begun = begin(ctx, &format!("delete{}", K::TYPE_NAME), input);
    let Delete { id, expected_version } = begun.parts;
    let prepared = begun
        .options
        .and_then(|options| Ok((options, row_id(&id, K::TYPE_NAME, "id")?)));
    let outcome = match prepared {
        Ok((options, id)) => K::delete(WriteTo::new(db, &writer, &options), id, expected_version)
            .await
            .or_internal()?,
        Err(error) => Outcome::Rejected(vec![error]),
    };
    let (written, reply) = Settled::from(outcome).reply(true, begun.client_mutation_id);
    Ok(P::new(
        written.map(|w| (global_id(K::TYPE_NAME, w.id), w.version)),
        reply,
    ))
}

/// Creates or updates records of kind `K` keyed by `(source, externalId)`, with a result per
/// item. A malformed item (a bad global id...) rejects the whole call.
pub async fn upsert<K: MutableKind>(ctx: &Context<'_>, input: K::UpsertInput) -> async_graphql::Result<UpsertPayload> {
    let writer = writer(ctx)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let begun = begin(ctx, &format!("upsert{}s", K::TYPE_NAME), input);
    let Upsert { source, items, atomic } = begun.parts;
    let outcome = match begun.options {
        Ok(options) => {
            let mut fields = Vec::with_capacity(items.len());
            let mut errors = Vec::new();
            for (index, item) in items.into_iter().enumerate() {
                match K::fields(item, &format!("items.{index}.")) {
                    Ok(item) => fields.push(item),
                    Err(item_errors) => errors.extend(item_errors),
                }
            }
            if errors.is_empty() {
                K::upsert(WriteTo::new(db, &writer, &options), source, fields, atomic)
                    .await
                    .or_internal()?
            } else {
                Outcome::Rejected(errors)
            }
        }
        Err(error) => Outcome::Rejected(vec![error]),
    };
    let (result, reply) = Settled::from(outcome).reply(false, begun.client_mutation_id);
    Ok(upsert_payload(result, K::TYPE_NAME, reply))
}

/// Implements the store calls of [`MutableKind`] with the `create`, `update` and `upsert`
/// functions of store module `$store`, and soft deletion with `$store::delete` or, given a
/// [`Deletable`](crate::store::write::delete::Deletable), with the shared soft delete; given
/// `load: $by_ids => $node`, also `load`, with the store's live records by id `$by_ids`
/// wrapped in the GraphQL type by `$node`.
macro_rules! store_writes {
    ($store:ident $(, $deletable:expr)?; load: $by_ids:path => $node:expr) => {
        $crate::graphql::mutation::record::store_writes!($store $(, $deletable)?);

        async fn load(
            db: &sea_orm::DatabaseConnection,
            id: uuid::Uuid,
        ) -> Result<Option<Self::Node>, $crate::store::StoreError> {
            Ok($by_ids(db, &[id]).await?.pop().map($node))
        }
    };
    ($store:ident $(, $deletable:expr)?) => {
        fn create(
            to: $crate::graphql::mutation::record::WriteTo<'_>,
            source: Option<String>,
            fields: Self::Fields,
        ) -> impl Future<Output = $crate::graphql::mutation::record::SingleWrite> + Send {
            $store::create(to.db, to.writer, source, fields, to.options)
        }

        fn update(
            to: $crate::graphql::mutation::record::WriteTo<'_>,
            id: uuid::Uuid,
            expected_version: Option<i32>,
            patch: Self::Patch,
        ) -> impl Future<Output = $crate::graphql::mutation::record::SingleWrite> + Send {
            $store::update(to.db, to.writer, id, expected_version, patch, to.options)
        }

        fn delete(
            to: $crate::graphql::mutation::record::WriteTo<'_>,
            id: uuid::Uuid,
            expected_version: Option<i32>,
        ) -> impl Future<Output = $crate::graphql::mutation::record::SingleWrite> + Send {
            $crate::graphql::mutation::record::store_writes!(@delete $store $(, $deletable)?; to, id, expected_version)
        }

        fn upsert(
            to: $crate::graphql::mutation::record::WriteTo<'_>,
            source: Option<String>,
            items: Vec<Self::Fields>,
            atomic: bool,
        ) -> impl Future<Output = $crate::graphql::mutation::record::BulkWrite> + Send {
            $store::upsert(to.db, to.writer, source, items, atomic, to.options)
        }
    };
    (@delete $store:ident; $to:ident, $id:ident, $expected_version:ident) => {
        $store::delete($to.db, $to.writer, $id, $expected_version, $to.options)
    };
    (@delete $store:ident, $deletable:expr; $to:ident, $id:ident, $expected_version:ident) => {
        $crate::store::write::delete::delete($to.db, $to.writer, $deletable, $id, $expected_version, $to.options)
    };
}

pub(crate) use store_writes;
