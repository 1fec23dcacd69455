//! Metric responsiveness: which counting series a scenario's traffic moved, and by how
//! much, read from the target's own metrics with no metric name written down; and the
//! diff of a baseline's deltas against a candidate's under the same traffic.
//!
//! Only series that count things are compared: Prometheus counters, each histogram's
//! and summary's `_count`, untyped samples named `*_total`, and JSON numbers (outside
//! arrays) whose key names a count. Gauges, buckets, sums, quantiles, info and build
//! series, timestamps and `process_*` series move with time or the build, not the
//! traffic, and are left out.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::prometheus::{Series, SeriesKind, write_series};

/// A candidate delta below this fraction of the baseline's is a regression.
pub const FELL_BELOW: f64 = 0.5;

/// JSON keys (the last pointer token) that name a count.
const JSON_COUNT_KEYS: [&str; 6] = ["count", "total", "errors", "aborted", "bytes", "sampled"];

/// One counting series: its sample name and labels; a JSON metric is its pointer,
/// without labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SeriesId {
    /// Sample name (`http_requests_total`), or the JSON pointer (`/types/http/count`).
    pub name: String,
    /// Label pairs; empty for JSON.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl SeriesId {
    /// A series without labels.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            labels: BTreeMap::new(),
        }
    }
}

impl fmt::Display for SeriesId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_series(f, &self.name, &self.labels)
    }
}

/// The counting series of one metrics reading, by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CounterReading(pub BTreeMap<SeriesId, f64>);

impl CounterReading {
    /// The counting series of a parsed exposition (see the module's rules).
    pub fn from_exposition(series: &[Series]) -> Self {
        let counts = |s: &&Series| match s.kind {
            SeriesKind::Counter | SeriesKind::ObservationCount => true,
            SeriesKind::Untyped => s.name.ends_with("_total"),
            SeriesKind::Other => false,
        };
        Self(
            series
                .iter()
                .filter(counts)
                .filter(|s| !ignored_name(&s.name))
                .map(|s| {
                    let id = SeriesId {
                        name: s.name.clone(),
                        labels: s.labels.clone(),
                    };
                    (id, s.value)
                })
                .collect(),
        )
    }

    /// The counting numbers of a JSON metrics document: every number outside an array
    /// whose key is a count (`count`, `errors`, `bytes`, `…_total`, ...), by pointer.
    pub fn from_json(document: &Value) -> Self {
        fn walk(node: &Value, pointer: &str, out: &mut BTreeMap<SeriesId, f64>) {
            let Value::Object(map) = node else { return };
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                let path = format!("{pointer}/{escaped}");
                match child {
                    Value::Object(_) => walk(child, &path, out),
                    Value::Number(n) if is_count_key(key) && !ignored_name(key) => {
                        if let Some(value) = n.as_f64() {
                            out.insert(SeriesId::named(path), value);
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(document, "", &mut out);
        Self(out)
    }
}

fn is_count_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    JSON_COUNT_KEYS.contains(&key.as_str()) || key.ends_with("_count") || key.ends_with("_total")
}

/// Series that move with time or the build, not the traffic.
fn ignored_name(name: &str) -> bool {
    name.starts_with("process_") || name.contains("build_info") || name.ends_with("_created")
}

/// One series' change over a scenario's traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesDelta {
    /// The series.
    #[serde(flatten)]
    pub id: SeriesId,
    /// Its value in the reference reading (0 when it was absent there).
    pub before: f64,
    /// Its value after the traffic.
    pub after: f64,
    /// `after - before`.
    pub delta: f64,
}

/// Every counting series of `after`, with its change since `before` (a series absent
/// from `before` counts as 0 there). Series gone from `after` are left out: the diff
/// sees them missing.
pub fn deltas(before: &CounterReading, after: &CounterReading) -> Vec<SeriesDelta> {
    after
        .0
        .iter()
        .map(|(id, &after)| {
            let before = before.0.get(id).copied().unwrap_or(0.0);
            SeriesDelta {
                id: id.clone(),
                before,
                after,
                delta: after - before,
            }
        })
        .collect()
}

/// The deltas of one metrics endpoint over one pass of a scenario (one variant), as
/// the JSON report carries them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointDeltas {
    /// The variant, when the scenario has variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// `prometheus` or `json`: the target file's `[metrics]` key.
    pub endpoint: String,
    /// Why no deltas could be recorded (a reading failed); `series` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every counting series, with its change.
    pub series: Vec<SeriesDelta>,
}

/// How a series regressed from the baseline to the candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricRegressionKind {
    /// It moved on the baseline and not on the candidate.
    StoppedMoving,
    /// It is not in the candidate's metrics at all; perhaps renamed to this series
    /// (same name with other labels, or a similar name), which only the candidate has.
    Missing {
        /// The plausible new name.
        renamed_to: Option<SeriesId>,
    },
    /// It moved on the candidate by less than [`FELL_BELOW`] of the baseline's delta.
    Fell,
}

