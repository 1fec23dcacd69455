//! Reading criterion's results: every `<bench dir>/<label>/benchmark.json` under the
//! criterion directory, with the `estimates.json` beside it.
//!
//! Criterion lays results out as `<group>/<function>/<value>/` with each segment made
//! filename-safe (`requests/note_page` becomes `requests_note_page`) and de-duplicated,
//! so directory names are not bench ids. The full id is read from `benchmark.json`
//! (`full_id`). `new/` holds the latest run; a baseline saved with
//! `--save-baseline NAME` sits beside it as `NAME/` (`base/` is criterion's default).
//! Estimates are in nanoseconds for criterion's wall-clock measurement.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::{BenchGateError, BenchGateErrorKind};

/// The label of the latest run's results.
pub const NEW_LABEL: &str = "new";

/// Where `cargo bench` leaves criterion's results, relative to the workspace root
/// (criterion writes elsewhere when `CARGO_TARGET_DIR` or `CRITERION_HOME` is set).
pub const DEFAULT_CRITERION_DIR: &str = "target/criterion";

/// Which of criterion's point estimates the gate compares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    /// `mean.point_estimate`: sensitive to outlier samples (a busy machine).
    Mean,
    /// `median.point_estimate`: the default, robust to the odd slow sample.
    #[default]
    Median,
}

impl Statistic {
    /// The name used in budgets files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Statistic::Mean => "mean",
            Statistic::Median => "median",
        }
    }
}

/// One of criterion's point estimates with its confidence interval (95% unless the
/// bench configured another level), in nanoseconds per iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// `point_estimate`.
    pub point_ns: f64,
    /// `confidence_interval.lower_bound`.
    pub lower_ns: f64,
    /// `confidence_interval.upper_bound`.
    pub upper_ns: f64,
}

impl Estimate {
    /// An estimate known exactly (no interval), for tests and other front ends.
    pub fn exact(ns: f64) -> Self {
        Self {
            point_ns: ns,
            lower_ns: ns,
            upper_ns: ns,
        }
    }
}

/// One bench's estimates from one labelled result set.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// Criterion's full bench id, e.g. `requests/note_page/rate_1.0`.
    pub id: String,
    /// The directory the estimates were read from (`.../new` or `.../<baseline>`).
    pub dir: PathBuf,
    /// `mean`: the mean time per iteration.
    pub mean: Estimate,
    /// `median`: the median time per iteration.
    pub median: Estimate,
    /// When `estimates.json` was written (its modification time), if known: tells
    /// whether two results come from the same `cargo bench` run.
    pub measured_at: Option<SystemTime>,
}

impl BenchResult {
    /// The estimate `statistic` names.
    pub fn estimate(&self, statistic: Statistic) -> Estimate {
        match statistic {
            Statistic::Mean => self.mean,
            Statistic::Median => self.median,
        }
    }

    /// The point estimate `statistic` names, in nanoseconds.
    pub fn ns(&self, statistic: Statistic) -> f64 {
        self.estimate(statistic).point_ns
    }
}

/// Every bench result of one label found under a criterion directory, by bench id.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    root: PathBuf,
    label: String,
    benches: BTreeMap<String, BenchResult>,
}

impl Results {
    /// Builds a result set from already-read results (tests, other front ends).
    /// A later result with the same id replaces an earlier one.
    pub fn from_results(
        root: impl Into<PathBuf>,
        label: impl Into<String>,
        results: impl IntoIterator<Item = BenchResult>,
    ) -> Self {
        Self {
            root: root.into(),
            label: label.into(),
            benches: results.into_iter().map(|r| (r.id.clone(), r)).collect(),
        }
    }

    /// The criterion directory these results were read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `new`, or the baseline name.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The result for bench `id`, if there is one.
    pub fn get(&self, id: &str) -> Option<&BenchResult> {
        self.benches.get(id)
    }

    /// Every result, sorted by bench id.
    pub fn iter(&self) -> impl Iterator<Item = &BenchResult> {
        self.benches.values()
    }

