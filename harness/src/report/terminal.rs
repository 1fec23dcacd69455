//! The terminal reporter, for humans watching a run.
//!
//! On a TTY it shows an indicatif progress bar over the scenarios (with running check
//! counts) and prints failures above it as they come. Elsewhere (CI logs, pipes) it
//! prints one plain line per event so logs stay readable and greppable:
//!
//! ```text
//! PASS scenario/check
//! FAIL scenario/check: expected X, seen Y at LOCATION
//! ERROR scenario/target-not-ready: message
//! ```
//!
//! Both end with the same summary. Text goes to the writer the caller gives (tests
//! capture it); the bar draws on stderr. It keeps no copy of the run: it is a
//! [`ReportView`], reading counts, failures and the verdict from the run's one
//! [`RunReport`]. Write errors do not stop the run: the first is kept, and `finish`
//! returns it.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::error::ReporterError;
use super::event::{RunEvent, ScenarioErrorKind};
use super::reporter::ReportView;
use super::run_report::RunReport;
use super::text::{count, failure_message, human_duration};
use crate::exit_codes;
use crate::outcome::{CheckOutcome, Verdict};

/// How the terminal reporter shows progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalMode {
    /// One line per check and scenario; for CI logs and pipes.
    Plain,
    /// A progress bar on stderr, failures printed above it.
    Progress,
}

impl TerminalMode {
    /// `Progress` when stderr is a terminal, else `Plain`.
    pub fn detect() -> Self {
        if io::stderr().is_terminal() {
            Self::Progress
        } else {
            Self::Plain
        }
    }
}

/// A [`ReportView`] that prints the run for humans; see the module docs.
pub struct TerminalReporter {
    out: Box<dyn Write + Send>,
    bar: Option<ProgressBar>,
    error: Option<io::Error>,
}

impl std::fmt::Debug for TerminalReporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalReporter")
            .field("progress", &self.bar.is_some())
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl TerminalReporter {
    /// A reporter writing to `out`; in `Progress` mode the bar draws on stderr.
    pub fn new(out: Box<dyn Write + Send>, mode: TerminalMode) -> Self {
        match mode {
            TerminalMode::Plain => Self::plain(out),
            TerminalMode::Progress => Self::with_progress(out, ProgressDrawTarget::stderr()),
        }
    }

    /// A plain, line-per-event reporter.
    pub fn plain(out: Box<dyn Write + Send>) -> Self {
        Self {
            out,
            bar: None,
            error: None,
        }
    }

    /// A progress reporter whose bar draws on `target` (tests pass a hidden one).
    pub(crate) fn with_progress(out: Box<dyn Write + Send>, target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), target).with_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{bar:25}] {pos}/{len} scenarios · {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Self {
            bar: Some(bar),
            ..Self::plain(out)
        }
    }

    /// The first error writing to the output, if any (taken, so it is reported once).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Writes `text` (one or more lines), above the bar when there is one.
    fn print(&mut self, text: &str) {
        let out = &mut self.out;
        let result = match &self.bar {
            Some(bar) => bar.suspend(|| writeln!(out, "{text}").and_then(|()| out.flush())),
            None => writeln!(out, "{text}").and_then(|()| out.flush()),
        };
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    fn plain_mode(&self) -> bool {
        self.bar.is_none()
    }

    fn update_bar(&self, scenario: &str, report: &RunReport) {
        if let Some(bar) = &self.bar {
            let t = report.totals();
            bar.set_message(format!(
                "{scenario} · {} passed, {} failed",
                t.passed, t.failed
            ));
        }
    }

    fn print_target_output(&mut self, scenario: &str, report: &RunReport) {
        let Some(output) = report
            .scenario(scenario)
            .filter(|s| s.failed())
            .and_then(|s| s.target_output.clone())
        else {
            return;
        };
        self.print_output_block(scenario, &output);
    }

    fn print_output_block(&mut self, scenario: &str, output: &str) {
        let mut text = format!("  target output of {scenario} (last lines):");
        for line in output.lines() {
            text.push_str("\n    | ");
            text.push_str(line);
        }
        self.print(&text);
    }

    fn summary(duration: Duration, report: &RunReport) -> String {
        let mut text = format!(
            "SUMMARY [{}] {}",
            human_duration(duration),
            report.headline()
        );
        for (scenario, check) in report.failures() {
            text.push_str("\n  ");
            text.push_str(&fail_line(&scenario.name, check));
        }
        for (scenario, error) in report.errors() {
            text.push_str("\n  ");
            text.push_str(&error_line(&scenario.name, error.kind, &error.message));
        }
        let code = exit_codes::for_run(report);
        text.push_str(&format!("\nEXIT {code}: {}", exit_codes::describe(code)));
        text
    }
}

