//! Organisations and what hangs off them: establishments, identifiers, labels.

use std::collections::HashMap;

use entity::{establishment, organisation, organisation_identifier, organisation_label};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{DbContext, StoreError, insert_logged};
use crate::domain::Siren;

/// New organisations with their establishments, identifiers and labels, written together.
#[derive(Debug, Default)]
pub struct NewOrganisations {
    /// Organisations.
    pub organisations: Vec<organisation::Model>,
    /// Their establishments.
    pub establishments: Vec<establishment::Model>,
    /// Their identifiers in other schemes.
    pub identifiers: Vec<organisation_identifier::Model>,
    /// Their labels.
    pub labels: Vec<organisation_label::Model>,
}

/// Inserts new organisations and their dependants, logging every row in the change log.
/// Call inside a transaction.
pub async fn insert_new<C: ConnectionTrait>(
    db: &C,
    new: NewOrganisations,
) -> Result<(), StoreError> {
    insert_logged(db, new.organisations)
        .await
        .context("inserting organisations")?;
    insert_logged(db, new.establishments)
        .await
        .context("inserting establishments")?;
    insert_logged(db, new.identifiers)
        .await
        .context("inserting organisation identifiers")?;
    insert_logged(db, new.labels)
        .await
        .context("inserting organisation labels")?;
    Ok(())
}

/// The live (not deleted) organisation with a SIREN.
pub async fn by_siren<C: ConnectionTrait>(
    db: &C,
    siren: &Siren,
) -> Result<Option<organisation::Model>, StoreError> {
    organisation::Entity::find()
        .filter(organisation::Column::Siren.eq(siren.as_str()))
        .filter(organisation::Column::DeletedAt.is_null())
        .one(db)
        .await
        .context("loading an organisation by SIREN")
}

/// Live organisations by id.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<organisation::Model>, StoreError> {
    organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids.iter().copied()))
        .filter(organisation::Column::DeletedAt.is_null())
        .all(db)
        .await
        .context("loading organisations by id")
}

/// Live establishments of each organisation, head office first, then by SIRET.
pub async fn establishments_of<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<establishment::Model>>, StoreError> {
    let rows = establishment::Entity::find()
        .filter(establishment::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(establishment::Column::DeletedAt.is_null())
        .order_by_desc(establishment::Column::IsHeadquarters)
        .order_by_asc(establishment::Column::Siret)
        .order_by_asc(establishment::Column::Id)
        .all(db)
        .await
        .context("loading establishments of organisations")?;
    let mut grouped: HashMap<Uuid, Vec<establishment::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(row.organisation_id).or_default().push(row);
    }
    Ok(grouped)
}

/// Live labels of each organisation, by kind then start date.
pub async fn labels_of<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<organisation_label::Model>>, StoreError> {
    let rows = organisation_label::Entity::find()
        .filter(organisation_label::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(organisation_label::Column::DeletedAt.is_null())
        .order_by_asc(organisation_label::Column::Kind)
        .order_by_asc(organisation_label::Column::ValidFrom)
        .order_by_asc(organisation_label::Column::Id)
        .all(db)
        .await
        .context("loading labels of organisations")?;
    let mut grouped: HashMap<Uuid, Vec<organisation_label::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(row.organisation_id).or_default().push(row);
    }
    Ok(grouped)
}
