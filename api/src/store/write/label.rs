//! Partner writes of labels and agreements (ESUS, SIAE kinds, EA, ESAT...): bulk upsert keyed
//! by `(source, externalId)`. The holder must be a live organisation, checked in one query per
//! batch.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{enums::LabelKind, organisation, organisation_label};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    fields::{check_source_updated_at, text},
    record::{self, Checked, Names, RecordKind},
    result::{Patch, UserError},
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

use crate::domain::ValidationError;

/// A label as sent by a partner: the whole record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelFields {
    /// Id in the writer's source: the key of the upsert.
    pub external_id: String,
    /// The holder (a live organisation).
    pub organisation_id: Uuid,
    /// Kind of label or agreement.
    pub kind: LabelKind,
    /// Issuing body.
    pub issuer: Option<String>,
    /// Reference of the decision.
    pub reference: Option<String>,
    /// Start of validity.
    pub valid_from: Option<NaiveDate>,
    /// End of validity (not before the start).
    pub valid_to: Option<NaiveDate>,
    /// Public evidence (an `http(s)://` URL).
    pub evidence_url: Option<String>,
    /// Last update time in the source.
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// Checks labels, each with its stored record (`None` for a new one), and builds the rows to
/// write; one query for the holders. Errors name the fields without the `items.<i>` prefix;
/// an external id repeated in the batch is a CONFLICT.
async fn check<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<(Option<&organisation_label::Model>, LabelFields)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<organisation_label::Model, Vec<UserError>>>, StoreError> {
    let holders: HashSet<Uuid> = items.iter().map(|(_, i)| i.organisation_id).collect();
    let live: HashSet<Uuid> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .filter(organisation::Column::Id.is_in(holders))
        .filter(organisation::Column::DeletedAt.is_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await
        .context("checking label holders")?
        .into_iter()
        .collect();
    let mut checked = Vec::with_capacity(items.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, (old, item)) in items.into_iter().enumerate() {
        let key = item.external_id.trim().to_owned();
        // A stored record without an external id (imported) may stay without one.
        let keyless = key.is_empty() && old.is_some_and(|o| o.external_id.is_none());
        let mut errors: Vec<UserError> = Vec::new();
        if !keyless && (key.is_empty() || key.chars().count() > 200) {
            errors.push(ValidationError::new("externalId", key.clone(), "must have 1 to 200 characters").into());
        } else if let Some(first) = seen.insert(key.clone(), index) {
            errors.push(UserError::new(
                "externalId",
                format!("externalId {key:?} already appears in item {first}"),
                ErrorCode::Conflict,
            ));
        }
        if !live.contains(&item.organisation_id) {
            errors.push(UserError::new(
                "organisationId",
                format!("no live organisation has id {}", item.organisation_id),
                ErrorCode::NotFound,
            ));
        }
        if let (Some(from), Some(to)) = (item.valid_from, item.valid_to)
            && to < from
        {
            errors.push(
                ValidationError::new(
                    "validTo",
                    to.to_string(),
                    format!("must not be before validFrom ({from})"),
                )
                .into(),
            );
        }
        let evidence_url = text(item.evidence_url);
        if let Some(url) = &evidence_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            errors.push(ValidationError::new("evidenceUrl", url.clone(), "must be an http(s):// URL").into());
        }
        if let Some(old) = old
            && let Err(error) = writer.check_source("source", &old.source)
        {
            errors.push(error);
        }
        if let Err(error) = writer.check_label_kind("kind", item.kind) {
            errors.push(error);
        }
        if let Err(error) = check_source_updated_at("sourceUpdatedAt", item.source_updated_at, now) {
            errors.push(error);
        }
        if !errors.is_empty() {
            checked.push(Err(errors));
            continue;
        }
        checked.push(Ok(organisation_label::Model {
            id: old.map_or_else(Uuid::now_v7, |o| o.id),
            organisation_id: item.organisation_id,
            establishment_id: old.and_then(|o| o.establishment_id),
            kind: item.kind,
            issuer: text(item.issuer),
            reference: text(item.reference),
            valid_from: item.valid_from,
            valid_to: item.valid_to,
            evidence_url,
            source: old.map_or(source, |o| o.source.as_str()).to_owned(),
            external_id: (!keyless).then_some(key),
            source_updated_at: item.source_updated_at,
            created_at: old.map_or(now, |o| o.created_at),
            updated_at: old.map_or(now, |o| o.updated_at),
            deleted_at: None,
            version: old.map_or(1, |o| o.version),
        }));
    }
    Ok(checked)
}

/// Changes to a label: absent fields (`None`) keep their stored value; for nullable fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LabelPatch {
    /// New external id.
    pub external_id: Option<String>,
    /// New holder.
    pub organisation_id: Option<Uuid>,
    /// New kind.
    pub kind: Option<LabelKind>,
    /// Issuing body.
    pub issuer: Patch<String>,
    /// Reference of the decision.
    pub reference: Patch<String>,
    /// Start of validity.
    pub valid_from: Patch<NaiveDate>,
    /// End of validity.
    pub valid_to: Patch<NaiveDate>,
    /// Public evidence.
    pub evidence_url: Patch<String>,
    /// Last update time in the source.
    pub source_updated_at: Patch<DateTime<Utc>>,
}

impl LabelPatch {
    /// The whole record: `stored` with this patch applied.
    fn applied_to(self, stored: &organisation_label::Model) -> LabelFields {
        LabelFields {
            external_id: self
                .external_id
                .unwrap_or_else(|| stored.external_id.clone().unwrap_or_default()),
            organisation_id: self.organisation_id.unwrap_or(stored.organisation_id),
            kind: self.kind.unwrap_or(stored.kind),
            issuer: self.issuer.unwrap_or_else(|| stored.issuer.clone()),
            reference: self.reference.unwrap_or_else(|| stored.reference.clone()),
            valid_from: self.valid_from.unwrap_or(stored.valid_from),
            valid_to: self.valid_to.unwrap_or(stored.valid_to),
            evidence_url: self.evidence_url.unwrap_or_else(|| stored.evidence_url.clone()),
            source_updated_at: self.source_updated_at.unwrap_or(stored.source_updated_at),
        }
    }
}

/// Labels as a record kind of the write engine ([`RecordKind`]).
pub struct Labels;

impl RecordKind for Labels {
    type Entity = organisation_label::Entity;
    type Model = organisation_label::Model;
    type Fields = LabelFields;
    type Patch = LabelPatch;
    const NAMES: Names = ("label", "upsertLabels");
    const LOOKUP: &'static str = "finding labels by external id";

    fn external_id(fields: &LabelFields) -> &str {
        &fields.external_id
    }

    fn applied_to(patch: LabelPatch, stored: &organisation_label::Model) -> LabelFields {
        patch.applied_to(stored)
    }

    fn check<'a, C: ConnectionTrait>(
        db: &'a C,
        writer: &'a Writer,
        source: &'a str,
        items: Vec<(Option<&'a organisation_label::Model>, LabelFields)>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Checked<organisation_label::Model>>, StoreError>> + Send + 'a {
        check(db, writer, source, items, now)
    }
}

record::record_entry_points!(Labels, LabelFields, LabelPatch, "label");
