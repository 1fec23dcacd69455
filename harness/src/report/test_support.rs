//! Event streams the report layer's unit tests share (test builds only), so no test
//! module imports another module's `tests`.

use std::time::Duration;

use super::event::{RunEvent, ScenarioErrorKind};
use crate::outcome::{CheckKind, CheckOutcome, Verdict};

/// Events of one scenario: `passing` passed checks, then `failing` failed ones, each
/// an asset check of `http://127.0.0.1:1/{i}` expecting status 200.
pub(crate) fn scenario_events(name: &str, passing: usize, failing: usize) -> Vec<RunEvent> {
    let mut events = vec![RunEvent::ScenarioStarted {
        scenario: name.into(),
    }];
    for i in 0..passing + failing {
        events.push(RunEvent::Check {
            scenario: name.into(),
            outcome: CheckOutcome::new(
                CheckKind::Asset,
                format!("check {i}"),
                format!("http://127.0.0.1:1/{i}"),
                Verdict::expect(i < passing, "status 200", "status 500"),
                Duration::from_millis(2),
            ),
        });
    }
    events.push(RunEvent::ScenarioFinished {
        scenario: name.into(),
        duration: Duration::from_millis(10),
    });
    events
}

/// A scenario error of `kind` in scenario `name`, with the message `{name} broke`.
pub(crate) fn error_event(name: &str, kind: ScenarioErrorKind) -> RunEvent {
    RunEvent::ScenarioError {
        scenario: name.into(),
        kind,
        message: format!("{name} broke"),
    }
}

/// A whole run with one event of every kind, in protocol order: one scenario `s` with
/// a passed check, a target error and output.
pub(crate) fn sample_events() -> Vec<RunEvent> {
    vec![
        RunEvent::RunStarted {
            target: "t".into(),
            scenarios: vec!["s".into()],
        },
        RunEvent::ScenarioStarted {
            scenario: "s".into(),
        },
        RunEvent::Check {
            scenario: "s".into(),
            outcome: CheckOutcome::new(
                CheckKind::Http,
                "GET /",
                "http://x/",
                Verdict::Pass,
                Duration::from_millis(3),
            ),
        },
        RunEvent::ScenarioError {
            scenario: "s".into(),
            kind: ScenarioErrorKind::Target,
            message: "exited".into(),
        },
        RunEvent::TargetOutput {
            scenario: "s".into(),
            output: "boom".into(),
        },
        RunEvent::ScenarioFinished {
            scenario: "s".into(),
            duration: Duration::from_millis(5),
        },
        RunEvent::RunFinished {
            duration: Duration::from_millis(6),
        },
    ]
}

/// Events of one scenario `name` with one passed check and one warning: the server
/// did not take `Range` (a MAY).
pub(crate) fn warning_events(name: &str) -> Vec<RunEvent> {
    pass_then(
        name,
        "http://127.0.0.1:1/a.css [Range]",
        "Range /a.css",
        Verdict::judge(
            false,
            crate::outcome::Severity::May,
            "status 206 (RFC 9110 §14.2 MAY)",
            "status 200, the whole file",
        ),
    )
}

/// Events of scenario `name`: a passed check and a browser step skipped for want of
/// Chromium.
pub(crate) fn skip_events(name: &str) -> Vec<RunEvent> {
    pass_then(
        name,
        "/",
        "browser",
        Verdict::Skip {
            reason: "no Chromium found (set HARNESS_REQUIRE_BROWSER=1 to fail)".into(),
        },
    )
}

/// Scenario `name`: a passed `GET 200 /a.css`, then check `title` with `verdict`, both
/// at `location`, 10 ms in all.
fn pass_then(name: &str, location: &str, title: &str, verdict: Verdict) -> Vec<RunEvent> {
    let check = |title: &str, verdict| RunEvent::Check {
        scenario: name.into(),
        outcome: CheckOutcome::new(
            CheckKind::Asset,
            title,
            location,
            verdict,
            Duration::from_millis(2),
        ),
    };
    vec![
        RunEvent::ScenarioStarted {
            scenario: name.into(),
        },
        check("GET 200 /a.css", Verdict::Pass),
        check(title, verdict),
        RunEvent::ScenarioFinished {
            scenario: name.into(),
            duration: Duration::from_millis(10),
        },
    ]
}

/// A Prometheus series of scenario `name` that moved by 3 (10 to 13).
pub(crate) fn deltas_event(name: &str) -> RunEvent {
    use crate::metrics::responsiveness::{EndpointDeltas, SeriesDelta, SeriesId};
    RunEvent::Observed {
        scenario: name.into(),
        observation: super::event::Observation::MetricDeltas(EndpointDeltas {
            variant: None,
            endpoint: "prometheus".into(),
            error: None,
            series: vec![SeriesDelta {
                id: SeriesId::named("app_requests_total"),
                before: 10.0,
                after: 13.0,
                delta: 3.0,
            }],
        }),
    }
}

/// `/static/a.css` of scenario `name`, served as `text/css` with validators and Range.
pub(crate) fn asset_event(name: &str) -> RunEvent {
    RunEvent::Observed {
        scenario: name.into(),
        observation: super::event::Observation::Asset(crate::assets::AssetFacts {
            path: "/static/a.css".into(),
            status: Some(200),
            error: None,
            content_type: Some("text/css".into()),
            length: Some(120),
            etag: true,
            last_modified: true,
            range: Some(true),
        }),
    }
}

/// A passed `browser load http://h/` check of scenario `s` with its screenshot at
/// `screenshots/s/browser-index.png` (relative to the report directory).
pub(crate) fn screenshot_event() -> RunEvent {
    let mut outcome = CheckOutcome::new(
        CheckKind::Asset,
        "browser load http://h/",
        "http://h/",
        Verdict::Pass,
        Duration::ZERO,
    );
    outcome.screenshot = Some(crate::outcome::Screenshot {
        path: "screenshots/s/browser-index.png".into(),
        rendering: crate::outcome::Rendering::MayChange,
    });
    RunEvent::Check {
        scenario: "s".into(),
        outcome,
    }
}
