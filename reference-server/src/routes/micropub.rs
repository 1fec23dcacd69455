//! `/micropub`: create notes from IndieWeb clients (form-encoded or JSON `h-entry`).
//!
//! The bearer token (header, or `access_token` in a form body) is verified against the
//! IndieAuth token endpoint before the body is looked at. Two regression switches
//! break this on purpose: `any-bearer-token` (see `authorise`) and
//! `accept-empty-note` (see `note_from_parts`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{TokenInfo, bearer, verify_token};
use crate::config::Regression;
use crate::db::{NewNote, Note};
use crate::error::AppError;
use crate::state::AppState;

/// `GET /micropub?q=config`: what clients ask before posting.
#[derive(Debug, Deserialize)]
pub(crate) struct QueryParams {
    q: Option<String>,
}

/// Answers `q=config` and `q=syndicate-to` for an authorised client.
pub(crate) async fn query(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<QueryParams>,
) -> Result<Json<Value>, AppError> {
    let token = bearer(&headers)
        .ok_or_else(|| AppError::Unauthorized("missing bearer token".to_owned()))?;
    let site = state.site_url(&headers);
    authorise(&state, token, &site).await?;
    match params.q.as_deref() {
        Some("config") => Ok(Json(
            json!({ "syndicate-to": [], "post-types": [{"type": "note", "name": "Note"}] }),
        )),
        Some("syndicate-to") => Ok(Json(json!({ "syndicate-to": [] }))),
        other => Err(AppError::BadRequest {
            field: "q",
            message: format!("expected \"config\" or \"syndicate-to\", got {other:?}"),
        }),
    }
}

/// Creates a note; 201 with `Location` on success.
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let form: Option<Vec<(String, String)>> = match content_type.as_str() {
        "application/x-www-form-urlencoded" => Some(serde_urlencoded::from_bytes(&body).map_err(
            |e| AppError::BadRequest {
                field: "body",
                message: format!("malformed form encoding: {e}"),
            },
        )?),
        "application/json" => None,
        other => {
            return Err(AppError::BadRequest {
                field: "Content-Type",
                message: format!(
                    "expected application/x-www-form-urlencoded or application/json, got {other:?}"
                ),
            });
        }
    };
    let token = match (bearer(&headers), &form) {
        (Some(token), _) => token.to_owned(),
        (None, Some(fields)) => field(fields, "access_token")
            .ok_or_else(|| AppError::Unauthorized("missing bearer token".to_owned()))?
            .to_owned(),
        (None, None) => return Err(AppError::Unauthorized("missing bearer token".to_owned())),
    };
    let site = state.site_url(&headers);
    authorise(&state, &token, &site).await?;

    let accept_empty = state.config.regression(Regression::AcceptEmptyNote);
    let new_note = match form {
        Some(fields) => from_form(&fields, accept_empty)?,
        None => from_json(&body, accept_empty)?,
    };
    let note = state
        .pool
        .run(move |conn| Note::insert(conn, new_note))
        .await?;
    let location = format!("{site}/notes/{}", note.slug);
    let mut response = (StatusCode::CREATED, Json(json!({ "url": location }))).into_response();
    let location = HeaderValue::from_str(&location)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("note URL is not a header value: {e}")))?;
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// Asks the token endpoint whether `token` may create posts on `site`.
///
/// Regression `any-bearer-token`: the endpoint is never asked and every token passes,
/// as if it had been issued to this site with scope `create`.
async fn authorise(state: &AppState, token: &str, site: &str) -> Result<TokenInfo, AppError> {
    if state.config.regression(Regression::AnyBearerToken) {
        return Ok(TokenInfo {
            me: site.to_owned(),
            scope: "create".to_owned(),
            client_id: None,
        });
    }
    verify_token(
        &state.client,
        state.config.token_endpoint.value.as_deref(),
        token,
        site,
    )
    .await
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name || key.strip_suffix("[]") == Some(name))
        .map(|(_, value)| value.as_str())
}

fn from_form(fields: &[(String, String)], accept_empty: bool) -> Result<NewNote, AppError> {
    match field(fields, "h") {
        Some("entry") => {}
        other => {
            return Err(AppError::BadRequest {
                field: "h",
                message: format!("expected \"entry\", got {other:?}"),
            });
        }
    }
    note_from_parts(
        field(fields, "content"),
        field(fields, "name"),
        field(fields, "mp-slug"),
        field(fields, "published"),
        accept_empty,
    )
}

fn from_json(body: &[u8], accept_empty: bool) -> Result<NewNote, AppError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| AppError::BadRequest {
        field: "body",
        message: format!("malformed JSON: {e}"),
    })?;
    let kind = value.pointer("/type/0").and_then(Value::as_str);
    if kind != Some("h-entry") {
        return Err(AppError::BadRequest {
            field: "type",
            message: format!("expected [\"h-entry\"], got {:?}", value.get("type")),
        });
    }
    let first = |name: &str| value.pointer(&format!("/properties/{name}/0"));
    let text = |name: &'static str| -> Result<Option<&str>, AppError> {
        match first(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(Value::Object(o)) if o.contains_key("html") => Err(AppError::BadRequest {
                field: name,
                message: "HTML content is not accepted; send plain text or Markdown".to_owned(),
            }),
            Some(other) => Err(AppError::BadRequest {
                field: name,
                message: format!("expected a string, got {other}"),
            }),
        }
    };
    note_from_parts(
        text("content")?,
        text("name")?,
        text("mp-slug")?,
        text("published")?,
        accept_empty,
    )
}

