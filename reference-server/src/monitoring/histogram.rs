//! Lock-free latency histogram with fixed exponential buckets, and the percentile
//! estimates read from it.
//!
//! Buckets are log-linear over nanoseconds: everything up to 1024 ns (~1 µs) shares
//! the first bucket; above it each power of two is split into 4 equal sub-buckets
//! (bounds grow by at most 25%), up to 2^37 ns (~137 s); longer ones fall into an
//! overflow bucket. The index is computed with a few bit operations, no search.

use std::sync::atomic::{AtomicU64, Ordering};

/// log2 of the first bucket's upper bound in ns (1024 ns ~ 1 µs).
const MIN_EXP: u32 = 10;
/// log2 of the number of sub-buckets per doubling.
const SUB_BITS: u32 = 2;
/// Sub-buckets per doubling.
const SUB: usize = 1 << SUB_BITS;
/// The last power of two that is split into sub-buckets; its top bound is 2^(MAX_EXP+1) ns.
const MAX_EXP: u32 = 36;
/// Finite buckets: the first one plus `SUB` per doubling.
const FINITE: usize = 1 + (MAX_EXP - MIN_EXP + 1) as usize * SUB;
/// All buckets, the last one unbounded.
pub(crate) const BUCKETS: usize = FINITE + 1;
/// Prometheus exposes every `PROMETHEUS_STRIDE`-th bound (the powers of two): the
/// cumulative counts at those bounds are exact, and a series has 29 buckets, not 110.
pub(crate) const PROMETHEUS_STRIDE: usize = SUB;

/// Index of the bucket holding a duration of `ns` nanoseconds (bounds are inclusive).
#[inline]
pub(crate) fn bucket_index(ns: u64) -> usize {
    if ns <= 1 << MIN_EXP {
        return 0;
    }
    let x = ns - 1;
    let exp = x.ilog2();
    if exp > MAX_EXP {
        return FINITE;
    }
    let sub = ((x >> (exp - SUB_BITS)) as usize) & (SUB - 1);
    1 + (exp - MIN_EXP) as usize * SUB + sub
}

/// Inclusive upper bound in ns of bucket `index`; `None` for the overflow bucket.
pub(crate) fn upper_bound_ns(index: usize) -> Option<u64> {
    if index == 0 {
        return Some(1 << MIN_EXP);
    }
    if index >= FINITE {
        return None;
    }
    let j = index - 1;
    let exp = MIN_EXP + (j / SUB) as u32;
    let sub = (j % SUB) as u64;
    Some((SUB as u64 + sub + 1) << (exp - SUB_BITS))
}

/// The live histogram: one relaxed atomic counter per bucket.
#[derive(Debug)]
pub(crate) struct LatencyHistogram {
    counts: [AtomicU64; BUCKETS],
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl LatencyHistogram {
    /// Counts one observation of `ns` nanoseconds.
    #[inline]
    pub(crate) fn record(&self, ns: u64) {
        self.counts[bucket_index(ns)].fetch_add(1, Ordering::Relaxed);
    }

    /// A plain copy of the bucket counts, for snapshots and exposition.
    pub(crate) fn load(&self) -> HistogramCounts {
        HistogramCounts {
            counts: std::array::from_fn(|i| self.counts[i].load(Ordering::Relaxed)),
        }
    }
}

/// Bucket counts copied out of a [`LatencyHistogram`]; mergeable so per-type figures
/// are the exact sum of their operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HistogramCounts {
    counts: [u64; BUCKETS],
}

impl Default for HistogramCounts {
    fn default() -> Self {
        Self {
            counts: [0; BUCKETS],
        }
    }
}

