//! Fixtures shared by the unit tests: criterion result directories written the way
//! criterion 0.8 writes them, a budgets file over them, and the check of a report's
//! Markdown. Here, not in one module's
//! `tests`, because the results, evaluation and baseline tests all build on them.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::budgets::Budgets;
use crate::results::{NEW_LABEL, load_labelled};

/// Writes one bench's `new/` (or `label/`) files the way criterion 0.8 does: the
/// directory is the mangled id, the full id lives in `benchmark.json`.
pub(crate) fn write_bench(
    root: &Path,
    dir: &str,
    label: &str,
    id: &str,
    mean: f64,
    median: f64,
) -> PathBuf {
    let parts: Vec<&str> = id.split('/').collect();
    let out = root.join(dir).join(label);
    std::fs::create_dir_all(&out).expect("mkdir");
    let (group, function, value) = match parts.as_slice() {
        [g, f, v] => (g.to_string(), Some(f.to_string()), Some(v.to_string())),
        [g, f] => (g.to_string(), Some(f.to_string()), None),
        _ => (id.to_owned(), None, None),
    };
    let benchmark = serde_json::json!({
        "group_id": group, "function_id": function, "value_str": value,
        "throughput": null, "full_id": id, "directory_name": dir, "title": id,
    });
    std::fs::write(out.join("benchmark.json"), benchmark.to_string()).expect("write");
    let estimate = |point: f64| {
        serde_json::json!({
            "confidence_interval": {"confidence_level": 0.95,
                "lower_bound": point * 0.999, "upper_bound": point * 1.001},
            "point_estimate": point, "standard_error": point * 0.0005,
        })
    };
    let estimates = serde_json::json!({
        "mean": estimate(mean), "median": estimate(median),
        "median_abs_dev": estimate(1.0), "slope": estimate(mean), "std_dev": estimate(2.0),
    });
    std::fs::write(out.join("estimates.json"), estimates.to_string()).expect("write");
    out
}

/// A run of the monitoring benches; `on_factor` scales the monitored note page.
pub(crate) fn fixture_run(root: &Path, on_factor: f64) {
    let benches = [
        ("requests_note_page/off", "requests/note_page/off", 40_000.0),
        (
            "requests_note_page/rate_0.0",
            "requests/note_page/rate_0.0",
            40_100.0,
        ),
        (
            "requests_note_page/rate_1.0",
            "requests/note_page/rate_1.0",
            40_000.0 * on_factor,
        ),
        ("queries_point_query/raw", "queries/point_query/raw", 350.0),
        (
            "queries_point_query/monitored_rate_1.0",
            "queries/point_query/monitored_rate_1.0",
            410.0,
        ),
        (
            "recording_database/rate_0.0",
            "recording/database/rate_0.0",
            21.5,
        ),
    ];
    for (dir, id, ns) in benches {
        // Mean a little above the median, as with real (right-skewed) samples.
        write_bench(root, dir, NEW_LABEL, id, ns * 1.03, ns);
    }
}

pub(crate) const BUDGETS: &str = r#"
statistic = "median"

[[ratio]]
name = "note page, sampling 1.0 vs off"
numerator = "requests/note_page/rate_1.0"
denominator = "requests/note_page/off"
max = 1.02

[[ratio]]
numerator = "requests/note_page/rate_0.0"
denominator = "requests/note_page/off"
max = 1.01

[[added]]
numerator = "queries/point_query/monitored_rate_1.0"
denominator = "queries/point_query/raw"
max_ns = 100

[[absolute]]
bench = "recording/database/rate_0.0"
max_ns = 50
"#;

pub(crate) fn budgets() -> Budgets {
    Budgets::parse(BUDGETS, Path::new("budgets.toml")).expect("fixture budgets parse")
}

/// A fixed run start for staleness tests (unix time 1,700,000,000), so ages are exact.
pub(crate) fn run_start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// Sets when the result in `result_dir` was written (its `estimates.json` mtime), the
/// way a criterion run at `at` would have.
pub(crate) fn set_written(result_dir: &Path, at: SystemTime) {
    let path = result_dir.join("estimates.json");
    let file = std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.set_modified(at)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Sets the write time of every result labelled `label` under `root`.
pub(crate) fn set_all_written(root: &Path, label: &str, at: SystemTime) {
    for result in load_labelled(root, label)
        .expect("fixture results load")
        .iter()
    {
        set_written(&result.dir, at);
    }
}

/// The committed criterion tree (`tests/fixtures/criterion`, see its README).
pub(crate) fn criterion_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion")
}

/// Copies the directory tree `from` to `to` (files and directories only).
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
        }
    }
}

/// Asserts that a report's Markdown starts with `headline` and holds each of `parts`.
pub(crate) fn assert_markdown(md: &str, headline: &str, parts: &[&str]) {
    assert!(md.starts_with(headline), "{headline:?} not first in:\n{md}");
    assert_markdown_holds(md, parts);
}

/// Asserts that a report's Markdown holds each of `parts`, showing the whole report
/// when one is missing.
pub(crate) fn assert_markdown_holds(md: &str, parts: &[&str]) {
    for part in parts {
        assert!(md.contains(part), "{part:?} missing from:\n{md}");
    }
}
