//! The recent-events buffer: which operations are admitted (minimum samples, slow,
//! sampled) and the bounded ring that keeps the newest of them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::clock::Ticks;

use serde::{Serialize, Serializer};

use super::name::Name;
use super::op::{OpType, Outcome};
use super::settings::MonitorSettings;

/// Type-specific facts about an admitted event; built lazily, only for events that
/// enter the buffer. Its texts are shared [`Name`]s, so building one allocates nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EventDetail {
    /// An HTTP request.
    Http {
        /// Request method, e.g. `GET`.
        method: Name,
        /// The matched route template (`unmatched` when nothing matched).
        route: Name,
        /// Response status code.
        status: u16,
        /// Body bytes sent (0 for HEAD).
        bytes: u64,
    },
    /// A SQL statement.
    Database {
        /// Statement kind, e.g. `SELECT`.
        kind: Name,
        /// Main table the statement touches.
        table: Name,
        /// Rows returned or changed.
        rows: u64,
        /// Whether it took at least the slow threshold.
        slow: bool,
    },
    /// A template rendering.
    Render {
        /// Template name.
        template: Name,
    },
}

/// Why an event entered the buffer, shown on the dashboard so a reader can tell
/// guaranteed events from sampled ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum AdmitReason {
    /// One of the first `min_samples` operations of its type.
    MinSamples,
    /// At least as long as the slow threshold.
    Slow,
    /// Chosen at random with the type's sampling rate.
    Sampled,
}

/// One recorded operation kept in the buffer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Event {
    /// Operation type.
    #[serde(rename = "type")]
    pub(crate) op_type: OpType,
    /// Operation name, e.g. `GET /notes/{slug}` or `SELECT notes`.
    pub(crate) operation: Name,
    /// How long it took, in nanoseconds (serialized as fractional milliseconds): kept
    /// as recorded, where a `Duration` cost a division by 10⁹ per admitted event.
    #[serde(rename = "duration_ms", serialize_with = "serialize_ms")]
    pub(crate) duration_ns: u64,
    /// How it ended.
    pub(crate) outcome: Outcome,
    /// When it was recorded, in milliseconds since the Unix epoch (set when the
    /// buffer is read: the ring keeps a monotonic reading, [`Ticks`]).
    pub(crate) timestamp_ms: u64,
    /// Why it was admitted.
    pub(crate) reason: AdmitReason,
    /// Type-specific details.
    pub(crate) detail: EventDetail,
}

#[cfg(test)]
impl Event {
    /// How long the operation took.
    pub(crate) fn duration(&self) -> Duration {
        Duration::from_nanos(self.duration_ns)
    }
}

fn serialize_ms<S: Serializer>(ns: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(Duration::from_nanos(*ns).as_secs_f64() * 1e3)
}

/// How the sampling rate of one type is applied, precomputed so the hot path does no
/// float work: never, always, or when a random `u64` falls below a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RateRule {
    Never,
    Always,
    Below(u64),
}

impl RateRule {
    fn new(rate: f64) -> Self {
        if rate.is_nan() || rate <= 0.0 {
            RateRule::Never
        } else if rate >= 1.0 {
            RateRule::Always
        } else {
            // rate in (0, 1): the product is below 2^64, and the cast saturates anyway.
            RateRule::Below((rate * 18_446_744_073_709_551_616.0) as u64)
        }
    }
}

/// Where random numbers come from: fastrand's per-thread generator, or a shared
/// seeded SplitMix64 stream (one atomic add per draw) for reproducible tests.
#[derive(Debug)]
enum RandomSource {
    ThreadLocal,
    Seeded(AtomicU64),
}

impl RandomSource {
    #[inline]
    fn next_u64(&self) -> u64 {
        match self {
            RandomSource::ThreadLocal => fastrand::u64(..),
            RandomSource::Seeded(state) => {
                const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
                let mut z = state
                    .fetch_add(GAMMA, Ordering::Relaxed)
                    .wrapping_add(GAMMA);
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^ (z >> 31)
            }
        }
    }
}

