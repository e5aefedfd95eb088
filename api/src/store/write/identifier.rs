//! Partner writes of organisation identifiers in other schemes (SIRET, RNA, TVA, RIDET,
//! partner ids...): bulk upsert keyed by `(source, externalId)`. SIREN, SIRET and RNA values
//! are validated with the domain types; `(scheme, value)` is unique; the holder must be live.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{enums::IdScheme, organisation_identifier};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    fields::{ItemKey, check_provenance, checked_row, live_organisations, no_live_organisation},
    record,
    result::UserError,
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

use crate::domain::{Rna, Siren, Siret, ValidationError};

super::declare::declare_fields! {
    $
    /// The fields of an identifier, declared once (see [`declare`](super::declare)): the store's
    /// [`IdentifierFields`] and [`IdentifierPatch`] here, the GraphQL inputs in the mutation layer.
    identifier_fields => store_types;
    /// An identifier as sent by a partner: the whole record.
    IdentifierFields, IdentifierPatch of organisation_identifier::Model {
        /// Global id of the holder, a live organisation.
        organisation_id: (organisation),
        /// Scheme of the identifier.
        scheme: (required enum IdScheme),
        /// Value in that scheme (SIREN, SIRET and RNA are checked; unique per scheme).
        value: (required String),
        /// Last update time of the record in its source.
        source_updated_at: (optional DateTime<Utc>),
    }
}

/// The value in its canonical form, validated for its scheme.
fn normalise(scheme: IdScheme, raw: &str) -> Result<String, ValidationError> {
    let with_field = |e: ValidationError| e.with_field("value");
    match scheme {
        IdScheme::Siren => Siren::parse(raw).map(|v| v.as_str().to_owned()).map_err(with_field),
        IdScheme::Siret => Siret::parse(raw).map(|v| v.as_str().to_owned()).map_err(with_field),
        IdScheme::Rna => Rna::parse(raw).map(|v| v.as_str().to_owned()).map_err(with_field),
        _ => {
            let value = raw.trim();
            if value.is_empty() || value.chars().count() > 100 {
                Err(ValidationError::new("value", raw, "must have 1 to 100 characters"))
            } else {
                Ok(value.to_owned())
            }
        }
    }
}

/// Checks identifiers, each with its stored record (`None` for a new one), and builds the
/// rows to write; one query each for the holders and the values. Errors name the fields
/// without the `items.<i>` prefix; values repeated in the batch are CONFLICTs.
async fn check<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<(Option<&organisation_identifier::Model>, IdentifierFields)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<organisation_identifier::Model, Vec<UserError>>>, StoreError> {
    let holders: HashSet<Uuid> = items.iter().map(|(_, i)| i.organisation_id).collect();
    let live = live_organisations(db, holders, "checking identifier holders").await?;
    let values: Vec<String> = items
        .iter()
        .filter_map(|(_, i)| normalise(i.scheme, &i.value).ok())
        .collect();
    let taken: HashMap<(String, String), Uuid> = organisation_identifier::Entity::find()
        .filter(organisation_identifier::Column::Value.is_in(values))
        .all(db)
        .await
        .context("checking identifier values")?
        .into_iter()
        .map(|i| ((i.scheme.to_value(), i.value), i.id))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut seen_values: HashMap<(String, String), usize> = HashMap::new();
    let mut checked = Vec::with_capacity(items.len());
    for (index, (old, item)) in items.into_iter().enumerate() {
        let key = ItemKey::new(&item.external_id, old.map(|o| o.external_id.as_deref()));
        let mut errors: Vec<UserError> = key.check(&mut seen, index).into_iter().collect();
        if !live.contains(&item.organisation_id) {
            errors.push(no_live_organisation("organisationId", item.organisation_id));
        }
        let id = old.map_or_else(Uuid::now_v7, |o| o.id);
        let value = match normalise(item.scheme, &item.value) {
            Ok(value) => {
                let pair = (item.scheme.to_value(), value.clone());
                if let Some(holder) = taken.get(&pair)
                    && *holder != id
                {
                    errors.push(UserError::new(
                        "value",
                        format!("{} {value} is already held by identifier {holder}", pair.0),
                        ErrorCode::Conflict,
                    ));
                } else if let Some(first) = seen_values.insert(pair, index) {
                    errors.push(UserError::new(
                        "value",
                        format!("{value} already appears in item {first}"),
                        ErrorCode::Conflict,
                    ));
                }
                value
            }
            Err(invalid) => {
                errors.push(invalid.into());
                String::new()
            }
        };
        check_provenance(
            writer,
            old.map(|o| o.source.as_str()),
            item.source_updated_at,
            now,
            &mut errors,
        );
        if !errors.is_empty() {
            checked.push(Err(errors));
            continue;
        }
        checked.push(Ok(checked_row!(
            organisation_identifier::Model {
                id,
                organisation_id: item.organisation_id,
                scheme: item.scheme,
                value,
            },
            provenance: (old, source, key, item.source_updated_at, now),
        )));
    }
    Ok(checked)
}

record::record_kind! {
    /// Identifiers as a record kind of the write engine ([`RecordKind`](record::RecordKind)).
    Identifiers {
        entity: organisation_identifier,
        fields: IdentifierFields,
        patch: IdentifierPatch,
        names: ("identifier", "upsertIdentifiers"),
        lookup: "finding identifiers by external id",
        check: check,
    }
}
