//! Partner writes of organisations: create, partial update, soft delete, and bulk upsert keyed
//! by `(source, externalId)`. Every input is validated with the domain types; references
//! (territories) and unique values (SIREN, RNA) are checked in one query per batch.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{ChangeOp, EssFamily, EssFamilyBasis, NafNomenclature, OrganisationStatus},
    organisation, territory,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    audit::{AuditEntry, audit},
    bulk::run_bulk,
    fields::{check_source_updated_at, text},
    result::{BulkResult, ItemResult, ItemStatus, Outcome, Patch, UserError, Written},
    settle::{Settlement, changed_fields},
    transaction::{Attempt, WriteOptions, run},
    writer::Writer,
};
use crate::domain::{
    NafCode, Rna, Siren, ValidationError,
    text::{fold_for_search, searchable_name},
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError, Synced, award_lines, changes, insert_chunked},
};

/// Organisation fields as sent by a partner, not yet validated. On create and in a bulk
/// upsert, absent fields take their default; on update, absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganisationFields {
    /// Name (required on create).
    pub name: Option<String>,
    /// SIREN.
    pub siren: Patch<String>,
    /// RNA number.
    pub rna: Patch<String>,
    /// Acronym.
    pub acronym: Patch<String>,
    /// INSEE legal category, four digits.
    pub legal_category_code: Patch<String>,
    /// SSE family (declared by the writer).
    pub ess_family: Option<EssFamily>,
    /// NAF rév. 2 code.
    pub naf_code: Patch<String>,
    /// Administrative status.
    pub admin_status: Option<OrganisationStatus>,
    /// Creation date.
    pub created_on: Patch<NaiveDate>,
    /// Cessation date (not before the creation date).
    pub ceased_on: Patch<NaiveDate>,
    /// Territory governed, for a public authority (`COM:13055`, `DEP:13`, `EPCI:<siren>`...).
    pub public_authority_territory_id: Patch<String>,
    /// Id of the record in its source.
    pub external_id: Patch<String>,
    /// Last update time in the source.
    pub source_updated_at: Patch<DateTime<Utc>>,
}

/// A blank organisation of `source`, to apply fields onto.
pub(super) fn blank(source: String, now: DateTime<Utc>) -> organisation::Model {
    organisation::Model {
        id: Uuid::now_v7(),
        siren: None,
        rna: None,
        name: String::new(),
        name_search: String::new(),
        acronym: None,
        legal_category_code: None,
        ess_family: EssFamily::Unknown,
        ess_family_basis: EssFamilyBasis::None,
        sirene_ess_flag: None,
        societe_mission: None,
        naf_code: None,
        naf_nomenclature: None,
        headcount_band: None,
        headcount_year: None,
        employer: None,
        company_category: None,
        admin_status: OrganisationStatus::Active,
        created_on: None,
        ceased_on: None,
        diffusible: true,
        resolved: true,
        public_authority_territory_id: None,
        source,
        external_id: None,
        source_updated_at: None,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        version: 1,
    }
}

/// A minimal organisation known only by its SIREN (from a contract's buyer or supplier),
/// marked unresolved until register data enriches it; keyed by its SIREN in `source`.
pub(crate) fn unresolved(source: &str, siren: &str, name: Option<&str>, now: DateTime<Utc>) -> organisation::Model {
    let mut model = blank(source.to_owned(), now);
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(|| format!("SIREN {siren}"), |n| n.chars().take(500).collect());
    model.name_search = fold_for_search(&name);
    model.name = name;
    model.siren = Some(siren.to_owned());
    model.resolved = false;
    model.external_id = Some(siren.to_owned());
    model
}

