//! `/static/...`: theme files streamed from disk, with conditional and range requests
//! as RFC 9110 §13–14 define them.
//!
//! A small service of our own, not tower-http's `ServeDir` (used until issue 11). No
//! layer in front of `ServeDir` can make it correct: it evaluates `If-Modified-Since`
//! and `Range` itself, before and without the `ETag` a layer adds, so `If-Match`,
//! `If-None-Match` beside `If-Modified-Since` and `If-Range` can only be right where
//! the range is chosen; and it answers 416 to ranges RFC 9110 serves or ignores (a
//! suffix longer than the file, unknown units, `bytes=`, several ranges), 200 to a file
//! name followed by `/`, and 500 to some encoded NULs. What is left to it, opening a
//! file below a root and streaming it, is the short part.
//!
//! Per request: a small file already read is served from memory if one `stat` shows
//! it unchanged ([`cache`]); otherwise the path is checked ([`path`]; 400/404, never
//! 5xx) and the file opened (404 unless a regular file). Then the method is checked
//! (GET and HEAD; anything else on an existing file is 405 with `Allow: GET, HEAD`; a
//! missing file is 404 whatever the method, since nothing there allows anything), then
//! the preconditions
//! ([`preconditions`]: 412/304), then `Range` ([`ranges`]: 206/416, or 200). Every 200
//! and 206 carries `ETag` (strong), `Last-Modified`, `Cache-Control`, `Content-Type`,
//! `Content-Length` and `Accept-Ranges: bytes`; a 304 carries `ETag`, `Last-Modified`
//! and `Cache-Control`, no body. HEAD answers exactly as GET would, status and
//! headers, without the body (§9.3.2), `Range` included: HEAD with `Range: bytes=0-9`
//! is a 206 with `Content-Range`, as nginx, Apache and Go answer and as the harness's
//! conformance table requires. (§14.2 defines range handling for GET only and says a
//! server MUST ignore `Range` on other methods; honouring it on HEAD changes no byte
//! a client receives, so we keep HEAD a faithful preview of GET. To follow §14.2
//! instead, compute the plan for GET only, below.) The body is streamed ([`body`]),
//! never buffered.
//!
//! OPTIONS is a 405 with `Allow` like any other method (RFC 9110 §9.3.7 lets a server
//! support OPTIONS or not): nginx answers the same, the route has no other option to
//! advertise, and a 204 without CORS fields would satisfy no preflight anyway.
//!
//! For the README: *A static file answers at most 16 byte ranges per request, as
//! `multipart/byteranges` parts in the order asked; more than 16 ranges, or two that
//! overlap, get 200 with the whole file (RFC 9110 §14.2), as do unknown units and
//! malformed `Range` values; 416 comes only when no range is satisfiable.*

mod body;
mod cache;
mod path;
mod preconditions;
mod ranges;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt};
use http_body_util::BodyExt;

use self::body::Piece;
use self::cache::{CachedFile, FileCache};
use self::path::{Refusal, Source};
use self::preconditions::{Validators, Verdict};
use self::ranges::{Multipart, Plan};
use crate::config::{Regression, Regressions};
use crate::http_monitor::{self, Pending, Recorder};
use crate::routes::{Routes, Tail, exclusive_prefix};

/// `Cache-Control` of every file: cacheable, revalidated after five minutes.
const CACHE_CONTROL: &str = "public, max-age=300, must-revalidate";

/// `/static/...` as the site serves it ahead of the router (see `crate::site`).
#[derive(Clone, Debug)]
pub(crate) struct StaticFiles(Arc<StaticDir>);

impl StaticFiles {
    /// The route of every file below `/static/`.
    pub(crate) const TEMPLATE: &str = CATCH_ALL;

    /// Whether every path below `/static/` is this service's, as the router would
    /// match it: no other of the router's `templates` starts with that prefix.
    pub(crate) fn owns_prefix(&self, templates: &[&'static str]) -> bool {
        exclusive_prefix(CATCH_ALL, templates).is_some()
    }

    /// Whether `path` is below `/static/` (what the catch-all route matches: one
    /// character or more after the prefix).
    pub(crate) fn serves(&self, path: &str) -> bool {
        path.strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|file| Tail::CatchAll.matches(file))
    }

    /// The response to `request`, counted into `pending`'s request when monitoring
    /// is on: by the body itself for a file sent, else around the finished response.
    ///
    /// A small file already in memory (most requests) is answered at once, with no
    /// future to allocate; anything else needs the file system, in a boxed future.
    pub(crate) fn serve(&self, request: Request, pending: Option<Pending>) -> Serving {
        match serve_from_memory(&self.0, &request, pending) {
            Ok(response) => Serving::Ready(response),
            Err(pending) => {
                let dir = Arc::clone(&self.0);
                Serving::Later(Box::pin(async move {
                    serve_from_disk(&dir, request, pending).await
                }))
            }
        }
    }
}

