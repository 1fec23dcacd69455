//! The run-event stream: what a run tells its reporters.
//!
//! Protocol, in order: one `RunStarted`; per scenario `ScenarioStarted`, any number of
//! `Check`, `ScenarioError` and `TargetOutput`, then `ScenarioFinished` (also after a
//! `ScenarioError`); finally one `RunFinished`. Reporters are lenient: an event for a
//! scenario that was never started opens it.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::assets::AssetFacts;
use crate::metrics::responsiveness::EndpointDeltas;
use crate::outcome::CheckOutcome;

/// One thing that happened during a run.
#[derive(Debug, Clone, PartialEq)]
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
    /// A fact a scenario observed about the target that is no check of its own, kept
    /// for comparing two runs (`harness gate --baseline`).
    Observed {
        /// The scenario that observed it.
        scenario: String,
        /// What it observed.
        observation: Observation,
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
    pub(crate) fn scenario(&self) -> Option<&str> {
        match self {
            Self::ScenarioStarted { scenario }
            | Self::Check { scenario, .. }
            | Self::ScenarioError { scenario, .. }
            | Self::TargetOutput { scenario, .. }
            | Self::Observed { scenario, .. }
            | Self::ScenarioFinished { scenario, .. } => Some(scenario),
            Self::RunStarted { .. } | Self::RunFinished { .. } => None,
        }
    }
}

/// What a scenario observed beyond its checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// The counting series' deltas of one metrics endpoint over one variant's traffic.
    MetricDeltas(EndpointDeltas),
    /// What one asset was served as (a `check-assets` step).
    Asset(AssetFacts),
}

/// Why a scenario could not run to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
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
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::TargetNotReady => "target-not-ready",
            Self::ScenarioFile => "scenario-file",
            Self::Target => "target",
        }
    }

    /// Short human wording: `target not ready`, `scenario file error`, `target error`.
    pub(crate) fn describe(self) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_events;

    #[test]
    fn event_names_its_scenario() {
        let names: Vec<_> = sample_events()
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
