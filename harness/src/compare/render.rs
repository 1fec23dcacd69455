//! The comparison in every report format: terminal text, Markdown (put before the
//! candidate's summary), JSON and JUnit. Regressions first, each with the baseline's
//! and the candidate's answer side by side; then what already failed on the baseline
//! (a warning, or a failure with `strict`); then information. The Markdown and JSON
//! end with each page's screenshots side by side: baseline, candidate, diff.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::finding::{Comparison, Finding, ScreenshotPair};
use crate::report::RenderError;
use crate::report::markdown::image_link;

/// The JSON file of the comparison.
pub const JSON_FILE_NAME: &str = "gate.json";
/// The JUnit file of the comparison.
pub const JUNIT_FILE_NAME: &str = "gate-junit.xml";

/// The first section's title.
const REGRESSIONS: &str = "Regressions";

/// The version of `gate.json`'s schema: 2 added `screenshots` (each page's pair, with
/// the diff image and the changed pixels).
const SCHEMA_VERSION: u32 = 2;

/// The sections in report order, with how a finding in each weighs.
fn sections(comparison: &Comparison, strict: bool) -> [(&'static str, &[Finding], Weight); 3] {
    let already = if strict { Weight::Fails } else { Weight::Warns };
    [
        (REGRESSIONS, &comparison.regressions, Weight::Fails),
        (
            "Already failing in the baseline",
            &comparison.already_failing,
            already,
        ),
        ("Information", &comparison.information, Weight::Informs),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    Fails,
    Warns,
    Informs,
}

/// One line: the verdict of the gate.
pub fn headline(comparison: &Comparison, strict: bool) -> String {
    let verdict = if comparison.fails(strict) {
        "candidate fails the gate"
    } else {
        "candidate passes the gate"
    };
    let strict_note = if strict { ", strict" } else { "" };
    format!(
        "{verdict}: {} regression(s), {} already failing in the baseline{strict_note}, {} informational difference(s)",
        comparison.regressions.len(),
        comparison.already_failing.len(),
        comparison.information.len()
    )
}

/// Terminal text: one block per finding, regressions first.
pub fn to_text(comparison: &Comparison, strict: bool) -> String {
    let mut out = String::new();
    for (title, findings, weight) in sections(comparison, strict) {
        let tag = match weight {
            _ if title == REGRESSIONS => "REGRESSION",
            Weight::Fails | Weight::Warns => "ALREADY FAILING",
            Weight::Informs => "INFO",
        };
        for f in findings {
            out.push_str(&format!(
                "{tag} {}/{} {}: {}\n    baseline:  {}\n    candidate: {}\n",
                f.scenario,
                f.area.as_str(),
                f.subject,
                f.what,
                f.baseline,
                f.candidate
            ));
        }
    }
    out.push_str(&headline(comparison, strict));
    out.push('\n');
    out
}

/// Markdown: the headline, then a table per non-empty section.
pub fn to_markdown(comparison: &Comparison, strict: bool) -> String {
    let mark = if comparison.fails(strict) {
        "❌"
    } else {
        "✅"
    };
    let mut out = format!(
        "## Gate against the baseline\n\n{mark} {}\n",
        headline(comparison, strict)
    );
    for (title, findings, weight) in sections(comparison, strict) {
        if findings.is_empty() {
            continue;
        }
        let note = match weight {
            Weight::Fails if title != REGRESSIONS => " (failures: strict)",
            Weight::Warns => " (warnings)",
            _ => "",
        };
        out.push_str(&format!(
            "\n### {title}{note}\n\n| scenario | {} | what | baseline | candidate |\n|---|---|---|---|---|\n",
            "subject"
        ));
        for f in findings {
            out.push_str(&format!(
                "| {} | {} `{}` | {} | {} | {} |\n",
                cell(&f.scenario),
                f.area.as_str(),
                cell(&f.subject).replace('`', "'"),
                cell(&f.what),
                cell(&f.baseline),
                cell(&f.candidate)
            ));
        }
    }
    screenshots_markdown(comparison, &mut out);
    out
}

/// Each page's screenshots side by side, paths relative to the report directory (where
/// `summary.md` is).
fn screenshots_markdown(comparison: &Comparison, out: &mut String) {
    if comparison.screenshots.is_empty() {
        return;
    }
    out.push_str(
        "\n### Screenshots\n\n| scenario | page | baseline | candidate | diff | changed |\n\
         |---|---|---|---|---|---:|\n",
    );
    for pair in &comparison.screenshots {
        let scenario = match &pair.variant {
            Some(variant) => format!("{} [{variant}]", pair.scenario),
            None => pair.scenario.clone(),
        };
        let mark = if pair.rendering_changed {
            " ⚠️"
        } else {
            ""
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {}{mark} |\n",
            cell(&scenario),
            cell(&pair.page).replace('`', "'"),
            image_link("baseline", &pair.baseline),
            image_link("candidate", &pair.candidate),
            pair.diff
                .as_deref()
                .map_or_else(|| "–".to_owned(), |d| image_link("diff", d)),
            cell(&pair.changed_text()),
        ));
    }
}

/// Table cells keep to one line and do not end the cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    scenario: &'a str,
    area: &'static str,
    subject: &'a str,
    what: &'a str,
    baseline: &'a str,
    candidate: &'a str,
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    schema_version: u32,
    verdict: &'static str,
    strict: bool,
    headline: String,
    regressions: Vec<JsonFinding<'a>>,
    already_failing: Vec<JsonFinding<'a>>,
    information: Vec<JsonFinding<'a>>,
    screenshots: Vec<JsonScreenshots<'a>>,
}

