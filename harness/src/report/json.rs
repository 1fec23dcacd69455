//! JSON report (`report.json`): a stable, versioned document of the whole run for
//! tools (gate scripts, dashboards).
//!
//! The schema is its own set of types, independent of the in-memory ones, so internal
//! changes do not break readers. Bump `SCHEMA_VERSION` on any incompatible change.
//!
//! ```text
//! { schema_version, verdict: "pass"|"fail", exit_code, headline,
//!   run: { target, planned: [name], duration_ms: number|null },
//!   totals: { scenarios, scenarios_failed, scenarios_errored, checks, passed, warned, failed },
//!   scenarios: [ { name, verdict, duration_ms: number|null,
//!                  totals: { checks, passed, warned, failed },
//!                  checks: [ { name, kind, location, verdict: "pass"|"warn"|"fail",
//!                              expected?, seen?, duration_ms, origin? } ],
//!                  errors: [ { kind, message } ],
//!                  target_output: string|null } ] }
//! ```
//!
//! Durations are milliseconds as numbers, to the microsecond (`15.002`).
//!
//! Version 2 added the `"warn"` check verdict and the `warned` counts (a warning
//! counts as passed: it never fails the run).

use std::time::Duration;

use serde::Serialize;

use super::error::RenderError;
use super::event::ScenarioErrorKind;
use super::run_report::{RunReport, ScenarioReport};
use crate::exit_codes;
use crate::outcome::{CheckKind, CheckOutcome, Origin, Verdict};

/// The file name `write_all` uses.
pub const FILE_NAME: &str = "report.json";

/// The version of the document's schema.
const SCHEMA_VERSION: u32 = 2;

/// Renders the run as a pretty-printed JSON document, ending with a newline.
pub fn render(report: &RunReport) -> Result<String, RenderError> {
    let mut text =
        serde_json::to_string_pretty(&Document::new(report)).map_err(RenderError::Json)?;
    text.push('\n');
    Ok(text)
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    verdict: Outcome,
    exit_code: i32,
    headline: String,
    run: Run<'a>,
    totals: Totals,
    scenarios: Vec<Scenario<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Pass,
    Warn,
    Fail,
}

impl Outcome {
    fn from(passed: bool) -> Self {
        if passed { Self::Pass } else { Self::Fail }
    }
}

#[derive(Serialize)]
struct Run<'a> {
    target: &'a str,
    planned: &'a [String],
    duration_ms: Option<f64>,
}

#[derive(Serialize)]
struct Totals {
    scenarios: usize,
    scenarios_failed: usize,
    scenarios_errored: usize,
    checks: usize,
    passed: usize,
    warned: usize,
    failed: usize,
}

#[derive(Serialize)]
struct Scenario<'a> {
    name: &'a str,
    verdict: Outcome,
    duration_ms: Option<f64>,
    totals: ScenarioTotals,
    checks: Vec<Check<'a>>,
    errors: Vec<Error<'a>>,
    target_output: Option<&'a str>,
}

#[derive(Serialize)]
struct ScenarioTotals {
    checks: usize,
    passed: usize,
    warned: usize,
    failed: usize,
}

#[derive(Serialize)]
struct Check<'a> {
    name: String,
    kind: CheckKind,
    location: &'a str,
    verdict: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seen: Option<&'a str>,
    duration_ms: f64,
    /// The scenario step that made it: scenario, variant, step index.
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a Origin>,
}

#[derive(Serialize)]
struct Error<'a> {
    kind: ScenarioErrorKind,
    message: &'a str,
}

/// Milliseconds with microsecond precision, so `15.002` prints as such.
fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

