//! Every check can fail: each scenario fails against the regression switch it claims
//! to catch (with a message pointing at the cause), and broken servers built with
//! wiremock are reported for what they are.

use std::collections::BTreeMap;
use std::path::Path;

use harness::exit_codes;
use harness::scenario::Scenario;
use harness::target::TargetSpec;
use reference_server::config::Regression;
use scenarios::{failure_lines, run, scenario, scenario_dir, target};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs `name` with `switch` on (one name, or a comma list passed verbatim as
/// `REFSERVER_REGRESSIONS`) and checks it fails, some failure naming each of `messages`.
async fn catches(name: &str, switch: &str, messages: &[&str]) {
    let env = BTreeMap::from([("REFSERVER_REGRESSIONS".to_owned(), switch.to_owned())]);
    let report = run(&[scenario(name)], &target("reference-process"), env).await;
    let failures = failure_lines(&report);
    assert!(
        !report.passed(),
        "{name} passed with regression {switch} on"
    );
    assert_eq!(
        exit_codes::for_run(&report),
        exit_codes::CHECK_FAILED,
        "{name}/{switch}:\n{}",
        failures.join("\n")
    );
    for message in messages {
        assert!(
            failures.iter().any(|f| f.contains(message)),
            "{name} with {switch}: no failure mentions {message:?}:\n{}",
            failures.join("\n")
        );
    }
}

/// `silent-config-fallback` in sampling-config: each refusal, accepted instead.
const SILENT_ALIAS_CONFLICT: &str = "refuses to start with METRICS_SAMPLING_RATE=1.0 \
     METRICS_SAMPLING_RATES=0.1: exit code: expected start-up refused with exit code 2, \
     seen target started";
const SILENT_STRICT_TYPO: &str = "refuses to start with CONFIG_STRICT=true \
     METRICS_SAMPLNG_RATE=0.5: exit code: expected start-up refused with exit code 2, \
     seen target started";
const SILENT_OUT_OF_RANGE: &str = "refuses to start with METRICS_SAMPLING_RATE=1.5: exit \
     code: expected start-up refused with exit code 2, seen target started";

/// buffered-body-size in static-assets, by size: the error page in a file's place
/// fails the asset's length check, and the server's byte counter stays short.
const BUFFERED_LENGTH: &str = "length /static/css/style.css: expected Content-Length == \
     body length == size on disk (6730 bytes), seen Content-Length 107";
const BUFFERED_BYTES: &str = "refserver_http_response_bytes_total{operation=\"GET /static/*\"} \
     > 1048576: expected > 1048576, seen";

/// micropub-write's refusals, answered 201 instead.
const ANY_BEARER_TOKEN: &str = "POST /micropub: status: expected status 401, seen status 201";
const ACCEPT_EMPTY_NOTE: &str = "POST /micropub: status: expected status 400, seen status 201";

/// StarPunk v1.1.2-rc.1 as shipped: both bugs at once, the switch a comma list passed
/// verbatim. Sampling configured at 100%, yet the database count after 10 requests is
/// wrong (either switch alone is exact at 1.0).
const STARPUNK_RC1: &str = "plural-sampling-key,legacy-sampling";
const STARPUNK_RC1_MESSAGE: &str = "[rate-1.0] \
     refserver_operations_total{type=\"database\",operation=\"SELECT notes\"} == 10: \
     expected == 10, seen";

#[tokio::test]
async fn static_assets_catches_buffered_body_size() {
    catches(
        "static-assets",
        "buffered-body-size",
        &["status 500", BUFFERED_LENGTH, BUFFERED_BYTES],
    )
    .await;
}

#[tokio::test]
async fn static_assets_catches_wrong_content_type() {
    catches(
        "static-assets",
        "wrong-content-type",
        &["application/octet-stream"],
    )
    .await;
}

#[tokio::test]
async fn sampling_config_catches_plural_sampling_key() {
    catches(
        "sampling-config",
        "plural-sampling-key",
        &["effective_rate"],
    )
    .await;
}

#[tokio::test]
async fn sampling_config_catches_silent_config_fallback() {
    catches(
        "sampling-config",
        "silent-config-fallback",
        &[
            SILENT_ALIAS_CONFLICT,
            SILENT_STRICT_TYPO,
            SILENT_OUT_OF_RANGE,
        ],
    )
    .await;
}

#[tokio::test]
async fn low_traffic_metrics_catches_legacy_sampling() {
    catches("low-traffic-metrics", "legacy-sampling", &["note.html"]).await;
}

#[tokio::test]
async fn low_traffic_metrics_catches_unwired_db_metrics() {
    catches(
        "low-traffic-metrics",
        "unwired-db-metrics",
        &["operation=\"SELECT notes\""],
    )
    .await;
}

#[tokio::test]
async fn low_traffic_metrics_catches_the_starpunk_rc1_combination() {
    catches("low-traffic-metrics", STARPUNK_RC1, &[STARPUNK_RC1_MESSAGE]).await;
}

#[tokio::test]
async fn micropub_write_catches_unwired_db_metrics() {
    catches("micropub-write", "unwired-db-metrics", &["INSERT notes"]).await;
}

#[tokio::test]
async fn micropub_write_catches_any_bearer_token() {
    catches("micropub-write", "any-bearer-token", &[ANY_BEARER_TOKEN]).await;
}

#[tokio::test]
async fn micropub_write_catches_accept_empty_note() {
    catches("micropub-write", "accept-empty-note", &[ACCEPT_EMPTY_NOTE]).await;
}

/// The tests above are exactly the `catches` the scenario files declare, every declared
/// switch (or each name of a comma list) is one the reference server has, and together
/// they cover every regression switch.
#[test]
fn declared_catches_cover_every_switch_and_are_all_tested() {
    let declared: Vec<(String, String, String)> = Scenario::load_dir(&scenario_dir())
        .expect("scenario files load")
        .into_iter()
        .flat_map(|s| {
            s.catches
                .into_iter()
                .map(move |c| (s.name.clone(), c.switch, c.message))
        })
        .collect();
    let tested = [
        ("static-assets", "buffered-body-size", "status 500"),
        ("static-assets", "buffered-body-size", BUFFERED_LENGTH),
        ("static-assets", "buffered-body-size", BUFFERED_BYTES),
        (
            "static-assets",
            "wrong-content-type",
            "application/octet-stream",
        ),
        ("sampling-config", "plural-sampling-key", "effective_rate"),
        (
            "sampling-config",
            "silent-config-fallback",
            SILENT_ALIAS_CONFLICT,
        ),
        (
            "sampling-config",
            "silent-config-fallback",
            SILENT_STRICT_TYPO,
        ),
        (
            "sampling-config",
            "silent-config-fallback",
            SILENT_OUT_OF_RANGE,
        ),
        ("low-traffic-metrics", "legacy-sampling", "note.html"),
        (
            "low-traffic-metrics",
            "unwired-db-metrics",
            "operation=\"SELECT notes\"",
        ),
        ("low-traffic-metrics", STARPUNK_RC1, STARPUNK_RC1_MESSAGE),
        ("micropub-write", "unwired-db-metrics", "INSERT notes"),
        ("micropub-write", "any-bearer-token", ANY_BEARER_TOKEN),
        ("micropub-write", "accept-empty-note", ACCEPT_EMPTY_NOTE),
    ];
    let mut declared_sorted: Vec<(&str, &str, &str)> = declared
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    declared_sorted.sort();
    let mut tested_sorted = tested.to_vec();
    tested_sorted.sort();
    assert_eq!(declared_sorted, tested_sorted);
    for (name, switch, _) in &declared {
        for item in switch.split(',') {
            assert!(
                Regression::from_name(item).is_some(),
                "{name} declares a catch for {switch:?}: {item:?} is not a regression switch"
            );
        }
    }
    for switch in Regression::ALL {
        assert!(
            declared.iter().any(|(_, s, _)| s == switch.name()),
            "no scenario catches regression switch {} on its own",
            switch.name()
        );
    }
}

/// A `url` target at a wiremock server.
fn url_target(server: &MockServer, ready_timeout: f64) -> TargetSpec {
    let text = format!(
        "name = \"broken\"\nkind = \"url\"\nurl = \"{}/\"\n[ready]\npath = \"/health\"\ntimeout_secs = {ready_timeout}\n[metrics]\nprometheus = \"/metrics\"\n",
        server.uri()
    );
    TargetSpec::parse(&text, scenario_dir()).expect("valid target")
}

/// A scenario written to a temp file (scenarios are files; this keeps them so).
fn scenario_file(dir: &Path, text: &str) -> Scenario {
    let file = dir.join("broken.toml");
    std::fs::write(&file, text).expect("write scenario");
    Scenario::load(&file).expect("valid scenario")
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
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = scenario_file(
        dir.path(),
        "name = \"broken-assets\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\ncheck-assets = { pages = [\"/\"] }\n",
    );
    let report = run(&[scenario], &url_target(&server, 5.0), BTreeMap::new()).await;
    let failures = failure_lines(&report).join("\n");
    assert_eq!(exit_codes::for_run(&report), exit_codes::CHECK_FAILED);
    assert!(
        failures.contains("status 500") && failures.contains("/static/site.css"),
        "{failures}"
    );
    assert!(
        failures.contains("application/octet-stream") && failures.contains("/static/app.js"),
        "{failures}"
    );
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
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = scenario_file(
        dir.path(),
        "name = \"zero\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\ntraffic = { paths = [\"/notes/hello-world\"], requests = 3 }\n[[steps]]\nmetric = { prometheus = 'refserver_operations_total{type=\"database\"}', expect = \"== 3\" }\n[[steps]]\nmetric = { prometheus = 'refserver_operations_total{type=\"render\"}', expect = \">= 0\" }\n",
    );
    let report = run(&[scenario], &url_target(&server, 5.0), BTreeMap::new()).await;
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
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = scenario_file(
        dir.path(),
        "name = \"never\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\ncheck-assets = { pages = [\"/\"] }\n",
    );
    let report = run(&[scenario], &url_target(&server, 0.5), BTreeMap::new()).await;
    assert_eq!(exit_codes::for_run(&report), exit_codes::TARGET_NOT_READY);
    let lines = failure_lines(&report).join("\n");
    assert!(
        lines.contains("503"),
        "the last probe result is shown: {lines}"
    );
}