    /// How many benches have results.
    pub fn len(&self) -> usize {
        self.benches.len()
    }

    /// Whether no bench has a result.
    pub fn is_empty(&self) -> bool {
        self.benches.is_empty()
    }
}

/// Reads the latest run (`new/`) of every bench under `criterion_dir` (usually
/// [`DEFAULT_CRITERION_DIR`]). Fails when the directory is unreadable, holds no
/// results, or any result file is malformed (the error names the file).
pub fn load_results(criterion_dir: impl AsRef<Path>) -> Result<Results, BenchGateError> {
    load_labelled(criterion_dir, NEW_LABEL)
}

/// Reads the results labelled `label`: [`NEW_LABEL`] or a saved baseline's name.
pub fn load_labelled(
    criterion_dir: impl AsRef<Path>,
    label: &str,
) -> Result<Results, BenchGateError> {
    let root = criterion_dir.as_ref();
    let mut dirs = Vec::new();
    find_labelled(root, label, &mut dirs)?;
    if dirs.is_empty() {
        let hint = if label == NEW_LABEL {
            String::new()
        } else {
            format!(" with `-- --save-baseline {label}`")
        };
        return Err(BenchGateError::new(
            root,
            BenchGateErrorKind::NoResults {
                label: label.to_owned(),
                hint,
            },
        ));
    }
    let mut benches: BTreeMap<String, BenchResult> = BTreeMap::new();
    for dir in dirs {
        let result = read_result(&dir)?;
        match benches.entry(result.id.clone()) {
            Entry::Vacant(slot) => {
                slot.insert(result);
            }
            Entry::Occupied(existing) => {
                return Err(BenchGateError::new(
                    dir,
                    BenchGateErrorKind::DuplicateId {
                        id: result.id,
                        other: existing.get().dir.clone(),
                    },
                ));
            }
        }
    }
    Ok(Results {
        root: root.to_path_buf(),
        label: label.to_owned(),
        benches,
    })
}

/// Collects, depth first in name order, every directory called `label` that holds a
/// `benchmark.json` (criterion's own rule for finding results). Symlinks are not
/// followed.
fn find_labelled(dir: &Path, label: &str, out: &mut Vec<PathBuf>) -> Result<(), BenchGateError> {
    let io = |e| BenchGateError::new(dir, BenchGateErrorKind::Io(e));
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_dir() {
            entries.push(entry.path());
        }
    }
    entries.sort();
    for path in entries {
        if path.file_name().is_some_and(|name| name == label)
            && path.join("benchmark.json").is_file()
        {
            out.push(path.clone());
        }
        find_labelled(&path, label, out)?;
    }
    Ok(())
}

/// `benchmark.json`: only the id is needed.
#[derive(Deserialize)]
struct BenchmarkFile {
    full_id: String,
}

/// `estimates.json`: the two point estimates the gate can use.
#[derive(Deserialize)]
struct EstimatesFile {
    mean: PointEstimate,
    median: PointEstimate,
}

#[derive(Deserialize)]
struct PointEstimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