/// Applies `fields` onto `model`, validating each; returns the errors (field names as in the
/// GraphQL input).
pub(super) fn apply(fields: OrganisationFields, model: &mut organisation::Model, creating: bool) -> Vec<UserError> {
    let mut errors = Vec::new();
    let mut check = |result: Result<(), ValidationError>| {
        if let Err(invalid) = result {
            errors.push(UserError::from(invalid));
        }
    };
    match fields.name {
        Some(name) => match text(Some(name.clone())) {
            Some(name) if name.chars().count() <= 500 => {
                model.name_search = searchable_name(&name, model.diffusible);
                model.name = name;
            }
            Some(_) => check(Err(ValidationError::new(
                "name",
                name,
                "must have at most 500 characters",
            ))),
            None => check(Err(ValidationError::new("name", name, "must not be empty"))),
        },
        None if creating => check(Err(ValidationError::new("name", "", "is required"))),
        None => {}
    }
    if let Some(siren) = fields.siren {
        check(
            text(siren)
                .map(|s| Siren::parse(&s).map(|s| s.as_str().to_owned()))
                .transpose()
                .map(|s| model.siren = s),
        );
    }
    if let Some(rna) = fields.rna {
        check(
            text(rna)
                .map(|r| Rna::parse(&r).map(|r| r.as_str().to_owned()))
                .transpose()
                .map(|r| model.rna = r),
        );
    }
    if let Some(acronym) = fields.acronym {
        model.acronym = text(acronym);
    }
    if let Some(code) = fields.legal_category_code {
        match text(code) {
            Some(code) if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) => {
                model.legal_category_code = Some(code);
            }
            Some(code) => check(Err(ValidationError::new(
                "legalCategoryCode",
                code,
                "must be the 4 digits of an INSEE legal category",
            ))),
            None => model.legal_category_code = None,
        }
    }
    if let Some(family) = fields.ess_family {
        model.ess_family = family;
        model.ess_family_basis = if family == EssFamily::Unknown {
            EssFamilyBasis::None
        } else {
            EssFamilyBasis::Declared
        };
    }
    if let Some(naf) = fields.naf_code {
        check(
            text(naf)
                .map(|n| NafCode::parse(&n).map(|n| n.as_str().to_owned()))
                .transpose()
                .map(|n| {
                    model.naf_nomenclature = n.as_ref().map(|_| NafNomenclature::NafRev2);
                    model.naf_code = n;
                }),
        );
    }
    if let Some(status) = fields.admin_status {
        model.admin_status = status;
    }
    if let Some(created_on) = fields.created_on {
        model.created_on = created_on;
    }
    if let Some(ceased_on) = fields.ceased_on {
        model.ceased_on = ceased_on;
    }
    if let (Some(created), Some(ceased)) = (model.created_on, model.ceased_on)
        && ceased < created
    {
        check(Err(ValidationError::new(
            "ceasedOn",
            ceased.to_string(),
            format!("must not be before createdOn ({created})"),
        )));
    }
    if let Some(territory) = fields.public_authority_territory_id {
        model.public_authority_territory_id = text(territory);
    }
    if let Some(external_id) = fields.external_id {
        match text(external_id) {
            Some(id) if id.chars().count() > 200 => check(Err(ValidationError::new(
                "externalId",
                id,
                "must have at most 200 characters",
            ))),
            id => model.external_id = id,
        }
    }
    if let Some(at) = fields.source_updated_at {
        if let Err(error) = check_source_updated_at("sourceUpdatedAt", at, Utc::now()) {
            errors.push(error);
        }
        model.source_updated_at = at;
    }
    errors
}

