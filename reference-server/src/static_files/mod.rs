//! Static theme files, streamed from disk by tower-http's `ServeDir`.
//!
//! `ServeDir` does the hard parts (no path escapes the root, `Content-Type`,
//! `Content-Length`, `Last-Modified`/304, `Range`/206/416, `HEAD`). This module adds
//! what it lacks: an `ETag` with `If-None-Match` revalidation, and cache headers.

use std::path::Path;
use std::time::UNIX_EPOCH;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

use crate::config::{Regression, Regressions};
use crate::http_monitor::RouteLabel;

/// `/static/...` served from `dir`.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(
    dir: &Path,
    regressions: &Regressions,
) -> Router<S> {
    let serve = ServeDir::new(dir).append_index_html_on_directories(false);
    let wrong_type = regressions.contains(Regression::WrongContentType);
    Router::new()
        .nest_service("/static", serve)
        .layer(middleware::from_fn_with_state(wrong_type, validators))
}

/// Longest file name Linux accepts (`NAME_MAX`); longer ones make `open` fail with an
/// error `ServeDir` reports as 500, so they are refused here first.
const NAME_MAX: usize = 255;
/// Longest decoded path we look up at all.
const PATH_MAX: usize = 1024;

/// Refuses names the file system cannot hold, adds `ETag` and `Cache-Control`, and
/// answers a matching `If-None-Match` with 304.
async fn validators(
    State(wrong_content_type): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = serve(wrong_content_type, request, next).await;
    response.extensions_mut().insert(RouteLabel("/static/*"));
    response
}

async fn serve(wrong_content_type: bool, request: Request, next: Next) -> Response {
    if !plausible_path(request.uri().path()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    if !(response.status() == StatusCode::OK || response.status() == StatusCode::PARTIAL_CONTENT) {
        return response;
    }
    if wrong_content_type {
        // Regression `wrong-content-type`: every file becomes an anonymous download.
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300, must-revalidate"),
    );
    let Some(etag) = entity_tag(headers) else {
        return response;
    };
    if if_none_match.is_some_and(|given| matches_etag(&given, &etag)) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [header::ETAG, header::LAST_MODIFIED, header::CACHE_CONTROL] {
            if let Some(value) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        not_modified.headers_mut().insert(header::ETAG, etag);
        return not_modified;
    }
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// Whether every decoded segment fits `NAME_MAX` and the whole path `PATH_MAX`.
fn plausible_path(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).collect::<Vec<u8>>();
    decoded.len() <= PATH_MAX
        && decoded
            .split(|b| *b == b'/')
            .all(|segment| segment.len() <= NAME_MAX)
}

/// A weak validator from the file's modification time and full size, both of which
/// `ServeDir` already reports, so no second `stat` is needed.
fn entity_tag(headers: &HeaderMap) -> Option<HeaderValue> {
    let modified = headers.get(header::LAST_MODIFIED)?.to_str().ok()?;
    let modified = httpdate::parse_http_date(modified).ok()?;
    let seconds = modified.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let size = match headers.get(header::CONTENT_RANGE) {
        // `bytes 0-9/12345`: the representation's size is after the slash.
        Some(range) => range
            .to_str()
            .ok()?
            .rsplit_once('/')?
            .1
            .parse::<u64>()
            .ok()?,
        None => headers
            .get(header::CONTENT_LENGTH)?
            .to_str()
            .ok()?
            .parse()
            .ok()?,
    };
    HeaderValue::from_str(&format!("W/\"{seconds:x}-{size:x}\"")).ok()
}

/// `If-None-Match` uses weak comparison: `*` or any listed tag equal ignoring `W/`.
fn matches_etag(given: &HeaderValue, etag: &HeaderValue) -> bool {
    let (Ok(given), Ok(etag)) = (given.to_str(), etag.to_str()) else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    given.trim() == "*" || given.split(',').any(|tag| opaque(tag) == opaque(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_names_are_refused_before_the_file_system() {
        assert!(plausible_path("/static/css/style.css"));
        assert!(!plausible_path(&format!("/static/{}", "a".repeat(256))));
        assert!(!plausible_path(&format!("/static/{}", "%61".repeat(256))));
        assert!(!plausible_path(&"/a".repeat(600)));
    }

    #[test]
    fn weak_comparison_accepts_lists_and_star() {
        let etag = HeaderValue::from_static("W/\"1-2\"");
        for given in ["W/\"1-2\"", "\"1-2\"", "\"x\", W/\"1-2\"", "*"] {
            assert!(
                matches_etag(&HeaderValue::from_static(given), &etag),
                "{given}"
            );
        }
        assert!(!matches_etag(&HeaderValue::from_static("\"1-3\""), &etag));
    }

    #[test]
    fn entity_tag_uses_full_size_for_ranges() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
        headers.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 0-9/4096"),
        );
        let tag = entity_tag(&headers).expect("tag");
        assert_eq!(tag, "W/\"56273e80-1000\"");
    }
}
