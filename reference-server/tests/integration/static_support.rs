//! Helpers for the static-file tests: requests with headers, GET/HEAD pairs, the files
//! on disk, and a strict `multipart/byteranges` reader.

use axum::body::Body;
use axum::http::{Method, Request};

use crate::harness::{Reply, TestApp};

/// The theme the test apps serve (the server's default `STATIC_DIR`).
pub fn static_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/site/static")
}

/// The bytes of `path` under the static root.
pub fn on_disk(path: &str) -> Vec<u8> {
    std::fs::read(static_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Sends `method uri` with `headers`.
pub async fn request(t: &TestApp, method: Method, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    t.send(builder.body(Body::empty()).expect("request")).await
}

/// Sends GET and HEAD with the same `headers`, checks that HEAD answered exactly as GET
/// did (status and every header) without a body, and returns the GET reply.
pub async fn get_and_head(t: &TestApp, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let get = request(t, Method::GET, uri, headers).await;
    let head = request(t, Method::HEAD, uri, headers).await;
    assert_head_mirrors(&get, &head, &format!("{uri} {headers:?}"));
    get
}

/// HEAD has GET's status and headers, and no body.
pub fn assert_head_mirrors(get: &Reply, head: &Reply, what: &str) {
    assert_eq!(head.status, get.status, "{what}: HEAD status");
    assert!(head.body.is_empty(), "{what}: HEAD has a body");
    let mut names: Vec<&str> = get.headers.keys().map(|n| n.as_str()).collect();
    names.extend(head.headers.keys().map(|n| n.as_str()));
    names.sort_unstable();
    names.dedup();
    for name in names {
        let (g, h) = (get.header(name), head.header(name));
        if name == "content-type" && g.is_some_and(|g| g.starts_with("multipart/")) {
            // The boundary is random per response; its length is not.
            assert_eq!(g.map(str::len), h.map(str::len), "{what}: {name}");
            continue;
        }
        assert_eq!(h, g, "{what}: header {name}");
    }
}

/// One part of a `multipart/byteranges` body.
#[derive(Debug)]
pub struct Part {
    pub content_type: String,
    pub content_range: String,
    pub bytes: Vec<u8>,
}

/// Reads a `multipart/byteranges` body strictly: every delimiter in place, each part's
/// length taken from its `Content-Range`, nothing after the closing delimiter.
pub fn multipart_parts(reply: &Reply) -> Vec<Part> {
    let content_type = reply.header("content-type").expect("content-type");
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("not multipart/byteranges: {content_type}"));
    let body = &reply.body[..];
    let mut at = 0;
    let mut parts = Vec::new();
    let opening = format!("--{boundary}\r\n");
    if body.starts_with(b"\r\n") {
        at = 2;
    }
    assert!(
        body[at..].starts_with(opening.as_bytes()),
        "body opens with the delimiter"
    );
    at += opening.len();
    loop {
        let head_end = find(&body[at..], b"\r\n\r\n").expect("part headers end") + at;
        let head = std::str::from_utf8(&body[at..head_end]).expect("ASCII part headers");
        let field = |name: &str| {
            head.split("\r\n")
                .find_map(|line| {
                    let (n, v) = line.split_once(':')?;
                    n.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_owned())
                })
                .unwrap_or_else(|| panic!("part without {name}: {head:?}"))
        };
        let (content_type, content_range) = (field("content-type"), field("content-range"));
        let (first, last) = range_bounds(&content_range);
        let start = head_end + 4;
        let end = start + usize::try_from(last - first + 1).expect("fits");
        parts.push(Part {
            content_type,
            content_range,
            bytes: body[start..end].to_vec(),
        });
        let next = format!("\r\n--{boundary}");
        assert!(
            body[end..].starts_with(next.as_bytes()),
            "delimiter after part"
        );
        at = end + next.len();
        if body[at..].starts_with(b"--") {
            assert_eq!(
                &body[at..],
                b"--\r\n",
                "nothing after the closing delimiter"
            );
            return parts;
        }
        assert!(body[at..].starts_with(b"\r\n"), "CRLF after the delimiter");
        at += 2;
    }
}

/// `bytes FIRST-LAST/SIZE` → (FIRST, LAST).
pub fn range_bounds(content_range: &str) -> (u64, u64) {
    let spec = content_range
        .strip_prefix("bytes ")
        .and_then(|r| r.split_once('/'))
        .map(|(range, _)| range)
        .unwrap_or_else(|| panic!("bad Content-Range {content_range}"));
    let (first, last) = spec.split_once('-').expect("first-last");
    (first.parse().expect("first"), last.parse().expect("last"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
