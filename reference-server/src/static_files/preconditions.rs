//! Conditional requests (RFC 9110 §13) against one strong `ETag` and one
//! `Last-Modified` per file, the same pair every response carries.
//!
//! The `headers` crate parses the fields and compares tags (strong for `If-Match`
//! and `If-Range`, weak for `If-None-Match`); two rules are ours:
//! - `IfRange::is_modified` treats any date at or after `Last-Modified` as a match;
//!   §13.1.5 matches only the exact `Last-Modified`, and only when it is a strong
//!   validator (§8.8.2.2: the file was last written at least a second ago);
//! - a field that does not parse at all: `If-Match` then fails (nothing matches it),
//!   `If-None-Match` matches nothing, `If-Range` is false (the whole file is sent), and
//!   unparseable `If-Modified-Since`/`If-Unmodified-Since` are ignored (§13.1.3/4).
//!
//! `httpdate` panics on times before 1970 or after 9999, so a file's time outside that
//! span gives it no `Last-Modified` (and no `ETag`): date conditions are then ignored,
//! as §13.1.3/4 say for a resource without a modification date.

use std::fs::Metadata;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use headers::{
    ETag, HeaderMapExt, IfMatch, IfModifiedSince, IfNoneMatch, IfRange, IfUnmodifiedSince,
    LastModified,
};
use http::HeaderMap;

/// The first instant `httpdate` cannot format (year 10000).
const END_OF_HTTP_DATES: Duration = Duration::from_secs(253_402_300_800);

/// A file's validators, computed once per request from its metadata.
#[derive(Debug, Clone)]
pub(crate) struct Validators {
    /// Strong: modification time to the nanosecond and size, like nginx's
    /// `"mtime-size"` but finer, so two writes within a second still differ.
    pub(crate) etag: Option<ETag>,
    /// The modification time, never later than now (§8.8.2.1).
    pub(crate) last_modified: Option<SystemTime>,
    /// Whether `last_modified` is a strong validator (§8.8.2.2): at least a second old,
    /// so no second write can hide inside the same second.
    date_is_strong: bool,
}

impl Validators {
    /// The validators of a file with `metadata`, as of `now`.
    pub(crate) fn new(metadata: &Metadata, now: SystemTime) -> Self {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .filter(|since_epoch| *since_epoch < END_OF_HTTP_DATES);
        let Some(since_epoch) = modified else {
            return Self {
                etag: None,
                last_modified: None,
                date_is_strong: false,
            };
        };
        let etag = format!(
            "\"{:x}.{:x}-{:x}\"",
            since_epoch.as_secs(),
            since_epoch.subsec_nanos(),
            metadata.len()
        )
        .parse::<ETag>()
        .ok();
        let modified = UNIX_EPOCH + since_epoch;
        Self {
            etag,
            last_modified: Some(modified.min(now)),
            date_is_strong: now
                .duration_since(modified)
                .is_ok_and(|age| age >= Duration::from_secs(1)),
        }
    }

    /// Whether these validators no longer depend on the time they were computed at:
    /// the file is at least a second old, so `Last-Modified` is its modification
    /// time and strong from now on.
    pub(crate) fn is_settled(&self) -> bool {
        self.date_is_strong
    }

    /// The `Last-Modified` header, when the file has one.
    pub(crate) fn last_modified_header(&self) -> Option<LastModified> {
        self.last_modified.map(LastModified::from)
    }
}

/// What the preconditions decide before any `Range` is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Serve the file (200, or 206 when `Range` and `If-Range` allow).
    Proceed,
    /// 304: the client's copy is current.
    NotModified,
    /// 412: `If-Match` or `If-Unmodified-Since` failed.
    Failed,
}

/// Evaluates the preconditions of a GET or HEAD in the order of §13.2.2.
pub(crate) fn evaluate(headers: &HeaderMap, validators: &Validators) -> Verdict {
    // 1. If-Match; 2. If-Unmodified-Since, only without If-Match.
    if headers.contains_key(http::header::IF_MATCH) {
        if !if_match_passes(headers, validators) {
            return Verdict::Failed;
        }
    } else if let (Ok(Some(since)), Some(modified)) = (
        headers.typed_try_get::<IfUnmodifiedSince>(),
        validators.last_modified,
    ) && !since.precondition_passes(modified)
    {
        return Verdict::Failed;
    }
    // 3. If-None-Match; 4. If-Modified-Since, only without If-None-Match.
    if headers.contains_key(http::header::IF_NONE_MATCH) {
        if !if_none_match_passes(headers, validators) {
            return Verdict::NotModified;
        }
    } else if let (Ok(Some(since)), Some(modified)) = (
        headers.typed_try_get::<IfModifiedSince>(),
        validators.last_modified,
    ) && !since.is_modified(modified)
    {
        return Verdict::NotModified;
    }
    Verdict::Proceed
}

