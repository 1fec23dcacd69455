//! The answers a row allows, and whether a response is one of them, byte for byte.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE, ETAG, HeaderMap};

use crate::assets::fetch::Fetched;

/// One allowed answer, its offsets already filled in for the asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// `200 whole`: the whole file, as if the row's headers were absent.
    Whole,
    /// `206 A-B`: bytes `A..=B`.
    Partial(u64, u64),
    /// `206 multipart A-B,C-D`: those parts, in order.
    Multipart(Vec<(u64, u64)>),
    /// `304`.
    NotModified,
    /// `412`.
    PreconditionFailed,
    /// `416`.
    NotSatisfiable,
}

impl Answer {
    /// Parses `200 whole`, `206 0-4`, `206 multipart 0-1,5-8`, `304`, `412`, `416`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        Ok(match words.as_slice() {
            ["200", "whole"] => Self::Whole,
            ["206", "multipart", parts] => {
                Self::Multipart(parts.split(',').map(span).collect::<Result<Vec<_>, _>>()?)
            }
            ["206", part] => {
                let (first, last) = span(part)?;
                Self::Partial(first, last)
            }
            ["304"] => Self::NotModified,
            ["412"] => Self::PreconditionFailed,
            ["416"] => Self::NotSatisfiable,
            _ => {
                return Err(
                    "expected `200 whole`, `206 A-B`, `206 multipart A-B,C-D`, `304`, `412` \
                     or `416`"
                        .into(),
                );
            }
        })
    }

    /// Whether `got` is this answer for a file whose plain GET was `plain`: `Err` says
    /// how it differs.
    pub(crate) fn check(&self, plain: &Fetched, got: &Fetched) -> Result<(), String> {
        let file = &plain.body;
        let size = file.len() as u64;
        let status = |want: StatusCode| {
            if got.status == want {
                Ok(())
            } else {
                Err(format!(
                    "status {} instead of {}",
                    got.status.as_u16(),
                    want.as_u16()
                ))
            }
        };
        match self {
            Self::Whole => {
                status(StatusCode::OK)?;
                if let Some(range) = got.header(CONTENT_RANGE) {
                    return Err(format!("a 200 with Content-Range {range}"));
                }
                same_bytes(&got.body, file, "the whole file")
            }
            Self::Partial(first, last) => {
                status(StatusCode::PARTIAL_CONTENT)?;
                carries_validators(plain, got)?;
                if got.header(CONTENT_TYPE).is_some_and(is_multipart) {
                    return Err("multipart/byteranges for a single range".into());
                }
                content_range(got.header(CONTENT_RANGE), *first, *last, size)?;
                same_bytes(&got.body, slice(file, *first, *last), "the range's bytes")
            }
            Self::Multipart(parts) => {
                status(StatusCode::PARTIAL_CONTENT)?;
                carries_validators(plain, got)?;
                let boundary = got.header(CONTENT_TYPE).and_then(boundary).ok_or_else(|| {
                    format!(
                        "Content-Type {} instead of multipart/byteranges with a boundary",
                        got.header(CONTENT_TYPE).unwrap_or("(none)")
                    )
                })?;
                let found = split_parts(&got.body, &boundary)?;
                if found.len() != parts.len() {
                    return Err(format!("{} parts instead of {}", found.len(), parts.len()));
                }
                for (i, ((first, last), part)) in parts.iter().zip(&found).enumerate() {
                    content_range(part.content_range.as_deref(), *first, *last, size)
                        .map_err(|e| format!("part {}: {e}", i + 1))?;
                    same_bytes(part.body, slice(file, *first, *last), "the range's bytes")
                        .map_err(|e| format!("part {}: {e}", i + 1))?;
                }
                Ok(())
            }
            Self::NotModified => {
                status(StatusCode::NOT_MODIFIED)?;
                if !got.body.is_empty() {
                    return Err(format!("a 304 with {} body bytes", got.body.len()));
                }
                carries_validators(plain, got)
            }
            Self::PreconditionFailed => status(StatusCode::PRECONDITION_FAILED),
            Self::NotSatisfiable => {
                status(StatusCode::RANGE_NOT_SATISFIABLE)?;
                match got.header(CONTENT_RANGE) {
                    Some(range) if range != format!("bytes */{size}") => Err(format!(
                        "Content-Range {range} instead of bytes */{size} (§15.5.17)"
                    )),
                    _ => Ok(()),
                }
            }
        }
    }
}

