//! The SSE classification of organisations from the evidence stored (legal category, labels
//! valid today, Sirene flag), decided by [`crate::domain::ess::classify`].

use std::collections::HashMap;

use chrono::Utc;

use entity::{
    enums::{EssFamily, EssFamilyBasis, LabelKind},
    legal_category, organisation, organisation_label,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    domain::ess::{ClassificationFacts, classify, label_counts_on},
    store::{DbContext, StoreError},
};

/// The default SSE family of each legal category of the reference table.
pub async fn legal_category_families<C: ConnectionTrait>(db: &C) -> Result<HashMap<String, EssFamily>, StoreError> {
    Ok(legal_category::Entity::find()
        .all(db)
        .await
        .context("loading legal categories")?
        .into_iter()
        .map(|category| (category.code, category.ess_family))
        .collect())
}

/// The kinds of the live labels each organisation holds that count today.
pub(crate) async fn labels_counting<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<LabelKind>>, StoreError> {
    let today = Utc::now().date_naive();
    let mut held: HashMap<Uuid, Vec<LabelKind>> = HashMap::new();
    if organisation_ids.is_empty() {
        return Ok(held);
    }
    let labels = organisation_label::Entity::find()
        .filter(organisation_label::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(organisation_label::Column::DeletedAt.is_null())
        .all(db)
        .await
        .context("loading the labels of organisations to classify")?;
    for label in labels {
        if label_counts_on(label.valid_from, label.valid_to, today) {
            held.entry(label.organisation_id).or_default().push(label.kind);
        }
    }
    Ok(held)
}

/// Gives `model` the family its facts support, if they support one (else it keeps its own).
pub(crate) fn classify_model(
    model: &mut organisation::Model,
    families: &HashMap<String, EssFamily>,
    labels: &[LabelKind],
) {
    let code = model.legal_category_code.as_deref();
    let facts = ClassificationFacts {
        legal_category: code,
        legal_category_family: code.and_then(|c| families.get(c).copied()),
        sirene_ess_flag: model.sirene_ess_flag,
        labels,
    };
    if let Some((family, basis)) = classify(&facts) {
        model.ess_family = family;
        model.ess_family_basis = basis;
    } else if model.ess_family_basis != EssFamilyBasis::Declared {
        model.ess_family = EssFamily::Unknown;
        model.ess_family_basis = EssFamilyBasis::None;
    }
}

/// The SSE family and its basis of these organisations (live or not).
pub async fn classifications<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, (EssFamily, EssFamilyBasis)>, StoreError> {
    if organisation_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organisation::Entity::find()
        .select_only()
        .columns([
            organisation::Column::Id,
            organisation::Column::EssFamily,
            organisation::Column::EssFamilyBasis,
        ])
        .filter(organisation::Column::Id.is_in(organisation_ids.iter().copied()))
        .into_tuple::<(Uuid, EssFamily, EssFamilyBasis)>()
        .all(db)
        .await
        .context("reading SSE families")?
        .into_iter()
        .map(|(id, family, basis)| (id, (family, basis)))
        .collect())
}