/// Per-type admission state.
#[derive(Debug)]
struct TypeAdmission {
    rule: RateRule,
    /// Operations of this type counted towards the minimum; stops growing once
    /// `min_done` is set, so busy types pay one relaxed load, not an atomic add.
    min_seen: AtomicU64,
    min_done: AtomicBool,
    /// Events admitted to the buffer, exact even after they are evicted.
    sampled: AtomicU64,
}

/// Decides which operations enter the buffer and counts them per type.
#[derive(Debug)]
pub(crate) struct Admission {
    types: [TypeAdmission; 3],
    random: RandomSource,
    slow_ns: u64,
    min_samples: u64,
}

impl Admission {
    /// Admission rules for `settings`; `seed` makes the random draws reproducible.
    pub(crate) fn new(settings: &MonitorSettings, seed: Option<u64>) -> Self {
        let min_samples = if settings.legacy_sampling {
            0
        } else {
            settings.min_samples
        };
        Self {
            types: std::array::from_fn(|i| TypeAdmission {
                rule: RateRule::new(settings.rates[i]),
                min_seen: AtomicU64::new(0),
                min_done: AtomicBool::new(min_samples == 0),
                sampled: AtomicU64::new(0),
            }),
            random: seed.map_or(RandomSource::ThreadLocal, |seed| {
                RandomSource::Seeded(AtomicU64::new(seed))
            }),
            slow_ns: duration_ns(settings.slow_threshold),
            min_samples,
        }
    }

    /// Whether an operation of `op` lasting `ns` enters the buffer, and why; counts it
    /// as sampled when it does. Call once per recorded operation: the minimum-sample
    /// rule counts calls.
    #[inline]
    pub(crate) fn decide(&self, op: OpType, ns: u64) -> Option<AdmitReason> {
        let state = &self.types[op.index()];
        let reason = self.reason(state, ns);
        if reason.is_some() {
            state.sampled.fetch_add(1, Ordering::Relaxed);
        }
        reason
    }

    #[inline]
    fn reason(&self, state: &TypeAdmission, ns: u64) -> Option<AdmitReason> {
        if !state.min_done.load(Ordering::Relaxed) {
            let position = state.min_seen.fetch_add(1, Ordering::Relaxed) + 1;
            if position <= self.min_samples {
                return Some(AdmitReason::MinSamples);
            }
            state.min_done.store(true, Ordering::Relaxed);
        }
        if ns >= self.slow_ns {
            return Some(AdmitReason::Slow);
        }
        let sampled = match state.rule {
            RateRule::Never => false,
            RateRule::Always => true,
            RateRule::Below(threshold) => self.random.next_u64() < threshold,
        };
        sampled.then_some(AdmitReason::Sampled)
    }

    /// Events of `op` admitted so far.
    pub(crate) fn sampled(&self, op: OpType) -> u64 {
        self.types[op.index()].sampled.load(Ordering::Relaxed)
    }
}

