//! Every scenario file passes against the reference server run as a process: the
//! same files `harness gate` runs.

use std::collections::BTreeMap;

use scenarios::{failure_lines, run, scenario, scenario_dir, target};

async fn passes(name: &str) {
    let report = run(
        &[scenario(name)],
        &target("reference-process"),
        BTreeMap::new(),
    )
    .await;
    let failures = failure_lines(&report);
    assert!(
        report.passed(),
        "scenario {name} failed:\n{}",
        failures.join("\n")
    );
    assert!(report.totals().checks > 0, "scenario {name} made checks");
}

#[tokio::test]
async fn static_assets() {
    passes("static-assets").await;
}

#[tokio::test]
async fn low_traffic_metrics() {
    passes("low-traffic-metrics").await;
}

#[tokio::test]
async fn sampling_config() {
    passes("sampling-config").await;
}

#[tokio::test]
async fn micropub_write() {
    passes("micropub-write").await;
}

/// A new scenario file must get a test above (and so run under `cargo test`).
#[test]
fn every_scenario_file_has_a_test() {
    let mut names: Vec<String> = harness::scenario::Scenario::load_dir(&scenario_dir())
        .expect("scenario files load")
        .into_iter()
        .map(|s| s.name)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "low-traffic-metrics",
            "micropub-write",
            "sampling-config",
            "static-assets"
        ]
    );
}
