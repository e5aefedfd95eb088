//! Writes from registers and reference lists (the Sirene stock files, partner label lists):
//! organisations keyed by SIREN and establishments keyed by SIRET whatever their source, so a
//! record created by another source (a minimal record from a DECP supplier SIRET, a partner's
//! record) is enriched rather than duplicated; and minimal organisations for unknown SIRENs.
//! Their SSE family is decided by [`super::classification`].
//!
//! Validation is the one partner writes use (`organisation::apply` and
//! `check_references`, `establishment::check`), and rows are settled through the same
//! [`Settlement`] (audit log, change log, no write when nothing changed). A stored record keeps
//! its source and external id; only new records take the writer's source.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    enums::{CompanyCategory, HeadcountBand},
    establishment, organisation,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    classification::{classify_model, labels_counting, legal_category_families},
    establishment::EstablishmentFields,
    organisation::{OrganisationFields, settle_candidates, unresolved},
    organisation_fields::{apply, blank},
    record::{Checked, settle_checked},
    result::{ItemResult, UserError},
    settle::Settlement,
    writer::Writer,
};
use crate::{
    domain::Siren,
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

/// What a register says of a legal unit beyond the fields partners write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterFacts {
    /// False when the register marks the unit non-diffusible (its name is then withheld).
    pub diffusible: bool,
    /// Sirene ESS flag.
    pub sirene_ess_flag: Option<bool>,
    /// Société à mission flag.
    pub societe_mission: Option<bool>,
    /// Headcount band.
    pub headcount_band: Option<HeadcountBand>,
    /// Reference year of the headcount band.
    pub headcount_year: Option<i16>,
    /// Whether the unit employs staff.
    pub employer: Option<bool>,
    /// INSEE company category.
    pub company_category: Option<CompanyCategory>,
}

/// A legal unit as a register publishes it: the whole record.
#[derive(Debug, Clone)]
pub struct RegisterUnit {
    /// The SIREN: the key.
    pub siren: Siren,
    /// The fields partners also write (name, acronym, RNA, legal category, NAF code, status,
    /// dates, `source_updated_at`); `siren`, `external_id` and `ess_family` are ignored.
    pub fields: OrganisationFields,
    /// The register's own facts.
    pub facts: RegisterFacts,
}

/// The live organisations holding these SIRENs, by SIREN.
pub async fn organisation_ids_by_siren<C: ConnectionTrait>(
    db: &C,
    sirens: &[String],
) -> Result<HashMap<String, Uuid>, StoreError> {
    let mut found = HashMap::with_capacity(sirens.len());
    for chunk in sirens.chunks(10_000) {
        found.extend(
            organisation::Entity::find()
                .select_only()
                .columns([organisation::Column::Siren, organisation::Column::Id])
                .filter(organisation::Column::Siren.is_in(chunk.iter().cloned()))
                .filter(organisation::Column::DeletedAt.is_null())
                .into_tuple::<(String, Uuid)>()
                .all(db)
                .await
                .context("finding organisations by SIREN")?,
        );
    }
    Ok(found)
}

