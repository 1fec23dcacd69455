//! Prometheus text and OpenMetrics expositions, parsed by `openmetrics-parser` and
//! flattened into the series a scrape would store (`_total`, `_bucket`, `_sum`, ...).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use openmetrics_parser::{
    HistogramValue, MetricNumber, MetricsExposition, OpenMetricsValue, PrometheusValue,
    RenderableMetricValue, SummaryValue,
};

use super::MetricsError;

/// One stored series: sample name, labels, value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Sample name, e.g. `refserver_operations_total`.
    pub name: String,
    /// Label pairs.
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
    /// What the family's `# TYPE` makes of this sample: whether it only ever grows.
    pub kind: SeriesKind,
}

/// What kind of sample a series is, from its family's `# TYPE`: the responsiveness
/// diff compares only the kinds that count things (they only grow under traffic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesKind {
    /// A counter's sample (`x_total`).
    Counter,
    /// A histogram's or a summary's `_count`: how many observations.
    ObservationCount,
    /// A gauge, an info or state set, a bucket, a quantile, a `_sum`: anything else.
    Other,
    /// A sample of a family without `# TYPE` (untyped).
    Untyped,
}

/// Parses an exposition: OpenMetrics when it ends in `# EOF`, Prometheus text otherwise.
pub fn parse_exposition(text: &str) -> Result<Vec<Series>, String> {
    let openmetrics = text.trim_end().ends_with("# EOF");
    let cleaned = without_parser_traps(text);
    let text = cleaned.as_str();
    // The parser has internal `unwrap`s; a hostile exposition must not crash the gate.
    let parsed = std::panic::catch_unwind(|| {
        if openmetrics {
            openmetrics_parser::openmetrics::parse_openmetrics(text)
                .map(|e| flatten(e, openmetrics_value))
        } else {
            openmetrics_parser::prometheus::parse_prometheus(text)
                .map(|e| flatten(e, prometheus_value))
        }
    });
    match parsed {
        Ok(Ok(series)) => Ok(series),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the exposition parser gave up on this input".to_owned()),
    }
}

