//! Partner writes of establishments: bulk upsert keyed by `(source, externalId)`. The
//! organisation must be live, the SIRET valid, belong to the organisation's SIREN and be held
//! by no other establishment, the commune known; each checked in one query per batch.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{EstablishmentStatus, GeoPrecision, TerritoryLevel},
    establishment, organisation,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    fields::{
        ItemKey, check_provenance, checked_row, known_territories, new_row, no_live_organisation, not_before, text,
    },
    organisation::unresolved,
    record,
    result::{ItemResult, UserError},
    settle::Settlement,
    writer::Writer,
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

use crate::domain::{NafCode, Siret, TerritoryId, ValidationError};

super::declare::declare_fields! {
    $
    /// The fields of an establishment, declared once (see [`declare`](super::declare)): the
    /// store's [`EstablishmentFields`] and [`EstablishmentPatch`] here, the GraphQL inputs in the
    /// mutation layer.
    establishment_fields => store_types;
    /// An establishment as sent by a partner: the whole record.
    EstablishmentFields, EstablishmentPatch of establishment::Model {
        /// Global id of its organisation, a live one.
        organisation_id: (organisation),
        /// SIRET, 14 digits with a valid key, starting with the organisation's SIREN.
        siret: (optional String),
        /// Trade name (enseigne).
        name: (optional String),
        /// Whether this is the head office.
        is_headquarters: (flag),
        /// First address line.
        address_line1: (optional String),
        /// Second address line.
        address_line2: (optional String),
        /// Postal code, 5 digits.
        postal_code: (optional String),
        /// Commune as a territory key: `COM:13055`, or `ARM:13201` for an arrondissement.
        commune_id: (optional String),
        /// Latitude, WGS84 (with `longitude`).
        latitude: (optional f64),
        /// Longitude, WGS84 (with `latitude`).
        longitude: (optional f64),
        /// Activity code, NAF rév. 2 (e.g. `88.99B`).
        naf_code: (optional String),
        /// Open or closed (open by default).
        #[patch = "Open or closed."]
        admin_status: (defaulted enum EstablishmentStatus = Active),
        /// Opening date.
        opened_on: (optional NaiveDate),
        /// Closing date, not before `openedOn`.
        closed_on: (optional NaiveDate),
        /// Last update time of the record in its source.
        source_updated_at: (optional DateTime<Utc>),
    }
}

