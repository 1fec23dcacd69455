//! Shared ground for the scenario suites: where the scenario and target files are,
//! and one call that runs a scenario file and returns its report.
//!
//! The suites under `tests/` run exactly the files `harness gate` runs, so a release
//! candidate gated by `cargo test` and by the CLI is checked the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harness::report::RunReport;
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::target::TargetSpec;

/// The directory holding the scenario files.
pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Loads `scenarios/<name>.toml`, panicking with the file error (tests only).
pub fn scenario(name: &str) -> Scenario {
    let path = scenario_dir().join(format!("{name}.toml"));
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads `scenarios/targets/<name>.toml`.
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

/// Every failure of a report as one line each: what a failing test prints.
pub fn failure_lines(report: &RunReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .failures()
        .map(|(scenario, check)| match &check.verdict {
            harness::outcome::Verdict::Fail { expected, seen } => format!(
                "{}/{}: expected {expected}, seen {seen} at {}",
                scenario.name, check.name, check.location
            ),
            harness::outcome::Verdict::Pass => String::new(),
        })
        .collect();
    for scenario in report.scenarios() {
        for error in &scenario.errors {
            lines.push(format!("{}: error: {:?}", scenario.name, error));
        }
    }
    lines
}
