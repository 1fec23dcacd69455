//! Static files: `Range` and `If-Range` (RFC 9110 §13.1.5, §14), each sent as GET and
//! as HEAD (which answers as GET, without the body), bodies compared byte for byte
//! with the file.

use std::time::Duration;

use axum::http::Method;

use crate::harness::{Reply, TestApp};
use crate::socket::Served;
use crate::static_support::{get_and_head, multipart_parts, on_disk, range_bounds, request};

const CSS: &str = "/static/css/style.css";

fn css() -> Vec<u8> {
    on_disk("css/style.css")
}

/// A 206 of one range: the bytes of the file, `Content-Range`, `Content-Length`, and
/// the headers a 200 carries.
fn assert_partial(reply: &Reply, whole: &Reply, file: &[u8], first: u64, last: u64) {
    let what = format!("bytes {first}-{last}");
    assert_eq!(reply.status, 206, "{what}");
    let size = file.len();
    assert_eq!(
        reply.header("content-range"),
        Some(format!("bytes {first}-{last}/{size}").as_str()),
        "{what}"
    );
    let (first, last) = (first as usize, last as usize);
    assert!(reply.body[..] == file[first..=last], "{what}: bytes differ");
    assert_eq!(
        reply.header("content-length"),
        Some((last - first + 1).to_string().as_str()),
        "{what}"
    );
    for name in [
        "etag",
        "last-modified",
        "cache-control",
        "content-type",
        "accept-ranges",
    ] {
        assert_eq!(reply.header(name), whole.header(name), "{what}: {name}");
    }
}

fn assert_whole(reply: &Reply, file: &[u8], what: &str) {
    assert_eq!(reply.status, 200, "{what}");
    assert!(reply.body[..] == file[..], "{what}: body is the whole file");
    assert_eq!(
        reply.header("content-length"),
        Some(file.len().to_string().as_str()),
        "{what}"
    );
    assert_eq!(reply.header("accept-ranges"), Some("bytes"), "{what}");
    assert_eq!(reply.header("content-range"), None, "{what}");
}

async fn ranged(t: &TestApp, headers: &[(&str, &str)]) -> Reply {
    get_and_head(t, CSS, headers).await
}

#[tokio::test]
async fn single_open_suffix_and_clamped_ranges() {
    let t = TestApp::new(&[]);
    let file = css();
    let size = file.len() as u64;
    let whole = get_and_head(&t, CSS, &[]).await;
    assert_whole(&whole, &file, "no Range");
    let cases: [(String, u64, u64); 7] = [
        ("bytes=0-9".into(), 0, 9),
        ("bytes=100-".into(), 100, size - 1),
        ("bytes=-10".into(), size - 10, size - 1),
        (
            format!("bytes={}-{}", size - 1, size + 1000),
            size - 1,
            size - 1,
        ),
        (format!("bytes=-{}", size + 1), 0, size - 1),
        (format!("bytes=-{}", size * 100), 0, size - 1),
        ("Bytes=5-5".into(), 5, 5),
    ];
    for (value, first, last) in cases {
        let reply = ranged(&t, &[("range", &value)]).await;
        assert_partial(&reply, &whole, &file, first, last);
    }
}

#[tokio::test]
async fn unknown_units_and_malformed_ranges_are_ignored() {
    let t = TestApp::new(&[]);
    let file = css();
    for value in [
        "items=0-9",
        "bytes=",
        "bytes",
        "bytes=a-b",
        "bytes=9-0",
        "bytes=0-1,x",
        "bytes=--1",
    ] {
        assert_whole(&ranged(&t, &[("range", value)]).await, &file, value);
    }
}

#[tokio::test]
async fn only_a_wholly_unsatisfiable_set_is_416() {
    let t = TestApp::new(&[]);
    let file = css();
    let size = file.len();
    let at_end = format!("bytes={size}-");
    let past = format!("bytes={}-{}", size + 5, size + 10);
    for value in [at_end.as_str(), past.as_str(), "bytes=-0"] {
        let reply = ranged(&t, &[("range", value)]).await;
        assert_eq!(reply.status, 416, "{value}");
        assert_eq!(
            reply.header("content-range"),
            Some(format!("bytes */{size}").as_str()),
            "{value}"
        );
        assert!(reply.body.is_empty(), "{value}");
    }
    // One satisfiable member is enough: the others are dropped.
    let whole = get_and_head(&t, CSS, &[]).await;
    let mixed = format!("bytes=0-4,{size}-");
    let reply = ranged(&t, &[("range", &mixed)]).await;
    assert_partial(&reply, &whole, &file, 0, 4);
}

