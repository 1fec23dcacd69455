//! The run-event stream: what a run tells its reporters, and the fan-out that hands
//! every event to every reporter.
//!
//! Protocol, in order: one `RunStarted`; per scenario `ScenarioStarted`, any number of
//! `Check`, `ScenarioError` and `TargetOutput`, then `ScenarioFinished` (also after a
//! `ScenarioError`); finally one `RunFinished`. Reporters are lenient: an event for a
//! scenario that was never started opens it.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::outcome::CheckOutcome;

/// One thing that happened during a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEvent {
    /// The run begins against `target`, planning to run `scenarios` in this order.
    RunStarted {
        /// What is under test, e.g. `reference-server (process)`.
        target: String,
        /// The scenario names, in run order.
        scenarios: Vec<String>,
    },
    /// A scenario begins.
    ScenarioStarted {
        /// The scenario name.
        scenario: String,
    },
    /// A check of a scenario finished.
    Check {
        /// The scenario the check belongs to.
        scenario: String,
        /// What the check found.
        outcome: CheckOutcome,
    },
    /// The scenario could not run to completion (target never ready, scenario error);
    /// counts as a failure of that scenario.
    ScenarioError {
        /// The scenario that could not run.
        scenario: String,
        /// Why, in a word; it picks the exit code.
        kind: ScenarioErrorKind,
        /// What happened, for a human.
        message: String,
    },
    /// Last lines of the target's stdout/stderr or container logs, attached to the
    /// scenario's failures. Several events for one scenario are joined.
    TargetOutput {
        /// The scenario the output belongs to.
        scenario: String,
        /// The tail of the output, lines separated by `\n`.
        output: String,
    },
    /// A scenario ended (whether it passed, failed or errored).
    ScenarioFinished {
        /// The scenario name.
        scenario: String,
        /// Wall-clock time of the scenario.
        duration: Duration,
    },
    /// The run ended.
    RunFinished {
        /// Wall-clock time of the run.
        duration: Duration,
    },
}

impl RunEvent {
    /// The scenario the event is about, if any.
    pub fn scenario(&self) -> Option<&str> {
        match self {
            Self::ScenarioStarted { scenario }
            | Self::Check { scenario, .. }
            | Self::ScenarioError { scenario, .. }
            | Self::TargetOutput { scenario, .. }
            | Self::ScenarioFinished { scenario, .. } => Some(scenario),
            Self::RunStarted { .. } | Self::RunFinished { .. } => None,
        }
    }
}

/// Why a scenario could not run to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScenarioErrorKind {
    /// The target never became ready (readiness probe timed out, process exited during
    /// boot). Exit code 3 when nothing else failed.
    TargetNotReady,
    /// The scenario or target file is wrong (parse error, unknown step, bad value): the
    /// harness's input, not the target, is at fault. Exit code 2.
    ScenarioFile,
    /// The target broke while the scenario ran (crashed, exited, stopped answering):
    /// the target under test failed. Exit code 1.
    Target,
}

impl ScenarioErrorKind {
    /// Stable kebab-case name, as in JSON and JUnit: `target-not-ready`,
    /// `scenario-file`, `target`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TargetNotReady => "target-not-ready",
            Self::ScenarioFile => "scenario-file",
            Self::Target => "target",
        }
    }

    /// Short human wording: `target not ready`, `scenario file error`, `target error`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::TargetNotReady => "target not ready",
            Self::ScenarioFile => "scenario file error",
            Self::Target => "target error",
        }
    }
}

impl fmt::Display for ScenarioErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Receives the events of a run, in order. Simple and synchronous: a reporter that
/// needs to do I/O does it inline and keeps its own errors.
pub trait Reporter {
    /// Handles one event.
    fn on_event(&mut self, event: &RunEvent);
}

impl<R: Reporter + ?Sized> Reporter for &mut R {
    fn on_event(&mut self, event: &RunEvent) {
        (**self).on_event(event);
    }
}

impl<R: Reporter + ?Sized> Reporter for Box<R> {
    fn on_event(&mut self, event: &RunEvent) {
        (**self).on_event(event);
    }
}

