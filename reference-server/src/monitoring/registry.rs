//! `Metrics`: the shared recorder. Owns the per-operation aggregates, the admission
//! rules and the event ring, and is the single entry point of the hot path. Its read
//! side lives with each view: [`Metrics::snapshot`] in `snapshot.rs`,
//! [`Metrics::encode_prometheus`] in `prometheus.rs`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dashmap::DashMap;

use super::aggregate::{Aggregate, AggregateView, FastBuildHasher};
use super::buffer::{Admission, Event, EventDetail, EventRing, duration_ns};
use super::clock::Ticks;
use super::name::Name;
use super::op::{OpType, Outcome};
use super::settings::MonitorSettings;

/// Most distinct operation names kept per type; later new names are folded into
/// [`OVERFLOW_OPERATION`], so a bug that labels operations with raw paths cannot grow
/// memory (or the Prometheus output) without bound.
pub(crate) const MAX_OPERATIONS_PER_TYPE: usize = 1000;

/// The operation name that absorbs new names once a type holds
/// [`MAX_OPERATIONS_PER_TYPE`] of them.
pub(crate) const OVERFLOW_OPERATION: &str = "(other)";

/// How many [`OperationKey`]s get a slot in every recorder; later keys (there are
/// about ten in the server) fall back to a name lookup.
const KEYED_SLOTS: usize = 64;

type OperationMap = DashMap<Name, Operation, FastBuildHasher>;

/// One operation interned in one recorder, recorded by handle: no name lookup and no
/// allocation on the hot path. Get one from [`Metrics::operation`] once (per route,
/// per statement) and keep it.
#[derive(Clone, Debug)]
pub struct Operation(Arc<OperationEntry>);

#[derive(Debug)]
struct OperationEntry {
    op: OpType,
    name: Name,
    /// The recorder that interned it; recording it elsewhere is a bug.
    owner: u64,
    aggregate: Aggregate,
}

impl Operation {
    fn new(op: OpType, name: Name, owner: u64) -> Self {
        Operation(Arc::new(OperationEntry {
            op,
            name,
            owner,
            aggregate: Aggregate::default(),
        }))
    }

    /// The operation's name, e.g. `GET /notes/{slug}`.
    pub fn name(&self) -> &Name {
        &self.0.name
    }

    /// The operation's type.
    pub fn op_type(&self) -> OpType {
        self.0.op
    }
}

/// A name declared in a `static` (a SQL statement's label): every recorder finds its
/// handle by the key's index into a slot table, never by hashing the name.
#[derive(Debug)]
pub struct OperationKey {
    index: OnceLock<usize>,
}

/// The next free [`OperationKey`] index, process-wide.
static NEXT_KEY: AtomicUsize = AtomicUsize::new(0);

impl OperationKey {
    /// A key; `const` so it can sit in a `static` beside what it names.
    pub const fn new() -> Self {
        Self {
            index: OnceLock::new(),
        }
    }

    fn index(&self) -> usize {
        *self
            .index
            .get_or_init(|| NEXT_KEY.fetch_add(1, Ordering::Relaxed))
    }
}

impl Default for OperationKey {
    fn default() -> Self {
        Self::new()
    }
}

/// Distinguishes recorders, so a handle is never recorded into another one.
static NEXT_RECORDER: AtomicU64 = AtomicU64::new(0);