/// A static file's response: ready, or to be awaited.
pub(crate) enum Serving {
    /// A file in memory, or a refusal of one.
    Ready(Response),
    /// The file system is needed.
    Later(Pin<Box<dyn Future<Output = Response> + Send>>),
}

/// What the routes serve from.
#[derive(Debug)]
struct StaticDir {
    root: PathBuf,
    /// Small files already read, checked by one `stat` per request.
    cache: FileCache,
    /// Regression `wrong-content-type`: every file is `application/octet-stream`.
    wrong_content_type: bool,
    /// Regression `nagle-stall`: the head leaves before the first file read.
    head_first: bool,
}

/// Where static files are mounted.
const PREFIX: &str = "/static";

/// The route of every file below [`PREFIX`].
const CATCH_ALL: &str = "/static/{*path}";

/// `routes` with `/static/...` served from `dir`, and the same service for the site
/// to call without the router.
pub(crate) fn add(routes: Routes, dir: &Path, regressions: &Regressions) -> (Routes, StaticFiles) {
    let dir = Arc::new(StaticDir {
        root: dir.to_path_buf(),
        cache: FileCache::default(),
        wrong_content_type: regressions.contains(Regression::WrongContentType),
        head_first: regressions.contains(Regression::NagleStall),
    });
    // Two routes, as `nest_service` would register, without the prefix-stripping
    // layer it adds (a new URI per request): `serve` strips the prefix itself.
    let service = serve.with_state(Arc::clone(&dir));
    let routes = routes
        .route_service(PREFIX, service.clone())
        .route_service(CATCH_ALL, service);
    (routes, StaticFiles(dir))
}

/// The routes' handler: the root (`/static`), and every file when the site leaves
/// them to the router. The site counts its responses.
async fn serve(State(dir): State<Arc<StaticDir>>, request: Request) -> Response {
    match serve_from_memory(&dir, &request, None) {
        Ok(response) => response,
        Err(pending) => serve_from_disk(&dir, request, pending).await,
    }
}

/// The path below [`PREFIX`] of a request to either route: `/static` itself is the
/// root, `/`.
fn below_prefix(path: &str) -> &str {
    match path.strip_prefix(PREFIX) {
        Some("") | None => "/",
        Some(rest) => rest,
    }
}

/// The response to `request` if it names a small file already in memory and
/// unchanged, counted into `pending`'s request if there is one; else `pending` back.
fn serve_from_memory(
    dir: &StaticDir,
    request: &Request,
    mut pending: Option<Pending>,
) -> Result<Response, Option<Pending>> {
    let Some(found) = cached(dir, below_prefix(request.uri().path())) else {
        return Err(pending);
    };
    match respond(
        dir,
        request.method(),
        request.headers(),
        found,
        &mut pending,
    ) {
        Answer::Now(response) => Ok(counted(response, pending)),
        // Not for a file from the cache, which holds files in memory only.
        Answer::FromDisk { .. } => Err(pending),
    }
}

/// The response to `request` from the file system, the cache having missed,
/// counted into `pending`'s request if there is one.
async fn serve_from_disk(
    dir: &StaticDir,
    request: Request,
    mut pending: Option<Pending>,
) -> Response {
    let (method, headers) = (request.method(), request.headers());
    let response = match open(dir, method, below_prefix(request.uri().path()), headers).await {
        Err(status) => status.into_response(),
        Ok(found) => match respond(dir, method, headers, found, &mut pending) {
            Answer::Now(response) => response,
            Answer::FromDisk {
                mut reply,
                file,
                validators,
            } => {
                let recorder = reply.recorder(&mut pending);
                let pieces = reply.take_pieces();
                let body = body::stream(file, pieces, !dir.head_first, recorder).await;
                reply.into_response(Body::new(body.boxed_unsync()), &validators)
            }
        },
    };
    counted(response, pending)
}

/// What [`respond`] gives without waiting.
enum Answer {
    /// The response.
    Now(Response),
    /// A reply whose body is still to be read from `file`.
    FromDisk {
        reply: Reply,
        file: tokio::fs::File,
        validators: Validators,
    },
}