/// Checks establishments, each with its stored record (`None` for a new one), and builds the
/// rows to write; one query each for the organisations, the SIRETs and the communes. Errors
/// name the fields without the `items.<i>` prefix; values repeated in the batch are CONFLICTs.
pub(super) async fn check<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<(Option<&establishment::Model>, EstablishmentFields)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<establishment::Model, Vec<UserError>>>, StoreError> {
    let organisations: HashSet<Uuid> = items.iter().map(|(_, i)| i.organisation_id).collect();
    let live: HashMap<Uuid, Option<String>> = organisation::Entity::find()
        .select_only()
        .columns([organisation::Column::Id, organisation::Column::Siren])
        .filter(organisation::Column::Id.is_in(organisations))
        .filter(organisation::Column::DeletedAt.is_null())
        .into_tuple::<(Uuid, Option<String>)>()
        .all(db)
        .await
        .context("checking organisations")?
        .into_iter()
        .collect();
    let sirets: Vec<String> = items
        .iter()
        .filter_map(|(_, i)| i.siret.as_deref().and_then(|s| Siret::parse(s).ok()))
        .map(|s| s.as_str().to_owned())
        .collect();
    let siret_holders: HashMap<String, Uuid> = establishment::Entity::find()
        .select_only()
        .columns([establishment::Column::Siret, establishment::Column::Id])
        .filter(establishment::Column::Siret.is_in(sirets))
        .into_tuple::<(String, Uuid)>()
        .all(db)
        .await
        .context("checking SIRETs")?
        .into_iter()
        .collect();
    let communes: HashSet<String> = items.iter().filter_map(|(_, i)| i.commune_id.clone()).collect();
    let known = known_territories(db, communes, "checking communes").await?;

    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut seen_sirets: HashMap<String, usize> = HashMap::new();
    let mut checked = Vec::with_capacity(items.len());
    for (index, (old, item)) in items.into_iter().enumerate() {
        let key = ItemKey::new(&item.external_id, old.map(|o| o.external_id.as_deref()));
        let mut errors: Vec<UserError> = Vec::new();
        let mut invalid = |e: ValidationError| errors.push(e.into());
        if let Some(error) = key.invalid() {
            invalid(error);
        }
        let id = old.map_or_else(Uuid::now_v7, |o| o.id);
        let siret = match text(item.siret) {
            Some(raw) => match Siret::parse(&raw) {
                Ok(siret) => Some(siret.as_str().to_owned()),
                Err(e) => {
                    invalid(e);
                    None
                }
            },
            None => None,
        };
        let naf_code = match text(item.naf_code) {
            Some(raw) => match NafCode::parse(&raw) {
                Ok(naf) => Some(naf.as_str().to_owned()),
                Err(e) => {
                    invalid(e);
                    None
                }
            },
            None => None,
        };
        let postal_code = text(item.postal_code);
        if let Some(code) = &postal_code
            && !(code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()))
        {
            invalid(ValidationError::new("postalCode", code.clone(), "must be 5 digits"));
        }
        if let Some(latitude) = item.latitude
            && !(-90.0..=90.0).contains(&latitude)
        {
            invalid(ValidationError::new(
                "latitude",
                latitude.to_string(),
                "must be between -90 and 90",
            ));
        }
        if let Some(longitude) = item.longitude
            && !(-180.0..=180.0).contains(&longitude)
        {
            invalid(ValidationError::new(
                "longitude",
                longitude.to_string(),
                "must be between -180 and 180",
            ));
        }
        if item.latitude.is_some() != item.longitude.is_some() {
            invalid(ValidationError::new(
                "latitude",
                format!("{:?}", item.latitude),
                "give both latitude and longitude, or neither",
            ));
        }
        if let Some(error) = not_before(("openedOn", item.opened_on), ("closedOn", item.closed_on)) {
            invalid(error);
        }
        errors.extend(key.repeated(&mut seen, index));
        match live.get(&item.organisation_id) {
            None => errors.push(no_live_organisation("organisationId", item.organisation_id)),
            Some(Some(siren)) => {
                if let Some(siret) = &siret
                    && !siret.starts_with(siren.as_str())
                {
                    errors.push(UserError::new(
                        "siret",
                        format!("SIRET {siret} does not belong to the organisation's SIREN {siren}"),
                        ErrorCode::BadUserInput,
                    ));
                }
            }
            Some(None) => {}
        }
        if let Some(siret) = &siret {
            if let Some(holder) = siret_holders.get(siret)
                && *holder != id
            {
                errors.push(UserError::new(
                    "siret",
                    format!("SIRET {siret} is already held by establishment {holder}"),
                    ErrorCode::Conflict,
                ));
            } else if let Some(first) = seen_sirets.insert(siret.clone(), index) {
                errors.push(UserError::new(
                    "siret",
                    format!("SIRET {siret} already appears in item {first}"),
                    ErrorCode::Conflict,
                ));
            }
        }
        if let Some(commune) = &item.commune_id
            && !(known.contains(commune)
                && (TerritoryId::is_level(commune, TerritoryLevel::Commune)
                    || TerritoryId::is_level(commune, TerritoryLevel::ArrondissementMunicipal)))
        {
            errors.push(UserError::new(
                "communeId",
                format!("unknown commune {commune:?} (expected an id like \"COM:13055\" or \"ARM:13201\")"),
                ErrorCode::NotFound,
            ));
        }
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
        // Coordinates kept as they were keep their precision.
        let geo_precision = match old {
            Some(old) if old.latitude == item.latitude && old.longitude == item.longitude => old.geo_precision,
            _ => item.latitude.map(|_| GeoPrecision::Address),
        };
        // Coordinates of an establishment the register withholds are not stored.
        let diffusible = old.is_none_or(|o| o.diffusible);
        let (latitude, longitude, geo_precision) = if diffusible {
            (item.latitude, item.longitude, geo_precision)
        } else {
            (None, None, None)
        };
        checked.push(Ok(checked_row!(
            establishment::Model {
                id,
                organisation_id: item.organisation_id,
                siret,
                name: text(item.name),
                is_headquarters: item.is_headquarters,
                address_line1: text(item.address_line1),
                address_line2: text(item.address_line2),
                postal_code,
                commune_id: item.commune_id,
                latitude,
                longitude,
                geo_precision,
                naf_code,
                headcount_band: old.and_then(|o| o.headcount_band),
                admin_status: item.admin_status,
                opened_on: item.opened_on,
                closed_on: item.closed_on,
                diffusible,
            },
            provenance: (old, source, key, item.source_updated_at, now),
        )));
    }
    Ok(checked)
}

