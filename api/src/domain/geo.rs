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
    let same = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a == b);
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
        assert_eq!(locality_level(&marseille, &marseille), LocalityLevel::SameCommune);
        assert_eq!(locality_level(&marseille, &aix), LocalityLevel::SameEpci);
        assert_eq!(locality_level(&marseille, &arles), LocalityLevel::SameDepartement);
        assert_eq!(locality_level(&marseille, &nice), LocalityLevel::SameRegion);
        assert_eq!(locality_level(&marseille, &lyon), LocalityLevel::National);
        assert_eq!(locality_level(&isle, &lyon), LocalityLevel::National);
        assert_eq!(
            locality_level(&marseille, &Placement::default()),
            LocalityLevel::Unknown
        );
    }
}

/// Kilometres per degree of latitude (and of longitude at the equator).
pub const KM_PER_DEGREE: f64 = 111.195;

/// A search circle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// Centre.
    pub centre: GeoPoint,
    /// Radius, km.
    pub radius_km: f64,
}

impl Near {
    /// Largest radius accepted, km.
    pub const MAX_RADIUS_KM: f64 = 1_000.0;

    /// Validates a search circle: latitude within ±90, longitude within ±180, radius
    /// above 0 and at most [`Near::MAX_RADIUS_KM`].
    pub fn new(latitude: f64, longitude: f64, radius_km: f64) -> Result<Self, crate::domain::ValidationError> {
        use crate::domain::ValidationError;
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(ValidationError::new(
                "near.latitude",
                latitude.to_string(),
                "must be between -90 and 90",
            ));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(ValidationError::new(
                "near.longitude",
                longitude.to_string(),
                "must be between -180 and 180",
            ));
        }
        if !(radius_km > 0.0 && radius_km <= Self::MAX_RADIUS_KM) {
            return Err(ValidationError::new(
                "near.radiusKm",
                radius_km.to_string(),
                format!("must be above 0 and at most {}", Self::MAX_RADIUS_KM),
            ));
        }
        Ok(Self {
            centre: GeoPoint { latitude, longitude },
            radius_km,
        })
    }

    /// Kilometres per degree of longitude at the centre's latitude (equirectangular
    /// projection, accurate to well under 1 % within [`Near::MAX_RADIUS_KM`] at French
    /// latitudes, and computable in plain SQL on every database).
    pub fn km_per_degree_longitude(&self) -> f64 {
        KM_PER_DEGREE * self.centre.latitude.to_radians().cos()
    }

    /// The squared projected distance, km², from the centre to the point in columns `lat`
    /// and `lon`, as SQL arithmetic (the constants are numbers computed here).
    pub fn squared_distance_sql(&self, lat: &str, lon: &str) -> String {
        format!(
            "((({lat}) - ({clat:.6})) * {ky:.6} * (({lat}) - ({clat:.6})) * {ky:.6} + (({lon}) - ({clon:.6})) * {kx:.6} * (({lon}) - ({clon:.6})) * {kx:.6})",
            clat = self.centre.latitude,
            clon = self.centre.longitude,
            ky = KM_PER_DEGREE,
            kx = self.km_per_degree_longitude(),
        )
    }

    /// Bounding box (min lat, max lat, min lon, max lon) of the circle, for index use.
    pub fn bounding_box(&self) -> (f64, f64, f64, f64) {
        let dlat = self.radius_km / KM_PER_DEGREE;
        let dlon = self.radius_km / self.km_per_degree_longitude().max(1e-6);
        (
            self.centre.latitude - dlat,
            self.centre.latitude + dlat,
            self.centre.longitude - dlon,
            self.centre.longitude + dlon,
        )
    }
}

/// Lambert-93 (RGF93, EPSG:2154) projection constants: GRS80 eccentricity, cone constant,
/// projection constant, false easting and northing of the pole, central meridian (IGN, notice
/// NTG_71 / ALG0004).
mod lambert93 {
    pub const E: f64 = 0.081_819_191_042_815_8;
    pub const N: f64 = 0.725_607_765_053_267;
    pub const C: f64 = 11_754_255.426_096;
    pub const XS: f64 = 700_000.0;
    pub const YS: f64 = 12_655_612.049_876;
    pub const LON0_DEGREES: f64 = 3.0;
}

