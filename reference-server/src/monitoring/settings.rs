//! `MonitorSettings`: the monitoring knobs, decoupled from how configuration is read
//! (the server maps its validated config onto this struct).

use std::time::Duration;

use super::op::OpType;

/// Everything that changes how [`Metrics`](super::Metrics) records; fixed for the
/// lifetime of a `Metrics` so the hot path reads plain fields, never a lock.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitorSettings {
    /// Master switch: when false, `record` returns after one branch and nothing is kept.
    pub enabled: bool,
    /// Probability in `[0, 1]` that an operation enters the event buffer, in the order
    /// of [`OpType::ALL`]. Governs the buffer only, never the aggregates. Values outside
    /// the range are clamped, NaN counts as 0.
    pub rates: [f64; 3],
    /// Operations at least this long are "slow" and always enter the buffer.
    pub slow_threshold: Duration,
    /// Capacity of the recent-events buffer; the newest events are kept.
    pub buffer_size: usize,
    /// The first N operations of each type always enter the buffer, so low-traffic
    /// types show up even at a low rate.
    pub min_samples: u64,
    /// Regression switch `legacy-sampling`: no minimum guarantee, and operations that
    /// are not sampled update nothing (aggregates computed from sampled events only).
    pub legacy_sampling: bool,
}

impl MonitorSettings {
    /// The buffer sampling rate configured for `op`.
    pub(crate) fn rate(&self, op: OpType) -> f64 {
        self.rates[op.index()]
    }

    /// The same rate for every type (what a scalar `METRICS_SAMPLING_RATE` means).
    pub fn with_rate(mut self, rate: f64) -> Self {
        self.rates = [rate; 3];
        self
    }
}

impl Default for MonitorSettings {
    /// The documented defaults: enabled, rate 1.0, slow at 1 s, 1000 events, 10
    /// minimum samples, no regression.
    fn default() -> Self {
        Self {
            enabled: true,
            rates: [1.0; 3],
            slow_threshold: Duration::from_secs(1),
            buffer_size: 1000,
            min_samples: 10,
            legacy_sampling: false,
        }
    }
}
