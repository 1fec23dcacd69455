//! Static files: types, lengths, validators, ranges, HEAD, methods, odd paths.
//! Conditional requests and ranges in depth: `static_conditional`, `static_ranges`.

use axum::http::Method;

use crate::harness::TestApp;
use crate::static_support::{get_and_head, request, static_root};

#[tokio::test]
async fn every_theme_file_has_its_type_and_exact_length() {
    let t = TestApp::new(&[]);
    let cases = [
        ("css/style.css", "text/css"),
        ("css/print.css", "text/css"),
        ("js/app.js", "text/javascript"),
        ("img/logo.png", "image/png"),
        ("img/logo.svg", "image/svg+xml"),
        ("img/large.png", "image/png"),
        ("favicon.ico", "image/x-icon"),
        ("fonts/dejavu-sans-latin.woff2", "font/woff2"),
        ("site.webmanifest", "application/manifest+json"),
    ];
    for (path, expected_type) in cases {
        let on_disk = std::fs::read(static_root().join(path)).expect("fixture exists");
        let reply = t.get(&format!("/static/{path}")).await;
        assert_eq!(reply.status, 200, "{path}");
        let content_type = reply.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with(expected_type),
            "{path}: expected {expected_type}, got {content_type}"
        );
        assert_eq!(
            reply.header("content-length"),
            Some(on_disk.len().to_string().as_str()),
            "{path}"
        );
        assert_eq!(reply.body.len(), on_disk.len(), "{path}");
        assert!(
            reply.body[..] == on_disk[..],
            "{path}: body differs from the file"
        );
        assert!(
            reply.header("etag").is_some() && reply.header("last-modified").is_some(),
            "{path}"
        );
        assert_eq!(reply.header("accept-ranges"), Some("bytes"), "{path}");
        assert_eq!(
            reply.header("cache-control"),
            Some("public, max-age=300, must-revalidate"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn large_file_streams_whole() {
    let t = TestApp::new(&[]);
    let size = std::fs::metadata(static_root().join("img/large.png"))
        .expect("fixture")
        .len();
    assert!(size > 1024 * 1024, "the large fixture is over 1 MiB");
    let reply = t.get("/static/img/large.png").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len() as u64, size);
}

#[tokio::test]
async fn etag_and_last_modified_revalidate_to_304() {
    let t = TestApp::new(&[]);
    let first = t.get("/static/css/style.css").await;
    let etag = first.header("etag").expect("etag").to_owned();
    let modified = first
        .header("last-modified")
        .expect("last-modified")
        .to_owned();

    for (header, value, status) in [
        ("if-none-match", etag.as_str(), 304),
        ("if-modified-since", modified.as_str(), 304),
        ("if-none-match", "\"other\"", 200),
    ] {
        let reply = request(&t, Method::GET, "/static/css/style.css", &[(header, value)]).await;
        assert_eq!(reply.status, status, "{header}: {value}");
        if status == 304 {
            assert!(reply.body.is_empty(), "{header}: {value}");
            assert_eq!(
                reply.header("etag"),
                Some(etag.as_str()),
                "{header}: {value}"
            );
        }
    }
}

#[tokio::test]
async fn ranges_give_206_and_unsatisfiable_ones_416() {
    let t = TestApp::new(&[]);
    const LARGE: &str = "/static/img/large.png";
    let whole = t.get(LARGE).await;
    let partial = request(&t, Method::GET, LARGE, &[("range", "bytes=0-9")]).await;
    assert_eq!(partial.status, 206);
    assert_eq!(partial.body[..], whole.body[..10]);
    assert_eq!(
        partial.header("content-range"),
        Some(format!("bytes 0-9/{}", whole.body.len()).as_str())
    );
    assert_eq!(
        partial.header("etag"),
        whole.header("etag"),
        "same representation, same tag"
    );

    let beyond = request(&t, Method::GET, LARGE, &[("range", "bytes=99999999-")]).await;
    assert_eq!(beyond.status, 416);
}

#[tokio::test]
async fn head_matches_get_without_a_body() {
    let t = TestApp::new(&[]);
    let get = t.get("/static/js/app.js").await;
    let head = request(&t, Method::HEAD, "/static/js/app.js", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in ["content-type", "content-length", "etag", "last-modified"] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }
}

/// Directories, missing files, a file name followed by a slash or a dot segment, and an
/// encoded NUL anywhere name no file: 404, for HEAD as for GET.
#[tokio::test]
async fn paths_that_name_no_file_are_404() {
    let t = TestApp::new(&[]);
    for path in [
        "/static/",
        "/static/css",
        "/static/css/",
        "/static/nope.css",
        "/static/css/style.css/",
        "/static/css/style.css/.",
        "/static/css/style.css/..",
        "/static/css/style.css//",
        "/static/img/logo.png/",
        "/static/%00",
        "/static/css/style.css%00.js",
        "/static/css/..%00/style.css",
    ] {
        assert_eq!(get_and_head(&t, path, &[]).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn other_methods_on_a_file_are_405_with_allow() {
    let t = TestApp::new(&[]);
    for method in ["OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE", "BREW"] {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let reply = request(&t, method.clone(), "/static/css/style.css", &[]).await;
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"), "{method}");
        assert!(reply.body.is_empty(), "{method}");
        // A missing file is 404 whatever the method: nothing there allows anything.
        let missing = request(&t, method.clone(), "/static/css/nope.css", &[]).await;
        assert_eq!(missing.status, 404, "{method} on a missing file");
    }
}

#[tokio::test]
async fn every_static_response_is_labelled_for_metrics() {
    let t = TestApp::new(&[]);
    for (method, path) in [
        (Method::GET, "/static/css/style.css"),
        (Method::GET, "/static/nope.css"),
        (Method::GET, "/static/%zz"),
        (Method::POST, "/static/css/style.css"),
    ] {
        let reply = request(&t, method.clone(), path, &[]).await;
        assert!(reply.status.as_u16() < 500, "{method} {path}");
    }
    let metrics = t.admin_get("/admin/metrics").await.json();
    let operations = metrics["types"]["http"]["operations"]
        .as_array()
        .expect("operations");
    let mut names: Vec<&str> = operations
        .iter()
        .map(|op| op["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["GET /static/*", "POST /static/*"], "{operations:?}");
}
