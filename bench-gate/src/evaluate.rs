//! Checking results against budgets: one [`Check`] per budget, gathered in a
//! [`GateReport`] that says whether the gate passed and renders as Markdown.

use std::fmt::Write as _;

use crate::budgets::Budgets;
use crate::results::{BenchResult, Estimate, Results, Statistic};

/// The limit a check enforces, and so how its measured value reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// `bench / baseline <= max`.
    Ratio(f64),
    /// `bench - baseline <= max` nanoseconds.
    AddedNs(f64),
    /// `bench <= max` nanoseconds.
    AbsoluteNs(f64),
}

impl Limit {
    /// The limit's value (a ratio or nanoseconds).
    pub fn value(self) -> f64 {
        match self {
            Limit::Ratio(v) | Limit::AddedNs(v) | Limit::AbsoluteNs(v) => v,
        }
    }
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Within budget.
    Pass,
    /// Measured above the limit.
    OverBudget,
    /// These bench ids have no result: a failure, never a silent pass.
    Missing(Vec<String>),
    /// The two sides were measured too far apart to be one run.
    DifferentRuns {
        /// Seconds between the two `estimates.json` files.
        seconds_apart: u64,
    },
    /// Baseline comparison only: the bench is new since the baseline. Informational;
    /// does not fail the gate.
    NoBaseline,
}

impl Verdict {
    /// Whether this verdict lets the gate pass.
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass | Verdict::NoBaseline)
    }
}

/// One budget checked against the results.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The budget's name.
    pub name: String,
    /// The bench measured (numerator, or the only bench of an absolute budget).
    pub bench: String,
    /// What it is compared with (denominator, or `id @ baseline`), if anything.
    pub baseline: Option<String>,
    /// The bench's estimate, when it has a result.
    pub bench_estimate: Option<Estimate>,
    /// The baseline's estimate, when it has a result.
    pub baseline_estimate: Option<Estimate>,
    /// The limit enforced.
    pub limit: Limit,
    /// How it ended (decided on the point estimates).
    pub verdict: Verdict,
}

impl Check {
    /// The bench's point estimate in ns.
    pub fn bench_ns(&self) -> Option<f64> {
        self.bench_estimate.map(|e| e.point_ns)
    }

    /// The baseline's point estimate in ns.
    pub fn baseline_ns(&self) -> Option<f64> {
        self.baseline_estimate.map(|e| e.point_ns)
    }

    /// The value compared with the limit: a ratio, added ns or absolute ns; `None`
    /// when a side has no result.
    pub fn measured(&self) -> Option<f64> {
        let bench = self.bench_ns()?;
        match self.limit {
            Limit::AbsoluteNs(_) => Some(bench),
            Limit::Ratio(_) => self.baseline_ns().map(|base| bench / base),
            Limit::AddedNs(_) => self.baseline_ns().map(|base| bench - base),
        }
    }

    /// The widest the measured value could be given both sides' confidence intervals:
    /// `(lowest, highest)`.
    pub fn measured_range(&self) -> Option<(f64, f64)> {
        let bench = self.bench_estimate?;
        match self.limit {
            Limit::AbsoluteNs(_) => Some((bench.lower_ns, bench.upper_ns)),
            Limit::Ratio(_) => self.baseline_estimate.map(|base| {
                (
                    bench.lower_ns / base.upper_ns,
                    bench.upper_ns / base.lower_ns,
                )
            }),
            Limit::AddedNs(_) => self.baseline_estimate.map(|base| {
                (
                    bench.lower_ns - base.upper_ns,
                    bench.upper_ns - base.lower_ns,
                )
            }),
        }
    }

    /// Whether the confidence intervals put the measured value clearly on one side of
    /// the limit. An inconclusive check still passes or fails on its point
    /// estimates; the report flags it so a reader knows the run was too noisy to
    /// resolve the budget.
    pub fn conclusive(&self) -> bool {
        match self.measured_range() {
            None => true,
            Some((low, high)) => {
                let limit = self.limit.value();
                low.is_finite() && high.is_finite() && (high <= limit || low > limit)
            }
        }
    }
}