/// The exposition without the metadata `openmetrics-parser` 0.4 chokes on, none of
/// which any check reads: `# UNIT` lines (refused on histograms, which the OpenMetrics
/// spec allows and prometheus-client writes), and the `# HELP`/`# TYPE` lines of a
/// family with no samples (it then reads the next family's samples as this one's and
/// refuses the whole scrape; a server that recorded nothing of a type writes those).
fn without_parser_traps(text: &str) -> String {
    fn family(line: &str) -> Option<&str> {
        let rest = line
            .strip_prefix("# HELP ")
            .or_else(|| line.strip_prefix("# TYPE "))
            .or_else(|| line.strip_prefix("# UNIT "))?;
        rest.split_whitespace().next()
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < lines.len() {
        let Some(name) = family(lines[i]) else {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        };
        let end = (i..lines.len())
            .find(|&j| family(lines[j]) != Some(name))
            .unwrap_or(lines.len());
        let has_samples = lines.get(end).is_some_and(|l| !l.starts_with('#'));
        if has_samples {
            for line in &lines[i..end] {
                if !line.starts_with("# UNIT ") {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        i = end;
    }
    out
}

/// The values of one sample, as (suffix, extra labels, value, kind) tuples.
type Parts = Vec<(
    &'static str,
    Option<(&'static str, String)>,
    f64,
    SeriesKind,
)>;

fn flatten<T: Clone, V: RenderableMetricValue + Clone>(
    exposition: MetricsExposition<T, V>,
    parts: fn(&V) -> Parts,
) -> Vec<Series> {
    let mut out = Vec::new();
    for (name, family) in &exposition.families {
        for sample in family.iter_samples() {
            let labels: BTreeMap<String, String> = sample
                .get_labelset()
                .map(|set| set.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            for (suffix, extra, value, kind) in parts(&sample.value) {
                let mut labels = labels.clone();
                if let Some((key, v)) = extra {
                    labels.insert(key.to_owned(), v);
                }
                out.push(Series {
                    name: format!("{name}{suffix}"),
                    labels,
                    value,
                    kind,
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.name, &a.labels).cmp(&(&b.name, &b.labels)));
    out
}

fn openmetrics_value(value: &OpenMetricsValue) -> Parts {
    match value {
        OpenMetricsValue::Unknown(n) => vec![("", None, n.as_f64(), SeriesKind::Untyped)],
        OpenMetricsValue::Gauge(n) | OpenMetricsValue::StateSet(n) => {
            vec![("", None, n.as_f64(), SeriesKind::Other)]
        }
        OpenMetricsValue::Counter(c) => {
            vec![("_total", None, c.value.as_f64(), SeriesKind::Counter)]
        }
        OpenMetricsValue::Histogram(h) => histogram(h),
        // A gauge histogram's count may fall: it is a gauge.
        OpenMetricsValue::GaugeHistogram(h) => histogram(h)
            .into_iter()
            .map(|(suffix, extra, value, _)| (suffix, extra, value, SeriesKind::Other))
            .collect(),
        OpenMetricsValue::Summary(s) => summary(s),
        OpenMetricsValue::Info => vec![("_info", None, 1.0, SeriesKind::Other)],
    }
}

fn prometheus_value(value: &PrometheusValue) -> Parts {
    match value {
        PrometheusValue::Unknown(n) => vec![("", None, n.as_f64(), SeriesKind::Untyped)],
        PrometheusValue::Gauge(n) => vec![("", None, n.as_f64(), SeriesKind::Other)],
        // Prometheus text names counters in full already (`x_total` is the family).
        PrometheusValue::Counter(c) => vec![("", None, c.value.as_f64(), SeriesKind::Counter)],
        PrometheusValue::Histogram(h) => histogram(h),
        PrometheusValue::Summary(s) => summary(s),
    }
}

fn histogram(h: &HistogramValue) -> Parts {
    let buckets = h.buckets.iter();
    let counts = buckets.map(|b| (bound(b.upper_bound), b.count.as_f64()));
    distribution(("_bucket", "le"), counts, h.sum, h.count)
}

fn summary(s: &SummaryValue) -> Parts {
    let quantiles = s.quantiles.iter();
    let values = quantiles.map(|q| (q.quantile.to_string(), q.value.as_f64()));
    distribution(("", "quantile"), values, s.sum, s.count)
}

/// A histogram's or a summary's samples: one per bucket or quantile, named with `suffix`
/// and labelled `label="…"`, then the `_sum` and `_count` when they are given.
fn distribution(
    (suffix, label): (&'static str, &'static str),
    entries: impl Iterator<Item = (String, f64)>,
    sum: Option<MetricNumber>,
    count: Option<u64>,
) -> Parts {
    let mut parts: Parts = entries
        .map(|(at, value)| (suffix, Some((label, at)), value, SeriesKind::Other))
        .collect();
    if let Some(sum) = sum {
        parts.push(("_sum", None, sum.as_f64(), SeriesKind::Other));
    }
    if let Some(count) = count {
        parts.push(("_count", None, count as f64, SeriesKind::ObservationCount));
    }
    parts
}

fn bound(upper: f64) -> String {
    if upper.is_infinite() {
        "+Inf".to_owned()
    } else {
        upper.to_string()
    }
}

/// `name{label="value",...}`: every listed label must match; the matching series'
/// values are summed (as PromQL's `sum` would), and at least one must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromSelector {
    /// Sample name.
    pub name: String,
    /// Labels that must be present with these values.
    pub labels: BTreeMap<String, String>,
}

impl FromStr for PromSelector {
    type Err = MetricsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = |why: &str| {
            MetricsError::Syntax(format!(
                "Prometheus selector {text:?}: {why}; expected name{{label=\"value\",...}}"
            ))
        };
        let text = text.trim();
        let (name, rest) = match text.find('{') {
            Some(open) => (&text[..open], Some(&text[open + 1..])),
            None => (text, None),
        };
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(syntax("the metric name is not valid"));
        }
        let mut labels = BTreeMap::new();
        if let Some(rest) = rest {
            let body = rest
                .strip_suffix('}')
                .ok_or_else(|| syntax("missing closing '}'"))?;
            let mut chars = body.chars().peekable();
            loop {
                while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    break;
                }
                let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                let key = key.trim().to_owned();
                if key.is_empty() || chars.next() != Some('"') {
                    return Err(syntax("each label is key=\"value\""));
                }
                let mut value = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next()),
                        '"' => {
                            closed = true;
                            break;
                        }
                        other => value.push(other),
                    }
                }
                if !closed {
                    return Err(syntax("unterminated label value"));
                }
                labels.insert(key, value);
            }
        }
        Ok(Self {
            name: name.to_owned(),
            labels,
        })
    }
}

impl fmt::Display for PromSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_series(f, &self.name, &self.labels)
    }
}

/// `name{label="value",...}`, as the exposition format writes a series (no braces
/// without labels): selectors and series ids print alike.
pub(crate) fn write_series(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    labels: &BTreeMap<String, String>,
) -> fmt::Result {
    f.write_str(name)?;
    if !labels.is_empty() {
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        write!(f, "{{{}}}", labels.join(","))?;
    }
    Ok(())
}