/// A blank open establishment `id` of `organisation_id`, created in `source` at `now`: nothing
/// else is known of it.
pub(crate) fn blank(id: Uuid, organisation_id: Uuid, source: &str, now: DateTime<Utc>) -> establishment::Model {
    new_row!(
        establishment::Model {
            id,
            organisation_id,
            siret: None,
            name: None,
            is_headquarters: false,
            address_line1: None,
            address_line2: None,
            postal_code: None,
            commune_id: None,
            latitude: None,
            longitude: None,
            geo_precision: None,
            naf_code: None,
            headcount_band: None,
            admin_status: EstablishmentStatus::Active,
            opened_on: None,
            closed_on: None,
            diffusible: true,
        },
        created: (source.to_owned(), now),
    )
}

/// What [`ensure_sirets_in`] created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ensured {
    /// Minimal organisations created.
    pub organisations: usize,
    /// Minimal establishments created.
    pub establishments: usize,
}

/// Makes sure an establishment exists for each SIRET (with the name published beside it, if
/// any): the unknown ones are created, under the organisation of their SIREN, itself created
/// when unknown; created records are of `source`, keyed by SIREN and SIRET, and marked
/// unresolved until Sirene data enriches them. Known ones are left untouched, so a second
/// call writes nothing. Audited and logged like any write.
pub async fn ensure_sirets_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    sirets: Vec<(Siret, Option<String>)>,
) -> Result<Ensured, StoreError> {
    let now = Utc::now();
    let mut wanted: HashMap<String, Option<String>> = HashMap::new();
    for (siret, name) in sirets {
        let entry = wanted.entry(siret.as_str().to_owned()).or_default();
        if entry.is_none() {
            *entry = name;
        }
    }
    if wanted.is_empty() {
        return Ok(Ensured::default());
    }
    let known: HashSet<String> = establishment::Entity::find()
        .select_only()
        .column(establishment::Column::Siret)
        .filter(establishment::Column::Siret.is_in(wanted.keys().cloned()))
        .into_tuple::<String>()
        .all(db)
        .await
        .context("finding establishments by SIRET")?
        .into_iter()
        .collect();
    let mut missing: Vec<(String, Option<String>)> =
        wanted.into_iter().filter(|(siret, _)| !known.contains(siret)).collect();
    if missing.is_empty() {
        return Ok(Ensured::default());
    }
    missing.sort();
    let sirens: HashSet<String> = missing.iter().map(|(siret, _)| siret[..9].to_owned()).collect();
    let mut owners: HashMap<String, Uuid> = organisation::Entity::find()
        .select_only()
        .columns([organisation::Column::Siren, organisation::Column::Id])
        .filter(organisation::Column::Siren.is_in(sirens))
        .into_tuple::<(String, Uuid)>()
        .all(db)
        .await
        .context("finding organisations by SIREN")?
        .into_iter()
        .collect();
    let mut ensured = Ensured::default();
    let mut organisations = Settlement::<organisation::Entity>::new();
    let mut establishments = Settlement::<establishment::Entity>::new();
    for (index, (siret, name)) in missing.into_iter().enumerate() {
        let siren = &siret[..9];
        let organisation_id = match owners.get(siren) {
            Some(id) => *id,
            None => {
                let model = unresolved(source, siren, name.as_deref(), now);
                let id = model.id;
                let mut result = ItemResult::unsettled(index, siren.to_owned());
                organisations
                    .item(db, (index, "organisation"), None, model, now, &mut result)
                    .await?;
                owners.insert(siren.to_owned(), id);
                ensured.organisations += 1;
                id
            }
        };
        let model = establishment::Model {
            siret: Some(siret.clone()),
            external_id: Some(siret.clone()),
            ..blank(Uuid::now_v7(), organisation_id, source, now)
        };
        let mut result = ItemResult::unsettled(index, siret.clone());
        establishments
            .item(db, (index, "establishment"), None, model, now, &mut result)
            .await?;
        ensured.establishments += 1;
    }
    organisations.finish(db, writer, now).await?;
    establishments.finish(db, writer, now).await?;
    Ok(ensured)
}

record::record_kind! {
    /// Establishments as a record kind of the write engine ([`RecordKind`](record::RecordKind)).
    Establishments {
        entity: establishment,
        fields: EstablishmentFields,
        patch: EstablishmentPatch,
        names: ("establishment", "upsertEstablishments"),
        lookup: "finding establishments by external id",
        check: check,
    }
}
