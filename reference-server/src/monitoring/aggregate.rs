//! Exact per-operation aggregates in atomics, and the plain `AggregateView` copied out
//! of them (mergeable, so per-type figures are the sum of their operations).

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use super::histogram::{HistogramCounts, LatencyHistogram};
use super::op::Outcome;

/// Counters for one operation name. Every field is a relaxed atomic: recording never
/// takes a lock, readers get a consistent-enough copy. There is no separate count: it
/// is the histogram's total, which saves an atomic add per operation and keeps the
/// Prometheus `+Inf` bucket equal to `_count` by construction.
#[derive(Debug)]
pub(crate) struct Aggregate {
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
    /// change, so the common case costs two uncontended atomic adds.
    #[inline]
    pub(crate) fn record(&self, ns: u64, outcome: Outcome, bytes: u64) {
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
        let histogram = self.histogram.load();
        AggregateView {
            count: histogram.total(),
            errors: self.errors.load(Ordering::Relaxed),
            aborted: self.aborted.load(Ordering::Relaxed),
            sum_ns: self.sum_ns.load(Ordering::Relaxed),
            min_ns: self.min_ns.load(Ordering::Relaxed),
            max_ns: self.max_ns.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            histogram,
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

/// Hasher for the operation maps. Operation names are short, come from route templates
/// and query labels (not from clients), and the maps are capped, so a fast unkeyed hash
/// is the right trade for the hot-path lookup: strings up to 16 bytes cost one 128-bit
/// multiply (the "folded multiply" of foldhash/wyhash).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastBuildHasher;

impl BuildHasher for FastBuildHasher {
    type Hasher = FastHasher;

    fn build_hasher(&self) -> FastHasher {
        FastHasher { hash: SEED_A }
    }
}

/// The hasher built by [`FastBuildHasher`].
#[derive(Debug)]
pub(crate) struct FastHasher {
    hash: u64,
}

const SEED_A: u64 = 0x243f_6a88_85a3_08d3;
const SEED_B: u64 = 0x1319_8a2e_0370_7344;
const SEED_C: u64 = 0xa409_3822_299f_31d0;

/// Multiplies as 128 bits and folds the halves together: every output bit depends on
/// every input bit.
#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

#[inline]
fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

#[inline]
fn read_u32(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u64::from(u32::from_le_bytes(word))
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let len = bytes.len();
        let mut acc = self.hash ^ (len as u64).wrapping_mul(SEED_C);
        let (a, b) = if len > 16 {
            let mut at = 0;
            while len - at > 16 {
                acc = folded_multiply(read_u64(bytes, at) ^ acc, read_u64(bytes, at + 8) ^ SEED_B);
                at += 16;
            }
            (read_u64(bytes, len - 16), read_u64(bytes, len - 8))
        } else if len >= 8 {
            (read_u64(bytes, 0), read_u64(bytes, len - 8))
        } else if len >= 4 {
            (read_u32(bytes, 0), read_u32(bytes, len - 4))
        } else if len > 0 {
            let mixed = u64::from(bytes[0])
                | (u64::from(bytes[len / 2]) << 8)
                | (u64::from(bytes[len - 1]) << 16);
            (mixed, 0)
        } else {
            (0, 0)
        };
        self.hash = folded_multiply(a ^ acc, b ^ SEED_B);
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        // `str` hashing appends 0xff after the bytes: cheap, no extra multiply.
        self.hash = self.hash.rotate_left(8) ^ u64::from(byte);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.hash = folded_multiply(self.hash ^ value as u64, SEED_B);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
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
    fn fast_hash_tells_names_apart() {
        let hash = |s: &str| FastBuildHasher.hash_one(s);
        let names = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "a\0",
            "abc",
            "abcd",
            "abcde",
            "SELECT note",
            "SELECT notes",
            "SELECT notes by slug",
            "SELECT notes by tags",
            "GET /notes/{slug}",
            "GET /notes/{slug}/",
            "GET /static/{*path}",
            "0123456789abcdef",
            "0123456789abcdeg",
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdeX0123456789abcdef",
        ];
        let hashes: std::collections::HashSet<u64> = names.iter().map(|n| hash(n)).collect();
        assert_eq!(hashes.len(), names.len());
        assert_eq!(hash("GET /"), hash("GET /"));
    }
}
