//! Stable, documented process exit codes of the `harness` command, and the rule that
//! picks one for a finished run.
//!
//! The codes tell "the release candidate failed" (1) from "the harness's input was
//! wrong" (2) and "the target never came up" (3), so CI can react differently. They are
//! part of the public interface: never renumber them.

use crate::report::{RunReport, ScenarioErrorKind};

/// Every check passed; the release candidate may ship.
pub const PASS: i32 = 0;

/// The target under test failed a check (or broke while a scenario ran).
pub const CHECK_FAILED: i32 = 1;

/// Bad arguments, or a scenario/target file error: the tool's input was wrong, and the
/// run says nothing about the target.
pub const USAGE: i32 = 2;

/// The target never became ready, and no check failed.
pub const TARGET_NOT_READY: i32 = 3;

/// Picks the exit code for a finished run. Precedence, highest first:
///
/// 1. [`USAGE`] if any scenario reported a [`ScenarioErrorKind::ScenarioFile`] error:
///    with broken input the rest of the run cannot be trusted;
/// 2. [`CHECK_FAILED`] if any check failed or the target broke mid-scenario
///    ([`ScenarioErrorKind::Target`]);
/// 3. [`TARGET_NOT_READY`] if a target never became ready;
/// 4. [`PASS`] otherwise.
pub fn for_run(report: &RunReport) -> i32 {
    let kinds = report.error_kinds();
    if kinds.contains(&ScenarioErrorKind::ScenarioFile) {
        USAGE
    } else if report.totals().failed > 0 || kinds.contains(&ScenarioErrorKind::Target) {
        CHECK_FAILED
    } else if kinds.contains(&ScenarioErrorKind::TargetNotReady) {
        TARGET_NOT_READY
    } else {
        PASS
    }
}

/// What an exit code means, in a few words (for the terminal summary).
pub fn describe(code: i32) -> &'static str {
    match code {
        PASS => "the release candidate passes",
        CHECK_FAILED => "a check failed",
        USAGE => "usage or scenario-file error",
        TARGET_NOT_READY => "the target never became ready",
        _ => "unknown exit code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RunEvent;
    use crate::report::run_report::tests::{error_event, scenario_events};

    fn report(events: &[RunEvent]) -> RunReport {
        RunReport::from_events(events)
    }

    #[test]
    fn report_all_pass_exits_0() {
        let mut events = scenario_events("a", 3, 0);
        events.extend(scenario_events("b", 1, 0));
        assert_eq!(report(&events).exit_code(), PASS);
        assert_eq!(report(&[]).exit_code(), PASS);
    }

    #[test]
    fn report_with_failed_check_exits_1() {
        assert_eq!(
            report(&scenario_events("a", 3, 1)).exit_code(),
            CHECK_FAILED
        );
    }

    #[test]
    fn report_target_not_ready_without_failed_checks_exits_3() {
        let mut events = scenario_events("a", 2, 0);
        events.push(error_event("b", ScenarioErrorKind::TargetNotReady));
        assert_eq!(report(&events).exit_code(), TARGET_NOT_READY);
    }

    #[test]
    fn report_target_not_ready_with_failed_check_exits_1() {
        let mut events = scenario_events("a", 2, 1);
        events.push(error_event("b", ScenarioErrorKind::TargetNotReady));
        assert_eq!(report(&events).exit_code(), CHECK_FAILED);
    }

    #[test]
    fn report_target_error_exits_1() {
        let events = [error_event("b", ScenarioErrorKind::Target)];
        assert_eq!(report(&events).exit_code(), CHECK_FAILED);
    }

    #[test]
    fn report_scenario_file_error_exits_2_even_with_failures() {
        let events = [error_event("b", ScenarioErrorKind::ScenarioFile)];
        assert_eq!(report(&events).exit_code(), USAGE);
        let mut events = scenario_events("a", 0, 2);
        events.push(error_event("b", ScenarioErrorKind::TargetNotReady));
        events.push(error_event("c", ScenarioErrorKind::ScenarioFile));
        assert_eq!(report(&events).exit_code(), USAGE);
    }

    #[test]
    fn report_exit_codes_are_described() {
        for code in [PASS, CHECK_FAILED, USAGE, TARGET_NOT_READY] {
            assert_ne!(describe(code), "unknown exit code");
        }
        assert_eq!(describe(42), "unknown exit code");
    }
}