/// A series that regressed, with both deltas.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRegression {
    /// The series as the baseline names it.
    pub series: SeriesId,
    /// Its delta on the baseline.
    pub baseline: f64,
    /// Its delta on the candidate; `None` when it is missing.
    pub candidate: Option<f64>,
    /// What happened to it.
    pub kind: MetricRegressionKind,
}

impl fmt::Display for MetricRegression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let baseline = number(self.baseline);
        match (&self.kind, self.candidate) {
            (MetricRegressionKind::Missing { renamed_to }, _) => {
                write!(
                    f,
                    "{}: moved by {baseline} on the baseline, missing on the candidate",
                    self.series
                )?;
                if let Some(new) = renamed_to {
                    write!(f, ", perhaps renamed to {new}")?;
                }
                Ok(())
            }
            (MetricRegressionKind::StoppedMoving, candidate) => write!(
                f,
                "{}: moved by {baseline} on the baseline, by {} on the candidate under the same traffic",
                self.series,
                number(candidate.unwrap_or(0.0))
            ),
            (MetricRegressionKind::Fell, candidate) => write!(
                f,
                "{}: moved by {baseline} on the baseline, only by {} on the candidate (under {}%)",
                self.series,
                number(candidate.unwrap_or(0.0)),
                FELL_BELOW * 100.0
            ),
        }
    }
}

/// Integers without a fraction.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// The baseline's series that regressed on the candidate under the same traffic: a
/// series that moved and stopped, one that fell under [`FELL_BELOW`] of its delta, one
/// that is gone (with a plausible rename when the candidate has one). A series only
/// the candidate has, or one that moved more, is no regression.
pub fn compare(baseline: &[SeriesDelta], candidate: &[SeriesDelta]) -> Vec<MetricRegression> {
    let candidates: BTreeMap<&SeriesId, f64> = candidate.iter().map(|d| (&d.id, d.delta)).collect();
    let in_baseline: BTreeMap<&SeriesId, f64> = baseline.iter().map(|d| (&d.id, d.delta)).collect();
    let mut out = Vec::new();
    for base in baseline {
        let kind = match candidates.get(&base.id) {
            Some(&seen) if base.delta > 0.0 && seen <= 0.0 => MetricRegressionKind::StoppedMoving,
            Some(&seen) if base.delta > 0.0 && seen < base.delta * FELL_BELOW => {
                MetricRegressionKind::Fell
            }
            Some(_) => continue,
            None => MetricRegressionKind::Missing {
                renamed_to: renamed(base, candidate, &in_baseline),
            },
        };
        out.push(MetricRegression {
            series: base.id.clone(),
            baseline: base.delta,
            candidate: candidates.get(&base.id).copied(),
            kind,
        });
    }
    out
}

