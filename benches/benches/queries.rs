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
use rc_benches::point_query::{POINT, SLUG, in_memory_copy, map, raw};
use rc_benches::{BenchApp, MONITORING, Monitoring, criterion_config};
use reference_server::db::MonitoredConnection;
use reference_server::monitoring::Metrics;

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
