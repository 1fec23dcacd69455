//! `metric` steps with `delta`, and the responsiveness deltas a run records, against a
//! wiremock server whose counters did not start at 0 (a `url` target already running):
//! the change is counted from the reference reading taken before the first step after
//! the boot. And the baseline comparison on a stack other than our own: a wiremock
//! server whose counter stops counting and whose stylesheet changes type.

use harness::report::RunReport;
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::server::TargetSpec;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that answers `/health` and `/page`, and whose `/metrics` says `before` on
/// the first read (the reference reading) and `after` on every later one.
async fn server(before: &str, after: &str) -> MockServer {
    let server = MockServer::start().await;
    for route in ["/health", "/page"] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&server)
            .await;
    }
    let exposition = |body: &str| {
        ResponseTemplate::new(200).set_body_raw(body.to_owned(), "text/plain; version=0.0.4")
    };
    Mock::given(method("GET"))
        .and(path("/metrics"))
        .respond_with(exposition(before))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/metrics"))
        .respond_with(exposition(after))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

const BEFORE: &str = "# TYPE app_requests_total counter\napp_requests_total{route=\"/page\"} 100\n";
const AFTER: &str = "# TYPE app_requests_total counter\napp_requests_total{route=\"/page\"} 103\napp_requests_total{route=\"/new\"} 2\n";

/// Runs one scenario whose last step is `metric` (a TOML inline table) after three
/// requests to `/page`.
async fn run(server: &MockServer, metric: &str, options: &RunOptions) -> RunReport {
    run_with(server, metric, "", options).await
}

/// [`run`], with `more_steps` (TOML `[[steps]]` tables) after the metric step.
async fn run_with(
    server: &MockServer,
    metric: &str,
    more_steps: &str,
    options: &RunOptions,
) -> RunReport {
    let target = TargetSpec::parse(
        &format!(
            "name = \"running\"\nkind = \"url\"\nurl = \"{}/\"\n[ready]\npath = \"/health\"\n\
             [metrics]\nprometheus = \"/metrics\"\n",
            server.uri()
        ),
        std::env::temp_dir(),
    )
    .expect("valid target");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("delta.toml");
    let text = format!(
        "name = \"delta\"\ndescription = \"d\"\n[[steps]]\nboot = {{}}\n[[steps]]\n\
         traffic = {{ paths = [\"/page\"], requests = 3 }}\n[[steps]]\nmetric = {metric}\n"
    );
    let text = format!("{text}{more_steps}");
    std::fs::write(&file, text).expect("write scenario");
    let scenario = Scenario::load(&file).expect("valid scenario");
    let mut report = RunReport::new();
    run_scenarios(&[scenario], &target, options, &mut report).await;
    report
}

fn failures(report: &RunReport) -> Vec<String> {
    report
        .failures()
        .map(|(_, c)| {
            let (expected, seen) = c.verdict.expected_and_seen().unwrap_or_default();
            format!("{}: expected {expected}, seen {seen}", c.name)
        })
        .collect()
}

#[tokio::test]
async fn a_delta_counts_only_the_scenarios_own_traffic() {
    let server = server(BEFORE, AFTER).await;
    let report = run(
        &server,
        r#"{ prometheus = 'app_requests_total{route="/page"}', delta = "== 3" }"#,
        &RunOptions::default(),
    )
    .await;
    assert!(report.passed(), "{:?}", failures(&report));
}

#[tokio::test]
async fn a_wrong_delta_fails_with_the_change_seen() {
    let server = server(BEFORE, AFTER).await;
    let report = run(
        &server,
        r#"{ prometheus = 'app_requests_total{route="/page"}', delta = "== 2" }"#,
        &RunOptions::default(),
    )
    .await;
    let failures = failures(&report);
    assert_eq!(
        failures,
        [
            "app_requests_total{route=\"/page\"} delta == 2: expected a change of == 2 since \
             the reference reading, seen 3"
        ]
    );
}

#[tokio::test]
async fn the_absolute_value_of_a_running_server_is_not_the_traffic() {
    // Why `delta` exists: the same check on the value fails against a running server.
    // (No step needs a reference here, so the step's read is the server's first.)
    let server = server(BEFORE, AFTER).await;
    let report = run(
        &server,
        r#"{ prometheus = 'app_requests_total{route="/page"}', expect = "== 3" }"#,
        &RunOptions::default(),
    )
    .await;
    assert_eq!(
        failures(&report),
        ["app_requests_total{route=\"/page\"} == 3: expected == 3, seen 100"]
    );
}