/// Checks, in one query per kind, that the territories exist and that no other live
/// organisation holds the same SIREN, RNA or `(source, externalId)`; pushes errors per model
/// index, with field names prefixed by `prefix(index)`.
pub(super) async fn check_references<C: ConnectionTrait>(
    db: &C,
    models: &[(usize, &organisation::Model)],
    errors: &mut HashMap<usize, Vec<UserError>>,
) -> Result<(), StoreError> {
    let territories: HashSet<String> = models
        .iter()
        .filter_map(|(_, m)| m.public_authority_territory_id.clone())
        .collect();
    let known: HashSet<String> = if territories.is_empty() {
        HashSet::new()
    } else {
        territory::Entity::find()
            .select_only()
            .column(territory::Column::Id)
            .filter(territory::Column::Id.is_in(territories))
            .into_tuple::<String>()
            .all(db)
            .await
            .context("checking territories")?
            .into_iter()
            .collect()
    };
    let sirens: Vec<String> = models.iter().filter_map(|(_, m)| m.siren.clone()).collect();
    let rnas: Vec<String> = models.iter().filter_map(|(_, m)| m.rna.clone()).collect();
    let ids: Vec<Uuid> = models.iter().map(|(_, m)| m.id).collect();
    let holders: Vec<(Uuid, Option<String>, Option<String>)> = if sirens.is_empty() && rnas.is_empty() {
        Vec::new()
    } else {
        organisation::Entity::find()
            .select_only()
            .columns([
                organisation::Column::Id,
                organisation::Column::Siren,
                organisation::Column::Rna,
            ])
            .filter(
                Condition::any()
                    .add(organisation::Column::Siren.is_in(sirens))
                    .add(organisation::Column::Rna.is_in(rnas)),
            )
            .into_tuple()
            .all(db)
            .await
            .context("checking unique identifiers")?
    };
    let mut siren_holder: HashMap<String, Uuid> = HashMap::new();
    let mut rna_holder: HashMap<String, Uuid> = HashMap::new();
    for (id, siren, rna) in holders {
        if ids.contains(&id) {
            continue;
        }
        if let Some(siren) = siren {
            siren_holder.insert(siren, id);
        }
        if let Some(rna) = rna {
            rna_holder.insert(rna, id);
        }
    }
    for (index, model) in models {
        let mut push = |error: UserError| errors.entry(*index).or_default().push(error);
        if let Some(territory) = &model.public_authority_territory_id
            && !known.contains(territory)
        {
            push(UserError::new(
                "publicAuthorityTerritoryId",
                format!(
                    "unknown territory {territory:?} (expected an id like \"COM:13055\", \"DEP:13\", \"REG:93\" or \"EPCI:<siren>\")"
                ),
                ErrorCode::NotFound,
            ));
        }
        if let Some(siren) = &model.siren
            && let Some(holder) = siren_holder.get(siren)
        {
            push(UserError::new(
                "siren",
                format!("SIREN {siren} is already held by organisation {holder}"),
                ErrorCode::Conflict,
            ));
        }
        if let Some(rna) = &model.rna
            && let Some(holder) = rna_holder.get(rna)
        {
            push(UserError::new(
                "rna",
                format!("RNA {rna} is already held by organisation {holder}"),
                ErrorCode::Conflict,
            ));
        }
        // Later holders in the same batch conflict with earlier ones.
        if let Some(siren) = &model.siren {
            siren_holder.entry(siren.clone()).or_insert(model.id);
        }
        if let Some(rna) = &model.rna {
            rna_holder.entry(rna.clone()).or_insert(model.id);
        }
    }
    Ok(())
}

/// Writes `new` over the row of `old`, provided it still has `old`'s version; `false` when
/// another writer changed it meanwhile.
async fn update_row<C: ConnectionTrait>(
    db: &C,
    old: &organisation::Model,
    new: organisation::Model,
) -> Result<bool, StoreError> {
    let active = new.into_active_model().reset_all();
    let result = organisation::Entity::update_many()
        .set(active)
        .filter(organisation::Column::Id.eq(old.id))
        .filter(organisation::Column::Version.eq(old.version))
        .exec(db)
        .await
        .context("updating an organisation")?;
    Ok(result.rows_affected == 1)
}

fn conflict_stale(field: &str, id: Uuid, expected: i32, actual: i32) -> UserError {
    UserError::new(
        field,
        format!("organisation {id} is at version {actual}, not the expected version {expected}: reload it and retry"),
        ErrorCode::Conflict,
    )
}

