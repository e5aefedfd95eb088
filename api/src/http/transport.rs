//! GraphQL over HTTP (the GraphQL Foundation specification): how a request is read from GET
//! or POST, which media type answers it, and with which status; plus the ETag of GET answers.
//!
//! - POST needs `Content-Type: application/json` (else 415) and a JSON object body with
//!   `query`, optional `operationName`, `variables` and `extensions` (else 400; `query` and
//!   `operationName` strings, `variables` and `extensions` objects or null). The body is
//!   at most 1 MiB (else 413). A JSON array of such objects is a batch: refused (400) unless
//!   batching is turned on (`TERRASSE_BATCH_REQUESTS`), and then of at most
//!   [`MAX_BATCH_OPERATIONS`] operations.
//! - `query` may be left out when `extensions.persistedQuery` names a registered query by its
//!   hash (automatic persisted queries, see `http::persisted`).
//! - GET reads the same members from the query string (`variables` and `extensions` as JSON),
//!   each at most once.
//! - `Accept` chooses the response media type: `application/graphql-response+json` when the
//!   client accepts it, else `application/json` (also for a missing `Accept` or `*/*`); a
//!   client accepting neither gets 406.
//! - Status: with `application/json`, every well-formed request is answered 200, errors in
//!   the body. With `application/graphql-response+json`, a request that did not execute (parse
//!   or validation error, refused by a limit: no `data`) is 400, and one that executed is 200.
//! - GET answers carry an ETag derived from the request and the change-log sequence, so it
//!   changes whenever data changes; `If-None-Match` with the current tag answers 304 before
//!   anything runs.

use std::hash::{Hash, Hasher};

use axum::{
    Json,
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::error_code::ErrorCode;

/// A refusal before GraphQL runs, as one error with a code, in `application/json`; no `data`
/// member, nothing having executed (GraphQL over HTTP, request errors).
pub fn refusal_response(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    (status, Json(body)).into_response()
}

/// The response media type of the specification.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// The legacy response media type.
pub const JSON: &str = "application/json";

/// Largest request body accepted, bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Most operations in one batched request.
pub const MAX_BATCH_OPERATIONS: usize = 10;

/// What a POST body holds: one operation, or a batch of them.
#[derive(Debug)]
pub enum Incoming {
    /// A JSON object: one operation.
    Single(Box<async_graphql::Request>),
    /// A JSON array: several operations, answered by an array in the same order.
    Batch(Vec<async_graphql::Request>),
}

/// How a response is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMedia {
    /// `application/graphql-response+json`.
    GraphqlResponse,
    /// `application/json`.
    Json,
}

impl ResponseMedia {
    /// The `Content-Type` value of the response.
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            ResponseMedia::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            ResponseMedia::Json => "application/json; charset=utf-8",
        })
    }
}

/// An HTTP-level refusal: the status and the message of the single GraphQL error answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// What is wrong, naming the header or member and its value.
    pub message: String,
}

impl Refusal {
    /// A refusal with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// The response media type for the request's `Accept` header.
pub fn negotiate(headers: &HeaderMap) -> Result<ResponseMedia, Refusal> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(ResponseMedia::Json);
    };
    let accept = accept.to_str().unwrap_or_default();
    let mut json = false;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|parameter| {
            let parameter = parameter.trim().replace(' ', "");
            parameter == "q=0" || parameter == "q=0.0" || parameter == "q=0.00" || parameter == "q=0.000"
        });
        if refused {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => return Ok(ResponseMedia::GraphqlResponse),
            JSON | "application/*" | "*/*" => json = true,
            _ => {}
        }
    }
    if json {
        Ok(ResponseMedia::Json)
    } else {
        Err(Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            format!("Accept: {accept:?} accepts neither {GRAPHQL_RESPONSE_JSON} nor {JSON}"),
        ))
    }
}

/// The members of a GraphQL-over-HTTP request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
}

/// A JSON value as a refusal message shows it: whole when short, else its first characters.
fn shown(value: &serde_json::Value) -> String {
    const SHOWN: usize = 80;
    let text = value.to_string();
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
        None => text,
    }
}