/// `FAIL scenario/check: expected X, seen Y at LOCATION`, continuation lines indented.
fn fail_line(scenario: &str, check: &CheckOutcome) -> String {
    let message = failure_message(check).unwrap_or_default();
    let step = check
        .origin
        .as_ref()
        .map_or(String::new(), |o| format!(" (steps[{}])", o.step));
    indent_continuation(&format!(
        "FAIL {scenario}/{}: {message}{step}",
        check.title()
    ))
}

/// `WARN scenario/check: expected X, seen Y at LOCATION`: an optional feature not
/// taken, which never fails the run.
fn warn_line(scenario: &str, check: &CheckOutcome) -> String {
    let message = failure_message(check).unwrap_or_default();
    indent_continuation(&format!("WARN {scenario}/{}: {message}", check.title()))
}

/// `SKIP scenario/check: reason`: a check that could not be made here (a missing
/// prerequisite), which never fails the run.
fn skip_line(scenario: &str, check: &CheckOutcome) -> String {
    let reason = match &check.verdict {
        Verdict::Skip { reason } => reason.as_str(),
        _ => "",
    };
    indent_continuation(&format!("SKIP {scenario}/{}: {reason}", check.title()))
}

/// `ERROR scenario/kind: message`, continuation lines indented.
fn error_line(scenario: &str, kind: ScenarioErrorKind, message: &str) -> String {
    indent_continuation(&format!("ERROR {scenario}/{kind}: {message}"))
}

fn indent_continuation(text: &str) -> String {
    text.trim_end_matches('\n').replace('\n', "\n    ")
}