/// Every check of one gate run, in budget-file order.
#[derive(Debug, Clone, PartialEq)]
pub struct GateReport {
    /// Which estimate was compared.
    pub statistic: Statistic,
    /// The checks.
    pub checks: Vec<Check>,
}

impl GateReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.verdict.passed())
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.verdict.passed())
    }

    /// A summary line and a table: check, bench, baseline ns, bench ns, measured,
    /// budget, verdict (✅/❌).
    pub fn to_markdown(&self) -> String {
        let failed = self.failures().count();
        let noisy = self.checks.iter().filter(|c| !c.conclusive()).count();
        let mut out = String::new();
        let _ = write!(
            out,
            "{} Bench gate: {} of {} checks passed ({} of criterion's estimates, ns per \
             iteration; ranges from the 95% confidence intervals)",
            if failed == 0 { "✅" } else { "❌" },
            self.checks.len() - failed,
            self.checks.len(),
            self.statistic.as_str(),
        );
        if noisy > 0 {
            let _ = write!(
                out,
                "; {noisy} inconclusive (⚠️: the confidence interval spans the budget)"
            );
        }
        out.push_str("\n\n");
        out.push_str(
            "| Check | Bench | Baseline | Baseline ns | Bench ns | Measured | Budget | Verdict |\n\
             | --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n",
        );
        for check in &self.checks {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} | {} |",
                cell(&check.name),
                cell(&check.bench),
                check
                    .baseline
                    .as_deref()
                    .map_or("—".to_owned(), |b| format!("`{}`", cell(b))),
                ns(check.baseline_ns()),
                ns(check.bench_ns()),
                measured(check),
                budget(check.limit),
                verdict(check),
            );
        }
        out
    }
}

/// Checks every budget against `results` (which should be one run's `new/`).
pub fn evaluate(budgets: &Budgets, results: &Results) -> GateReport {
    let statistic = budgets.statistic;
    let mut checks = Vec::with_capacity(budgets.len());
    let pairs = budgets
        .ratio
        .iter()
        .map(|b| {
            (
                b.display_name(),
                &b.numerator,
                &b.denominator,
                Limit::Ratio(b.max),
            )
        })
        .chain(budgets.added.iter().map(|b| {
            let limit = Limit::AddedNs(b.max_ns);
            (b.display_name(), &b.numerator, &b.denominator, limit)
        }));
    for (name, numerator, denominator, limit) in pairs {
        checks.push(pair_check(
            budgets,
            results,
            name,
            numerator,
            denominator,
            limit,
        ));
    }
    for b in &budgets.absolute {
        let result = results.get(&b.bench);
        let mut check = Check {
            name: b.display_name(),
            bench: b.bench.clone(),
            baseline: None,
            bench_estimate: result.map(|r| r.estimate(statistic)),
            baseline_estimate: None,
            limit: Limit::AbsoluteNs(b.max_ns),
            verdict: Verdict::Pass,
        };
        check.verdict = match result {
            None => Verdict::Missing(vec![b.bench.clone()]),
            Some(_) => limit_verdict(&check),
        };
        checks.push(check);
    }
    GateReport { statistic, checks }
}

fn pair_check(
    budgets: &Budgets,
    results: &Results,
    name: String,
    numerator: &str,
    denominator: &str,
    limit: Limit,
) -> Check {
    let statistic = budgets.statistic;
    let top = results.get(numerator);
    let bottom = results.get(denominator);
    let mut check = Check {
        name,
        bench: numerator.to_owned(),
        baseline: Some(denominator.to_owned()),
        bench_estimate: top.map(|r| r.estimate(statistic)),
        baseline_estimate: bottom.map(|r| r.estimate(statistic)),
        limit,
        verdict: Verdict::Pass,
    };
    check.verdict = match (top, bottom) {
        (Some(top), Some(bottom)) => match seconds_apart(top, bottom) {
            Some(gap) if gap > budgets.max_run_gap_s => {
                Verdict::DifferentRuns { seconds_apart: gap }
            }
            _ => limit_verdict(&check),
        },
        _ => Verdict::Missing(
            [(numerator, top), (denominator, bottom)]
                .into_iter()
                .filter(|(_, r)| r.is_none())
                .map(|(id, _)| id.to_owned())
                .collect(),
        ),
    };
    check
}