fn read_result(dir: &Path) -> Result<BenchResult, BenchGateError> {
    let benchmark: BenchmarkFile = read_json(&dir.join("benchmark.json"), "benchmark.json")?;
    let estimates_path = dir.join("estimates.json");
    let estimates: EstimatesFile = read_json(&estimates_path, "estimates.json")?;
    let check = |value: f64, field| {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(BenchGateError::new(
                &estimates_path,
                BenchGateErrorKind::BadEstimate { field },
            ))
        }
    };
    // `fields`: the JSON paths of the point estimate and its interval's bounds.
    let estimate = |stat: &PointEstimate, fields: [&'static str; 3]| {
        Ok::<_, BenchGateError>(Estimate {
            point_ns: check(stat.point_estimate, fields[0])?,
            lower_ns: check(stat.confidence_interval.lower_bound, fields[1])?,
            upper_ns: check(stat.confidence_interval.upper_bound, fields[2])?,
        })
    };
    let mean = estimate(
        &estimates.mean,
        [
            "mean.point_estimate",
            "mean.confidence_interval.lower_bound",
            "mean.confidence_interval.upper_bound",
        ],
    )?;
    let median = estimate(
        &estimates.median,
        [
            "median.point_estimate",
            "median.confidence_interval.lower_bound",
            "median.confidence_interval.upper_bound",
        ],
    )?;
    let measured_at = std::fs::metadata(&estimates_path)
        .and_then(|m| m.modified())
        .ok();
    Ok(BenchResult {
        id: benchmark.full_id,
        dir: dir.to_path_buf(),
        mean,
        median,
        measured_at,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    expected: &'static str,
) -> Result<T, BenchGateError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BenchGateError::new(path, BenchGateErrorKind::Io(e)))?;
    serde_json::from_str(&text)
        .map_err(|error| BenchGateError::new(path, BenchGateErrorKind::Json { expected, error }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fixture_run, write_bench};

    #[test]
    fn malformed_estimates_error_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture_run(dir.path(), 1.0);
        let bad = dir
            .path()
            .join("queries_point_query/raw/new/estimates.json");
        std::fs::write(&bad, "{\"mean\": {\"point_estimate\": 1.0}").expect("write");
        let err = load_results(dir.path()).expect_err("malformed file");
        assert_eq!(err.path, bad);
        assert!(matches!(
            err.kind,
            BenchGateErrorKind::Json {
                expected: "estimates.json",
                ..
            }
        ));
        let message = err.to_string();
        assert!(message.contains(&bad.display().to_string()), "{message}");
        assert!(message.contains("estimates.json file"), "{message}");
    }

    #[test]
    fn missing_estimates_and_bad_values_name_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = write_bench(dir.path(), "g/f", NEW_LABEL, "g/f", 1.0, -1.0);
        let err = load_results(dir.path()).expect_err("negative median");
        assert_eq!(err.path, out.join("estimates.json"));
        assert!(matches!(
            err.kind,
            BenchGateErrorKind::BadEstimate {
                field: "median.point_estimate"
            }
        ));
        std::fs::remove_file(out.join("estimates.json")).expect("rm");
        let err = load_results(dir.path()).expect_err("no estimates");
        assert!(matches!(err.kind, BenchGateErrorKind::Io(_)));
        assert_eq!(err.path, out.join("estimates.json"));
    }

    #[test]
    fn ids_come_from_benchmark_json_not_directory_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Criterion de-duplicates colliding directory names with a suffix.
        write_bench(dir.path(), "a_b/c_2", NEW_LABEL, "a/b/c", 10.0, 10.0);
        // Other labels, criterion's report directories and stray files are ignored.
        write_bench(dir.path(), "a_b/c_2", "base", "a/b/c", 99.0, 99.0);
        std::fs::create_dir_all(dir.path().join("report")).expect("mkdir");
        std::fs::write(dir.path().join("report/index.html"), "<html>").expect("write");
        let results = load_results(dir.path()).expect("load");
        let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a/b/c"]);
        assert_eq!(results.get("a/b/c").map(|r| r.median.point_ns), Some(10.0));
    }

    #[test]
    fn duplicate_ids_are_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_bench(dir.path(), "x/one", NEW_LABEL, "x/y", 1.0, 1.0);
        write_bench(dir.path(), "x/two", NEW_LABEL, "x/y", 1.0, 1.0);
        let err = load_results(dir.path()).expect_err("duplicate");
        assert!(matches!(err.kind, BenchGateErrorKind::DuplicateId { ref id, .. } if id == "x/y"));
    }

    #[test]
    fn empty_or_absent_directory_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = load_results(dir.path()).expect_err("no results");
        assert!(matches!(err.kind, BenchGateErrorKind::NoResults { .. }));
        assert!(err.to_string().contains("cargo bench -p rc-benches"));
        let err = load_results(dir.path().join("nope")).expect_err("absent");
        assert!(matches!(err.kind, BenchGateErrorKind::Io(_)));
    }
}