/// The WGS84 point of Lambert-93 coordinates in metres (Sirene's
/// `coordonneeLambertAbscisseEtablissement` / `…OrdonneeEtablissement` in metropolitan
/// France), to about a centimetre (RGF93 and WGS84 differ by less than a metre). `None` when
/// the coordinates fall outside metropolitan France and Corsica (overseas establishments use
/// other projections).
pub fn lambert93_to_wgs84(x: f64, y: f64) -> Option<GeoPoint> {
    use lambert93::{C, E, LON0_DEGREES, N, XS, YS};
    if !(x.is_finite() && y.is_finite()) {
        return None;
    }
    let (dx, dy) = (x - XS, YS - y);
    let radius = dx.hypot(dy);
    let gamma = dx.atan2(dy);
    let longitude = LON0_DEGREES + (gamma / N).to_degrees();
    let isometric = -(radius / C).ln() / N;
    let mut phi = 2.0 * isometric.exp().atan() - std::f64::consts::FRAC_PI_2;
    for _ in 0..20 {
        let sine = E * phi.sin();
        let next =
            2.0 * (((1.0 + sine) / (1.0 - sine)).powf(E / 2.0) * isometric.exp()).atan() - std::f64::consts::FRAC_PI_2;
        let done = (next - phi).abs() < 1e-12;
        phi = next;
        if done {
            break;
        }
    }
    let point = GeoPoint {
        latitude: phi.to_degrees(),
        longitude,
    };
    let metropolitan = (41.0..=51.5).contains(&point.latitude) && (-5.5..=10.0).contains(&point.longitude);
    metropolitan.then_some(point)
}

#[cfg(test)]
mod lambert_tests {
    use super::{lambert93::*, *};

    /// The forward projection, to check the inverse against.
    fn to_lambert93(point: GeoPoint) -> (f64, f64) {
        let phi = point.latitude.to_radians();
        let sine = E * phi.sin();
        let isometric =
            ((std::f64::consts::FRAC_PI_4 + phi / 2.0).tan() * ((1.0 - sine) / (1.0 + sine)).powf(E / 2.0)).ln();
        let radius = C * (-N * isometric).exp();
        let gamma = N * (point.longitude - LON0_DEGREES).to_radians();
        (XS + radius * gamma.sin(), YS - radius * gamma.cos())
    }

    #[test]
    fn the_origin_of_lambert_93_is_3_east_46_5_north() {
        let origin = lambert93_to_wgs84(700_000.0, 6_600_000.0).unwrap_or(GeoPoint {
            latitude: 0.0,
            longitude: 0.0,
        });
        assert!((origin.latitude - 46.5).abs() < 1e-7, "{origin:?}");
        assert!((origin.longitude - 3.0).abs() < 1e-7, "{origin:?}");
    }

    #[test]
    fn round_trips_across_metropolitan_france_and_rejects_elsewhere() {
        for (latitude, longitude) in [
            (43.2965, 5.3698),
            (41.9192, 8.7386),
            (50.6292, 3.0573),
            (48.3904, -4.4861),
        ] {
            let point = GeoPoint { latitude, longitude };
            let (x, y) = to_lambert93(point);
            let back = lambert93_to_wgs84(x, y);
            assert!(
                back.is_some_and(|b| distance_km(b, point) < 0.001),
                "{point:?} -> ({x}, {y}) -> {back:?}"
            );
        }
        // Marseille's town hall is near (892 400, 6 247 000).
        let marseille = lambert93_to_wgs84(892_400.0, 6_247_000.0);
        assert!(marseille.is_some_and(|p| (p.latitude - 43.29).abs() < 0.02 && (p.longitude - 5.37).abs() < 0.02));
        // Réunion's UTM coordinates are not Lambert-93.
        assert_eq!(lambert93_to_wgs84(338_000.0, 7_690_000.0), None);
        assert_eq!(lambert93_to_wgs84(f64::NAN, 6_600_000.0), None);
    }
}
