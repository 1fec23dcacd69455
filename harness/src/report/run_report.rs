//! `RunReport`: the one aggregation of a run's event stream. Every report format, the
//! terminal's summary and the exit code are read from it; nothing else keeps a copy.
//!
//! It knows nothing of exit codes: [`RunReport::outcome`] says what the run amounts to
//! and `crate::exit_codes` maps that to a number.

use std::collections::HashMap;
use std::time::Duration;

use crate::outcome::CheckOutcome;

use super::event::{Observation, RunEvent, ScenarioErrorKind};
use super::text::count;
use crate::assets::AssetFacts;
use crate::metrics::responsiveness::EndpointDeltas;

/// The run as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RunInfo {
    /// What was under test, from `RunStarted`.
    pub(crate) target: String,
    /// The scenarios the run planned, in order, from `RunStarted`.
    pub(crate) planned: Vec<String>,
    /// Wall-clock time of the run; `None` until `RunFinished`.
    pub(crate) duration: Option<Duration>,
}

/// What a run amounts to, in the four ways a caller (and the exit code) tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RunOutcome {
    /// Every check passed and every scenario ran to completion.
    Pass,
    /// A check failed, or the target broke while a scenario ran: the release candidate
    /// fails.
    ChecksFailed,
    /// A scenario or target file is wrong: the harness's input, not the target, is at
    /// fault, and the rest of the run cannot be trusted.
    InputError,
    /// A target never became ready, and nothing else failed.
    TargetNeverReady,
}

/// Why one scenario could not run to completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrorRecord {
    /// The kind; it picks the run's outcome.
    pub(crate) kind: ScenarioErrorKind,
    /// What happened.
    pub(crate) message: String,
}

/// One scenario as it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioReport {
    /// The scenario name.
    pub name: String,
    /// Wall-clock time; `None` if `ScenarioFinished` never came.
    pub(crate) duration: Option<Duration>,
    /// Every check, in the order it finished.
    pub(crate) checks: Vec<CheckOutcome>,
    /// Why the scenario could not run to completion, if it could not.
    pub errors: Vec<ScenarioErrorRecord>,
    /// The tail of the target's output, attached to the scenario's failures.
    pub(crate) target_output: Option<String>,
    /// The counting series' deltas, per variant and metrics endpoint (recorded when
    /// the run asks for them).
    pub metric_deltas: Vec<EndpointDeltas>,
    /// What each asset was served as, in the order checked (per variant and step).
    pub assets: Vec<AssetFacts>,
}

impl ScenarioReport {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            duration: None,
            checks: Vec::new(),
            errors: Vec::new(),
            target_output: None,
            metric_deltas: Vec::new(),
            assets: Vec::new(),
        }
    }

    /// How many checks passed (warnings included: they do not fail the run; skips
    /// not: they were never made).
    pub(crate) fn passed_checks(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.passed() && !c.skipped())
            .count()
    }

    /// How many checks were skipped.
    pub(crate) fn skipped_checks(&self) -> usize {
        self.skips().count()
    }

    /// The checks that were skipped, in order.
    pub(crate) fn skips(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(|c| c.skipped())
    }

    /// How many checks warned.
    pub(crate) fn warned_checks(&self) -> usize {
        self.warnings().count()
    }

    /// The checks that warned, in order.
    pub(crate) fn warnings(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(|c| c.warned())
    }

    /// How many checks failed.
    pub(crate) fn failed_checks(&self) -> usize {
        self.failures().count()
    }

    /// The failed checks, in order.
    pub(crate) fn failures(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(|c| !c.passed())
    }

    /// Whether the scenario failed: a check failed or it could not run to completion.
    pub(crate) fn failed(&self) -> bool {
        !self.errors.is_empty() || self.failed_checks() > 0
    }
}

/// Counts over the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Scenarios that reported anything.
    pub scenarios: usize,
    /// Scenarios with a failed check or a scenario error.
    pub scenarios_failed: usize,
    /// Scenarios with at least one failed check.
    pub(crate) scenarios_with_failed_checks: usize,
    /// Scenarios that could not run to completion.
    pub(crate) scenarios_errored: usize,
    /// Checks run.
    pub checks: usize,
    /// Checks passed, warnings included.
    pub passed: usize,
    /// Checks that passed with a warning (an optional feature not taken).
    pub warned: usize,
    /// Checks failed.
    pub failed: usize,
    /// Checks skipped (neither passed nor failed: a prerequisite was missing).
    pub skipped: usize,
}

/// Everything a run reported, collected from its events (it is a
/// [`Reporter`](super::Reporter)): the data all reports are written from.
///
/// Durations are the real ones from the events; snapshot tests mask them with filters
/// or redactions, never by changing the data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    run: RunInfo,
    scenarios: Vec<ScenarioReport>,
    index: HashMap<String, usize>,
}

