//! Documents the comparison's unit tests build (test builds only).

use crate::assets::AssetFacts;
use crate::outcome::CheckKind;
use crate::report::json::{Check, Document, Outcome, Run, Scenario, ScenarioTotals, Totals};

/// A check named `name`: passed, or failed with (expected, seen).
pub(crate) fn check(name: &str, failed: Option<(&str, &str)>) -> Check {
    Check {
        name: name.to_owned(),
        kind: CheckKind::Asset,
        location: format!("http://127.0.0.1:1{name}"),
        verdict: if failed.is_some() {
            Outcome::Fail
        } else {
            Outcome::Pass
        },
        expected: failed.map(|(e, _)| e.to_owned()),
        seen: failed.map(|(_, s)| s.to_owned()),
        reason: None,
        duration_ms: 1.0,
        origin: None,
        screenshot: None,
    }
}

/// A scenario with these checks, nothing else.
pub(crate) fn scenario(name: &str, checks: Vec<Check>) -> Scenario {
    Scenario {
        name: name.to_owned(),
        verdict: Outcome::Pass,
        duration_ms: None,
        totals: ScenarioTotals {
            checks: checks.len(),
            passed: 0,
            warned: 0,
            failed: 0,
            skipped: 0,
        },
        checks,
        errors: Vec::new(),
        target_output: None,
        assets: Vec::new(),
        metric_deltas: Vec::new(),
    }
}

/// A run of these scenarios (its totals are not read by the comparison).
pub(crate) fn document(scenarios: Vec<Scenario>) -> Document {
    Document {
        schema_version: crate::report::json::SCHEMA_VERSION,
        verdict: Outcome::Pass,
        exit_code: 0,
        headline: String::new(),
        run: Run {
            target: "t".to_owned(),
            planned: Vec::new(),
            duration_ms: None,
        },
        totals: Totals {
            scenarios: 0,
            scenarios_failed: 0,
            scenarios_errored: 0,
            checks: 0,
            passed: 0,
            warned: 0,
            failed: 0,
            skipped: 0,
        },
        scenarios,
    }
}

/// `path` served 200 as `text/css; charset=utf-8`, 120 bytes, with validators and
/// Range.
pub(crate) fn asset(path: &str) -> AssetFacts {
    AssetFacts {
        path: path.to_owned(),
        status: Some(200),
        error: None,
        content_type: Some("text/css; charset=utf-8".to_owned()),
        length: Some(120),
        etag: true,
        last_modified: true,
        range: Some(true),
    }
}
