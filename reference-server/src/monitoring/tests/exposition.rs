//! Both exposition formats: the JSON snapshot and the Prometheus (OpenMetrics) text.

use super::*;

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
        metrics.record_with_bytes(
            OpType::Http,
            "GET /notes/{slug}",
            Duration::from_millis(ms),
            Outcome::Ok,
            100,
            || EventDetail::Render {
                template: Name::from(""),
            },
        );
    }
    metrics.record_with_bytes(
        OpType::Http,
        "GET /static/{*path}",
        FAST,
        Outcome::Aborted,
        5,
        || EventDetail::Render {
            template: Name::from(""),
        },
    );
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