/// Loads an organisation, deleted or not.
pub async fn by_id_any<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<organisation::Model>, StoreError> {
    organisation::Entity::find_by_id(id)
        .one(db)
        .await
        .context("loading an organisation")
}

/// Creates an organisation of `source` (the key's source when `None`).
pub async fn create(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    fields: OrganisationFields,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let now = Utc::now();
            let source = match writer_inner.source_for_new(source.as_deref()) {
                Ok(source) => source,
                Err(error) => return Ok(Attempt::reject(vec![error])),
            };
            let mut model = blank(source, now);
            let mut errors = apply(fields, &mut model, true);
            let mut by_index = HashMap::new();
            check_references(txn, &[(0, &model)], &mut by_index).await?;
            errors.extend(by_index.remove(&0).unwrap_or_default());
            if let Some(external_id) = &model.external_id
                && !find_by_external_ids(txn, &model.source, std::slice::from_ref(external_id))
                    .await?
                    .is_empty()
            {
                errors.push(UserError::new(
                    "externalId",
                    format!(
                        "externalId {external_id:?} of source {:?} is already used: update that record or use upsertOrganisations",
                        model.source
                    ),
                    ErrorCode::Conflict,
                ));
            }
            if !errors.is_empty() {
                return Ok(Attempt::reject(errors));
            }
            let written = Written {
                id: model.id,
                version: model.version,
            };
            let fields = changed_fields(None, &model);
            insert_chunked(txn, vec![model.into_active_model()])
                .await
                .context("inserting an organisation")?;
            let entries = vec![audit_entry("create", written.id, fields)];
            audit(txn, &writer_inner, now, entries).await?;
            changes::append(txn, organisation::Model::ENTITY, ChangeOp::Upsert, [(written.id, written.version)])
                .await
                .context("logging a change")?;
            Ok(Attempt::commit(written))
        })
    })
    .await
}

fn audit_entry(operation: &'static str, row_id: Uuid, changed_fields: Vec<&'static str>) -> AuditEntry {
    AuditEntry {
        operation,
        entity: organisation::Model::ENTITY,
        row_id,
        changed_fields,
    }
}

/// Loads the live organisation `id` for a write by `writer`, checking its version and source.
async fn load_for_write<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Result<organisation::Model, UserError>, StoreError> {
    let Some(old) = by_id_any(db, id).await?.filter(|o| o.deleted_at.is_none()) else {
        return Ok(Err(UserError::new(
            "id",
            format!("no live organisation has id {id}"),
            ErrorCode::NotFound,
        )));
    };
    if let Err(error) = writer.check_source("id", &old.source) {
        return Ok(Err(error));
    }
    if let Some(expected) = expected_version
        && expected != old.version
    {
        return Ok(Err(conflict_stale("expectedVersion", id, expected, old.version)));
    }
    Ok(Ok(old))
}

/// Updates the given fields of organisation `id`; `expected_version`, when given, must be its
/// current version.
pub async fn update(
    db: &DatabaseConnection,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    fields: OrganisationFields,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let old = match load_for_write(txn, &writer_inner, id, expected_version).await? {
                Ok(old) => old,
                Err(error) => return Ok(Attempt::reject(vec![error])),
            };
            let now = Utc::now();
            let mut new = old.clone();
            let mut errors = apply(fields, &mut new, false);
            let mut by_index = HashMap::new();
            check_references(txn, &[(0, &new)], &mut by_index).await?;
            errors.extend(by_index.remove(&0).unwrap_or_default());
            if new.external_id != old.external_id
                && let Some(external_id) = &new.external_id
                && !find_by_external_ids(txn, &new.source, std::slice::from_ref(external_id))
                    .await?
                    .is_empty()
            {
                errors.push(UserError::new(
                    "externalId",
                    format!("externalId {external_id:?} of source {:?} is already used", new.source),
                    ErrorCode::Conflict,
                ));
            }
            if !errors.is_empty() {
                return Ok(Attempt::reject(errors));
            }
            let fields = changed_fields(Some(&old), &new);
            if fields.is_empty() {
                return Ok(Attempt::commit(Written {
                    id,
                    version: old.version,
                }));
            }
            new.version = old.version + 1;
            new.updated_at = now;
            let written = Written {
                id,
                version: new.version,
            };
            if !update_row(txn, &old, new).await? {
                return Ok(Attempt::reject(vec![conflict_stale(
                    "expectedVersion",
                    id,
                    old.version,
                    old.version + 1,
                )]));
            }
            award_lines::refresh_for_organisations(txn, &[id]).await?;
            audit(txn, &writer_inner, now, vec![audit_entry("update", id, fields)]).await?;
            changes::append(
                txn,
                organisation::Model::ENTITY,
                ChangeOp::Upsert,
                [(id, written.version)],
            )
            .await
            .context("logging a change")?;
            Ok(Attempt::commit(written))
        })
    })
    .await
}