/// The response to `method` with `headers` for the file `found`, its body taking
/// `pending` to record the request, unless that body is still to be read from disk,
/// which takes waiting.
fn respond(
    dir: &StaticDir,
    method: &Method,
    headers: &HeaderMap,
    found: Found,
    pending: &mut Option<Pending>,
) -> Answer {
    let mut reply = match decide(dir, method, headers, &found) {
        Decision::Done(response) => return Answer::Now(response),
        Decision::Send(reply) => reply,
    };
    let body = match found.source {
        _ if reply.head => Body::empty(),
        Source::Memory(contents) => {
            let recorder = reply.recorder(pending);
            let pieces = reply.take_pieces();
            Body::new(body::from_memory(&contents, pieces, recorder).boxed_unsync())
        }
        Source::File(file) => {
            return Answer::FromDisk {
                reply,
                file,
                validators: found.validators,
            };
        }
    };
    Answer::Now(reply.into_response(body, &found.validators))
}

/// `response` counted into `pending`'s request, if its body did not take it: a
/// refusal, a 304, a HEAD.
fn counted(response: Response, pending: Option<Pending>) -> Response {
    match pending {
        Some(pending) => http_monitor::count_response(response, pending),
        None => response,
    }
}

/// The file a request names, found in the cache or opened.
struct Found {
    source: Source,
    validators: Validators,
    content_type: &'static str,
    size: u64,
}

/// The file `path` (below `/static`) names if the cache holds it and one `stat` shows
/// it unchanged.
fn cached(dir: &StaticDir, path: &str) -> Option<Found> {
    // Under `nagle-stall` every file is read after the head leaves: no cache.
    if dir.head_first {
        return None;
    }
    let file = dir.cache.get(path)?;
    Some(Found {
        source: Source::Memory(file.contents.clone()),
        validators: file.validators.clone(),
        content_type: file.content_type,
        size: file.contents.len() as u64,
    })
}

/// The file `path` (below `/static`) names, opened (and kept in the cache, when
/// read whole); `Err` for a refusal. The cache was asked first ([`cached`]).
async fn open(
    dir: &StaticDir,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<Found, StatusCode> {
    let relative = path::relative_path(path).map_err(|refusal| match refusal {
        Refusal::Malformed => StatusCode::BAD_REQUEST,
        Refusal::NotFound => StatusCode::NOT_FOUND,
    })?;
    // Read small files whole at open for a GET that will likely send them: not for
    // HEAD or another method (no body), not for a revalidation (likely a 304), and
    // never under `nagle-stall`, whose head must leave before any file read.
    let revalidation = headers.contains_key(header::IF_NONE_MATCH)
        || headers.contains_key(header::IF_MODIFIED_SINCE);
    let read_small = method == Method::GET && !revalidation && !dir.head_first;
    let full = dir.root.join(&relative);
    let opened = path::open(full.clone(), read_small)
        .await
        .ok_or(StatusCode::NOT_FOUND)?;
    let validators = Validators::new(&opened.metadata, SystemTime::now());
    let content_type = content_type(&relative);
    if let Source::Memory(contents) = &opened.source {
        let file = CachedFile::new(
            full,
            &opened.metadata,
            contents.clone(),
            validators.clone(),
            content_type,
        );
        dir.cache.insert(path, file);
    }
    Ok(Found {
        size: opened.metadata.len(),
        source: opened.source,
        validators,
        content_type,
    })
}

/// What a request for a file found gets: a response without a file's body (405,
/// 412, 304, 416), or the 200 or 206 to send.
enum Decision {
    Done(Response),
    Send(Reply),
}

/// A 200 or 206 to send: its head, and the pieces of its body unless it answers HEAD.
struct Reply {
    selected: Selected,
    head: bool,
}

impl Reply {
    /// The recorder of the request `pending` stands for, taken for the body to record
    /// itself; a HEAD's response is counted around it instead.
    fn recorder(&self, pending: &mut Option<Pending>) -> Option<Recorder> {
        if self.head {
            return None;
        }
        let status = self.selected.status;
        pending.take().map(|pending| pending.into_recorder(status))
    }

    /// The body's pieces, taken to build it.
    fn take_pieces(&mut self) -> Vec<Piece> {
        std::mem::take(&mut self.selected.pieces)
    }

    /// The response with `body` (empty for HEAD).
    fn into_response(self, body: Body, validators: &Validators) -> Response {
        let selected = self.selected;
        let mut response = (selected.status, body).into_response();
        let out = response.headers_mut();
        add_validators(out, validators);
        out.insert(header::CONTENT_TYPE, selected.content_type);
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(selected.length));
        out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Some(content_range) = selected.content_range {
            out.insert(header::CONTENT_RANGE, header_value(content_range));
        }
        response
    }
}