impl Answer {
    /// As the table writes it: `200 whole`, `206 0-4`, `206 multipart (2 parts)`.
    pub(crate) fn short(&self) -> String {
        match self {
            Self::Whole => "200 whole".to_owned(),
            Self::Partial(first, last) => format!("206 {first}-{last}"),
            Self::Multipart(parts) => format!("206 multipart ({} parts)", parts.len()),
            Self::NotModified => "304".to_owned(),
            Self::PreconditionFailed => "412".to_owned(),
            Self::NotSatisfiable => "416".to_owned(),
        }
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Whole => write!(f, "200 with the whole file"),
            Self::Partial(first, last) => write!(f, "206 bytes {first}-{last}"),
            Self::Multipart(parts) => {
                let parts: Vec<String> = parts.iter().map(|(a, b)| format!("{a}-{b}")).collect();
                write!(f, "206 multipart/byteranges {}", parts.join(","))
            }
            Self::NotModified => write!(f, "304"),
            Self::PreconditionFailed => write!(f, "412"),
            Self::NotSatisfiable => write!(f, "416"),
        }
    }
}

/// `first-last` as two offsets, `first <= last`.
fn span(text: &str) -> Result<(u64, u64), String> {
    let parsed = text
        .split_once('-')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    match parsed {
        Some((first, last)) if first <= last => Ok((first, last)),
        _ => Err(format!("`{text}` is not a byte span FIRST-LAST")),
    }
}

fn slice(file: &[u8], first: u64, last: u64) -> &[u8] {
    let end = usize::try_from(last.saturating_add(1)).map_or(file.len(), |e| e.min(file.len()));
    let start = usize::try_from(first).map_or(end, |s| s.min(end));
    &file[start..end]
}

fn same_bytes(got: &[u8], want: &[u8], what: &str) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    if got.len() != want.len() {
        return Err(format!(
            "{} body bytes instead of {what} ({} bytes)",
            got.len(),
            want.len()
        ));
    }
    Err(format!("{} body bytes that are not {what}", got.len()))
}

fn content_range(header: Option<&str>, first: u64, last: u64, size: u64) -> Result<(), String> {
    let want = format!("bytes {first}-{last}/{size}");
    match header {
        Some(got) if got == want || got == format!("bytes {first}-{last}/*") => Ok(()),
        Some(got) => Err(format!("Content-Range {got} instead of {want}")),
        None => Err(format!("no Content-Range (expected {want})")),
    }
}

/// A 206 or 304 MUST carry the ETag and Cache-Control a 200 would (§15.3.7, §15.4.5).
fn carries_validators(plain: &Fetched, got: &Fetched) -> Result<(), String> {
    for name in [ETAG, CACHE_CONTROL] {
        if let Some(want) = plain.header(name.clone()) {
            match got.header(name.clone()) {
                Some(value) if value == want => {}
                Some(value) => return Err(format!("{name}: {value} where the 200 sent {want}")),
                None => return Err(format!("no {name} where the 200 sent {want}")),
            }
        }
    }
    Ok(())
}

fn is_multipart(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/byteranges")
}

fn boundary(content_type: &str) -> Option<String> {
    let mime: mime_guess::mime::Mime = content_type.parse().ok()?;
    if mime.essence_str() != "multipart/byteranges" {
        return None;
    }
    mime.get_param(mime_guess::mime::BOUNDARY)
        .map(|b| b.as_str().to_owned())
}

/// One part of a multipart/byteranges body.
struct Part<'a> {
    content_range: Option<String>,
    body: &'a [u8],
}

/// Splits a multipart body (RFC 2046 §5.1.1) at `--boundary` delimiter lines.
fn split_parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut at = find(body, &delimiter, 0).ok_or("no boundary delimiter in the body")?;
    loop {
        let after = at + delimiter.len();
        if body[after..].starts_with(b"--") {
            return Ok(parts);
        }
        let headers_start = after + line_end(&body[after..]).ok_or("a delimiter without CRLF")?;
        let headers_len = find(&body[headers_start..], b"\r\n\r\n", 0)
            .map(|i| i + 4)
            .or_else(|| body[headers_start..].starts_with(b"\r\n").then_some(2))
            .ok_or("a part without the blank line after its headers")?;
        let content_start = headers_start + headers_len;
        let mut close = Vec::with_capacity(delimiter.len() + 2);
        close.extend_from_slice(b"\r\n");
        close.extend_from_slice(&delimiter);
        let next = find(body, &close, content_start).ok_or("a part without a closing delimiter")?;
        let headers = String::from_utf8_lossy(&body[headers_start..content_start]);
        let content_range = headers.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-range")
                .then(|| value.trim().to_owned())
        });
        parts.push(Part {
            content_range,
            body: &body[content_start..next],
        });
        at = next + 2;
    }
}

