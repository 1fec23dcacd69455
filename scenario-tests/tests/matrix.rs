//! The scenario files against the reference server, as a process and as a container:
//! one test per scenario and target kind, and one per declared catch, generated from
//! `scenarios/*.toml` (see `scenario_tests::matrix`).
//!
//! Container tests need a Docker engine answering `docker info`. Without one they are
//! reported ignored (skipped) with one line on stderr, or fail with the reason when
//! `HARNESS_REQUIRE_DOCKER=1`. Each test gets its own tokio runtime.

use harness::prerequisite::{Prerequisite, Status, run_suite};
use harness::scenario::Scenario;
use libtest_mimic::Trial;
use scenario_tests::matrix::{Case, TargetKind, cases, switch_coverage};
use scenario_tests::scenario_dir;

fn main() {
    run_suite("scenario-matrix", Prerequisite::Docker, |docker| {
        let mut trials = Vec::new();
        match Scenario::load_dir(&scenario_dir()) {
            Ok(scenarios) => {
                for case in cases(&scenarios) {
                    trials.push(trial(case, docker));
                }
                trials.push(Trial::test("every_switch_is_caught", move || {
                    switch_coverage(&scenarios).map_err(Into::into)
                }));
            }
            Err(e) => {
                let message = e.to_string();
                trials.push(Trial::test("scenario_files_load", move || {
                    Err(message.into())
                }));
            }
        }
        trials
    })
}

/// A case on its own current-thread runtime (as `#[tokio::test]` runs): a container
/// case is ignored without an engine, and fails with the reason when one is required.
fn trial(case: Case, docker: &Status) -> Trial {
    let container = case.kind == TargetKind::Container;
    let failure = if container { docker.failure() } else { None };
    let skipped = container && matches!(docker, Status::Skip(_));
    Trial::test(case.name.clone(), move || {
        if let Some(reason) = failure {
            return Err(reason.into());
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        runtime.block_on(case.run()).map_err(Into::into)
    })
    .with_ignored_flag(skipped)
}
