//! `metric` steps with `delta`, and the responsiveness deltas a run records, against a
//! wiremock server whose counters did not start at 0 (a `url` target already running):
//! the change is counted from the reference reading taken before the first step after
//! the boot.

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
