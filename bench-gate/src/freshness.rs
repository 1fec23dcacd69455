//! Refusing stale results. Criterion leaves its latest results in `target/criterion`
//! until the next run overwrites them, however old they are; a gate that read a result
//! from before the run it gates would pass or fail code that was never measured.
//!
//! Given the time the run started, every result must have been written (its
//! `estimates.json` modified) at or after it. Without that time nothing can be
//! refused, so the caller gets the oldest result and its age to show instead.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{BenchGateError, BenchGateErrorKind};
use crate::results::{BenchResult, Results};

/// Fails unless every result was written at or after `since`, the time the run being
/// gated started. The error names the oldest result written before it (bench id,
/// file, age at `now`) and how many others are stale too; a result whose write time
/// is unknown is refused as well, since it cannot be shown to be recent.
pub fn check_since(
    results: &Results,
    since: SystemTime,
    now: SystemTime,
) -> Result<(), BenchGateError> {
    if let Some(undated) = results.iter().find(|r| r.measured_at.is_none()) {
        return Err(BenchGateError::new(
            estimates_file(undated),
            BenchGateErrorKind::Undated {
                id: undated.id.clone(),
            },
        ));
    }
    let mut stale: Vec<(&BenchResult, SystemTime)> = results
        .iter()
        .filter_map(|r| r.measured_at.map(|at| (r, at)))
        .filter(|(_, at)| *at < since)
        .collect();
    stale.sort_by_key(|(r, at)| (*at, r.id.clone()));
    let Some((oldest, written)) = stale.first() else {
        return Ok(());
    };
    Err(BenchGateError::new(
        estimates_file(oldest),
        BenchGateErrorKind::Stale {
            id: oldest.id.clone(),
            age: elapsed(*written, now),
            before_start: elapsed(*written, since),
            since_unix: since.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            others: stale.len() - 1,
        },
    ))
}

/// What the gate says when it was not told when the run started: the oldest result it
/// read, and how old it is, so a reader can tell whether the results can be this run's.
#[derive(Debug, Clone, PartialEq)]
pub struct StalenessWarning {
    /// The oldest result's bench id.
    pub id: String,
    /// Its `estimates.json`.
    pub file: PathBuf,
    /// How long before the gate ran it was written.
    pub age: Duration,
}

impl std::fmt::Display for StalenessWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "criterion results were not checked for staleness; the oldest, `{}` ({}), \
             was written {} ago",
            self.id,
            self.file.display(),
            format_age(self.age)
        )
    }
}

/// The oldest dated result and its age at `now`; `None` when no result has a date.
pub fn oldest_result(results: &Results, now: SystemTime) -> Option<StalenessWarning> {
    results
        .iter()
        .filter_map(|r| r.measured_at.map(|at| (at, r)))
        .min_by(|(a, ra), (b, rb)| a.cmp(b).then_with(|| ra.id.cmp(&rb.id)))
        .map(|(at, r)| StalenessWarning {
            id: r.id.clone(),
            file: estimates_file(r),
            age: elapsed(at, now),
        })
}

