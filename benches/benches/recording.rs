//! Per-operation cost of recording an HTTP, a database and a render event as the
//! server's call sites do (an interned operation, a statement key, a template name),
//! with monitoring off and on at sampling 0.0, 0.1 and 1.0: `recording/<type>/<variant>`.
//!
//! Steady state: the operation is already interned and the minimum-sample guarantee
//! is used up before measuring, so every iteration is the hot path a busy server runs.

use criterion::{Criterion, criterion_group, criterion_main};
use rc_benches::recording::Recording;
use rc_benches::{MONITORING, criterion_config};
use reference_server::monitoring::OpType;

fn recording(c: &mut Criterion) {
    for op in OpType::ALL {
        let mut group = c.benchmark_group(format!("recording/{op}"));
        for monitoring in MONITORING {
            // Past the guaranteed minimum samples and the first sight of the name.
            let recording = Recording::warm(op, monitoring.settings());
            group.bench_function(monitoring.id(), |b| b.iter(|| recording.record()));
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
