//! Comparing the latest run (`new/`) with a baseline criterion saved earlier
//! (`cargo bench -p rc-benches -- --save-baseline NAME` writes `<bench>/NAME/`), to
//! catch a bench that got slower between two commits.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{BenchGateError, BenchGateErrorKind};
use crate::evaluate::{Check, GateReport, Limit, Verdict, limit_verdict};
use crate::results::{NEW_LABEL, Results, Statistic, load_labelled, load_results};

/// Compares every bench's latest median with baseline `baseline_name` under
/// `criterion_dir`. A bench fails when `new / baseline > 1 + max_regression`
/// (`max_regression` is a fraction: `0.05` allows 5% slower). A bench in the baseline
/// but not in the latest run fails (it was not measured); a bench new since the
/// baseline is listed and does not fail.
pub fn compare_baseline(
    criterion_dir: impl AsRef<Path>,
    baseline_name: &str,
    max_regression: f64,
) -> Result<GateReport, BenchGateError> {
    compare_baseline_with(
        criterion_dir.as_ref(),
        baseline_name,
        max_regression,
        |_| Ok(()),
    )
}

/// [`compare_baseline`], with `inspect` run over the latest results before the
/// baseline is read: the gate checks their age there (a saved baseline is old by
/// design; only the latest run must be recent).
pub(crate) fn compare_baseline_with(
    dir: &Path,
    baseline_name: &str,
    max_regression: f64,
    inspect: impl FnOnce(&Results) -> Result<(), BenchGateError>,
) -> Result<GateReport, BenchGateError> {
    if baseline_name.is_empty()
        || baseline_name == NEW_LABEL
        || baseline_name.contains(['/', '\\'])
        || baseline_name.starts_with('.')
    {
        return Err(BenchGateError::new(
            dir,
            BenchGateErrorKind::InvalidBaselineName(baseline_name.to_owned()),
        ));
    }
    if !(max_regression.is_finite() && max_regression >= 0.0) {
        return Err(BenchGateError::new(
            dir,
            BenchGateErrorKind::InvalidRegression(max_regression),
        ));
    }
    let new = load_results(dir)?;
    inspect(&new)?;
    let base = load_labelled(dir, baseline_name)?;
    Ok(compare_results(
        &new,
        &base,
        max_regression,
        Statistic::default(),
    ))
}

/// [`compare_baseline`] over results already loaded, with a chosen statistic.
pub fn compare_results(
    new: &Results,
    base: &Results,
    max_regression: f64,
    statistic: Statistic,
) -> GateReport {
    let ids: BTreeSet<&str> = new
        .iter()
        .chain(base.iter())
        .map(|r| r.id.as_str())
        .collect();
    let checks = ids
        .into_iter()
        .map(|id| {
            let latest = new.get(id);
            let saved = base.get(id);
            let mut check = Check {
                name: format!("vs baseline `{}`", base.label()),
                bench: id.to_owned(),
                baseline: Some(format!("{id} @ {}", base.label())),
                bench_estimate: latest.map(|r| r.estimate(statistic)),
                baseline_estimate: saved.map(|r| r.estimate(statistic)),
                limit: Limit::Ratio(1.0 + max_regression),
                verdict: Verdict::Pass,
            };
            check.verdict = match (latest, saved) {
                (Some(_), Some(_)) => limit_verdict(&check),
                (Some(_), None) => Verdict::NoBaseline,
                (None, _) => Verdict::Missing(vec![id.to_owned()]),
            };
            check
        })
        .collect();
    GateReport { statistic, checks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_markdown_holds, write_bench};

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
        assert_markdown_holds(
            &md,
            &[
                "| 1.300× (1.297× – 1.303×) | ≤ 1.05× | ❌ over budget |",
                "| 5.0 | — | ≤ 1.05× | ➖ new, no baseline |",
            ],
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
}
