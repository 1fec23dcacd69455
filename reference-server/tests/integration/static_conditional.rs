//! Static files: conditional requests (RFC 9110 §13), every case sent as GET and as
//! HEAD, HEAD answering exactly as GET without the body.

use std::time::Duration;

use crate::harness::{Reply, TestApp};
use crate::static_support::{get_and_head, on_disk};

const CSS: &str = "/static/css/style.css";

/// The validators a plain GET of `style.css` carries.
struct Current {
    etag: String,
    modified: String,
}

/// A test app and the validators it serves `style.css` with.
async fn app_and_current() -> (TestApp, Current) {
    let t = TestApp::new(&[]);
    let reply = get_and_head(&t, CSS, &[]).await;
    assert_eq!(reply.status, 200);
    let now = Current {
        etag: reply.header("etag").expect("etag").to_owned(),
        modified: reply
            .header("last-modified")
            .expect("last-modified")
            .to_owned(),
    };
    (t, now)
}

/// `date` moved by `seconds`, as an HTTP-date.
fn shifted(date: &str, seconds: i64) -> String {
    let time = httpdate::parse_http_date(date).expect("HTTP-date");
    let moved = if seconds >= 0 {
        time + Duration::from_secs(seconds.unsigned_abs())
    } else {
        time - Duration::from_secs(seconds.unsigned_abs())
    };
    httpdate::fmt_http_date(moved)
}

/// Each of `values` sent alone as `header`, GET and HEAD alike (`get_and_head`): the GET
/// replies, each with what was sent.
async fn each_value(t: &TestApp, header: &str, values: &[&str]) -> Vec<(Reply, String)> {
    let mut replies = Vec::new();
    for value in values {
        let reply = get_and_head(t, CSS, &[(header, value)]).await;
        replies.push((reply, format!("{header}: {value:?}")));
    }
    replies
}

fn assert_whole_file(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 200, "{what}");
    let file = on_disk("css/style.css");
    assert!(reply.body[..] == file[..], "{what}: body is the file");
    assert_eq!(
        reply.header("content-length"),
        Some(file.len().to_string().as_str()),
        "{what}"
    );
}

/// A 304 carries the validators and `Cache-Control`, and no body or length.
fn assert_not_modified(reply: &Reply, now: &Current, what: &str) {
    assert_eq!(reply.status, 304, "{what}");
    assert!(reply.body.is_empty(), "{what}: a 304 has no body");
    assert_eq!(reply.header("etag"), Some(now.etag.as_str()), "{what}");
    assert_eq!(
        reply.header("last-modified"),
        Some(now.modified.as_str()),
        "{what}"
    );
    assert_eq!(
        reply.header("cache-control"),
        Some("public, max-age=300, must-revalidate"),
        "{what}"
    );
    assert_eq!(reply.header("content-length"), None, "{what}");
    assert_eq!(reply.header("content-type"), None, "{what}");
}

#[tokio::test]
async fn the_etag_is_strong_and_the_same_on_every_response() {
    let (t, now) = app_and_current().await;
    assert!(now.etag.starts_with('"'), "strong: {}", now.etag);
    let partial = get_and_head(&t, CSS, &[("if-none-match", "\"x\"")]).await;
    assert_eq!(partial.header("etag"), Some(now.etag.as_str()));
}

#[tokio::test]
async fn if_match_compares_strongly_and_fails_with_412() {
    let (t, now) = app_and_current().await;
    let weak = format!("W/{}", now.etag);
    let listed = format!("\"a\", {}", now.etag);
    for (reply, what) in each_value(&t, "If-Match", &["\"nope\"", &weak, "nope"]).await {
        assert_eq!(reply.status, 412, "{what}");
        assert!(reply.body.is_empty(), "{what}");
    }
    for (reply, what) in each_value(&t, "If-Match", &[&now.etag, "*", &listed]).await {
        assert_whole_file(&reply, &what);
    }
}

