//! The notes a fresh blog starts with, bundled from `fixtures/notes/` at build time.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::DbError;

/// (file name, contents) of every seed note.
const SEEDS: &[(&str, &str)] = &[
    (
        "01-hello-world.md",
        include_str!("../../../fixtures/notes/01-hello-world.md"),
    ),
    (
        "02-streaming-bodies.md",
        include_str!("../../../fixtures/notes/02-streaming-bodies.md"),
    ),
    (
        "03-morning-walk.md",
        include_str!("../../../fixtures/notes/03-morning-walk.md"),
    ),
    (
        "04-a-new-logo.md",
        include_str!("../../../fixtures/notes/04-a-new-logo.md"),
    ),
];

/// A parsed seed note.
#[derive(Debug)]
pub(crate) struct Seed {
    pub(crate) slug: String,
    pub(crate) title: Option<String>,
    pub(crate) published: DateTime<Utc>,
    pub(crate) content: String,
}

/// Parses a note file: a `---` front matter block with `title:` and `published:`, then
/// Markdown. The slug is the file name without its `NN-` prefix and `.md`.
pub(crate) fn parse(file: &'static str, text: &str) -> Result<Seed, DbError> {
    let err = |message: &str| DbError::Seed {
        file,
        message: message.to_owned(),
    };
    let stem = file
        .strip_suffix(".md")
        .ok_or_else(|| err("file name must end in .md"))?;
    let slug = stem
        .split_once('-')
        .map_or(stem, |(prefix, rest)| {
            if prefix.chars().all(|c| c.is_ascii_digit()) {
                rest
            } else {
                stem
            }
        })
        .to_owned();
    let rest = text
        .strip_prefix("---\n")
        .ok_or_else(|| err("must start with a `---` front matter line"))?;
    let (front, body) = rest
        .split_once("\n---\n")
        .ok_or_else(|| err("front matter is not closed by a `---` line"))?;
    let mut title = None;
    let mut published = None;
    for line in front.lines() {
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| err("front matter lines must be `key: value`"))?;
        let value = value.trim();
        match key.trim() {
            "title" => title = (!value.is_empty()).then(|| value.to_owned()),
            "published" => {
                let when = DateTime::parse_from_rfc3339(value)
                    .map_err(|e| err(&format!("published {value:?} is not RFC 3339: {e}")))?;
                published = Some(when.with_timezone(&Utc));
            }
            other => return Err(err(&format!("unknown front matter key {other:?}"))),
        }
    }
    Ok(Seed {
        slug,
        title,
        published: published.ok_or_else(|| err("front matter lacks `published:`"))?,
        content: body.trim().to_owned(),
    })
}

/// Inserts every seed note; called once, on a freshly created database.
pub(crate) fn seed(conn: &Connection) -> Result<(), DbError> {
    for (file, text) in SEEDS {
        let seed = parse(file, text)?;
        conn.execute(
            "INSERT INTO notes (slug, title, content, published) VALUES (?1, ?2, ?3, ?4)",
            (
                &seed.slug,
                &seed.title,
                &seed.content,
                seed.published.to_rfc3339(),
            ),
        )
        .map_err(|source| DbError::Query {
            operation: "INSERT notes (seed)".to_owned(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_seed_parses() {
        assert!(SEEDS.len() >= 3, "at least three seed notes ship");
        for (file, text) in SEEDS {
            let seed = parse(file, text).expect("seed parses");
            assert!(!seed.content.is_empty(), "{file} has content");
            assert!(!seed.slug.starts_with(char::is_numeric), "{file}");
        }
    }

    #[test]
    fn malformed_front_matter_is_named() {
        let bad = parse("01-x.md", "no front matter").expect_err("must fail");
        assert!(bad.to_string().contains("01-x.md"), "{bad}");
        let bad = parse("01-x.md", "---\ntitle: x\n---\nbody").expect_err("must fail");
        assert!(bad.to_string().contains("published"), "{bad}");
        let ok = parse(
            "02-untitled.md",
            "---\ntitle:\npublished: 2025-01-02T03:04:05Z\n---\nHi",
        )
        .expect("parses");
        assert_eq!((ok.slug.as_str(), ok.title), ("untitled", None));
    }
}
