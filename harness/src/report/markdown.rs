//! Markdown summary (`summary.md`) for a CI job summary or a PR comment: a headline
//! verdict, a table of scenarios, warnings, skips, each browser page's screenshot
//! (linked relative to the summary, which sits in the report directory), then every
//! failure with where, expected and seen, and the target's output tail folded in a
//! `<details>` block.
//!
//! Everything taken from the run is escaped: table cells and prose escape Markdown
//! specials (`|` included), values go in code spans or fenced blocks long enough to
//! hold any backticks inside them.

use std::fmt::Write as _;

use super::error::RenderError;
use super::run_report::RunReport;
use super::text::{human_duration, kind_name};
use crate::exit_codes;
use crate::outcome::Verdict;

/// The file name `write_all` uses.
pub const FILE_NAME: &str = "summary.md";

/// At most this many failures are spelled out; the rest are counted (GitHub limits
/// comments and job summaries in size; the JUnit and JSON reports keep them all).
const MAX_LISTED_FAILURES: usize = 50;

const PASS_ICON: &str = "✅";
const FAIL_ICON: &str = "❌";
const WARN_ICON: &str = "⚠️";
const SKIP_ICON: &str = "⏭️";

/// Renders the run as Markdown. Never fails; the `Result` keeps the interface of the
/// other formats.
pub fn render(report: &RunReport) -> Result<String, RenderError> {
    Ok(summary(report))
}

/// The warnings, one line each (they never fail the run, so they come before the
/// failures and are listed even when the run passes).
fn warnings(report: &RunReport, md: &mut String) {
    let lines = report.warnings().filter_map(|(scenario, check)| {
        let (expected, seen) = check.verdict.expected_and_seen()?;
        Some(format!(
            "{WARN_ICON} {} / {}: expected {}, seen {} at {}",
            escape_text(&scenario.name),
            escape_text(&check.title()),
            code_span(expected),
            code_span(seen),
            code_span(&check.location),
        ))
    });
    capped_list(md, "Warnings", lines);
}

/// The skipped checks, one line each with the reason (a skip never fails the run,
/// but a reader must see what was not checked).
fn skips(report: &RunReport, md: &mut String) {
    let lines = report.skips().map(|(scenario, check)| {
        let reason = match &check.verdict {
            Verdict::Skip { reason } => reason.as_str(),
            _ => "",
        };
        format!(
            "{SKIP_ICON} {} / {}: {}",
            escape_text(&scenario.name),
            escape_text(&check.title()),
            escape_text(reason),
        )
    });
    capped_list(md, "Skipped", lines);
}

/// A `### heading` and a bullet per line, the first [`MAX_LISTED_FAILURES`] of them
/// and how many more; nothing when there are no lines.
fn capped_list(md: &mut String, heading: &str, lines: impl Iterator<Item = String>) {
    let mut lines = lines.peekable();
    if lines.peek().is_none() {
        return;
    }
    let _ = writeln!(md, "### {heading}\n");
    let mut count = 0;
    for line in lines {
        count += 1;
        if count <= MAX_LISTED_FAILURES {
            let _ = writeln!(md, "- {line}");
        }
    }
    if count > MAX_LISTED_FAILURES {
        let _ = writeln!(
            md,
            "- … and {} more (see the JUnit and JSON reports)",
            count - MAX_LISTED_FAILURES
        );
    }
    md.push('\n');
}

/// A table of each browser page's screenshot: scenario, page, and the image, linked.
fn screenshots(report: &RunReport, md: &mut String) {
    let mut shots = report.screenshots().peekable();
    if shots.peek().is_none() {
        return;
    }
    md.push_str("### Screenshots\n\n| scenario | page | screenshot |\n|---|---|---|\n");
    for (scenario, check) in shots {
        let Some(shot) = &check.screenshot else {
            continue;
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            escape_text(&scenario.name),
            code_span(&check.location),
            image_link(&check.title(), &shot.path),
        );
    }
    md.push('\n');
}

