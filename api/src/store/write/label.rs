//! Partner writes of labels and agreements (ESUS, SIAE kinds, EA, ESAT...): bulk upsert keyed
//! by `(source, externalId)`. The holder must be a live organisation, checked in one query per
//! batch.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::organisation_label;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    fields::{
        ItemKey, check_source_updated_at, checked_row, live_organisations, no_live_organisation, not_before, text,
    },
    record,
    result::UserError,
    writer::Writer,
};
use crate::store::StoreError;

use crate::domain::ValidationError;

super::declare::declare_fields! {
    $
    /// The fields of a label, declared once (see [`declare`](super::declare)): the store's
    /// [`LabelFields`] and [`LabelPatch`] here, the GraphQL inputs in the mutation layer.
    label_fields => store_types;
    /// A label as sent by a partner: the whole record.
    LabelFields, LabelPatch of organisation_label::Model {
        /// Global id of the holder, a live organisation.
        organisation_id: (organisation),
        /// Kind of label or agreement.
        kind: (required enum LabelKind),
        /// Issuing body (e.g. the DDETS for an ESUS agreement).
        #[patch = "Issuing body."]
        issuer: (optional String),
        /// Reference of the decision.
        reference: (optional String),
        /// Start of validity.
        valid_from: (optional NaiveDate),
        /// End of validity, not before `validFrom`.
        valid_to: (optional NaiveDate),
        /// Public evidence, an `http(s)://` URL.
        evidence_url: (optional String),
        /// Last update time of the record in its source.
        source_updated_at: (optional DateTime<Utc>),
    }
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
    let live = live_organisations(db, holders, "checking label holders").await?;
    let mut checked = Vec::with_capacity(items.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, (old, item)) in items.into_iter().enumerate() {
        let key = ItemKey::new(&item.external_id, old.map(|o| o.external_id.as_deref()));
        let mut errors: Vec<UserError> = key.check(&mut seen, index).into_iter().collect();
        if !live.contains(&item.organisation_id) {
            errors.push(no_live_organisation("organisationId", item.organisation_id));
        }
        errors.extend(not_before(("validFrom", item.valid_from), ("validTo", item.valid_to)).map(Into::into));
        let evidence_url = text(item.evidence_url);
        if let Some(url) = &evidence_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            errors.push(ValidationError::new("evidenceUrl", url.clone(), "must be an http(s):// URL").into());
        }
        // The provenance checks of `check_provenance`, with the label kind's between them.
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
        checked.push(Ok(checked_row!(
            organisation_label::Model {
                id: old.map_or_else(Uuid::now_v7, |o| o.id),
                organisation_id: item.organisation_id,
                establishment_id: old.and_then(|o| o.establishment_id),
                kind: item.kind,
                issuer: text(item.issuer),
                reference: text(item.reference),
                valid_from: item.valid_from,
                valid_to: item.valid_to,
                evidence_url,
            },
            provenance: (old, source, key, item.source_updated_at, now),
        )));
    }
    Ok(checked)
}

record::record_kind! {
    /// Labels as a record kind of the write engine ([`RecordKind`](record::RecordKind)).
    Labels {
        entity: organisation_label,
        fields: LabelFields,
        patch: LabelPatch,
        names: ("label", "upsertLabels"),
        lookup: "finding labels by external id",
        check: check,
    }
}