/// The candidate-only series most likely to be `gone` under a new name: the same name
/// with other labels, or the same labels under a name a few edits away; ties go to the
/// one that moved by the same amount, then to the most labels in common.
fn renamed(
    gone: &SeriesDelta,
    candidate: &[SeriesDelta],
    in_baseline: &BTreeMap<&SeriesId, f64>,
) -> Option<SeriesId> {
    let close_names = |a: &str, b: &str| edit_distance(a, b) <= (a.len() / 5).max(3);
    candidate
        .iter()
        .filter(|c| !in_baseline.contains_key(&c.id))
        .filter(|c| {
            c.id.name == gone.id.name
                || (c.id.labels == gone.id.labels && close_names(&gone.id.name, &c.id.name))
        })
        .max_by_key(|c| {
            let same_delta = c.delta == gone.delta;
            let common =
                c.id.labels
                    .iter()
                    .filter(|(k, v)| gone.id.labels.get(*k) == Some(v))
                    .count();
            (same_delta, common)
        })
        .map(|c| c.id.clone())
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::parse_exposition;
    use serde_json::json;

    const EXPOSITION: &str = "# TYPE app_requests_total counter\n\
app_requests_total{route=\"/\"} 7\n\
# TYPE app_latency_seconds histogram\n\
app_latency_seconds_bucket{le=\"+Inf\"} 7\n\
app_latency_seconds_sum 0.3\n\
app_latency_seconds_count 7\n\
# TYPE app_in_flight gauge\n\
app_in_flight 2\n\
# TYPE process_cpu_seconds_total counter\n\
process_cpu_seconds_total 1.5\n";

    fn id(name: &str, labels: &[(&str, &str)]) -> SeriesId {
        SeriesId {
            name: name.to_owned(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn delta(series: SeriesId, delta: f64) -> SeriesDelta {
        SeriesDelta {
            id: series,
            before: 0.0,
            after: delta,
            delta,
        }
    }

    #[test]
    fn only_counting_series_are_read_from_an_exposition() {
        let series = parse_exposition(EXPOSITION).expect("parses");
        let reading = CounterReading::from_exposition(&series);
        let names: Vec<String> = reading.0.keys().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "app_latency_seconds_count",
                "app_requests_total{route=\"/\"}",
            ]
        );
        // Untyped samples count when named like a counter.
        let untyped = |name: &str| Series {
            name: name.to_owned(),
            labels: BTreeMap::new(),
            value: 4.0,
            kind: SeriesKind::Untyped,
        };
        let reading = CounterReading::from_exposition(&[
            untyped("legacy_hits_total"),
            untyped("legacy_temp"),
        ]);
        let names: Vec<String> = reading.0.keys().map(ToString::to_string).collect();
        assert_eq!(names, ["legacy_hits_total"]);
    }

    #[test]
    fn only_count_keys_outside_arrays_are_read_from_json() {
        let doc = json!({
            "types": {"http": {"count": 3, "errors": 1, "effective_rate": 0.5, "p50_ms": 2.0}},
            "recent_events": [{"count": 1}],
            "uptime_seconds": 99,
            "requests_total": 5,
        });
        let reading = CounterReading::from_json(&doc);
        let names: Vec<String> = reading.0.keys().map(ToString::to_string).collect();
        assert_eq!(
            names,
            ["/requests_total", "/types/http/count", "/types/http/errors"]
        );
    }

    #[test]
    fn deltas_count_an_absent_series_as_zero_before() {
        let before = CounterReading([(id("a_total", &[]), 5.0)].into_iter().collect());
        let after = CounterReading(
            [(id("a_total", &[]), 8.0), (id("b_total", &[]), 2.0)]
                .into_iter()
                .collect(),
        );
        let found = deltas(&before, &after);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].before, found[0].delta), (5.0, 3.0));
        assert_eq!((found[1].before, found[1].delta), (0.0, 2.0));
    }

    #[test]
    fn a_series_that_stops_moving_is_a_regression_naming_both_deltas() {
        let series = id("db_ops_total", &[("op", "select")]);
        let regressions = compare(&[delta(series.clone(), 3.0)], &[delta(series.clone(), 0.0)]);
        assert_eq!(regressions.len(), 1);
        assert_eq!(regressions[0].kind, MetricRegressionKind::StoppedMoving);
        let message = regressions[0].to_string();
        assert!(
            message.contains("db_ops_total{op=\"select\"}")
                && message.contains("by 3 on the baseline")
                && message.contains("by 0 on the candidate"),
            "{message}"
        );
        // Moving on both, or on neither, is no regression.
        assert!(compare(&[delta(series.clone(), 3.0)], &[delta(series.clone(), 3.0)]).is_empty());
        assert!(compare(&[delta(series.clone(), 0.0)], &[delta(series, 0.0)]).is_empty());
    }

    #[test]
    fn a_delta_under_half_the_baselines_is_a_regression() {
        let series = id("db_ops_total", &[]);
        let fell = compare(
            &[delta(series.clone(), 10.0)],
            &[delta(series.clone(), 1.0)],
        );
        assert_eq!(fell.len(), 1);
        assert_eq!(fell[0].kind, MetricRegressionKind::Fell);
        assert!(
            fell[0].to_string().contains("only by 1 on the candidate"),
            "{}",
            fell[0]
        );
        assert!(
            compare(
                &[delta(series.clone(), 10.0)],
                &[delta(series.clone(), 5.0)]
            )
            .is_empty()
        );
        assert!(compare(&[delta(series.clone(), 10.0)], &[delta(series, 30.0)]).is_empty());
    }

    #[test]
    fn a_missing_series_is_a_regression_with_its_plausible_rename() {
        let old = id("http_requests_total", &[("code", "200")]);
        let relabelled = id("http_requests_total", &[("status", "200")]);
        let unrelated = id("cache_hits_total", &[]);
        let regressions = compare(
            &[delta(old.clone(), 3.0), delta(unrelated.clone(), 1.0)],
            &[
                delta(relabelled.clone(), 3.0),
                delta(unrelated.clone(), 1.0),
            ],
        );
        assert_eq!(regressions.len(), 1);
        assert_eq!(
            regressions[0].kind,
            MetricRegressionKind::Missing {
                renamed_to: Some(relabelled)
            }
        );
        let message = regressions[0].to_string();
        assert!(
            message.contains(
                "missing on the candidate, perhaps renamed to http_requests_total{status=\"200\"}"
            ),
            "{message}"
        );
        // A similar name with the same labels is a plausible rename too.
        let renamed_name = id("http_request_total", &[("code", "200")]);
        let found = compare(
            &[delta(old.clone(), 3.0)],
            &[delta(renamed_name.clone(), 3.0)],
        );
        assert_eq!(
            found[0].kind,
            MetricRegressionKind::Missing {
                renamed_to: Some(renamed_name)
            }
        );
        // Nothing like it: missing, no guess.
        let gone = compare(&[delta(old, 3.0)], &[delta(unrelated, 1.0)]);
        assert_eq!(
            gone[0].kind,
            MetricRegressionKind::Missing { renamed_to: None }
        );
        assert!(!gone[0].to_string().contains("perhaps"));
    }

    #[test]
    fn a_series_only_the_candidate_has_is_no_regression() {
        let new = id("new_total", &[]);
        assert!(compare(&[], &[delta(new, 2.0)]).is_empty());
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
