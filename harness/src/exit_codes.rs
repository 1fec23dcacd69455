//! Stable, documented process exit codes of the `harness` command, and the number for
//! each way a run can end.
//!
//! The codes tell "the release candidate failed" (1) from "the harness's input was
//! wrong" (2) and "the target never came up" (3), so CI can react differently. They are
//! part of the public interface: never renumber them.
//!
//! What a run amounts to is the report's business (`RunReport::outcome`); this module
//! only numbers it, so it depends on the report and never the other way round.

use crate::report::run_report::{RunOutcome, RunReport};

/// Every check passed; the release candidate may ship.
pub const PASS: i32 = 0;

/// The target under test failed a check (or broke while a scenario ran).
pub const CHECK_FAILED: i32 = 1;

/// Bad arguments, or a scenario/target file error: the tool's input was wrong, and the
/// run says nothing about the target.
pub const USAGE: i32 = 2;

/// The target never became ready, and no check failed.
pub const TARGET_NOT_READY: i32 = 3;

/// The exit code of a run that ended with `outcome`.
pub(crate) const fn for_outcome(outcome: RunOutcome) -> i32 {
    match outcome {
        RunOutcome::Pass => PASS,
        RunOutcome::ChecksFailed => CHECK_FAILED,
        RunOutcome::InputError => USAGE,
        RunOutcome::TargetNeverReady => TARGET_NOT_READY,
    }
}

/// The exit code for a finished run: [`USAGE`] if a scenario or target file was wrong,
/// else [`CHECK_FAILED`] if a check failed or the target broke mid-scenario, else
/// [`TARGET_NOT_READY`] if a target never became ready, else [`PASS`] (the precedence
/// of `RunReport::outcome`).
pub fn for_run(report: &RunReport) -> i32 {
    for_outcome(report.outcome())
}

impl RunReport {
    /// The process exit code for this run; see [`for_run`]. Defined here, beside the
    /// numbers, so the report does not depend on exit codes.
    pub fn exit_code(&self) -> i32 {
        for_run(self)
    }
}

/// What an exit code means, in a few words (for the terminal summary).
pub(crate) fn describe(code: i32) -> &'static str {
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
    use crate::report::test_support::{error_event, scenario_events};
    use crate::report::{RunEvent, ScenarioErrorKind};

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
    fn report_every_outcome_has_its_own_code() {
        let codes = [
            RunOutcome::Pass,
            RunOutcome::ChecksFailed,
            RunOutcome::InputError,
            RunOutcome::TargetNeverReady,
        ]
        .map(for_outcome);
        assert_eq!(codes, [PASS, CHECK_FAILED, USAGE, TARGET_NOT_READY]);
        assert_eq!(codes, [0, 1, 2, 3], "never renumber");
    }

    #[test]
    fn report_exit_codes_are_described() {
        for code in [PASS, CHECK_FAILED, USAGE, TARGET_NOT_READY] {
            assert_ne!(describe(code), "unknown exit code");
        }
        assert_eq!(describe(42), "unknown exit code");
    }
}
