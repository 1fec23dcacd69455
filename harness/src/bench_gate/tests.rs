//! Bench gate tests over fixture criterion directories written to a temp dir.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::*;

/// Writes one bench's `new/` (or `label/`) files the way criterion 0.8 does: the
/// directory is the mangled id, the full id lives in `benchmark.json`.
fn write_bench(root: &Path, dir: &str, label: &str, id: &str, mean: f64, median: f64) -> PathBuf {
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
fn fixture_run(root: &Path, on_factor: f64) {
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

const BUDGETS: &str = r#"
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

fn budgets() -> Budgets {
    Budgets::parse(BUDGETS, Path::new("budgets.toml")).expect("fixture budgets parse")
}

#[test]
fn passing_set_passes_and_renders_a_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture_run(dir.path(), 1.01);
    let results = load_results(dir.path()).expect("results load");
    assert_eq!(results.len(), 6);
    let report = evaluate(&budgets(), &results);
    assert!(report.passed(), "{}", report.to_markdown());
    assert_eq!(report.checks.len(), 4);
    // Median, not mean: the mean ratio is the same, but the added ns differ.
    let added = &report.checks[2];
    assert_eq!(added.measured(), Some(60.0));
    let md = report.to_markdown();
    assert!(
        md.starts_with("✅ Bench gate: 4 of 4 checks passed (median"),
        "{md}"
    );
    assert!(
        md.contains(
            "| note page, sampling 1.0 vs off | `requests/note_page/rate_1.0` | \
             `requests/note_page/off` | 40000 | 40400 | 1.010× (1.008× – 1.012×) | ≤ 1.02× | \
             ✅ pass |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| +60.0 ns (+59.2 ns – +60.8 ns) | ≤ +100 ns | ✅ pass |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| `recording/database/rate_0.0` | — | — | 21.5 | 21.5 ns | ≤ 50 ns | ✅ pass |"
        ),
        "{md}"
    );
}

#[test]
fn breach_fails_the_gate() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture_run(dir.path(), 1.05);
    let report = evaluate(&budgets(), &load_results(dir.path()).expect("load"));
    assert!(!report.passed());
    let failed: Vec<&Check> = report.failures().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].name, "note page, sampling 1.0 vs off");
    assert_eq!(failed[0].verdict, Verdict::OverBudget);
    let md = report.to_markdown();
    assert!(
        md.starts_with("❌ Bench gate: 3 of 4 checks passed"),
        "{md}"
    );
    assert!(
        md.contains("| 1.050× (1.048× – 1.052×) | ≤ 1.02× | ❌ over budget |"),
        "{md}"
    );
}

#[test]
fn mean_statistic_is_honoured() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture_run(dir.path(), 1.0);
    let mut budgets = budgets();
    budgets.statistic = Statistic::Mean;
    let report = evaluate(&budgets, &load_results(dir.path()).expect("load"));
    let absolute = &report.checks[3];
    assert!((absolute.measured().expect("measured") - 21.5 * 1.03).abs() < 1e-9);
}

#[test]
fn budget_naming_a_missing_bench_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture_run(dir.path(), 1.0);
    let text = format!(
        "{BUDGETS}\n[[absolute]]\nbench = \"recording/http/rate_0.0\"\nmax_ns = 50\n\
         [[ratio]]\nnumerator = \"requests/feed/rate_1.0\"\ndenominator = \"requests/feed/off\"\nmax = 1.02\n"
    );
    let budgets = Budgets::parse(&text, Path::new("b.toml")).expect("parse");
    let report = evaluate(&budgets, &load_results(dir.path()).expect("load"));
    assert!(!report.passed());
    let missing: Vec<&Verdict> = report.failures().map(|c| &c.verdict).collect();
    assert_eq!(
        missing,
        [
            &Verdict::Missing(vec![
                "requests/feed/rate_1.0".to_owned(),
                "requests/feed/off".to_owned()
            ]),
            &Verdict::Missing(vec!["recording/http/rate_0.0".to_owned()]),
        ]
    );
    assert!(
        report
            .to_markdown()
            .contains("❌ no result for `recording/http/rate_0.0`")
    );
}

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

