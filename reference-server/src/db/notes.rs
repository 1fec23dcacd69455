//! Notes: the blog's one kind of content, and the queries that read and write them.

use chrono::{DateTime, Utc};
use rusqlite::Row;
use serde::Serialize;

use super::{DbError, MonitoredConnection, Query};

static RECENT: Query = Query::new(
    "SELECT slug, title, content, published FROM notes ORDER BY published DESC, id DESC LIMIT ?1",
);
static BY_SLUG: Query =
    Query::new("SELECT slug, title, content, published FROM notes WHERE slug = ?1");
static SLUGS_LIKE: Query =
    Query::new("SELECT slug FROM notes WHERE slug = ?1 OR slug LIKE ?1 || '-%'");
static INSERT: Query =
    Query::new("INSERT INTO notes (slug, title, content, published) VALUES (?1, ?2, ?3, ?4)");
static PING: Query = Query::new("SELECT 1");

/// A published note; `content` is Markdown.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Note {
    /// The URL path segment under `/notes/`.
    pub(crate) slug: String,
    /// IndieWeb notes are often untitled.
    pub(crate) title: Option<String>,
    /// Markdown source.
    pub(crate) content: String,
    /// When the note was published.
    pub(crate) published: DateTime<Utc>,
}

/// What a Micropub request asks to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewNote {
    /// A requested slug (`mp-slug`), else one is derived from the title or content.
    pub(crate) slug: Option<String>,
    /// The `name` property.
    pub(crate) title: Option<String>,
    /// The `content` property, Markdown.
    pub(crate) content: String,
    /// The `published` property; now when absent.
    pub(crate) published: Option<DateTime<Utc>>,
}

impl Note {
    /// The newest notes first.
    pub(crate) fn recent(conn: &MonitoredConnection<'_>, limit: u32) -> Result<Vec<Note>, DbError> {
        conn.query_all(&RECENT, [limit], from_row)
    }

    /// One note by slug.
    pub(crate) fn by_slug(
        conn: &MonitoredConnection<'_>,
        slug: &str,
    ) -> Result<Option<Note>, DbError> {
        conn.query_opt(&BY_SLUG, [slug], from_row)
    }

    /// Stores a new note under a slug no other note has (`hello`, `hello-2`, ...).
    pub(crate) fn insert(conn: &MonitoredConnection<'_>, new: NewNote) -> Result<Note, DbError> {
        let base = base_slug(&new);
        let taken: Vec<String> = conn.query_all(&SLUGS_LIKE, [&base], |row| row.get(0))?;
        let slug = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                }
            })
            .find(|candidate| !taken.contains(candidate))
            .unwrap_or(base);
        let note = Note {
            slug,
            title: new.title,
            content: new.content,
            published: new.published.unwrap_or_else(Utc::now),
        };
        conn.execute(
            &INSERT,
            (
                &note.slug,
                &note.title,
                &note.content,
                note.published.to_rfc3339(),
            ),
        )?;
        Ok(note)
    }
}

/// Answers when the database does: the health check.
pub(crate) fn ping(conn: &MonitoredConnection<'_>) -> Result<(), DbError> {
    conn.query_opt(&PING, [], |row| row.get::<_, i64>(0))
        .map(|_| ())
}

fn base_slug(new: &NewNote) -> String {
    let source = new
        .slug
        .as_deref()
        .or(new.title.as_deref())
        .unwrap_or(&new.content);
    let words: String = source
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    let slug = slug::slugify(words);
    let slug: String = slug.chars().take(60).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "note".to_owned()
    } else {
        slug.to_owned()
    }
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
    let published: String = row.get(3)?;
    let published = DateTime::parse_from_rfc3339(&published)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?
        .with_timezone(&Utc);
    Ok(Note {
        slug: row.get(0)?,
        title: row.get(1)?,
        content: row.get(2)?,
        published,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Pool, PoolOptions};

    fn new(slug: Option<&str>, title: Option<&str>, content: &str) -> NewNote {
        NewNote {
            slug: slug.map(str::to_owned),
            title: title.map(str::to_owned),
            content: content.to_owned(),
            published: None,
        }
    }

    #[test]
    fn slugs_are_derived_and_unique() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = Pool::open(dir.path(), PoolOptions::default(), None).expect("open");
        let slugs: Vec<String> = pool
            .run_blocking(|conn| {
                let a = Note::insert(conn, new(None, Some("Hello There!"), "x"))?;
                let b = Note::insert(conn, new(Some("hello-there"), None, "y"))?;
                let c = Note::insert(conn, new(None, None, "Just a quick thought about Rust"))?;
                let d = Note::insert(conn, new(None, None, "!!!"))?;
                Ok(vec![a.slug, b.slug, c.slug, d.slug])
            })
            .expect("inserts");
        assert_eq!(
            slugs,
            [
                "hello-there",
                "hello-there-2",
                "just-a-quick-thought-about-rust",
                "note"
            ]
        );
        let found = pool
            .run_blocking(|conn| Note::by_slug(conn, "hello-there-2"))
            .expect("query")
            .expect("found");
        assert_eq!(found.content, "y");
    }
}
