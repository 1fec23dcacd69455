//! Sampling is binomial: beyond the minimum guarantee, each of `n` operations enters
//! the buffer with the configured probability. Checked with fixed seeds against a bound
//! whose false-alarm probability is below 1e-6, and shown able to fail by holding the
//! same counts against a deliberately wrong rate.

use std::time::Duration;

use reference_server::monitoring::{EventDetail, Metrics, MonitorSettings, OpType, Outcome};

/// Operations recorded per type.
const N: u64 = 20_000;
/// The minimum-sample guarantee in force.
const MIN_SAMPLES: u64 = 25;
/// Standard deviations allowed. Two-sided normal tail at 5.3 sigma: about 1.2e-7 per
/// check, so even the 24 checks of a run together stay under 3e-6, and each alone
/// under 1e-6 (the +1 absorbs the continuity correction).
const Z: f64 = 5.3;
/// Fixed seeds: the outcome is reproducible, and a new seed is as likely to pass.
const SEEDS: [u64; 2] = [0x5eed_0001, 0xdead_beef_cafe_f00d];

/// Each configured rate, and a wrong one the counts must refute (off by 0.05, or the
/// historical silent 10% for the lowest rate).
const RATES: [(f64, f64); 4] = [(0.05, 0.1), (0.1, 0.15), (0.5, 0.55), (0.9, 0.85)];

/// Whether `sampled` of `trials` Bernoulli(`rate`) draws lies within the bound.
fn within_bound(sampled: u64, trials: u64, rate: f64) -> bool {
    let trials = trials as f64;
    let mean = trials * rate;
    let sd = (trials * rate * (1.0 - rate)).sqrt();
    (sampled as f64 - mean).abs() <= Z * sd + 1.0
}

fn settings(rates: [f64; 3]) -> MonitorSettings {
    MonitorSettings {
        enabled: true,
        rates,
        // Nothing recorded here is slow, so only the rate decides past the minimum.
        slow_threshold: Duration::from_secs(3600),
        buffer_size: 64,
        min_samples: MIN_SAMPLES,
        legacy_sampling: false,
    }
}

/// Records `N` operations of every type, interleaved, and returns (count, sampled) per
/// type.
fn run(rates: [f64; 3], seed: u64) -> [(u64, u64); 3] {
    let metrics = Metrics::with_rng_seed(settings(rates), seed);
    for _ in 0..N {
        for op in OpType::ALL {
            metrics.record(
                op,
                "op",
                Duration::from_micros(50),
                Outcome::Ok,
                || match op {
                    OpType::Http => EventDetail::Http {
                        method: "GET".into(),
                        route: "/".into(),
                        status: 200,
                        bytes: 0,
                    },
                    OpType::Database => EventDetail::Database {
                        kind: "SELECT".into(),
                        table: "notes".into(),
                        rows: 1,
                        slow: false,
                    },
                    OpType::Render => EventDetail::Render {
                        template: "note.html".into(),
                    },
                },
            );
        }
    }
    let snapshot = metrics.snapshot();
    OpType::ALL.map(|op| {
        let figures = snapshot.get(op);
        (figures.count, figures.sampled)
    })
}

#[test]
fn sampled_counts_beyond_the_minimum_are_binomial_with_the_configured_rate() {
    let started = std::time::Instant::now();
    for (i, _) in RATES.iter().enumerate() {
        // Every type gets a different rate in each run, every rate each type once.
        let pairs = [RATES[i], RATES[(i + 1) % 4], RATES[(i + 2) % 4]];
        let rates = pairs.map(|(rate, _)| rate);
        for seed in SEEDS {
            let figures = run(rates, seed);
            for ((op, (count, sampled)), (rate, wrong)) in
                OpType::ALL.into_iter().zip(figures).zip(pairs)
            {
                assert_eq!(count, N, "{op:?}: aggregates are exact");
                assert!(
                    sampled >= MIN_SAMPLES,
                    "{op:?}: the first {MIN_SAMPLES} always enter, got {sampled}"
                );
                let beyond = sampled - MIN_SAMPLES;
                let trials = N - MIN_SAMPLES;
                assert!(
                    within_bound(beyond, trials, rate),
                    "{op:?} at rate {rate}, seed {seed:#x}: {beyond} of {trials} sampled, \
                     expected {:.0} +- {:.0}",
                    trials as f64 * rate,
                    Z * (trials as f64 * rate * (1.0 - rate)).sqrt() + 1.0
                );
                assert!(
                    !within_bound(beyond, trials, wrong),
                    "{op:?}: the bound cannot tell rate {rate} from {wrong} ({beyond} sampled)"
                );
            }
        }
    }
    eprintln!("sampling statistics: {:?}", started.elapsed());
}

#[test]
fn rates_zero_and_one_sample_exactly_the_minimum_and_everything() {
    let figures = run([0.0, 1.0, 0.0], SEEDS[0]);
    assert_eq!(figures[0], (N, MIN_SAMPLES), "http at rate 0");
    assert_eq!(figures[1], (N, N), "database at rate 1");
    assert_eq!(figures[2], (N, MIN_SAMPLES), "render at rate 0");
}

#[test]
fn the_bound_rejects_what_it_should() {
    // Sanity of the check itself: the mean passes, 6 sigma away fails.
    let trials = 10_000;
    let sd = (trials as f64 * 0.25).sqrt();
    assert!(within_bound(5_000, trials, 0.5));
    assert!(!within_bound(5_000 + (6.0 * sd) as u64 + 2, trials, 0.5));
    assert!(!within_bound(1_000, trials, 0.5));
}
