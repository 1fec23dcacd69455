//! Behaviour tests of `Metrics` as the server uses it: exact aggregates, admission to
//! the buffer, the regression switch, concurrency and both exposition formats.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::histogram::bucket_index;
use super::*;

fn settings(rate: f64, min_samples: u64) -> MonitorSettings {
    MonitorSettings {
        min_samples,
        ..MonitorSettings::default()
    }
    .with_rate(rate)
}

fn render(template: &str) -> impl FnOnce() -> EventDetail {
    let template = template.to_owned();
    move || EventDetail::Render { template }
}

fn record_n(metrics: &Metrics, op: OpType, operation: &str, n: u64, duration: Duration) {
    for _ in 0..n {
        metrics.record(op, operation, duration, Outcome::Ok, render("t"));
    }
}

const FAST: Duration = Duration::from_micros(50);

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
            .all(|e| e.reason == AdmitReason::Slow && e.duration >= Duration::from_millis(100))
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
    metrics.record_http("GET /notes/{slug}", FAST, Outcome::Ok, 512, || {
        EventDetail::Http {
            method: "GET".into(),
            route: "/notes/{slug}".into(),
            status: 200,
            bytes: 512,
        }
    });
    let snapshot = metrics.snapshot();
    let event = &snapshot.recent_events[0];
    assert_eq!(event.op_type, OpType::Http);
    assert_eq!(event.operation, "GET /notes/{slug}");
    assert_eq!(event.duration, FAST);
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
        template: String::new(),
    };
    metrics.record_http("GET /", FAST, Outcome::Ok, 100, no_detail);
    metrics.record_http("GET /", FAST, Outcome::Error, 10, no_detail);
    metrics.record_http("GET /static/{*path}", FAST, Outcome::Aborted, 7, no_detail);
    metrics.record_http("GET /static/{*path}", FAST, Outcome::Ok, 1_000, no_detail);
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
            .map(|e| e.operation)
            .collect();
        (snapshot.types.http.sampled, names)
    };
    let first = run(42);
    assert_eq!(first, run(42));
    assert!(first.0 > 200 && first.0 < 400, "{}", first.0);
    assert_ne!(first, run(43));
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

#[test]
fn snapshot_with_zero_counts_serializes_to_finite_numbers() {
    let metrics = Metrics::new(MonitorSettings::default());
    let json = serde_json::to_value(metrics.snapshot()).expect("snapshot serializes");
    for op in OpType::ALL {
        let figures = &json["types"][op.as_str()];
        assert_eq!(figures["type"], op.as_str());
        for key in [
            "count",
            "sampled",
            "errors",
            "aborted",
            "bytes",
            "sampled_ratio",
            "avg_ms",
            "min_ms",
            "max_ms",
            "p50_ms",
            "p95_ms",
            "p99_ms",
        ] {
            assert_eq!(figures[key].as_f64(), Some(0.0), "{op} {key}");
        }
        assert_eq!(figures["operations"], serde_json::json!([]));
        assert_eq!(figures["effective_rate"], 1.0);
    }
    assert_eq!(json["settings"]["rates"]["database"], 1.0);
    assert_eq!(json["settings"]["slow_threshold_seconds"], 1.0);
    assert_eq!(json["settings"]["min_samples"], 10);
    assert_eq!(json["settings"]["buffer_size"], 1000);
    assert_eq!(json["recent_events"], serde_json::json!([]));
}

#[test]
fn snapshot_json_has_operations_and_events() {
    let metrics = Metrics::new(settings(1.0, 0));
    metrics.record(
        OpType::Database,
        "SELECT notes",
        Duration::from_millis(2),
        Outcome::Ok,
        || EventDetail::Database {
            kind: "SELECT".into(),
            table: "notes".into(),
            rows: 3,
            slow: false,
        },
    );
    let json = serde_json::to_value(metrics.snapshot()).expect("snapshot serializes");
    let op = &json["types"]["database"]["operations"][0];
    assert_eq!(op["name"], "SELECT notes");
    assert_eq!(op["count"], 1);
    assert_eq!(op["max_ms"], 2.0);
    let event = &json["recent_events"][0];
    assert_eq!(event["type"], "database");
    assert_eq!(event["reason"], "sampled");
    assert_eq!(event["detail"]["table"], "notes");
    assert_eq!(event["duration_ms"], 2.0);
}

/// One parsed sample line of the exposition.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A strict-enough parser of the text exposition: every line is a `#` directive or a
/// `name{labels} value` sample, and the text ends with `# EOF`.
fn parse_exposition(text: &str) -> (Vec<(String, String)>, Vec<Sample>) {
    assert!(text.ends_with("# EOF\n"), "missing EOF marker");
    let mut types = Vec::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE line has a kind");
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "kind {kind}"
            );
            types.push((name.to_owned(), kind.to_owned()));
            continue;
        }
        if line.starts_with("# HELP ") || line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected directive {line}");
        let (series, value) = line.rsplit_once(' ').expect("sample has a value");
        let value = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("labels end with }");
                (name, parse_labels(body))
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name {name}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    (types, samples)
}

