//! The conformance table can fail: wiremock servers that each break one RFC 9110 rule
//! the way real servers have (tower-http's ServeDir, the reference server before its
//! fix), each caught with a message that names the row and the rule.
//!
//! The mock serves one stylesheet the way a small static server would; a [`Fault`]
//! breaks one behaviour. Assertions look at the rows the fault touches only.

use std::time::Duration;

use harness::assets::{AssetOptions, Require, check_site};
use harness::outcome::{CheckOutcome, Verdict};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CSS: &str = "body { color: #222; background: #fafafa; margin: 0 auto; max-width: 40em; }\n";
const ETAG: &str = "\"v1-css\"";
const LAST_MODIFIED: &str = "Tue, 18 Nov 2025 10:00:00 GMT";
const INDEX: &str = r#"<!doctype html><link rel="stylesheet" href="/static/a.css">"#;

/// One rule broken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Range served even when If-Range does not match (ServeDir with an ETag added
    /// after it).
    IgnoreIfRange,
    /// If-Modified-Since evaluated although If-None-Match is present.
    ModifiedSinceOverNoneMatch,
    /// A suffix longer than the file answered 416 (tower-http before 0.6).
    SuffixTooLong416,
    /// HEAD answered 500 (the reference server on `%00` paths).
    Head500,
    /// If-Match ignored by a server that sends an ETag.
    IgnoreIfMatch,
    /// A Range with an unknown unit answered 416.
    UnknownUnit416,
    /// No Range support at all, and no Accept-Ranges.
    NoRanges,
    /// Not a fault: HEAD ignores Range, as RFC 9110 §14.2 reads.
    HeadIgnoresRange,
}

#[derive(Clone, Copy)]
struct Stylesheet(Fault);

impl Respond for Stylesheet {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fault = self.0;
        if request.url.path() == "/" {
            return ResponseTemplate::new(200).set_body_raw(INDEX, "text/html");
        }
        if request.url.path() != "/static/a.css" {
            return ResponseTemplate::new(404);
        }
        if fault == Fault::Head500 && request.method.as_str() == "HEAD" {
            return ResponseTemplate::new(500);
        }
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        let base = |status: u16| {
            let mut template = ResponseTemplate::new(status)
                .insert_header("etag", ETAG)
                .insert_header("last-modified", LAST_MODIFIED);
            if fault != Fault::NoRanges {
                template = template.insert_header("accept-ranges", "bytes");
            }
            template
        };
        let tags = |value: &str| -> bool {
            value.trim() == "*"
                || value
                    .split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == ETAG)
        };
        if let Some(value) = header("if-match")
            && fault != Fault::IgnoreIfMatch
            && !(value.trim() == "*" || value.split(',').any(|t| t.trim() == ETAG))
        {
            return base(412);
        }
        if let Some(value) = header("if-unmodified-since")
            && header("if-match").is_none()
            && value != LAST_MODIFIED
        {
            return base(412);
        }
        let inm = header("if-none-match");
        let not_modified = match inm {
            Some(value) => {
                tags(value)
                    || (fault == Fault::ModifiedSinceOverNoneMatch
                        && header("if-modified-since") == Some(LAST_MODIFIED))
            }
            None => header("if-modified-since") == Some(LAST_MODIFIED),
        };
        if not_modified {
            return base(304);
        }
        let whole = || {
            base(200)
                .insert_header("content-type", "text/css")
                .set_body_raw(CSS, "text/css")
        };
        let head_ignores = fault == Fault::HeadIgnoresRange && request.method.as_str() == "HEAD";
        let Some(range) = header("range").filter(|_| fault != Fault::NoRanges && !head_ignores)
        else {
            return whole();
        };
        if let Some(validator) = header("if-range")
            && fault != Fault::IgnoreIfRange
            && validator != ETAG
            && validator != LAST_MODIFIED
        {
            return whole();
        }
        let size = CSS.len();
        let Some(spec) = range.strip_prefix("bytes=") else {
            return if fault == Fault::UnknownUnit416 {
                base(416)
            } else {
                whole()
            };
        };
        let Some((first, last)) = spec.split_once('-').filter(|_| !spec.contains(',')) else {
            return whole();
        };
        let (first, last) = match (first.parse::<usize>(), last.parse::<usize>()) {
            (Err(_), Ok(n)) if n > size && fault == Fault::SuffixTooLong416 => return base(416),
            (Err(_), Ok(n)) => (size.saturating_sub(n), size - 1),
            (Ok(a), Ok(b)) => (a, b.min(size - 1)),
            (Ok(a), Err(_)) if last.is_empty() => (a, size - 1),
            _ => return whole(),
        };
        if first >= size || first > last {
            return base(416).insert_header("content-range", format!("bytes */{size}").as_str());
        }
        base(206)
            .insert_header(
                "content-range",
                format!("bytes {first}-{last}/{size}").as_str(),
            )
            .set_body_raw(&CSS.as_bytes()[first..=last], "text/css")
    }
}

async fn check(fault: Fault, require: Require) -> Vec<CheckOutcome> {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Stylesheet(fault))
        .mount(&server)
        .await;
    let base = url::Url::parse(&server.uri()).expect("mock URL");
    let mut options = AssetOptions::new(vec![base.join("/").expect("page URL")]);
    options.timeout = Duration::from_secs(5);
    options.require = require;
    check_site(&reqwest::Client::new(), &options).await
}

/// The outcome named `name`.
fn outcome<'a>(outcomes: &'a [CheckOutcome], name: &str) -> &'a CheckOutcome {
    outcomes
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no `{name}` in {outcomes:#?}"))
}

