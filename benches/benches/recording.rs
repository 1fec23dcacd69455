//! Per-operation cost of `Metrics::record` for an HTTP, a database and a render event,
//! with monitoring off and on at sampling 0.0, 0.1 and 1.0: `recording/<type>/<variant>`.
//!
//! Steady state: the operation name is already known and the minimum-sample guarantee
//! is used up before measuring, so every iteration is the hot path a busy server runs.

use criterion::{Criterion, criterion_group, criterion_main};
use rc_benches::recording::record;
use rc_benches::{MONITORING, criterion_config};
use reference_server::monitoring::{Metrics, OpType};

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
