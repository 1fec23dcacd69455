//! Instruction counts of the monitoring hot paths, under valgrind's callgrind (gungraun):
//! the same subjects as the wall-clock benches, counted instead of timed, so the CI
//! gate gives the same answer on a busy shared machine as on a quiet one.
//!
//! Run with `cargo bench -p rc-benches --bench instructions` (needs `gungraun-runner`
//! 0.20 on `PATH` and valgrind). `harness bench-gate --instructions` compares the counts
//! with `bench-gate/instructions-baseline.toml`.
//!
//! Only deterministic variants are counted: monitoring off, and on at sampling 0.0 and
//! 1.0. At 0.1 whether an event is admitted depends on a random draw, so its count is
//! not a property of the code; the wall-clock benches cover it.
//!
//! Every setup warms its subject first (aggregates created, minimum samples used up,
//! statements cached), so each count is the steady state a busy
//! server runs. Inputs arrive boxed (moving them costs one pointer copy, not a memcpy of
//! the recorder) and are handed back so their drop is not counted.

// gungraun's macros generate public modules and constants without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use axum::http::StatusCode;
use gungraun::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};
use rc_benches::point_query::{self, Found, POINT, SLUG};
use rc_benches::recording::Recording;
use rc_benches::served;
use rc_benches::{BenchApp, Monitoring, get, runtime};
use reference_server::Site;
use reference_server::db::MonitoredConnection;
use reference_server::monitoring::{Metrics, OpType};
use rusqlite::Connection;
use tokio::runtime::Runtime;

const OFF: Monitoring = Monitoring::Off;
const RATE_0: Monitoring = Monitoring::Sampled(0.0);
const RATE_1: Monitoring = Monitoring::Sampled(1.0);

// --- Recording one event ----------------------------------------------------------

/// A recorder configured for `monitoring`, past its minimum samples for `op`.
fn warm_metrics(op: OpType, monitoring: Monitoring) -> Box<Recording> {
    Box::new(Recording::warm(op, monitoring.settings()))
}

#[library_benchmark]
#[bench::http_off(args = (OpType::Http, OFF), setup = warm_metrics)]
#[bench::http_rate_0_0(args = (OpType::Http, RATE_0), setup = warm_metrics)]
#[bench::http_rate_1_0(args = (OpType::Http, RATE_1), setup = warm_metrics)]
#[bench::database_off(args = (OpType::Database, OFF), setup = warm_metrics)]
#[bench::database_rate_0_0(args = (OpType::Database, RATE_0), setup = warm_metrics)]
#[bench::database_rate_1_0(args = (OpType::Database, RATE_1), setup = warm_metrics)]
#[bench::render_off(args = (OpType::Render, OFF), setup = warm_metrics)]
#[bench::render_rate_0_0(args = (OpType::Render, RATE_0), setup = warm_metrics)]
#[bench::render_rate_1_0(args = (OpType::Render, RATE_1), setup = warm_metrics)]
fn recording(input: Box<Recording>) -> Box<Recording> {
    input.record();
    input
}

// --- A point query: raw rusqlite vs the monitored connection ----------------------

/// An in-memory copy of a freshly seeded server database, with the point statement
/// already cached, and a recorder configured for `monitoring` past its minimum samples.
fn warm_connection(monitoring: Monitoring) -> Box<(Connection, Metrics)> {
    let bench = BenchApp::new(Monitoring::Off).expect("bench app builds");
    let conn =
        point_query::in_memory_copy(bench.app().pool().path()).expect("copy the bench database");
    let settings = monitoring.settings();
    let warm = settings.min_samples + 100;
    let metrics = Metrics::new(settings);
    {
        let monitored = MonitoredConnection::new(&conn, Some(&metrics));
        for _ in 0..warm {
            let row = monitored
                .query_opt(&POINT, [SLUG], point_query::map)
                .expect("warm-up query");
            assert!(row.is_some(), "the seeded note {SLUG} exists");
        }
    }
    Box::new((conn, metrics))
}

#[library_benchmark]
#[bench::raw(args = (OFF), setup = warm_connection)]
fn point_query_raw(
    input: Box<(Connection, Metrics)>,
) -> (Box<(Connection, Metrics)>, Option<Found>) {
    let found = point_query::raw(&input.0, black_box(SLUG)).expect("raw query");
    (input, found)
}

#[library_benchmark]
#[bench::off(args = (OFF), setup = warm_connection)]
#[bench::rate_0_0(args = (RATE_0), setup = warm_connection)]
#[bench::rate_1_0(args = (RATE_1), setup = warm_connection)]
fn point_query_monitored(
    input: Box<(Connection, Metrics)>,
) -> (Box<(Connection, Metrics)>, Option<Found>) {
    let found = MonitoredConnection::new(&input.0, Some(&input.1))
        .query_opt(&POINT, [black_box(SLUG)], point_query::map)
        .expect("monitored query");
    (input, found)
}

// --- In-process requests through the whole app (fifty per count) ------------------

/// A runtime and an app configured for `monitoring`, its queries run on the bench's
/// thread, warmed by a few requests to `uri` (routes matched, templates compiled,
/// statements cached).
fn warm_app(uri: &'static str, monitoring: Monitoring) -> Box<(Runtime, BenchApp, &'static str)> {
    let rt = runtime();
    let bench = BenchApp::new(monitoring).expect("bench app builds");
    bench.app().pool().run_queries_on_caller();
    let warm = monitoring.settings().min_samples + 10;
    for _ in 0..warm {
        let (status, body) = rt.block_on(get(bench.app().site(), uri));
        assert_eq!(status, StatusCode::OK, "GET {uri}");
        assert!(!body.is_empty(), "GET {uri}: empty body");
    }
    Box::new((rt, bench, uri))
}

