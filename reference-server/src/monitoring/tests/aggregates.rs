//! Exact aggregates: percentiles, min/max/avg, errors, aborts and bytes, disabled
//! recording, concurrent recording and the cap on operation names.

use super::*;

#[test]
fn percentiles_of_a_known_distribution_land_in_the_right_bucket() {
    let metrics = Metrics::new(settings(0.0, 0));
    // 1 ms, 2 ms, ..., 100 ms: p50 = 50 ms, p95 = 95 ms, p99 = 99 ms.
    for ms in 1..=100 {
        metrics.record(
            OpType::Database,
            "SELECT notes",
            Duration::from_millis(ms),
            Outcome::Ok,
            render("x"),
        );
    }
    let snapshot = metrics.snapshot();
    let db = snapshot.get(OpType::Database);
    for (estimate_ms, truth_ms) in [
        (db.latency.p50_ms, 50.0),
        (db.latency.p95_ms, 95.0),
        (db.latency.p99_ms, 99.0),
    ] {
        let estimate_ns = (estimate_ms * 1e6).round() as u64;
        let truth_ns = (truth_ms * 1e6) as u64;
        assert_eq!(
            bucket_index(estimate_ns),
            bucket_index(truth_ns),
            "{truth_ms} ms"
        );
        assert!(estimate_ms >= truth_ms && estimate_ms <= truth_ms * 1.25);
    }
    assert_eq!(db.operations[0].latency, db.latency);
}

#[test]
fn min_max_avg_are_exact() {
    let metrics = Metrics::new(settings(0.0, 0));
    for us in [300, 100, 200, 400] {
        metrics.record(
            OpType::Render,
            "note.html",
            Duration::from_micros(us),
            Outcome::Ok,
            render("x"),
        );
    }
    metrics.record(
        OpType::Render,
        "feed.xml",
        Duration::from_micros(1_000),
        Outcome::Ok,
        render("x"),
    );
    let snapshot = metrics.snapshot();
    let note = &snapshot.get(OpType::Render).operations[1];
    assert_eq!(note.name, "note.html");
    assert_eq!(note.latency.min_ms, 0.1);
    assert_eq!(note.latency.max_ms, 0.4);
    assert!((note.latency.avg_ms - 0.25).abs() < 1e-12);
    let render_type = snapshot.get(OpType::Render);
    assert_eq!(render_type.latency.min_ms, 0.1);
    assert_eq!(render_type.latency.max_ms, 1.0);
    assert!((render_type.latency.avg_ms - 0.4).abs() < 1e-12);
}

#[test]
fn errors_aborts_and_bytes_are_counted_per_operation_and_type() {
    let metrics = Metrics::new(settings(0.0, 0));
    let no_detail = || EventDetail::Render {
        template: Name::from(""),
    };
    for (operation, outcome, bytes) in [
        ("GET /", Outcome::Ok, 100),
        ("GET /", Outcome::Error, 10),
        ("GET /static/{*path}", Outcome::Aborted, 7),
        ("GET /static/{*path}", Outcome::Ok, 1_000),
    ] {
        metrics.record_with_bytes(OpType::Http, operation, FAST, outcome, bytes, no_detail);
    }
    let snapshot = metrics.snapshot();
    let http = snapshot.get(OpType::Http);
    assert_eq!(
        (http.count, http.errors, http.aborted, http.bytes),
        (4, 2, 1, 1_117)
    );
    let names: Vec<&str> = http.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["GET /", "GET /static/{*path}"]);
    let root = &http.operations[0];
    assert_eq!(
        (root.count, root.errors, root.aborted, root.bytes),
        (2, 1, 0, 110)
    );
    let assets = &http.operations[1];
    assert_eq!(
        (assets.count, assets.errors, assets.aborted, assets.bytes),
        (2, 1, 1, 1_007)
    );
}

#[test]
fn disabled_records_nothing() {
    let metrics = Metrics::new(MonitorSettings {
        enabled: false,
        ..settings(1.0, 10)
    });
    for op in OpType::ALL {
        metrics.record(op, "x", FAST, Outcome::Error, || {
            panic!("detail must not be built when disabled")
        });
    }
    let snapshot = metrics.snapshot();
    assert!(!snapshot.settings.enabled);
    for op in OpType::ALL {
        let figures = snapshot.get(op);
        assert_eq!((figures.count, figures.sampled, figures.errors), (0, 0, 0));
        assert!(figures.operations.is_empty());
    }
    assert!(snapshot.recent_events.is_empty());
    assert!(
        metrics
            .encode_prometheus(&[])
            .contains("refserver_monitoring_enabled 0\n")
    );
}

#[test]
fn concurrent_recording_gives_exact_totals() {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 10_000;
    let metrics = Arc::new(Metrics::new(MonitorSettings {
        buffer_size: 64,
        ..settings(0.5, 10)
    }));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let metrics = Arc::clone(&metrics);
            std::thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let op = OpType::ALL[(i % 3) as usize];
                    let name = if i % 2 == 0 { "shared" } else { "other" };
                    let outcome = if i % 10 == 0 {
                        Outcome::Error
                    } else {
                        Outcome::Ok
                    };
                    metrics.record_with_bytes(
                        op,
                        name,
                        Duration::from_nanos(1_000 + t),
                        outcome,
                        1,
                        render("x"),
                    );
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("recording thread panicked");
    }
    let snapshot = metrics.snapshot();
    let total: u64 = OpType::ALL.iter().map(|op| snapshot.get(*op).count).sum();
    let errors: u64 = OpType::ALL.iter().map(|op| snapshot.get(*op).errors).sum();
    let bytes: u64 = OpType::ALL.iter().map(|op| snapshot.get(*op).bytes).sum();
    let per_op: u64 = OpType::ALL
        .iter()
        .flat_map(|op| snapshot.get(*op).operations.iter().map(|o| o.count))
        .sum();
    assert_eq!(total, THREADS * PER_THREAD);
    assert_eq!(per_op, THREADS * PER_THREAD);
    assert_eq!(bytes, THREADS * PER_THREAD);
    assert_eq!(errors, THREADS * PER_THREAD / 10);
    for op in OpType::ALL {
        let figures = snapshot.get(op);
        assert!(figures.sampled >= 10 && figures.sampled <= figures.count);
        assert_eq!(figures.latency.min_ms, 0.001);
        assert_eq!(figures.latency.max_ms, (1_000 + THREADS - 1) as f64 / 1e6);
    }
    assert_eq!(snapshot.recent_events.len(), 64);
}

#[test]
fn operation_names_are_capped_per_type() {
    let metrics = Metrics::new(settings(0.0, 0));
    for i in 0..MAX_OPERATIONS_PER_TYPE + 5 {
        metrics.record(
            OpType::Http,
            &format!("GET /raw/{i}"),
            FAST,
            Outcome::Ok,
            render("x"),
        );
    }
    metrics.record(OpType::Http, "GET /raw/0", FAST, Outcome::Ok, render("x"));
    let snapshot = metrics.snapshot_with_events(0);
    let http = snapshot.get(OpType::Http);
    assert_eq!(http.count, MAX_OPERATIONS_PER_TYPE as u64 + 6);
    assert_eq!(http.operations.len(), MAX_OPERATIONS_PER_TYPE + 1);
    let overflow = http
        .operations
        .iter()
        .find(|o| o.name == OVERFLOW_OPERATION)
        .map(|o| o.count);
    assert_eq!(overflow, Some(5));
}
