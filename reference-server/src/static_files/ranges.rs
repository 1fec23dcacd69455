//! `Range: bytes=...` (RFC 9110 §14): which bytes of the file a GET answers with.
//!
//! Parsed here rather than with `headers::Range`, which gets four rules wrong for a
//! server (see the `headers_crate_*` tests below): it drops a suffix range longer
//! than the file (§14.1.3: the whole file), yields nothing for `bytes=` (malformed, so
//! ignored: 200, not 416), skips invalid specs instead of ignoring the header, and
//! refuses `Bytes=` (units are case-insensitive, §14.1).
//!
//! Rules, in order:
//! - a unit other than `bytes`, a malformed set (`bytes=`, `bytes=a-b`, `bytes=5-2`,
//!   `bytes=+1-2`) or more than one `Range` field line: ignored, 200 (§14.2);
//! - more than [`MAX_RANGES`] specs: ignored, 200 (like nginx's `max_ranges`);
//! - no satisfiable spec: 416 with `Content-Range: bytes */SIZE`;
//! - one satisfiable spec: 206 with that range (the unsatisfiable ones are dropped);
//! - several: 206 `multipart/byteranges`, parts in the order asked (§14.6), when no
//!   two of them share a byte; overlapping ranges get 200 with the whole file (§14.2
//!   allows ignoring them). With at most 16 disjoint ranges, no request makes the
//!   server send more than the file's size plus the part headers;
//! - an empty file: only a suffix range with a non-zero length is satisfiable
//!   (§14.1.1), and no 206 can carry zero bytes (`Content-Range` has no empty form), so
//!   that answers 200 with the empty body; any other range on it is 416 `bytes */0`.

use bytes::Bytes;
use http::HeaderValue;

use super::body::Piece;

/// Most byte ranges one request may ask for before its `Range` is ignored (200).
pub(crate) const MAX_RANGES: usize = 16;

/// One satisfiable range, both ends inclusive as in `Content-Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteRange {
    /// First byte sent.
    pub(crate) first: u64,
    /// Last byte sent (inclusive).
    pub(crate) last: u64,
}

impl ByteRange {
    /// How many bytes the range holds.
    pub(crate) fn len(self) -> u64 {
        self.last - self.first + 1
    }

    /// The `Content-Range` value for this range of a `size`-byte file.
    pub(crate) fn content_range(self, size: u64) -> String {
        format!("bytes {}-{}/{size}", self.first, self.last)
    }

    /// The piece of the file the body streams for this range.
    pub(crate) fn piece(self) -> Piece {
        Piece::File {
            start: self.first,
            len: self.len(),
        }
    }
}

/// What a request's `Range` fields ask of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// No usable `Range`: 200 with the whole file.
    Whole,
    /// 206 with one range.
    Single(ByteRange),
    /// 206 `multipart/byteranges`, ranges disjoint, in the order asked.
    Multiple(Vec<ByteRange>),
    /// 416: nothing asked for exists.
    Unsatisfiable,
}

/// One `range-spec` of a `bytes` range set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `first-last` or `first-`.
    From { first: u64, last: Option<u64> },
    /// `-length`: the last `length` bytes.
    Suffix(u64),
}

/// The plan for the `Range` field lines `values` against a file of `size` bytes.
pub(crate) fn plan<'a>(values: impl IntoIterator<Item = &'a HeaderValue>, size: u64) -> Plan {
    let mut values = values.into_iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        // Absent, or repeated (a Range is one field value, not a list).
        return Plan::Whole;
    };
    let Some(specs) = value.to_str().ok().and_then(parse) else {
        return Plan::Whole;
    };
    if specs.len() > MAX_RANGES {
        return Plan::Whole;
    }
    if size == 0 {
        let satisfiable = specs.iter().any(|s| matches!(s, Spec::Suffix(n) if *n > 0));
        return if satisfiable {
            Plan::Whole
        } else {
            Plan::Unsatisfiable
        };
    }
    let ranges: Vec<ByteRange> = specs.iter().filter_map(|s| resolve(*s, size)).collect();
    match ranges.as_slice() {
        [] => Plan::Unsatisfiable,
        [one] => Plan::Single(*one),
        _ if disjoint(&ranges) => Plan::Multiple(ranges),
        _ => Plan::Whole,
    }
}