/// A duration in whole nanoseconds, saturating (584 years) instead of wrapping.
#[inline]
pub(crate) fn duration_ns(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// An event stamped with its position in the stream, so readers can order slots and
/// skip ones overwritten meanwhile, and with when it was pushed.
#[derive(Debug)]
struct Stamped {
    seq: u64,
    at: Ticks,
    event: Event,
}

/// Bounded ring of the newest events. A writer claims a sequence number with one
/// atomic add and locks only its own slot, so writers rarely contend and readers can
/// list the events newest first without draining anything. Events live in the slots
/// themselves: pushing one allocates nothing.
#[derive(Debug)]
pub(crate) struct EventRing {
    slots: Box<[Mutex<Option<Stamped>>]>,
    head: AtomicU64,
}

impl EventRing {
    /// A ring that keeps the newest `capacity` events (0 keeps none).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            slots: (0..capacity).map(|_| Mutex::new(None)).collect(),
            head: AtomicU64::new(0),
        }
    }

    /// Adds `event`, evicting the oldest one when full.
    pub(crate) fn push(&self, event: Event) {
        self.push_with(event, Ticks::now);
    }

    /// Adds `event`, which happened `at`, evicting the oldest one when full.
    pub(crate) fn push_at(&self, event: Event, at: Ticks) {
        self.push_with(event, || at);
    }

    #[inline(always)]
    fn push_with(&self, event: Event, at: impl FnOnce() -> Ticks) {
        let len = self.slots.len() as u64;
        if len == 0 {
            return;
        }
        let seq = self.head.fetch_add(1, Ordering::AcqRel);
        let slot = &self.slots[(seq % len) as usize];
        let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *guard {
            // A writer a whole lap ahead already filled this slot: ours is older.
            Some(current) if current.seq > seq => {}
            // The evicted event is dropped where it lies, under the lock: that releases
            // a few shared names and frees nothing. Moving it out to drop it after
            // the lock copied the whole slot twice, about 35 instructions per event.
            stamped => {
                *stamped = Some(Stamped {
                    seq,
                    at: at(),
                    event,
                })
            }
        }
    }

    /// Up to `limit` of the newest events, newest first, each with its
    /// `timestamp_ms` from `unix_ms(pushed at)`.
    pub(crate) fn recent(&self, limit: usize, unix_ms: impl Fn(Ticks) -> u64) -> Vec<Event> {
        let head = self.head.load(Ordering::Acquire);
        let take = (self.slots.len() as u64).min(head).min(limit as u64);
        let len = self.slots.len() as u64;
        let mut out = Vec::with_capacity(take as usize);
        for seq in (head - take..head).rev() {
            let guard = self.slots[(seq % len) as usize]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(stamped) = guard.as_ref().filter(|s| s.seq == seq) {
                let mut event = stamped.event.clone();
                event.timestamp_ms = unix_ms(stamped.at);
                out.push(event);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> Event {
        Event {
            op_type: OpType::Render,
            operation: Name::from(format!("op{n}")),
            duration_ns: n,
            outcome: Outcome::Ok,
            timestamp_ms: n,
            reason: AdmitReason::Sampled,
            detail: EventDetail::Render {
                template: "t".into(),
            },
        }
    }

    #[test]
    fn ring_keeps_the_newest_newest_first() {
        let ring = EventRing::new(3);
        assert!(ring.recent(10, |_| 0).is_empty());
        for n in 0..5 {
            ring.push(event(n));
        }
        let events = ring.recent(10, |_| 7);
        let names: Vec<_> = events.iter().map(|e| e.operation.as_str()).collect();
        assert_eq!(names, ["op4", "op3", "op2"]);
        assert!(events.iter().all(|e| e.timestamp_ms == 7));
        assert_eq!(ring.recent(1, |_| 0).len(), 1);
    }

    #[test]
    fn zero_capacity_ring_keeps_nothing() {
        let ring = EventRing::new(0);
        ring.push(event(1));
        assert!(ring.recent(10, |_| 0).is_empty());
    }

    #[test]
    fn rate_rules_cover_the_edges() {
        assert_eq!(RateRule::new(0.0), RateRule::Never);
        assert_eq!(RateRule::new(-1.0), RateRule::Never);
        assert_eq!(RateRule::new(f64::NAN), RateRule::Never);
        assert_eq!(RateRule::new(1.0), RateRule::Always);
        assert_eq!(RateRule::new(2.0), RateRule::Always);
        assert_eq!(RateRule::new(0.5), RateRule::Below(1 << 63));
    }

    #[test]
    fn event_serializes_with_flat_detail() {
        let json = serde_json::to_value(event(1_500_000)).expect("serializes");
        assert_eq!(json["type"], "render");
        assert_eq!(json["reason"], "sampled");
        assert_eq!(json["outcome"], "ok");
        assert_eq!(json["duration_ms"], 1.5);
        assert_eq!(json["detail"]["template"], "t");
        let reason = serde_json::to_value(AdmitReason::MinSamples).expect("serializes");
        assert_eq!(reason, "min-samples");
    }
}
