//! `metric = { prometheus = 'x{a="b"}', expect = "== 3" }` or `{ json = "/p", ... }`:
//! read one value from the target's metrics and compare it; with `delta = "== 3"`
//! instead of `expect`, compare its change since the reference reading (taken before
//! the first step after the boot, see `scenario::reference`), so a server whose
//! counters did not start at 0 can be checked too.

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::metrics::{self, Comparison, MetricsError, PromSelector};
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::report::ScenarioErrorKind;
use crate::scenario::context::{Context, Stop};
use crate::scenario::reference::{self, Endpoint, Reading};

/// The longest `within_secs` a step may wait.
const MAX_WITHIN_SECS: f64 = 60.0;

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMetric {
    prometheus: Option<String>,
    json: Option<String>,
    expect: Option<String>,
    delta: Option<String>,
    within_secs: Option<f64>,
}

/// Where the value comes from, parsed.
#[derive(Debug, Clone)]
enum Source {
    /// A selector over the target's `[metrics] prometheus` exposition.
    Prometheus(PromSelector),
    /// An RFC 6901 pointer into the target's `[metrics] json` document.
    Json(String),
}

/// A metric read, compared, and (with `within`) polled until the comparison holds: for
/// effects that land after the response, such as an aborted download being recorded
/// when the server notices the hang-up.
#[derive(Debug, Clone)]
pub(crate) struct Metric {
    /// The selector or pointer as written, for the check's name.
    written: String,
    source: Source,
    comparison: Comparison,
    mode: Mode,
    within: Option<Duration>,
}

/// What the comparison applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The value as read (`expect`).
    Absolute,
    /// The change since the reference reading (`delta`).
    Delta,
}

impl TryFrom<RawMetric> for Metric {
    type Error = String;

    fn try_from(raw: RawMetric) -> Result<Self, String> {
        let (written, source) = match (raw.prometheus, raw.json) {
            (Some(selector), None) => {
                let parsed = selector
                    .parse::<PromSelector>()
                    .map_err(|e| e.to_string())?;
                (selector, Source::Prometheus(parsed))
            }
            (None, Some(pointer)) if pointer.starts_with('/') => {
                (pointer.clone(), Source::Json(pointer))
            }
            (None, Some(pointer)) => {
                return Err(format!("json pointer {pointer:?} must start with '/'"));
            }
            _ => return Err("metric needs exactly one of prometheus, json".to_owned()),
        };
        let (mode, written_comparison) = match (raw.expect, raw.delta) {
            (Some(expect), None) => (Mode::Absolute, expect),
            (None, Some(delta)) => (Mode::Delta, delta),
            _ => {
                return Err(
                    "metric needs exactly one of expect (the value) or delta (its change over \
                     the scenario's traffic)"
                        .to_owned(),
                );
            }
        };
        let comparison = written_comparison
            .parse::<Comparison>()
            .map_err(|e| e.to_string())?;
        let within = match raw.within_secs {
            None => None,
            Some(secs) if secs > 0.0 && secs <= MAX_WITHIN_SECS => {
                Some(Duration::from_secs_f64(secs))
            }
            Some(secs) => {
                return Err(format!(
                    "metric within_secs = {secs}: expected seconds in (0, {MAX_WITHIN_SECS}]"
                ));
            }
        };
        Ok(Self {
            written,
            source,
            comparison,
            mode,
            within,
        })
    }
}