/// Asserts that the group failed and reported `row` with a line holding each of `parts`.
fn assert_row_fails(outcomes: &[CheckOutcome], group: &str, row: &str, parts: &[&str]) {
    let o = outcome(outcomes, &format!("{group} /static/a.css"));
    let (failed, seen) = match &o.verdict {
        Verdict::Fail { seen, .. } => (true, seen),
        Verdict::Warn { seen, .. } => (false, seen),
        Verdict::Pass | Verdict::Skip { .. } => {
            panic!("`{group}` passed or was skipped, expected row `{row}` to be reported")
        }
    };
    let line = seen
        .lines()
        .find(|l| l.starts_with(&format!("{row}: ")))
        .unwrap_or_else(|| panic!("no line for `{row}` in:\n{seen}"));
    assert!(failed, "{line}");
    for part in parts {
        assert!(line.contains(part), "{line}");
    }
}

#[tokio::test]
async fn the_well_behaved_mock_passes_the_rows_the_faults_break() {
    let outcomes = check(Fault::None, Require::default()).await;
    for name in ["conditional /static/a.css", "ranges /static/a.css"] {
        let o = outcome(&outcomes, name);
        // Multipart is not implemented by the mock: those rows may only warn.
        assert!(o.passed(), "{name}: {:?}", o.verdict);
        if let Verdict::Warn { seen, .. } = &o.verdict {
            assert!(
                seen.lines()
                    .all(|l| l.starts_with("range-") && l.contains("[warning")),
                "{seen}"
            );
        }
    }
}

#[tokio::test]
async fn ignoring_if_range_fails_with_section_13_1_5() {
    let outcomes = check(Fault::IgnoreIfRange, Require::default()).await;
    assert_row_fails(
        &outcomes,
        "ranges",
        "if-range-other-etag",
        &["answered 206", "RFC 9110 §13.1.5"],
    );
    assert_row_fails(
        &outcomes,
        "ranges",
        "if-range-earlier-date",
        &["status 206 instead of 200"],
    );
}

#[tokio::test]
async fn a_304_for_a_mismatched_if_none_match_fails_with_section_13_1_3() {
    let outcomes = check(Fault::ModifiedSinceOverNoneMatch, Require::default()).await;
    assert_row_fails(
        &outcomes,
        "conditional",
        "if-none-match-ignores-if-modified-since",
        &["status 304 instead of 200", "RFC 9110 §13.1.3"],
    );
}

#[tokio::test]
async fn a_416_for_a_suffix_longer_than_the_file_fails_with_section_14_1_3() {
    let outcomes = check(Fault::SuffixTooLong416, Require::default()).await;
    assert_row_fails(
        &outcomes,
        "ranges",
        "range-suffix-longer-than-file",
        &["status 416 instead of 206", "RFC 9110 §14.1.3"],
    );
}

#[tokio::test]
async fn head_answering_500_fails_every_row_with_section_9_3_2() {
    let outcomes = check(Fault::Head500, Require::default()).await;
    assert_row_fails(
        &outcomes,
        "conditional",
        "if-match-other",
        &[
            "HEAD with",
            "status 500 where the GET got 412",
            "RFC 9110 §9.3.2",
        ],
    );
    assert!(!outcome(&outcomes, "HEAD /static/a.css").passed());
}

#[tokio::test]
async fn ignoring_if_match_fails_when_the_server_sends_an_etag() {
    let outcomes = check(Fault::IgnoreIfMatch, Require::default()).await;
    // The ETag advertises preconditions.
    assert_row_fails(
        &outcomes,
        "conditional",
        "if-match-other",
        &["status 200 instead of 412", "RFC 9110 §13.1.1"],
    );
}

#[tokio::test]
async fn a_416_for_an_unknown_range_unit_fails_with_section_14_2() {
    let outcomes = check(Fault::UnknownUnit416, Require::default()).await;
    assert_row_fails(
        &outcomes,
        "ranges",
        "range-unknown-unit",
        &["MUST ignore a Range with a unit"],
    );
}

#[tokio::test]
async fn no_range_support_warns_unless_required() {
    let outcomes = check(Fault::NoRanges, Require::default()).await;
    let o = outcome(&outcomes, "ranges /static/a.css");
    let Verdict::Warn { seen, .. } = &o.verdict else {
        panic!(
            "a server without Accept-Ranges may ignore Range: {:?}",
            o.verdict
        );
    };
    assert!(seen.contains("does not support Range"), "{seen}");
    assert!(outcome(&outcomes, "Range /static/a.css").warned());

    let required = Require {
        range: true,
        validators: false,
    };
    let outcomes = check(Fault::NoRanges, required).await;
    assert_row_fails(&outcomes, "ranges", "range-first-bytes", &[]);
    assert!(!outcome(&outcomes, "Range /static/a.css").passed());
}

#[tokio::test]
async fn a_head_that_ignores_range_as_section_14_2_reads_passes() {
    let outcomes = check(Fault::HeadIgnoresRange, Require::default()).await;
    let o = outcome(&outcomes, "ranges /static/a.css");
    let seen = match &o.verdict {
        Verdict::Pass => String::new(),
        Verdict::Warn { seen, .. } => seen.clone(),
        Verdict::Fail { seen, .. } => panic!("HEAD answered 200 to a Range: {seen}"),
        Verdict::Skip { reason } => panic!("the ranges check was skipped: {reason}"),
    };
    assert!(!seen.contains("HEAD with"), "{seen}");
}
