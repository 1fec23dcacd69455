//! Reports of a realistic failing run: the JUnit XML, JSON and Markdown files and the
//! plain terminal output, as snapshots with durations and ports masked.
//!
//! The run is the incident class the harness exists for: a static asset served with
//! the wrong `Content-Type` (`wrong-content-type`), database metrics stuck at zero
//! under low traffic (`unwired-db-metrics`), and a target that never became ready;
//! plus a browser page check with its screenshot and a browser step skipped for want
//! of Chromium.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness::assets::AssetFacts;
use harness::exit_codes;
use harness::metrics::responsiveness::{EndpointDeltas, SeriesDelta, SeriesId};
use harness::outcome::{CheckKind, CheckOutcome, Origin, Rendering, Screenshot, Verdict};
use harness::report::{
    self, Fanout, Observation, Reporter, RunEvent, RunReport, ScenarioErrorKind, TerminalReporter,
};

const PORT: u16 = 41237;

fn url(path: &str) -> String {
    format!("http://127.0.0.1:{PORT}{path}")
}

fn check(scenario: &str, outcome: CheckOutcome) -> RunEvent {
    RunEvent::Check {
        scenario: scenario.into(),
        outcome,
    }
}

/// Stamps a check with the step that made it, as the scenario runner does.
fn from_step(
    mut outcome: CheckOutcome,
    scenario: &str,
    variant: Option<&str>,
    step: usize,
) -> CheckOutcome {
    outcome.origin = Some(Origin {
        scenario: scenario.into(),
        variant: variant.map(Into::into),
        step,
    });
    outcome
}

/// The event stream of the run, in protocol order.
fn failing_run() -> Vec<RunEvent> {
    let (assets, metrics, sampling) = ("static-assets", "low-traffic-metrics", "sampling-config");
    vec![
        RunEvent::RunStarted {
            target: "reference-server (process)".into(),
            scenarios: vec![assets.into(), metrics.into(), sampling.into()],
        },
        RunEvent::ScenarioStarted {
            scenario: assets.into(),
        },
        check(
            assets,
            CheckOutcome::new(
                CheckKind::Asset,
                "GET 200 /static/js/app.js",
                url("/static/js/app.js"),
                Verdict::Pass,
                Duration::from_micros(4_211),
            ),
        ),
        check(
            assets,
            from_step(
                CheckOutcome::new(
                    CheckKind::Asset,
                    "Content-Type /static/js/app.js",
                    url("/static/js/app.js"),
                    Verdict::expect(false, "text/javascript", "application/octet-stream"),
                    Duration::from_micros(3_870),
                ),
                assets,
                None,
                1,
            ),
        ),
        check(assets, {
            let mut page = from_step(
                CheckOutcome::new(
                    CheckKind::Asset,
                    "browser load /",
                    url("/"),
                    Verdict::Pass,
                    Duration::from_micros(812_000),
                ),
                assets,
                None,
                2,
            );
            page.screenshot = Some(Screenshot {
                path: "screenshots/static-assets/browser-index.png".into(),
                rendering: Rendering::MayChange,
            });
            page
        }),
        check(
            assets,
            from_step(
                CheckOutcome::new(
                    CheckKind::Asset,
                    "browser",
                    "/about",
                    Verdict::Skip {
                        reason: "skipped 1 page: no Chromium found (set \
                                 HARNESS_REQUIRE_BROWSER=1 to make this a failure)"
                            .into(),
                    },
                    Duration::ZERO,
                ),
                assets,
                None,
                3,
            ),
        ),
        RunEvent::Observed {
            scenario: assets.into(),
            observation: Observation::Asset(AssetFacts {
                path: "/static/js/app.js".into(),
                status: Some(200),
                error: None,
                content_type: Some("application/octet-stream".into()),
                length: Some(2_048),
                etag: true,
                last_modified: true,
                range: Some(true),
            }),
        },
        RunEvent::ScenarioFinished {
            scenario: assets.into(),
            duration: Duration::from_millis(412),
        },
        RunEvent::ScenarioStarted {
            scenario: metrics.into(),
        },
        check(
            metrics,
            from_step(
                CheckOutcome::new(
                    CheckKind::Metric,
                    "database operations after 3 requests",
                    r#"refserver_operations_total{type="database"}"#,
                    Verdict::expect(false, "== 3", "0"),
                    Duration::from_micros(15_002),
                ),
                metrics,
                Some("rate-0.1"),
                7,
            ),
        ),
        RunEvent::Observed {
            scenario: metrics.into(),
            observation: Observation::MetricDeltas(EndpointDeltas {
                variant: Some("rate-0.1".into()),
                endpoint: "prometheus".into(),
                error: None,
                series: vec![SeriesDelta {
                    id: SeriesId {
                        name: "refserver_operations_total".into(),
                        labels: [("type".to_owned(), "http".to_owned())].into(),
                    },
                    before: 0.0,
                    after: 3.0,
                    delta: 3.0,
                }],
            }),
        },
        RunEvent::TargetOutput {
            scenario: metrics.into(),
            output: format!(
                "listening on http://127.0.0.1:{PORT}\n\
                 WARN REFSERVER_REGRESSIONS is set: unwired-db-metrics\n\
                 INFO GET / 200 (3 requests)\n"
            ),
        },
        RunEvent::ScenarioFinished {
            scenario: metrics.into(),
            duration: Duration::from_millis(1_318),
        },
        RunEvent::ScenarioStarted {
            scenario: sampling.into(),
        },
        RunEvent::ScenarioError {
            scenario: sampling.into(),
            kind: ScenarioErrorKind::TargetNotReady,
            message: format!(
                "no answer from http://127.0.0.1:{}/health within 30s; the process exited with status 2",
                PORT + 1
            ),
        },
        RunEvent::TargetOutput {
            scenario: sampling.into(),
            output:
                "error: METRICS_SAMPLING_RATE=\"1.5\": out of range, expected a float in [0,1] \
                     or a per-type map like `http=0.1,database=1`"
                    .into(),
        },
        RunEvent::ScenarioFinished {
            scenario: sampling.into(),
            duration: Duration::from_millis(30_044),
        },
        RunEvent::RunFinished {
            duration: Duration::from_millis(31_802),
        },
    ]
}

