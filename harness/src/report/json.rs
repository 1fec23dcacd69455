//! JSON report (`report.json`): a stable, versioned document of the whole run for
//! tools (gate scripts, dashboards).
//!
//! The schema is its own set of types, independent of the in-memory ones, so internal
//! changes do not break readers. Bump `SCHEMA_VERSION` on any incompatible change.
//!
//! ```text
//! { schema_version, verdict: "pass"|"fail", exit_code, headline,
//!   run: { target, planned: [name], duration_ms: number|null },
//!   totals: { scenarios, scenarios_failed, scenarios_errored, checks, passed, warned, failed,
//!             skipped },
//!   scenarios: [ { name, verdict, duration_ms: number|null,
//!                  totals: { checks, passed, warned, failed, skipped },
//!                  checks: [ { name, kind, location, verdict: "pass"|"warn"|"fail"|"skip",
//!                              expected?, seen?, reason?, duration_ms, origin?,
//!                              screenshot?: { path, rendering } } ],
//!                  errors: [ { kind, message } ],
//!                  target_output: string|null,
//!                  assets: [ { path, status: number|null, error?, content_type: string|null,
//!                              length: number|null, etag, last_modified,
//!                              range: bool|null } ],
//!                  metric_deltas: [ { variant?, endpoint: "prometheus"|"json", error?,
//!                                     series: [ { name, labels?, before, after,
//!                                                 delta } ] } ] } ] }
//! ```
//!
//! Durations are milliseconds as numbers, to the microsecond (`15.002`).
//!
//! Version 2 added the `"warn"` check verdict and the `warned` counts (a warning
//! counts as passed: it never fails the run). Version 3 added each scenario's `assets`
//! and `metric_deltas`, what `harness gate --baseline-report` compares, and [`load`]
//! reads a document back. Version 4 added the `"skip"` verdict with its `reason` and
//! the `skipped` counts (a skip is neither passed nor failed), and a browser page
//! check's `screenshot` (`path` relative to the report's directory when the PNG is in
//! it; `rendering`: `"may-change"` or `"unchanged"`). [`load`] still reads
//! version 3, the baselines saved before it, as a run without skips.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::RenderError;
use super::event::ScenarioErrorKind;
use super::run_report::{RunReport, ScenarioReport};
use crate::assets::AssetFacts;
use crate::exit_codes;
use crate::metrics::responsiveness::EndpointDeltas;
use crate::outcome::{CheckKind, CheckOutcome, Origin, Screenshot, Verdict};

/// The file name `write_all` uses.
pub const FILE_NAME: &str = "report.json";

/// The version of the document's schema.
pub const SCHEMA_VERSION: u32 = 4;

/// The oldest version [`load`] reads: version 3 lacks only what 4 added, which
/// defaults to none.
pub const OLDEST_LOADABLE_VERSION: u32 = 3;

/// Renders the run as a pretty-printed JSON document, ending with a newline.
pub fn render(report: &RunReport) -> Result<String, RenderError> {
    let mut text =
        serde_json::to_string_pretty(&Document::new(report)).map_err(RenderError::Json)?;
    text.push('\n');
    Ok(text)
}

/// Why a saved `report.json` could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not JSON, or not this document.
    #[error("not a harness report: {0}")]
    Parse(#[from] serde_json::Error),
    /// Written by another version of the schema.
    #[error(
        "report schema version {found}, this harness reads versions \
         {OLDEST_LOADABLE_VERSION} to {SCHEMA_VERSION}: re-run the baseline with this harness"
    )]
    Version {
        /// The version the file declares.
        found: u64,
    },
}

/// Reads a saved `report.json` back (a baseline for `harness gate --baseline-report`).
pub fn load(text: &str) -> Result<Document, LoadError> {
    #[derive(Deserialize)]
    struct Versioned {
        schema_version: u64,
    }
    let found = serde_json::from_str::<Versioned>(text)?.schema_version;
    if !(u64::from(OLDEST_LOADABLE_VERSION)..=u64::from(SCHEMA_VERSION)).contains(&found) {
        return Err(LoadError::Version { found });
    }
    Ok(serde_json::from_str(text)?)
}

/// The whole document: what a run found, as tools and a later comparison read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Whether the release candidate passed.
    pub verdict: Outcome,
    /// The exit code the run ended with.
    pub exit_code: i32,
    /// The one-line verdict.
    pub headline: String,
    /// The run as a whole.
    pub run: Run,
    /// Counts over the run.
    pub totals: Totals,
    /// Each scenario, in run order.
    pub scenarios: Vec<Scenario>,
}

