//! The checks run on every asset (GET, Content-Type, length, HEAD, conditional GET,
//! Range) and the whole-site run that discovers assets and checks them all.

use std::time::Duration;

use futures::stream::{self, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, HeaderName, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, RANGE,
};

use std::collections::{BTreeMap, BTreeSet};

use super::conformance::{Require, Table, check_conformance};
use super::discover::{Asset, AssetOptions, discover};
use super::facts::AssetFacts;
use super::fetch::{self, Fetched};
use super::keepalive::{self, StallLimit, check_keepalive};
use super::link::{extension, path_label};
use super::media::content_type_verdict;
use crate::outcome::{CheckKind, CheckOutcome, Severity, Verdict};

/// How many bytes the Range check asks for (`bytes=0-9`).
const RANGE_LEN: usize = 10;

/// How one asset is checked: the run's timeout and requirements, and the conformance
/// table when this asset is in its sample.
#[derive(Clone, Copy)]
struct Plan<'a> {
    timeout: Duration,
    require: Require,
    stall_limit: StallLimit,
    table: Option<&'a Table>,
}

/// Checks one asset: `GET 200`, `Content-Type`, `length`, `HEAD`, `304` and `Range`
/// (skipped for an empty body), then the conformance table's `conditional` and
/// `ranges` rows. When the GET itself fails only that outcome is returned: the others
/// would describe an error page, not the asset.
async fn check_asset(
    client: &reqwest::Client,
    asset: &Asset,
    plan: Plan<'_>,
) -> (Vec<CheckOutcome>, AssetFacts) {
    let Plan {
        timeout, require, ..
    } = plan;
    let url = &asset.url;
    let label = path_label(url);
    let at = |header: &str| format!("{url} [{header}]");
    let outcome = |name: &str, location: String, verdict: Verdict, elapsed: Duration| {
        CheckOutcome::new(
            CheckKind::Asset,
            format!("{name} {label}"),
            location,
            verdict,
            elapsed,
        )
    };
    let mut out = Vec::new();

    // 1. GET 200
    let get = match fetch::send(client.get(url.clone()), timeout).await {
        Ok(get) => get,
        Err(e) => {
            let verdict = Verdict::Fail {
                expected: "status 200".into(),
                seen: e.message.clone(),
            };
            out.push(outcome("GET 200", url.to_string(), verdict, e.elapsed));
            return (out, AssetFacts::unreachable(url, e.message));
        }
    };
    let mut facts = AssetFacts::from_get(url, &get);
    let ok = get.status == StatusCode::OK;
    let seen = fetch::status_and_preview(&get);
    out.push(outcome(
        "GET 200",
        url.to_string(),
        Verdict::expect(ok, "status 200", seen),
        get.elapsed,
    ));
    if !ok {
        // A file on disk must still arrive whole: an error page in its place fails by
        // its length too (StarPunk's 500s), so the report shows both symptoms.
        if asset.size_on_disk.is_some() {
            out.push(outcome(
                "length",
                at("Content-Length"),
                length_verdict(&get, asset.size_on_disk),
                Duration::ZERO,
            ));
        }
        return (out, facts);
    }

    // 2. Content-Type
    out.push(outcome(
        "Content-Type",
        at("Content-Type"),
        content_type_verdict(
            url,
            asset.expect,
            get.header(CONTENT_TYPE),
            super::media::is_nosniff(get.header(reqwest::header::X_CONTENT_TYPE_OPTIONS)),
        ),
        Duration::ZERO,
    ));

    // 3. length
    out.push(outcome(
        "length",
        at("Content-Length"),
        length_verdict(&get, asset.size_on_disk),
        Duration::ZERO,
    ));

    // 4. HEAD
    let (verdict, elapsed) = match fetch::send(client.head(url.clone()), timeout).await {
        Ok(head) => (head_verdict(&get, &head), head.elapsed),
        Err(e) => (transport_failure("a HEAD response", e.message), e.elapsed),
    };
    out.push(outcome("HEAD", url.to_string(), verdict, elapsed));

    // 5. conditional GET
    let (verdict, header, elapsed) = conditional(client, &get, url, timeout, require).await;
    out.push(outcome("304", at(header), verdict, elapsed));

    // 6. Range
    if !get.body.is_empty() {
        let request = client
            .get(url.clone())
            .header(RANGE, format!("bytes=0-{}", RANGE_LEN - 1));
        let (verdict, elapsed) = match fetch::send(request, timeout).await {
            Ok(partial) => {
                facts = facts.with_range(Some(&partial));
                (
                    range_verdict(&get, &partial, range_severity(&get, require)),
                    partial.elapsed,
                )
            }
            Err(e) => {
                facts = facts.with_range(None);
                (transport_failure("status 206", e.message), e.elapsed)
            }
        };
        out.push(outcome("Range", at("Range"), verdict, elapsed));
    }

    // 7. a small file again, on a kept-alive connection
    if !get.body.is_empty() && get.body.len() as u64 <= keepalive::MAX_SIZE {
        out.push(check_keepalive(url, plan.stall_limit, timeout).await);
    }

    // 8. the conformance table
    if let Some(table) = plan.table {
        out.extend(check_conformance(client, table, url, &get, require, timeout).await);
    }
    (out, facts)
}

