//! Per-operation cost of `Metrics::record` for an HTTP, a database and a render event,
//! with monitoring off and on at sampling 0.0, 0.1 and 1.0: `recording/<type>/<variant>`.
//!
//! Steady state: the operation name is already known and the minimum-sample guarantee
//! is used up before measuring, so every iteration is the hot path a busy server runs.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rc_benches::{MONITORING, criterion_config};
use reference_server::monitoring::{EventDetail, Metrics, OpType, Outcome};

/// A typical fast operation: well under the slow threshold, so only sampling admits it.
const DURATION: Duration = Duration::from_micros(250);

/// The operation name the server records for `op`.
fn operation(op: OpType) -> &'static str {
    match op {
        OpType::Http => "GET /notes/{slug}",
        OpType::Database => "SELECT notes",
        OpType::Render => "note.html",
    }
}

/// The detail the server builds when an event is admitted (allocations included).
fn detail(op: OpType) -> EventDetail {
    match op {
        OpType::Http => EventDetail::Http {
            method: "GET".to_owned(),
            route: "/notes/{slug}".to_owned(),
            status: 200,
            bytes: 4096,
        },
        OpType::Database => EventDetail::Database {
            kind: "SELECT".to_owned(),
            table: "notes".to_owned(),
            rows: 1,
            slow: false,
        },
        OpType::Render => EventDetail::Render {
            template: "note.html".to_owned(),
        },
    }
}

fn record(metrics: &Metrics, op: OpType) {
    metrics.record(
        black_box(op),
        black_box(operation(op)),
        black_box(DURATION),
        Outcome::Ok,
        || detail(op),
    );
}

fn recording(c: &mut Criterion) {
    for op in OpType::ALL {
        let mut group = c.benchmark_group(format!("recording/{op}"));
        for monitoring in MONITORING {
            let settings = monitoring.settings();
            // Past the guaranteed minimum samples and the first sight of the name.
            let warm = settings.min_samples + 100;
            let metrics = Metrics::new(settings);
            for _ in 0..warm {
                record(&metrics, op);
            }
            group.bench_function(monitoring.id(), |b| b.iter(|| record(&metrics, op)));
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = recording
}
criterion_main!(benches);