/// `[![alt](<path>)](<path>)`: the image, clickable to its full size. The angle
/// brackets let a path hold spaces and parentheses.
pub(crate) fn image_link(alt: &str, path: &std::path::Path) -> String {
    let target: String = path
        .to_string_lossy()
        .replace('\\', "/")
        .chars()
        .flat_map(|c| match c {
            '<' => "%3C".chars().collect::<Vec<_>>(),
            '>' => "%3E".chars().collect(),
            '\n' | '\r' => Vec::new(),
            c => vec![c],
        })
        .collect();
    format!("[![{}](<{target}>)](<{target}>)", escape_text(alt))
}

fn summary(report: &RunReport) -> String {
    let mut md = String::new();
    let icon = if report.passed() {
        PASS_ICON
    } else {
        FAIL_ICON
    };
    let _ = writeln!(md, "## {icon} {}\n", escape_text(&report.headline()));

    let mut facts = Vec::new();
    if !report.run().target.is_empty() {
        facts.push(format!("target {}", code_span(&report.run().target)));
    }
    if let Some(duration) = report.run().duration {
        facts.push(format!("run time {}", human_duration(duration)));
    }
    facts.push(format!("exit code {}", exit_codes::for_run(report)));
    let _ = writeln!(md, "{}\n", facts.join(" · "));

    if !report.scenarios().is_empty() {
        md.push_str("| | scenario | checks | passed | failed | skipped | duration |\n");
        md.push_str("|---|---|---:|---:|---:|---:|---:|\n");
        for s in report.scenarios() {
            let icon = if s.failed() { FAIL_ICON } else { PASS_ICON };
            let mut name = escape_text(&s.name);
            for error in &s.errors {
                let _ = write!(name, " ({})", error.kind.describe());
            }
            let _ = writeln!(
                md,
                "| {icon} | {name} | {} | {} | {} | {} | {} |",
                s.checks.len(),
                s.passed_checks(),
                s.failed_checks(),
                s.skipped_checks(),
                s.duration.map_or_else(|| "–".to_owned(), human_duration),
            );
        }
        md.push('\n');
    }

    warnings(report, &mut md);
    skips(report, &mut md);
    screenshots(report, &mut md);
    if report.passed() {
        return md;
    }
    md.push_str("### Failures\n");
    let mut listed = 0;
    let mut unlisted = 0;
    for s in report.scenarios().iter().filter(|s| s.failed()) {
        let _ = writeln!(md, "\n#### {}", escape_text(&s.name));
        for error in &s.errors {
            let _ = writeln!(
                md,
                "\n**{}** ({})\n\n{}",
                error.kind.describe(),
                code_span(error.kind.as_str()),
                code_block(&error.message)
            );
        }
        for check in s.failures() {
            if listed == MAX_LISTED_FAILURES {
                unlisted += 1;
                continue;
            }
            listed += 1;
            if let Some((expected, seen)) = check.verdict.expected_and_seen() {
                let _ = writeln!(
                    md,
                    "\n**{}** ({})\n\n- where: {}\n- expected: {}\n- seen: {}",
                    escape_text(&check.title()),
                    kind_name(check.kind),
                    code_span(&check.location),
                    code_span(expected),
                    code_span(seen),
                );
                if let Some(origin) = &check.origin {
                    let _ = writeln!(md, "- step: {}", code_span(&origin.to_string()));
                }
            }
        }
        if let Some(output) = &s.target_output {
            let _ = writeln!(
                md,
                "\n<details>\n<summary>target output (last lines)</summary>\n\n{}\n\n</details>",
                code_block(output)
            );
        }
    }
    if unlisted > 0 {
        let _ = writeln!(
            md,
            "\n…and {unlisted} more {}: see `junit.xml` or `report.json`.",
            if unlisted == 1 { "failure" } else { "failures" }
        );
    }
    md
}

