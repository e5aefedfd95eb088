//! Where the establishments of a write stand, for the distance and locality level between a
//! buyer and its supplier (contracts' suppliers, supply links): the live establishments with
//! these SIRETs, and their communes placed in their EPCI, département and région, one query
//! each per batch.

use std::collections::{HashMap, HashSet};

use entity::{
    enums::{LocalityLevel, TerritoryLevel},
    establishment, territory,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    domain::{
        TerritoryId,
        geo::{GeoPoint, Placement, distance_km, locality_level},
    },
    store::{DbContext, StoreError},
};

/// The live establishments with these SIRETs, by SIRET.
pub(crate) async fn establishments_by_siret<C: ConnectionTrait>(
    db: &C,
    sirets: HashSet<String>,
) -> Result<HashMap<String, establishment::Model>, StoreError> {
    if sirets.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(establishment::Entity::find()
        .filter(establishment::Column::Siret.is_in(sirets))
        .filter(establishment::Column::DeletedAt.is_null())
        .all(db)
        .await
        .context("finding establishments by SIRET")?
        .into_iter()
        .filter_map(|e| e.siret.clone().map(|s| (s, e)))
        .collect())
}

/// The communes of a batch's establishments, placed in their EPCI, département and région.
pub(crate) struct Places {
    by_commune: HashMap<String, Placement>,
}

impl Places {
    /// Places the communes of these establishments (one query).
    pub(crate) async fn load<'e, C: ConnectionTrait>(
        db: &C,
        establishments: impl Iterator<Item = &'e establishment::Model>,
    ) -> Result<Self, StoreError> {
        let communes: HashSet<String> = establishments.filter_map(|e| e.commune_id.clone()).collect();
        let placed = if communes.is_empty() {
            Vec::new()
        } else {
            territory::Entity::find()
                .filter(territory::Column::Id.is_in(communes))
                .all(db)
                .await
                .context("placing establishments")?
        };
        let by_commune = placed
            .into_iter()
            .map(|t| {
                let placement = Placement {
                    // An arrondissement municipal is placed as its commune.
                    commune_id: Some(
                        t.parent_id
                            .clone()
                            .filter(|_| TerritoryId::is_level(&t.id, TerritoryLevel::ArrondissementMunicipal))
                            .unwrap_or(t.id.clone()),
                    ),
                    epci_id: t.epci_id,
                    departement_id: t.departement_id,
                    region_id: t.region_id,
                };
                (t.id, placement)
            })
            .collect();
        Ok(Self { by_commune })
    }

    fn placement(&self, site: &establishment::Model) -> Placement {
        site.commune_id
            .as_ref()
            .and_then(|c| self.by_commune.get(c))
            .cloned()
            .unwrap_or_default()
    }

    /// The distance in kilometres between `buyer` and `site` (when both have coordinates) and
    /// how close they are (same commune, EPCI, département, région, national, or unknown).
    pub(crate) fn proximity(
        &self,
        buyer: &establishment::Model,
        site: &establishment::Model,
    ) -> (Option<f64>, LocalityLevel) {
        let point = |e: &establishment::Model| {
            e.latitude
                .zip(e.longitude)
                .map(|(latitude, longitude)| GeoPoint { latitude, longitude })
        };
        (
            point(buyer).zip(point(site)).map(|(a, b)| distance_km(a, b)),
            locality_level(&self.placement(buyer), &self.placement(site)),
        )
    }
}
