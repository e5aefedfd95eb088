//! The territories the demo lives in, read once through the store and kept in memory: the
//! communes, EPCI, départements and régions of Provence-Alpes-Côte d'Azur, Occitanie and
//! Corse, a few large cities elsewhere for far suppliers, and the postal codes of all of them.

use std::collections::{BTreeMap, HashMap};

use entity::{enums::TerritoryLevel, territory};
use sea_orm::ConnectionTrait;

use super::random::{DemoRng, WeightedIndex};
use crate::{
    domain::{
        ValidationError,
        geo::{GeoPoint, Placement},
    },
    store::{self, StoreError},
};

/// The régions of the demo: Occitanie, Provence-Alpes-Côte d'Azur, Corse.
pub(super) const SCOPE_REGIONS: [&str; 3] = ["REG:76", "REG:93", "REG:94"];

/// Cities outside the three régions where a few national suppliers sit: Lyon, Paris,
/// Bordeaux, Nantes, Lille.
pub(super) const FAR_COMMUNES: [&str; 5] = ["COM:69123", "COM:75056", "COM:33063", "COM:44109", "COM:59350"];

/// How each département's name reads after "de" (the default is "de " and the name).
const DEPARTEMENT_AFTER_DE: &[(&str, &str)] = &[
    ("DEP:04", "des "),
    ("DEP:05", "des "),
    ("DEP:06", "des "),
    ("DEP:09", "de l'"),
    ("DEP:11", "de l'"),
    ("DEP:12", "de l'"),
    ("DEP:13", "des "),
    ("DEP:2A", "de la "),
    ("DEP:2B", "de la "),
    ("DEP:30", "du "),
    ("DEP:31", "de la "),
    ("DEP:32", "du "),
    ("DEP:34", "de l'"),
    ("DEP:46", "du "),
    ("DEP:48", "de la "),
    ("DEP:65", "des "),
    ("DEP:66", "des "),
    ("DEP:81", "du "),
    ("DEP:83", "du "),
    ("DEP:33", "de la "),
    ("DEP:44", "de la "),
    ("DEP:59", "du "),
    ("DEP:69", "du "),
];

/// Communes of one area, drawn by population.
#[derive(Debug, Default)]
struct CommuneDraw {
    /// Commune ids.
    ids: Vec<String>,
    /// Their populations as weights.
    weights: WeightedIndex,
}

impl CommuneDraw {
    fn new(communes: Vec<&territory::Model>) -> Self {
        let weights = WeightedIndex::new(
            communes
                .iter()
                .map(|c| u64::try_from(c.population.unwrap_or(0)).unwrap_or(0)),
        );
        Self {
            ids: communes.into_iter().map(|c| c.id.clone()).collect(),
            weights,
        }
    }

    fn draw(&self, rng: &mut DemoRng) -> Option<&str> {
        self.weights
            .sample(rng)
            .and_then(|i| self.ids.get(i))
            .map(String::as_str)
    }
}

/// The demo's territories, in memory.
#[derive(Debug)]
pub(super) struct Geography {
    /// Every loaded territory by id.
    territories: BTreeMap<String, territory::Model>,
    /// Communes of the three régions, by région then code.
    communes: Vec<String>,
    /// EPCI of the three régions, by région then code.
    epcis: Vec<String>,
    /// Communes of the three régions drawn by population.
    commune_draw: CommuneDraw,
    /// The same, per département.
    departement_draws: BTreeMap<String, CommuneDraw>,
    /// The most populous member commune of each EPCI.
    seats: BTreeMap<String, String>,
    /// Postal codes of every loaded commune.
    postal_codes: HashMap<String, Vec<String>>,
}

