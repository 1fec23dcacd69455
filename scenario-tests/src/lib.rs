//! Ground for the scenario test suites: where the scenario and target files are, how
//! to run a scenario and read its failures, and the test matrix generated from the
//! files (`matrix`), so a new scenario or catch needs no Rust edit.
//!
//! The suites run exactly the files `harness gate` runs, so a release candidate gated
//! by `cargo test` and by the CLI is checked the same way.

pub mod containers;
pub mod matrix;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harness::report::RunReport;
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::server::TargetSpec;

/// The directory holding the scenario files.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// Loads `scenarios/<name>.toml`, panicking with the file error (tests only).
pub fn scenario(name: &str) -> Scenario {
    let path = scenario_dir().join(format!("{name}.toml"));
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads `scenarios/targets/<name>.toml`, panicking with the file error (tests only).
pub fn target(name: &str) -> TargetSpec {
    let path = scenario_dir().join("targets").join(format!("{name}.toml"));
    TargetSpec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs scenarios against a target with extra environment on every boot.
pub async fn run(
    scenarios: &[Scenario],
    target: &TargetSpec,
    extra_env: BTreeMap<String, String>,
) -> RunReport {
    let options = RunOptions {
        extra_env,
        ..RunOptions::default()
    };
    let mut report = RunReport::new();
    run_scenarios(scenarios, target, &options, &mut report).await;
    report
}

/// Every failure and error of a report, one line each: what a failing test prints and
/// what a catch's message is looked for in.
pub fn failure_lines(report: &RunReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .failures()
        .filter_map(|(scenario, check)| {
            let (expected, seen) = check.verdict.expected_and_seen()?;
            Some(format!(
                "{}/{}: expected {expected}, seen {seen} at {}",
                scenario.name,
                check.title(),
                check.location
            ))
        })
        .collect();
    for scenario in report.scenarios() {
        for error in &scenario.errors {
            lines.push(format!("{}: error: {:?}", scenario.name, error));
        }
    }
    lines
}
