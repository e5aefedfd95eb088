//! Partner writes of labels and agreements (ESUS, SIAE kinds, EA, ESAT...): bulk upsert keyed
//! by `(source, externalId)`. The holder must be a live organisation, checked in one query per
//! batch.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{enums::LabelKind, organisation, organisation_label};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    DbContext, StoreError,
    writes::{Outcome, UserError, UserErrorCode, WriteOptions, Writer},
    writes_organisations::{BulkResult, ItemResult, ItemStatus, Settlement, run_bulk},
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

/// Upserts labels of `source` keyed by external id; items equal to the stored label are
/// UNCHANGED. Rejected items are skipped unless `atomic`.
pub async fn upsert(
    db: &DatabaseConnection,
    writer: &Writer,
    source: Option<String>,
    items: Vec<LabelFields>,
    atomic: bool,
    options: &WriteOptions,
) -> Result<Outcome<BulkResult>, StoreError> {
    let writer_inner = writer.clone();
    run_bulk(db, writer, source, items.len(), atomic, options, move |txn, source| {
        Box::pin(async move { upsert_in(txn, &writer_inner, &source, items).await })
    })
    .await
}

/// Trimmed text, `None` when empty.
fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The body of [`upsert`], inside its transaction.
pub async fn upsert_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<LabelFields>,
) -> Result<Vec<ItemResult>, StoreError> {
    let now = Utc::now();
    let keys: Vec<String> = items.iter().map(|i| i.external_id.trim().to_owned()).collect();
    let stored: HashMap<String, organisation_label::Model> = organisation_label::Entity::find()
        .filter(organisation_label::Column::Source.eq(source))
        .filter(organisation_label::Column::ExternalId.is_in(keys))
        .all(db)
        .await
        .context("finding labels by external id")?
        .into_iter()
        .filter_map(|l| l.external_id.clone().map(|k| (k, l)))
        .collect();
    let holders: HashSet<Uuid> = items.iter().map(|i| i.organisation_id).collect();
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
    let mut results = Vec::with_capacity(items.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut settled = Settlement::<organisation_label::Entity>::new();
    for (index, item) in items.into_iter().enumerate() {
        let key = item.external_id.trim().to_owned();
        let mut result = ItemResult {
            index,
            external_id: item.external_id.clone(),
            status: ItemStatus::Rejected,
            id: None,
            version: None,
            user_errors: Vec::new(),
        };
        let mut errors: Vec<UserError> = Vec::new();
        if key.is_empty() || key.chars().count() > 200 {
            errors.push(ValidationError::new("externalId", key.clone(), "must have 1 to 200 characters").into());
        } else if let Some(first) = seen.insert(key.clone(), index) {
            errors.push(UserError::new(
                "externalId",
                format!("externalId {key:?} already appears in item {first}"),
                UserErrorCode::Conflict,
            ));
        }
        if !live.contains(&item.organisation_id) {
            errors.push(UserError::new(
                "organisationId",
                format!("no live organisation has id {}", item.organisation_id),
                UserErrorCode::NotFound,
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
        let old = stored.get(&key);
        if let Some(old) = old
            && let Err(error) = writer.check_source("source", &old.source)
        {
            errors.push(error);
        }
        if !errors.is_empty() {
            result.user_errors = errors.into_iter().map(|e| e.under(&format!("items.{index}"))).collect();
            results.push(result);
            continue;
        }
        let model = organisation_label::Model {
            id: old.map_or_else(Uuid::now_v7, |o| o.id),
            organisation_id: item.organisation_id,
            establishment_id: old.and_then(|o| o.establishment_id),
            kind: item.kind,
            issuer: text(item.issuer),
            reference: text(item.reference),
            valid_from: item.valid_from,
            valid_to: item.valid_to,
            evidence_url,
            source: source.to_owned(),
            external_id: Some(key),
            source_updated_at: item.source_updated_at,
            created_at: old.map_or(now, |o| o.created_at),
            updated_at: old.map_or(now, |o| o.updated_at),
            deleted_at: None,
            version: old.map_or(1, |o| o.version),
        };
        let _id = model.id;
        settled.item(db, (index, "label"), old, model, now, &mut result).await?;
        results.push(result);
    }
    settled.finish(db, writer, now).await?;
    super::award_lines::refresh_for_organisations(
        db,
        &live
            .iter()
            .copied()
            .chain(stored.values().map(|l| l.organisation_id))
            .collect::<Vec<_>>(),
    )
    .await?;
    Ok(results)
}