/// The server's monitoring state, shared through an `Arc`: exact aggregates for every
/// operation and a sampled buffer of recent events.
pub struct Metrics {
    settings: MonitorSettings,
    id: u64,
    /// Per-type maps from operation name to its handle; per-type totals are the merge
    /// of these at read time, so the hot path updates one aggregate only.
    operations: [OperationMap; 3],
    /// Handles of [`OperationKey`]s, by key index.
    keyed: Box<[OnceLock<Operation>]>,
    admission: Admission,
    ring: EventRing,
    /// A wall-clock time and the monotonic reading taken with it: events are stamped
    /// with [`Ticks`] and turned into Unix time only when read.
    epoch: (SystemTime, Ticks),
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
            keyed: (0..KEYED_SLOTS).map(|_| OnceLock::new()).collect(),
            id: NEXT_RECORDER.fetch_add(1, Ordering::Relaxed),
            epoch: {
                // The process's first reading calibrates the clock (up to 200 ms, and
                // other threads wait for it): read it first, so that the wall-clock
                // time is read with it and events are not stamped that much early.
                let monotonic = Ticks::now();
                (SystemTime::now(), monotonic)
            },
            settings,
        }
    }

    /// The settings this recorder was built with (callers read the slow threshold).
    pub fn settings(&self) -> &MonitorSettings {
        &self.settings
    }

    /// The handle of operation `name` of type `op`, interned on first sight (or the
    /// overflow operation once the type holds [`MAX_OPERATIONS_PER_TYPE`] names).
    /// With monitoring off the handle is not kept: nothing is recorded, and no
    /// zero-valued series appears.
    pub fn operation(&self, op: OpType, name: &str) -> Operation {
        if !self.settings.enabled {
            return Operation::new(op, Name::from(name.to_owned()), self.id);
        }
        if let Some(found) = self.operations[op.index()].get(name) {
            return found.value().clone();
        }
        self.insert_operation(op, Name::from(name.to_owned()))
    }

    /// [`Metrics::operation`] for a name that is already a [`Name`] (a `&'static str`
    /// costs no allocation, and its events no reference counting).
    pub(crate) fn operation_named(&self, op: OpType, name: Name) -> Operation {
        if !self.settings.enabled {
            return Operation::new(op, name, self.id);
        }
        if let Some(found) = self.operations[op.index()].get(name.as_str()) {
            return found.value().clone();
        }
        self.insert_operation(op, name)
    }

    #[cold]
    fn insert_operation(&self, op: OpType, name: Name) -> Operation {
        let map = &self.operations[op.index()];
        let name = if map.len() >= MAX_OPERATIONS_PER_TYPE {
            if let Some(existing) = map.get(OVERFLOW_OPERATION) {
                return existing.value().clone();
            }
            Name::from(OVERFLOW_OPERATION)
        } else {
            name
        };
        map.entry(name.clone())
            .or_insert_with(|| Operation::new(op, name, self.id))
            .value()
            .clone()
    }

    /// Records one finished operation by name. Convenient where a name is not known
    /// ahead (tests, rare paths): it costs a map lookup that [`Metrics::record_operation`]
    /// does not. `detail` is called only when the event is admitted to the buffer.
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

    /// [`Metrics::record`] with the body bytes the operation sent (an HTTP response's).
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
        if let Some(found) = self.operations[op.index()].get(operation) {
            self.record_operation(found.value(), duration, outcome, bytes, detail);
            return;
        }
        let operation = self.insert_operation(op, Name::from(operation.to_owned()));
        self.record_operation(&operation, duration, outcome, bytes, detail);
    }

    /// Records one finished operation of the statically declared `key` (named by
    /// `name` the first time this recorder sees it): a slot read, no name lookup.
    #[inline]
    pub fn record_keyed<F>(
        &self,
        key: &OperationKey,
        op: OpType,
        name: impl FnOnce() -> Name,
        duration: Duration,
        outcome: Outcome,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        if self.settings.enabled {
            self.record_keyed_ns(key, op, name, duration_ns(duration), None, outcome, detail);
        }
    }

    /// [`Self::record_keyed`] for an operation timed by two clock readings: an
    /// admitted event takes `ended` as its time instead of reading the clock again.
    #[inline]
    #[allow(clippy::too_many_arguments)] // the arguments of `record_keyed`, one split in two
    pub(crate) fn record_keyed_between<F>(
        &self,
        key: &OperationKey,
        op: OpType,
        name: impl FnOnce() -> Name,
        started: Ticks,
        ended: Ticks,
        outcome: Outcome,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        if self.settings.enabled {
            let ns = ended.nanos_since(started);
            self.record_keyed_ns(key, op, name, ns, Some(ended), outcome, detail);
        }
    }

    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn record_keyed_ns<F>(
        &self,
        key: &OperationKey,
        op: OpType,
        name: impl FnOnce() -> Name,
        ns: u64,
        ended: Option<Ticks>,
        outcome: Outcome,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        match self.keyed_slot(key) {
            Some(operation) => self.record_ended(operation, ns, ended, outcome, 0, detail),
            None => {
                let operation = self.resolve_key(key, op, name());
                self.record_ended(&operation, ns, ended, outcome, 0, detail);
            }
        }
    }

    /// The handle of `key` in this recorder, once resolved.
    #[inline]
    fn keyed_slot(&self, key: &OperationKey) -> Option<&Operation> {
        self.keyed.get(*key.index.get()?)?.get()
    }

    /// First sight of `key` in this recorder: fills its slot (or, past the slot table,
    /// looks the name up each time).
    #[cold]
    fn resolve_key(&self, key: &OperationKey, op: OpType, name: Name) -> Operation {
        match self.keyed.get(key.index()) {
            Some(slot) => slot.get_or_init(|| self.operation_named(op, name)).clone(),
            None => self.operation_named(op, name),
        }
    }

    /// Records one finished operation: the hot path. Aggregates are updated with
    /// uncontended atomics; `detail` is called only when the event is admitted to the
    /// buffer, and admitting it allocates nothing (names are shared, slots reused).
    /// `bytes` is the body an HTTP response sent, added to its `bytes` total.
    #[inline]
    pub fn record_operation<F>(
        &self,
        operation: &Operation,
        duration: Duration,
        outcome: Outcome,
        bytes: u64,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        self.record_ended(
            operation,
            duration_ns(duration),
            None,
            outcome,
            bytes,
            detail,
        );
    }

    /// [`Self::record_operation`] for an operation that started at `started` and ends
    /// now: one clock read gives both its duration and its event's timestamp.
    #[inline]
    pub(crate) fn record_operation_since<F>(
        &self,
        operation: &Operation,
        started: Ticks,
        outcome: Outcome,
        bytes: u64,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        let (ended, ns) = Ticks::since(started);
        self.record_ended(operation, ns, Some(ended), outcome, bytes, detail);
    }

    /// `ended` is when the operation ended; `None` reads the clock if its event is
    /// admitted.
    #[inline]
    fn record_ended<F>(
        &self,
        operation: &Operation,
        ns: u64,
        ended: Option<Ticks>,
        outcome: Outcome,
        bytes: u64,
        detail: F,
    ) where
        F: FnOnce() -> EventDetail,
    {
        if !self.settings.enabled {
            return;
        }
        let entry = &*operation.0;
        debug_assert_eq!(entry.owner, self.id, "an operation of another recorder");
        let reason = if self.settings.legacy_sampling {
            // The historical bug: sample first, and only sampled operations count.
            let Some(reason) = self.admission.decide(entry.op, ns) else {
                return;
            };
            entry.aggregate.record(ns, outcome, bytes);
            reason
        } else {
            entry.aggregate.record(ns, outcome, bytes);
            match self.admission.decide(entry.op, ns) {
                Some(reason) => reason,
                None => return,
            }
        };
        let event = Event {
            op_type: entry.op,
            operation: entry.name.clone(),
            duration_ns: ns,
            outcome,
            timestamp_ms: 0,
            reason,
            detail: detail(),
        };
        match ended {
            Some(at) => self.ring.push_at(event, at),
            None => self.ring.push(event),
        }
    }

    /// At most `max_events` of the newest events in the buffer, newest first.
    pub(super) fn recent_events(&self, max_events: usize) -> Vec<Event> {
        let (wall, monotonic) = self.epoch;
        let epoch_ms = unix_ms(wall);
        self.ring.recent(max_events, |at| {
            let since = at.duration_since(monotonic).as_millis();
            epoch_ms.saturating_add(u64::try_from(since).unwrap_or(u64::MAX))
        })
    }

    /// Every operation of `op` recorded at least once, with a copy of its aggregate,
    /// sorted by name.
    pub(crate) fn operation_views(&self, op: OpType) -> Vec<(String, AggregateView)> {
        let entries: Vec<Operation> = self.operations[op.index()]
            .iter()
            .map(|entry| entry.value().clone())
            .collect();
        // An operation interned but never counted (the `legacy-sampling` regression
        // counts sampled ones only) is not shown: a series appears once it counts.
        let mut views: Vec<(String, AggregateView)> = entries
            .into_iter()
            .map(|operation| (operation.0.name.to_string(), operation.0.aggregate.view()))
            .filter(|(_, view)| view.count > 0)
            .collect();
        views.sort_by(|a, b| a.0.cmp(&b.0));
        views
    }

    /// Events of `op` admitted to the buffer so far (including evicted ones).
    pub(crate) fn sampled(&self, op: OpType) -> u64 {
        self.admission.sampled(op)
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}
