//! Exact per-operation aggregates in atomics, and the plain `AggregateView` copied out
//! of them (mergeable, so per-type figures are the sum of their operations).

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use super::histogram::{HistogramCounts, LatencyHistogram};
use super::op::Outcome;

/// Counters for one operation name. Every field is a relaxed atomic: recording never
/// takes a lock, readers get a consistent-enough copy.
#[derive(Debug)]
pub(crate) struct Aggregate {
    count: AtomicU64,
    errors: AtomicU64,
    aborted: AtomicU64,
    sum_ns: AtomicU64,
    /// `u64::MAX` until the first observation.
    min_ns: AtomicU64,
    max_ns: AtomicU64,
    bytes: AtomicU64,
    histogram: LatencyHistogram,
}

impl Default for Aggregate {
    fn default() -> Self {
        Self {
            count: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            aborted: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            min_ns: AtomicU64::new(u64::MAX),
            max_ns: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            histogram: LatencyHistogram::default(),
        }
    }
}

impl Aggregate {
    /// Adds one operation. Min and max are read first and written only when they
    /// change, so the common case costs three uncontended atomic adds.
    #[inline]
    pub(crate) fn record(&self, ns: u64, outcome: Outcome, bytes: u64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
        if ns < self.min_ns.load(Ordering::Relaxed) {
            self.min_ns.fetch_min(ns, Ordering::Relaxed);
        }
        if ns > self.max_ns.load(Ordering::Relaxed) {
            self.max_ns.fetch_max(ns, Ordering::Relaxed);
        }
        if outcome.is_error() {
            self.errors.fetch_add(1, Ordering::Relaxed);
            if outcome == Outcome::Aborted {
                self.aborted.fetch_add(1, Ordering::Relaxed);
            }
        }
        if bytes > 0 {
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
        self.histogram.record(ns);
    }

    /// A plain copy of every counter.
    pub(crate) fn view(&self) -> AggregateView {
        AggregateView {
            count: self.count.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            aborted: self.aborted.load(Ordering::Relaxed),
            sum_ns: self.sum_ns.load(Ordering::Relaxed),
            min_ns: self.min_ns.load(Ordering::Relaxed),
            max_ns: self.max_ns.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            histogram: self.histogram.load(),
        }
    }
}

/// A point-in-time copy of an [`Aggregate`] (or the merge of several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AggregateView {
    pub(crate) count: u64,
    pub(crate) errors: u64,
    pub(crate) aborted: u64,
    pub(crate) sum_ns: u64,
    /// `u64::MAX` when nothing was observed; use [`AggregateView::min_ns`].
    min_ns: u64,
    pub(crate) max_ns: u64,
    pub(crate) bytes: u64,
    pub(crate) histogram: HistogramCounts,
}

impl Default for AggregateView {
    fn default() -> Self {
        Self {
            count: 0,
            errors: 0,
            aborted: 0,
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
            bytes: 0,
            histogram: HistogramCounts::default(),
        }
    }
}

impl AggregateView {
    /// Adds `other` to this view (counts and sums add, min/max combine).
    pub(crate) fn merge(&mut self, other: &AggregateView) {
        self.count += other.count;
        self.errors += other.errors;
        self.aborted += other.aborted;
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
        self.bytes += other.bytes;
        self.histogram.merge(&other.histogram);
    }

    /// The smallest observed duration, 0 when nothing was observed.
    pub(crate) fn min_ns(&self) -> u64 {
        if self.min_ns == u64::MAX {
            0
        } else {
            self.min_ns
        }
    }

    /// Mean duration in ns, 0 when nothing was observed.
    pub(crate) fn avg_ns(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64
        }
    }

    /// Quantile estimate in ns (see [`HistogramCounts::quantile_ns`]).
    pub(crate) fn quantile_ns(&self, q: f64) -> u64 {
        self.histogram.quantile_ns(q, self.max_ns)
    }
}

/// FxHash-style hasher for the operation maps: operation names are short, come from
/// route templates and query labels (not from clients), and the maps are capped, so
/// a fast non-keyed hash is the right trade for the hot-path lookup.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FxBuildHasher;

impl BuildHasher for FxBuildHasher {
    type Hasher = FxHasher;

    fn build_hasher(&self) -> FxHasher {
        FxHasher { hash: 0 }
    }
}

/// The hasher built by [`FxBuildHasher`].
#[derive(Debug)]
pub(crate) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // Fold the well-mixed high bits into the low ones the tables index with.
        let h = self.hash;
        (h ^ (h >> 32)).wrapping_mul(FX_SEED) ^ (h >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_sum_are_exact() {
        let aggregate = Aggregate::default();
        for ns in [5_000, 1_000, 9_000] {
            aggregate.record(ns, Outcome::Ok, 0);
        }
        let view = aggregate.view();
        assert_eq!(view.count, 3);
        assert_eq!(view.min_ns(), 1_000);
        assert_eq!(view.max_ns, 9_000);
        assert_eq!(view.sum_ns, 15_000);
        assert!((view.avg_ns() - 5_000.0).abs() < 1e-9);
    }

    #[test]
    fn empty_view_reports_zeros() {
        let view = Aggregate::default().view();
        assert_eq!(view.min_ns(), 0);
        assert_eq!(view.avg_ns(), 0.0);
        assert_eq!(view.quantile_ns(0.5), 0);
    }

    #[test]
    fn merge_combines_min_and_max() {
        let a = Aggregate::default();
        let b = Aggregate::default();
        a.record(10, Outcome::Error, 7);
        b.record(30, Outcome::Aborted, 5);
        let mut merged = AggregateView::default();
        merged.merge(&a.view());
        merged.merge(&b.view());
        merged.merge(&AggregateView::default());
        assert_eq!(merged.count, 2);
        assert_eq!(merged.errors, 2);
        assert_eq!(merged.aborted, 1);
        assert_eq!(merged.bytes, 12);
        assert_eq!(merged.min_ns(), 10);
        assert_eq!(merged.max_ns, 30);
        assert_eq!(merged.histogram.total(), 2);
    }

    #[test]
    fn fx_hash_tells_short_names_apart() {
        let hash = |s: &str| FxBuildHasher.hash_one(s);
        assert_ne!(hash("SELECT notes"), hash("SELECT note"));
        assert_ne!(hash("a"), hash("a\0"));
        assert_eq!(hash("GET /"), hash("GET /"));
    }
}