/// Pass or over budget, from the measured value (both sides present).
pub(crate) fn limit_verdict(check: &Check) -> Verdict {
    match check.measured() {
        // A zero-time baseline gives an infinite or NaN ratio: never a pass.
        Some(value) if value.is_finite() && value <= check.limit.value() => Verdict::Pass,
        Some(_) => Verdict::OverBudget,
        None => Verdict::Missing(Vec::new()),
    }
}

fn seconds_apart(a: &BenchResult, b: &BenchResult) -> Option<u64> {
    let (a, b) = (a.measured_at?, b.measured_at?);
    let gap = match a.duration_since(b) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    Some(gap.as_secs())
}

/// Escapes a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn ns(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), format_ns)
}

fn format_ns(ns: f64) -> String {
    if ns.abs() >= 100.0 {
        format!("{ns:.0}")
    } else {
        format!("{ns:.1}")
    }
}

fn measured(check: &Check) -> String {
    let format = |v: f64| match check.limit {
        Limit::Ratio(_) => format!("{v:.3}×"),
        Limit::AddedNs(_) => format!("{}{} ns", if v >= 0.0 { "+" } else { "" }, format_ns(v)),
        Limit::AbsoluteNs(_) => format!("{} ns", format_ns(v)),
    };
    let Some(value) = check.measured() else {
        return "—".to_owned();
    };
    let shown = format(value);
    match check.measured_range() {
        Some((low, high)) if low.is_finite() && high.is_finite() => {
            let (low, high) = (format(low), format(high));
            if low == high {
                shown
            } else {
                format!("{shown} ({low} – {high})")
            }
        }
        _ => shown,
    }
}

fn budget(limit: Limit) -> String {
    match limit {
        Limit::Ratio(v) => format!("≤ {v}×"),
        Limit::AddedNs(v) => format!("≤ +{v} ns"),
        Limit::AbsoluteNs(v) => format!("≤ {v} ns"),
    }
}

fn verdict(check: &Check) -> String {
    let text = verdict_text(check);
    if check.conclusive() {
        text
    } else {
        format!("{text} ⚠️ inconclusive")
    }
}

fn verdict_text(check: &Check) -> String {
    match &check.verdict {
        Verdict::Pass => "✅ pass".to_owned(),
        Verdict::OverBudget => "❌ over budget".to_owned(),
        Verdict::Missing(ids) if ids.is_empty() => "❌ no result".to_owned(),
        Verdict::Missing(ids) => {
            let ids: Vec<String> = ids.iter().map(|id| format!("`{}`", cell(id))).collect();
            format!("❌ no result for {}", ids.join(", "))
        }
        Verdict::DifferentRuns { seconds_apart } => {
            format!("❌ not one run ({seconds_apart} s apart): re-run all benches")
        }
        Verdict::NoBaseline => "➖ new, no baseline".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::results::{NEW_LABEL, load_results};
    use crate::test_support::{
        BUDGETS, assert_markdown, assert_markdown_holds, budgets, fixture_run,
    };

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
        assert_markdown(
            &md,
            "✅ Bench gate: 4 of 4 checks passed (median",
            &[
                "| note page, sampling 1.0 vs off | `requests/note_page/rate_1.0` | \
                 `requests/note_page/off` | 40000 | 40400 | 1.010× (1.008× – 1.012×) | ≤ 1.02× | \
                 ✅ pass |",
                "| +60.0 ns (+59.2 ns – +60.8 ns) | ≤ +100 ns | ✅ pass |",
                "| `recording/database/rate_0.0` | — | — | 21.5 | 21.5 ns | ≤ 50 ns | ✅ pass |",
            ],
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
        assert_markdown(
            &md,
            "❌ Bench gate: 3 of 4 checks passed",
            &["| 1.050× (1.048× – 1.052×) | ≤ 1.02× | ❌ over budget |"],
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
        assert_markdown_holds(&md, &["1 inconclusive", "| ✅ pass ⚠️ inconclusive |"]);
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
}
