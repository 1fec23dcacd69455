//! A point query through a `MonitoredConnection` vs the same query on the raw rusqlite
//! connection: same connection, same cached statement, same row mapping, so the
//! difference is the wrapper (two clock reads plus `Metrics::record`).
//! Bench ids: `queries/point_query/raw` and `queries/point_query/monitored_<variant>`.
//!
//! The database is an in-memory copy of the server's freshly seeded one (same schema,
//! indexes and rows). On the file itself every read transaction takes WAL locks with
//! system calls, which on a virtual machine cost a few microseconds and would hide the
//! wrapper; in memory the raw query is a few hundred nanoseconds.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rc_benches::{BenchApp, MONITORING, Monitoring, criterion_config};
use reference_server::db::{MonitoredConnection, Query};
use reference_server::monitoring::Metrics;
use std::path::Path;

use rusqlite::{Connection, Row};

static POINT: Query = Query::new("SELECT slug, title FROM notes WHERE slug = ?1");

/// A seeded note.
const SLUG: &str = "hello-world";

type Found = (String, Option<String>);

fn map(row: &Row<'_>) -> rusqlite::Result<Found> {
    Ok((row.get(0)?, row.get(1)?))
}

/// What `MonitoredConnection::query_opt` runs, without the wrapper.
fn raw(conn: &Connection, slug: &str) -> rusqlite::Result<Option<Found>> {
    let mut stmt = conn.prepare_cached(POINT.sql())?;
    let mut rows = stmt.query([slug])?;
    match rows.next()? {
        Some(row) => Ok(Some(map(row)?)),
        None => Ok(None),
    }
}

/// Copies every table (schema, indexes, rows) of the database at `path` into a new
/// in-memory database.
fn in_memory_copy(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.execute("ATTACH DATABASE ?1 AS server", [path.to_string_lossy()])?;
    let schema: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT type, name, sql FROM server.sqlite_master \
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
             ORDER BY type = 'index', rowid",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, sql) in &schema {
        conn.execute_batch(sql)?;
        if kind == "table" {
            let name = name.replace('"', "\"\"");
            conn.execute_batch(&format!(
                "INSERT INTO main.\"{name}\" SELECT * FROM server.\"{name}\""
            ))?;
        }
    }
    conn.execute_batch("DETACH DATABASE server")?;
    Ok(conn)
}

fn queries(c: &mut Criterion) {
    // The app only provides a migrated, seeded database.
    let bench = BenchApp::new(Monitoring::Off).expect("bench app builds");
    let conn = in_memory_copy(bench.app().pool().path()).expect("copy the bench database");
    let found = raw(&conn, SLUG).expect("raw query");
    assert!(found.is_some(), "the seeded note {SLUG} exists");

    let mut group = c.benchmark_group("queries/point_query");
    group.bench_function("raw", |b| {
        b.iter(|| raw(&conn, black_box(SLUG)).expect("raw query"));
    });
    for monitoring in MONITORING {
        let settings = monitoring.settings();
        let warm = settings.min_samples + 100;
        let metrics = Metrics::new(settings);
        let monitored = MonitoredConnection::new(&conn, Some(&metrics));
        for _ in 0..warm {
            let row = monitored.query_opt(&POINT, [SLUG], map).expect("query");
            assert_eq!(row, found);
        }
        group.bench_function(format!("monitored_{}", monitoring.id()), |b| {
            b.iter(|| {
                monitored
                    .query_opt(&POINT, [black_box(SLUG)], map)
                    .expect("monitored query")
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = queries
}
criterion_main!(benches);
