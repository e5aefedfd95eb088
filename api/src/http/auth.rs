//! Authentication by API key and the decisions the HTTP layer takes before GraphQL runs.
//!
//! A request may carry `Authorization: Bearer <key>`. A key that is sent but malformed,
//! unknown or revoked is always refused with HTTP 401, reads included. Without a key the
//! caller is anonymous: it may read unless `TERRASSE_ANONYMOUS_READ=false`, and never write
//! (a mutation without a key is HTTP 401). Mutations are refused over GET (HTTP 405), so a
//! link or a prefetch cannot write. The resolved [`Caller`] is put in the request data, where
//! mutation resolvers check roles and sources.

use async_graphql::parser::{
    parse_query,
    types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};
use axum::{
    http::{HeaderMap, Method, StatusCode, header::AUTHORIZATION},
    response::{IntoResponse, Response},
};
use entity::enums::ApiRole;
use sea_orm::DatabaseConnection;

use crate::{
    access::{Caller, Role},
    error_code::ErrorCode,
    graphql::operation,
    store::{self, keys::is_well_formed},
};

/// Why a request is refused before GraphQL runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// HTTP 401 with code `UNAUTHENTICATED`.
    Unauthenticated(String),
    /// HTTP 405: a mutation sent with GET.
    MutationOverGet,
    /// HTTP 503 with code `UNAVAILABLE`: the key could not be checked, the database being
    /// unreachable.
    Unavailable,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Refusal::Unauthenticated(message) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, message),
            Refusal::MutationOverGet => (
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::BadUserInput,
                "mutations must be sent with POST, not GET".to_owned(),
            ),
            Refusal::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "the API key could not be checked: the database is unavailable, retry later".to_owned(),
            ),
        };
        let mut response = super::transport::refusal_response(status, code, &message);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The caller named by the request's `Authorization` header; a refusal when a key is sent but
/// is not a valid live key. Database failures are refused too, without detail.
pub async fn caller(db: &DatabaseConnection, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        return Ok(Caller::anonymous());
    };
    let header = header
        .to_str()
        .map_err(|_| Refusal::Unauthenticated("the Authorization header is not text".into()))?;
    let Some(secret) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
    else {
        return Err(Refusal::Unauthenticated(
            "the Authorization header must be `Bearer <API key>`".into(),
        ));
    };
    if !is_well_formed(secret) {
        return Err(Refusal::Unauthenticated(
            "malformed API key: expected `trs_` followed by 64 hexadecimal digits".into(),
        ));
    }
    match store::keys::authenticate(db, secret).await {
        Ok(Some(key)) => Ok(Caller {
            role: match key.role {
                ApiRole::Partner => Role::Partner,
                ApiRole::Admin => Role::Admin,
            },
            key_id: Some(key.id),
            source: key.source,
        }),
        Ok(None) => Err(Refusal::Unauthenticated("unknown or revoked API key".into())),
        Err(error) if matches!(&error, store::StoreError::Database { source, .. } if crate::graphql::errors::is_unreachable(source)) =>
        {
            tracing::warn!(%error, "cannot check an API key");
            Err(Refusal::Unavailable)
        }
        Err(error) => {
            tracing::error!(%error, "cannot check an API key");
            Err(Refusal::Unauthenticated("the API key could not be checked".into()))
        }
    }
}

/// Whether the operation the request runs is a mutation, the operation being selected as
/// async-graphql selects it ([`operation::select`]: the one named, or the only one, named or
/// not). Unparsable queries answer `false`: GraphQL reports their errors.
pub fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    parse_query(query).is_ok_and(|document| is_mutation_document(&document, operation_name))
}

/// [`is_mutation`] on an already parsed document.
pub fn is_mutation_document(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    operation::selected_type(document, operation_name) == Some(OperationType::Mutation)
}

/// Root fields that must read the primary database even when a read replica serves queries:
/// the change feed and the audit log must show writes as soon as they are committed.
/// `syncState` is not one of them: its cursor is read where the snapshot it starts is read
/// (the replica, which may lag), else a mirror would start the feed after changes its snapshot
/// does not hold yet. Selected with `changes`, it runs on the primary like the feed.
pub const PRIMARY_FIELDS: [&str; 2] = ["changes", "auditLog"];