/// Whether no byte belongs to two of `ranges`.
fn disjoint(ranges: &[ByteRange]) -> bool {
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable_by_key(|r| r.first);
    sorted.windows(2).all(|w| w[0].last < w[1].first)
}

/// The satisfiable part of `spec` in a non-empty file of `size` bytes (§14.1.1:
/// `last` past the end is clamped; a suffix longer than the file is the whole file).
fn resolve(spec: Spec, size: u64) -> Option<ByteRange> {
    let last = size - 1;
    match spec {
        Spec::From { first, .. } if first >= size => None,
        Spec::From { first, last: end } => Some(ByteRange {
            first,
            last: end.map_or(last, |end| end.min(last)),
        }),
        Spec::Suffix(0) => None,
        Spec::Suffix(n) => Some(ByteRange {
            first: size - n.min(size),
            last,
        }),
    }
}

/// `bytes=1#range-spec` (unit case-insensitive, empty list elements skipped), or `None`
/// when the value is anything else, which the caller ignores.
fn parse(value: &str) -> Option<Vec<Spec>> {
    let (unit, set) = value.trim().split_once('=')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let specs = set
        .split(',')
        .map(|element| element.trim_matches([' ', '\t']))
        .filter(|element| !element.is_empty())
        .map(spec)
        .collect::<Option<Vec<_>>>()?;
    (!specs.is_empty()).then_some(specs)
}

/// `first-pos "-" [last-pos]` or `"-" suffix-length`; `None` when invalid, including
/// a last position before the first (§14.1.1).
fn spec(text: &str) -> Option<Spec> {
    let (first, last) = text.split_once('-')?;
    if first.is_empty() {
        return digits(last).map(Spec::Suffix);
    }
    let first = digits(first)?;
    let last = if last.is_empty() {
        None
    } else {
        Some(digits(last)?)
    };
    if last.is_some_and(|last| last < first) {
        return None;
    }
    Some(Spec::From { first, last })
}

/// `1*DIGIT`, saturating: a position past `u64::MAX` is still past the end of any file.
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

/// A `multipart/byteranges` body (§14.6): one part per range, each with its own
/// `Content-Type` and `Content-Range`, its exact length known before the first byte.
#[derive(Debug)]
pub(crate) struct Multipart {
    boundary: String,
    pieces: Vec<Piece>,
}

impl Multipart {
    /// The parts for `ranges` of a `size`-byte file of type `part_type`, separated by a
    /// random boundary (a file cannot hold it by accident: 128 random bits).
    pub(crate) fn new(ranges: &[ByteRange], part_type: &str, size: u64) -> Self {
        let boundary = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        Self::with_boundary(boundary, ranges, part_type, size)
    }

    fn with_boundary(boundary: String, ranges: &[ByteRange], part_type: &str, size: u64) -> Self {
        let mut pieces = Vec::with_capacity(ranges.len() * 2 + 1);
        for (i, range) in ranges.iter().enumerate() {
            let separator = if i == 0 { "" } else { "\r\n" };
            let head = format!(
                "{separator}--{boundary}\r\nContent-Type: {part_type}\r\n\
                 Content-Range: {}\r\n\r\n",
                range.content_range(size)
            );
            pieces.push(Piece::Literal(Bytes::from(head)));
            pieces.push(range.piece());
        }
        pieces.push(Piece::Literal(Bytes::from(format!(
            "\r\n--{boundary}--\r\n"
        ))));
        Self { boundary, pieces }
    }

    /// The response's `Content-Type`, naming the boundary.
    pub(crate) fn content_type(&self) -> String {
        format!("multipart/byteranges; boundary={}", self.boundary)
    }