/// Hands every event to every reporter, in the order they were added.
///
/// Reporters may be borrowed, so the caller keeps the collected [`RunReport`] after the
/// run:
///
/// ```
/// use harness::report::{Fanout, Reporter, RunEvent, RunReport};
/// use std::time::Duration;
///
/// let mut report = RunReport::new();
/// {
///     let mut fanout = Fanout::new().with(&mut report);
///     fanout.on_event(&RunEvent::RunFinished { duration: Duration::ZERO });
/// }
/// assert!(report.passed());
/// ```
///
/// [`RunReport`]: super::RunReport
#[derive(Default)]
pub struct Fanout<'a>(Vec<Box<dyn Reporter + Send + 'a>>);

impl<'a> Fanout<'a> {
    /// A fan-out with no reporters.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Adds a reporter (builder style).
    pub fn with(mut self, reporter: impl Reporter + Send + 'a) -> Self {
        self.push(reporter);
        self
    }

    /// Adds a reporter.
    pub fn push(&mut self, reporter: impl Reporter + Send + 'a) {
        self.0.push(Box::new(reporter));
    }

    /// How many reporters receive events.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no reporter receives events.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Fanout<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fanout")
            .field("reporters", &self.0.len())
            .finish()
    }
}

impl Reporter for Fanout<'_> {
    fn on_event(&mut self, event: &RunEvent) {
        for reporter in &mut self.0 {
            reporter.on_event(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CheckKind, Verdict};

    #[derive(Default)]
    struct Recorder(Vec<RunEvent>);

    impl Reporter for Recorder {
        fn on_event(&mut self, event: &RunEvent) {
            self.0.push(event.clone());
        }
    }

    fn events() -> Vec<RunEvent> {
        vec![
            RunEvent::RunStarted {
                target: "t".into(),
                scenarios: vec!["s".into()],
            },
            RunEvent::ScenarioStarted {
                scenario: "s".into(),
            },
            RunEvent::Check {
                scenario: "s".into(),
                outcome: CheckOutcome::new(
                    CheckKind::Http,
                    "GET /",
                    "http://x/",
                    Verdict::Pass,
                    Duration::from_millis(3),
                ),
            },
            RunEvent::ScenarioError {
                scenario: "s".into(),
                kind: ScenarioErrorKind::Target,
                message: "exited".into(),
            },
            RunEvent::TargetOutput {
                scenario: "s".into(),
                output: "boom".into(),
            },
            RunEvent::ScenarioFinished {
                scenario: "s".into(),
                duration: Duration::from_millis(5),
            },
            RunEvent::RunFinished {
                duration: Duration::from_millis(6),
            },
        ]
    }

    #[test]
    fn fanout_delivers_every_event_to_every_reporter_in_order() {
        let (mut a, mut b, mut c) = (
            Recorder::default(),
            Recorder::default(),
            Recorder::default(),
        );
        let mut fanout = Fanout::new().with(&mut a).with(&mut b);
        fanout.push(&mut c);
        assert_eq!(fanout.len(), 3);
        for event in &events() {
            fanout.on_event(event);
        }
        drop(fanout);
        assert_eq!(a.0, events());
        assert_eq!(b.0, events());
        assert_eq!(c.0, events());
    }

    #[test]
    fn fanout_takes_owned_boxed_reporters() {
        let mut fanout =
            Fanout::new().with(Box::new(Recorder::default()) as Box<dyn Reporter + Send>);
        fanout.on_event(&events()[0]);
        assert!(!fanout.is_empty());
    }

    #[test]
    fn event_names_its_scenario() {
        let names: Vec<_> = events()
            .iter()
            .map(|e| e.scenario().map(str::to_owned))
            .collect();
        assert_eq!(names.first(), Some(&None));
        assert_eq!(names.last(), Some(&None));
        assert!(
            names[1..names.len() - 1]
                .iter()
                .all(|n| n.as_deref() == Some("s"))
        );
    }

    #[test]
    fn error_kind_names_are_stable() {
        assert_eq!(
            ScenarioErrorKind::TargetNotReady.to_string(),
            "target-not-ready"
        );
        assert_eq!(
            serde_json::to_value(ScenarioErrorKind::ScenarioFile).ok(),
            Some(serde_json::json!("scenario-file"))
        );
    }
}
