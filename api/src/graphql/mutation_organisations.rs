//! Mutations of organisations: create, partial update, soft delete, bulk upsert by
//! `(source, externalId)`. Resolvers are thin: input -> store write -> payload.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use super::{
    enums::{EssFamily, OrganisationStatus},
    errors::OrInternal,
    mutation::{UpsertPayload, UserError, options, row_id, upsert_payload, writer},
    node::global_id,
    organisation::Organisation,
};
use crate::store::{
    write::{self, Outcome},
    write::{
        Patch,
        organisation::{self as store, OrganisationFields},
    },
};

/// A patch of a nullable field: absent leaves it, null clears it, a value sets it.
pub(super) fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

/// Fields of an organisation. On create and in a bulk upsert, absent fields take their
/// default (null, family UNKNOWN, status ACTIVE); on update, absent fields are left unchanged
/// and `null` clears a field.
#[derive(InputObject, Debug, Clone, Default)]
pub struct OrganisationFieldsInput {
    /// Name (dénomination); required on create.
    pub name: Option<String>,
    /// SIREN, 9 digits with a valid Luhn key (spaces ignored).
    pub siren: MaybeUndefined<String>,
    /// RNA number of an association, `W` + 9 digits.
    pub rna: MaybeUndefined<String>,
    /// Acronym (sigle).
    pub acronym: MaybeUndefined<String>,
    /// INSEE legal category, 4 digits (e.g. `9220` for a declared association).
    pub legal_category_code: MaybeUndefined<String>,
    /// SSE family, as declared by the writer.
    pub ess_family: Option<EssFamily>,
    /// Main activity, NAF rév. 2 (e.g. `88.99B`).
    pub naf_code: MaybeUndefined<String>,
    /// Administrative status.
    pub admin_status: Option<OrganisationStatus>,
    /// Creation date.
    pub created_on: MaybeUndefined<NaiveDate>,
    /// Cessation date, not before `createdOn`.
    pub ceased_on: MaybeUndefined<NaiveDate>,
    /// For a public authority, the territory it governs, as a territory key: `COM:13055`,
    /// `EPCI:200054807`, `DEP:13` or `REG:93`.
    pub public_authority_territory_id: MaybeUndefined<String>,
    /// Id of the record in the writer's source; required in a bulk upsert, where it is the key.
    pub external_id: MaybeUndefined<String>,
    /// Last update time of the record in its source.
    pub source_updated_at: MaybeUndefined<DateTime<Utc>>,
}

impl From<OrganisationFieldsInput> for OrganisationFields {
    fn from(input: OrganisationFieldsInput) -> Self {
        Self {
            name: input.name,
            siren: patch(input.siren),
            rna: patch(input.rna),
            acronym: patch(input.acronym),
            legal_category_code: patch(input.legal_category_code),
            ess_family: input.ess_family.map(Into::into),
            naf_code: patch(input.naf_code),
            admin_status: input.admin_status.map(Into::into),
            created_on: patch(input.created_on),
            ceased_on: patch(input.ceased_on),
            public_authority_territory_id: patch(input.public_authority_territory_id),
            external_id: patch(input.external_id),
            source_updated_at: patch(input.source_updated_at),
        }
    }
}