/// Whether the request must run on the primary database: a mutation, or a query selecting
/// one of the [`PRIMARY_FIELDS`] at its root (directly or through fragments).
pub fn needs_primary(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    fn selects(document: &ExecutableDocument, set: &SelectionSet, depth: usize) -> bool {
        // Fragment cycles are a validation error; the depth bound keeps this walk finite.
        depth < 32
            && set.items.iter().any(|item| match &item.node {
                Selection::Field(field) => PRIMARY_FIELDS.contains(&field.node.name.node.as_str()),
                Selection::InlineFragment(fragment) => selects(document, &fragment.node.selection_set.node, depth + 1),
                Selection::FragmentSpread(spread) => document
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .is_some_and(|fragment| selects(document, &fragment.node.selection_set.node, depth + 1)),
            })
    }
    operation::select(document, operation_name).is_some_and(|operation| {
        operation.node.ty == OperationType::Mutation || selects(document, &operation.node.selection_set.node, 0)
    })
}

/// Decides whether `caller` may run a request that is (or not) a `mutation`, sent with
/// `method`, given whether anonymous reads are allowed.
pub fn admit(caller: &Caller, method: &Method, mutation: bool, anonymous_read: bool) -> Result<(), Refusal> {
    if mutation && method == Method::GET {
        return Err(Refusal::MutationOverGet);
    }
    if caller.role == Role::Anonymous {
        if mutation {
            return Err(Refusal::Unauthenticated(
                "writing needs an API key: send `Authorization: Bearer <API key>`".into(),
            ));
        }
        if !anonymous_read {
            return Err(Refusal::Unauthenticated(
                "this server needs an API key for every request: send `Authorization: Bearer <API key>`".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn partner() -> Caller {
        Caller {
            role: Role::Partner,
            key_id: Some(Uuid::nil()),
            source: Some("PARTNER:x".into()),
        }
    }

    #[test]
    fn finds_mutations_by_operation() {
        assert!(is_mutation("mutation { a }", None));
        assert!(!is_mutation("{ a }", None));
        assert!(!is_mutation("query Q { a }", None));
        let both = "query Q { a } mutation M { b }";
        assert!(is_mutation(both, Some("M")));
        assert!(!is_mutation(both, Some("Q")));
        assert!(!is_mutation("mutation {", None));
        // A single named mutation runs without `operationName`: it is a mutation.
        assert!(is_mutation("mutation M { b }", None));
        assert!(!is_mutation(both, None));
    }

    #[test]
    fn mutations_and_the_change_feed_need_the_primary() {
        let primary = |query: &str, name: Option<&str>| {
            needs_primary(&parse_query(query).unwrap_or_else(|e| panic!("{e}")), name)
        };
        assert!(primary("mutation { a }", None));
        assert!(
            !primary("{ syncState { cursor } }", None),
            "the cursor is read where the snapshot is"
        );
        assert!(primary("{ syncState { cursor } changes { hasMore } }", None));
        assert!(primary("{ organisations { totalCount } changes { hasMore } }", None));
        assert!(primary(
            "{ ...F } fragment F on Query { auditLog { totalCount } }",
            None
        ));
        assert!(primary("{ ... on Query { changes { hasMore } } }", None));
        assert!(!primary("{ organisations { totalCount } }", None));
        assert!(
            !primary("{ organisation(siren: \"1\") { changes } }", None),
            "only root fields count"
        );
        let both = "query Q { organisations { totalCount } } query F { changes { hasMore } }";
        assert!(!primary(both, Some("Q")));
        assert!(primary(both, Some("F")));
        assert!(primary("mutation M { a }", None), "a single named mutation");
        assert!(primary("query F { changes { hasMore } }", None));
    }

    #[test]
    fn anonymous_callers_read_only_when_allowed_and_never_write() {
        let anonymous = Caller::anonymous();
        assert_eq!(admit(&anonymous, &Method::POST, false, true), Ok(()));
        assert!(matches!(
            admit(&anonymous, &Method::POST, false, false),
            Err(Refusal::Unauthenticated(_))
        ));
        assert!(matches!(
            admit(&anonymous, &Method::POST, true, true),
            Err(Refusal::Unauthenticated(_))
        ));
        assert_eq!(admit(&partner(), &Method::POST, false, false), Ok(()));
        assert_eq!(admit(&partner(), &Method::POST, true, false), Ok(()));
    }

    #[test]
    fn mutations_over_get_are_refused_for_everyone() {
        assert_eq!(
            admit(&partner(), &Method::GET, true, true),
            Err(Refusal::MutationOverGet)
        );
        assert_eq!(admit(&partner(), &Method::GET, false, true), Ok(()));
    }
}
