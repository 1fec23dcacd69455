//! Broken servers built with wiremock are reported for what they are: the checks
//! fail, with messages that point at the cause, against servers this project did not
//! write (the scenario files' own catches are proven by the `matrix` suite).

use std::collections::BTreeMap;

use harness::exit_codes;
use harness::report::RunReport;
use harness::scenario::Scenario;
use harness::server::TargetSpec;
use scenario_tests::{failure_lines, run, scenario_dir};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A `url` target at a wiremock server.
fn url_target(server: &MockServer, ready_timeout: f64) -> TargetSpec {
    let text = format!(
        "name = \"broken\"\nkind = \"url\"\nurl = \"{}/\"\n[ready]\npath = \"/health\"\ntimeout_secs = {ready_timeout}\n[metrics]\nprometheus = \"/metrics\"\n",
        server.uri()
    );
    TargetSpec::parse(&text, scenario_dir()).expect("valid target")
}

/// Runs `text`, written to a scenario file (scenarios are files; this keeps them so),
/// against a `url` target at `server`.
async fn run_scenario(server: &MockServer, ready_timeout: f64, text: &str) -> RunReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, text).expect("write scenario");
    let scenario = Scenario::load(&file).expect("valid scenario");
    run(
        &[scenario],
        &url_target(server, ready_timeout),
        BTreeMap::new(),
    )
    .await
}

async fn healthy(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_500_on_one_stylesheet_is_reported_with_its_url() {
    let server = MockServer::start().await;
    healthy(&server).await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<!doctype html><link rel="stylesheet" href="/static/site.css"><script src="/static/app.js"></script>"#,
            "text/html; charset=utf-8",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/static/site.css"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string("RuntimeError: direct passthrough mode"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/static/app.js"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("console.log(1)", "application/octet-stream"),
        )
        .mount(&server)
        .await;
    let scenario = "name = \"broken-assets\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\ncheck-assets = { pages = [\"/\"] }\n";
    let report = run_scenario(&server, 5.0, scenario).await;
    let failures = failure_lines(&report).join("\n");
    assert_eq!(exit_codes::for_run(&report), exit_codes::CHECK_FAILED);
    for (cause, url) in [
        ("status 500", "/static/site.css"),
        ("application/octet-stream", "/static/app.js"),
    ] {
        assert!(
            failures.contains(cause) && failures.contains(url),
            "{failures}"
        );
    }
}

#[tokio::test]
async fn metrics_that_stay_at_zero_fail_the_count() {
    let server = MockServer::start().await;
    healthy(&server).await;
    Mock::given(path("/notes/hello-world"))
        .respond_with(ResponseTemplate::new(200).set_body_string("note"))
        .mount(&server)
        .await;
    Mock::given(path("/metrics"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "# TYPE refserver_operations counter\nrefserver_operations_total{type=\"database\",operation=\"SELECT notes\"} 0\n# EOF\n",
        ))
        .mount(&server)
        .await;
    let scenario = "name = \"zero\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\ntraffic = { paths = [\"/notes/hello-world\"], requests = 3 }\n[[steps]]\nmetric = { prometheus = 'refserver_operations_total{type=\"database\"}', expect = \"== 3\" }\n[[steps]]\nmetric = { prometheus = 'refserver_operations_total{type=\"render\"}', expect = \">= 0\" }\n";
    let report = run_scenario(&server, 5.0, scenario).await;
    let failures = failure_lines(&report).join("\n");
    assert!(failures.contains("expected == 3, seen 0"), "{failures}");
    // A selector matching no series is a failure too, even with `>= 0`.
    assert!(failures.contains("no series matches"), "{failures}");
}

#[tokio::test]
async fn a_server_that_never_becomes_ready_exits_3() {
    let server = MockServer::start().await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let scenario = "name = \"never\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\ncheck-assets = { pages = [\"/\"] }\n";
    let report = run_scenario(&server, 0.5, scenario).await;
    assert_eq!(exit_codes::for_run(&report), exit_codes::TARGET_NOT_READY);
    let lines = failure_lines(&report).join("\n");
    assert!(
        lines.contains("503"),
        "the last probe result is shown: {lines}"
    );
}
