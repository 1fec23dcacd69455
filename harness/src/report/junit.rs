//! JUnit XML report (`junit.xml`), for CI test views.
//!
//! One `<testsuite>` per scenario, one `<testcase>` per check: `name` is the check name,
//! `classname` is `scenario.kind`, a failure's message is `expected X, seen Y at
//! LOCATION` and its type the check kind. A scenario error becomes an `<error>`
//! testcase named after the error kind (classname `scenario.error`). The target's
//! output tail is the suite's `<system-out>`. A skipped check (a missing prerequisite)
//! is `<skipped message="reason"/>`, which CI counts apart from passes and failures.
//! A browser page check's screenshot is attached the way the Jenkins JUnit
//! Attachments plugin and GitLab's JUnit reports read it: `[[ATTACHMENT|path]]` in the
//! test case's `<system-out>` (the path as `report.json` has it, relative to the
//! report directory when the PNG is inside it). Times are seconds, from the real
//! durations.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::error::RenderError;
use super::run_report::{RunReport, ScenarioReport};
use super::text::{failure_message, kind_name};
use crate::outcome::Verdict;

/// The file name `write_all` uses.
pub const FILE_NAME: &str = "junit.xml";

/// The name of the `<testsuites>` element.
const REPORT_NAME: &str = "rc-harness";

/// Renders the run as JUnit XML.
pub fn render(report: &RunReport) -> Result<String, RenderError> {
    let mut junit = Report::new(REPORT_NAME);
    if let Some(duration) = report.run().duration {
        junit.set_time(duration);
    }
    junit.add_test_suites(report.scenarios().iter().map(suite));
    junit.to_string().map_err(RenderError::Junit)
}

fn suite(scenario: &ScenarioReport) -> TestSuite {
    let mut suite = TestSuite::new(scenario.name.as_str());
    if let Some(duration) = scenario.duration {
        suite.set_time(duration);
    }
    for check in &scenario.checks {
        let status = match &check.verdict {
            Verdict::Pass | Verdict::Warn { .. } => TestCaseStatus::success(),
            Verdict::Skip { reason } => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(one_line(reason));
                status
            }
            Verdict::Fail { expected, seen } => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(one_line(&failure_message(check).unwrap_or_default()))
                    .set_type(kind_name(check.kind))
                    .set_description(match &check.origin {
                        Some(origin) => format!(
                            "expected: {expected}\nseen: {seen}\nwhere: {}\nstep: {origin}",
                            check.location
                        ),
                        None => format!(
                            "expected: {expected}\nseen: {seen}\nwhere: {}",
                            check.location
                        ),
                    });
                status
            }
        };
        let mut case = TestCase::new(check.title(), status);
        case.set_classname(format!("{}.{}", scenario.name, kind_name(check.kind)))
            .set_time(check.duration);
        let mut out = Vec::new();
        if let Verdict::Warn { .. } = &check.verdict {
            // A warning passes: CI shows it as a property and in the case's output.
            case.add_property(("severity", "warning"));
            let message = failure_message(check).unwrap_or_default();
            out.push(format!("warning: {message}"));
        }
        if let Some(shot) = &check.screenshot {
            out.push(format!("[[ATTACHMENT|{}]]", shot.path.display()));
        }
        if !out.is_empty() {
            case.set_system_out(out.join("\n"));
        }
        if let Some(origin) = &check.origin {
            case.add_property(("step", origin.step.to_string().as_str()));
            if let Some(variant) = &origin.variant {
                case.add_property(("variant", variant.as_str()));
            }
        }
        suite.add_test_case(case);
    }
    for error in &scenario.errors {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_message(one_line(&error.message))
            .set_type(error.kind.as_str())
            .set_description(error.message.as_str());
        let mut case = TestCase::new(error.kind.as_str(), status);
        case.set_classname(format!("{}.error", scenario.name));
        suite.add_test_case(case);
    }
    if let Some(output) = &scenario.target_output {
        suite.set_system_out(output.as_str());
    }
    suite
}