impl<'a> Document<'a> {
    fn new(report: &'a RunReport) -> Self {
        let t = report.totals();
        Self {
            schema_version: SCHEMA_VERSION,
            verdict: Outcome::from(report.passed()),
            exit_code: exit_codes::for_run(report),
            headline: report.headline(),
            run: Run {
                target: &report.run().target,
                planned: &report.run().planned,
                duration_ms: report.run().duration.map(millis),
            },
            totals: Totals {
                scenarios: t.scenarios,
                scenarios_failed: t.scenarios_failed,
                scenarios_errored: t.scenarios_errored,
                checks: t.checks,
                passed: t.passed,
                warned: t.warned,
                failed: t.failed,
            },
            scenarios: report.scenarios().iter().map(Scenario::new).collect(),
        }
    }
}

impl<'a> Scenario<'a> {
    fn new(s: &'a ScenarioReport) -> Self {
        Self {
            name: &s.name,
            verdict: Outcome::from(!s.failed()),
            duration_ms: s.duration.map(millis),
            totals: ScenarioTotals {
                checks: s.checks.len(),
                passed: s.passed_checks(),
                warned: s.warned_checks(),
                failed: s.failed_checks(),
            },
            checks: s.checks.iter().map(Check::new).collect(),
            errors: s
                .errors
                .iter()
                .map(|e| Error {
                    kind: e.kind,
                    message: &e.message,
                })
                .collect(),
            target_output: s.target_output.as_deref(),
        }
    }
}

impl<'a> Check<'a> {
    fn new(c: &'a CheckOutcome) -> Self {
        let (expected, seen) = c.verdict.expected_and_seen().unzip();
        Self {
            name: c.title(),
            kind: c.kind,
            location: &c.location,
            verdict: match c.verdict {
                Verdict::Pass => Outcome::Pass,
                Verdict::Warn { .. } => Outcome::Warn,
                Verdict::Fail { .. } => Outcome::Fail,
            },
            expected,
            seen,
            duration_ms: millis(c.duration),
            origin: c.origin.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RunEvent;
    use crate::report::test_support::{error_event, scenario_events};

    /// The document as a `serde_json::Value`, serialized without going through text.
    fn to_value(report: &RunReport) -> Result<serde_json::Value, RenderError> {
        serde_json::to_value(Document::new(report)).map_err(RenderError::Json)
    }

    #[test]
    fn json_marks_warnings_and_counts_them() -> Result<(), Box<dyn std::error::Error>> {
        let report = RunReport::from_events(&crate::report::test_support::warning_events("w"));
        let doc: serde_json::Value = serde_json::from_str(&render(&report)?)?;
        assert_eq!(doc["verdict"], "pass");
        assert_eq!(doc["totals"]["warned"], 1);
        assert_eq!(doc["scenarios"][0]["totals"]["warned"], 1);
        let check = &doc["scenarios"][0]["checks"][1];
        assert_eq!(check["verdict"], "warn");
        assert_eq!(check["seen"], "status 200, the whole file");
        Ok(())
    }

    #[test]
    fn report_json_has_schema_totals_and_failures() {
        let mut events = scenario_events("a", 1, 1);
        events.push(error_event("b", ScenarioErrorKind::TargetNotReady));
        events.push(RunEvent::RunFinished {
            duration: Duration::from_millis(1500),
        });
        let report = RunReport::from_events(&events);
        let text = render(&report).unwrap_or_default();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(doc["schema_version"], 2);
        assert_eq!(doc["verdict"], "fail");
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(doc["run"]["duration_ms"], 1500.0);
        assert_eq!(doc["totals"]["failed"], 1);
        assert_eq!(doc["totals"]["scenarios_failed"], 2);
        let checks = &doc["scenarios"][0]["checks"];
        assert_eq!(checks[0]["verdict"], "pass");
        assert!(checks[0].get("expected").is_none());
        assert_eq!(checks[1]["expected"], "status 200");
        assert_eq!(checks[1]["seen"], "status 500");
        assert_eq!(checks[1]["kind"], "asset");
        assert_eq!(doc["scenarios"][1]["errors"][0]["kind"], "target-not-ready");
        assert_eq!(doc["scenarios"][1]["duration_ms"], serde_json::Value::Null);
        assert_eq!(to_value(&report).ok(), Some(doc));
    }
}
