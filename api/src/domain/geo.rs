//! Geography: great-circle distance and the locality of a supplier relative to a buyer.

use entity::enums::LocalityLevel;

/// Mean Earth radius used for distances, km.
const EARTH_RADIUS_KM: f64 = 6_371.0;

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// Latitude, degrees.
    pub latitude: f64,
    /// Longitude, degrees.
    pub longitude: f64,
}

/// Great-circle (haversine) distance between two points, km, rounded to 0.1 km.
pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (b.longitude - a.longitude).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    let km = 2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin();
    (km * 10.0).round() / 10.0
}

/// Where an establishment sits: territory ids of its commune and the levels above it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// Commune territory id (`COM:…`; an arrondissement is placed in its commune).
    pub commune_id: Option<String>,
    /// EPCI territory id.
    pub epci_id: Option<String>,
    /// Département territory id.
    pub departement_id: Option<String>,
    /// Région territory id.
    pub region_id: Option<String>,
}

/// The smallest territory a buyer and a French supplier share. `Unknown` when either side
/// cannot be placed; `Foreign` is decided by the caller from the supplier's identifier scheme.
pub fn locality_level(buyer: &Placement, supplier: &Placement) -> LocalityLevel {
    let same =
        |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a == b);
    if buyer.commune_id.is_none() || supplier.commune_id.is_none() {
        LocalityLevel::Unknown
    } else if same(&buyer.commune_id, &supplier.commune_id) {
        LocalityLevel::SameCommune
    } else if same(&buyer.epci_id, &supplier.epci_id) {
        LocalityLevel::SameEpci
    } else if same(&buyer.departement_id, &supplier.departement_id) {
        LocalityLevel::SameDepartement
    } else if same(&buyer.region_id, &supplier.region_id) {
        LocalityLevel::SameRegion
    } else {
        LocalityLevel::National
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(commune: &str, epci: Option<&str>, dep: &str, reg: &str) -> Placement {
        Placement {
            commune_id: Some(commune.into()),
            epci_id: epci.map(Into::into),
            departement_id: Some(dep.into()),
            region_id: Some(reg.into()),
        }
    }

    #[test]
    fn marseille_to_nice_is_about_160_km() {
        let marseille = GeoPoint {
            latitude: 43.2976,
            longitude: 5.36943,
        };
        let nice = GeoPoint {
            latitude: 43.7031,
            longitude: 7.2661,
        };
        let d = distance_km(marseille, nice);
        assert!((155.0..165.0).contains(&d), "{d}");
        assert_eq!(distance_km(marseille, marseille), 0.0);
    }

    #[test]
    fn locality_is_the_smallest_shared_territory() {
        let marseille = place("COM:13055", Some("EPCI:200054807"), "DEP:13", "REG:93");
        let aix = place("COM:13001", Some("EPCI:200054807"), "DEP:13", "REG:93");
        let arles = place("COM:13004", Some("EPCI:241300417"), "DEP:13", "REG:93");
        let nice = place("COM:06088", Some("EPCI:200030195"), "DEP:06", "REG:93");
        let lyon = place("COM:69123", Some("EPCI:200046977"), "DEP:69", "REG:84");
        let isle = place("COM:29155", None, "DEP:29", "REG:53");
        assert_eq!(
            locality_level(&marseille, &marseille),
            LocalityLevel::SameCommune
        );
        assert_eq!(locality_level(&marseille, &aix), LocalityLevel::SameEpci);
        assert_eq!(
            locality_level(&marseille, &arles),
            LocalityLevel::SameDepartement
        );
        assert_eq!(locality_level(&marseille, &nice), LocalityLevel::SameRegion);
        assert_eq!(locality_level(&marseille, &lyon), LocalityLevel::National);
        assert_eq!(locality_level(&isle, &lyon), LocalityLevel::National);
        assert_eq!(
            locality_level(&marseille, &Placement::default()),
            LocalityLevel::Unknown
        );
    }
}
