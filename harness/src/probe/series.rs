//! What each counting series did over the probe: moved by exactly the traffic (a
//! `metric` step), by another amount, not at all, or without any traffic.

use crate::metrics::responsiveness::{CounterReading, SeriesId};
use crate::metrics::{PromSelector, read_pointer};
use crate::scenario::Reading;

/// Why a series is (or is not) a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Moved by the requests to one page: a per-route series.
    OnePage,
    /// Moved by every request of the probe: an aggregate series.
    AllPages,
    /// Moved by another amount under the traffic.
    Other,
    /// Did not move.
    Unmoved,
    /// Moved between two readings with no traffic between them (time, or the metrics
    /// reads themselves), by this much: its delta would not be the traffic's.
    Restless(f64),
    /// Moved by the traffic, but no selector picks it alone.
    NotSelectable(String),
}

impl Verdict {
    /// Whether the series becomes a `metric` step.
    pub fn is_step(&self) -> bool {
        matches!(self, Self::OnePage | Self::AllPages)
    }
}

/// One counting series and its change under the probe's traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesFinding {
    /// The series.
    pub id: SeriesId,
    /// How a scenario names it: a Prometheus selector or a JSON pointer.
    pub written: String,
    /// Its change under the traffic.
    pub delta: f64,
    /// What that makes it.
    pub verdict: Verdict,
}

/// The findings of one metrics endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointFindings {
    /// `prometheus` or `json`: the target file's `[metrics]` key.
    pub endpoint: &'static str,
    /// Its metrics path.
    pub path: String,
    /// Why it could not be read (the series are then empty).
    pub error: Option<String>,
    /// Every counting series of the last reading, by id.
    pub series: Vec<SeriesFinding>,
}

/// Classifies every counting series of `after`: `quiet` and `before` are readings
/// with no traffic between them, `after` follows `per_page` requests to each of
/// `pages` pages. A series absent from an earlier reading counts as 0 there, as a
/// `metric` step's `delta` does.
pub(crate) fn classify(
    quiet: &Reading,
    before: &Reading,
    after: &Reading,
    per_page: u32,
    pages: usize,
) -> Vec<SeriesFinding> {
    let (quiet_c, before_c, after_c) = (quiet.counters(), before.counters(), after.counters());
    let one_page = f64::from(per_page);
    let all_pages = one_page * pages as f64;
    after_c
        .0
        .iter()
        .map(|(id, &now)| {
            let delta = now - value(&before_c, id);
            let restless = value(&before_c, id) - value(&quiet_c, id);
            let written = written(id, after);
            let verdict = if restless != 0.0 {
                Verdict::Restless(restless)
            } else if delta == 0.0 {
                Verdict::Unmoved
            } else if delta != one_page && delta != all_pages {
                Verdict::Other
            } else if let Err(why) = &written {
                Verdict::NotSelectable(why.clone())
            } else if delta == one_page {
                Verdict::OnePage
            } else {
                Verdict::AllPages
            };
            SeriesFinding {
                id: id.clone(),
                written: written.unwrap_or_else(|_| id.to_string()),
                delta,
                verdict,
            }
        })
        .collect()
}

fn value(reading: &CounterReading, id: &SeriesId) -> f64 {
    reading.0.get(id).copied().unwrap_or(0.0)
}

