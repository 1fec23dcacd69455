//! Errors of the database layer.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong talking to SQLite.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database file or its directory could not be opened or created.
    #[error("cannot open database at {path}: {source}")]
    Open {
        /// The file we tried to open.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A migration failed; the database is left at the previous version.
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        /// The version that could not be reached.
        version: u32,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A seed note shipped with the binary is malformed.
    #[error("seed note {file}: {message}")]
    Seed {
        /// The fixture file name.
        file: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// No connection became free in time.
    #[error("no database connection free after {0:?}")]
    PoolTimeout(Duration),
    /// A query failed.
    #[error("query `{operation}` failed: {source}")]
    Query {
        /// The operation label, e.g. `SELECT notes`.
        operation: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A blocking database task panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}
