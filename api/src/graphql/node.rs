//! Global object ids: opaque strings that name a type and a row, e.g. the URL-safe base64 of
//! `Organisation:0193…`. Clients must treat them as opaque.

use std::{hash::Hash, sync::Arc};

use async_graphql::{
    Context, ID, Object,
    dataloader::{DataLoader, Loader},
    futures_util::future::join_all,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use super::{
    contract::Contract,
    errors::{OrInternal, bad_input},
    loaders::{Cache, Loaders},
    organisation::{Establishment, Identifier, Label, Organisation},
    partnership::Partnership,
    supply::{Canteen, FoodProject, OrganicOperator, SupplyLink},
    territory::Territory,
};
use crate::{
    domain::ValidationError,
    store::{StoreError, page::MAX_PAGE_SIZE},
};

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

/// The row ids of global ids of `type_name` (e.g. organisation ids from `Organisation`
/// global ids); `field` names the input.
pub fn row_ids(type_name: &str, field: &'static str, ids: &[ID]) -> Result<Vec<Uuid>, ValidationError> {
    ids.iter()
        .map(|id| {
            let invalid = |reason: String| ValidationError::new(field, id.as_str(), reason);
            let (found, key) = parse_global_id(id).map_err(|e| e.with_field(field))?;
            if found != type_name {
                return Err(invalid(format!("is the id of a {found}, not of a {type_name}")));
            }
            key.parse::<Uuid>()
                .map_err(|_| invalid("not a Terrasse global id".to_owned()))
        })
        .collect()
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
    Territory(Territory),
    /// An organisation.
    Organisation(Organisation),
    /// An establishment.
    Establishment(Establishment),
    /// A label.
    Label(Label),
    /// An identifier in another scheme.
    Identifier(Identifier),
    /// A public contract.
    Contract(Contract),
    /// A partnership.
    Partnership(Partnership),
    /// A supply link of a food chain.
    SupplyLink(SupplyLink),
    /// A territorial food project (PAT).
    FoodProject(FoodProject),
    /// A canteen of the national register.
    Canteen(Canteen),
    /// An organic operator of the Agence Bio.
    OrganicOperator(OrganicOperator),
}

/// Resolves a global id to its object through the request's loaders; `None` when no live
/// object has that id, a BAD_USER_INPUT error when the id is malformed.
pub async fn resolve_node(loaders: &Loaders, id: &ID) -> async_graphql::Result<Option<Node>> {
    let (type_name, key) = bad_input(parse_global_id(id))?;
    let uuid = || {
        bad_input(
            key.parse::<Uuid>()
                .map_err(|_| ValidationError::new("id", id.as_str(), "not a Terrasse global id")),
        )
    };
    Ok(match type_name.as_str() {
        "Territory" => found(&loaders.territories.by_id, key)
            .await?
            .map(|t| Node::Territory(Territory(t))),
        "Organisation" => found(&loaders.organisations.by_id, uuid()?)
            .await?
            .map(|o| Node::Organisation(Organisation(o))),
        "Establishment" => found(&loaders.organisations.establishment_by_id, uuid()?)
            .await?
            .map(|e| Node::Establishment(Establishment(e))),
        "Label" => found(&loaders.organisations.label_by_id, uuid()?)
            .await?
            .map(|l| Node::Label(Label(l))),
        "Identifier" => found(&loaders.organisations.identifier_by_id, uuid()?)
            .await?
            .map(|i| Node::Identifier(Identifier(i))),
        "Contract" => found(&loaders.contracts.by_id, uuid()?)
            .await?
            .map(|c| Node::Contract(c.into())),
        "Partnership" => found(&loaders.partnerships.by_id, uuid()?)
            .await?
            .map(|p| Node::Partnership(Partnership(p))),
        "SupplyLink" => found(&loaders.supply.by_id, uuid()?)
            .await?
            .map(|l| Node::SupplyLink(SupplyLink(l))),
        "FoodProject" => found(&loaders.supply.food_project_by_id, uuid()?)
            .await?
            .map(|p| Node::FoodProject(FoodProject(p))),
        "Canteen" => found(&loaders.supply.canteen_by_id, uuid()?)
            .await?
            .map(|c| Node::Canteen(Canteen(c))),
        "OrganicOperator" => found(&loaders.supply.organic_by_id, uuid()?)
            .await?
            .map(|o| Node::OrganicOperator(OrganicOperator(o))),
        _ => {
            return bad_input(Err(ValidationError::new(
                "id",
                id.as_str(),
                format!("unknown type {type_name}"),
            )));
        }
    })
}

/// The value `loader` finds for `key`, if any.
async fn found<L, K>(loader: &DataLoader<L, Cache>, key: K) -> async_graphql::Result<Option<L::Value>>
where
    L: Loader<K, Error = Arc<StoreError>>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    loader.load_one(key).await.or_internal()
}

/// Objects by global id.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when no live object has it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        resolve_node(ctx.data::<Loaders>()?, &id).await
    }

    /// Fetches objects by global ids, in the same order (null where none has the id); at most
    /// 500 ids.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 500.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE_SIZE as usize {
            return bad_input(Err(ValidationError::new(
                "ids",
                ids.len().to_string(),
                format!("at most {MAX_PAGE_SIZE} ids"),
            )));
        }
        let loaders = ctx.data::<Loaders>()?;
        join_all(ids.iter().map(|id| resolve_node(loaders, id)))
            .await
            .into_iter()
            .collect()
    }
}