#[tokio::test]
async fn if_unmodified_since_fails_only_for_a_later_change_and_yields_to_if_match() {
    let (t, now) = app_and_current().await;
    let before = shifted(&now.modified, -1);
    let reply = get_and_head(&t, CSS, &[("if-unmodified-since", &before)]).await;
    assert_eq!(reply.status, 412);
    let later = shifted(&now.modified, 60);
    let values = [now.modified.as_str(), &later, "never"];
    for (reply, what) in each_value(&t, "If-Unmodified-Since", &values).await {
        assert_whole_file(&reply, &what);
    }
    // Ignored when If-Match is present (§13.1.4).
    let headers = [
        ("if-match", now.etag.as_str()),
        ("if-unmodified-since", &before),
    ];
    assert_whole_file(&get_and_head(&t, CSS, &headers).await, "If-Match wins");
}

#[tokio::test]
async fn if_none_match_compares_weakly_and_answers_304() {
    let (t, now) = app_and_current().await;
    let weak = format!("W/{}", now.etag);
    let listed = format!("\"a\", {weak}");
    let values = [now.etag.as_str(), &weak, "*", &listed];
    for (reply, what) in each_value(&t, "If-None-Match", &values).await {
        assert_not_modified(&reply, &now, &what);
    }
    let reply = get_and_head(&t, CSS, &[("if-none-match", "\"nope\"")]).await;
    assert_whole_file(&reply, "If-None-Match: \"nope\"");
}

#[tokio::test]
async fn if_modified_since_is_ignored_beside_if_none_match() {
    let (t, now) = app_and_current().await;
    // The table row: the date alone would be a 304, but If-None-Match decides.
    let headers = [
        ("if-none-match", "\"nope\""),
        ("if-modified-since", now.modified.as_str()),
    ];
    assert_whole_file(&get_and_head(&t, CSS, &headers).await, "INM beside IMS");
    let headers = [
        ("if-none-match", now.etag.as_str()),
        ("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ];
    assert_not_modified(&get_and_head(&t, CSS, &headers).await, &now, "INM matches");
}

#[tokio::test]
async fn if_modified_since_answers_304_up_to_date_and_ignores_junk() {
    let (t, now) = app_and_current().await;
    let later = shifted(&now.modified, 3600);
    let values = [now.modified.as_str(), &later];
    for (reply, what) in each_value(&t, "If-Modified-Since", &values).await {
        assert_not_modified(&reply, &now, &what);
    }
    let older = shifted(&now.modified, -1);
    let junk = [&older, "yesterday", "", "Wed, 32 Oct 2015 07:28:00 GMT"];
    for (reply, what) in each_value(&t, "If-Modified-Since", &junk).await {
        assert_whole_file(&reply, &what);
    }
}

#[tokio::test]
async fn preconditions_run_in_rfc_order() {
    let (t, now) = app_and_current().await;
    let before = shifted(&now.modified, -1);
    for headers in [
        // 1 before 3: a failed If-Match is 412 even when If-None-Match would be 304.
        [
            ("if-match", "\"nope\""),
            ("if-none-match", now.etag.as_str()),
        ],
        // 2 before 4.
        [
            ("if-unmodified-since", before.as_str()),
            ("if-modified-since", now.modified.as_str()),
        ],
        // Preconditions before Range.
        [("if-match", "\"nope\""), ("range", "bytes=0-9")],
    ] {
        let status = get_and_head(&t, CSS, &headers).await.status;
        assert_eq!(status, 412, "{headers:?}");
    }
    // Preconditions before Range: a 304 wins over a 206.
    let headers = [("if-none-match", now.etag.as_str()), ("range", "bytes=0-9")];
    assert_not_modified(&get_and_head(&t, CSS, &headers).await, &now, "304 first");
}

#[tokio::test]
async fn conditions_are_ignored_on_missing_files() {
    let t = TestApp::new(&[]);
    for (name, value) in [("if-match", "*"), ("if-none-match", "*")] {
        let reply = get_and_head(&t, "/static/css/nope.css", &[(name, value)]).await;
        assert_eq!(reply.status, 404, "{name}");
    }
}