/// The note a request describes; `content` is required and must not be blank.
///
/// Regression `accept-empty-note` (`accept_empty`): a missing or blank `content` is
/// stored as an empty note instead of being refused with 400.
fn note_from_parts(
    content: Option<&str>,
    name: Option<&str>,
    slug: Option<&str>,
    published: Option<&str>,
    accept_empty: bool,
) -> Result<NewNote, AppError> {
    let content = match content.map(str::trim).filter(|c| !c.is_empty()) {
        Some(content) => content,
        None if accept_empty => "",
        None => {
            return Err(AppError::BadRequest {
                field: "content",
                message: "required and must not be empty".to_owned(),
            });
        }
    };
    let published = published
        .map(|p| {
            DateTime::parse_from_rfc3339(p.trim())
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| AppError::BadRequest {
                    field: "published",
                    message: format!(
                        "expected an RFC 3339 date like 2025-11-28T09:30:00Z, got {p:?} ({e})"
                    ),
                })
        })
        .transpose()?;
    let non_empty = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(NewNote {
        slug: non_empty(slug),
        title: non_empty(name),
        content: content.to_owned(),
        published,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn bad_field(result: Result<NewNote, AppError>) -> &'static str {
        match result {
            Err(AppError::BadRequest { field, .. }) => field,
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn form_requires_entry_and_content() {
        assert_eq!(bad_field(from_form(&form(&[("content", "x")]), false)), "h");
        assert_eq!(
            bad_field(from_form(&form(&[("h", "event"), ("content", "x")]), false)),
            "h"
        );
        assert_eq!(
            bad_field(from_form(&form(&[("h", "entry")]), false)),
            "content"
        );
        assert_eq!(
            bad_field(from_form(
                &form(&[("h", "entry"), ("content", "  ")]),
                false
            )),
            "content"
        );
        assert_eq!(
            bad_field(from_form(
                &form(&[("h", "entry"), ("content", "x"), ("published", "yesterday")]),
                false
            )),
            "published"
        );
        let note = from_form(
            &form(&[
                ("h", "entry"),
                ("content", " Hi "),
                ("name", "T"),
                ("mp-slug", "s"),
            ]),
            false,
        )
        .expect("valid");
        assert_eq!(
            (
                note.content.as_str(),
                note.title.as_deref(),
                note.slug.as_deref()
            ),
            ("Hi", Some("T"), Some("s"))
        );
    }

    /// Guards regression `accept-empty-note` (micropub-write's 400 step): without the
    /// switch an entry without content is refused; with it, it becomes an empty note.
    #[test]
    fn accept_empty_note_stores_an_entry_without_content() {
        for fields in [
            &[("h", "entry")][..],
            &[("h", "entry"), ("content", "  ")][..],
        ] {
            assert_eq!(bad_field(from_form(&form(fields), false)), "content");
            let note = from_form(&form(fields), true).expect("accepted under the switch");
            assert_eq!(note.content, "", "{fields:?}");
        }
        let empty = br#"{"type":["h-entry"],"properties":{}}"#;
        assert_eq!(bad_field(from_json(empty, false)), "content");
        assert_eq!(from_json(empty, true).expect("accepted").content, "");
        // Only the content rule is broken: the rest of the input is still checked.
        assert_eq!(bad_field(from_form(&form(&[("content", "x")]), true)), "h");
        assert_eq!(
            bad_field(from_form(
                &form(&[("h", "entry"), ("published", "soon")]),
                true
            )),
            "published"
        );
        let note = from_form(&form(&[("h", "entry"), ("content", " Hi ")]), true).expect("valid");
        assert_eq!(note.content, "Hi", "real content is kept as before");
    }

    #[test]
    fn json_requires_h_entry_and_string_content() {
        assert_eq!(bad_field(from_json(b"not json", false)), "body");
        assert_eq!(
            bad_field(from_json(br#"{"type":["h-event"],"properties":{}}"#, false)),
            "type"
        );
        assert_eq!(
            bad_field(from_json(br#"{"type":["h-entry"],"properties":{}}"#, false)),
            "content"
        );
        assert_eq!(
            bad_field(from_json(
                br#"{"type":["h-entry"],"properties":{"content":[{"html":"<b>x</b>"}]}}"#,
                false
            )),
            "content"
        );
        assert_eq!(
            bad_field(from_json(
                br#"{"type":["h-entry"],"properties":{"content":["x"],"name":[3]}}"#,
                false
            )),
            "name"
        );
        let note = from_json(br#"{"type":["h-entry"],"properties":{"content":["Hello"],"published":["2025-01-01T00:00:00Z"]}}"#, false)
            .expect("valid");
        assert_eq!(note.content, "Hello");
        assert!(note.published.is_some());
    }
}
