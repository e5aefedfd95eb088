//! The GraphQL types of a record kind's mutations, stamped per kind: the schema needs one named
//! type per kind (`CreateLabelInput`, `LabelPayload`...), while their fields, descriptions and
//! the way they are taken apart are the same for every kind and written here once.

/// Stamps a record kind's mutations type `kind`, its `Create<Kind>Input`, `Update<Kind>Input`,
/// `Upsert<Kind>sInput` and `<Kind>Payload`, and their
/// [`MutationTypes`](super::record::MutationTypes) impl.
///
/// `name` is the GraphQL type of the record, `noun` and `article` name it in descriptions;
/// the kind gives the description of its record field on create, of `items` and of the
/// upsert's `idempotencyKey`, and of its record field in the payload.
macro_rules! record_mutation_types {
    (
        kind: $kind:ident,
        name: $name:tt,
        noun: $noun:tt,
        article: $article:tt,
        item: $item:ty,
        patch: $patch:ty,
        node: $node:ty,
        $create:ident { $(#[doc = $record_doc:tt])* $record:ident }
        $update:ident,
        $upsert:ident { $(#[doc = $items_doc:tt])* items, $(#[doc = $retries_doc:tt])* idempotency_key }
        $payload:ident { $(#[doc = $node_doc:tt])* $node_field:ident }
    ) => {
        #[doc = concat!("Mutations of ", $noun, "s.")]
        #[derive(Default)]
        pub struct $kind;

        #[doc = concat!("Input of `create", $name, "`.")]
        #[derive(async_graphql::InputObject, Debug, Clone)]
        pub struct $create {
            /// Source of the record; defaults to the key's source. A partner may only use its own.
            pub source: Option<String>,
            $(#[doc = $record_doc])*
            pub $record: $item,
            /// Run every check and write nothing.
            #[graphql(default)]
            pub validate_only: bool,
            /// Makes retries safe: a retry with the same key and input returns the first result
            /// without writing; the same key with another input is a CONFLICT.
            pub idempotency_key: Option<String>,
            /// Echoed in the payload.
            pub client_mutation_id: Option<String>,
        }

        #[doc = concat!("Input of `update", $name, "`.")]
        #[derive(async_graphql::InputObject, Debug, Clone)]
        pub struct $update {
            #[doc = concat!("Global id of the ", $noun, ".")]
            pub id: async_graphql::ID,
            /// The version the change was made from; when the record is at another version, the
            /// update is a CONFLICT and nothing is written.
            pub expected_version: Option<i32>,
            /// The fields to change (absent: unchanged; null: cleared).
            pub $record: $patch,
            /// Run every check and write nothing.
            #[graphql(default)]
            pub validate_only: bool,
            #[doc = concat!("Makes retries safe (see `Create", $name, "Input.idempotencyKey`).")]
            pub idempotency_key: Option<String>,
            /// Echoed in the payload.
            pub client_mutation_id: Option<String>,
        }

        #[doc = concat!("Input of `upsert", $name, "s`.")]
        #[derive(async_graphql::InputObject, Debug, Clone)]
        pub struct $upsert {
            /// Source of every item; defaults to the key's source. A partner may only use its own.
            pub source: Option<String>,
            $(#[doc = $items_doc])*
            pub items: Vec<$item>,
            /// All or nothing: when any item is rejected, nothing is written.
            #[graphql(default)]
            pub atomic: bool,
            /// Run every check and write nothing.
            #[graphql(default)]
            pub validate_only: bool,
            $(#[doc = $retries_doc])*
            pub idempotency_key: Option<String>,
            /// Echoed in the payload.
            pub client_mutation_id: Option<String>,
        }

        #[doc = concat!("Result of creating or updating ", $article, " ", $noun, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $payload {
            $(#[doc = $node_doc])*
            pub $node_field: Option<$node>,
            /// Why nothing was written; empty on success.
            pub user_errors: Vec<$crate::graphql::mutation::UserError>,
            /// True when this is the replay of an earlier call with the same idempotency key.
            pub replayed: bool,
            /// The input's `clientMutationId`.
            pub client_mutation_id: Option<String>,
        }

        $crate::graphql::mutation::types::write_input!($create => Create<$item>, |input| Create {
            source: input.source,
            record: input.$record,
        });
        $crate::graphql::mutation::types::write_input!($update => Update<$patch>, |input| Update {
            id: input.id,
            expected_version: input.expected_version,
            patch: input.$record,
        });
        $crate::graphql::mutation::types::write_input!($upsert => Upsert<$item>, |input| Upsert {
            source: input.source,
            items: input.items,
            atomic: input.atomic,
        });

        impl $crate::graphql::mutation::record::RecordPayload for $payload {
            type Node = $node;

            fn new(node: Option<$node>, reply: $crate::graphql::mutation::Reply) -> Self {
                Self {
                    $node_field: node,
                    user_errors: reply.user_errors,
                    replayed: reply.replayed,
                    client_mutation_id: reply.client_mutation_id,
                }
            }
        }

        impl $crate::graphql::mutation::record::MutationTypes for $kind {
            const TYPE_NAME: &'static str = $name;
            type Item = $item;
            type PatchInput = $patch;
            type Node = $node;
            type CreateInput = $create;
            type UpdateInput = $update;
            type UpsertInput = $upsert;
            type Payload = $payload;
        }
    };
}

/// Stamps the input and payload of a soft delete, named and described by the caller.
macro_rules! deletion_types {
    (
        $(#[doc = $input_doc:tt])* $input:ident {
            $(#[doc = $id_doc:tt])* id,
            $(#[doc = $retries_doc:tt])* idempotency_key
        }
        $(#[doc = $payload_doc:tt])* $payload:ident { $(#[doc = $deleted_doc:tt])* deleted_id }
    ) => {
        $(#[doc = $input_doc])*
        #[derive(async_graphql::InputObject, Debug, Clone)]
        pub struct $input {
            $(#[doc = $id_doc])*
            pub id: async_graphql::ID,
            /// The version the deletion was decided from (CONFLICT when stale).
            pub expected_version: Option<i32>,
            /// Run every check and write nothing.
            #[graphql(default)]
            pub validate_only: bool,
            $(#[doc = $retries_doc])*
            pub idempotency_key: Option<String>,
            /// Echoed in the payload.
            pub client_mutation_id: Option<String>,
        }

        $(#[doc = $payload_doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $payload {
            $(#[doc = $deleted_doc])*
            pub deleted_id: Option<async_graphql::ID>,
            /// Its version after deletion.
            pub version: Option<i32>,
            /// Why nothing was written; empty on success.
            pub user_errors: Vec<$crate::graphql::mutation::UserError>,
            /// True when this is the replay of an earlier call with the same idempotency key.
            pub replayed: bool,
            /// The input's `clientMutationId`.
            pub client_mutation_id: Option<String>,
        }

        $crate::graphql::mutation::types::write_input!($input => Delete, |input| Delete {
            id: input.id,
            expected_version: input.expected_version,
        });

        impl $crate::graphql::mutation::record::DeletionPayload for $payload {
            fn new(deleted: Option<(async_graphql::ID, i32)>, reply: $crate::graphql::mutation::Reply) -> Self {
                let (deleted_id, version) = deleted.map_or((None, None), |(id, version)| (Some(id), Some(version)));
                Self {
                    deleted_id,
                    version,
                    user_errors: reply.user_errors,
                    replayed: reply.replayed,
                    client_mutation_id: reply.client_mutation_id,
                }
            }
        }
    };
}

/// Implements [`WriteInput`](super::record::WriteInput) for a stamped input: its controls,
/// and its arguments built by `$parts` from the input's other fields.
macro_rules! write_input {
    ($input:ty => $parts:ident $(<$arg:ty>)?, |$this:ident| $make:expr) => {
        impl $crate::graphql::mutation::record::WriteInput for $input {
            type Parts = $crate::graphql::mutation::record::$parts $(<$arg>)?;

            fn idempotency_key(&self) -> Option<&str> {
                self.idempotency_key.as_deref()
            }

            fn into_parts(self) -> ($crate::graphql::mutation::record::Controls, Self::Parts) {
                use $crate::graphql::mutation::record::$parts;
                let $this = self;
                let controls = $crate::graphql::mutation::record::Controls {
                    validate_only: $this.validate_only,
                    client_mutation_id: $this.client_mutation_id,
                };
                (controls, $make)
            }
        }
    };
}

/// Stamps a root object of thin resolvers: each entry is a mutation field `$name` with its
/// description, taking `input` (described by `desc`) and handing it to the generic `$run`.
macro_rules! mutation_root {
    (
        impl $root:ty {
            $(
                $(#[doc = $doc:tt])*
                fn $name:ident(#[desc = $desc:tt] input: $input:ty) -> $payload:ty = $run:path;
            )*
        }
    ) => {
        #[async_graphql::Object]
        impl $root {
            $(
                $(#[doc = $doc])*
                async fn $name(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = $desc)] input: $input,
                ) -> async_graphql::Result<$payload> {
                    $run(ctx, input).await
                }
            )*
        }
    };
}

pub(crate) use deletion_types;
pub(crate) use mutation_root;
pub(crate) use record_mutation_types;
pub(crate) use write_input;