/// The redactor every snapshot goes through: masks durations and ports.
fn redacted<R>(snapshot: impl FnOnce() -> R) -> R {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="[time]""#);
    settings.add_filter(r#""duration_ms": [0-9.]+"#, r#""duration_ms": "[ms]""#);
    settings.add_filter(r"\b\d+m \d{2}s\b", "[duration]");
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b", "[duration]");
    settings.bind(snapshot)
}

/// A writer whose bytes the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = self.0.lock().map_err(|_| io::Error::other("poisoned"))?;
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("terminal output is not UTF-8: {e}"))
    }
}

/// Sends the run through a fan-out that collects the report and shows it to a plain
/// terminal.
fn run_through_fanout() -> (RunReport, String) {
    let terminal_out = Captured::default();
    let mut terminal = TerminalReporter::plain(Box::new(terminal_out.clone()));
    let mut fanout = Fanout::new().with(&mut terminal);
    for event in &failing_run() {
        fanout.on_event(event);
    }
    let finished = fanout.finish();
    let report = fanout.into_report();
    assert!(terminal.take_error().is_none());
    assert!(finished.is_ok(), "{finished:?}");
    assert_eq!(
        report,
        RunReport::from_events(&failing_run()),
        "the terminal and the report files read the same, one collected run"
    );
    (report, terminal_out.text())
}

#[test]
fn failing_run_totals_and_exit_code() {
    let (report, _) = run_through_fanout();
    let totals = report.totals();
    assert_eq!(
        (totals.checks, totals.passed, totals.failed, totals.skipped),
        (5, 2, 2, 1)
    );
    assert_eq!((totals.scenarios, totals.scenarios_failed), (3, 3));
    assert!(!report.passed());
    assert_eq!(report.exit_code(), exit_codes::CHECK_FAILED);
    assert_eq!(
        report.headline(),
        "release candidate fails: 2 of 5 checks failed in 2 of 3 scenarios; \
         1 scenario could not run (target not ready); 1 skipped"
    );
}

#[test]
fn json_report() -> Result<(), Box<dyn std::error::Error>> {
    let (report, _) = run_through_fanout();
    let json = report::json::render(&report)?;
    let doc: serde_json::Value = serde_json::from_str(&json)?;
    assert_eq!(doc["schema_version"], 4);
    // What a later comparison needs, and it reads back as written.
    assert_eq!(
        doc["scenarios"][0]["assets"][0]["path"],
        "/static/js/app.js"
    );
    assert_eq!(
        doc["scenarios"][1]["metric_deltas"][0]["series"][0]["delta"],
        3.0
    );
    let loaded = report::json::load(&json)?;
    assert_eq!(loaded, report::json::Document::new(&report));
    redacted(|| insta::assert_snapshot!("json", json));
    Ok(())
}

/// The JUnit and Markdown reports, each against its snapshot.
#[test]
fn junit_and_markdown_reports() -> Result<(), report::RenderError> {
    let (report, _) = run_through_fanout();
    type Render = fn(&RunReport) -> Result<String, report::RenderError>;
    let formats: [(&str, Render); 2] = [
        ("junit", report::junit::render),
        ("markdown", report::markdown::render),
    ];
    for (name, render) in formats {
        let text = render(&report)?;
        redacted(|| insta::assert_snapshot!(name, text));
    }
    Ok(())
}

#[test]
fn plain_terminal_output() {
    let (_, text) = run_through_fanout();
    redacted(|| insta::assert_snapshot!("terminal_plain", text));
}

#[test]
fn write_all_writes_the_rendered_reports() -> Result<(), Box<dyn std::error::Error>> {
    let (report, _) = run_through_fanout();
    let tmp = tempfile::tempdir()?;
    let files = report::write_all(&report, &tmp.path().join("rc-report"))?;
    assert_eq!(
        std::fs::read_to_string(&files.junit)?,
        report::junit::render(&report)?
    );
    assert_eq!(
        std::fs::read_to_string(&files.json)?,
        report::json::render(&report)?
    );
    assert_eq!(
        std::fs::read_to_string(&files.markdown)?,
        report::markdown::render(&report)?
    );
    Ok(())
}