/// A span of time as a person reads it: `42 s`, `17 min`, `3 h 5 min`, `2 d 4 h`.
pub fn format_age(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        7200..172_800 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

fn estimates_file(result: &BenchResult) -> PathBuf {
    result.dir.join("estimates.json")
}

/// How long after `earlier` `later` is; zero when it is not later (clock skew).
fn elapsed(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tempfile::TempDir;

    use super::*;
    use crate::results::{Estimate, NEW_LABEL, load_results};
    use crate::test_support::{fixture_run, run_start, set_all_written, set_written};

    const MIN: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    /// The point query's raw result directory in the fixture run.
    const RAW: &str = "queries_point_query/raw/new";

    /// The fixture run in a new temporary directory, every result written a minute
    /// after `run_start()` except those of `written` (result directories below the
    /// root, and when they were written), loaded.
    fn run_written(written: &[(&str, SystemTime)]) -> (TempDir, Results) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fixture_run(root, 1.0);
        set_all_written(root, NEW_LABEL, run_start() + MIN);
        for (result_dir, at) in written {
            set_written(&root.join(result_dir), *at);
        }
        let results = load_results(root).expect("fixture results load");
        (dir, results)
    }

    #[test]
    fn results_written_at_or_after_the_start_pass() {
        // Exactly at the start counts as this run: `date +%s` rounds down.
        let (_dir, results) = run_written(&[(RAW, run_start())]);
        check_since(&results, run_start(), run_start() + HOUR).expect("all fresh");
    }

    #[test]
    fn a_result_from_before_the_run_is_refused_naming_bench_file_age_and_start() {
        let (dir, results) = run_written(&[
            (RAW, run_start() - 2 * HOUR),
            ("requests_note_page/off/new", run_start() - 30 * MIN),
        ]);
        let raw = dir.path().join(RAW);
        let now = run_start() + 10 * MIN;
        let err = check_since(&results, run_start(), now).expect_err("stale results");
        assert_eq!(err.path, raw.join("estimates.json"));
        match &err.kind {
            BenchGateErrorKind::Stale {
                id,
                age,
                before_start,
                since_unix,
                others,
            } => {
                assert_eq!(id, "queries/point_query/raw");
                assert_eq!(*age, 2 * HOUR + 10 * MIN);
                assert_eq!(*before_start, 2 * HOUR);
                assert_eq!(*since_unix, 1_700_000_000);
                assert_eq!(*others, 1);
            }
            other => panic!("expected Stale, got {other:?}"),
        }
        let message = err.to_string();
        for needed in [
            raw.join("estimates.json").display().to_string(),
            "bench `queries/point_query/raw` was measured before this run".to_owned(),
            "written 2 h 10 min ago, 2 h 0 min before the run started".to_owned(),
            "(unix time 1700000000), as is 1 other result".to_owned(),
        ] {
            assert!(message.contains(&needed), "{needed}\n=> {message}");
        }
    }

    #[test]
    fn a_result_of_unknown_age_is_refused() {
        let result = BenchResult {
            id: "g/undated".to_owned(),
            dir: "t/g_undated/new".into(),
            mean: Estimate::exact(1.0),
            median: Estimate::exact(1.0),
            measured_at: None,
        };
        let results = Results::from_results("t", NEW_LABEL, [result]);
        let err = check_since(&results, run_start(), run_start()).expect_err("undated");
        assert_eq!(err.path, Path::new("t/g_undated/new/estimates.json"));
        assert!(matches!(err.kind, BenchGateErrorKind::Undated { ref id } if id == "g/undated"));
    }

    #[test]
    fn the_oldest_result_is_named_with_its_age() {
        const OLD: &str = "recording_database/rate_0.0/new";
        let (dir, results) = run_written(&[(OLD, run_start() - 3 * 24 * HOUR)]);
        let old = dir.path().join(OLD);
        let warning = oldest_result(&results, run_start()).expect("dated results");
        assert_eq!(
            warning,
            StalenessWarning {
                id: "recording/database/rate_0.0".to_owned(),
                file: old.join("estimates.json"),
                age: 3 * 24 * HOUR,
            }
        );
        assert_eq!(
            warning.to_string(),
            format!(
                "criterion results were not checked for staleness; the oldest, \
                 `recording/database/rate_0.0` ({}), was written 3 d 0 h ago",
                old.join("estimates.json").display()
            )
        );
        let empty = Results::from_results("t", NEW_LABEL, []);
        assert_eq!(oldest_result(&empty, run_start()), None);
    }

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        let cases = [
            (0, "0 s"),
            (119, "119 s"),
            (120, "2 min"),
            (7199, "119 min"),
            (7200, "2 h 0 min"),
            (3 * 3600 + 5 * 60 + 59, "3 h 5 min"),
            (172_800, "2 d 0 h"),
            (4 * 86_400 + 7 * 3600, "4 d 7 h"),
        ];
        for (secs, expected) in cases {
            assert_eq!(format_age(Duration::from_secs(secs)), expected, "{secs} s");
        }
    }
}
