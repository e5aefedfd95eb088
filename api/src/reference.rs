//! Reference data shipped inside the binary: French territories (COG 2026), postal codes
//! and INSEE legal categories. The files live in `data/` with their sources, vintage and
//! licences (`data/SOURCES.md`) and the script that regenerates them.
//!
//! This module only parses; `store::territories` writes.

use std::io::Read;

use entity::{
    enums::{EssFamily, GeoSource, TerritoryLevel, Zone},
    legal_category, postal_code_commune, territory,
};
use flate2::read::GzDecoder;
use sea_orm::ActiveEnum;

use crate::domain::{TerritoryId, ValidationError, text::fold_for_search};

/// COG vintage of the shipped territories.
pub const COG_VINTAGE: i16 = 2026;

const TERRITORIES_GZ: &[u8] = include_bytes!("../../data/territories-cog2026.tsv.gz");
const POSTAL_CODES_GZ: &[u8] = include_bytes!("../../data/postal-codes-cog2026.tsv.gz");
const LEGAL_CATEGORIES_TSV: &str = include_str!("../../data/legal-categories.tsv");

/// All reference rows, ready to insert.
pub struct ReferenceData {
    /// Territories, parents before children.
    pub territories: Vec<territory::Model>,
    /// Postal code to commune pairs.
    pub postal_codes: Vec<postal_code_commune::Model>,
    /// Legal categories.
    pub legal_categories: Vec<legal_category::Model>,
}

/// Parses the embedded reference files.
pub fn load() -> Result<ReferenceData, ValidationError> {
    let territories = parse_territories(&gunzip("territories", TERRITORIES_GZ)?)?;
    let known: std::collections::HashSet<&str> = territories.iter().map(|t| t.id.as_str()).collect();
    let postal_codes = parse_rows(&gunzip("postal codes", POSTAL_CODES_GZ)?, 2, |f| {
        // A postal code maps to a commune, or to a municipal arrondissement of Paris, Lyon or
        // Marseille (whose codes are not commune codes).
        let commune_id = [TerritoryLevel::Commune, TerritoryLevel::ArrondissementMunicipal]
            .into_iter()
            .map(|level| TerritoryId::from_parts(level, f[1]).into_string())
            .find(|id| known.contains(id.as_str()))
            .ok_or_else(|| ValidationError::new("postalCode.communeCode", f[1], "no such commune or arrondissement"))?;
        Ok(postal_code_commune::Model {
            postal_code: f[0].to_owned(),
            commune_id,
        })
    })?;
    let legal_categories = parse_rows(LEGAL_CATEGORIES_TSV, 3, |f| {
        Ok(legal_category::Model {
            code: f[0].to_owned(),
            label: f[1].to_owned(),
            ess_family: parse_enum::<EssFamily>("legalCategory.essFamily", f[2])?,
        })
    })?;
    Ok(ReferenceData {
        territories,
        postal_codes,
        legal_categories,
    })
}

fn gunzip(what: &'static str, bytes: &[u8]) -> Result<String, ValidationError> {
    let mut text = String::new();
    GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| ValidationError::new(what, "embedded file", e.to_string()))?;
    Ok(text)
}

/// Splits a TSV with a header line into rows of `width` fields and maps each.
fn parse_rows<T>(
    text: &str,
    width: usize,
    mut map: impl FnMut(&[&str]) -> Result<T, ValidationError>,
) -> Result<Vec<T>, ValidationError> {
    text.lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != width {
                return Err(ValidationError::new(
                    "reference row",
                    line,
                    format!("expected {width} tab-separated fields, got {}", fields.len()),
                ));
            }
            map(&fields)
        })
        .collect()
}

fn parse_enum<E: ActiveEnum<Value = String>>(field: &'static str, value: &str) -> Result<E, ValidationError> {
    E::try_from_value(&value.to_owned()).map_err(|_| ValidationError::new(field, value, "unknown value"))
}

fn optional(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

fn optional_number<T: std::str::FromStr>(field: &'static str, value: &str) -> Result<Option<T>, ValidationError> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| ValidationError::new(field, value, "not a number"))
}

fn parse_territories(text: &str) -> Result<Vec<territory::Model>, ValidationError> {
    parse_rows(text, 14, |f| {
        Ok(territory::Model {
            id: f[0].to_owned(),
            level: parse_enum::<TerritoryLevel>("territory.level", f[1])?,
            code: f[2].to_owned(),
            name: f[3].to_owned(),
            name_search: fold_for_search(f[3]),
            siren: optional(f[4]),
            population: optional_number("territory.population", f[5])?,
            latitude: optional_number("territory.latitude", f[6])?,
            longitude: optional_number("territory.longitude", f[7])?,
            geo_source: parse_enum::<GeoSource>("territory.geoSource", f[8])?,
            zone: if f[9].is_empty() {
                None
            } else {
                Some(parse_enum::<Zone>("territory.zone", f[9])?)
            },
            parent_id: optional(f[10]),
            epci_id: optional(f[11]),
            departement_id: optional(f[12]),
            region_id: optional(f[13]),
            cog_vintage: COG_VINTAGE,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_reference_data_parses_and_holds_marseille() {
        let data = load().expect("embedded reference data parses");
        assert!(data.territories.len() > 38_000);
        let marseille = data
            .territories
            .iter()
            .find(|t| t.id == "COM:13055")
            .expect("Marseille");
        assert_eq!(marseille.name, "Marseille");
        assert_eq!(marseille.epci_id.as_deref(), Some("EPCI:200054807"));
        assert_eq!(marseille.region_id.as_deref(), Some("REG:93"));
        assert!(
            data.postal_codes
                .iter()
                .any(|p| p.postal_code == "13001" && p.commune_id == "COM:13055")
        );
        assert!(
            data.legal_categories
                .iter()
                .any(|c| c.code == "9220" && c.ess_family == EssFamily::Association)
        );
    }
}