/// The object a request member must hold (`variables`, `extensions`), or a refusal naming the
/// member and the value it holds instead; null and absent are no object.
fn object_member(
    name: &str,
    value: Option<serde_json::Value>,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, Refusal> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Object(object)) => Ok(Some(object)),
        Some(other) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("`{name}` must be an object, not {}", shown(&other)),
        )),
    }
}

fn into_request(params: Params) -> Result<async_graphql::Request, Refusal> {
    let query = params.query.filter(|query| !query.trim().is_empty());
    let variables = object_member("variables", params.variables)?;
    let extensions = object_member("extensions", params.extensions)?.unwrap_or_default();
    let persisted = extensions.contains_key("persistedQuery");
    if query.is_none() && !persisted {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, "the request has no `query`"));
    }
    // A persisted query's text is filled in from its hash before the request runs.
    let mut request = async_graphql::Request::new(query.unwrap_or_default());
    request.operation_name = params.operation_name;
    if let Some(variables) = variables {
        request.variables = async_graphql::Variables::from_json(serde_json::Value::Object(variables));
    }
    for (name, value) in extensions {
        request
            .extensions
            .insert(name, async_graphql::Value::from_json(value).unwrap_or_default());
    }
    Ok(request)
}

/// Reads a POST request: one operation, or a batch when `batching` is on.
pub fn read_post(headers: &HeaderMap, body: &Bytes, batching: bool) -> Result<Incoming, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != JSON {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type: {content_type:?} is not supported: send {JSON}"),
        ));
    }
    let not_graphql = |error: serde_json::Error| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not a GraphQL request: {error}"),
        )
    };
    if body.trim_ascii_start().first() != Some(&b'[') {
        let params: Params = serde_json::from_slice(body).map_err(not_graphql)?;
        return into_request(params).map(|request| Incoming::Single(Box::new(request)));
    }
    if !batching {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "batched requests (a JSON array body) are turned off on this server (TERRASSE_BATCH_REQUESTS=false): send one operation per request",
        ));
    }
    let batch: Vec<Params> = serde_json::from_slice(body).map_err(not_graphql)?;
    if batch.is_empty() {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, "the batch holds no operation"));
    }
    if batch.len() > MAX_BATCH_OPERATIONS {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!(
                "a batch may hold at most {MAX_BATCH_OPERATIONS} operations; this one holds {}",
                batch.len()
            ),
        ));
    }
    batch
        .into_iter()
        .enumerate()
        .map(|(index, params)| {
            into_request(params).map_err(|refusal| {
                Refusal::new(
                    refusal.status,
                    format!("operation {index} of the batch: {}", refusal.message),
                )
            })
        })
        .collect::<Result<_, _>>()
        .map(Incoming::Batch)
}

/// Reads a GET request from its query string.
pub fn read_get(query_string: Option<&str>) -> Result<async_graphql::Request, Refusal> {
    let mut params = Params::default();
    let bad = |message: String| Refusal::new(StatusCode::BAD_REQUEST, message);
    for (name, value) in form_urlencoded::parse(query_string.unwrap_or_default().as_bytes()) {
        let json = |value: &str| {
            serde_json::from_str::<serde_json::Value>(value)
                .map_err(|error| bad(format!("`{name}` is not JSON: {error}")))
        };
        let given = match name.as_ref() {
            "query" => params.query.is_some(),
            "operationName" => params.operation_name.is_some(),
            "variables" => params.variables.is_some(),
            "extensions" => params.extensions.is_some(),
            _ => false,
        };
        if given {
            return Err(bad(format!("the query parameter `{name}` is given more than once")));
        }
        match name.as_ref() {
            "query" => params.query = Some(value.into_owned()),
            "operationName" => params.operation_name = Some(value.into_owned()),
            "variables" => params.variables = Some(json(&value)?),
            "extensions" => params.extensions = Some(json(&value)?),
            other => return Err(bad(format!("unknown query parameter `{other}`"))),
        }
    }
    into_request(params)
}