/// A page's screenshots in `gate.json` (schema 2).
#[derive(Serialize)]
struct JsonScreenshots<'a> {
    scenario: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
    page: &'a str,
    baseline: String,
    candidate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
    changed_pixels: u64,
    pixels: u64,
    rendering_changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl<'a> JsonScreenshots<'a> {
    fn new(pair: &'a ScreenshotPair) -> Self {
        Self {
            scenario: &pair.scenario,
            variant: pair.variant.as_deref(),
            page: &pair.page,
            baseline: pair.baseline.display().to_string(),
            candidate: pair.candidate.display().to_string(),
            diff: pair.diff.as_ref().map(|d| d.display().to_string()),
            changed_pixels: pair.changed,
            pixels: pair.pixels,
            rendering_changed: pair.rendering_changed,
            error: pair.error.as_deref(),
        }
    }
}

fn list(findings: &[Finding]) -> Vec<JsonFinding<'_>> {
    findings
        .iter()
        .map(|f| JsonFinding {
            scenario: &f.scenario,
            area: f.area.as_str(),
            subject: &f.subject,
            what: &f.what,
            baseline: &f.baseline,
            candidate: &f.candidate,
        })
        .collect()
}

/// `gate.json`: the verdict and every finding.
pub fn to_json(comparison: &Comparison, strict: bool) -> Result<String, RenderError> {
    let document = JsonDocument {
        schema_version: SCHEMA_VERSION,
        verdict: if comparison.fails(strict) {
            "fail"
        } else {
            "pass"
        },
        strict,
        headline: headline(comparison, strict),
        regressions: list(&comparison.regressions),
        already_failing: list(&comparison.already_failing),
        information: list(&comparison.information),
        screenshots: comparison
            .screenshots
            .iter()
            .map(JsonScreenshots::new)
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document).map_err(RenderError::Json)?;
    text.push('\n');
    Ok(text)
}

