//! `RunReport`: the reporter that collects the event stream into the finished run every
//! report format is written from, with its totals, verdict and exit code.

use std::collections::HashMap;
use std::time::Duration;

use crate::exit_codes;
use crate::outcome::CheckOutcome;

use super::event::{Reporter, RunEvent, ScenarioErrorKind};
use super::text::count;

/// The run as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunInfo {
    /// What was under test, from `RunStarted`.
    pub target: String,
    /// The scenarios the run planned, in order, from `RunStarted`.
    pub planned: Vec<String>,
    /// Wall-clock time of the run; `None` until `RunFinished`.
    pub duration: Option<Duration>,
}

/// Why one scenario could not run to completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrorRecord {
    /// The kind; it picks the exit code.
    pub kind: ScenarioErrorKind,
    /// What happened.
    pub message: String,
}

/// One scenario as it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioReport {
    /// The scenario name.
    pub name: String,
    /// Wall-clock time; `None` if `ScenarioFinished` never came.
    pub duration: Option<Duration>,
    /// Every check, in the order it finished.
    pub checks: Vec<CheckOutcome>,
    /// Why the scenario could not run to completion, if it could not.
    pub errors: Vec<ScenarioErrorRecord>,
    /// The tail of the target's output, attached to the scenario's failures.
    pub target_output: Option<String>,
}

impl ScenarioReport {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            duration: None,
            checks: Vec::new(),
            errors: Vec::new(),
            target_output: None,
        }
    }

    /// How many checks passed.
    pub fn passed_checks(&self) -> usize {
        self.checks.iter().filter(|c| c.passed()).count()
    }

    /// How many checks failed.
    pub fn failed_checks(&self) -> usize {
        self.checks.len() - self.passed_checks()
    }

    /// The failed checks, in order.
    pub fn failures(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(|c| !c.passed())
    }

    /// Whether the scenario failed: a check failed or it could not run to completion.
    pub fn failed(&self) -> bool {
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
    pub scenarios_with_failed_checks: usize,
    /// Scenarios that could not run to completion.
    pub scenarios_errored: usize,
    /// Checks run.
    pub checks: usize,
    /// Checks passed.
    pub passed: usize,
    /// Checks failed.
    pub failed: usize,
}

/// A [`Reporter`] that keeps everything: the data all report files are written from.
///
/// Durations are the real ones from the events; snapshot tests mask them with filters
/// or redactions, never by changing the data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
            report.on_event(event);
        }
        report
    }

    /// The run as a whole.
    pub fn run(&self) -> &RunInfo {
        &self.run
    }

    /// The scenarios, in the order they first reported.
    pub fn scenarios(&self) -> &[ScenarioReport] {
        &self.scenarios
    }

    /// One scenario by name.
    pub fn scenario(&self, name: &str) -> Option<&ScenarioReport> {
        self.index.get(name).map(|&i| &self.scenarios[i])
    }

    /// Whether `RunFinished` was received.
    pub fn is_finished(&self) -> bool {
        self.run.duration.is_some()
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
            totals.passed += scenario.checks.len() - failed;
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

    /// Every scenario error with its scenario, in run order.
    pub fn errors(&self) -> impl Iterator<Item = (&ScenarioReport, &ScenarioErrorRecord)> {
        self.scenarios
            .iter()
            .flat_map(|s| s.errors.iter().map(move |e| (s, e)))
    }

    /// The distinct scenario-error kinds, in first-seen order.
    pub fn error_kinds(&self) -> Vec<ScenarioErrorKind> {
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

    /// The process exit code for this run; see [`exit_codes::for_run`].
    pub fn exit_code(&self) -> i32 {
        exit_codes::for_run(self)
    }

    /// The one-line verdict, without decoration:
    /// `release candidate passes: 212 checks in 4 scenarios` or
    /// `release candidate fails: 3 of 212 checks failed in 2 of 4 scenarios`, plus
    /// `; 1 scenario could not run (target not ready)` when scenarios errored.
    pub fn headline(&self) -> String {
        let t = self.totals();
        if self.passed() {
            return format!(
                "release candidate passes: {} in {}",
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
        format!("release candidate fails: {}", parts.join("; "))
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

impl Reporter for RunReport {
    fn on_event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted { target, scenarios } => {
                self.run.target.clone_from(target);
                self.run.planned.clone_from(scenarios);
            }
            RunEvent::ScenarioStarted { scenario } => {
                self.scenario_mut(scenario);
            }
            RunEvent::Check { scenario, outcome } => {
                self.scenario_mut(scenario).checks.push(outcome.clone());
            }
            RunEvent::ScenarioError {
                scenario,
                kind,
                message,
            } => self
                .scenario_mut(scenario)
                .errors
                .push(ScenarioErrorRecord {
                    kind: *kind,
                    message: message.clone(),
                }),
            RunEvent::TargetOutput { scenario, output } => {
                let slot = &mut self.scenario_mut(scenario).target_output;
                match slot {
                    Some(existing) => {
                        if !existing.ends_with('\n') {
                            existing.push('\n');
                        }
                        existing.push_str(output);
                    }
                    None => *slot = Some(output.clone()),
                }
            }
            RunEvent::ScenarioFinished { scenario, duration } => {
                self.scenario_mut(scenario).duration = Some(*duration);
            }
            RunEvent::RunFinished { duration } => self.run.duration = Some(*duration),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::outcome::{CheckKind, Verdict};

    /// Events of one scenario: `passing` passed checks, `failing` failed ones.
    pub(crate) fn scenario_events(name: &str, passing: usize, failing: usize) -> Vec<RunEvent> {
        let mut events = vec![RunEvent::ScenarioStarted {
            scenario: name.into(),
        }];
        for i in 0..passing + failing {
            events.push(RunEvent::Check {
                scenario: name.into(),
                outcome: CheckOutcome::new(
                    CheckKind::Asset,
                    format!("check {i}"),
                    format!("http://127.0.0.1:1/{i}"),
                    Verdict::expect(i < passing, "status 200", "status 500"),
                    Duration::from_millis(2),
                ),
            });
        }
        events.push(RunEvent::ScenarioFinished {
            scenario: name.into(),
            duration: Duration::from_millis(10),
        });
        events
    }

    pub(crate) fn error_event(name: &str, kind: ScenarioErrorKind) -> RunEvent {
        RunEvent::ScenarioError {
            scenario: name.into(),
            kind,
            message: format!("{name} broke"),
        }
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
                failed: 2,
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
        assert!(report.is_finished());
        assert_eq!(
            report
                .scenario("s")
                .and_then(|s| s.target_output.as_deref()),
            Some("one\ntwo\n")
        );
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