impl Geography {
    /// Reads the territories through the store. Fails when the reference territories are not
    /// loaded.
    pub(super) async fn load<C: ConnectionTrait>(db: &C) -> Result<Self, StoreError> {
        let regions: Vec<String> = SCOPE_REGIONS.iter().map(|id| (*id).to_owned()).collect();
        let mut territories = BTreeMap::new();
        let communes = collect(db, &regions, TerritoryLevel::Commune, &mut territories).await?;
        if communes.is_empty() {
            return Err(ValidationError::new(
                "demo",
                "DEMO",
                "the reference territories are not loaded (run the migrations first)",
            )
            .into());
        }
        let epcis = collect(db, &regions, TerritoryLevel::Epci, &mut territories).await?;
        collect(db, &regions, TerritoryLevel::Departement, &mut territories).await?;
        let mut others = regions.clone();
        others.extend(FAR_COMMUNES.iter().map(|id| (*id).to_owned()));
        for territory in store::territories::by_ids(db, &others).await? {
            territories.insert(territory.id.clone(), territory);
        }
        // The départements and régions of the far cities, for their names.
        let far_parents: Vec<String> = FAR_COMMUNES
            .iter()
            .filter_map(|id| territories.get(*id))
            .flat_map(|city| [city.departement_id.clone(), city.region_id.clone()])
            .flatten()
            .collect();
        for territory in store::territories::by_ids(db, &far_parents).await? {
            territories.insert(territory.id.clone(), territory);
        }

        let mut members = store::territories::contained(db, &epcis, TerritoryLevel::Commune).await?;
        let mut seats = BTreeMap::new();
        for epci in &epcis {
            let Some(member_communes) = members.remove(epci) else {
                continue;
            };
            let seat = member_communes
                .iter()
                .max_by(|a, b| a.population.cmp(&b.population).then_with(|| b.code.cmp(&a.code)));
            if let Some(seat) = seat {
                seats.insert(epci.clone(), seat.id.clone());
            }
            for commune in member_communes {
                territories.entry(commune.id.clone()).or_insert(commune);
            }
        }

        let commune_ids: Vec<String> = territories
            .values()
            .filter(|t| t.level == TerritoryLevel::Commune)
            .map(|t| t.id.clone())
            .collect();
        let postal_codes = store::territories::postal_codes_of(db, &commune_ids).await?;
        Ok(Self::assemble(territories, communes, epcis, seats, postal_codes))
    }

    /// The geography of the given territories: `communes` and `epcis` are those of the demo's
    /// régions, in order; `seats` maps EPCI to their seat commune.
    fn assemble(
        territories: BTreeMap<String, territory::Model>,
        communes: Vec<String>,
        epcis: Vec<String>,
        seats: BTreeMap<String, String>,
        mut postal_codes: HashMap<String, Vec<String>>,
    ) -> Self {
        // Sorted here, byte-wise, rather than by the database's collation.
        postal_codes.values_mut().for_each(|codes| codes.sort());
        let in_scope: Vec<&territory::Model> = communes.iter().filter_map(|id| territories.get(id)).collect();
        let mut per_departement: BTreeMap<String, Vec<&territory::Model>> = BTreeMap::new();
        for commune in &in_scope {
            if let Some(departement) = &commune.departement_id {
                per_departement.entry(departement.clone()).or_default().push(commune);
            }
        }
        let departement_draws = per_departement
            .into_iter()
            .map(|(dep, list)| (dep, CommuneDraw::new(list)))
            .collect();
        let commune_draw = CommuneDraw::new(in_scope);
        Self {
            territories,
            communes,
            epcis,
            commune_draw,
            departement_draws,
            seats,
            postal_codes,
        }
    }

    /// A loaded territory.
    pub(super) fn territory(&self, id: &str) -> Option<&territory::Model> {
        self.territories.get(id)
    }

    /// The name of a loaded territory (empty when unknown).
    pub(super) fn name(&self, id: &str) -> &str {
        self.territory(id).map_or("", |t| t.name.as_str())
    }

    /// Communes of the three régions, by région then code.
    pub(super) fn communes(&self) -> &[String] {
        &self.communes
    }

    /// EPCI of the three régions, by région then code.
    pub(super) fn epcis(&self) -> &[String] {
        &self.epcis
    }

    /// The most populous member commune of an EPCI, where its seat is taken to be.
    pub(super) fn seat_of(&self, epci_id: &str) -> Option<&str> {
        self.seats.get(epci_id).map(String::as_str)
    }

    /// The département of an EPCI: its own, or, for an EPCI spanning several départements
    /// (the reference data gives none), that of its seat.
    pub(super) fn departement_of_epci(&self, epci_id: &str) -> Option<&str> {
        self.territory(epci_id)?
            .departement_id
            .as_deref()
            .or_else(|| self.territory(self.seat_of(epci_id)?)?.departement_id.as_deref())
    }

    /// A commune of the three régions, drawn by population.
    pub(super) fn draw_commune(&self, rng: &mut DemoRng) -> Option<&str> {
        self.commune_draw.draw(rng)
    }

    /// A commune of a département of the three régions, drawn by population.
    pub(super) fn draw_commune_in(&self, departement_id: &str, rng: &mut DemoRng) -> Option<&str> {
        self.departement_draws.get(departement_id)?.draw(rng)
    }