/// Soft-deletes organisation `id` (hidden from reads, kept for the change feed).
pub async fn delete(
    db: &DatabaseConnection,
    writer: &Writer,
    id: Uuid,
    expected_version: Option<i32>,
    options: &WriteOptions,
) -> Result<Outcome<Written>, StoreError> {
    let writer_inner = writer.clone();
    run(db, writer, options, move |txn| {
        Box::pin(async move {
            let old = match load_for_write(txn, &writer_inner, id, expected_version).await? {
                Ok(old) => old,
                Err(error) => return Ok(Attempt::reject(vec![error])),
            };
            let now = Utc::now();
            let mut new = old.clone();
            new.deleted_at = Some(now);
            new.updated_at = now;
            new.version = old.version + 1;
            let written = Written {
                id,
                version: new.version,
            };
            if !update_row(txn, &old, new).await? {
                return Ok(Attempt::reject(vec![conflict_stale(
                    "expectedVersion",
                    id,
                    old.version,
                    old.version + 1,
                )]));
            }
            audit(
                txn,
                &writer_inner,
                now,
                vec![audit_entry("delete", id, vec!["deleted_at"])],
            )
            .await?;
            changes::append(
                txn,
                organisation::Model::ENTITY,
                ChangeOp::Delete,
                [(id, written.version)],
            )
            .await
            .context("logging a change")?;
            Ok(Attempt::commit(written))
        })
    })
    .await
}

/// The organisations of `source` with these external ids, deleted ones included.
async fn find_by_external_ids<C: ConnectionTrait>(
    db: &C,
    source: &str,
    external_ids: &[String],
) -> Result<Vec<organisation::Model>, StoreError> {
    let mut found = Vec::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(10_000) {
        found.extend(
            organisation::Entity::find()
                .filter(organisation::Column::Source.eq(source))
                .filter(organisation::Column::ExternalId.is_in(chunk.iter().cloned()))
                .all(db)
                .await
                .context("finding organisations by external id")?,
        );
    }
    Ok(found)
}

/// Upserts organisations of `source` keyed by external id: every item is a whole record
/// (absent fields take their defaults). Items equal to the stored record are left untouched.
/// With `atomic`, one rejected item rejects the batch.
pub async fn upsert(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    items: Vec<OrganisationFields>,
    atomic: bool,
    options: &WriteOptions,
) -> Result<Outcome<BulkResult>, StoreError> {
    let writer_inner = writer.clone();
    run_bulk(db, writer, source, items.len(), atomic, options, move |txn, source| {
        Box::pin(async move { upsert_in(txn, &writer_inner, &source, items).await })
    })
    .await
}

