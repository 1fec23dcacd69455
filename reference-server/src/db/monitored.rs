//! A connection wrapper that records every query as a `database` operation.

use std::sync::OnceLock;

use rusqlite::{Connection, Params, Row};

use super::DbError;
use crate::monitoring::{EventDetail, Metrics, Name, OpType, OperationKey, Outcome, Ticks};

/// A SQL statement with the label it is recorded under (`SELECT notes`).
///
/// Declared as a `static` next to the code that runs it; the label is worked out once,
/// on first use, so the hot path never re-parses SQL, and each recorder finds the
/// statement's aggregate by its [`OperationKey`], never by hashing the label.
pub struct Query {
    sql: &'static str,
    label: OnceLock<Label>,
    key: OperationKey,
}

/// How a statement is recorded: operation `SELECT notes`, kind `SELECT`, table `notes`.
///
/// A statement is a `static`, so its label lives as long as the program: an event
/// borrows the label's names (`Name::from(&'static str)`), copying a pointer where a
/// reference-counted name would cost an atomic instruction per clone and per drop.
struct Label {
    operation: String,
    kind: String,
    table: String,
}

impl Query {
    /// Wraps a statement; cheap and `const` so queries can be statics.
    pub const fn new(sql: &'static str) -> Self {
        Self {
            sql,
            label: OnceLock::new(),
            key: OperationKey::new(),
        }
    }

    /// The SQL text.
    pub fn sql(&self) -> &'static str {
        self.sql
    }

    /// The operation name metrics use: statement kind and table, e.g. `SELECT notes`.
    pub(crate) fn operation(&self) -> &str {
        self.label().operation.as_str()
    }

    fn label(&self) -> &Label {
        self.label.get_or_init(|| describe(self.sql))
    }
}

/// Finds the statement kind (first keyword) and the table it reads or writes.
fn describe(sql: &str) -> Label {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let kind = words
        .first()
        .map(|w| w.to_ascii_uppercase())
        .unwrap_or_else(|| "EMPTY".to_owned());
    let table = words
        .windows(2)
        .find(|pair| {
            ["FROM", "INTO", "UPDATE", "TABLE"]
                .iter()
                .any(|k| pair[0].eq_ignore_ascii_case(k))
        })
        .map(|pair| pair[1].trim_matches('"').to_ascii_lowercase())
        .unwrap_or_else(|| "-".to_owned());
    Label {
        operation: format!("{kind} {table}"),
        kind,
        table,
    }
}

/// A borrowed connection whose queries are timed and recorded.
///
/// With `metrics: None` nothing is recorded: that is the `unwired-db-metrics`
/// regression, and the raw baseline in benches.
pub struct MonitoredConnection<'c> {
    conn: &'c Connection,
    metrics: Option<&'c Metrics>,
}

impl<'c> MonitoredConnection<'c> {
    /// Wraps `conn`; queries are recorded into `metrics` when given.
    pub fn new(conn: &'c Connection, metrics: Option<&'c Metrics>) -> Self {
        Self { conn, metrics }
    }

    /// Runs a query expected to return at most one row.
    pub fn query_opt<T>(
        &self,
        query: &'static Query,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, DbError> {
        self.observe(query, |conn| {
            let mut stmt = conn.prepare_cached(query.sql)?;
            let mut rows = stmt.query(params)?;
            match rows.next()? {
                Some(row) => Ok((Some(map(row)?), 1)),
                None => Ok((None, 0)),
            }
        })
    }

    /// Runs a query and maps every row.
    pub(crate) fn query_all<T>(
        &self,
        query: &'static Query,
        params: impl Params,
        mut map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, DbError> {
        self.observe(query, |conn| {
            let mut stmt = conn.prepare_cached(query.sql)?;
            let mut rows = stmt.query(params)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(map(row)?);
            }
            let n = out.len() as u64;
            Ok((out, n))
        })
    }