/// Requests per count. Every request is served without leaving the bench's thread,
/// so its count is exact run after run: pages run their queries there too
/// (`Pool::run_queries_on_caller`), where a server hands them to the blocking pool.
/// Callgrind counts only the thread that runs the bench function (gungraun's entry
/// point), so a query on a blocking thread was left out of a page's count, SQLite's
/// work and its monitoring alike, and how often the runtime woke while it waited moved
/// the count by 0.3% from run to run, and by 1.3% on a loaded machine.
const REQUESTS: usize = 50;

fn request(rt: &Runtime, site: &Site, uri: &str) -> usize {
    let mut bytes = 0;
    for _ in 0..REQUESTS {
        let (status, body) = rt.block_on(get(site.clone(), black_box(uri)));
        assert_eq!(status, StatusCode::OK, "GET {uri}");
        bytes += body.len();
    }
    bytes
}

#[library_benchmark]
#[bench::static_small_off(args = ("/static/css/style.css", OFF), setup = warm_app)]
#[bench::static_small_rate_0_0(args = ("/static/css/style.css", RATE_0), setup = warm_app)]
#[bench::static_small_rate_1_0(args = ("/static/css/style.css", RATE_1), setup = warm_app)]
#[bench::note_page_off(args = ("/notes/hello-world", OFF), setup = warm_app)]
#[bench::note_page_rate_0_0(args = ("/notes/hello-world", RATE_0), setup = warm_app)]
#[bench::note_page_rate_1_0(args = ("/notes/hello-world", RATE_1), setup = warm_app)]
#[bench::feed_off(args = ("/feed.xml", OFF), setup = warm_app)]
#[bench::feed_rate_0_0(args = ("/feed.xml", RATE_0), setup = warm_app)]
#[bench::feed_rate_1_0(args = ("/feed.xml", RATE_1), setup = warm_app)]
fn requests(
    input: Box<(Runtime, BenchApp, &'static str)>,
) -> (Box<(Runtime, BenchApp, &'static str)>, usize) {
    let site = input.1.app().site();
    let bytes = request(&input.0, &site, input.2);
    (input, bytes)
}

/// What a served bench runs on: its runtime, the app, a connection and the request.
type Served = Box<(
    Runtime,
    BenchApp,
    served::Connection,
    served::Prepared,
    &'static str,
)>;

/// A runtime and a kept-alive connection served as the server serves (`axum::serve`),
/// warmed like [`warm_app`].
fn warm_connection_to(uri: &'static str, monitoring: Monitoring) -> Served {
    let rt = runtime();
    let bench = BenchApp::new(monitoring).expect("bench app builds");
    bench.app().pool().run_queries_on_caller();
    let mut connection = rt.block_on(async { served::Connection::open(bench.app().site()) });
    let request = served::Prepared::get(uri);
    let warm = monitoring.settings().min_samples + 10;
    for _ in 0..warm {
        let (status, length) = rt
            .block_on(connection.send(&request))
            .expect("a whole response");
        assert_eq!(status, StatusCode::OK, "GET {uri}");
        assert!(length > 0, "GET {uri}: empty body");
    }
    Box::new((rt, bench, connection, request, uri))
}

#[library_benchmark]
#[bench::static_small_off(args = ("/static/css/style.css", OFF), setup = warm_connection_to)]
#[bench::static_small_rate_0_0(args = ("/static/css/style.css", RATE_0), setup = warm_connection_to)]
#[bench::static_small_rate_1_0(args = ("/static/css/style.css", RATE_1), setup = warm_connection_to)]
#[bench::note_page_off(args = ("/notes/hello-world", OFF), setup = warm_connection_to)]
#[bench::note_page_rate_0_0(args = ("/notes/hello-world", RATE_0), setup = warm_connection_to)]
#[bench::note_page_rate_1_0(args = ("/notes/hello-world", RATE_1), setup = warm_connection_to)]
#[bench::feed_off(args = ("/feed.xml", OFF), setup = warm_connection_to)]
#[bench::feed_rate_0_0(args = ("/feed.xml", RATE_0), setup = warm_connection_to)]
#[bench::feed_rate_1_0(args = ("/feed.xml", RATE_1), setup = warm_connection_to)]
fn served_requests(mut input: Served) -> (Served, usize) {
    let (rt, _, connection, request, uri) = &mut *input;
    let mut bytes = 0;
    for _ in 0..REQUESTS {
        let (status, length) = rt
            .block_on(connection.send(black_box(request)))
            .expect("a whole response");
        assert_eq!(status, StatusCode::OK, "GET {uri}");
        bytes += length;
    }
    (input, bytes)
}

library_benchmark_group!(name = recording_group, benchmarks = [recording]);
library_benchmark_group!(
    name = queries_group,
    benchmarks = [point_query_raw, point_query_monitored]
);
library_benchmark_group!(
    name = requests_group,
    benchmarks = [requests, served_requests]
);

/// glibc's malloc state differs between runs: requests hand buffers between the
/// runtime and its blocking thread, and where those land in the per-thread arenas and
/// fast bins depends on how the threads interleave. One arena and no fast bins took the
/// static-file count's run-to-run spread from about 3.5% to about 1% (measured over four
/// runs, before the server moved to mimalloc); SQLite still allocates through glibc.
fn config() -> LibraryBenchmarkConfig {
    let mut config = LibraryBenchmarkConfig::default();
    config.env(
        "GLIBC_TUNABLES",
        "glibc.malloc.arena_max=1:glibc.malloc.mxfast=0",
    );
    config
}

main!(
    config = config();
    library_benchmark_groups = recording_group,
    queries_group,
    requests_group
);