/// Escapes text for Markdown prose and table cells: specials get a backslash, line
/// breaks become spaces (a cell cannot hold one).
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\r' => {}
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// An inline code span that holds `text` verbatim, whatever backticks it contains.
fn code_span(text: &str) -> String {
    if text.is_empty() {
        return "*(empty)*".to_owned();
    }
    let text = text.replace(['\r', '\n'], " ");
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fenced `text` block that holds `text` verbatim (no trailing newline).
fn code_block(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    let body = text.trim_end_matches('\n');
    format!("{fence}text\n{body}\n{fence}")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::{CheckKind, CheckOutcome, Verdict};
    use crate::report::test_support::scenario_events;
    use crate::report::{Reporter, RunEvent};

    #[test]
    fn markdown_lists_warnings_even_when_the_run_passes() -> Result<(), RenderError> {
        let report = RunReport::from_events(&crate::report::test_support::warning_events("w"));
        let md = render(&report)?;
        assert!(md.starts_with(&format!("## {PASS_ICON} ")), "{md}");
        assert!(md.contains("### Warnings"), "{md}");
        assert!(md.contains("Range /a.css"), "{md}");
        assert!(!md.contains("Failures"), "{md}");
        Ok(())
    }

    #[test]
    fn markdown_counts_and_lists_skips_apart() -> Result<(), RenderError> {
        let report = RunReport::from_events(&crate::report::test_support::skip_events("s"));
        let md = render(&report)?;
        assert!(md.starts_with(&format!("## {PASS_ICON} ")), "{md}");
        assert!(md.contains("| ✅ | s | 2 | 1 | 0 | 1 | 10ms |"), "{md}");
        assert!(md.contains("### Skipped"), "{md}");
        assert!(md.contains("s / browser: no Chromium found"), "{md}");
        Ok(())
    }

    #[test]
    fn markdown_links_each_pages_screenshot() -> Result<(), RenderError> {
        let report = RunReport::from_events(&[crate::report::test_support::screenshot_event()]);
        let md = render(&report)?;
        assert!(md.contains("### Screenshots"), "{md}");
        assert!(
            md.contains(
                "| s | `http://h/` | [![browser load http://h/](<screenshots/s/browser-index.png>)]\
                 (<screenshots/s/browser-index.png>) |"
            ),
            "{md}"
        );
        Ok(())
    }

    #[test]
    fn report_markdown_escapes_pipes_in_table_cells() {
        let report = RunReport::from_events(&scenario_events("a|b", 1, 0));
        let md = summary(&report);
        assert!(md.contains("| ✅ | a\\|b | 1 | 1 | 0 | 0 | 10ms |"), "{md}");
        assert_eq!(escape_text("x|y\nz <b>"), "x\\|y z \\<b\\>");
    }

    #[test]
    fn report_markdown_code_spans_survive_backticks() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_span(""), "*(empty)*");
        assert_eq!(code_block("a\n```\nb\n"), "````text\na\n```\nb\n````");
    }

    #[test]
    fn report_markdown_passing_run_has_no_failures_section() {
        let report = RunReport::from_events(&scenario_events("a", 2, 0));
        let md = summary(&report);
        assert!(
            md.starts_with("## ✅ release candidate passes: 2 checks in 1 scenario\n"),
            "{md}"
        );
        assert!(!md.contains("Failures"), "{md}");
    }

    #[test]
    fn report_markdown_caps_listed_failures() {
        let mut report = RunReport::new();
        for i in 0..MAX_LISTED_FAILURES + 3 {
            report.on_event(&RunEvent::Check {
                scenario: "s".into(),
                outcome: CheckOutcome::new(
                    CheckKind::Asset,
                    format!("c{i}"),
                    "u",
                    Verdict::expect(false, "a", "b"),
                    Duration::ZERO,
                ),
            });
        }
        let md = summary(&report);
        assert_eq!(md.matches("- expected: `a`").count(), MAX_LISTED_FAILURES);
        assert!(md.contains("…and 3 more failures"), "{md}");
    }
}
