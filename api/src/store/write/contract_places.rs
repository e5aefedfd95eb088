//! The territories the execution places of a batch of contracts resolve to.

use std::collections::{HashMap, HashSet};

use entity::{
    contract,
    enums::{ExecPlaceType, TerritoryLevel},
    postal_code_commune, territory,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    domain::TerritoryId,
    store::{DbContext, StoreError},
};

/// The territories the execution places of a batch may resolve to, read in two queries.
pub(super) struct ExecPlaces {
    /// Communes (and municipal arrondissements) served by each postal code.
    pub(super) postal_codes: HashMap<String, Vec<String>>,
    /// Known territory ids among the candidates, with their département.
    pub(super) known: HashMap<String, Option<String>>,
}

impl ExecPlaces {
    /// The territory id candidates for a published code, best first (postal codes aside).
    pub(super) fn candidates(kind: ExecPlaceType, code: &str) -> Vec<String> {
        let padded = if code.len() == 1 {
            format!("0{code}")
        } else {
            code.to_owned()
        };
        match kind {
            ExecPlaceType::CommuneCode => vec![
                TerritoryId::from_parts(TerritoryLevel::Commune, code),
                TerritoryId::from_parts(TerritoryLevel::ArrondissementMunicipal, code),
            ],
            ExecPlaceType::DepartementCode => vec![TerritoryId::from_parts(TerritoryLevel::Departement, &padded)],
            ExecPlaceType::RegionCode => vec![TerritoryId::from_parts(TerritoryLevel::Region, &padded)],
            _ => Vec::new(),
        }
        .into_iter()
        .map(TerritoryId::into_string)
        .collect()
    }

    pub(super) async fn load<'a, C: ConnectionTrait>(
        db: &C,
        models: impl Iterator<Item = &'a contract::Model>,
    ) -> Result<Self, StoreError> {
        let mut postal: HashSet<String> = HashSet::new();
        let mut ids: HashSet<String> = HashSet::new();
        for model in models {
            let (Some(kind), Some(code)) = (model.exec_place_type, model.exec_place_code.as_deref()) else {
                continue;
            };
            if kind == ExecPlaceType::PostalCode {
                postal.insert(code.to_owned());
            } else {
                ids.extend(Self::candidates(kind, code));
            }
        }
        let mut postal_codes: HashMap<String, Vec<String>> = HashMap::new();
        if !postal.is_empty() {
            for row in postal_code_commune::Entity::find()
                .filter(postal_code_commune::Column::PostalCode.is_in(postal))
                .all(db)
                .await
                .context("resolving execution postal codes")?
            {
                ids.insert(row.commune_id.clone());
                postal_codes.entry(row.postal_code).or_default().push(row.commune_id);
            }
        }
        let known = if ids.is_empty() {
            HashMap::new()
        } else {
            territory::Entity::find()
                .select_only()
                .columns([territory::Column::Id, territory::Column::DepartementId])
                .filter(territory::Column::Id.is_in(ids))
                .into_tuple::<(String, Option<String>)>()
                .all(db)
                .await
                .context("resolving execution places")?
                .into_iter()
                .collect()
        };
        Ok(Self { postal_codes, known })
    }

    /// The territory of a contract's execution place: the commune a postal code serves (its
    /// département when it serves communes of one département only), the commune,
    /// département or région of an INSEE code; `None` for other kinds and unknown codes.
    pub(super) fn resolve(&self, model: &contract::Model) -> Option<String> {
        let kind = model.exec_place_type?;
        let code = model.exec_place_code.as_deref()?;
        if kind != ExecPlaceType::PostalCode {
            return Self::candidates(kind, code)
                .into_iter()
                .find(|id| self.known.contains_key(id));
        }
        let communes: Vec<&String> = self
            .postal_codes
            .get(code)?
            .iter()
            .filter(|id| self.known.contains_key(*id))
            .collect();
        // A postal code of a city with municipal arrondissements lists the city and one
        // arrondissement: the city is the place.
        let cities: Vec<&&String> = communes
            .iter()
            .filter(|id| TerritoryId::is_level(id, TerritoryLevel::Commune))
            .collect();
        if let [only] = cities.as_slice() {
            return Some((**only).clone());
        }
        if let [only] = communes.as_slice() {
            return Some((*only).clone());
        }
        let mut departements = communes.iter().map(|c| self.known.get(*c).cloned().flatten());
        let first = departements.next()??;
        departements
            .all(|d| d.as_deref() == Some(first.as_str()))
            .then_some(first)
    }
}