fn parse_labels(body: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = body.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        assert_eq!(chars.next(), Some('"'), "label {key} value is quoted");
        let mut value = String::new();
        loop {
            match chars.next().expect("label value is closed") {
                '"' => break,
                '\\' => match chars.next().expect("escape is complete") {
                    'n' => value.push('\n'),
                    c @ ('\\' | '"') => value.push(c),
                    c => panic!("bad escape \\{c}"),
                },
                c => value.push(c),
            }
        }
        labels.insert(key, value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    labels
}

#[test]
fn prometheus_output_is_valid_exposition_text() {
    let metrics = Metrics::new(settings(0.0, 1));
    for ms in [1, 2, 3] {
        metrics.record_http(
            "GET /notes/{slug}",
            Duration::from_millis(ms),
            Outcome::Ok,
            100,
            || EventDetail::Render {
                template: String::new(),
            },
        );
    }
    metrics.record_http("GET /static/{*path}", FAST, Outcome::Aborted, 5, || {
        EventDetail::Render {
            template: String::new(),
        }
    });
    record_n(&metrics, OpType::Database, "SELECT \"notes\"\\x", 4, FAST);
    let text = metrics.encode_prometheus(&[
        ("refserver_pool_idle", "Idle connections.", 3.0),
        ("bad name", "skipped", 1.0),
    ]);
    let (types, samples) = parse_exposition(&text);
    let kind = |name: &str| {
        types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| k.as_str())
    };
    assert_eq!(kind("refserver_operations"), Some("counter"));
    assert_eq!(kind("refserver_operation_errors"), Some("counter"));
    assert_eq!(kind("refserver_operations_aborted"), Some("counter"));
    assert_eq!(kind("refserver_events_sampled"), Some("counter"));
    assert_eq!(kind("refserver_http_response_bytes"), Some("counter"));
    assert_eq!(
        kind("refserver_operation_duration_seconds"),
        Some("histogram")
    );
    assert_eq!(kind("refserver_sampling_rate"), Some("gauge"));
    assert_eq!(kind("refserver_monitoring_enabled"), Some("gauge"));
    assert_eq!(kind("refserver_pool_idle"), Some("gauge"));
    assert!(!text.contains("bad name"));

    let value = |name: &str, labels: &[(&str, &str)]| {
        let matching: Vec<f64> = samples
            .iter()
            .filter(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .collect();
        assert_eq!(matching.len(), 1, "{name} {labels:?} in\n{text}");
        matching[0]
    };
    let notes = [("type", "http"), ("operation", "GET /notes/{slug}")];
    let assets = [("type", "http"), ("operation", "GET /static/{*path}")];
    let query = [("type", "database"), ("operation", "SELECT \"notes\"\\x")];
    assert_eq!(value("refserver_operations_total", &notes), 3.0);
    assert_eq!(value("refserver_operations_total", &query), 4.0);
    assert_eq!(value("refserver_operation_errors_total", &assets), 1.0);
    assert_eq!(value("refserver_operations_aborted_total", &assets), 1.0);
    assert_eq!(value("refserver_operations_aborted_total", &notes), 0.0);
    assert_eq!(
        value(
            "refserver_http_response_bytes_total",
            &[("operation", "GET /notes/{slug}")]
        ),
        300.0
    );
    assert_eq!(
        value("refserver_events_sampled_total", &[("type", "http")]),
        1.0
    );
    assert_eq!(
        value("refserver_events_sampled_total", &[("type", "database")]),
        1.0
    );
    assert_eq!(value("refserver_sampling_rate", &[("type", "render")]), 0.0);
    assert_eq!(value("refserver_monitoring_enabled", &[]), 1.0);
    assert_eq!(value("refserver_pool_idle", &[]), 3.0);

    let histogram = "refserver_operation_duration_seconds";
    assert_eq!(value(&format!("{histogram}_count"), &notes), 3.0);
    assert!((value(&format!("{histogram}_sum"), &notes) - 0.006).abs() < 1e-12);
    let mut inf = notes.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(value(&format!("{histogram}_bucket"), &inf), 3.0);
    // Buckets are cumulative: non-decreasing with `le`.
    let buckets: Vec<f64> = samples
        .iter()
        .filter(|s| {
            s.name == format!("{histogram}_bucket")
                && s.labels.get("operation").map(String::as_str) == Some("GET /notes/{slug}")
        })
        .map(|s| s.value)
        .collect();
    assert!(buckets.len() > 20);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]));
}