    /// Runs a statement that changes rows; returns how many.
    pub(crate) fn execute(
        &self,
        query: &'static Query,
        params: impl Params,
    ) -> Result<usize, DbError> {
        self.observe(query, |conn| {
            let changed = conn.prepare_cached(query.sql)?.execute(params)?;
            Ok((changed, changed as u64))
        })
    }

    fn observe<T>(
        &self,
        query: &'static Query,
        run: impl FnOnce(&Connection) -> rusqlite::Result<(T, u64)>,
    ) -> Result<T, DbError> {
        // Monitoring off (or unwired): no clock reads, no recording.
        let Some(metrics) = self.metrics.filter(|m| m.settings().enabled) else {
            return run(self.conn)
                .map(|(value, _)| value)
                .map_err(|source| query_error(query, source));
        };
        let started = Ticks::now();
        let result = run(self.conn);
        let ended = Ticks::now();
        let (outcome, rows) = match &result {
            Ok((_, rows)) => (Outcome::Ok, *rows),
            Err(_) => (Outcome::Error, 0),
        };
        let label = query.label();
        metrics.record_keyed_between(
            &query.key,
            OpType::Database,
            || Name::from(label.operation.as_str()),
            started,
            ended,
            outcome,
            || EventDetail::Database {
                kind: Name::from(label.kind.as_str()),
                table: Name::from(label.table.as_str()),
                rows,
                slow: ended.duration_since(started) >= metrics.settings().slow_threshold,
            },
        );
        result
            .map(|(value, _)| value)
            .map_err(|source| query_error(query, source))
    }
}

fn query_error(query: &Query, source: rusqlite::Error) -> DbError {
    DbError::Query {
        operation: query.operation().to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_kind_and_table() {
        let cases = [
            ("SELECT slug FROM notes WHERE slug = ?1", "SELECT notes"),
            ("INSERT INTO notes (slug) VALUES (?1)", "INSERT notes"),
            ("update Notes set title = ?1", "UPDATE notes"),
            ("DELETE FROM \"notes\"", "DELETE notes"),
            ("SELECT 1", "SELECT -"),
            ("", "EMPTY -"),
        ];
        for (sql, expected) in cases {
            assert_eq!(describe(sql).operation, expected, "{sql}");
        }
    }

    /// An admitted event carries the statement's names, its duration, and the time
    /// the query ended (the second of the two clock readings, not a third).
    #[test]
    fn an_admitted_query_event_names_its_statement_and_when_it_ended() {
        use crate::monitoring::{MonitorSettings, OpType};

        static LOOKUP: Query = Query::new("SELECT slug FROM notes WHERE slug = ?1");
        let conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch("CREATE TABLE notes (slug TEXT); INSERT INTO notes VALUES ('a');")
            .expect("schema");
        let metrics = Metrics::new(MonitorSettings::default().with_rate(1.0));
        let before = std::time::SystemTime::now();
        let found = MonitoredConnection::new(&conn, Some(&metrics))
            .query_opt(&LOOKUP, ["a"], |row| row.get::<_, String>(0))
            .expect("query runs");
        assert_eq!(found.as_deref(), Some("a"));

        let snapshot = metrics.snapshot_with_events(10);
        let event = snapshot
            .recent_events
            .iter()
            .find(|e| e.op_type == OpType::Database)
            .expect("an admitted database event");
        assert_eq!(event.operation.as_str(), "SELECT notes");
        let EventDetail::Database {
            kind,
            table,
            rows,
            slow,
        } = &event.detail
        else {
            panic!("a database detail: {:?}", event.detail);
        };
        assert_eq!(
            (kind.as_str(), table.as_str(), *rows, *slow),
            ("SELECT", "notes", 1, false)
        );
        let since_epoch = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_millis()
        };
        let stamped = u128::from(event.timestamp_ms);
        assert!(
            stamped + 1 >= since_epoch(before)
                && stamped <= since_epoch(std::time::SystemTime::now()) + 1,
            "stamped {stamped} ms, query ran from {} ms",
            since_epoch(before)
        );
        assert_eq!(snapshot.get(OpType::Database).count, 1);
    }
}