/// Upserts legal units keyed by SIREN: a unit no organisation holds is created (of `source`,
/// external id the SIREN); the organisation holding it, whatever its source, is enriched with
/// every field and fact of the unit and marked resolved, its SSE family decided again. A unit
/// published before the stored record's `source_updated_at` leaves it alone (UNCHANGED), and
/// so does a unit equal to it. A deleted organisation is not revived (NOT_FOUND on `siren`).
/// Errors name the fields without the `items.<i>` prefix.
pub async fn upsert_units_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<RegisterUnit>,
) -> Result<Vec<ItemResult>, StoreError> {
    let now = Utc::now();
    let sirens: Vec<String> = items.iter().map(|i| i.siren.as_str().to_owned()).collect();
    let mut stored: HashMap<String, organisation::Model> = HashMap::new();
    for chunk in sirens.chunks(10_000) {
        for model in organisation::Entity::find()
            .filter(organisation::Column::Siren.is_in(chunk.iter().cloned()))
            .all(db)
            .await
            .context("finding organisations by SIREN")?
        {
            if let Some(siren) = model.siren.clone() {
                stored.insert(siren, model);
            }
        }
    }
    let families = legal_category_families(db).await?;
    let stored_ids: Vec<Uuid> = stored.values().map(|m| m.id).collect();
    let labels = labels_counting(db, &stored_ids).await?;

    let mut results = Vec::with_capacity(items.len());
    let mut candidates: Vec<(usize, organisation::Model)> = Vec::with_capacity(items.len());
    let mut errors: HashMap<usize, Vec<UserError>> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, item) in items.into_iter().enumerate() {
        let siren = item.siren.as_str().to_owned();
        results.push(ItemResult::unsettled(index, siren.clone()));
        if let Some(first) = seen.insert(siren.clone(), index) {
            errors.insert(
                index,
                vec![UserError::new(
                    "siren",
                    format!("SIREN {siren} already appears in item {first}"),
                    ErrorCode::Conflict,
                )],
            );
            continue;
        }
        let old = stored.get(&siren);
        if let Some(old) = old {
            if old.deleted_at.is_some() {
                errors.insert(
                    index,
                    vec![UserError::new(
                        "siren",
                        format!(
                            "organisation {} holding SIREN {siren} was deleted: it is not revived",
                            old.id
                        ),
                        ErrorCode::NotFound,
                    )],
                );
                continue;
            }
            if let (Some(stored_at), Some(Some(given))) = (old.source_updated_at, item.fields.source_updated_at)
                && given < stored_at
            {
                candidates.push((index, old.clone()));
                continue;
            }
        }
        let mut fields = item.fields;
        fields.siren = Some(Some(siren.clone()));
        fields.ess_family = None;
        fields.external_id = old.is_none().then(|| Some(siren.clone()));
        let mut model = match old {
            Some(old) => old.clone(),
            None => blank(source.to_owned(), now),
        };
        let item_errors = apply(fields, &mut model, old.is_none());
        let facts = item.facts;
        model.diffusible = facts.diffusible;
        model.name_search = crate::domain::text::searchable_name(&model.name, model.diffusible);
        model.sirene_ess_flag = facts.sirene_ess_flag;
        model.societe_mission = facts.societe_mission;
        model.headcount_band = facts.headcount_band;
        model.headcount_year = facts.headcount_year;
        model.employer = facts.employer;
        model.company_category = facts.company_category;
        model.resolved = true;
        let held = old.and_then(|o| labels.get(&o.id)).map_or(&[][..], Vec::as_slice);
        classify_model(&mut model, &families, held);
        if !item_errors.is_empty() {
            errors.insert(index, item_errors);
        }
        candidates.push((index, model));
    }
    settle_candidates(
        db,
        writer,
        candidates,
        |model| model.siren.as_ref().and_then(|s| stored.get(s)),
        &mut errors,
        &mut results,
        now,
    )
    .await?;
    for (index, item_errors) in errors {
        results[index].user_errors = item_errors;
    }
    Ok(results)
}

/// An establishment as a register publishes it: the whole record.
#[derive(Debug, Clone)]
pub struct RegisterEstablishment {
    /// The fields partners also write; `external_id` and `organisation_id` are ignored (the
    /// organisation is the one holding the SIRET's SIREN).
    pub fields: EstablishmentFields,
    /// Headcount band of the establishment.
    pub headcount_band: Option<HeadcountBand>,
    /// False when the register marks the establishment non-diffusible.
    pub diffusible: bool,
}