/// How a `metric` step names `id`, checked against `reading`: a selector must read
/// back as written and match this one series only (a selector sums what it matches).
fn written(id: &SeriesId, reading: &Reading) -> Result<String, String> {
    match reading {
        Reading::Prometheus(series) => {
            let selector = PromSelector {
                name: id.name.clone(),
                labels: id.labels.clone(),
            };
            let text = selector.to_string();
            let parsed: PromSelector = text.parse().map_err(|e| format!("{e}"))?;
            if parsed.name != id.name || parsed.labels != id.labels {
                return Err(format!("the selector {text} does not read back as written"));
            }
            match selector.select(series) {
                Ok((_, 1)) => Ok(text),
                Ok((_, n)) => Err(format!("the selector {text} matches {n} series")),
                Err(e) => Err(e.to_string()),
            }
        }
        Reading::Json(document) => read_pointer(document, &id.name)
            .map(|_| id.name.clone())
            .map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::parse_exposition;

    fn prom(text: &str) -> Reading {
        Reading::Prometheus(parse_exposition(text).expect("exposition"))
    }

    fn exposition(page: u32, other: u32, metrics: u32, idle: u32) -> Reading {
        prom(&format!(
            "# TYPE http_requests_total counter\n\
             http_requests_total{{path=\"/\"}} {page}\n\
             http_requests_total{{path=\"/about\"}} {other}\n\
             http_requests_total{{path=\"/metrics\"}} {metrics}\n\
             # TYPE all_requests_total counter\n\
             all_requests_total {}\n\
             # TYPE idle_total counter\n\
             idle_total {idle}\n\
             # TYPE temperature gauge\n\
             temperature {page}\n",
            page + other + metrics
        ))
    }

    fn verdicts(findings: &[SeriesFinding]) -> Vec<(String, Verdict)> {
        findings
            .iter()
            .map(|f| (f.written.clone(), f.verdict.clone()))
            .collect()
    }

    #[test]
    fn only_series_moved_by_exactly_the_traffic_are_steps() {
        // 2 pages x 3 requests; each metrics read counts once on /metrics.
        let quiet = exposition(5, 1, 1, 7);
        let before = exposition(5, 1, 2, 7);
        let after = exposition(8, 4, 3, 7);
        let found = verdicts(&classify(&quiet, &before, &after, 3, 2));
        assert_eq!(
            found,
            [
                ("all_requests_total".to_owned(), Verdict::Restless(1.0)),
                (
                    "http_requests_total{path=\"/\"}".to_owned(),
                    Verdict::OnePage
                ),
                (
                    "http_requests_total{path=\"/about\"}".to_owned(),
                    Verdict::OnePage
                ),
                (
                    "http_requests_total{path=\"/metrics\"}".to_owned(),
                    Verdict::Restless(1.0)
                ),
                ("idle_total".to_owned(), Verdict::Unmoved),
            ]
        );
        // Without the restless /metrics series the aggregate is the total: 6.
        let strip = |r: u32, m: u32| {
            prom(&format!(
                "# TYPE all_total counter\nall_total {r}\n# TYPE odd_total counter\nodd_total {m}\n"
            ))
        };
        let found = verdicts(&classify(&strip(4, 0), &strip(4, 0), &strip(10, 4), 3, 2));
        assert_eq!(
            found,
            [
                ("all_total".to_owned(), Verdict::AllPages),
                ("odd_total".to_owned(), Verdict::Other),
            ]
        );
    }

    #[test]
    fn a_selector_that_would_sum_several_series_is_not_a_step() {
        // Built by hand: the exposition parser refuses a family whose label sets
        // differ, but a JSON-fed or future reader might not, and a selector sums.
        use crate::metrics::{Series, SeriesKind};
        let reading = |n: u32| {
            let series = |labels: &[(&str, &str)], value: u32| Series {
                name: "hits_total".to_owned(),
                labels: labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                value: f64::from(value),
                kind: SeriesKind::Counter,
            };
            Reading::Prometheus(vec![series(&[], n), series(&[("x", "1")], 0)])
        };
        let found = classify(&reading(0), &reading(0), &reading(3), 3, 1);
        assert!(
            matches!(&found[0].verdict, Verdict::NotSelectable(why) if why.contains("matches 2 series")),
            "{found:#?}"
        );
        assert!(!found[0].verdict.is_step());
    }

    #[test]
    fn json_counts_are_named_by_pointer() {
        let doc = |n: u32| Reading::Json(serde_json::json!({"types": {"render": {"count": n}}}));
        let found = verdicts(&classify(&doc(1), &doc(1), &doc(4), 3, 1));
        assert_eq!(
            found,
            [("/types/render/count".to_owned(), Verdict::OnePage)]
        );
    }
}
