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

/// Any object with a global id (Relay Global Object Identification).
#[derive(async_graphql::Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id: opaque, stable, usable with `node(id:)`."))]
pub enum Node {
    /// A territory.
    Territory(super::territory::Territory),
    /// An organisation.
    Organisation(super::organisation::Organisation),
    /// An establishment.
    Establishment(super::organisation::Establishment),
    /// A label.
    Label(super::organisation::Label),
    /// An identifier in another scheme.
    Identifier(super::organisation::Identifier),
    /// A public contract.
    Contract(super::contract::Contract),
    /// A partnership.
    Partnership(super::partnership::Partnership),
}

/// Resolves a global id to its object through the request's loaders; `None` when no live
/// object has that id, a BAD_USER_INPUT error when the id is malformed.
pub async fn resolve_node(loaders: &super::loaders::Loaders, id: &ID) -> async_graphql::Result<Option<Node>> {
    use super::{
        errors::{OrInternal, bad_input},
        organisation::{Establishment, Identifier, Label, Organisation},
        territory::Territory,
    };
    let (type_name, key) = bad_input(parse_global_id(id))?;
    let uuid = || {
        bad_input(
            key.parse::<uuid::Uuid>()
                .map_err(|_| ValidationError::new("id", id.as_str(), "not a Terrasse global id")),
        )
    };
    Ok(match type_name.as_str() {
        "Territory" => loaders
            .territories
            .load_one(key)
            .await
            .or_internal()?
            .map(|t| Node::Territory(Territory(t))),
        "Organisation" => loaders
            .organisations
            .load_one(uuid()?)
            .await
            .or_internal()?
            .map(|o| Node::Organisation(Organisation(o))),
        "Establishment" => loaders
            .establishment_by_id
            .load_one(uuid()?)
            .await
            .or_internal()?
            .map(|e| Node::Establishment(Establishment(e))),
        "Label" => loaders
            .label_by_id
            .load_one(uuid()?)
            .await
            .or_internal()?
            .map(|l| Node::Label(Label(l))),
        "Identifier" => loaders
            .identifier_by_id
            .load_one(uuid()?)
            .await
            .or_internal()?
            .map(|i| Node::Identifier(Identifier(i))),
        "Contract" => loaders
            .contracts
            .by_id
            .load_one(uuid()?)
            .await
            .or_internal()?
            .map(|c| Node::Contract(c.into())),
        "Partnership" => loaders
            .partnerships
            .by_id
            .load_one(uuid()?)
            .await
            .or_internal()?
            .map(|p| Node::Partnership(super::partnership::Partnership(p))),
        _ => {
            return bad_input(Err(ValidationError::new(
                "id",
                id.as_str(),
                format!("unknown type {type_name}"),
            )));
        }
    })
}