impl Metric {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("metric")?;
        let started = Instant::now();
        let endpoint = match &self.source {
            Source::Prometheus(_) => Endpoint::Prometheus,
            Source::Json(_) => Endpoint::Json,
        };
        let kind = endpoint.key();
        let path = match endpoint {
            Endpoint::Prometheus => cx.spec.metrics.prometheus.as_deref(),
            Endpoint::Json => cx.spec.metrics.json.as_deref(),
        };
        let path = path.ok_or_else(|| {
            Stop::error(
                ScenarioErrorKind::ScenarioFile,
                format!(
                    "a {kind} metric step needs `[metrics] {kind}` in target file {:?}",
                    cx.spec.name
                ),
            )
        })?;
        let url = cx.url(target, path)?;
        // The value the comparison starts from: 0, or with `delta`, the reference
        // reading's (a series absent there counts as 0).
        let origin = match self.mode {
            Mode::Absolute => Ok(0.0),
            Mode::Delta => match cx.references.as_ref().and_then(|r| r.get(endpoint)) {
                Some(Ok(reading)) => self.value_in(reading, true),
                Some(Err(e)) => Err(MetricsError::Fetch {
                    url: url.to_string(),
                    message: format!("the reference reading (before the traffic) failed: {e}"),
                }),
                None => Err(MetricsError::Syntax(
                    "no reference reading was taken (the step runs before any boot)".to_owned(),
                )),
            },
        };
        let reader = cx.reader();
        let read = || async {
            let origin = origin.clone()?;
            let reading = reference::read(reader, target, endpoint)
                .await
                .unwrap_or_else(|| Err(MetricsError::Syntax(format!("no [metrics] {kind}"))))?;
            Ok::<f64, MetricsError>(self.value_in(&reading, false)? - origin)
        };
        let mut reading = read().await;
        if let Some(within) = self.within {
            // Bounded polling: the value may land a moment after the traffic did.
            let deadline = started + within;
            while !matches!(reading, Ok(value) if self.comparison.holds(value))
                && Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(25)).await;
                reading = read().await;
            }
        }
        let comparison = &self.comparison;
        let (name, expected) = match self.mode {
            Mode::Absolute => (
                format!("{} {comparison}", self.written),
                comparison.to_string(),
            ),
            Mode::Delta => (
                format!("{} delta {comparison}", self.written),
                format!("a change of {comparison} since the reference reading"),
            ),
        };
        let verdict = match reading {
            Ok(value) => Verdict::expect(comparison.holds(value), expected, format_number(value)),
            Err(e) => Verdict::Fail {
                expected,
                seen: e.to_string(),
            },
        };
        Ok(vec![CheckOutcome::new(
            CheckKind::Metric,
            name,
            format!("{url} {}", self.written),
            verdict,
            started.elapsed(),
        )])
    }

    /// The selected value in `reading`; with `absent_is_zero`, a selector that matches
    /// no series or a pointer that resolves to nothing reads as 0.
    fn value_in(&self, reading: &Reading, absent_is_zero: bool) -> Result<f64, MetricsError> {
        match (&self.source, reading) {
            (Source::Prometheus(selector), Reading::Prometheus(series)) => {
                match selector.select(series) {
                    Ok((value, _)) => Ok(value),
                    Err(MetricsError::NoSeries { .. }) if absent_is_zero => Ok(0.0),
                    Err(e) => Err(e),
                }
            }
            (Source::Json(pointer), Reading::Json(document)) => {
                if absent_is_zero && document.pointer(pointer).is_none() {
                    Ok(0.0)
                } else {
                    metrics::read_pointer(document, pointer)
                }
            }
            _ => Err(MetricsError::Syntax(
                "a reading of the other metrics endpoint".to_owned(),
            )),
        }
    }

    /// Whether the step compares a change, and so needs a reference reading.
    pub(crate) fn needs_reference(&self) -> bool {
        self.mode == Mode::Delta
    }
}

/// Integers without a fraction, other values as Rust prints them.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(text: &str) -> Result<Metric, String> {
        let raw: RawMetric = toml::from_str(text).map_err(|e| e.to_string())?;
        Metric::try_from(raw)
    }

    #[test]
    fn a_step_compares_the_value_or_its_change_never_both() {
        let absolute = step("prometheus = \"a_total\"\nexpect = \"== 3\"").expect("expect");
        assert!(!absolute.needs_reference());
        let delta = step("prometheus = \"a_total\"\ndelta = \"== 3\"").expect("delta");
        assert!(delta.needs_reference());
        for bad in [
            "prometheus = \"a_total\"\nexpect = \"== 3\"\ndelta = \"== 3\"",
            "prometheus = \"a_total\"",
        ] {
            let error = step(bad).expect_err(bad);
            assert!(error.contains("exactly one of expect"), "{error}");
        }
        let error = step("json = \"/a\"\ndelta = \"3\"").expect_err("no operator");
        assert!(error.contains("operator"), "{error}");
    }

    #[test]
    fn a_series_absent_from_the_reference_reads_as_zero_there_only() -> Result<(), String> {
        let series =
            crate::metrics::parse_exposition("# TYPE b_total counter\nb_total{x=\"1\"} 2\n")?;
        let reading = Reading::Prometheus(series);
        let absent = step("prometheus = 'a_total'\ndelta = \"== 3\"")?;
        assert_eq!(absent.value_in(&reading, true).ok(), Some(0.0));
        assert!(matches!(
            absent.value_in(&reading, false),
            Err(MetricsError::NoSeries { .. })
        ));
        let present = step("prometheus = 'b_total'\ndelta = \"== 3\"")?;
        assert_eq!(present.value_in(&reading, true).ok(), Some(2.0));
        let document = Reading::Json(serde_json::json!({"a": {"count": 4, "name": "x"}}));
        let missing = step("json = \"/a/total\"\ndelta = \"== 3\"")?;
        assert_eq!(missing.value_in(&document, true).ok(), Some(0.0));
        assert!(missing.value_in(&document, false).is_err());
        // Present but not a number is an error even in the reference.
        let string = step("json = \"/a/name\"\ndelta = \"== 3\"")?;
        assert!(string.value_in(&document, true).is_err());
        Ok(())
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.1), "0.1");
    }
}
