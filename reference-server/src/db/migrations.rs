//! Schema migrations, applied in order at start and recorded in `PRAGMA user_version`.

use rusqlite::Connection;

use super::DbError;

/// Each entry moves the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &["CREATE TABLE notes (
        id        INTEGER PRIMARY KEY,
        slug      TEXT NOT NULL UNIQUE,
        title     TEXT,
        content   TEXT NOT NULL,
        published TEXT NOT NULL
    );
    CREATE INDEX notes_published ON notes (published DESC);"];

/// Brings the schema up to date. Returns the version the database had before, so the
/// caller knows whether it just created a fresh database.
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, DbError> {
    let before: u32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|source| DbError::Migration { version: 0, source })?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(before as usize) {
        let version = index as u32 + 1;
        let tx = conn
            .transaction()
            .map_err(|source| DbError::Migration { version, source })?;
        tx.execute_batch(sql)
            .and_then(|()| tx.pragma_update(None, "user_version", version))
            .and_then(|()| tx.commit())
            .map_err(|source| DbError::Migration { version, source })?;
    }
    Ok(before)
}

/// The schema version this binary expects.
#[cfg(test)]
pub(crate) fn latest() -> u32 {
    MIGRATIONS.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_fresh_database_once() {
        let mut conn = Connection::open_in_memory().expect("open");
        assert_eq!(migrate(&mut conn).expect("first"), 0);
        assert_eq!(migrate(&mut conn).expect("second"), latest());
        let count: i64 = conn
            .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
            .expect("notes table exists");
        assert_eq!(count, 0);
    }
}