/// A verdict in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Passed.
    Pass,
    /// Passed with a warning.
    Warn,
    /// Failed.
    Fail,
    /// Not made: a prerequisite was missing (schema 4).
    Skip,
}

impl Outcome {
    fn from(passed: bool) -> Self {
        if passed { Self::Pass } else { Self::Fail }
    }
}

/// The run as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// What was under test.
    pub target: String,
    /// The scenarios planned, in order.
    pub planned: Vec<String>,
    /// Wall-clock milliseconds; `null` when the run did not finish.
    pub duration_ms: Option<f64>,
}

/// Counts over the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Scenarios that reported anything.
    pub scenarios: usize,
    /// Scenarios with a failed check or an error.
    pub scenarios_failed: usize,
    /// Scenarios that could not run to completion.
    pub scenarios_errored: usize,
    /// Checks run.
    pub checks: usize,
    /// Checks passed, warnings included.
    pub passed: usize,
    /// Checks that warned.
    pub warned: usize,
    /// Checks failed.
    pub failed: usize,
    /// Checks skipped (schema 4; 0 in a version 3 report).
    #[serde(default)]
    pub skipped: usize,
}

/// One scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// Whether it passed.
    pub verdict: Outcome,
    /// Wall-clock milliseconds.
    pub duration_ms: Option<f64>,
    /// Its counts.
    pub totals: ScenarioTotals,
    /// Every check, in the order it finished.
    pub checks: Vec<Check>,
    /// Why it could not run to completion.
    pub errors: Vec<Error>,
    /// The tail of the target's output.
    pub target_output: Option<String>,
    /// What each asset was served as (schema 3).
    pub assets: Vec<AssetFacts>,
    /// The counting series' deltas per variant and metrics endpoint, when the run
    /// recorded them (schema 3).
    pub metric_deltas: Vec<EndpointDeltas>,
}

/// A scenario's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioTotals {
    /// Checks run.
    pub checks: usize,
    /// Passed, warnings included.
    pub passed: usize,
    /// Warned.
    pub warned: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped (schema 4).
    #[serde(default)]
    pub skipped: usize,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Its name, prefixed with the variant (`[rate-0.1] ...`).
    pub name: String,
    /// Its area.
    pub kind: CheckKind,
    /// Where it looked.
    pub location: String,
    /// Pass, warn or fail.
    pub verdict: Outcome,
    /// What was expected, when it did not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What was seen, when it did not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<String>,
    /// Why it was skipped (schema 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How long it took.
    pub duration_ms: f64,
    /// The scenario step that made it: scenario, variant, step index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// The page's screenshot, for a browser step's page check (schema 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<Screenshot>,
}

/// Why a scenario could not run to completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    /// The kind.
    pub kind: ScenarioErrorKind,
    /// What happened.
    pub message: String,
}

/// Milliseconds with microsecond precision, so `15.002` prints as such.
fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

impl Document {
    /// The document of a finished run.
    pub fn new(report: &RunReport) -> Self {
        let t = report.totals();
        Self {
            schema_version: SCHEMA_VERSION,
            verdict: Outcome::from(report.passed()),
            exit_code: exit_codes::for_run(report),
            headline: report.headline(),
            run: Run {
                target: report.run().target.clone(),
                planned: report.run().planned.clone(),
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
                skipped: t.skipped,
            },
            scenarios: report.scenarios().iter().map(Scenario::new).collect(),
        }
    }
}

impl Scenario {
    fn new(s: &ScenarioReport) -> Self {
        Self {
            name: s.name.clone(),
            verdict: Outcome::from(!s.failed()),
            duration_ms: s.duration.map(millis),
            totals: ScenarioTotals {
                checks: s.checks.len(),
                passed: s.passed_checks(),
                warned: s.warned_checks(),
                failed: s.failed_checks(),
                skipped: s.skipped_checks(),
            },
            checks: s.checks.iter().map(Check::new).collect(),
            errors: s
                .errors
                .iter()
                .map(|e| Error {
                    kind: e.kind,
                    message: e.message.clone(),
                })
                .collect(),
            target_output: s.target_output.clone(),
            assets: s.assets.clone(),
            metric_deltas: s.metric_deltas.clone(),
        }
    }
}