/// A server that does not send `Accept-Ranges: bytes` may ignore Range (RFC 9110
/// §14.2): answering 200 then only warns, unless the scenario requires Range.
fn range_severity(get: &Fetched, require: Require) -> Severity {
    if get.accepts_byte_ranges() || require.range {
        Severity::Must
    } else {
        Severity::May
    }
}

/// Discovers the site's assets and checks them all, `concurrency` at a time. Discovery
/// outcomes (pages, parsed sheets and manifests, the static dir, the asset count) are
/// included; everything is sorted by URL (or location), then check name, so two runs
/// against the same server print the same report.
pub async fn check_site(client: &reqwest::Client, options: &AssetOptions) -> Vec<CheckOutcome> {
    check_site_counted(client, options).await.outcomes
}

/// What a site check found: every check, and how many distinct assets it checked (a
/// crawl that finds too few has lost part of the site).
#[derive(Debug)]
pub(crate) struct SiteCheck {
    pub(crate) outcomes: Vec<CheckOutcome>,
    pub(crate) assets: usize,
    /// What each asset was served as, sorted by path.
    pub(crate) facts: Vec<AssetFacts>,
}

/// [`check_site`], also counting the assets checked.
pub(crate) async fn check_site_counted(
    client: &reqwest::Client,
    options: &AssetOptions,
) -> SiteCheck {
    let discovery = discover(client, options).await;
    let assets = discovery.assets.len();
    let mut keyed: Vec<(String, CheckOutcome)> = discovery
        .problems
        .into_iter()
        .chain(discovery.passed)
        .map(|o| (o.location.clone(), o))
        .collect();
    let table = match Table::builtin() {
        Ok(_) if !options.conformance => None,
        Ok(table) => Some(table),
        Err(e) => {
            let verdict = Verdict::Fail {
                expected: "the conformance table to load".into(),
                seen: e.to_string(),
            };
            let o = CheckOutcome::new(
                CheckKind::Asset,
                "conformance table",
                "",
                verdict,
                Duration::ZERO,
            );
            keyed.push((String::new(), o));
            None
        }
    };
    let sample = table.as_ref().map(|t| {
        let (sample, outcome) = conformance_sample(&discovery.assets, t);
        keyed.extend(outcome.map(|o| (o.location.clone(), o)));
        sample
    });
    let checked: Vec<(String, Vec<CheckOutcome>, AssetFacts)> =
        stream::iter(discovery.assets.iter().enumerate())
            .map(|(i, asset)| {
                let plan = Plan {
                    timeout: options.timeout,
                    require: options.require,
                    stall_limit: options.stall_limit,
                    table: table
                        .as_ref()
                        .filter(|_| sample.as_ref().is_some_and(|s| s.contains(&i))),
                };
                async move {
                    let (mut outcomes, facts) = check_asset(client, asset, plan).await;
                    if asset.by_browser {
                        outcomes.iter_mut().for_each(|o| found_by_browser(o, asset));
                    }
                    (asset.url.to_string(), outcomes, facts)
                }
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
    let mut facts = Vec::with_capacity(checked.len());
    for (url, outcomes, found) in checked {
        keyed.extend(outcomes.into_iter().map(|o| (url.clone(), o)));
        facts.push(found);
    }
    facts.sort_by(|a, b| a.path.cmp(&b.path));
    keyed.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
    SiteCheck {
        outcomes: keyed.into_iter().map(|(_, o)| o).collect(),
        assets,
        facts,
    }
}

/// Names a check of an asset only the browser found as such, and says where: no page,
/// sheet or manifest names it, so a reader must know to load the page to see it.
fn found_by_browser(outcome: &mut CheckOutcome, asset: &Asset) {
    outcome.name.push_str(" (found by the browser)");
    let pages: Vec<&str> = asset.found_in.iter().map(url::Url::as_str).collect();
    outcome.location = format!(
        "{} ({} on {})",
        outcome.location,
        asset.via,
        pages.join(", ")
    );
}

/// Which assets (by index) get the conformance table: all of them, or for a site with
/// more than `sample_above`, up to `sample_per_type` of each file type, spread evenly
/// over the sorted list; the outcome says how many, so a report shows the sample.
fn conformance_sample(assets: &[Asset], table: &Table) -> (BTreeSet<usize>, Option<CheckOutcome>) {
    if assets.len() <= table.sample_above {
        return ((0..assets.len()).collect(), None);
    }
    let mut by_type: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, asset) in assets.iter().enumerate() {
        let kind = extension(&asset.url).unwrap_or_else(|| "(none)".to_owned());
        by_type.entry(kind).or_default().push(i);
    }
    let per_type = table.sample_per_type;
    let mut sample = BTreeSet::new();
    for indexes in by_type.values() {
        let step = indexes.len().div_ceil(per_type).max(1);
        sample.extend(indexes.iter().step_by(step).take(per_type));
    }
    let outcome = CheckOutcome::new(
        CheckKind::Asset,
        "conformance sample",
        format!(
            "{} of {} assets ({} file types, at most {per_type} of each)",
            sample.len(),
            assets.len(),
            by_type.len()
        ),
        Verdict::Pass,
        Duration::ZERO,
    );
    (sample, Some(outcome))
}

fn transport_failure(expected: &str, message: String) -> Verdict {
    Verdict::Fail {
        expected: expected.into(),
        seen: message,
    }
}

/// The Content-Length header as a number: `Ok(None)` when missing, `Err(raw)` when garbled.
fn content_length(fetched: &Fetched) -> Result<Option<u64>, String> {
    match fetched.headers.get(CONTENT_LENGTH) {
        None => Ok(None),
        Some(raw) => {
            let text = raw.to_str().map_err(|_| format!("{raw:?}"))?;
            text.trim().parse().map(Some).map_err(|_| text.to_owned())
        }
    }
}

/// Body length == Content-Length (which a static file must send) == size on disk.
fn length_verdict(get: &Fetched, size_on_disk: Option<u64>) -> Verdict {
    let body = get.body.len() as u64;
    let disk = size_on_disk
        .map(|d| format!(", {d} bytes on disk"))
        .unwrap_or_default();
    let expected = match size_on_disk {
        Some(d) => format!("Content-Length == body length == size on disk ({d} bytes)"),
        None => "Content-Length == body length".to_owned(),
    };
    let (header_ok, header_seen) = match content_length(get) {
        Ok(Some(n)) => (n == body, format!("Content-Length {n}")),
        Ok(None) => (false, "no Content-Length header".to_owned()),
        Err(raw) => (false, format!("Content-Length {raw} (not a number)")),
    };
    let disk_ok = size_on_disk.is_none_or(|d| d == body);
    Verdict::expect(
        header_ok && disk_ok,
        expected,
        format!("{header_seen}, body {body} bytes{disk}"),
    )
}

/// HEAD: 200, the GET's Content-Type and Content-Length, no body.
fn head_verdict(get: &Fetched, head: &Fetched) -> Verdict {
    let describe = |f: &Fetched, body: bool| {
        let mut parts = vec![format!("status {}", f.status.as_u16())];
        parts.push(match f.header(CONTENT_TYPE) {
            Some(t) => format!("Content-Type {t}"),
            None => "no Content-Type".into(),
        });
        parts.push(match content_length(f) {
            Ok(Some(n)) => format!("Content-Length {n}"),
            Ok(None) => "no Content-Length".into(),
            Err(raw) => format!("Content-Length {raw}"),
        });
        if body {
            parts.push(format!("body {} bytes", f.body.len()));
        }
        parts.join(", ")
    };
    let expected = format!("{}, empty body (as the GET)", describe(get, false));
    let ok = head.status == StatusCode::OK
        && head.header(CONTENT_TYPE) == get.header(CONTENT_TYPE)
        && content_length(head) == content_length(get)
        && head.body.is_empty();
    Verdict::expect(ok, expected, describe(head, true))
}

/// Revalidation with the GET's validator; `"ETag"` names the missing-validator case.
async fn conditional(
    client: &reqwest::Client,
    get: &Fetched,
    url: &url::Url,
    timeout: Duration,
    require: Require,
) -> (Verdict, &'static str, Duration) {
    let validator: Option<(HeaderName, &str, &str)> = if let Some(etag) = get.header(ETAG) {
        Some((IF_NONE_MATCH, "If-None-Match", etag))
    } else {
        get.header(LAST_MODIFIED)
            .map(|lm| (IF_MODIFIED_SINCE, "If-Modified-Since", lm))
    };
    let Some((header, header_name, value)) = validator else {
        // Validators are a SHOULD (RFC 9110 §8.8.1): their absence warns unless required.
        let severity = if require.validators {
            Severity::Must
        } else {
            Severity::May
        };
        let verdict = Verdict::judge(
            false,
            severity,
            "an ETag or Last-Modified header, so clients can revalidate with 304 (RFC 9110 §8.8)",
            "no ETag or Last-Modified",
        );
        return (verdict, "ETag", Duration::ZERO);
    };
    let expected = format!("status 304 for {header_name}: {value}");
    match fetch::send(client.get(url.clone()).header(header, value), timeout).await {
        Ok(again) => {
            let seen = if again.body.is_empty() {
                format!("status {}", again.status.as_u16())
            } else {
                format!(
                    "status {} with {} body bytes",
                    again.status.as_u16(),
                    again.body.len()
                )
            };
            let ok = again.status == StatusCode::NOT_MODIFIED && again.body.is_empty();
            (
                Verdict::expect(ok, expected, seen),
                header_name,
                again.elapsed,
            )
        }
        Err(e) => (
            transport_failure(&expected, e.message),
            header_name,
            e.elapsed,
        ),
    }
}

/// `Range: bytes=0-9`: 206, the first bytes of the GET body, a matching Content-Range.
/// A 200 with the whole body is the answer of a server without Range support: it
/// weighs `ignored`; any other answer fails.
fn range_verdict(get: &Fetched, partial: &Fetched, ignored: Severity) -> Verdict {
    let total = get.body.len();
    let n = total.min(RANGE_LEN);
    let want_range = format!("bytes 0-{}/{total}", n - 1);
    let unknown_total = format!("bytes 0-{}/*", n - 1);
    let content_range = partial.header(CONTENT_RANGE);
    let ok = partial.status == StatusCode::PARTIAL_CONTENT
        && partial.body == get.body[..n]
        && content_range.is_some_and(|r| r == want_range || r == unknown_total);
    let same_bytes = if partial.body.len() == n && partial.body != get.body[..n] {
        " (not the first bytes of the file)"
    } else {
        ""
    };
    let seen = format!(
        "status {}, {} bytes{same_bytes}, {}",
        partial.status.as_u16(),
        partial.body.len(),
        content_range.map_or("no Content-Range".to_owned(), |r| format!(
            "Content-Range {r}"
        )),
    );
    let whole = partial.status == StatusCode::OK && partial.body == get.body;
    let severity = if whole { ignored } else { Severity::Must };
    Verdict::judge(
        ok,
        severity,
        format!("status 206, {n} bytes, Content-Range {want_range} (RFC 9110 §14.2)"),
        seen,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::{Expect, TableError};

    #[test]
    fn a_large_site_gets_the_table_on_a_sample_per_file_type() -> Result<(), TableError> {
        let table = Table::builtin()?;
        let asset = |path: String| Asset {
            url: url::Url::parse(&format!("http://h{path}")).expect("URL"),
            expect: Expect::Any,
            found_in: Vec::new(),
            via: "static dir",
            size_on_disk: None,
            by_browser: false,
        };
        let small: Vec<Asset> = (0..10).map(|i| asset(format!("/{i}.css"))).collect();
        let (sample, outcome) = conformance_sample(&small, &table);
        assert_eq!(
            sample.len(),
            10,
            "a small site gets the table on every asset"
        );
        assert!(outcome.is_none());

        let large: Vec<Asset> = (0..400)
            .map(|i| asset(format!("/{i}.png")))
            .chain((0..5).map(|i| asset(format!("/{i}.css"))))
            .collect();
        let (sample, outcome) = conformance_sample(&large, &table);
        let pngs = sample.iter().filter(|&&i| i < 400).count();
        assert_eq!(pngs, table.sample_per_type);
        assert_eq!(
            sample.len(),
            table.sample_per_type + 5,
            "every .css, 20 .png"
        );
        let outcome = outcome.expect("the sample is reported");
        assert_eq!(outcome.name, "conformance sample");
        assert_eq!(
            outcome.location,
            "25 of 405 assets (2 file types, at most 20 of each)"
        );
        Ok(())
    }

    fn fetched(status: u16, headers: &[(HeaderName, &str)], body: &[u8]) -> Fetched {
        Fetched::canned(status, headers, body)
    }

    #[test]
    fn length_needs_a_content_length_that_matches_body_and_disk() {
        let ok = fetched(200, &[(CONTENT_LENGTH, "3")], b"abc");
        assert_eq!(length_verdict(&ok, Some(3)), Verdict::Pass);
        assert_eq!(length_verdict(&ok, None), Verdict::Pass);

        let chunked = fetched(200, &[], b"abc");
        assert_eq!(
            length_verdict(&chunked, None),
            Verdict::Fail {
                expected: "Content-Length == body length".into(),
                seen: "no Content-Length header, body 3 bytes".into(),
            }
        );
        let garbled = fetched(200, &[(CONTENT_LENGTH, "three")], b"abc");
        assert!(!length_verdict(&garbled, None).passed());
        assert!(!length_verdict(&ok, Some(4)).passed());
    }

    #[test]
    fn head_must_match_the_get_headers_and_carry_no_body() {
        let get = fetched(
            200,
            &[(CONTENT_TYPE, "text/css"), (CONTENT_LENGTH, "3")],
            b"a{}",
        );
        let head = fetched(
            200,
            &[(CONTENT_TYPE, "text/css"), (CONTENT_LENGTH, "3")],
            b"",
        );
        assert_eq!(head_verdict(&get, &head), Verdict::Pass);
        let wrong_type = fetched(
            200,
            &[(CONTENT_TYPE, "text/plain"), (CONTENT_LENGTH, "3")],
            b"",
        );
        assert!(!head_verdict(&get, &wrong_type).passed());
        let not_allowed = fetched(
            405,
            &[(CONTENT_TYPE, "text/css"), (CONTENT_LENGTH, "3")],
            b"",
        );
        assert_eq!(
            head_verdict(&get, &not_allowed),
            Verdict::Fail {
                expected:
                    "status 200, Content-Type text/css, Content-Length 3, empty body (as the GET)"
                        .into(),
                seen: "status 405, Content-Type text/css, Content-Length 3, body 0 bytes".into(),
            }
        );
    }

    #[test]
    fn range_wants_206_the_first_bytes_and_a_content_range() {
        let get = fetched(200, &[], b"0123456789abcdef");
        let good = fetched(206, &[(CONTENT_RANGE, "bytes 0-9/16")], b"0123456789");
        assert_eq!(range_verdict(&get, &good, Severity::Must), Verdict::Pass);
        let unknown_total = fetched(206, &[(CONTENT_RANGE, "bytes 0-9/*")], b"0123456789");
        assert_eq!(
            range_verdict(&get, &unknown_total, Severity::Must),
            Verdict::Pass
        );
        let wrong_bytes = fetched(206, &[(CONTENT_RANGE, "bytes 0-9/16")], b"6789abcdef");
        assert_eq!(
            range_verdict(&get, &wrong_bytes, Severity::Must),
            Verdict::Fail {
                expected: "status 206, 10 bytes, Content-Range bytes 0-9/16 (RFC 9110 §14.2)"
                    .into(),
                seen: "status 206, 10 bytes (not the first bytes of the file), Content-Range bytes 0-9/16".into(),
            }
        );
        let no_header = fetched(206, &[], b"0123456789");
        assert!(!range_verdict(&get, &no_header, Severity::Must).passed());

        let short = fetched(200, &[], b"abc");
        let whole = fetched(206, &[(CONTENT_RANGE, "bytes 0-2/3")], b"abc");
        assert_eq!(range_verdict(&short, &whole, Severity::Must), Verdict::Pass);

        // A server without Range support answers 200 with the whole file: it weighs as
        // the caller says; a 200 with other bytes always fails.
        let ignored = fetched(200, &[], b"0123456789abcdef");
        assert!(range_verdict(&get, &ignored, Severity::May).warned());
        assert!(!range_verdict(&get, &ignored, Severity::Must).passed());
        let truncated = fetched(200, &[], b"0123");
        assert!(!range_verdict(&get, &truncated, Severity::May).passed());
    }
}
