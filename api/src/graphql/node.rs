//! Global object ids: opaque strings that name a type and a row, e.g. the URL-safe base64 of
//! `Organisation:0193…`. Clients must treat them as opaque.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::domain::ValidationError;

/// The global id of the row `key` of GraphQL type `type_name`.
pub fn global_id(type_name: &str, key: impl std::fmt::Display) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}")))
}

/// Splits a global id into its type name and row key.
pub fn parse_global_id(id: &str) -> Result<(String, String), ValidationError> {
    let invalid = || ValidationError::new("id", id, "not a Terrasse global id");
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (type_name, key) = text.split_once(':').ok_or_else(invalid)?;
    Ok((type_name.to_owned(), key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_reject_garbage() {
        let id = global_id("Territory", "COM:13055");
        assert_eq!(
            parse_global_id(&id).expect("valid"),
            ("Territory".into(), "COM:13055".into())
        );
        assert!(parse_global_id("not base64 !").is_err());
        assert!(parse_global_id(&URL_SAFE_NO_PAD.encode("no-colon")).is_err());
    }
}