#[tokio::test]
async fn several_ranges_are_multipart_byteranges() {
    let t = TestApp::new(&[]);
    let file = css();
    let size = file.len();
    let whole = get_and_head(&t, CSS, &[]).await;
    for (value, want) in [
        ("bytes=0-4,10-14", vec![(0, 4), (10, 14)]),
        (
            "bytes=0-0, 5-5 ,-3",
            vec![(0, 0), (5, 5), (size - 3, size - 1)],
        ),
        ("bytes=0-4,5-9", vec![(0, 4), (5, 9)]),
        // Parts come in the order asked (§14.6).
        ("bytes=10-14,0-4", vec![(10, 14), (0, 4)]),
        (
            "bytes=0-9, -10, 10-19",
            vec![(0, 9), (size - 10, size - 1), (10, 19)],
        ),
    ] {
        let reply = ranged(&t, &[("range", value)]).await;
        assert_eq!(reply.status, 206, "{value}");
        assert_eq!(
            reply.header("content-length"),
            Some(reply.body.len().to_string().as_str()),
            "{value}: Content-Length is the multipart body's"
        );
        assert_eq!(reply.header("content-range"), None, "{value}");
        for name in ["etag", "last-modified", "cache-control", "accept-ranges"] {
            assert_eq!(reply.header(name), whole.header(name), "{value}: {name}");
        }
        let parts = multipart_parts(&reply);
        assert_eq!(parts.len(), want.len(), "{value}");
        for (part, (first, last)) in parts.iter().zip(want) {
            assert_eq!(part.content_type, "text/css", "{value}");
            assert_eq!(
                part.content_range,
                format!("bytes {first}-{last}/{size}"),
                "{value}"
            );
            assert_eq!(
                range_bounds(&part.content_range),
                (first as u64, last as u64)
            );
            assert!(part.bytes[..] == file[first..=last], "{value}: part bytes");
        }
    }
}

#[tokio::test]
async fn overlapping_or_too_many_ranges_get_the_whole_file() {
    let t = TestApp::new(&[]);
    let file = css();
    let seventeen = (0..17)
        .map(|i| format!("{}-{}", i * 10, i * 10 + 1))
        .collect::<Vec<_>>()
        .join(",");
    let sixteen = (0..16)
        .map(|i| format!("{}-{}", i * 10, i * 10 + 1))
        .collect::<Vec<_>>()
        .join(",");
    for value in [
        "bytes=0-9,5-14".to_owned(),
        "bytes=10-14,0-10".to_owned(),
        "bytes=0-4,0-4".to_owned(),
        "bytes=0-,1-,2-,3-,4-".to_owned(),
        format!("bytes={seventeen}"),
    ] {
        assert_whole(&ranged(&t, &[("range", &value)]).await, &file, &value);
    }
    let reply = ranged(&t, &[("range", &format!("bytes={sixteen}"))]).await;
    assert_eq!(multipart_parts(&reply).len(), 16, "sixteen is the limit");
}

#[tokio::test]
async fn if_range_decides_between_206_and_200() {
    let t = TestApp::new(&[]);
    let file = css();
    let whole = get_and_head(&t, CSS, &[]).await;
    let etag = whole.header("etag").expect("etag").to_owned();
    let modified = whole
        .header("last-modified")
        .expect("last-modified")
        .to_owned();
    let at = httpdate::parse_http_date(&modified).expect("date");
    let before = httpdate::fmt_http_date(at - Duration::from_secs(1));
    let after = httpdate::fmt_http_date(at + Duration::from_secs(1));
    let weak = format!("W/{etag}");
    for value in [etag.as_str(), modified.as_str()] {
        let reply = ranged(&t, &[("range", "bytes=0-9"), ("if-range", value)]).await;
        assert_partial(&reply, &whole, &file, 0, 9);
    }
    for value in [
        "\"other-etag\"",
        weak.as_str(),
        before.as_str(),
        after.as_str(),
        "garbage",
    ] {
        let reply = ranged(&t, &[("range", "bytes=0-9"), ("if-range", value)]).await;
        assert_whole(&reply, &file, &format!("If-Range: {value}"));
    }
    // If-Range without Range changes nothing.
    let reply = get_and_head(&t, CSS, &[("if-range", "\"other-etag\"")]).await;
    assert_whole(&reply, &file, "If-Range alone");
}