impl ReportView for TerminalReporter {
    fn on_event(&mut self, event: &RunEvent, report: &RunReport) {
        match event {
            RunEvent::RunStarted { target, scenarios } => {
                if let Some(bar) = &self.bar {
                    bar.set_length(scenarios.len() as u64);
                    bar.set_message(format!("starting {target}"));
                    bar.enable_steady_tick(Duration::from_millis(120));
                } else {
                    self.print(&format!("RUN {target}: {} scenarios", scenarios.len()));
                }
            }
            RunEvent::ScenarioStarted { scenario } => {
                if self.plain_mode() {
                    self.print(&format!("START {scenario}"));
                }
                self.update_bar(scenario, report);
            }
            RunEvent::Check { scenario, outcome } => {
                if !outcome.passed() {
                    self.print(&fail_line(scenario, outcome));
                } else if outcome.warned() {
                    self.print(&warn_line(scenario, outcome));
                } else if outcome.skipped() {
                    self.print(&skip_line(scenario, outcome));
                } else if self.plain_mode() {
                    self.print(&format!("PASS {scenario}/{}", outcome.title()));
                }
                self.update_bar(scenario, report);
            }
            RunEvent::ScenarioError {
                scenario,
                kind,
                message,
            } => {
                self.print(&error_line(scenario, *kind, message));
                self.update_bar(scenario, report);
            }
            RunEvent::TargetOutput { scenario, output } => {
                // Normally it comes before `ScenarioFinished` and is printed there with
                // the rest; late output of a finished, failed scenario is printed now.
                let late = report
                    .scenario(scenario)
                    .is_some_and(|s| s.duration.is_some() && s.failed());
                if late {
                    self.print_output_block(scenario, output);
                }
            }
            RunEvent::ScenarioFinished { scenario, duration } => {
                self.print_target_output(scenario, report);
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                } else if let Some(s) = report.scenario(scenario) {
                    let warned = match s.warned_checks() {
                        0 => String::new(),
                        n => format!(" ({})", count(n, "warning", "warnings")),
                    };
                    let skipped = match s.skipped_checks() {
                        0 => String::new(),
                        n => format!(", {n} skipped"),
                    };
                    let line = format!(
                        "DONE {scenario}: {} passed{warned}, {} failed{skipped}{} [{}]",
                        s.passed_checks(),
                        s.failed_checks(),
                        if s.errors.is_empty() { "" } else { ", errored" },
                        human_duration(*duration)
                    );
                    self.print(&line);
                }
            }
            // Kept for comparisons; nothing to show while the run goes on.
            RunEvent::Observed { .. } => {}
            RunEvent::RunFinished { duration } => {
                if let Some(bar) = &self.bar {
                    bar.finish_and_clear();
                }
                self.print(&Self::summary(*duration, report));
            }
        }
    }

    /// The first error writing to the output, if there was one.
    fn finish(&mut self, _: &RunReport) -> Result<(), ReporterError> {
        self.take_error()
            .map_or(Ok(()), |e| Err(ReporterError::Terminal(e)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::report::reporter::{Fanout, Reporter};
    use crate::report::test_support::{error_event, scenario_events};

    /// A writer tests can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            self.0
                .lock()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        }
    }

    /// Runs a failing run through a fan-out showing it to `reporter`; returns the
    /// fan-out's report and what its `finish` said.
    fn run(reporter: &mut TerminalReporter) -> (RunReport, Result<(), ReporterError>) {
        let mut events = vec![RunEvent::RunStarted {
            target: "srv".into(),
            scenarios: vec!["a".into(), "b".into()],
        }];
        events.extend(scenario_events("a", 1, 1));
        events.push(RunEvent::TargetOutput {
            scenario: "a".into(),
            output: "log 1\nlog 2\n".into(),
        });
        events.push(error_event("b", ScenarioErrorKind::TargetNotReady));
        events.push(RunEvent::RunFinished {
            duration: Duration::from_millis(1500),
        });
        let mut fanout = Fanout::new().with(reporter);
        for event in &events {
            fanout.on_event(event);
        }
        let finished = fanout.finish();
        (fanout.into_report(), finished)
    }

    #[test]
    fn report_plain_terminal_prints_every_check() {
        let out = Captured::default();
        let mut reporter = TerminalReporter::plain(Box::new(out.clone()));
        let (_, finished) = run(&mut reporter);
        let text = out.text();
        assert!(text.contains("\nPASS a/check 0\n"), "{text}");
        assert!(
            text.contains(
                "\nFAIL a/check 1: expected status 200, seen status 500 at http://127.0.0.1:1/1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\nERROR b/target-not-ready: b broke\n"),
            "{text}"
        );
        assert!(text.contains("    | log 2\n"), "{text}");
        assert!(text.contains("\nEXIT 1: a check failed\n"), "{text}");
        assert!(reporter.take_error().is_none());
        assert!(finished.is_ok());
    }

    #[test]
    fn report_terminal_prints_warnings_in_both_modes() {
        for progress in [false, true] {
            let out = Captured::default();
            let mut reporter = if progress {
                TerminalReporter::with_progress(Box::new(out.clone()), ProgressDrawTarget::hidden())
            } else {
                TerminalReporter::plain(Box::new(out.clone()))
            };
            let mut fanout = Fanout::new().with(&mut reporter);
            for event in &crate::report::test_support::warning_events("w") {
                fanout.on_event(event);
            }
            fanout.on_event(&RunEvent::RunFinished {
                duration: Duration::from_millis(3),
            });
            let report = fanout.into_report();
            let text = out.text();
            assert!(
                text.contains("WARN w/Range /a.css: expected status 206 (RFC 9110 §14.2 MAY)"),
                "{text}"
            );
            assert!(text.contains("(1 warning)"), "{text}");
            assert!(text.contains("\nEXIT 0"), "{text}");
            assert!(report.passed());
        }
    }

    #[test]
    fn report_terminal_prints_skips_and_counts_them_apart() {
        let out = Captured::default();
        let mut reporter = TerminalReporter::plain(Box::new(out.clone()));
        let mut fanout = Fanout::new().with(&mut reporter);
        for event in &crate::report::test_support::skip_events("s") {
            fanout.on_event(event);
        }
        fanout.on_event(&RunEvent::RunFinished {
            duration: Duration::from_millis(3),
        });
        let text = out.text();
        assert!(
            text.contains("SKIP s/browser: no Chromium found (set HARNESS_REQUIRE_BROWSER"),
            "{text}"
        );
        assert!(
            text.contains("DONE s: 1 passed, 0 failed, 1 skipped"),
            "{text}"
        );
        assert!(text.contains("(1 skipped)"), "{text}");
        assert!(text.contains("\nEXIT 0"), "{text}");
    }

    #[test]
    fn report_progress_terminal_prints_only_failures_and_summary() {
        let out = Captured::default();
        let mut reporter =
            TerminalReporter::with_progress(Box::new(out.clone()), ProgressDrawTarget::hidden());
        let (report, _) = run(&mut reporter);
        let text = out.text();
        assert!(!text.contains("PASS"), "{text}");
        assert!(text.starts_with("FAIL a/check 1: "), "{text}");
        assert!(
            text.contains("SUMMARY [1.50s] release candidate fails: "),
            "{text}"
        );
        assert_eq!(report.totals().failed, 1);
    }

    #[test]
    fn report_terminal_keeps_the_first_write_error() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut reporter = TerminalReporter::plain(Box::new(Broken));
        let (report, finished) = run(&mut reporter);
        assert!(
            matches!(&finished, Err(ReporterError::Terminal(e)) if e.kind() == io::ErrorKind::BrokenPipe),
            "finish surfaces the first write error: {finished:?}"
        );
        assert!(!report.passed(), "the run is still recorded");

        // Without a fan-out's finish, the error waits for `take_error`, once.
        let mut reporter = TerminalReporter::plain(Box::new(Broken));
        for event in &scenario_events("a", 1, 0) {
            reporter.on_event(event, &report);
        }
        assert_eq!(
            reporter.take_error().map(|e| e.kind()),
            Some(io::ErrorKind::BrokenPipe)
        );
        assert!(reporter.take_error().is_none());
        assert!(reporter.finish(&report).is_ok(), "reported once");
    }
}
