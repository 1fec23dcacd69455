//! What a check found: the unit every report is made of.
//!
//! A failure always carries what was expected, what was seen, and where (a URL, a
//! header, a metric or a config key), so a reader can act without re-running.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The area a check belongs to; reports group by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// An asset's status, headers and body.
    Asset,
    /// A metric's value after traffic.
    Metric,
    /// The target booted (or refused to boot) as expected.
    Startup,
    /// A plain HTTP expectation (status, header, body) of a scenario step.
    Http,
    /// A configuration expectation (effective value, source, warning).
    Config,
}

/// The verdict of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// The expectation held.
    Pass,
    /// The target did not do what was expected.
    Fail {
        /// What the check wanted, e.g. `status 200`.
        expected: String,
        /// What it got, e.g. `status 500`.
        seen: String,
    },
    /// The target did not take an optional feature (an RFC "MAY", such as answering
    /// `Range`): reported everywhere, but never a reason to fail the release.
    Warn {
        /// What a server that takes the feature would answer.
        expected: String,
        /// What it answered.
        seen: String,
    },
    /// The check could not be made here (a prerequisite such as Chromium is missing):
    /// neither a pass nor a failure, counted apart so a green run does not hide it.
    Skip {
        /// Why, in one line, with how to make it a failure instead.
        reason: String,
    },
}

/// How much a broken expectation weighs: the RFC's words decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// A MUST (or a feature the server advertised, or the scenario requires): fails.
    Must,
    /// A MAY not taken: warns.
    May,
}

impl Verdict {
    /// Builds `Pass` when `ok`, else a failure with both sides spelled out.
    pub fn expect(ok: bool, expected: impl Into<String>, seen: impl Into<String>) -> Self {
        if ok {
            Self::Pass
        } else {
            Self::Fail {
                expected: expected.into(),
                seen: seen.into(),
            }
        }
    }

    /// Builds `Pass` when `ok`, else a failure or a warning as `severity` says.
    pub fn judge(
        ok: bool,
        severity: Severity,
        expected: impl Into<String>,
        seen: impl Into<String>,
    ) -> Self {
        match (ok, severity) {
            (true, _) => Self::Pass,
            (false, Severity::Must) => Self::Fail {
                expected: expected.into(),
                seen: seen.into(),
            },
            (false, Severity::May) => Self::Warn {
                expected: expected.into(),
                seen: seen.into(),
            },
        }
    }

    /// Whether the check does not fail the run: it passed, only warned, or was skipped.
    pub fn passed(&self) -> bool {
        !matches!(self, Self::Fail { .. })
    }

    /// Whether the check warned.
    pub fn warned(&self) -> bool {
        matches!(self, Self::Warn { .. })
    }

    /// Whether the check was skipped (not made at all).
    pub fn skipped(&self) -> bool {
        matches!(self, Self::Skip { .. })
    }

    /// What was expected and seen, for a failure or a warning.
    pub fn expected_and_seen(&self) -> Option<(&str, &str)> {
        match self {
            Self::Pass | Self::Skip { .. } => None,
            Self::Fail { expected, seen } | Self::Warn { expected, seen } => Some((expected, seen)),
        }
    }
}

/// One finished check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    /// Short, stable name: one JUnit test case, e.g. `GET 200 /static/css/style.css`.
    pub name: String,
    /// The area.
    pub kind: CheckKind,
    /// Where: the URL, `URL header`, `metric{labels}` or config key checked.
    pub location: String,
    /// Pass or fail with expected/seen.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// How long the check took (reports redact it in snapshots).
    #[serde(with = "duration_ms")]
    pub duration: Duration,
    /// The scenario step that made it; `None` for checks made outside a scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// What the page looked like, for a browser step's page check: the reports link
    /// it and the gate compares it with the baseline's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<Screenshot>,
}

/// A page's screenshot, attached to the check that loaded the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screenshot {
    /// The PNG as written; the report files give it relative to their directory.
    pub path: PathBuf,
    /// What the scenario asks of the page's rendering against a baseline.
    pub rendering: Rendering,
}

/// What a browser step asks of a page's rendering in `harness gate --baseline`
/// (`rendering = "unchanged"`): whether a change beyond the pixel threshold is worth
/// knowing or breaks the release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rendering {
    /// A change is information (the default: pages change on purpose).
    #[default]
    MayChange,
    /// A change is a regression.
    Unchanged,
}

/// Where in a scenario file a check came from, so a reader can find the step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Origin {
    /// The scenario's name.
    pub scenario: String,
    /// The variant's name, when the scenario has variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The step's index in the file's `steps`, from 0 (as in `steps[3]` errors).
    pub step: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} steps[{}]", self.scenario, self.step)?;
        if let Some(variant) = &self.variant {
            write!(f, " [{variant}]")?;
        }
        Ok(())
    }
}

impl CheckOutcome {
    /// A check with its verdict, timed by the caller.
    pub fn new(
        kind: CheckKind,
        name: impl Into<String>,
        location: impl Into<String>,
        verdict: Verdict,
        duration: Duration,
    ) -> Self {
        Self {
            name: name.into(),
            kind,
            location: location.into(),
            verdict,
            duration,
            origin: None,
            screenshot: None,
        }
    }

    /// Whether the check does not fail the run (a pass, a warning or a skip).
    pub fn passed(&self) -> bool {
        self.verdict.passed()
    }

    /// Whether the check warned.
    pub fn warned(&self) -> bool {
        self.verdict.warned()
    }

    /// Whether the check was skipped.
    pub fn skipped(&self) -> bool {
        self.verdict.skipped()
    }

    /// The check with what its step asks of its screenshot's rendering (no change when
    /// it has no screenshot).
    pub fn with_rendering(mut self, rendering: Rendering) -> Self {
        if let Some(shot) = &mut self.screenshot {
            shot.rendering = rendering;
        }
        self
    }

    /// The name reports show: prefixed with its variant (`[rate-0.1] ...`) when the
    /// scenario has variants, so each pass over the steps reads apart.
    pub fn title(&self) -> String {
        match self.origin.as_ref().and_then(|o| o.variant.as_deref()) {
            Some(variant) => format!("[{variant}] {}", self.name),
            None => self.name.clone(),
        }
    }
}

mod duration_ms {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }
}