    /// One of the postal codes of a commune.
    pub(super) fn postal_code(&self, commune_id: &str, rng: &mut DemoRng) -> Option<String> {
        self.postal_codes
            .get(commune_id)
            .and_then(|codes| rng.pick(codes))
            .cloned()
    }

    /// Where a commune sits: itself, its EPCI, département and région.
    pub(super) fn placement(&self, commune_id: &str) -> Placement {
        let commune = self.territory(commune_id);
        Placement {
            commune_id: Some(commune_id.to_owned()),
            epci_id: commune.and_then(|c| c.epci_id.clone()),
            departement_id: commune.and_then(|c| c.departement_id.clone()),
            region_id: commune.and_then(|c| c.region_id.clone()),
        }
    }

    /// The representative point of a territory.
    pub(super) fn point(&self, id: &str) -> Option<GeoPoint> {
        let territory = self.territory(id)?;
        Some(GeoPoint {
            latitude: territory.latitude?,
            longitude: territory.longitude?,
        })
    }

    /// A département's name after "de": "des Bouches-du-Rhône", "de l'Aude", "du Gard".
    pub(super) fn departement_with_de(&self, departement_id: &str) -> String {
        let article = DEPARTEMENT_AFTER_DE
            .iter()
            .find(|(id, _)| *id == departement_id)
            .map_or("de ", |(_, article)| *article);
        format!("{article}{}", self.name(departement_id))
    }
}

/// Loads the territories of `level` within `ancestors` into `territories` and returns their
/// ids, ancestor by ancestor, each in code order.
async fn collect<C: ConnectionTrait>(
    db: &C,
    ancestors: &[String],
    level: TerritoryLevel,
    territories: &mut BTreeMap<String, territory::Model>,
) -> Result<Vec<String>, StoreError> {
    let mut contained = store::territories::contained(db, ancestors, level).await?;
    let mut ids = Vec::new();
    for ancestor in ancestors {
        let mut within = contained.remove(ancestor).unwrap_or_default();
        // Sorted here, byte-wise, rather than by the database's collation.
        within.sort_by(|a, b| a.code.cmp(&b.code));
        for territory in within {
            ids.push(territory.id.clone());
            territories.insert(territory.id.clone(), territory);
        }
    }
    Ok(ids)
}

/// `point` moved in a random direction by up to `max_km`, rounded to 5 decimals (about a
/// metre).
pub(super) fn jitter(point: GeoPoint, max_km: f64, rng: &mut DemoRng) -> GeoPoint {
    let distance = max_km * rng.unit().sqrt();
    let bearing = std::f64::consts::TAU * rng.unit();
    let km_per_degree = 111.32;
    let latitude = point.latitude + distance * bearing.cos() / km_per_degree;
    let longitude = point.longitude + distance * bearing.sin() / (km_per_degree * point.latitude.to_radians().cos());
    let round = |degrees: f64| (degrees * 100_000.0).round() / 100_000.0;
    GeoPoint {
        latitude: round(latitude),
        longitude: round(longitude),
    }
}

