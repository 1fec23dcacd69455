//! `MetricsSnapshot`: the serializable copy of the monitoring state behind the
//! dashboard and `/admin/metrics`. Every number is finite, so JSON always serializes.

use serde::Serialize;

use super::aggregate::AggregateView;
use super::buffer::Event;
use super::op::OpType;
use super::registry::Metrics;

/// Everything the dashboard shows: per-type and per-operation figures, the settings
/// that produced them and the recent events.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    /// The settings in effect.
    pub(crate) settings: SettingsSnapshot,
    /// Figures per operation type, keyed by type name in JSON.
    pub(crate) types: TypeSnapshots,
    /// Events in the buffer, newest first.
    pub(crate) recent_events: Vec<Event>,
}

impl MetricsSnapshot {
    pub(crate) fn build(metrics: &Metrics, recent_events: Vec<Event>) -> Self {
        let settings = metrics.settings();
        let [http, database, render] = OpType::ALL.map(|op| TypeSnapshot::build(metrics, op));
        Self {
            settings: SettingsSnapshot {
                enabled: settings.enabled,
                legacy_sampling: settings.legacy_sampling,
                rates: RatesSnapshot {
                    http: settings.rate(OpType::Http),
                    database: settings.rate(OpType::Database),
                    render: settings.rate(OpType::Render),
                },
                min_samples: settings.min_samples,
                buffer_size: settings.buffer_size,
                slow_threshold_seconds: settings.slow_threshold.as_secs_f64(),
            },
            types: TypeSnapshots {
                http,
                database,
                render,
            },
            recent_events,
        }
    }

    /// The figures for `op`.
    pub fn get(&self, op: OpType) -> &TypeSnapshot {
        match op {
            OpType::Http => &self.types.http,
            OpType::Database => &self.types.database,
            OpType::Render => &self.types.render,
        }
    }
}

impl Metrics {
    /// A consistent-enough copy of every aggregate, for the dashboard and the JSON API,
    /// with every event in the buffer.
    pub fn snapshot(&self) -> MetricsSnapshot {
        self.snapshot_with_events(usize::MAX)
    }

    /// [`Metrics::snapshot`] with at most `max_events` of the newest events, for
    /// callers that do not want to copy a large buffer.
    pub(crate) fn snapshot_with_events(&self, max_events: usize) -> MetricsSnapshot {
        MetricsSnapshot::build(self, self.recent_events(max_events))
    }
}

/// Settings as shown to readers (durations in seconds).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct SettingsSnapshot {
    /// Whether recording is on.
    pub(crate) enabled: bool,
    /// Whether the `legacy-sampling` regression is on.
    pub(crate) legacy_sampling: bool,
    /// Buffer sampling rate per type.
    pub(crate) rates: RatesSnapshot,
    /// Operations of each type that always enter the buffer.
    pub(crate) min_samples: u64,
    /// Capacity of the event buffer.
    pub(crate) buffer_size: usize,
    /// Operations at least this long (seconds) always enter the buffer.
    pub(crate) slow_threshold_seconds: f64,
}

/// Sampling rate per type, keyed by type name in JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct RatesSnapshot {
    /// Rate for `http`.
    pub(crate) http: f64,
    /// Rate for `database`.
    pub(crate) database: f64,
    /// Rate for `render`.
    pub(crate) render: f64,
}

/// One entry per operation type, so JSON readers write `types.database.count`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct TypeSnapshots {
    /// HTTP requests.
    pub(crate) http: TypeSnapshot,
    /// SQL statements.
    pub(crate) database: TypeSnapshot,
    /// Template renderings.
    pub(crate) render: TypeSnapshot,
}