/// What `method` with `headers` gets for the file `found`.
fn decide(dir: &StaticDir, method: &Method, headers: &HeaderMap, found: &Found) -> Decision {
    if method != Method::GET && method != Method::HEAD {
        let allow = [(header::ALLOW, HeaderValue::from_static("GET, HEAD"))];
        return Decision::Done((StatusCode::METHOD_NOT_ALLOWED, allow).into_response());
    }
    let validators = &found.validators;
    match preconditions::evaluate(headers, validators) {
        Verdict::Proceed => {}
        Verdict::Failed => return Decision::Done(StatusCode::PRECONDITION_FAILED.into_response()),
        Verdict::NotModified => {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            add_validators(response.headers_mut(), validators);
            return Decision::Done(response);
        }
    }
    let size = found.size;
    // GET and HEAD alike (see the module doc on §14.2).
    let plan = if preconditions::if_range_holds(headers, validators) {
        ranges::plan(headers.get_all(header::RANGE), size)
    } else {
        Plan::Whole
    };
    let file_type = if dir.wrong_content_type {
        "application/octet-stream"
    } else {
        found.content_type
    };
    match select(plan, file_type, size) {
        Some(selected) => Decision::Send(Reply {
            selected,
            head: method == Method::HEAD,
        }),
        None => {
            let range = [(
                header::CONTENT_RANGE,
                header_value(format!("bytes */{size}")),
            )];
            Decision::Done((StatusCode::RANGE_NOT_SATISFIABLE, range).into_response())
        }
    }
}

/// What a 200 or 206 sends.
struct Selected {
    status: StatusCode,
    content_type: HeaderValue,
    content_range: Option<String>,
    length: u64,
    pieces: Vec<Piece>,
}

/// The 200 or 206 `plan` selects from a `size`-byte file of type `file_type`; `None`
/// for a 416.
fn select(plan: Plan, file_type: &'static str, size: u64) -> Option<Selected> {
    let selected = match plan {
        Plan::Unsatisfiable => return None,
        Plan::Whole => Selected {
            status: StatusCode::OK,
            content_type: HeaderValue::from_static(file_type),
            content_range: None,
            length: size,
            pieces: (size > 0)
                .then_some(Piece::File {
                    start: 0,
                    len: size,
                })
                .into_iter()
                .collect(),
        },
        Plan::Single(range) => Selected {
            status: StatusCode::PARTIAL_CONTENT,
            content_type: HeaderValue::from_static(file_type),
            content_range: Some(range.content_range(size)),
            length: range.len(),
            pieces: vec![range.piece()],
        },
        Plan::Multiple(list) => {
            let multipart = Multipart::new(&list, file_type, size);
            Selected {
                status: StatusCode::PARTIAL_CONTENT,
                content_type: header_value(multipart.content_type()),
                content_range: None,
                length: multipart.content_length(),
                pieces: multipart.into_pieces(),
            }
        }
    };
    Some(selected)
}

/// `ETag`, `Last-Modified` and `Cache-Control`: what 200, 206 and 304 share.
fn add_validators(headers: &mut HeaderMap, validators: &Validators) {
    if let Some(etag) = validators.etag.clone() {
        headers.typed_insert::<ETag>(etag);
    }
    if let Some(modified) = validators.last_modified_header() {
        headers.typed_insert(modified);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
}

/// The type `mime_guess` gives the file's extension (as `ServeDir` did), else
/// `application/octet-stream`.
fn content_type(path: &Path) -> &'static str {
    mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("application/octet-stream")
}

/// A header value from text this module wrote: digits, ASCII media types and a hex
/// boundary, always valid (an invalid one would become empty, never a panic).
fn header_value(text: String) -> HeaderValue {
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_file_body_is_allocated_in_a_power_of_two_size_class() {
        let contents = bytes::Bytes::from_static(b"body { }");
        let pieces = vec![body::Piece::File { start: 0, len: 8 }];
        let body = body::from_memory(&contents, pieces, None);
        assert_eq!(size_of_val(&body), 128, "set body::MemorySlack to match");
    }

    #[test]
    fn content_types_are_those_serve_dir_gave() {
        for (name, want) in [
            ("css/style.css", "text/css"),
            ("js/app.js", "text/javascript"),
            ("img/logo.png", "image/png"),
            ("img/logo.svg", "image/svg+xml"),
            ("favicon.ico", "image/x-icon"),
            ("fonts/x.woff2", "font/woff2"),
            ("site.webmanifest", "application/manifest+json"),
            ("LICENSE", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), want, "{name}");
        }
    }
}