impl HistogramCounts {
    /// Adds `other`'s counts to these.
    pub(crate) fn merge(&mut self, other: &HistogramCounts) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
    }

    /// Observations in all buckets.
    pub(crate) fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Estimate of quantile `q` (0..=1) in ns: the upper bound of the bucket holding the
    /// rank-th observation, clamped to `max_ns` (the observed maximum). 0 when empty.
    pub(crate) fn quantile_ns(&self, q: f64, max_ns: u64) -> u64 {
        let total = self.total();
        if total == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return upper_bound_ns(index).map_or(max_ns, |bound| bound.min(max_ns));
            }
        }
        max_ns
    }

    /// Non-cumulative `(upper bound in seconds, count)` pairs at the Prometheus bounds,
    /// the last one with bound `f64::MAX` (which prometheus-client writes as `+Inf`).
    pub(crate) fn prometheus_buckets(&self) -> Vec<(f64, u64)> {
        let mut out = Vec::with_capacity(FINITE / PROMETHEUS_STRIDE + 2);
        let mut pending = 0;
        for (index, count) in self.counts.iter().enumerate() {
            pending += count;
            match upper_bound_ns(index) {
                Some(bound) if index % PROMETHEUS_STRIDE == 0 => {
                    out.push((bound as f64 / 1e9, pending));
                    pending = 0;
                }
                Some(_) => {}
                None => out.push((f64::MAX, pending)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_within_its_bucket_bounds() {
        let mut samples = vec![0, 1, 1023, 1024, 1025, 1280, 1281, 2048, 2049, 999_999];
        samples.extend((0..64).map(|shift| 1u64 << shift));
        samples.extend((1..64).map(|shift| (1u64 << shift) + 1));
        samples.extend((1..64).map(|shift| (1u64 << shift) - 1));
        samples.push(u64::MAX);
        for ns in samples {
            let index = bucket_index(ns);
            assert!(index < BUCKETS, "{ns} -> {index}");
            match upper_bound_ns(index) {
                Some(upper) => assert!(ns <= upper, "{ns} above bucket {index} bound {upper}"),
                None => assert!(ns > upper_bound_ns(FINITE - 1).unwrap_or(0)),
            }
            if index > 0 {
                let lower = upper_bound_ns(index - 1).unwrap_or(0);
                assert!(ns > lower, "{ns} not above previous bound {lower}");
            }
        }
    }

    #[test]
    fn bounds_are_increasing_and_cover_one_microsecond_to_a_hundred_seconds() {
        let bounds: Vec<u64> = (0..FINITE).filter_map(upper_bound_ns).collect();
        assert_eq!(bounds.len(), FINITE);
        assert!(bounds.windows(2).all(|w| w[0] < w[1]));
        assert!(
            bounds
                .windows(2)
                .all(|w| w[1] as f64 / w[0] as f64 <= 1.25 + 1e-9)
        );
        assert_eq!(bounds[0], 1024);
        assert!(bounds[FINITE - 1] >= 100_000_000_000);
        for (index, bound) in bounds.iter().enumerate() {
            assert_eq!(bucket_index(*bound), index);
            assert_eq!(bucket_index(bound + 1), index + 1);
        }
    }

    #[test]
    fn quantiles_of_an_empty_histogram_are_zero() {
        assert_eq!(HistogramCounts::default().quantile_ns(0.99, 0), 0);
    }

    #[test]
    fn quantile_is_clamped_to_the_observed_max() {
        let histogram = LatencyHistogram::default();
        histogram.record(1_100_000);
        let counts = histogram.load();
        assert_eq!(counts.quantile_ns(0.5, 1_100_000), 1_100_000);
    }

    #[test]
    fn prometheus_buckets_sum_to_the_total_and_end_unbounded() {
        let histogram = LatencyHistogram::default();
        for ns in [10, 5_000, 70_000, 3_000_000_000, u64::MAX] {
            histogram.record(ns);
        }
        let buckets = histogram.load().prometheus_buckets();
        assert_eq!(buckets.iter().map(|(_, c)| c).sum::<u64>(), 5);
        assert_eq!(buckets.last().map(|(b, c)| (*b, *c)), Some((f64::MAX, 1)));
        assert_eq!(buckets.len(), FINITE / PROMETHEUS_STRIDE + 2);
        assert!(buckets.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