/// A small geography for tests: two départements of Provence-Alpes-Côte d'Azur, two EPCI, a
/// handful of communes with their real SIREN, and Lyon for far suppliers.
#[cfg(test)]
pub(super) fn sample() -> Geography {
    use entity::enums::{GeoSource, Zone};

    let territory = |id: &str,
                     level: TerritoryLevel,
                     name: &str,
                     siren: Option<&str>,
                     population: i64,
                     point: (f64, f64),
                     parents: [Option<&str>; 3]| {
        let code = id.split_once(':').map_or(id, |(_, code)| code).to_owned();
        territory::Model {
            id: id.to_owned(),
            level,
            code,
            name: name.to_owned(),
            name_search: crate::domain::text::fold_for_search(name),
            siren: siren.map(str::to_owned),
            population: Some(population),
            latitude: Some(point.0),
            longitude: Some(point.1),
            geo_source: GeoSource::Mairie,
            zone: Some(Zone::Metro),
            parent_id: parents[0].or(parents[1]).map(str::to_owned),
            epci_id: parents[0].map(str::to_owned),
            departement_id: parents[1].map(str::to_owned),
            region_id: parents[2].map(str::to_owned),
            cog_vintage: 2026,
        }
    };
    use TerritoryLevel::{Commune, Departement, Epci, Region};
    let amp = Some("EPCI:200054807");
    let avignon = Some("EPCI:248400251");
    let (d13, d84, r93) = (Some("DEP:13"), Some("DEP:84"), Some("REG:93"));
    let rows = [
        territory(
            "REG:93",
            Region,
            "Provence-Alpes-Côte d'Azur",
            None,
            5_218_960,
            (43.9, 6.0),
            [None, None, None],
        ),
        territory(
            "REG:84",
            Region,
            "Auvergne-Rhône-Alpes",
            None,
            8_000_000,
            (45.5, 4.5),
            [None, None, None],
        ),
        territory(
            "DEP:13",
            Departement,
            "Bouches-du-Rhône",
            None,
            2_087_658,
            (43.5, 5.2),
            [None, None, r93],
        ),
        territory(
            "DEP:84",
            Departement,
            "Vaucluse",
            None,
            572_056,
            (44.0, 5.1),
            [None, None, r93],
        ),
        territory(
            "DEP:69",
            Departement,
            "Rhône",
            None,
            1_900_000,
            (45.8, 4.8),
            [None, None, Some("REG:84")],
        ),
        territory(
            "EPCI:200054807",
            Epci,
            "Métropole d'Aix-Marseille-Provence",
            Some("200054807"),
            1_900_000,
            (43.4, 5.4),
            [None, d13, r93],
        ),
        territory(
            "EPCI:248400251",
            Epci,
            "CA du Grand Avignon (COGA)",
            Some("248400251"),
            200_000,
            (43.9, 4.8),
            [None, d84, r93],
        ),
        territory(
            "COM:13055",
            Commune,
            "Marseille",
            Some("211300553"),
            886_040,
            (43.2976, 5.36943),
            [amp, d13, r93],
        ),
        territory(
            "COM:13001",
            Commune,
            "Aix-en-Provence",
            Some("211300017"),
            149_695,
            (43.52994, 5.44765),
            [amp, d13, r93],
        ),
        territory(
            "COM:13004",
            Commune,
            "Arles",
            Some("211300041"),
            50_000,
            (43.67681, 4.63028),
            [None, d13, r93],
        ),
        territory(
            "COM:84007",
            Commune,
            "Avignon",
            Some("218400075"),
            90_000,
            (43.94923, 4.80601),
            [avignon, d84, r93],
        ),
        territory(
            "COM:84092",
            Commune,
            "Le Pontet",
            Some("218400927"),
            17_000,
            (43.96189, 4.86083),
            [avignon, d84, r93],
        ),
        territory(
            "COM:84001",
            Commune,
            "Althen-des-Paluds",
            Some("218400018"),
            2_800,
            (44.0054, 4.9583),
            [avignon, d84, r93],
        ),
        territory(
            "COM:69123",
            Commune,
            "Lyon",
            Some("216901231"),
            519_127,
            (45.76769, 4.83537),
            [Some("EPCI:200046977"), Some("DEP:69"), Some("REG:84")],
        ),
    ];
    let territories: BTreeMap<String, territory::Model> = rows.into_iter().map(|t| (t.id.clone(), t)).collect();
    let communes = [
        "COM:13001",
        "COM:13004",
        "COM:13055",
        "COM:84001",
        "COM:84007",
        "COM:84092",
    ]
    .map(str::to_owned)
    .to_vec();
    let epcis = ["EPCI:200054807", "EPCI:248400251"].map(str::to_owned).to_vec();
    let seats = [("EPCI:200054807", "COM:13055"), ("EPCI:248400251", "COM:84007")]
        .into_iter()
        .map(|(epci, seat)| (epci.to_owned(), seat.to_owned()))
        .collect();
    let postal_codes = [
        ("COM:13055", vec!["13002".to_owned(), "13001".to_owned()]),
        ("COM:84007", vec!["84000".to_owned()]),
    ]
    .into_iter()
    .map(|(id, codes)| (id.to_owned(), codes))
    .collect();
    Geography::assemble(territories, communes, epcis, seats, postal_codes)
}

#[cfg(test)]
mod tests {
    use super::jitter;
    use crate::{
        domain::geo::{GeoPoint, distance_km},
        seed::demo::random::DemoRng,
    };

    #[test]
    fn jitter_stays_within_the_radius() {
        let mut rng = DemoRng::for_step("jitter");
        let marseille = GeoPoint {
            latitude: 43.2976,
            longitude: 5.36943,
        };
        for _ in 0..500 {
            assert!(distance_km(marseille, jitter(marseille, 1.5, &mut rng)) <= 1.6);
        }
    }
}
