//! The conformance table as data: `fixtures/http/conformance.toml`, checked when
//! loaded (every header name, placeholder and answer), so a typo in a row is an error
//! that names the row, never a check that silently passes.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderName;
use serde::Deserialize;

use super::answer::Answer;

/// The table every build carries; its file is the one users read.
const BUILTIN: &str = include_str!("../../../../fixtures/http/conformance.toml");

/// The path users read the table at, for messages.
pub(crate) const TABLE_PATH: &str = "fixtures/http/conformance.toml";

/// A row of the table that is not what the format says.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The TOML itself (or a field's type) is wrong.
    #[error("{TABLE_PATH}: {0}")]
    Toml(#[from] toml::de::Error),
    /// One row is wrong; the message names the field.
    #[error("{TABLE_PATH}: row `{id}`: {message}")]
    Row {
        /// The row's `id`.
        id: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// What a server that ignores a row's request headers is not doing; it decides how
/// much a wrong answer weighs (see the table's header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Feature {
    /// Revalidation with the validators the server sent itself: always required.
    Revalidation,
    /// The other preconditions: required when the server sends an ETag.
    Validators,
    /// Range and If-Range: required when the server sends `Accept-Ranges: bytes`.
    Range,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    sample_above: usize,
    sample_per_type: usize,
    row: Vec<RawRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    id: String,
    feature: Feature,
    rule: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    min_size: u64,
    #[serde(default)]
    strong: bool,
    #[serde(default)]
    may_ignore: bool,
    #[serde(default)]
    lenient: Option<String>,
    request: BTreeMap<String, String>,
    expect: Vec<String>,
}

/// The loaded table.
#[derive(Debug)]
pub struct Table {
    /// A site with more assets than this gets the table on a sample only.
    pub(crate) sample_above: usize,
    /// The sample's size per file type.
    pub(crate) sample_per_type: usize,
    pub(crate) rows: Vec<Row>,
}

/// One row, checked.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) feature: Feature,
    /// The RFC rule, quoted in every message about the row.
    pub(crate) rule: String,
    /// Where the case comes from (Go's or nginx's tests), for readers.
    pub(crate) source: Option<String>,
    /// Rows for smaller files are skipped (their offsets would not fit).
    pub(crate) min_size: u64,
    /// Skipped unless the asset's ETag is strong.
    pub(crate) strong: bool,
    /// Even a server that advertises the feature may answer "200 whole".
    pub(crate) may_ignore: bool,
    /// Why a wrong answer only warns, for a MUST that common servers break harmlessly.
    pub(crate) lenient: Option<String>,
    pub(crate) request: Vec<(HeaderName, Template)>,
    /// The request headers as the table writes them (`Range: bytes=-{size+100}`).
    pub(crate) request_text: String,
    pub(crate) expect: Vec<Template>,
}

/// What the asset's own plain GET said, which the placeholders stand for.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub(crate) size: u64,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<(String, SystemTime)>,
}

impl Facts {
    pub(crate) fn etag_is_strong(&self) -> bool {
        self.etag.as_deref().is_some_and(|e| !e.starts_with("W/"))
    }
}

/// A header value or answer with `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Etag,
    WeakEtag,
    LastModified,
    DateBefore,
    /// `{size}` plus an offset.
    Size(i64),
}

impl Template {
    fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("`{text}`: a `{{` without its `}}`"))?;
            let name = &rest[open + 1..open + close];
            pieces.push(placeholder(name).ok_or_else(|| {
                format!(
                    "`{text}`: unknown placeholder `{{{name}}}` (expected etag, weak_etag, \
                     last_modified, date_before, size, size-N or size+N)"
                )
            })?);
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Self(pieces))
    }

    /// The text for this asset; `None` when a placeholder has no value for it (no
    /// ETag, no Last-Modified, an offset below zero).
    pub(crate) fn render(&self, facts: &Facts) -> Option<String> {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Etag => out.push_str(facts.etag.as_deref()?),
                Piece::WeakEtag => {
                    let etag = facts.etag.as_deref()?;
                    if !etag.starts_with("W/") {
                        out.push_str("W/");
                    }
                    out.push_str(etag);
                }
                Piece::LastModified => out.push_str(&facts.last_modified.as_ref()?.0),
                Piece::DateBefore => {
                    let (_, modified) = facts.last_modified.as_ref()?;
                    let before = modified.checked_sub(Duration::from_secs(24 * 60 * 60))?;
                    out.push_str(&httpdate::fmt_http_date(before));
                }
                Piece::Size(offset) => {
                    let size = i64::try_from(facts.size).ok()?;
                    let value = size.checked_add(*offset)?;
                    out.push_str(&u64::try_from(value).ok()?.to_string());
                }
            }
        }
        Some(out)
    }
}

fn placeholder(name: &str) -> Option<Piece> {
    Some(match name {
        "etag" => Piece::Etag,
        "weak_etag" => Piece::WeakEtag,
        "last_modified" => Piece::LastModified,
        "date_before" => Piece::DateBefore,
        "size" => Piece::Size(0),
        _ => {
            let offset = name.strip_prefix("size")?;
            let (sign, digits) = offset.split_at_checked(1)?;
            let n: i64 = digits.parse().ok()?;
            match sign {
                "+" => Piece::Size(n),
                "-" => Piece::Size(-n),
                _ => return None,
            }
        }
    })
}

