//! Admission to the event buffer: minimum samples, rates, slow operations, the bounded
//! buffer, event contents, lazy details, the `legacy-sampling` switch and seeded
//! sampling.

use super::*;

#[test]
fn counts_are_exact_and_min_samples_guaranteed_at_any_rate() {
    for rate in [0.0, 0.1, 1.0] {
        for n in [0, 3, 10, 11, 1_000] {
            let metrics = Metrics::with_rng_seed(settings(rate, 10), 7);
            record_n(&metrics, OpType::Database, "SELECT notes", n, FAST);
            let snapshot = metrics.snapshot();
            let db = snapshot.get(OpType::Database);
            assert_eq!(db.count, n, "rate {rate}, n {n}");
            assert_eq!(db.operations.len(), usize::from(n > 0));
            assert!(db.sampled >= n.min(10), "rate {rate}, n {n}");
            if rate == 1.0 {
                assert_eq!(db.sampled, n);
            }
            if rate == 0.0 {
                assert_eq!(db.sampled, n.min(10));
            }
            // Other types are untouched.
            assert_eq!(snapshot.get(OpType::Http).count, 0);
            assert_eq!(snapshot.get(OpType::Render).sampled, 0);
        }
    }
}

#[test]
fn min_samples_are_counted_per_type() {
    let metrics = Metrics::new(settings(0.0, 2));
    record_n(&metrics, OpType::Http, "GET /", 5, FAST);
    record_n(&metrics, OpType::Render, "index.html", 5, FAST);
    let snapshot = metrics.snapshot();
    assert_eq!(snapshot.get(OpType::Http).sampled, 2);
    assert_eq!(snapshot.get(OpType::Render).sampled, 2);
    assert_eq!(snapshot.get(OpType::Database).sampled, 0);
    assert!(
        snapshot
            .recent_events
            .iter()
            .all(|e| e.reason == AdmitReason::MinSamples)
    );
    assert_eq!(snapshot.recent_events.len(), 4);
    let http = snapshot.get(OpType::Http);
    assert_eq!((http.effective_rate, http.sampled_ratio), (0.0, 0.4));
}

#[test]
fn low_rate_samples_roughly_that_share() {
    let metrics = Metrics::with_rng_seed(settings(0.1, 0), 1);
    record_n(&metrics, OpType::Http, "GET /", 100_000, FAST);
    let http = metrics.snapshot_with_events(0).get(OpType::Http).clone();
    assert_eq!(http.count, 100_000);
    assert_eq!(http.effective_rate, 0.1);
    assert!(
        (http.sampled_ratio - 0.1).abs() < 0.005,
        "{}",
        http.sampled_ratio
    );
}

#[test]
fn slow_operations_are_always_admitted() {
    let metrics = Metrics::new(MonitorSettings {
        slow_threshold: Duration::from_millis(100),
        ..settings(0.0, 0)
    });
    record_n(&metrics, OpType::Database, "SELECT notes", 50, FAST);
    record_n(
        &metrics,
        OpType::Database,
        "SELECT notes",
        3,
        Duration::from_millis(100),
    );
    record_n(
        &metrics,
        OpType::Database,
        "SELECT notes",
        2,
        Duration::from_secs(3),
    );
    let snapshot = metrics.snapshot();
    assert_eq!(snapshot.get(OpType::Database).count, 55);
    assert_eq!(snapshot.get(OpType::Database).sampled, 5);
    assert_eq!(snapshot.recent_events.len(), 5);
    assert!(
        snapshot
            .recent_events
            .iter()
            .all(|e| e.reason == AdmitReason::Slow && e.duration() >= Duration::from_millis(100))
    );
}

#[test]
fn buffer_is_bounded_and_keeps_the_newest() {
    let metrics = Metrics::new(MonitorSettings {
        buffer_size: 5,
        ..settings(1.0, 0)
    });
    for i in 0..20 {
        metrics.record(
            OpType::Render,
            &format!("t{i:02}"),
            FAST,
            Outcome::Ok,
            render("x"),
        );
    }
    let snapshot = metrics.snapshot();
    let names: Vec<&str> = snapshot
        .recent_events
        .iter()
        .map(|e| e.operation.as_str())
        .collect();
    assert_eq!(names, ["t19", "t18", "t17", "t16", "t15"]);
    // Sampled counts every admission, evicted ones included.
    assert_eq!(snapshot.get(OpType::Render).sampled, 20);
    assert_eq!(metrics.snapshot_with_events(2).recent_events.len(), 2);
}