/// JUnit: one suite, `gate`; a regression is a failed case, an already-failing one is a
/// failed case with `strict` and a passing case marked as a warning otherwise;
/// information is left out.
pub fn to_junit(comparison: &Comparison, strict: bool) -> Result<String, RenderError> {
    let mut suite = TestSuite::new("gate");
    for (title, findings, weight) in sections(comparison, strict) {
        if weight == Weight::Informs {
            continue;
        }
        for f in findings {
            let description = format!(
                "{}\nbaseline: {}\ncandidate: {}",
                f.what, f.baseline, f.candidate
            );
            let status = if weight == Weight::Fails {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(format!(
                        "{}: baseline {}, candidate {}",
                        f.what, f.baseline, f.candidate
                    ))
                    .set_type(title)
                    .set_description(description.clone());
                status
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(format!("{} {}", f.area.as_str(), f.subject), status);
            case.set_classname(format!("{}.gate", f.scenario));
            if weight == Weight::Warns {
                case.add_property(("severity", "warning"));
                case.set_system_out(format!(
                    "warning: already failing in the baseline: {description}"
                ));
            }
            suite.add_test_case(case);
        }
    }
    let mut report = Report::new("rc-harness-gate");
    report.add_test_suite(suite);
    report.to_string().map_err(RenderError::Junit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::FindingArea;

    fn finding(subject: &str) -> Finding {
        Finding {
            scenario: "static-assets".into(),
            area: FindingArea::Asset,
            subject: subject.into(),
            what: "Content-Type changed".into(),
            baseline: "text/css".into(),
            candidate: "application/octet-stream".into(),
        }
    }

    fn sample() -> Comparison {
        Comparison {
            regressions: vec![finding("/a.css")],
            already_failing: vec![finding("/old.css")],
            information: vec![finding("/b.css")],
            screenshots: Vec::new(),
        }
    }

    #[test]
    fn text_and_markdown_put_regressions_first_with_both_answers() {
        let text = to_text(&sample(), false);
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("REGRESSION static-assets/asset /a.css"),
            "{text}"
        );
        assert!(text.contains("    baseline:  text/css\n    candidate: application/octet-stream"));
        assert!(text.ends_with("candidate fails the gate: 1 regression(s), 1 already failing in the baseline, 1 informational difference(s)\n"), "{text}");
        let markdown = to_markdown(&sample(), false);
        let regressions = markdown.find("### Regressions").unwrap_or(usize::MAX);
        let already = markdown
            .find("### Already failing in the baseline (warnings)")
            .unwrap_or(0);
        assert!(regressions < already, "{markdown}");
        assert!(markdown.contains("| static-assets | asset `/a.css` | Content-Type changed | text/css | application/octet-stream |"));
    }

    #[test]
    fn markdown_and_json_show_each_pages_screenshots_side_by_side() -> Result<(), RenderError> {
        let comparison = Comparison {
            screenshots: vec![ScreenshotPair {
                scenario: "browser-home".into(),
                variant: None,
                page: "/".into(),
                baseline: "baseline/screenshots/browser-home/browser-index.png".into(),
                candidate: "screenshots/browser-home/browser-index.png".into(),
                diff: Some("screenshot-diffs/browser-home/step1-browser-index.png".into()),
                changed: 1234,
                pixels: 10_000,
                rendering_changed: true,
                error: None,
            }],
            ..Comparison::default()
        };
        let markdown = to_markdown(&comparison, false);
        assert!(
            markdown.contains(
                "| browser-home | `/` \
                 | [![baseline](<baseline/screenshots/browser-home/browser-index.png>)]\
                 (<baseline/screenshots/browser-home/browser-index.png>) \
                 | [![candidate](<screenshots/browser-home/browser-index.png>)]\
                 (<screenshots/browser-home/browser-index.png>) \
                 | [![diff](<screenshot-diffs/browser-home/step1-browser-index.png>)]\
                 (<screenshot-diffs/browser-home/step1-browser-index.png>) | 12.34% ⚠️ |"
            ),
            "{markdown}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&to_json(&comparison, false)?).map_err(RenderError::Json)?;
        assert_eq!(json["schema_version"], 2);
        assert_eq!(json["screenshots"][0]["changed_pixels"], 1234);
        assert_eq!(json["screenshots"][0]["rendering_changed"], true);
        Ok(())
    }

    #[test]
    fn already_failing_weighs_as_a_failure_only_when_strict() -> Result<(), RenderError> {
        let only_old = Comparison {
            already_failing: vec![finding("/old.css")],
            ..Comparison::default()
        };
        let relaxed: serde_json::Value =
            serde_json::from_str(&to_json(&only_old, false)?).map_err(RenderError::Json)?;
        assert_eq!(relaxed["verdict"], "pass");
        let strict: serde_json::Value =
            serde_json::from_str(&to_json(&only_old, true)?).map_err(RenderError::Json)?;
        assert_eq!(strict["verdict"], "fail");
        assert_eq!(
            strict["already_failing"][0]["candidate"],
            "application/octet-stream"
        );
        let junit = to_junit(&only_old, false)?;
        assert!(!junit.contains("<failure"), "{junit}");
        assert!(junit.contains("severity"), "{junit}");
        assert!(to_junit(&only_old, true)?.contains("<failure"));
        assert!(to_junit(&sample(), false)?.contains("<failure"));
        Ok(())
    }
}