#[test]
fn pairs_from_different_runs_fail() {
    let now = SystemTime::now();
    let result = |id: &str, ns: f64, at: SystemTime| BenchResult {
        id: id.to_owned(),
        dir: PathBuf::from(id),
        mean: Estimate::exact(ns),
        median: Estimate::exact(ns),
        measured_at: Some(at),
    };
    let results = Results::from_results(
        "target/criterion",
        NEW_LABEL,
        [
            result("requests/note_page/off", 100.0, now),
            result(
                "requests/note_page/rate_1.0",
                100.0,
                now + Duration::from_secs(3600),
            ),
        ],
    );
    let budgets = Budgets::parse(
        "[[ratio]]\nnumerator = \"requests/note_page/rate_1.0\"\n\
         denominator = \"requests/note_page/off\"\nmax = 1.02\n",
        Path::new("b.toml"),
    )
    .expect("parse");
    let report = evaluate(&budgets, &results);
    assert_eq!(
        report.checks[0].verdict,
        Verdict::DifferentRuns {
            seconds_apart: 3600
        }
    );
    assert!(!report.passed());
}

#[test]
fn noisy_results_are_flagged_inconclusive() {
    let wide = |point: f64| Estimate {
        point_ns: point,
        lower_ns: point * 0.9,
        upper_ns: point * 1.1,
    };
    let results = Results::from_results(
        "t",
        NEW_LABEL,
        [("on", 101.0), ("off", 100.0)].map(|(id, ns)| BenchResult {
            id: id.to_owned(),
            dir: PathBuf::from(id),
            mean: wide(ns),
            median: wide(ns),
            measured_at: None,
        }),
    );
    let budgets = Budgets::parse(
        "[[ratio]]\nnumerator = \"on\"\ndenominator = \"off\"\nmax = 1.02\n",
        Path::new("b.toml"),
    )
    .expect("parse");
    let report = evaluate(&budgets, &results);
    let check = &report.checks[0];
    // Decided on the point estimates, flagged because the interval spans the budget.
    assert_eq!(check.verdict, Verdict::Pass);
    assert!(!check.conclusive());
    let (low, high) = check.measured_range().expect("range");
    assert!((low - 90.9 / 110.0).abs() < 1e-9 && (high - 111.1 / 90.0).abs() < 1e-9);
    let md = report.to_markdown();
    assert!(md.contains("1 inconclusive"), "{md}");
    assert!(md.contains("| ✅ pass ⚠️ inconclusive |"), "{md}");
}

#[test]
fn zero_time_baseline_never_passes_a_ratio() {
    let results = Results::from_results(
        "t",
        NEW_LABEL,
        ["a", "b"].map(|id| BenchResult {
            id: id.to_owned(),
            dir: PathBuf::from(id),
            mean: Estimate::exact(0.0),
            median: Estimate::exact(0.0),
            measured_at: None,
        }),
    );
    let budgets = Budgets::parse(
        "[[ratio]]\nnumerator = \"a\"\ndenominator = \"b\"\nmax = 1.5\n",
        Path::new("b.toml"),
    )
    .expect("parse");
    assert_eq!(
        evaluate(&budgets, &results).checks[0].verdict,
        Verdict::OverBudget
    );
}

#[test]
fn budgets_reject_typos_empty_files_and_bad_limits() {
    let origin = Path::new("benches/budgets.toml");
    let cases = [
        (
            "[[ratio]]\nnumerator = \"a\"\ndenominator = \"b\"\nmax = 1.0\nmaks = 2\n",
            "maks",
        ),
        ("[[absolute]]\nbench = \"a\"\nmax = 50\n", "max_ns"),
        (
            "statistic = \"p99\"\n[[absolute]]\nbench = \"a\"\nmax_ns = 5\n",
            "p99",
        ),
        ("statistic = \"median\"\n", "defines no budget"),
        (
            "[[ratio]]\nnumerator = \"a\"\ndenominator = \"a\"\nmax = 1.0\n",
            "both `a`",
        ),
        (
            "[[ratio]]\nnumerator = \"a\"\ndenominator = \"b\"\nmax = 0\n",
            "`max` must be",
        ),
        (
            "[[added]]\nnumerator = \"a\"\ndenominator = \" \"\nmax_ns = 1\n",
            "`denominator` is empty",
        ),
        (
            "[[absolute]]\nbench = \"a\"\nmax_ns = -5\n",
            "`max_ns` must be",
        ),
    ];
    for (text, expected) in cases {
        let err = Budgets::parse(text, origin).expect_err(text);
        let message = err.to_string();
        assert!(message.starts_with("benches/budgets.toml: "), "{message}");
        assert!(message.contains(expected), "{text}\n=> {message}");
    }
}

