//! Territory ids: the stored key of a territory is its level's prefix and its code
//! (`COM:13055`, `ARM:13201`, `COMD:…`, `COMA:…`, `EPCI:<siren>`, `DEP:13`, `REG:93`).
//! [`TerritoryId`] builds and reads them, so no other code spells a prefix or tests an id by
//! its first letters.

use entity::enums::TerritoryLevel;

use super::{CommuneCode, Siren, ValidationError};

/// A territory's stored id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TerritoryId(String);

/// The id prefix of each level.
const PREFIXES: [(TerritoryLevel, &str); 7] = [
    (TerritoryLevel::Commune, "COM"),
    (TerritoryLevel::ArrondissementMunicipal, "ARM"),
    (TerritoryLevel::CommuneDeleguee, "COMD"),
    (TerritoryLevel::CommuneAssociee, "COMA"),
    (TerritoryLevel::Epci, "EPCI"),
    (TerritoryLevel::Departement, "DEP"),
    (TerritoryLevel::Region, "REG"),
];

fn prefix(level: TerritoryLevel) -> &'static str {
    PREFIXES
        .iter()
        .find(|(known, _)| *known == level)
        .map(|(_, prefix)| *prefix)
        .expect("every level has a prefix")
}

impl TerritoryId {
    /// The id of a territory given by level and code, after validating the code for its level
    /// (INSEE commune code, EPCI SIREN, 2- or 3-character département or région code); errors
    /// name the field `code`.
    pub fn for_level(level: TerritoryLevel, code: &str) -> Result<Self, ValidationError> {
        let code = match level {
            TerritoryLevel::Commune
            | TerritoryLevel::ArrondissementMunicipal
            | TerritoryLevel::CommuneDeleguee
            | TerritoryLevel::CommuneAssociee => CommuneCode::parse(code)
                .map_err(|e| e.with_field("code"))?
                .as_str()
                .to_owned(),
            TerritoryLevel::Epci => Siren::parse(code)
                .map_err(|e| e.with_field("code"))?
                .as_str()
                .to_owned(),
            TerritoryLevel::Departement | TerritoryLevel::Region => {
                let code = code.trim().to_ascii_uppercase();
                let well_formed = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
                if !well_formed {
                    return Err(ValidationError::new(
                        "code",
                        code,
                        "must be a 2- or 3-character INSEE code",
                    ));
                }
                code
            }
        };
        Ok(Self::from_parts(level, &code))
    }

    /// The id of level `level` and an already valid `code`.
    pub fn from_parts(level: TerritoryLevel, code: &str) -> Self {
        Self(format!("{}:{code}", prefix(level)))
    }

    /// A stored id read back (`COM:13055`); `None` when its prefix is no level's.
    pub fn parse(id: &str) -> Option<Self> {
        let (head, code) = id.split_once(':')?;
        (PREFIXES.iter().any(|(_, prefix)| *prefix == head) && !code.is_empty()).then(|| Self(id.to_owned()))
    }

    /// The level the id's prefix names.
    pub fn level(&self) -> TerritoryLevel {
        let head = self.0.split_once(':').map_or("", |(head, _)| head);
        PREFIXES
            .iter()
            .find(|(_, prefix)| *prefix == head)
            .map(|(level, _)| *level)
            .expect("a TerritoryId is built with a known prefix")
    }

    /// The code after the prefix (`13055`).
    pub fn code(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, code)| code)
    }

    /// The stored id (`COM:13055`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored id, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether the level of the stored id `id` is `level`, without building a [`TerritoryId`].
    pub fn is_level(id: &str, level: TerritoryLevel) -> bool {
        id.split_once(':').is_some_and(|(head, _)| head == prefix(level))
    }
}

impl std::fmt::Display for TerritoryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<TerritoryId> for String {
    fn from(id: TerritoryId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use super::*;

    #[test]
    fn builds_and_reads_ids_of_every_level() {
        let marseille = TerritoryId::for_level(TerritoryLevel::Commune, "13055").unwrap();
        assert_eq!(marseille.as_str(), "COM:13055");
        assert_eq!(marseille.level(), TerritoryLevel::Commune);
        assert_eq!(marseille.code(), "13055");
        assert_eq!(
            TerritoryId::for_level(TerritoryLevel::Departement, "2a")
                .unwrap()
                .as_str(),
            "DEP:2A"
        );
        assert_eq!(
            TerritoryId::for_level(TerritoryLevel::Region, "93").unwrap().as_str(),
            "REG:93"
        );
        let arrondissement = TerritoryId::parse("ARM:13201").unwrap();
        assert_eq!(arrondissement.level(), TerritoryLevel::ArrondissementMunicipal);
        assert!(TerritoryId::is_level("COMD:14712", TerritoryLevel::CommuneDeleguee));
        assert!(!TerritoryId::is_level("COMD:14712", TerritoryLevel::Commune));
        assert!(TerritoryId::is_level("EPCI:200054807", TerritoryLevel::Epci));
    }

    #[test]
    fn refuses_bad_codes_and_unknown_prefixes() {
        let bad = TerritoryId::for_level(TerritoryLevel::Departement, "1").unwrap_err();
        assert_eq!(bad.field, "code");
        assert!(TerritoryId::for_level(TerritoryLevel::Commune, "1305").is_err());
        assert!(TerritoryId::for_level(TerritoryLevel::Epci, "123").is_err());
        assert_eq!(TerritoryId::parse("XYZ:1"), None);
        assert_eq!(TerritoryId::parse("COM:"), None);
        assert_eq!(TerritoryId::parse("13055"), None);
    }
}