/// Exact totals for one type (the merge of its operations) and its sampling figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeSnapshot {
    /// Which type this is.
    #[serde(rename = "type")]
    pub(crate) op_type: OpType,
    /// Operations recorded.
    pub count: u64,
    /// Operations admitted to the event buffer (including evicted ones).
    pub sampled: u64,
    /// The sampling rate actually applied to this type (the configured one, clamped to
    /// `[0, 1]`), so a reader can spot a rate that silently differs from what was meant.
    pub(crate) effective_rate: f64,
    /// `sampled / count`: the share of operations that entered the buffer (0 if none);
    /// above `effective_rate` while the minimum-sample guarantee is filling.
    pub(crate) sampled_ratio: f64,
    /// Operations that failed (aborted ones included).
    pub(crate) errors: u64,
    /// HTTP bodies dropped before they finished.
    pub(crate) aborted: u64,
    /// Bytes sent (response bodies for `http`).
    pub(crate) bytes: u64,
    /// Latency figures over every operation of this type.
    #[serde(flatten)]
    pub(crate) latency: LatencySnapshot,
    /// Per-operation figures, sorted by name.
    pub(crate) operations: Vec<OperationSnapshot>,
}

impl TypeSnapshot {
    fn build(metrics: &Metrics, op: OpType) -> Self {
        let views = metrics.operation_views(op);
        let mut total = AggregateView::default();
        for (_, view) in &views {
            total.merge(view);
        }
        let sampled = metrics.sampled(op);
        Self {
            op_type: op,
            count: total.count,
            sampled,
            effective_rate: applied_rate(metrics.settings().rate(op)),
            sampled_ratio: if total.count == 0 {
                0.0
            } else {
                sampled as f64 / total.count as f64
            },
            errors: total.errors,
            aborted: total.aborted,
            bytes: total.bytes,
            latency: LatencySnapshot::from_view(&total),
            operations: views
                .into_iter()
                .map(|(name, view)| OperationSnapshot {
                    count: view.count,
                    errors: view.errors,
                    aborted: view.aborted,
                    bytes: view.bytes,
                    latency: LatencySnapshot::from_view(&view),
                    name,
                })
                .collect(),
        }
    }
}

/// The probability the sampler really uses for a configured `rate`.
fn applied_rate(rate: f64) -> f64 {
    if rate.is_nan() {
        0.0
    } else {
        rate.clamp(0.0, 1.0)
    }
}

/// Exact totals for one operation name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct OperationSnapshot {
    /// Operation name, e.g. `GET /notes/{slug}`.
    pub(crate) name: String,
    /// Times it ran.
    pub(crate) count: u64,
    /// Times it failed (aborted ones included).
    pub(crate) errors: u64,
    /// HTTP bodies dropped before they finished.
    pub(crate) aborted: u64,
    /// Bytes sent.
    pub(crate) bytes: u64,
    /// Latency figures.
    #[serde(flatten)]
    pub(crate) latency: LatencySnapshot,
}

/// Latency in milliseconds. Percentiles are histogram estimates (a bucket's upper
/// bound, at most 25% above the truth, never above `max_ms`); the rest is exact.
/// All zero when nothing was recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct LatencySnapshot {
    /// Mean.
    pub(crate) avg_ms: f64,
    /// Fastest.
    pub(crate) min_ms: f64,
    /// Slowest.
    pub(crate) max_ms: f64,
    /// Median estimate.
    pub(crate) p50_ms: f64,
    /// 95th percentile estimate.
    pub(crate) p95_ms: f64,
    /// 99th percentile estimate.
    pub(crate) p99_ms: f64,
}

impl LatencySnapshot {
    fn from_view(view: &AggregateView) -> Self {
        let ms = |ns: u64| ns as f64 / 1e6;
        Self {
            avg_ms: view.avg_ns() / 1e6,
            min_ms: ms(view.min_ns()),
            max_ms: ms(view.max_ns),
            p50_ms: ms(view.quantile_ns(0.50)),
            p95_ms: ms(view.quantile_ns(0.95)),
            p99_ms: ms(view.quantile_ns(0.99)),
        }
    }
}
