//! `Metrics`: the shared recorder. Owns the per-operation aggregates, the admission
//! rules and the event ring, and is the single entry point of the hot path. Its read
//! side lives with each view: [`Metrics::snapshot`] in `snapshot.rs`,
//! [`Metrics::encode_prometheus`] in `prometheus.rs`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dashmap::DashMap;

use super::aggregate::{Aggregate, AggregateView, FastBuildHasher};
use super::buffer::{Admission, Event, EventDetail, EventRing, duration_ns};
use super::op::{OpType, Outcome};
use super::settings::MonitorSettings;

/// Most distinct operation names kept per type; later new names are folded into
/// [`OVERFLOW_OPERATION`], so a bug that labels operations with raw paths cannot grow
/// memory (or the Prometheus output) without bound.
pub(crate) const MAX_OPERATIONS_PER_TYPE: usize = 1000;

/// The operation name that absorbs new names once a type holds
/// [`MAX_OPERATIONS_PER_TYPE`] of them.
pub(crate) const OVERFLOW_OPERATION: &str = "(other)";

type OperationMap = DashMap<Box<str>, Arc<Aggregate>, FastBuildHasher>;

/// The server's monitoring state, shared through an `Arc`: exact aggregates for every
/// operation and a sampled buffer of recent events.
pub struct Metrics {
    settings: MonitorSettings,
    /// Per-type maps from operation name to its aggregate; per-type totals are the
    /// merge of these at read time, so the hot path updates one aggregate only.
    operations: [OperationMap; 3],
    admission: Admission,
    ring: EventRing,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("settings", &self.settings)
            .field(
                "operations",
                &self.operations.each_ref().map(|map| map.len()),
            )
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// A recorder for `settings`, sampling with per-thread random numbers.
    pub fn new(settings: MonitorSettings) -> Self {
        Self::build(settings, None)
    }

    /// A recorder whose sampling decisions are a pure function of `seed` and the order
    /// of `record` calls, for statistical tests.
    pub fn with_rng_seed(settings: MonitorSettings, seed: u64) -> Self {
        Self::build(settings, Some(seed))
    }

    fn build(settings: MonitorSettings, seed: Option<u64>) -> Self {
        Self {
            admission: Admission::new(&settings, seed),
            ring: EventRing::new(if settings.enabled {
                settings.buffer_size
            } else {
                0
            }),
            operations: std::array::from_fn(|_| OperationMap::with_hasher(FastBuildHasher)),
            settings,
        }
    }

    /// The settings this recorder was built with (callers read the slow threshold).
    pub fn settings(&self) -> &MonitorSettings {
        &self.settings
    }

    /// Records one finished operation. Hot path: aggregates are updated with atomics
    /// (one map read, no allocation once `operation` is known); `detail` is called only
    /// when the event is admitted to the buffer.
    #[inline]
    pub fn record<F>(
        &self,
        op: OpType,
        operation: &str,
        duration: Duration,
        outcome: Outcome,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        self.record_with_bytes(op, operation, duration, outcome, 0, detail);
    }

    /// [`Metrics::record`] with the body bytes the operation sent (an HTTP response's),
    /// added to its `bytes` total so response sizes add up per route and in total.
    pub(crate) fn record_with_bytes<F>(
        &self,
        op: OpType,
        operation: &str,
        duration: Duration,
        outcome: Outcome,
        bytes: u64,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        if !self.settings.enabled {
            return;
        }
        let ns = duration_ns(duration);
        let reason = if self.settings.legacy_sampling {
            // The historical bug: sample first, and only sampled operations count.
            let Some(reason) = self.admission.decide(op, ns) else {
                return;
            };
            self.aggregate(op, operation, ns, outcome, bytes);
            reason
        } else {
            self.aggregate(op, operation, ns, outcome, bytes);
            match self.admission.decide(op, ns) {
                Some(reason) => reason,
                None => return,
            }
        };
        self.ring.push(Event {
            op_type: op,
            operation: operation.to_owned(),
            duration,
            outcome,
            timestamp_ms: unix_ms(),
            reason,
            detail: detail(),
        });
    }

    #[inline]
    fn aggregate(&self, op: OpType, operation: &str, ns: u64, outcome: Outcome, bytes: u64) {
        if let Some(aggregate) = self.operations[op.index()].get(operation) {
            aggregate.record(ns, outcome, bytes);
            return;
        }
        self.insert_operation(op, operation)
            .record(ns, outcome, bytes);
    }

    /// First sight of `operation`: create its aggregate (or fall back to the overflow
    /// one when the type is full).
    #[cold]
    fn insert_operation(&self, op: OpType, operation: &str) -> Arc<Aggregate> {
        let map = &self.operations[op.index()];
        let name = if map.len() >= MAX_OPERATIONS_PER_TYPE {
            if let Some(existing) = map.get(OVERFLOW_OPERATION) {
                return Arc::clone(existing.value());
            }
            OVERFLOW_OPERATION
        } else {
            operation
        };
        Arc::clone(map.entry(Box::from(name)).or_default().value())
    }

    /// At most `max_events` of the newest events in the buffer, newest first.
    pub(super) fn recent_events(&self, max_events: usize) -> Vec<Event> {
        self.ring.recent(max_events)
    }

    /// Every operation of `op` with a copy of its aggregate, sorted by name.
    pub(crate) fn operation_views(&self, op: OpType) -> Vec<(String, AggregateView)> {
        let entries: Vec<(String, Arc<Aggregate>)> = self.operations[op.index()]
            .iter()
            .map(|entry| (entry.key().to_string(), Arc::clone(entry.value())))
            .collect();
        let mut views: Vec<(String, AggregateView)> = entries
            .into_iter()
            .map(|(name, aggregate)| (name, aggregate.view()))
            .collect();
        views.sort_by(|a, b| a.0.cmp(&b.0));
        views
    }

    /// Events of `op` admitted to the buffer so far (including evicted ones).
    pub(crate) fn sampled(&self, op: OpType) -> u64 {
        self.admission.sampled(op)
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}