impl Table {
    /// The table in `fixtures/http/conformance.toml`, as built into the harness.
    pub fn builtin() -> Result<Self, TableError> {
        Self::parse(BUILTIN)
    }

    /// Parses and checks a table.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        let raw: RawTable = toml::from_str(text)?;
        let rows = raw
            .row
            .into_iter()
            .map(Row::new)
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen = std::collections::BTreeSet::new();
        for row in &rows {
            if !seen.insert(row.id.as_str()) {
                return Err(TableError::Row {
                    id: row.id.clone(),
                    message: "the id is used by another row".into(),
                });
            }
        }
        Ok(Self {
            sample_above: raw.sample_above,
            sample_per_type: raw.sample_per_type.max(1),
            rows,
        })
    }
}

impl Row {
    /// The rule, and where the case comes from: what a message about the row quotes.
    pub(crate) fn cite(&self) -> String {
        match &self.source {
            Some(source) => format!("{}; case from {source}", self.rule),
            None => self.rule.clone(),
        }
    }

    fn new(raw: RawRow) -> Result<Self, TableError> {
        let id = raw.id.clone();
        let bad = |message: String| TableError::Row {
            id: id.clone(),
            message,
        };
        if raw.request.is_empty() {
            return Err(bad("`request` names no header".into()));
        }
        if raw.expect.is_empty() {
            return Err(bad("`expect` lists no answer".into()));
        }
        let request = raw
            .request
            .iter()
            .map(|(name, value)| {
                let header = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| bad(format!("`{name}` is not a header name")))?;
                Ok((header, Template::parse(value).map_err(&bad)?))
            })
            .collect::<Result<Vec<_>, TableError>>()?;
        let expect = raw
            .expect
            .iter()
            .map(|text| Template::parse(text).map_err(&bad))
            .collect::<Result<Vec<_>, _>>()?;
        // Every answer must parse once its placeholders are filled: try a typical file.
        let sample = Facts {
            size: 1000.max(raw.min_size),
            etag: Some("\"sample\"".into()),
            last_modified: Some((
                "Wed, 21 Oct 2015 07:28:00 GMT".into(),
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480),
            )),
        };
        for (text, template) in raw.expect.iter().zip(&expect) {
            let filled = template.render(&sample).unwrap_or_default();
            Answer::parse(&filled).map_err(|e| bad(format!("answer `{text}`: {e}")))?;
        }
        let request_text = raw
            .request
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(Self {
            id: raw.id,
            request_text,
            feature: raw.feature,
            rule: raw.rule,
            source: raw.source,
            min_size: raw.min_size,
            strong: raw.strong,
            may_ignore: raw.may_ignore,
            lenient: raw.lenient,
            request,
            expect,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(size: u64) -> Facts {
        Facts {
            size,
            etag: Some("\"abc\"".into()),
            last_modified: Some((
                "Wed, 21 Oct 2015 07:28:00 GMT".into(),
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480),
            )),
        }
    }

    #[test]
    fn the_builtin_table_loads_with_every_group() -> Result<(), TableError> {
        let table = Table::builtin()?;
        for feature in [Feature::Revalidation, Feature::Validators, Feature::Range] {
            assert!(
                table.rows.iter().any(|r| r.feature == feature),
                "{feature:?}"
            );
        }
        assert!(table.rows.len() >= 40, "{}", table.rows.len());
        Ok(())
    }

    #[test]
    fn placeholders_fill_from_the_asset() -> Result<(), String> {
        let t = Template::parse("bytes={size-5}-{size+1}; {weak_etag} {date_before}")?;
        assert_eq!(
            t.render(&facts(100)).as_deref(),
            Some("bytes=95-101; W/\"abc\" Tue, 20 Oct 2015 07:28:00 GMT")
        );
        assert_eq!(t.render(&facts(3)), None, "a negative offset skips the row");
        let no_etag = Facts {
            etag: None,
            ..facts(10)
        };
        assert_eq!(Template::parse("{etag}")?.render(&no_etag), None);
        Ok(())
    }

    #[test]
    fn a_wrong_row_is_refused_with_its_id() {
        let table = |row: &str| {
            Table::parse(&format!(
                "sample_above = 1\nsample_per_type = 1\n[[row]]\nid = \"r\"\n\
                 feature = \"range\"\nrule = \"x\"\n{row}"
            ))
            .map(|_| ())
            .map_err(|e| e.to_string())
        };
        let unknown = table("request = { Range = \"{sise}\" }\nexpect = [\"416\"]");
        assert!(
            unknown
                .as_ref()
                .is_err_and(|e| e.contains("row `r`") && e.contains("`{sise}`")),
            "{unknown:?}"
        );
        let answer = table("request = { Range = \"bytes=0-1\" }\nexpect = [\"207\"]");
        assert!(
            answer.as_ref().is_err_and(|e| e.contains("answer `207`")),
            "{answer:?}"
        );
        let header = table("request = { \"Bad Header\" = \"x\" }\nexpect = [\"416\"]");
        assert!(header.is_err_and(|e| e.contains("not a header name")));
        assert!(table("request = { Range = \"bytes=0-1\" }\nexpect = [\"416\"]").is_ok());
    }
}