/// The body of [`upsert`], inside its transaction: one query to find the stored records, one
/// per reference check, multi-row inserts for new records, the change log and the audit.
pub async fn upsert_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<OrganisationFields>,
) -> Result<Vec<ItemResult>, StoreError> {
    let now = Utc::now();
    let mut results: Vec<ItemResult> = Vec::with_capacity(items.len());
    let mut candidates: Vec<(usize, organisation::Model)> = Vec::with_capacity(items.len());
    let mut errors: HashMap<usize, Vec<UserError>> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, fields) in items.into_iter().enumerate() {
        let external_id = fields.external_id.clone().flatten().unwrap_or_default();
        results.push(ItemResult {
            index,
            external_id: external_id.clone(),
            status: ItemStatus::Rejected,
            id: None,
            version: None,
            user_errors: Vec::new(),
        });
        let mut model = blank(source.to_owned(), now);
        let mut item_errors = apply(fields, &mut model, true);
        match &model.external_id {
            None => item_errors.push(UserError::new(
                "externalId",
                "externalId is required in a bulk upsert (it is the key)".to_owned(),
                ErrorCode::BadUserInput,
            )),
            Some(key) => {
                if let Some(first) = seen.insert(key.clone(), index) {
                    item_errors.push(UserError::new(
                        "externalId",
                        format!("externalId {key:?} already appears in item {first}"),
                        ErrorCode::Conflict,
                    ));
                }
            }
        }
        if !item_errors.is_empty() {
            errors.insert(index, item_errors);
        }
        candidates.push((index, model));
    }
    let keys: Vec<String> = candidates.iter().filter_map(|(_, m)| m.external_id.clone()).collect();
    let stored: HashMap<String, organisation::Model> = find_by_external_ids(db, source, &keys)
        .await?
        .into_iter()
        .filter_map(|m| m.external_id.clone().map(|k| (k, m)))
        .collect();
    // Take the stored identity, so unchanged items compare equal.
    for (_, model) in &mut candidates {
        if let Some(old) = model.external_id.as_ref().and_then(|k| stored.get(k)) {
            model.id = old.id;
            model.created_at = old.created_at;
            model.updated_at = old.updated_at;
            model.version = old.version;
            model.diffusible = old.diffusible;
            model.name_search = searchable_name(&model.name, model.diffusible);
            model.resolved = old.resolved;
            model.sirene_ess_flag = old.sirene_ess_flag;
            model.societe_mission = old.societe_mission;
            model.headcount_band = old.headcount_band;
            model.headcount_year = old.headcount_year;
            model.employer = old.employer;
            model.company_category = old.company_category;
        }
    }
    settle_candidates(
        db,
        writer,
        candidates,
        |model| model.external_id.as_ref().and_then(|k| stored.get(k)),
        &mut errors,
        &mut results,
        now,
    )
    .await?;
    for (index, item_errors) in errors {
        results[index].user_errors = item_errors
            .into_iter()
            .map(|e| e.under(&format!("items.{index}")))
            .collect();
    }
    Ok(results)
}

/// The end of a bulk upsert of organisations: checks the references of the candidates without
/// errors (one query per kind), then settles each with its stored row (`stored_of`), a
/// changed row of a source the writer may not write being FORBIDDEN, and writes the audit and
/// change-log entries. Errors found are added to `errors` (field names without prefix), for
/// the caller to put in `results`.
pub(super) async fn settle_candidates<'s, C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    candidates: Vec<(usize, organisation::Model)>,
    stored_of: impl Fn(&organisation::Model) -> Option<&'s organisation::Model>,
    errors: &mut HashMap<usize, Vec<UserError>>,
    results: &mut [ItemResult],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let checked: Vec<(usize, &organisation::Model)> = candidates
        .iter()
        .filter(|(index, _)| !errors.contains_key(index))
        .map(|(index, model)| (*index, model))
        .collect();
    check_references(db, &checked, errors).await?;
    let mut settled = Settlement::<organisation::Entity>::new();
    for (index, model) in candidates {
        if errors.contains_key(&index) {
            continue;
        }
        let old = stored_of(&model);
        if let Some(old) = old
            && *old != model
            && let Err(error) = writer.check_source("source", &old.source)
        {
            errors.insert(index, vec![error]);
            continue;
        }
        settled
            .item(db, (index, "organisation"), old, model, now, &mut results[index])
            .await?;
    }
    settled.finish(db, writer, now).await
}
