//! Behaviour tests of `Metrics` as the server uses it, by area: exact aggregates,
//! admission to the buffer (with the regression switch), and both exposition formats.
//! Each area file uses the helpers here.

mod admission;
mod aggregates;
mod exposition;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::buffer::AdmitReason;
use super::histogram::bucket_index;
use super::registry::{MAX_OPERATIONS_PER_TYPE, OVERFLOW_OPERATION};
use super::*;

fn settings(rate: f64, min_samples: u64) -> MonitorSettings {
    MonitorSettings {
        min_samples,
        ..MonitorSettings::default()
    }
    .with_rate(rate)
}

fn render(template: &str) -> impl FnOnce() -> EventDetail {
    let template = template.to_owned();
    move || EventDetail::Render {
        template: template.into(),
    }
}

fn record_n(metrics: &Metrics, op: OpType, operation: &str, n: u64, duration: Duration) {
    for _ in 0..n {
        metrics.record(op, operation, duration, Outcome::Ok, render("t"));
    }
}

const FAST: Duration = Duration::from_micros(50);