fn line_end(bytes: &[u8]) -> Option<usize> {
    find(bytes, b"\r\n", 0).map(|i| i + 2)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Whether a response has the same headers a GET had for the HEAD comparison.
pub(crate) fn header_differences(get: &HeaderMap, head: &HeaderMap) -> (Vec<String>, Vec<String>) {
    use reqwest::header::{CONTENT_LENGTH, LAST_MODIFIED};
    let mut different = Vec::new();
    let mut missing = Vec::new();
    // Each multipart answer may pick its own boundary (and so its own length).
    let multipart = |headers: &HeaderMap| {
        headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_multipart)
    };
    let both_multipart = multipart(get) && multipart(head);
    for name in [
        CONTENT_TYPE,
        CONTENT_LENGTH,
        ETAG,
        LAST_MODIFIED,
        CONTENT_RANGE,
    ] {
        if both_multipart && (name == CONTENT_TYPE || name == CONTENT_LENGTH) {
            continue;
        }
        match (get.get(&name), head.get(&name)) {
            (Some(g), Some(h)) if g != h => {
                different.push(format!("{name}: {h:?} where the GET sent {g:?}"));
            }
            (Some(g), None) => missing.push(format!("no {name} where the GET sent {g:?}")),
            (None, Some(h)) => different.push(format!("{name}: {h:?} that the GET did not send")),
            _ => {}
        }
    }
    (different, missing)
}

#[cfg(test)]
mod tests {

    use super::*;

    fn fetched(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Fetched {
        Fetched::canned(status, headers, body)
    }

    const FILE: &[u8] = b"0123456789abcdef";

    #[test]
    fn answers_parse_and_refuse_the_rest() {
        assert_eq!(Answer::parse("200 whole"), Ok(Answer::Whole));
        assert_eq!(Answer::parse("206 3-7"), Ok(Answer::Partial(3, 7)));
        assert_eq!(
            Answer::parse("206 multipart 0-1,5-8"),
            Ok(Answer::Multipart(vec![(0, 1), (5, 8)]))
        );
        assert!(Answer::parse("206 7-3").is_err());
        assert!(Answer::parse("200").is_err());
    }

    #[test]
    fn a_partial_answer_needs_the_bytes_the_range_and_the_validators() {
        let plain = fetched(200, &[("etag", "\"x\"")], FILE);
        let good = fetched(
            206,
            &[("etag", "\"x\""), ("content-range", "bytes 3-7/16")],
            b"34567",
        );
        assert_eq!(Answer::Partial(3, 7).check(&plain, &good), Ok(()));
        let no_etag = fetched(206, &[("content-range", "bytes 3-7/16")], b"34567");
        assert!(
            Answer::Partial(3, 7)
                .check(&plain, &no_etag)
                .is_err_and(|e| e.contains("no etag"))
        );
        let shifted = fetched(
            206,
            &[("etag", "\"x\""), ("content-range", "bytes 3-7/16")],
            b"45678",
        );
        assert!(Answer::Partial(3, 7).check(&plain, &shifted).is_err());
        let whole = fetched(200, &[("etag", "\"x\"")], FILE);
        assert_eq!(
            Answer::Partial(3, 7).check(&plain, &whole),
            Err("status 200 instead of 206".into())
        );
        assert_eq!(Answer::Whole.check(&plain, &whole), Ok(()));
    }

    #[test]
    fn multipart_parts_are_read_and_compared() {
        let plain = fetched(200, &[], FILE);
        let body = b"\r\n--B\r\nContent-Type: text/css\r\nContent-Range: bytes 0-1/16\r\n\r\n01\
                     \r\n--B\r\nContent-Range: bytes 5-8/16\r\n\r\n5678\r\n--B--\r\n";
        let got = fetched(
            206,
            &[("content-type", "multipart/byteranges; boundary=B")],
            body,
        );
        let answer = Answer::Multipart(vec![(0, 1), (5, 8)]);
        assert_eq!(answer.check(&plain, &got), Ok(()));
        let wrong = Answer::Multipart(vec![(0, 1), (5, 9)]);
        assert!(
            wrong
                .check(&plain, &got)
                .is_err_and(|e| e.starts_with("part 2: Content-Range"))
        );
        let single = fetched(206, &[("content-type", "text/css")], b"01");
        assert!(answer.check(&plain, &single).is_err());
    }

    #[test]
    fn not_modified_has_no_body_and_unsatisfiable_names_the_size() {
        let plain = fetched(200, &[], FILE);
        assert_eq!(
            Answer::NotModified.check(&plain, &fetched(304, &[], b"")),
            Ok(())
        );
        assert!(
            Answer::NotModified
                .check(&plain, &fetched(304, &[], b"x"))
                .is_err()
        );
        let good = fetched(416, &[("content-range", "bytes */16")], b"");
        assert_eq!(Answer::NotSatisfiable.check(&plain, &good), Ok(()));
        let wrong = fetched(416, &[("content-range", "bytes */15")], b"");
        assert!(Answer::NotSatisfiable.check(&plain, &wrong).is_err());
    }
}
