//! `metric = { prometheus = 'x{a="b"}', expect = "== 3" }` or `{ json = "/p", ... }`:
//! read one value from the target's metrics and compare it.

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::metrics::{self, Comparison, MetricsError, PromSelector};
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::report::ScenarioErrorKind;
use crate::scenario::context::{Context, Stop};

/// The longest `within_secs` a step may wait.
const MAX_WITHIN_SECS: f64 = 60.0;

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMetric {
    prometheus: Option<String>,
    json: Option<String>,
    expect: String,
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
    within: Option<Duration>,
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
        let comparison = raw
            .expect
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
            within,
        })
    }
}

impl Metric {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("metric")?;
        let started = Instant::now();
        let bearer = cx.bearer()?;
        let (kind, path) = match &self.source {
            Source::Prometheus(_) => ("prometheus", cx.spec.metrics.prometheus.as_deref()),
            Source::Json(_) => ("json", cx.spec.metrics.json.as_deref()),
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
        let read = || async {
            let body = metrics::fetch(cx.client, &url, bearer.as_deref()).await?;
            match &self.source {
                Source::Prometheus(selector) => {
                    let series = metrics::parse_exposition(&body).map_err(|message| {
                        MetricsError::Parse {
                            url: url.to_string(),
                            format: "Prometheus text",
                            message,
                        }
                    })?;
                    selector.select(&series).map(|(value, _)| value)
                }
                Source::Json(pointer) => {
                    let document: serde_json::Value =
                        serde_json::from_str(&body).map_err(|e| MetricsError::Parse {
                            url: url.to_string(),
                            format: "JSON",
                            message: e.to_string(),
                        })?;
                    metrics::read_pointer(&document, pointer)
                }
            }
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
        let verdict = match reading {
            Ok(value) => Verdict::expect(
                comparison.holds(value),
                comparison.to_string(),
                format_number(value),
            ),
            Err(e) => Verdict::Fail {
                expected: comparison.to_string(),
                seen: e.to_string(),
            },
        };
        Ok(vec![CheckOutcome::new(
            CheckKind::Metric,
            format!("{} {comparison}", self.written),
            format!("{url} {}", self.written),
            verdict,
            started.elapsed(),
        )])
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

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.1), "0.1");
    }
}