/// The status of a GraphQL response in `media`: with `application/graphql-response+json`, 400
/// when the request did not execute (errors and no data).
pub fn status(response: &async_graphql::Response, media: ResponseMedia) -> StatusCode {
    let executed = response.errors.is_empty() || response.data != async_graphql::Value::Null;
    if media == ResponseMedia::GraphqlResponse && !executed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// The ETag of a GET request's answer while the change log is at `sequence`: a hash of the
/// request's members and the sequence (weak: equal answers, not byte-equal encodings).
pub fn etag(query_string: Option<&str>, media: ResponseMedia, sequence: i64) -> HeaderValue {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    query_string.unwrap_or_default().hash(&mut hasher);
    (media == ResponseMedia::GraphqlResponse).hash(&mut hasher);
    let tag = format!("W/\"{sequence}-{:016x}\"", hasher.finish());
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

/// True when `If-None-Match` names `etag` (or is `*`).
pub fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| {
            candidate == "*"
                || candidate.trim_start_matches("W/") == etag.to_str().unwrap_or_default().trim_start_matches("W/")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        headers
    }

    #[test]
    fn accept_chooses_the_media_type() {
        assert_eq!(negotiate(&HeaderMap::new()), Ok(ResponseMedia::Json));
        assert_eq!(negotiate(&accept("*/*")), Ok(ResponseMedia::Json));
        assert_eq!(negotiate(&accept("application/json")), Ok(ResponseMedia::Json));
        assert_eq!(
            negotiate(&accept("application/graphql-response+json, application/json;q=0.9")),
            Ok(ResponseMedia::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept("application/graphql-response+json;q=0, application/json")),
            Ok(ResponseMedia::Json)
        );
        assert_eq!(
            negotiate(&accept("text/html")).map_err(|r| r.status),
            Err(StatusCode::NOT_ACCEPTABLE)
        );
    }

    #[test]
    fn get_and_post_requests_are_read_or_refused_with_a_reason() {
        let request = read_get(Some(
            "query=%7B__typename%7D&variables=%7B%22a%22%3A1%7D&operationName=Q",
        ))
        .unwrap_or_else(|r| panic!("{r:?}"));
        assert_eq!(request.query, "{__typename}");
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert_eq!(
            read_get(Some("variables=%7B")).err().map(|r| r.status),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            read_get(None).expect_err("no query").message,
            "the request has no `query`"
        );

        let mut json = HeaderMap::new();
        json.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        let body = Bytes::from_static(br#"{"query":"{ __typename }","variables":null}"#);
        assert!(matches!(read_post(&json, &body, false), Ok(Incoming::Single(_))));
        assert_eq!(
            read_post(&json, &Bytes::from_static(b"{"), false)
                .err()
                .map(|r| r.status),
            Some(StatusCode::BAD_REQUEST)
        );
        let refusal = read_post(
            &json,
            &Bytes::from_static(br#"{"query":"{ a }","variables":[1]}"#),
            false,
        )
        .expect_err("variables as a list");
        assert_eq!(refusal.message, "`variables` must be an object, not [1]");
        let mut text = HeaderMap::new();
        text.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(
            read_post(&text, &body, false).err().map(|r| r.status),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
    }

    #[test]
    fn every_request_member_of_the_wrong_type_is_refused_naming_it_and_its_value() {
        let mut json = HeaderMap::new();
        json.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let post = |body: String| read_post(&json, &Bytes::from(body), false);
        for (value, shown) in [
            (r#""string""#, r#""string""#),
            ("0", "0"),
            ("true", "true"),
            ("[]", "[]"),
            (r#"["persistedQuery"]"#, r#"["persistedQuery"]"#),
        ] {
            for member in ["extensions", "variables"] {
                let refusal = post(format!(r#"{{"query":"{{ __typename }}","{member}":{value}}}"#))
                    .expect_err("a member that is no object");
                assert_eq!(refusal.status, StatusCode::BAD_REQUEST, "{member}: {value}");
                assert_eq!(refusal.message, format!("`{member}` must be an object, not {shown}"));
                let query = format!("query=%7Ba%7D&{member}={}", urlencode(value));
                let refusal = read_get(Some(&query)).expect_err("a member that is no object");
                assert_eq!(refusal.message, format!("`{member}` must be an object, not {shown}"));
            }
        }
        for body in [
            r#"{"query":1}"#,
            r#"{"query":["{ a }"]}"#,
            r#"{"query":"{ a }","operationName":7}"#,
            r#"{"query":"{ a }","operationName":{}}"#,
            r#"{"query":"{ a }","query":"{ b }"}"#,
            r#"{"query":"{ a }","other":1}"#,
        ] {
            let refusal = post(body.to_owned()).expect_err(body);
            assert_eq!(refusal.status, StatusCode::BAD_REQUEST, "{body}");
            assert!(
                refusal.message.starts_with("the body is not a GraphQL request: "),
                "{refusal:?}"
            );
        }
        let long = format!(r#"{{"query":"{{ a }}","extensions":"{}"}}"#, "x".repeat(100_000));
        let refusal = post(long).expect_err("a long string");
        assert!(
            refusal.message.len() < 200,
            "the value is shortened: {}",
            refusal.message
        );
        assert!(refusal.message.ends_with("(100002 bytes)"), "{}", refusal.message);
        assert!(post(r#"{"query":"{ a }","extensions":null,"variables":null}"#.to_owned()).is_ok());
        assert!(post(r#"{"query":"{ a }","extensions":{"x":[1]},"variables":{}}"#.to_owned()).is_ok());
        let refusal = read_get(Some("query=%7Ba%7D&query=%7Bb%7D")).expect_err("query given twice");
        assert_eq!(refusal.message, "the query parameter `query` is given more than once");
        let refusal = read_get(Some("query=%7Ba%7D&extensions=1&extensions=%7B%7D")).expect_err("twice");
        assert_eq!(
            refusal.message,
            "the query parameter `extensions` is given more than once"
        );
    }

    fn urlencode(value: &str) -> String {
        form_urlencoded::byte_serialize(value.as_bytes()).collect()
    }

    #[test]
    fn batches_are_read_only_when_turned_on_and_within_the_limit() {
        let mut json = HeaderMap::new();
        json.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let batch = |n: usize| Bytes::from(format!("[{}]", vec![r#"{"query":"{ __typename }"}"#; n].join(",")));
        let refusal = read_post(&json, &batch(2), false).expect_err("batching is off");
        assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
        assert!(
            refusal.message.contains("TERRASSE_BATCH_REQUESTS"),
            "{}",
            refusal.message
        );
        match read_post(&json, &batch(10), true) {
            Ok(Incoming::Batch(requests)) => assert_eq!(requests.len(), 10),
            other => panic!("{other:?}"),
        }
        let refusal = read_post(&json, &batch(11), true).expect_err("over the limit");
        assert_eq!(
            refusal.message,
            "a batch may hold at most 10 operations; this one holds 11"
        );
        assert!(read_post(&json, &Bytes::from_static(b" [ ]"), true).is_err());
        let refusal = read_post(&json, &Bytes::from_static(br#"[{"query":"{ a }"},{}]"#), true).expect_err("no query");
        assert_eq!(refusal.message, "operation 1 of the batch: the request has no `query`");
        // A persisted query may come without its text.
        assert!(
            read_post(
                &json,
                &Bytes::from_static(br#"{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}"#),
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn etags_change_with_the_sequence_and_match_if_none_match() {
        let tag = etag(Some("query=x"), ResponseMedia::Json, 7);
        assert_ne!(tag, etag(Some("query=x"), ResponseMedia::Json, 8));
        assert_ne!(tag, etag(Some("query=y"), ResponseMedia::Json, 7));
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, tag.clone());
        assert!(not_modified(&headers, &tag));
        assert!(!not_modified(&headers, &etag(Some("query=x"), ResponseMedia::Json, 8)));
    }
}