impl Check {
    fn new(c: &CheckOutcome) -> Self {
        let (expected, seen) = c.verdict.expected_and_seen().unzip();
        Self {
            name: c.title(),
            kind: c.kind,
            location: c.location.clone(),
            verdict: match c.verdict {
                Verdict::Pass => Outcome::Pass,
                Verdict::Warn { .. } => Outcome::Warn,
                Verdict::Fail { .. } => Outcome::Fail,
                Verdict::Skip { .. } => Outcome::Skip,
            },
            expected: expected.map(str::to_owned),
            seen: seen.map(str::to_owned),
            reason: match &c.verdict {
                Verdict::Skip { reason } => Some(reason.clone()),
                _ => None,
            },
            duration_ms: millis(c.duration),
            origin: c.origin.clone(),
            screenshot: c.screenshot.clone(),
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
        assert_eq!(doc["schema_version"], 4);
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

    #[test]
    fn a_saved_report_loads_back_as_written() -> Result<(), Box<dyn std::error::Error>> {
        let mut events = scenario_events("a", 1, 1);
        events.push(crate::report::test_support::asset_event("a"));
        events.push(crate::report::test_support::deltas_event("a"));
        let report = RunReport::from_events(&events);
        let text = render(&report)?;
        let loaded = load(&text)?;
        assert_eq!(loaded, Document::new(&report));
        assert_eq!(loaded.scenarios[0].assets[0].path, "/static/a.css");
        assert_eq!(loaded.scenarios[0].metric_deltas[0].series[0].delta, 3.0);
        Ok(())
    }

    #[test]
    fn json_writes_a_skip_with_its_reason_and_counts_it_apart()
    -> Result<(), Box<dyn std::error::Error>> {
        let report = RunReport::from_events(&crate::report::test_support::skip_events("s"));
        let doc: serde_json::Value = serde_json::from_str(&render(&report)?)?;
        assert_eq!(doc["verdict"], "pass");
        assert_eq!(doc["totals"]["skipped"], 1);
        assert_eq!(doc["totals"]["passed"], 1);
        assert_eq!(doc["scenarios"][0]["totals"]["skipped"], 1);
        let check = &doc["scenarios"][0]["checks"][1];
        assert_eq!(check["verdict"], "skip");
        assert!(
            check["reason"]
                .as_str()
                .is_some_and(|r| r.contains("no Chromium"))
        );
        assert!(check.get("seen").is_none());
        assert_eq!(load(&render(&report)?)?, Document::new(&report));
        Ok(())
    }

    /// A report saved by the harness before schema 4 (no skips, no skipped counts) is
    /// still a baseline.
    #[test]
    fn a_schema_3_report_loads_as_a_run_without_skips() -> Result<(), Box<dyn std::error::Error>> {
        let v3 = r#"{
          "schema_version": 3, "verdict": "pass", "exit_code": 0, "headline": "h",
          "run": { "target": "t", "planned": ["s"], "duration_ms": 1.5 },
          "totals": { "scenarios": 1, "scenarios_failed": 0, "scenarios_errored": 0,
                      "checks": 1, "passed": 1, "warned": 0, "failed": 0 },
          "scenarios": [ { "name": "s", "verdict": "pass", "duration_ms": 1.0,
            "totals": { "checks": 1, "passed": 1, "warned": 0, "failed": 0 },
            "checks": [ { "name": "GET 200 /", "kind": "http", "location": "http://x/",
                          "verdict": "pass", "duration_ms": 0.5 } ],
            "errors": [], "target_output": null, "assets": [], "metric_deltas": [] } ]
        }"#;
        let doc = load(v3)?;
        assert_eq!(doc.schema_version, 3);
        assert_eq!(doc.totals.skipped, 0);
        assert_eq!(doc.scenarios[0].totals.skipped, 0);
        assert_eq!(doc.scenarios[0].checks[0].verdict, Outcome::Pass);
        assert_eq!(doc.scenarios[0].checks[0].reason, None);
        Ok(())
    }

    #[test]
    fn another_schema_version_or_another_document_is_refused() {
        let old = load("{\"schema_version\": 2, \"verdict\": \"pass\"}")
            .expect_err("version 2")
            .to_string();
        assert!(old.contains("schema version 2"), "{old}");
        let newer = load("{\"schema_version\": 5}").expect_err("version 5");
        assert!(matches!(newer, LoadError::Version { found: 5 }), "{newer}");
        assert!(matches!(load("[1, 2]"), Err(LoadError::Parse(_))));
        assert!(matches!(
            load("{\"schema_version\": 4}"),
            Err(LoadError::Parse(_))
        ));
    }
}