impl RunReport {
    /// An empty report, ready to receive events.
    pub fn new() -> Self {
        Self::default()
    }

    /// A report built from a recorded event stream.
    pub fn from_events<'e>(events: impl IntoIterator<Item = &'e RunEvent>) -> Self {
        let mut report = Self::new();
        for event in events {
            report.record(event);
        }
        report
    }

    /// The run as a whole.
    pub(crate) fn run(&self) -> &RunInfo {
        &self.run
    }

    /// The scenarios, in the order they first reported.
    pub fn scenarios(&self) -> &[ScenarioReport] {
        &self.scenarios
    }

    /// One scenario by name.
    pub(crate) fn scenario(&self, name: &str) -> Option<&ScenarioReport> {
        self.index.get(name).map(|&i| &self.scenarios[i])
    }

    /// Counts over the whole run.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            scenarios: self.scenarios.len(),
            ..Totals::default()
        };
        for scenario in &self.scenarios {
            let failed = scenario.failed_checks();
            totals.checks += scenario.checks.len();
            totals.failed += failed;
            totals.passed += scenario.passed_checks();
            totals.warned += scenario.warned_checks();
            totals.skipped += scenario.skipped_checks();
            totals.scenarios_failed += usize::from(scenario.failed());
            totals.scenarios_with_failed_checks += usize::from(failed > 0);
            totals.scenarios_errored += usize::from(!scenario.errors.is_empty());
        }
        totals
    }

    /// Every failed check with its scenario, in run order.
    pub fn failures(&self) -> impl Iterator<Item = (&ScenarioReport, &CheckOutcome)> {
        self.scenarios
            .iter()
            .flat_map(|s| s.failures().map(move |c| (s, c)))
    }

    /// Every check that warned with its scenario, in run order.
    pub(crate) fn warnings(&self) -> impl Iterator<Item = (&ScenarioReport, &CheckOutcome)> {
        self.scenarios
            .iter()
            .flat_map(|s| s.warnings().map(move |c| (s, c)))
    }

    /// Every skipped check with its scenario, in run order.
    pub(crate) fn skips(&self) -> impl Iterator<Item = (&ScenarioReport, &CheckOutcome)> {
        self.scenarios
            .iter()
            .flat_map(|s| s.skips().map(move |c| (s, c)))
    }

    /// Every scenario error with its scenario, in run order.
    pub(crate) fn errors(&self) -> impl Iterator<Item = (&ScenarioReport, &ScenarioErrorRecord)> {
        self.scenarios
            .iter()
            .flat_map(|s| s.errors.iter().map(move |e| (s, e)))
    }

    /// The distinct scenario-error kinds, in first-seen order.
    pub(crate) fn error_kinds(&self) -> Vec<ScenarioErrorKind> {
        let mut kinds = Vec::new();
        for (_, error) in self.errors() {
            if !kinds.contains(&error.kind) {
                kinds.push(error.kind);
            }
        }
        kinds
    }

    /// Whether the release candidate passes: no failed check, no scenario error.
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(|s| !s.failed())
    }

    /// What the run amounts to. Precedence, highest first:
    ///
    /// 1. [`RunOutcome::InputError`] if any scenario reported a
    ///    [`ScenarioErrorKind::ScenarioFile`] error: with broken input the rest of the
    ///    run cannot be trusted;
    /// 2. [`RunOutcome::ChecksFailed`] if any check failed or the target broke
    ///    mid-scenario ([`ScenarioErrorKind::Target`]);
    /// 3. [`RunOutcome::TargetNeverReady`] if a target never became ready;
    /// 4. [`RunOutcome::Pass`] otherwise.
    pub(crate) fn outcome(&self) -> RunOutcome {
        let kinds = self.error_kinds();
        if kinds.contains(&ScenarioErrorKind::ScenarioFile) {
            RunOutcome::InputError
        } else if self.totals().failed > 0 || kinds.contains(&ScenarioErrorKind::Target) {
            RunOutcome::ChecksFailed
        } else if kinds.contains(&ScenarioErrorKind::TargetNotReady) {
            RunOutcome::TargetNeverReady
        } else {
            RunOutcome::Pass
        }
    }

    /// The one-line verdict, without decoration:
    /// `release candidate passes: 212 checks in 4 scenarios` or
    /// `release candidate fails: 3 of 212 checks failed in 2 of 4 scenarios`, plus
    /// `; 1 scenario could not run (target not ready)` when scenarios errored.
    pub fn headline(&self) -> String {
        let t = self.totals();
        if self.passed() {
            let mut asides = Vec::new();
            if t.warned > 0 {
                asides.push(count(t.warned, "warning", "warnings"));
            }
            if t.skipped > 0 {
                asides.push(format!("{} skipped", t.skipped));
            }
            let warnings = if asides.is_empty() {
                String::new()
            } else {
                format!(" ({})", asides.join(", "))
            };
            return format!(
                "release candidate passes: {} in {}{warnings}",
                count(t.checks, "check", "checks"),
                count(t.scenarios, "scenario", "scenarios")
            );
        }
        let mut parts = Vec::new();
        if t.failed > 0 {
            parts.push(format!(
                "{} of {} failed in {} of {}",
                t.failed,
                count(t.checks, "check", "checks"),
                t.scenarios_with_failed_checks,
                count(t.scenarios, "scenario", "scenarios")
            ));
        }
        if t.scenarios_errored > 0 {
            let kinds: Vec<_> = self.error_kinds().iter().map(|k| k.describe()).collect();
            let could_not_run = if t.failed > 0 {
                count(t.scenarios_errored, "scenario", "scenarios")
            } else {
                format!(
                    "{} of {}",
                    t.scenarios_errored,
                    count(t.scenarios, "scenario", "scenarios")
                )
            };
            parts.push(format!(
                "{could_not_run} could not run ({})",
                kinds.join(", ")
            ));
        }
        if t.warned > 0 {
            parts.push(count(t.warned, "warning", "warnings"));
        }
        if t.skipped > 0 {
            parts.push(format!("{} skipped", t.skipped));
        }
        format!("release candidate fails: {}", parts.join("; "))
    }

    /// The same report with every screenshot under `dir` named relative to it (others
    /// keep their path), for report files written into `dir`.
    pub(crate) fn with_screenshots_relative_to(&self, dir: &std::path::Path) -> Self {
        let mut report = self.clone();
        let shots = report
            .scenarios
            .iter_mut()
            .flat_map(|s| s.checks.iter_mut())
            .filter_map(|c| c.screenshot.as_mut());
        for shot in shots {
            if let Ok(relative) = shot.path.strip_prefix(dir) {
                shot.path = relative.to_path_buf();
            }
        }
        report
    }

    /// Every check with a screenshot, with its scenario, in run order.
    pub(crate) fn screenshots(&self) -> impl Iterator<Item = (&ScenarioReport, &CheckOutcome)> {
        self.scenarios.iter().flat_map(|s| {
            s.checks
                .iter()
                .filter(|c| c.screenshot.is_some())
                .map(move |c| (s, c))
        })
    }

    /// Records one event. Lenient, as the protocol allows: an event for a scenario that
    /// was never started opens it.
    pub(crate) fn record(&mut self, event: &RunEvent) {
        let Some(name) = event.scenario() else {
            match event {
                RunEvent::RunStarted { target, scenarios } => {
                    self.run.target.clone_from(target);
                    self.run.planned.clone_from(scenarios);
                }
                RunEvent::RunFinished { duration } => self.run.duration = Some(*duration),
                _ => {}
            }
            return;
        };
        let scenario = self.scenario_mut(name);
        match event {
            RunEvent::Check { outcome, .. } => scenario.checks.push(outcome.clone()),
            RunEvent::ScenarioError { kind, message, .. } => {
                scenario.errors.push(ScenarioErrorRecord {
                    kind: *kind,
                    message: message.clone(),
                });
            }
            RunEvent::TargetOutput { output, .. } => match &mut scenario.target_output {
                Some(existing) => {
                    if !existing.ends_with('\n') {
                        existing.push('\n');
                    }
                    existing.push_str(output);
                }
                None => scenario.target_output = Some(output.clone()),
            },
            RunEvent::ScenarioFinished { duration, .. } => scenario.duration = Some(*duration),
            RunEvent::Observed { observation, .. } => match observation {
                Observation::MetricDeltas(deltas) => scenario.metric_deltas.push(deltas.clone()),
                Observation::Asset(facts) => scenario.assets.push(facts.clone()),
            },
            RunEvent::ScenarioStarted { .. }
            | RunEvent::RunStarted { .. }
            | RunEvent::RunFinished { .. } => {}
        }
    }

    fn scenario_mut(&mut self, name: &str) -> &mut ScenarioReport {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.scenarios.push(ScenarioReport::new(name));
                self.index.insert(name.to_owned(), self.scenarios.len() - 1);
                self.scenarios.len() - 1
            }
        };
        &mut self.scenarios[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::{error_event, scenario_events, skip_events, warning_events};

    #[test]
    fn report_skips_are_counted_apart_and_never_fail_the_run() {
        let report = RunReport::from_events(&skip_events("s"));
        assert!(report.passed());
        assert_eq!(report.outcome(), RunOutcome::Pass);
        let t = report.totals();
        assert_eq!(
            (t.checks, t.passed, t.warned, t.failed, t.skipped),
            (2, 1, 0, 0, 1)
        );
        assert_eq!(report.skips().count(), 1);
        assert_eq!(
            report.headline(),
            "release candidate passes: 2 checks in 1 scenario (1 skipped)"
        );
    }

    #[test]
    fn report_warnings_are_counted_but_never_fail_the_run() {
        let report = RunReport::from_events(&warning_events("w"));
        assert!(report.passed());
        assert_eq!(report.outcome(), RunOutcome::Pass);
        let t = report.totals();
        assert_eq!((t.checks, t.passed, t.warned, t.failed), (2, 2, 1, 0));
        assert_eq!(report.warnings().count(), 1);
        assert_eq!(
            report.headline(),
            "release candidate passes: 2 checks in 1 scenario (1 warning)"
        );
    }

    #[test]
    fn report_counts_checks_and_scenarios() {
        let mut events = scenario_events("a", 3, 0);
        events.extend(scenario_events("b", 1, 2));
        events.push(error_event("c", ScenarioErrorKind::TargetNotReady));
        let report = RunReport::from_events(&events);
        assert_eq!(
            report.totals(),
            Totals {
                scenarios: 3,
                scenarios_failed: 2,
                scenarios_with_failed_checks: 1,
                scenarios_errored: 1,
                checks: 6,
                passed: 4,
                warned: 0,
                failed: 2,
                skipped: 0,
            }
        );
        assert!(!report.passed());
        assert_eq!(report.failures().count(), 2);
        assert_eq!(
            report
                .scenarios()
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(report.scenario("c").map(|s| s.duration), Some(None));
    }

    #[test]
    fn report_joins_target_output_and_records_run() {
        let report = RunReport::from_events(&[
            RunEvent::RunStarted {
                target: "srv".into(),
                scenarios: vec!["s".into()],
            },
            RunEvent::TargetOutput {
                scenario: "s".into(),
                output: "one".into(),
            },
            RunEvent::TargetOutput {
                scenario: "s".into(),
                output: "two\n".into(),
            },
            RunEvent::RunFinished {
                duration: Duration::from_secs(1),
            },
        ]);
        assert_eq!(report.run().target, "srv");
        assert_eq!(report.run().planned, ["s"]);
        assert!(report.run().duration.is_some(), "RunFinished was recorded");
        assert_eq!(
            report
                .scenario("s")
                .and_then(|s| s.target_output.as_deref()),
            Some("one\ntwo\n")
        );
    }

    #[test]
    fn report_outcome_precedence() {
        let outcome = |events: &[RunEvent]| RunReport::from_events(events).outcome();
        let mut events = scenario_events("a", 2, 0);
        assert_eq!(outcome(&events), RunOutcome::Pass);
        events.push(error_event("b", ScenarioErrorKind::TargetNotReady));
        assert_eq!(outcome(&events), RunOutcome::TargetNeverReady);
        events.push(error_event("c", ScenarioErrorKind::Target));
        assert_eq!(outcome(&events), RunOutcome::ChecksFailed);
        assert_eq!(
            outcome(&scenario_events("d", 0, 1)),
            RunOutcome::ChecksFailed
        );
        events.push(error_event("e", ScenarioErrorKind::ScenarioFile));
        assert_eq!(outcome(&events), RunOutcome::InputError);
    }

    #[test]
    fn report_headline_wording() {
        let mut events = scenario_events("a", 1, 0);
        assert_eq!(
            RunReport::from_events(&events).headline(),
            "release candidate passes: 1 check in 1 scenario"
        );
        events.extend(scenario_events("b", 1, 2));
        assert_eq!(
            RunReport::from_events(&events).headline(),
            "release candidate fails: 2 of 4 checks failed in 1 of 2 scenarios"
        );
        events.push(error_event("c", ScenarioErrorKind::TargetNotReady));
        assert_eq!(
            RunReport::from_events(&events).headline(),
            "release candidate fails: 2 of 4 checks failed in 1 of 3 scenarios; \
             1 scenario could not run (target not ready)"
        );
        let only_error = RunReport::from_events(&[
            error_event("x", ScenarioErrorKind::ScenarioFile),
            error_event("y", ScenarioErrorKind::TargetNotReady),
        ]);
        assert_eq!(
            only_error.headline(),
            "release candidate fails: 2 of 2 scenarios could not run \
             (scenario file error, target not ready)"
        );
    }
}