#[tokio::test]
async fn a_series_absent_from_the_reference_counts_from_zero() {
    let server = server(BEFORE, AFTER).await;
    let report = run(
        &server,
        r#"{ prometheus = 'app_requests_total{route="/new"}', delta = "== 2" }"#,
        &RunOptions::default(),
    )
    .await;
    assert!(report.passed(), "{:?}", failures(&report));
}

#[tokio::test]
async fn a_run_records_every_counting_series_delta_when_asked() {
    let server = server(BEFORE, AFTER).await;
    let options = RunOptions {
        record_metric_deltas: true,
        ..RunOptions::default()
    };
    let report = run(
        &server,
        r#"{ prometheus = 'app_requests_total{route="/page"}', delta = "== 3" }"#,
        &options,
    )
    .await;
    assert!(report.passed(), "{:?}", failures(&report));
    let deltas = &report.scenarios()[0].metric_deltas;
    assert_eq!(deltas.len(), 1, "{deltas:?}");
    assert_eq!(deltas[0].endpoint, "prometheus");
    let seen: Vec<(String, f64)> = deltas[0]
        .series
        .iter()
        .map(|d| (d.id.to_string(), d.delta))
        .collect();
    assert_eq!(
        seen,
        [
            ("app_requests_total{route=\"/new\"}".to_owned(), 2.0),
            ("app_requests_total{route=\"/page\"}".to_owned(), 3.0),
        ]
    );
}

/// A small foreign server: `/` links `/a.css`, which it serves as `css_type`; each
/// `/page` request counts into `app_requests_total` when `counts` (a server whose
/// instrumentation is unwired does not), and `/metrics` shows the count.
async fn foreign(css_type: &'static str, counts: bool) -> MockServer {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use wiremock::{Request, Respond};

    struct Page(Arc<AtomicU64>, bool);
    impl Respond for Page {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            if self.1 {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
            ResponseTemplate::new(200).set_body_string("ok")
        }
    }
    struct Metrics(Arc<AtomicU64>);
    impl Respond for Metrics {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            let n = self.0.load(Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_raw(
                format!(
                    "# TYPE app_requests_total counter\napp_requests_total{{route=\"/page\"}} {n}\n"
                ),
                "text/plain; version=0.0.4",
            )
        }
    }
    let server = MockServer::start().await;
    let count = Arc::new(AtomicU64::new(41));
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<!doctype html><link rel="stylesheet" href="/a.css">"#,
            "text/html",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/a.css"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("body{}", css_type))
        .mount(&server)
        .await;
    Mock::given(path("/page"))
        .respond_with(Page(Arc::clone(&count), counts))
        .mount(&server)
        .await;
    Mock::given(path("/metrics"))
        .respond_with(Metrics(count))
        .mount(&server)
        .await;
    server
}

/// The generic shape of `scenarios/gate/generic.toml` against a foreign server: no
/// metric named, deltas recorded.
async fn generic_run(server: &MockServer) -> harness::report::json::Document {
    let options = RunOptions {
        record_metric_deltas: true,
        ..RunOptions::default()
    };
    let report = run_with(
        server,
        r#"{ prometheus = 'app_requests_total', expect = ">= 0" }"#,
        "[[steps]]\ncheck-assets = { pages = [\"/\"] }\n",
        &options,
    )
    .await;
    harness::report::json::Document::new(&report)
}

#[tokio::test]
async fn the_diff_catches_a_foreign_servers_unwired_counter_and_wrong_type() {
    use harness::compare::{FindingArea, compare_runs};
    let baseline = generic_run(&foreign("text/css", true).await).await;
    let same = generic_run(&foreign("text/css", true).await).await;
    assert!(compare_runs(&baseline, &same).regressions.is_empty());
    let broken = generic_run(&foreign("application/octet-stream", false).await).await;
    let comparison = compare_runs(&baseline, &broken);
    let found: Vec<(FindingArea, String, String, String)> = comparison
        .regressions
        .iter()
        .map(|f| {
            (
                f.area,
                f.subject.clone(),
                f.baseline.clone(),
                f.candidate.clone(),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            FindingArea::Metric,
            "prometheus app_requests_total{route=\"/page\"}".to_owned(),
            "moved by 3".to_owned(),
            "moved by 0".to_owned()
        )),
        "{found:#?}"
    );
    assert!(
        found.contains(&(
            FindingArea::Asset,
            "/a.css".to_owned(),
            "text/css".to_owned(),
            "application/octet-stream".to_owned()
        )),
        "{found:#?}"
    );
}