/// Upserts establishments keyed by SIRET (`fields.siret`, required and valid): the
/// establishment holding the SIRET, whatever its source, is enriched; an unknown SIRET is
/// created (of `source`, external id the SIRET) under the organisation holding its SIREN,
/// which must exist (NOT_FOUND on `siren` otherwise). Older publications and equal records
/// are UNCHANGED, as in [`upsert_units_in`]. Errors name the fields without the `items.<i>`
/// prefix.
pub async fn upsert_establishments_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<RegisterEstablishment>,
) -> Result<Vec<ItemResult>, StoreError> {
    let now = Utc::now();
    let sirets: Vec<String> = items.iter().filter_map(|i| i.fields.siret.clone()).collect();
    let sirens: Vec<String> = sirets
        .iter()
        .filter(|s| s.len() == 14)
        .map(|s| s[..9].to_owned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let owners = organisation_ids_by_siren(db, &sirens).await?;
    let stored: HashMap<String, establishment::Model> = establishment::Entity::find()
        .filter(establishment::Column::Siret.is_in(sirets.iter().cloned()))
        .all(db)
        .await
        .context("finding establishments by SIRET")?
        .into_iter()
        .filter_map(|model| model.siret.clone().map(|siret| (siret, model)))
        .collect();

    let keys: Vec<String> = items
        .iter()
        .map(|i| i.fields.siret.clone().unwrap_or_default())
        .collect();
    let mut checked: Vec<Option<Checked<establishment::Model>>> = Vec::with_capacity(items.len());
    let mut to_check = Vec::new();
    let mut register = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let siret = keys[index].clone();
        let old = stored.get(&siret);
        let owner = siret.get(..9).and_then(|siren| owners.get(siren));
        let Some(owner) = owner else {
            checked.push(Some(Err(vec![UserError::new(
                "siren",
                format!(
                    "no live organisation holds SIREN {} (its legal unit is unknown)",
                    siret.get(..9).unwrap_or(&siret)
                ),
                ErrorCode::NotFound,
            )])));
            continue;
        };
        if let Some(old) = old
            && let (Some(stored_at), Some(given)) = (old.source_updated_at, item.fields.source_updated_at)
            && given < stored_at
        {
            checked.push(Some(Ok(old.clone())));
            continue;
        }
        let mut fields = item.fields;
        fields.organisation_id = *owner;
        fields.external_id = match old {
            Some(old) => old.external_id.clone().unwrap_or_default(),
            None => siret,
        };
        checked.push(None);
        to_check.push((old, fields));
        register.push((index, item.headcount_band, item.diffusible));
    }
    let mut validated = super::establishment::check(db, writer, source, to_check, now)
        .await?
        .into_iter();
    for (index, headcount_band, diffusible) in register {
        let mut result = validated.next().unwrap_or_else(|| Err(Vec::new()));
        if let Ok(model) = &mut result {
            model.headcount_band = headcount_band;
            model.diffusible = diffusible;
            if !diffusible {
                // Withheld coordinates are not stored: no `near` filter, distance sort or
                // buyer-supplier distance can be computed from them.
                model.latitude = None;
                model.longitude = None;
                model.geo_precision = None;
            }
        }
        checked[index] = Some(result);
    }
    let checked: Vec<Checked<establishment::Model>> = checked
        .into_iter()
        .map(|c| c.unwrap_or_else(|| Err(Vec::new())))
        .collect();
    // Distances computed from coordinates now withheld go too (award lines follow when the
    // establishments are settled).
    let withheld: Vec<Uuid> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok())
        .filter(|m| !m.diffusible)
        .filter_map(|m| {
            stored
                .values()
                .find(|old| old.id == m.id && old.latitude.is_some())
                .map(|old| old.id)
        })
        .collect();
    if !withheld.is_empty() {
        use sea_orm::sea_query::{Expr, ExprTrait};
        entity::contract_supplier::Entity::update_many()
            .col_expr(
                entity::contract_supplier::Column::DistanceKm,
                Expr::value(Option::<f64>::None),
            )
            .filter(
                sea_orm::Condition::any()
                    .add(entity::contract_supplier::Column::EstablishmentId.is_in(withheld.iter().copied()))
                    .add(
                        entity::contract_supplier::Column::ContractId.in_subquery(
                            sea_orm::sea_query::Query::select()
                                .column(entity::contract::Column::Id)
                                .from(entity::contract::Entity)
                                .and_where(
                                    Expr::col(entity::contract::Column::BuyerEstablishmentId)
                                        .is_in(withheld.iter().copied()),
                                )
                                .to_owned(),
                        ),
                    ),
            )
            .exec(db)
            .await
            .context("clearing distances from withheld coordinates")?;
    }
    let mut results = settle_checked::<establishment::Entity, _>(
        db,
        writer,
        "establishment",
        &keys,
        keys.clone(),
        &stored,
        checked,
        now,
    )
    .await?;
    // Field names as the register knows them, without the bulk prefix.
    for result in &mut results {
        let prefix = format!("items.{}.", result.index);
        for error in &mut result.user_errors {
            if let Some(field) = error.field.strip_prefix(&prefix) {
                error.field = field.to_owned();
            }
        }
    }
    Ok(results)
}

/// Makes sure an organisation holds each SIREN (named by the name given with it, if any): the
/// unknown ones get a minimal organisation of `source`, keyed by its SIREN and marked
/// unresolved until register data enriches it, as [`super::establishment::ensure_sirets_in`]
/// does for SIRETs. Known ones are left untouched. Returns how many were created.
pub async fn ensure_sirens_in<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    sirens: Vec<(Siren, Option<String>)>,
) -> Result<usize, StoreError> {
    let now = Utc::now();
    let mut wanted: HashMap<String, Option<String>> = HashMap::new();
    for (siren, name) in sirens {
        let entry = wanted.entry(siren.as_str().to_owned()).or_default();
        if entry.is_none() {
            *entry = name;
        }
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let keys: Vec<String> = wanted.keys().cloned().collect();
    let known: HashSet<String> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Siren)
        .filter(organisation::Column::Siren.is_in(keys))
        .into_tuple::<String>()
        .all(db)
        .await
        .context("finding organisations by SIREN")?
        .into_iter()
        .collect();
    let mut missing: Vec<(String, Option<String>)> =
        wanted.into_iter().filter(|(siren, _)| !known.contains(siren)).collect();
    missing.sort();
    let mut settled = Settlement::<organisation::Entity>::new();
    for (index, (siren, name)) in missing.iter().enumerate() {
        let model = unresolved(source, siren, name.as_deref(), now);
        let mut result = ItemResult::unsettled(index, siren.to_owned());
        settled
            .item(db, (index, "organisation"), None, model, now, &mut result)
            .await?;
    }
    settled.finish(db, writer, now).await?;
    Ok(missing.len())
}
