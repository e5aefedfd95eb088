//! The fields of an organisation as partners send them, how they are validated and applied
//! onto a stored or blank row, and the batch checks of its references and unique values
//! (territories, SIREN, RNA).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{EssFamily, EssFamilyBasis, NafNomenclature, OrganisationStatus},
    organisation,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    fields::{check_source_updated_at, known_territories, new_row, not_before, text},
    result::UserError,
};
use crate::domain::{
    NafCode, Rna, Siren, ValidationError,
    text::{fold_for_search, searchable_name},
};
use crate::{
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

super::declare::declare_fields! {
    $
    /// The fields of an organisation, declared once (see [`declare`](super::declare)): the
    /// store's [`OrganisationFields`] here, the GraphQL input in the mutation layer.
    organisation_fields => patch_types;
    /// Organisation fields as sent by a partner, not yet validated. On create and in a
    /// bulk upsert, absent fields take their default; on update, absent fields are left
    /// as they are.
    OrganisationFields {
        /// Name (dénomination); required on create.
        name: (required String),
        /// SIREN, 9 digits with a valid Luhn key (spaces ignored).
        siren: (optional String),
        /// RNA number of an association, `W` + 9 digits.
        rna: (optional String),
        /// Acronym (sigle).
        acronym: (optional String),
        /// INSEE legal category, 4 digits (e.g. `9220` for a declared association).
        legal_category_code: (optional String),
        /// SSE family, as declared by the writer.
        ess_family: (required enum EssFamily),
        /// Main activity, NAF rév. 2 (e.g. `88.99B`).
        naf_code: (optional String),
        /// Administrative status.
        admin_status: (required enum OrganisationStatus),
        /// Creation date.
        created_on: (optional NaiveDate),
        /// Cessation date, not before `createdOn`.
        ceased_on: (optional NaiveDate),
        /// For a public authority, the territory it governs, as a territory key: `COM:13055`,
        /// `EPCI:200054807`, `DEP:13` or `REG:93`.
        public_authority_territory_id: (optional String),
        /// Id of the record in the writer's source; required in a bulk upsert, where it is the key.
        external_id: (optional String),
        /// Last update time of the record in its source.
        source_updated_at: (optional DateTime<Utc>),
    }
}

/// A blank organisation of `source`, to apply fields onto.
pub(crate) fn blank(source: String, now: DateTime<Utc>) -> organisation::Model {
    new_row!(
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
        },
        created: (source, now),
    )
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
    if let Some(invalid) = not_before(("createdOn", model.created_on), ("ceasedOn", model.ceased_on)) {
        check(Err(invalid));
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
    let known = known_territories(db, territories, "checking territories").await?;
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
