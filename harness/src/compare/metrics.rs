//! The metric responsiveness diff of two runs: each scenario's deltas per variant and
//! metrics endpoint, compared by `metrics::responsiveness::compare`.

use std::collections::BTreeMap;

use super::finding::{Comparison, Finding, FindingArea};
use crate::metrics::responsiveness::{self, EndpointDeltas, MetricRegressionKind};
use crate::report::json::Scenario;

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

pub(super) fn compare(base: &Scenario, cand: &Scenario, out: &mut Comparison) {
    let key = |d: &EndpointDeltas| (d.variant.clone(), d.endpoint.clone());
    let candidates: BTreeMap<_, &EndpointDeltas> =
        cand.metric_deltas.iter().map(|d| (key(d), d)).collect();
    for before in &base.metric_deltas {
        if before.error.is_some() {
            continue;
        }
        let at = match &before.variant {
            Some(variant) => format!("[{variant}] {}", before.endpoint),
            None => before.endpoint.clone(),
        };
        let Some(after) = candidates.get(&key(before)) else {
            continue;
        };
        if let Some(error) = &after.error {
            out.regressions.push(Finding {
                scenario: base.name.clone(),
                area: FindingArea::Metric,
                subject: format!("{at} metrics"),
                what: "readable on the baseline, not on the candidate".to_owned(),
                baseline: format!("{} counting series", before.series.len()),
                candidate: error.clone(),
            });
            continue;
        }
        for regression in responsiveness::compare(&before.series, &after.series) {
            let candidate = match (&regression.kind, regression.candidate) {
                (
                    MetricRegressionKind::Missing {
                        renamed_to: Some(new),
                    },
                    _,
                ) => {
                    format!("missing, perhaps renamed to {new}")
                }
                (MetricRegressionKind::Missing { renamed_to: None }, _) => "missing".to_owned(),
                (_, Some(delta)) => format!("moved by {}", number(delta)),
                (_, None) => "missing".to_owned(),
            };
            out.regressions.push(Finding {
                scenario: base.name.clone(),
                area: FindingArea::Metric,
                subject: format!("{at} {}", regression.series),
                what: match regression.kind {
                    MetricRegressionKind::StoppedMoving => {
                        "moved on the baseline, not on the candidate under the same traffic"
                    }
                    MetricRegressionKind::Missing { .. } => "gone from the candidate's metrics",
                    MetricRegressionKind::Fell => {
                        "moved by under half the baseline's change under the same traffic"
                    }
                }
                .to_owned(),
                baseline: format!("moved by {}", number(regression.baseline)),
                candidate,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::test_support::{document, scenario};
    use crate::metrics::responsiveness::{SeriesDelta, SeriesId};

    fn deltas(series: &[(&str, f64)], error: Option<&str>) -> EndpointDeltas {
        EndpointDeltas {
            variant: Some("rate-1.0".into()),
            endpoint: "prometheus".into(),
            error: error.map(str::to_owned),
            series: series
                .iter()
                .map(|(name, delta)| SeriesDelta {
                    id: SeriesId::named(*name),
                    before: 5.0,
                    after: 5.0 + delta,
                    delta: *delta,
                })
                .collect(),
        }
    }

    fn diff(before: EndpointDeltas, after: EndpointDeltas) -> Comparison {
        let mut base = document(vec![scenario("s", Vec::new())]);
        base.scenarios[0].metric_deltas = vec![before];
        let mut cand = document(vec![scenario("s", Vec::new())]);
        cand.scenarios[0].metric_deltas = vec![after];
        crate::compare::compare_runs(&base, &cand)
    }

    #[test]
    fn a_series_that_stopped_moving_is_a_regression_naming_it_and_both_deltas() {
        let found = diff(
            deltas(&[("db_total", 3.0), ("http_total", 3.0)], None),
            deltas(&[("db_total", 0.0), ("http_total", 3.0)], None),
        );
        assert_eq!(found.regressions.len(), 1, "{found:?}");
        let r = &found.regressions[0];
        assert_eq!(r.subject, "[rate-1.0] prometheus db_total");
        assert_eq!(
            (r.baseline.as_str(), r.candidate.as_str()),
            ("moved by 3", "moved by 0")
        );
    }

    #[test]
    fn a_missing_series_names_its_plausible_rename() {
        let found = diff(
            deltas(&[("db_ops_total", 3.0)], None),
            deltas(&[("db_op_total", 3.0)], None),
        );
        assert_eq!(
            found.regressions[0].candidate,
            "missing, perhaps renamed to db_op_total"
        );
    }

    #[test]
    fn unreadable_candidate_metrics_are_a_regression_but_an_unreadable_baseline_is_not() {
        let readable = deltas(&[("db_total", 3.0)], None);
        let unreadable = deltas(&[], Some("GET /metrics: status 404"));
        let found = diff(readable.clone(), unreadable.clone());
        assert_eq!(found.regressions[0].candidate, "GET /metrics: status 404");
        assert!(diff(unreadable, readable).regressions.is_empty());
    }
}