/// HEAD answers a Range as GET does (see the module doc of `static_files` on §14.2).
#[tokio::test]
async fn head_answers_a_range_as_get_does() {
    let t = TestApp::new(&[]);
    let head = request(&t, Method::HEAD, CSS, &[("range", "bytes=0-9")]).await;
    assert_eq!(head.status, 206);
    assert_eq!(head.header("content-length"), Some("10"));
    let size = css().len();
    assert_eq!(
        head.header("content-range"),
        Some(format!("bytes 0-9/{size}").as_str())
    );
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn an_empty_file_has_no_satisfiable_range_but_a_suffix() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("empty.css"), b"").expect("write");
    let static_dir = dir.path().display().to_string();
    let t = TestApp::new(&[("STATIC_DIR", &static_dir)]);
    let uri = "/static/empty.css";
    let plain = get_and_head(&t, uri, &[]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-length"), Some("0"));
    for value in ["bytes=0-", "bytes=0-0", "bytes=-0", "bytes=1-5"] {
        let reply = get_and_head(&t, uri, &[("range", value)]).await;
        assert_eq!(reply.status, 416, "{value}");
        assert_eq!(reply.header("content-range"), Some("bytes */0"), "{value}");
    }
    // §14.1.1: a non-zero suffix is satisfiable even on an empty file, but no 206 can
    // carry zero bytes, so the Range is ignored (§14.2).
    for value in ["bytes=-5", "bytes=0-,-1", "items=0-"] {
        let reply = get_and_head(&t, uri, &[("range", value)]).await;
        assert_eq!(reply.status, 200, "{value}");
        assert_eq!(reply.header("content-length"), Some("0"), "{value}");
        assert!(reply.body.is_empty(), "{value}");
    }
}

#[tokio::test]
async fn ranges_of_a_large_file_stream_exactly() {
    let t = TestApp::new(&[]);
    let file = on_disk("img/large.png");
    let size = file.len();
    let uri = "/static/img/large.png";
    let whole = get_and_head(&t, uri, &[]).await;
    let value = format!("bytes=70000-{},{}-", size / 2, size - 100_000);
    let reply = get_and_head(&t, uri, &[("range", &value)]).await;
    assert_eq!(reply.header("etag"), whole.header("etag"));
    let parts = multipart_parts(&reply);
    assert_eq!(parts.len(), 2);
    assert!(parts[0].bytes[..] == file[70_000..=size / 2]);
    assert!(parts[1].bytes[..] == file[size - 100_000..]);
    assert!(parts.iter().all(|p| p.content_type == "image/png"));
}

#[tokio::test]
async fn wrong_content_type_reaches_ranges_and_parts() {
    let t = TestApp::new(&[("REFSERVER_REGRESSIONS", "wrong-content-type")]);
    let single = ranged(&t, &[("range", "bytes=0-9")]).await;
    assert_eq!(single.status, 206);
    assert_eq!(
        single.header("content-type"),
        Some("application/octet-stream")
    );
    let multi = ranged(&t, &[("range", "bytes=0-1,4-5")]).await;
    let parts = multipart_parts(&multi);
    assert!(
        parts
            .iter()
            .all(|p| p.content_type == "application/octet-stream")
    );
}

#[tokio::test]
async fn buffered_body_size_still_fails_ranged_gets() {
    let t = TestApp::new(&[("REFSERVER_REGRESSIONS", "buffered-body-size")]);
    for value in ["bytes=0-9", "bytes=0-1,4-5"] {
        let reply = request(&t, Method::GET, CSS, &[("range", value)]).await;
        assert_eq!(reply.status, 500, "{value}");
    }
}

/// Over a socket, hyper keeps the lengths the handler set: HEAD announces the GET's
/// length, a 304 announces none, a multipart body arrives at its announced length.
#[tokio::test]
async fn lengths_survive_the_wire() {
    let served = Served::start(TestApp::new(&[])).await;
    let client = reqwest::Client::new();
    let url = served.url(CSS);
    let size = css().len().to_string();
    let length = |r: &reqwest::Response| {
        r.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let head = client.head(&url).send().await.expect("HEAD");
    assert_eq!(length(&head).as_deref(), Some(size.as_str()));
    let etag = head.headers()["etag"].clone();
    let not_modified = client
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("304");
    assert_eq!(not_modified.status(), 304);
    assert_eq!(length(&not_modified), None);
    let multi = client
        .get(&url)
        .header("range", "bytes=0-4,10-14")
        .send()
        .await
        .expect("206");
    let announced = length(&multi).expect("length");
    let body = multi.bytes().await.expect("body");
    assert_eq!(announced, body.len().to_string());
}