    /// The exact length of the whole body.
    pub(crate) fn content_length(&self) -> u64 {
        self.pieces.iter().map(Piece::len).sum()
    }

    /// What the body streams, in order.
    pub(crate) fn into_pieces(self) -> Vec<Piece> {
        self.pieces
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Bound;

    use headers::HeaderMapExt;
    use http::HeaderMap;

    use super::*;

    fn plan_of(value: &str, size: u64) -> Plan {
        plan([&HeaderValue::from_str(value).expect("value")], size)
    }

    fn range(first: u64, last: u64) -> ByteRange {
        ByteRange { first, last }
    }

    #[test]
    fn single_open_and_suffix_ranges() {
        assert_eq!(plan_of("bytes=0-9", 100), Plan::Single(range(0, 9)));
        assert_eq!(plan_of("bytes=90-", 100), Plan::Single(range(90, 99)));
        assert_eq!(plan_of("bytes=-10", 100), Plan::Single(range(90, 99)));
        assert_eq!(plan_of("bytes=99-99", 100), Plan::Single(range(99, 99)));
        assert_eq!(plan_of("Bytes=0-0", 100), Plan::Single(range(0, 0)));
        assert_eq!(plan_of(" bytes=0-1 ", 100), Plan::Single(range(0, 1)));
    }

    #[test]
    fn ends_past_the_file_are_clamped() {
        assert_eq!(plan_of("bytes=50-1000", 100), Plan::Single(range(50, 99)));
        assert_eq!(plan_of("bytes=-1000", 100), Plan::Single(range(0, 99)));
        assert_eq!(
            plan_of("bytes=0-99999999999999999999999", 100),
            Plan::Single(range(0, 99))
        );
    }

    #[test]
    fn nothing_satisfiable_is_416() {
        for value in [
            "bytes=100-",
            "bytes=100-200",
            "bytes=-0",
            "bytes=100-,-0",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(plan_of(value, 100), Plan::Unsatisfiable, "{value}");
        }
    }

    #[test]
    fn malformed_or_foreign_ranges_are_ignored() {
        for value in [
            "bytes=",
            "bytes= ",
            "bytes=,",
            "items=0-9",
            "bytes",
            "bytes=a-b",
            "bytes=5-2",
            "bytes=+1-2",
            "bytes=0-1,x",
            "bytes=0 -1",
            "bytes=--1",
            "bytes=1",
            "bytes 0-1",
            "=0-1",
        ] {
            assert_eq!(plan_of(value, 100), Plan::Whole, "{value}");
        }
    }

    #[test]
    fn repeated_range_fields_are_ignored() {
        let a = HeaderValue::from_static("bytes=0-1");
        let b = HeaderValue::from_static("bytes=2-3");
        assert_eq!(plan([&a, &b], 100), Plan::Whole);
        assert_eq!(plan([], 100), Plan::Whole);
    }

    #[test]
    fn several_disjoint_ranges_keep_their_order() {
        assert_eq!(
            plan_of("bytes=0-4,10-14", 100),
            Plan::Multiple(vec![range(0, 4), range(10, 14)])
        );
        assert_eq!(
            plan_of("bytes=0-4, ,5-9,\t-5", 100),
            Plan::Multiple(vec![range(0, 4), range(5, 9), range(95, 99)])
        );
        assert_eq!(
            plan_of("bytes=0-9, -10, 10-19", 100),
            Plan::Multiple(vec![range(0, 9), range(90, 99), range(10, 19)])
        );
    }

    #[test]
    fn overlapping_ranges_get_the_whole_file() {
        for value in [
            "bytes=0-9,5-14",
            "bytes=10-14,0-10",
            "bytes=0-4,0-4",
            "bytes=0-,-1",
            "bytes=0-,1-,2-,3-,4-",
            "bytes=50-60,0-9,55-55",
        ] {
            assert_eq!(plan_of(value, 100), Plan::Whole, "{value}");
        }
    }

    #[test]
    fn unsatisfiable_members_of_a_set_are_dropped() {
        assert_eq!(plan_of("bytes=0-4,500-", 100), Plan::Single(range(0, 4)));
        assert_eq!(
            plan_of("bytes=-0,0-4,200-300,6-7", 100),
            Plan::Multiple(vec![range(0, 4), range(6, 7)])
        );
    }

    #[test]
    fn more_than_max_ranges_are_ignored() {
        let specs = |n: u64| {
            (0..n)
                .map(|i| format!("{}-{}", i * 2, i * 2))
                .collect::<Vec<_>>()
                .join(",")
        };
        let at_limit = plan_of(&format!("bytes={}", specs(16)), 100);
        assert!(matches!(at_limit, Plan::Multiple(r) if r.len() == MAX_RANGES));
        assert_eq!(plan_of(&format!("bytes={}", specs(17)), 100), Plan::Whole);
    }

    #[test]
    fn empty_file_only_takes_a_non_zero_suffix_and_answers_whole() {
        assert_eq!(plan_of("bytes=-5", 0), Plan::Whole);
        assert_eq!(plan_of("bytes=0-,-1", 0), Plan::Whole);
        for value in ["bytes=0-", "bytes=0-0", "bytes=-0", "bytes=1-2"] {
            assert_eq!(plan_of(value, 0), Plan::Unsatisfiable, "{value}");
        }
        assert_eq!(plan_of("items=0-", 0), Plan::Whole);
    }

    #[test]
    fn multipart_length_counts_every_byte() {
        let parts =
            Multipart::with_boundary("B".into(), &[range(0, 1), range(5, 7)], "text/css", 10);
        assert_eq!(parts.content_type(), "multipart/byteranges; boundary=B");
        let heads: Vec<String> = parts
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Literal(b) => Some(String::from_utf8_lossy(b).into_owned()),
                Piece::File { .. } => None,
            })
            .collect();
        assert_eq!(
            heads,
            [
                "--B\r\nContent-Type: text/css\r\nContent-Range: bytes 0-1/10\r\n\r\n",
                "\r\n--B\r\nContent-Type: text/css\r\nContent-Range: bytes 5-7/10\r\n\r\n",
                "\r\n--B--\r\n",
            ]
        );
        let literal: u64 = heads.iter().map(|h| h.len() as u64).sum();
        assert_eq!(parts.content_length(), literal + 2 + 3);
        let boundary = Multipart::new(&[range(0, 1)], "text/css", 10).boundary;
        assert_eq!(boundary.len(), 32);
    }

    // What `headers::Range` does with the cases this module handles itself: if one
    // of these starts failing, the crate changed and could be used again.

    fn headers_range(value: &'static str) -> Option<headers::Range> {
        let mut map = HeaderMap::new();
        map.insert(http::header::RANGE, HeaderValue::from_static(value));
        map.typed_get::<headers::Range>()
    }

    #[test]
    fn headers_crate_drops_a_suffix_longer_than_the_file() {
        let range = headers_range("bytes=-500").expect("parses");
        assert_eq!(range.satisfiable_ranges(100).count(), 0);
    }

    #[test]
    fn headers_crate_accepts_an_empty_range_set_and_yields_nothing() {
        let range = headers_range("bytes=").expect("parses");
        assert_eq!(range.satisfiable_ranges(100).count(), 0);
    }

    #[test]
    fn headers_crate_keeps_invalid_and_unsatisfiable_specs() {
        let range = headers_range("bytes=5-2,x,200-").expect("parses");
        let got: Vec<_> = range.satisfiable_ranges(100).collect();
        assert_eq!(
            got,
            [
                (Bound::Included(5), Bound::Included(2)),
                (Bound::Included(200), Bound::Unbounded)
            ]
        );
    }

    #[test]
    fn headers_crate_refuses_a_capitalised_unit() {
        assert!(headers_range("Bytes=0-1").is_none());
    }
}