impl PromSelector {
    /// Sums the matching series; no match is an error listing what exists instead.
    pub fn select(&self, series: &[Series]) -> Result<(f64, usize), MetricsError> {
        let same_name: Vec<&Series> = series.iter().filter(|s| s.name == self.name).collect();
        let matching: Vec<&&Series> = same_name
            .iter()
            .filter(|s| self.labels.iter().all(|(k, v)| s.labels.get(k) == Some(v)))
            .collect();
        if matching.is_empty() {
            let examples: Vec<String> = same_name
                .iter()
                .take(4)
                .map(|s| format!("{:?}", s.labels))
                .collect();
            return Err(MetricsError::NoSeries {
                selector: self.to_string(),
                available: same_name.len(),
                examples: if examples.is_empty() {
                    "none".to_owned()
                } else {
                    examples.join("; ")
                },
            });
        }
        Ok((matching.iter().map(|s| s.value).sum(), matching.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENMETRICS: &str = "# HELP refserver_operations Operations.\n\
# UNIT refserver_duration_seconds seconds\n\
# TYPE refserver_operations counter\n\
refserver_operations_total{type=\"database\",operation=\"SELECT notes\"} 3\n\
refserver_operations_total{type=\"database\",operation=\"SELECT -\"} 2\n\
refserver_operations_total{type=\"http\",operation=\"GET /notes/{slug}\"} 3\n\
# HELP refserver_duration_seconds Latency.\n\
# TYPE refserver_duration_seconds histogram\n\
refserver_duration_seconds_bucket{type=\"http\",le=\"0.1\"} 2\n\
refserver_duration_seconds_bucket{type=\"http\",le=\"+Inf\"} 3\n\
refserver_duration_seconds_sum{type=\"http\"} 0.5\n\
refserver_duration_seconds_count{type=\"http\"} 3\n\
# TYPE up gauge\n\
up 1\n\
# EOF\n";

    #[test]
    fn a_family_without_samples_does_not_spoil_the_scrape() {
        // What the reference server writes when it recorded nothing yet of a family.
        let text = "# HELP refserver_operations Operations.\n\
# TYPE refserver_operations counter\n\
# HELP refserver_operation_errors Errors.\n\
# TYPE refserver_operation_errors counter\n\
# HELP refserver_sampling_rate Rate.\n\
# TYPE refserver_sampling_rate gauge\n\
refserver_sampling_rate{type=\"http\"} 0.0\n\
# HELP refserver_events_sampled Sampled.\n\
# TYPE refserver_events_sampled counter\n\
# EOF\n";
        let series = parse_exposition(text).expect("parses");
        let selector: PromSelector =
            r#"refserver_sampling_rate{type="http"}"#.parse().expect("selector");
        assert_eq!(selector.select(&series).expect("gauge"), (0.0, 1));
        let missing: PromSelector = "refserver_operations_total".parse().expect("selector");
        assert!(missing.select(&series).is_err(), "no samples, no series");
    }

    #[test]
    fn openmetrics_counters_histograms_and_gauges_flatten() {
        let series = parse_exposition(OPENMETRICS).expect("parses");
        let select = |s: &str| s.parse::<PromSelector>().expect(s).select(&series);
        assert_eq!(
            select(r#"refserver_operations_total{type="database"}"#).expect("db"),
            (5.0, 2)
        );
        assert_eq!(
            select(r#"refserver_operations_total{type="http",operation="GET /notes/{slug}"}"#)
                .expect("http"),
            (3.0, 1)
        );
        assert_eq!(
            select(r#"refserver_duration_seconds_count{type="http"}"#)
                .expect("count")
                .0,
            3.0
        );
        assert_eq!(
            select(r#"refserver_duration_seconds_bucket{le="+Inf"}"#)
                .expect("inf")
                .0,
            3.0
        );
        assert_eq!(select("up").expect("gauge").0, 1.0);
    }

    #[test]
    fn prometheus_text_parses_too() {
        let text = "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 7\nhttp_requests_total{code=\"500\"} 1\n";
        let series = parse_exposition(text).expect("parses");
        let all: PromSelector = "http_requests_total".parse().expect("selector");
        assert_eq!(all.select(&series).expect("sum"), (8.0, 2));
    }

    #[test]
    fn no_match_is_an_error_that_lists_what_exists() {
        let series = parse_exposition(OPENMETRICS).expect("parses");
        let sel: PromSelector = r#"refserver_operations_total{type="databse"}"#
            .parse()
            .expect("sel");
        let err = sel.select(&series).expect_err("no match").to_string();
        assert!(err.contains("3 series of that name"), "{err}");
        let none: PromSelector = "nope_total".parse().expect("sel");
        assert!(none.select(&series).is_err());
    }

    #[test]
    fn selectors_parse_strictly() {
        let sel: PromSelector = r#"a_b{x="1, 2", y="q\"uote"}"#.parse().expect("valid");
        assert_eq!(sel.labels["x"], "1, 2");
        assert_eq!(sel.labels["y"], "q\"uote");
        for bad in ["", "1abc", "a{x=1}", "a{x=\"1\"", "a{x=\"1}", "a b"] {
            assert!(bad.parse::<PromSelector>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn malformed_expositions_are_errors() {
        assert!(parse_exposition("this is { not metrics\n").is_err());
    }
}