#[test]
fn events_carry_what_happened() {
    let metrics = Metrics::new(settings(1.0, 0));
    metrics.record_with_bytes(
        OpType::Http,
        "GET /notes/{slug}",
        FAST,
        Outcome::Ok,
        512,
        || EventDetail::Http {
            method: "GET".into(),
            route: "/notes/{slug}".into(),
            status: 200,
            bytes: 512,
        },
    );
    let snapshot = metrics.snapshot();
    let event = &snapshot.recent_events[0];
    assert_eq!(event.op_type, OpType::Http);
    assert_eq!(event.operation, "GET /notes/{slug}");
    assert_eq!(event.duration(), FAST);
    assert_eq!(event.outcome, Outcome::Ok);
    assert_eq!(event.reason, AdmitReason::Sampled);
    assert!(event.timestamp_ms > 1_600_000_000_000);
    assert!(matches!(
        event.detail,
        EventDetail::Http { status: 200, .. }
    ));
}

#[test]
fn detail_is_built_only_for_admitted_events() {
    let built = AtomicUsize::new(0);
    let metrics = Metrics::new(settings(0.0, 3));
    for _ in 0..10 {
        metrics.record(OpType::Render, "index.html", FAST, Outcome::Ok, || {
            built.fetch_add(1, Ordering::Relaxed);
            EventDetail::Render {
                template: "index.html".into(),
            }
        });
    }
    assert_eq!(built.load(Ordering::Relaxed), 3);
}

/// Regression switch `legacy-sampling`: aggregates come from sampled events only and
/// the minimum guarantee is gone, so a low-traffic type reads 0 at rate 0.
#[test]
fn legacy_sampling_drops_unsampled_ops_and_has_no_min_guarantee() {
    let legacy = |rate| MonitorSettings {
        legacy_sampling: true,
        ..settings(rate, 10)
    };
    let metrics = Metrics::with_rng_seed(legacy(0.0), 3);
    record_n(&metrics, OpType::Database, "SELECT notes", 5, FAST);
    let snapshot = metrics.snapshot();
    assert!(snapshot.settings.legacy_sampling);
    let db = snapshot.get(OpType::Database);
    assert_eq!((db.count, db.sampled), (0, 0));
    assert!(db.operations.is_empty());
    assert!(snapshot.recent_events.is_empty());

    let metrics = Metrics::with_rng_seed(legacy(0.1), 3);
    record_n(&metrics, OpType::Database, "SELECT notes", 10_000, FAST);
    let db = metrics
        .snapshot_with_events(0)
        .get(OpType::Database)
        .clone();
    assert_eq!(db.count, db.sampled);
    assert!(db.count > 800 && db.count < 1_200, "{}", db.count);

    // Slow operations are still always sampled, hence counted.
    let metrics = Metrics::with_rng_seed(legacy(0.0), 3);
    record_n(
        &metrics,
        OpType::Database,
        "SELECT notes",
        2,
        Duration::from_secs(2),
    );
    assert_eq!(metrics.snapshot().get(OpType::Database).count, 2);
}

#[test]
fn seeded_sampling_is_deterministic() {
    let run = |seed| {
        let metrics = Metrics::with_rng_seed(settings(0.3, 0), seed);
        for i in 0..1_000 {
            metrics.record(
                OpType::Http,
                &format!("op{i}"),
                FAST,
                Outcome::Ok,
                render("x"),
            );
        }
        let snapshot = metrics.snapshot();
        let names: Vec<String> = snapshot
            .recent_events
            .into_iter()
            .map(|e| e.operation.to_string())
            .collect();
        (snapshot.types.http.sampled, names)
    };
    let first = run(42);
    assert_eq!(first, run(42));
    assert!(first.0 > 200 && first.0 < 400, "{}", first.0);
    assert_ne!(first, run(43));
}