/// §13.1.1: `*` matches any existing file; otherwise a listed tag must match strongly.
fn if_match_passes(headers: &HeaderMap, validators: &Validators) -> bool {
    match headers.typed_try_get::<IfMatch>() {
        Ok(Some(condition)) if condition.is_any() => true,
        Ok(Some(condition)) => validators
            .etag
            .as_ref()
            .is_some_and(|etag| condition.precondition_passes(etag)),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// §13.1.2: false when `*` or any listed tag matches weakly.
fn if_none_match_passes(headers: &HeaderMap, validators: &Validators) -> bool {
    match headers.typed_try_get::<IfNoneMatch>() {
        Ok(Some(condition)) if condition == IfNoneMatch::any() => false,
        Ok(Some(condition)) => validators
            .etag
            .as_ref()
            .is_none_or(|etag| condition.precondition_passes(etag)),
        Ok(None) | Err(_) => true,
    }
}

/// §13.1.5: whether a `Range` may be honoured. True without `If-Range`; with one, only
/// when its tag matches strongly or its date is exactly a strong `Last-Modified`.
pub(crate) fn if_range_holds(headers: &HeaderMap, validators: &Validators) -> bool {
    if !headers.contains_key(http::header::IF_RANGE) {
        return true;
    }
    let Ok(Some(condition)) = headers.typed_try_get::<IfRange>() else {
        return false;
    };
    // With no Last-Modified passed, a date never counts as unmodified here: dates are
    // compared below, by equality, not by the crate's "not after" rule.
    let tag_matches = validators
        .etag
        .as_ref()
        .is_some_and(|etag| !condition.is_modified(Some(etag), None));
    let date_matches = validators.date_is_strong
        && validators
            .last_modified
            .is_some_and(|modified| condition == IfRange::date(modified));
    tag_matches || date_matches
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";
    const BEFORE: &str = "Wed, 21 Oct 2015 07:27:59 GMT";
    const AFTER: &str = "Wed, 21 Oct 2015 07:28:01 GMT";
    const TAG: &str = "\"5627aa.0-1a4a\"";

    fn validators() -> Validators {
        let modified = httpdate::parse_http_date(MODIFIED).expect("date");
        Validators {
            etag: Some(TAG.parse().expect("tag")),
            last_modified: Some(modified),
            date_is_strong: true,
        }
    }

    fn headers(fields: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in fields {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn verdict(fields: &[(&'static str, &'static str)]) -> Verdict {
        evaluate(&headers(fields), &validators())
    }

    /// Every one of `values`, sent as the request's only condition `name`, gets
    /// `expected`.
    fn assert_alone(name: &'static str, expected: Verdict, values: &[&'static str]) {
        for value in values {
            assert_eq!(verdict(&[(name, value)]), expected, "{name}: {value}");
        }
    }

    #[test]
    fn if_match_compares_strongly() {
        assert_alone(
            "if-match",
            Verdict::Proceed,
            &[TAG, "*", "\"x\", \"5627aa.0-1a4a\""],
        );
        assert_alone(
            "if-match",
            Verdict::Failed,
            &["\"nope\"", "W/\"5627aa.0-1a4a\"", "nope", ""],
        );
    }

    #[test]
    fn if_match_lines_combine() {
        let fields = [("if-match", "\"a\""), ("if-match", TAG)];
        assert_eq!(verdict(&fields), Verdict::Proceed);
    }

    #[test]
    fn if_unmodified_since_is_ignored_beside_if_match_or_when_invalid() {
        assert_alone("if-unmodified-since", Verdict::Failed, &[BEFORE]);
        assert_alone(
            "if-unmodified-since",
            Verdict::Proceed,
            &[MODIFIED, AFTER, "yesterday"],
        );
        assert_eq!(
            verdict(&[("if-match", TAG), ("if-unmodified-since", BEFORE)]),
            Verdict::Proceed
        );
    }

    #[test]
    fn if_none_match_compares_weakly() {
        assert_alone(
            "if-none-match",
            Verdict::NotModified,
            &[
                TAG,
                "W/\"5627aa.0-1a4a\"",
                "*",
                "\"a\", W/\"5627aa.0-1a4a\"",
            ],
        );
        assert_alone("if-none-match", Verdict::Proceed, &["\"nope\"", "nope"]);
    }

    #[test]
    fn if_modified_since_is_ignored_beside_if_none_match_or_when_invalid() {
        assert_alone(
            "if-modified-since",
            Verdict::NotModified,
            &[MODIFIED, AFTER],
        );
        assert_alone("if-modified-since", Verdict::Proceed, &[BEFORE, "soon"]);
        assert_eq!(
            verdict(&[
                ("if-modified-since", MODIFIED),
                ("if-modified-since", MODIFIED)
            ]),
            Verdict::Proceed,
            "more than one member: ignored"
        );
        assert_eq!(
            verdict(&[
                ("if-none-match", "\"nope\""),
                ("if-modified-since", MODIFIED)
            ]),
            Verdict::Proceed
        );
    }

    #[test]
    fn order_is_that_of_section_13_2_2() {
        // A failed If-Match wins over a matching If-None-Match.
        assert_eq!(
            verdict(&[("if-match", "\"nope\""), ("if-none-match", TAG)]),
            Verdict::Failed
        );
        assert_eq!(
            verdict(&[
                ("if-unmodified-since", BEFORE),
                ("if-modified-since", MODIFIED)
            ]),
            Verdict::Failed
        );
        assert_eq!(
            verdict(&[("if-match", TAG), ("if-none-match", TAG)]),
            Verdict::NotModified
        );
    }

    #[test]
    fn if_range_matches_a_strong_tag_or_the_exact_date() {
        let holds = |fields| if_range_holds(&headers(fields), &validators());
        assert!(holds(&[]));
        assert!(holds(&[("if-range", TAG)]));
        assert!(holds(&[("if-range", MODIFIED)]));
        assert!(!holds(&[("if-range", "W/\"5627aa.0-1a4a\"")]));
        assert!(!holds(&[("if-range", "\"other-etag\"")]));
        assert!(!holds(&[("if-range", BEFORE)]));
        assert!(!holds(&[("if-range", AFTER)]));
        assert!(!holds(&[("if-range", "garbage")]));
    }

    #[test]
    fn if_range_date_needs_a_strong_last_modified() {
        let weak = Validators {
            date_is_strong: false,
            ..validators()
        };
        assert!(!if_range_holds(&headers(&[("if-range", MODIFIED)]), &weak));
        assert!(if_range_holds(&headers(&[("if-range", TAG)]), &weak));
    }

    #[test]
    fn without_validators_tags_never_match_and_dates_are_ignored() {
        let none = Validators {
            etag: None,
            last_modified: None,
            date_is_strong: false,
        };
        let check = |fields| evaluate(&headers(fields), &none);
        assert_eq!(check(&[("if-match", "\"x\"")]), Verdict::Failed);
        assert_eq!(check(&[("if-match", "*")]), Verdict::Proceed);
        assert_eq!(check(&[("if-none-match", "*")]), Verdict::NotModified);
        assert_eq!(check(&[("if-none-match", "\"x\"")]), Verdict::Proceed);
        assert_eq!(check(&[("if-unmodified-since", BEFORE)]), Verdict::Proceed);
        assert_eq!(check(&[("if-modified-since", AFTER)]), Verdict::Proceed);
        assert!(!if_range_holds(&headers(&[("if-range", MODIFIED)]), &none));
    }

    #[test]
    fn validators_come_from_the_files_time_and_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").expect("write");
        let at = UNIX_EPOCH + Duration::new(1_445_412_480, 5);
        let file = std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("open");
        file.set_modified(at).expect("set mtime");
        let metadata = std::fs::metadata(&path).expect("stat");

        let v = Validators::new(&metadata, at + Duration::from_secs(60));
        let etag = v.etag.clone().expect("etag");
        assert!(!etag.is_weak());
        let mut map = HeaderMap::new();
        map.typed_insert(etag);
        assert_eq!(map["etag"], "\"56273e80.5-a\"");
        assert_eq!(v.last_modified, Some(at));
        assert!(v.date_is_strong);

        let fresh = Validators::new(&metadata, at + Duration::from_millis(500));
        assert!(!fresh.date_is_strong, "written within the last second");
        let past = Validators::new(&metadata, at - Duration::from_secs(60));
        assert_eq!(
            past.last_modified,
            Some(at - Duration::from_secs(60)),
            "a future mtime is clamped to now"
        );

        file.set_modified(UNIX_EPOCH - Duration::from_secs(1))
            .expect("set mtime");
        let before_1970 = Validators::new(&std::fs::metadata(&path).expect("stat"), at);
        assert!(before_1970.etag.is_none() && before_1970.last_modified.is_none());
    }

    // What `headers::IfRange` does with a date: if this starts failing, the crate's
    // rule changed and the equality check above could go.
    #[test]
    fn headers_crate_takes_a_later_if_range_date_as_a_match() {
        let condition = headers(&[("if-range", AFTER)])
            .typed_get::<IfRange>()
            .expect("parses");
        let modified = LastModified::from(validators().last_modified.expect("date"));
        assert!(!condition.is_modified(None, Some(&modified)));
    }
}