/// Input of `createOrganisation`.
#[derive(InputObject, Debug, Clone)]
pub struct CreateOrganisationInput {
    /// Source of the record; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// The organisation's fields.
    pub organisation: OrganisationFieldsInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe: a retry with the same key and input returns the first result
    /// without writing; the same key with another input is a CONFLICT.
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Input of `updateOrganisation`.
#[derive(InputObject, Debug, Clone)]
pub struct UpdateOrganisationInput {
    /// Global id of the organisation.
    pub id: ID,
    /// The version the change was made from; when the record is at another version, the
    /// update is a CONFLICT and nothing is written.
    pub expected_version: Option<i32>,
    /// The fields to change (absent: unchanged; null: cleared).
    pub organisation: OrganisationFieldsInput,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreateOrganisationInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Input of `deleteOrganisation`.
#[derive(InputObject, Debug, Clone)]
pub struct DeleteOrganisationInput {
    /// Global id of the organisation.
    pub id: ID,
    /// The version the deletion was decided from (CONFLICT when stale).
    pub expected_version: Option<i32>,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreateOrganisationInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Input of `upsertOrganisations`.
#[derive(InputObject, Debug, Clone)]
pub struct UpsertOrganisationsInput {
    /// Source of every item; defaults to the key's source. A partner may only use its own.
    pub source: Option<String>,
    /// Up to 1 000 whole records, each keyed by its `externalId`.
    pub items: Vec<OrganisationFieldsInput>,
    /// All or nothing: when any item is rejected, nothing is written.
    #[graphql(default)]
    pub atomic: bool,
    /// Run every check and write nothing.
    #[graphql(default)]
    pub validate_only: bool,
    /// Makes retries safe (see `CreateOrganisationInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
    /// Echoed in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of creating or updating an organisation.
#[derive(SimpleObject)]
pub struct OrganisationPayload {
    /// The organisation as written (null when rejected or `validateOnly`).
    pub organisation: Option<Organisation>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// Result of deleting an organisation.
#[derive(SimpleObject)]
pub struct DeleteOrganisationPayload {
    /// Global id of the deleted organisation (null when rejected or `validateOnly`).
    pub deleted_id: Option<ID>,
    /// Its version after deletion.
    pub version: Option<i32>,
    /// Why nothing was written; empty on success.
    pub user_errors: Vec<UserError>,
    /// True when this is the replay of an earlier call with the same idempotency key.
    pub replayed: bool,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// Mutations of organisations.
#[derive(Default)]
pub struct OrganisationMutation;

/// Splits an outcome into (result, committed, user errors, replayed).
pub(super) fn split<T>(outcome: Outcome<T>) -> (Option<T>, bool, Vec<UserError>, bool) {
    match outcome {
        Outcome::Written(result) => (Some(result), true, Vec::new(), false),
        Outcome::Replayed(result) => (Some(result), true, Vec::new(), true),
        Outcome::Validated(result) => (Some(result), false, Vec::new(), false),
        Outcome::Rejected(errors) => (None, false, errors.into_iter().map(Into::into).collect(), false),
    }
}

async fn record_payload(
    db: &DatabaseConnection,
    outcome: Result<Outcome<write::Written>, write::UserError>,
    client_mutation_id: Option<String>,
) -> async_graphql::Result<OrganisationPayload> {
    let outcome = outcome.unwrap_or_else(|error| Outcome::Rejected(vec![error]));
    let (written, committed, user_errors, replayed) = split(outcome);
    let organisation = match written.filter(|_| committed) {
        Some(written) => store::by_id_any(db, written.id)
            .await
            .or_internal()?
            .filter(|o| o.deleted_at.is_none())
            .map(Organisation::from),
        None => None,
    };
    Ok(OrganisationPayload {
        organisation,
        user_errors,
        replayed,
        client_mutation_id,
    })
}

#[Object]
impl OrganisationMutation {
    /// Creates an organisation. Needs a key; a partner creates records of its own source.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation and how to write it.")] input: CreateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let outcome = match options(
            ctx,
            "createOrganisation",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        ) {
            Ok(options) => Ok(
                store::create(db, &writer, input.source, input.organisation.into(), &options)
                    .await
                    .or_internal()?,
            ),
            Err(error) => Err(error),
        };
        record_payload(db, outcome, client_mutation_id).await
    }

    /// Updates the given fields of an organisation (absent fields are unchanged). A partner
    /// may only update records of its own source.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation, its expected version and the fields to change.")]
        input: UpdateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let prepared = options(
            ctx,
            "updateOrganisation",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| Ok((options, row_id(&input.id, "Organisation", "id")?)));
        let outcome = match prepared {
            Ok((options, id)) => Ok(store::update(
                db,
                &writer,
                id,
                input.expected_version,
                input.organisation.into(),
                &options,
            )
            .await
            .or_internal()?),
            Err(error) => Err(error),
        };
        record_payload(db, outcome, client_mutation_id).await
    }

    /// Soft-deletes an organisation: hidden from reads, kept for the change feed (a DELETE
    /// event). A partner may only delete records of its own source.
    async fn delete_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation and its expected version.")] input: DeleteOrganisationInput,
    ) -> async_graphql::Result<DeleteOrganisationPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let prepared = options(
            ctx,
            "deleteOrganisation",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        )
        .and_then(|options| Ok((options, row_id(&input.id, "Organisation", "id")?)));
        let outcome = match prepared {
            Ok((options, id)) => store::delete(db, &writer, id, input.expected_version, &options)
                .await
                .or_internal()?,
            Err(error) => Outcome::Rejected(vec![error]),
        };
        let (written, committed, user_errors, replayed) = split(outcome);
        let written = written.filter(|_| committed);
        Ok(DeleteOrganisationPayload {
            deleted_id: written.map(|w| global_id("Organisation", w.id)),
            version: written.map(|w| w.version),
            user_errors,
            replayed,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Creates or updates up to 1 000 organisations of one source, keyed by `externalId`,
    /// with a result per item. Items equal to the stored record are UNCHANGED (no new
    /// version, no change-feed event). Rejected items are skipped unless `atomic` is true,
    /// when any rejection writes nothing.
    async fn upsert_organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The items and how to write them.")] input: UpsertOrganisationsInput,
    ) -> async_graphql::Result<UpsertPayload> {
        let writer = writer(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let client_mutation_id = input.client_mutation_id.clone();
        let outcome = match options(
            ctx,
            "upsertOrganisations",
            &input,
            input.validate_only,
            input.idempotency_key.as_deref(),
        ) {
            Ok(options) => {
                let items = input.items.into_iter().map(Into::into).collect();
                store::upsert(db, &writer, input.source, items, input.atomic, &options)
                    .await
                    .or_internal()?
            }
            Err(error) => Outcome::Rejected(vec![error]),
        };
        Ok(upsert_payload(outcome, "Organisation", client_mutation_id))
    }
}