#[test]
fn load_budgets_names_an_unreadable_file() {
    let err = load_budgets("/nonexistent/budgets.toml").expect_err("absent");
    assert!(matches!(err.kind, BenchGateErrorKind::Io(_)));
    assert!(
        err.to_string()
            .starts_with("/nonexistent/budgets.toml: cannot read")
    );
}

/// The budgets file the benches crate ships must always load.
#[test]
fn shipped_budgets_file_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(DEFAULT_BUDGETS_FILE);
    let budgets = load_budgets(&path).expect("benches/budgets.toml loads");
    assert_eq!(budgets.statistic, Statistic::Median);
    let ids = budgets
        .ratio
        .iter()
        .flat_map(|b| [&b.numerator, &b.denominator])
        .chain(
            budgets
                .added
                .iter()
                .flat_map(|b| [&b.numerator, &b.denominator]),
        )
        .chain(budgets.absolute.iter().map(|b| &b.bench));
    for id in ids {
        let prefix_ok = ["requests/", "recording/", "queries/"]
            .iter()
            .any(|p| id.starts_with(p));
        assert!(prefix_ok && id.split('/').count() == 3, "bench id {id}");
    }
}

#[test]
fn baseline_comparison_flags_regressions_and_unmeasured_benches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_bench(root, "g/fast", NEW_LABEL, "g/fast", 100.0, 100.0);
    write_bench(root, "g/fast", "main", "g/fast", 100.0, 98.0);
    write_bench(root, "g/slow", NEW_LABEL, "g/slow", 130.0, 130.0);
    write_bench(root, "g/slow", "main", "g/slow", 100.0, 100.0);
    write_bench(root, "g/added", NEW_LABEL, "g/added", 5.0, 5.0);
    write_bench(root, "g/gone", "main", "g/gone", 5.0, 5.0);

    let report = compare_baseline(root, "main", 0.05).expect("compare");
    let verdicts: Vec<(&str, &Verdict)> = report
        .checks
        .iter()
        .map(|c| (c.bench.as_str(), &c.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("g/added", &Verdict::NoBaseline),
            ("g/fast", &Verdict::Pass),
            ("g/gone", &Verdict::Missing(vec!["g/gone".to_owned()])),
            ("g/slow", &Verdict::OverBudget),
        ]
    );
    assert!(!report.passed());
    let md = report.to_markdown();
    assert!(
        md.contains("| 1.300× (1.297× – 1.303×) | ≤ 1.05× | ❌ over budget |"),
        "{md}"
    );
    assert!(
        md.contains("| 5.0 | — | ≤ 1.05× | ➖ new, no baseline |"),
        "{md}"
    );

    let err = compare_baseline(root, "nightly", 0.05).expect_err("no such baseline");
    assert!(err.to_string().contains("--save-baseline nightly"), "{err}");
    for name in ["new", "", "../x"] {
        let err = compare_baseline(root, name, 0.05).expect_err("bad name");
        assert!(matches!(
            err.kind,
            BenchGateErrorKind::InvalidBaselineName(_)
        ));
    }
    let err = compare_baseline(root, "main", -0.1).expect_err("bad regression");
    assert!(matches!(err.kind, BenchGateErrorKind::InvalidRegression(_)));
}

/// Reads the real `target/criterion` left by `cargo bench -p rc-benches` and prints
/// the gate's table. Ignored: needs a bench run first
/// (`cargo test -p harness --lib bench_gate -- --ignored --nocapture`).
#[test]
#[ignore = "needs `cargo bench -p rc-benches` results in target/criterion"]
fn real_criterion_results_evaluate() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let budgets = load_budgets(workspace.join(DEFAULT_BUDGETS_FILE)).expect("budgets");
    let results = load_results(workspace.join(DEFAULT_CRITERION_DIR)).expect("results");
    for result in results.iter() {
        println!(
            "{:<45} median {:>12.1} ns [{:.1} – {:.1}]   mean {:>12.1} ns",
            result.id,
            result.median.point_ns,
            result.median.lower_ns,
            result.median.upper_ns,
            result.mean.point_ns
        );
    }
    let report = evaluate(&budgets, &results);
    println!("\n{}", report.to_markdown());
    // Every budgeted bench must have a result: the benches produce the ids budgeted.
    for check in &report.checks {
        assert!(
            !matches!(check.verdict, Verdict::Missing(_)),
            "{}: {:?}",
            check.name,
            check.verdict
        );
    }
}
