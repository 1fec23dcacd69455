//! Prometheus exposition: at scrape time the atomics are copied into a
//! prometheus-client `Collector`, which the crate's text encoder writes out.

use std::collections::HashMap;
use std::fmt::Write as _;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelValue, LabelValueEncoder, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::registry::{Registry, Unit};

use super::aggregate::AggregateView;
use super::op::OpType;
use super::registry::Metrics;

/// The `Content-Type` of [`Metrics::encode_prometheus`]'s output (OpenMetrics text,
/// which Prometheus scrapes natively).
pub(crate) const PROMETHEUS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One operation's figures at scrape time.
#[derive(Debug)]
struct Series {
    op: OpType,
    name: String,
    view: AggregateView,
}

/// A caller-supplied gauge, already checked and escaped.
#[derive(Debug)]
struct ExtraGauge {
    name: String,
    help: String,
    value: f64,
}

/// Everything one scrape writes, copied out of [`Metrics`] so the encoder never
/// touches the live atomics or map locks.
#[derive(Debug)]
struct Scrape {
    series: Vec<Series>,
    sampled: [u64; 3],
    rates: [f64; 3],
    enabled: bool,
    extra: Vec<ExtraGauge>,
}

/// A label value escaped as the exposition format requires (the crate writes values
/// verbatim, and operation names may hold quotes or backslashes).
struct Escaped<'a>(&'a str);

impl EncodeLabelValue for Escaped<'_> {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}

type Labels<'a, const N: usize> = [(&'static str, Escaped<'a>); N];

fn op_labels(series: &Series) -> Labels<'_, 2> {
    [
        ("type", Escaped(series.op.as_str())),
        ("operation", Escaped(&series.name)),
    ]
}

impl Scrape {
    fn counter_family(
        &self,
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        value: impl Fn(&AggregateView) -> u64,
    ) -> Result<(), std::fmt::Error> {
        let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
        for series in &self.series {
            let labels = op_labels(series);
            metric
                .encode_family(&labels)?
                .encode_counter::<NoLabelSet, _, u64>(&value(&series.view), None)?;
        }
        Ok(())
    }
}

/// A family with one series per operation type, labelled `type`: `encode` writes the
/// value of the type at that index (a counter or a gauge, as `metric_type` says).
fn type_family(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric_type: MetricType,
    encode: impl Fn(&mut MetricEncoder<'_>, usize) -> Result<(), std::fmt::Error>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for op in OpType::ALL {
        let labels = [("type", Escaped(op.as_str()))];
        encode(&mut metric.encode_family(&labels)?, op.index())?;
    }
    Ok(())
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        self.counter_family(
            &mut encoder,
            "refserver_operations",
            "Operations recorded, by type and operation (exact, whatever the sampling rate).",
            |view| view.count,
        )?;
        self.counter_family(
            &mut encoder,
            "refserver_operation_errors",
            "Operations that failed, aborted ones included.",
            |view| view.errors,
        )?;
        self.counter_family(
            &mut encoder,
            "refserver_operations_aborted",
            "HTTP responses whose body was dropped before it finished streaming.",
            |view| view.aborted,
        )?;

        let mut metric = encoder.encode_descriptor(
            "refserver_operation_duration",
            "Operation latency.",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for series in &self.series {
            let labels = op_labels(series);
            let buckets = series.view.histogram.prometheus_buckets();
            // Count from the buckets themselves, so `+Inf` always equals `_count`.
            let count = buckets.iter().map(|(_, n)| n).sum();
            metric
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(
                    series.view.sum_ns as f64 / 1e9,
                    count,
                    &buckets,
                    None::<&HashMap<usize, Exemplar<NoLabelSet, f64>>>,
                )?;
        }

        let mut metric = encoder.encode_descriptor(
            "refserver_http_response_bytes",
            "Response body bytes sent, by HTTP operation (HEAD counts 0).",
            None,
            MetricType::Counter,
        )?;
        for series in self.series.iter().filter(|s| s.op == OpType::Http) {
            let labels = [("operation", Escaped(&series.name))];
            metric
                .encode_family(&labels)?
                .encode_counter::<NoLabelSet, _, u64>(&series.view.bytes, None)?;
        }

        type_family(
            &mut encoder,
            "refserver_events_sampled",
            "Operations admitted to the recent-events buffer (evicted ones included).",
            MetricType::Counter,
            |metric, i| metric.encode_counter::<NoLabelSet, _, u64>(&self.sampled[i], None),
        )?;
        type_family(
            &mut encoder,
            "refserver_sampling_rate",
            "Configured probability that an operation enters the event buffer.",
            MetricType::Gauge,
            |metric, i| metric.encode_gauge(&self.rates[i]),
        )?;

        encoder
            .encode_descriptor(
                "refserver_monitoring_enabled",
                "1 when monitoring records operations, 0 when disabled.",
                None,
                MetricType::Gauge,
            )?
            .encode_gauge(&i64::from(self.enabled))?;

        for gauge in &self.extra {
            encoder
                .encode_descriptor(&gauge.name, &gauge.help, None, MetricType::Gauge)?
                .encode_gauge(&gauge.value)?;
        }
        Ok(())
    }
}

/// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

impl Metrics {
    /// The Prometheus (OpenMetrics) text exposition of every aggregate, plus
    /// `extra_gauges` (`name`, `help`, value) supplied by the caller, e.g. pool stats.
    /// Serve it with [`PROMETHEUS_CONTENT_TYPE`].
    pub(crate) fn encode_prometheus(&self, extra_gauges: &[(&str, &str, f64)]) -> String {
        encode(self, extra_gauges)
    }
}

/// Writes the exposition for `metrics` and the caller's gauges (invalid gauge names
/// are skipped with a warning rather than breaking the whole scrape).
fn encode(metrics: &Metrics, extra_gauges: &[(&str, &str, f64)]) -> String {
    let settings = metrics.settings();
    let series = OpType::ALL
        .into_iter()
        .flat_map(|op| {
            metrics
                .operation_views(op)
                .into_iter()
                .map(move |(name, view)| Series { op, name, view })
        })
        .collect();
    let extra = extra_gauges
        .iter()
        .filter(|(name, _, _)| {
            let valid = is_metric_name(name);
            if !valid {
                tracing::warn!(name, "skipping extra gauge with an invalid metric name");
            }
            valid
        })
        .map(|(name, help, value)| ExtraGauge {
            name: (*name).to_owned(),
            help: help.replace('\\', "\\\\").replace('\n', "\\n"),
            value: *value,
        })
        .collect();
    let scrape = Scrape {
        series,
        sampled: OpType::ALL.map(|op| metrics.sampled(op)),
        rates: settings.rates,
        enabled: settings.enabled,
        extra,
    };

    let mut registry = Registry::default();
    registry.register_collector(Box::new(scrape));
    let mut out = String::new();
    if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &registry) {
        // Writing to a String cannot fail; keep what was written rather than panic.
        tracing::error!(%error, "encoding the Prometheus exposition failed");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_checked() {
        assert!(is_metric_name("refserver_pool_idle"));
        assert!(is_metric_name("_x:y9"));
        assert!(!is_metric_name(""));
        assert!(!is_metric_name("9lives"));
        assert!(!is_metric_name("pool idle"));
        assert!(!is_metric_name("pool-idle"));
    }
}