/// Attribute values cannot keep newlines (XML parsers fold them into spaces), so the
/// message attribute gets one line; the element text keeps the full text.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::{CheckKind, CheckOutcome};
    use crate::report::{Reporter, RunEvent, ScenarioErrorKind};

    fn check(name: &str, verdict: Verdict) -> RunEvent {
        RunEvent::Check {
            scenario: "s&<1>".into(),
            outcome: CheckOutcome::new(
                CheckKind::Http,
                name,
                "http://h/?a=1&b=\"2\"",
                verdict,
                Duration::from_millis(1500),
            ),
        }
    }

    #[test]
    fn junit_warnings_pass_with_a_property_and_output() -> Result<(), RenderError> {
        let report = RunReport::from_events(&crate::report::test_support::warning_events("w"));
        let xml = render(&report)?;
        assert!(!xml.contains("<failure"), "{xml}");
        assert!(xml.contains(r#"name="severity" value="warning""#), "{xml}");
        assert!(
            xml.contains("warning: expected status 206 (RFC 9110 §14.2 MAY), seen status 200"),
            "{xml}"
        );
        Ok(())
    }

    #[test]
    fn junit_skips_are_skipped_elements_with_the_reason() -> Result<(), RenderError> {
        let report = RunReport::from_events(&crate::report::test_support::skip_events("s"));
        let xml = render(&report)?;
        assert!(
            xml.contains(
                r#"<skipped message="no Chromium found (set HARNESS_REQUIRE_BROWSER=1 to fail)"/>"#
            ),
            "{xml}"
        );
        assert!(!xml.contains("<failure"), "{xml}");
        let parsed = Report::deserialize_from_str(&xml).expect("valid XML");
        assert_eq!(parsed.test_suites[0].disabled, 1);
        Ok(())
    }

    #[test]
    fn junit_attaches_a_screenshot_in_the_cases_output() -> Result<(), RenderError> {
        let report = RunReport::from_events(&[crate::report::test_support::screenshot_event()]);
        let xml = render(&report)?;
        assert!(
            xml.contains("<system-out>[[ATTACHMENT|screenshots/s/browser-index.png]]</system-out>"),
            "{xml}"
        );
        Ok(())
    }

    #[test]
    fn report_junit_escapes_xml_specials_and_round_trips() {
        let mut report = RunReport::new();
        for event in [
            check(
                "body has <b>&amp;",
                Verdict::expect(false, "<ok/>", "'\"&\"'"),
            ),
            check("passes", Verdict::Pass),
            RunEvent::ScenarioError {
                scenario: "s&<1>".into(),
                kind: ScenarioErrorKind::Target,
                message: "exited <signal 9>\nsee logs".into(),
            },
            RunEvent::TargetOutput {
                scenario: "s&<1>".into(),
                output: "panic at </system-out> & \u{1b}[31mred\u{1b}[0m".into(),
            },
        ] {
            report.on_event(&event);
        }
        let xml = render(&report).unwrap_or_default();
        assert!(
            xml.contains("name=\"body has &lt;b&gt;&amp;amp;\""),
            "{xml}"
        );
        assert!(xml.contains("classname=\"s&amp;&lt;1&gt;.http\""), "{xml}");
        assert!(!xml.contains("</system-out> &"), "{xml}");

        let parsed = Report::deserialize_from_str(&xml).expect("valid XML");
        let suite = &parsed.test_suites[0];
        assert_eq!(suite.name.as_str(), "s&<1>");
        assert_eq!(suite.tests, 3);
        assert_eq!(suite.failures, 1);
        assert_eq!(suite.errors, 1);
        let failure = &suite.test_cases[0];
        assert_eq!(failure.name.as_str(), "body has <b>&amp;");
        assert_eq!(failure.time, Some(Duration::from_millis(1500)));
        match &failure.status {
            TestCaseStatus::NonSuccess {
                message,
                ty,
                description,
                ..
            } => {
                assert_eq!(
                    message.as_deref(),
                    Some("expected <ok/>, seen '\"&\"' at http://h/?a=1&b=\"2\"")
                );
                assert_eq!(ty.as_deref(), Some("http"));
                assert!(
                    description
                        .as_deref()
                        .is_some_and(|d| d.starts_with("expected: <ok/>\n"))
                );
            }
            other => panic!("not a failure: {other:?}"),
        }
        let error = &suite.test_cases[2];
        assert_eq!(error.name.as_str(), "target");
        assert_eq!(error.classname.as_deref(), Some("s&<1>.error"));
        assert_eq!(
            suite.system_out.as_deref(),
            Some("panic at </system-out> & red"),
            "ANSI escapes are stripped, specials survive"
        );
    }
}
