//! The two gates as whole runs, inputs in and a report (or a rewritten baseline) out:
//! what `harness bench-gate` calls. Printing and exit codes stay with the caller, so
//! this library needs no command-line parser and any front end gets the same verdicts.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::baseline::compare_baseline_with;
use crate::budgets::load_budgets;
use crate::error::BenchGateError;
use crate::evaluate::{GateReport, evaluate};
use crate::freshness::{StalenessWarning, check_since, oldest_result};
use crate::instructions::{
    DEFAULT_MAX_INCREASE_PCT, InstructionBaseline, InstructionReport, evaluate_instructions,
    load_instruction_counts,
};
use crate::overhead::evaluate_overhead;
use crate::results::{Results, load_results};

/// What the wall-clock gate compares the latest criterion run with.
#[derive(Debug, Clone, PartialEq)]
pub enum WallClockMode {
    /// The budgets file at this path: overhead ratios, added and absolute times.
    Budgets(PathBuf),
    /// A baseline criterion saved with `--save-baseline NAME`: catches a bench that
    /// got slower between two commits.
    Baseline {
        /// The NAME given to `--save-baseline`.
        name: String,
        /// Allowed slow-down as a fraction (0.05 = 5%).
        max_regression: f64,
    },
}

/// One run of the wall-clock gate over criterion's results.
#[derive(Debug, Clone, PartialEq)]
pub struct WallClockGate {
    /// Criterion's output directory (usually `target/criterion`).
    pub criterion_dir: PathBuf,
    /// What the results are checked against.
    pub mode: WallClockMode,
    /// When the run being gated started: a latest result (`new/`) written before it
    /// is refused as left over from an earlier run. `None` checks nothing and
    /// reports the oldest result instead, for the caller to warn about.
    pub since: Option<SystemTime>,
}

/// What a wall-clock gate run found.
#[derive(Debug, Clone, PartialEq)]
pub struct WallClockOutcome {
    /// One check per budget (or per bench against the baseline).
    pub report: GateReport,
    /// Without [`WallClockGate::since`]: the oldest result read and its age, since
    /// nothing proved the results are this run's.
    pub unchecked: Option<StalenessWarning>,
}

impl WallClockGate {
    /// Reads the results and the budgets (or baseline) and checks them. An `Err` is
    /// an input the gate cannot judge; a breach is a report that did not pass.
    pub fn run(&self) -> Result<WallClockOutcome, BenchGateError> {
        self.run_at(SystemTime::now())
    }

    /// [`WallClockGate::run`] as if the clock read `now` (ages are measured to it).
    pub(crate) fn run_at(&self, now: SystemTime) -> Result<WallClockOutcome, BenchGateError> {
        let mut unchecked = None;
        let mut inspect = |results: &Results| match self.since {
            Some(since) => check_since(results, since, now),
            None => {
                unchecked = oldest_result(results, now);
                Ok(())
            }
        };
        let report = match &self.mode {
            WallClockMode::Baseline {
                name,
                max_regression,
            } => compare_baseline_with(&self.criterion_dir, name, *max_regression, inspect)?,
            WallClockMode::Budgets(path) => {
                let budgets = load_budgets(path)?;
                let results = load_results(&self.criterion_dir)?;
                inspect(&results)?;
                evaluate(&budgets, &results)
            }
        };
        Ok(WallClockOutcome { report, unchecked })
    }
}

/// One run of the instruction-count gate.
#[derive(Debug, Clone, PartialEq)]
pub struct InstructionGate {
    /// gungraun's JSON-lines summary of this run.
    pub summary: PathBuf,
    /// The committed baseline file.
    pub baseline: PathBuf,
    /// The budgets file whose instruction budgets are checked too (none: baseline only).
    pub budgets: Option<PathBuf>,
    /// Report an overhead budget breach without failing.
    pub advisory_budgets: bool,
}

/// What an instruction gate run did.
#[derive(Debug, Clone, PartialEq)]
pub enum InstructionOutcome {
    /// The counts were gated against the baseline.
    Gated(InstructionReport),
    /// The counts were written as the new baseline instead.
    BaselineWritten {
        /// How many bench counts the new baseline holds.
        benches: usize,
        /// The file written.
        path: PathBuf,
    },
}

impl InstructionGate {
    /// Compares this run's counts with the committed baseline.
    pub fn run(&self) -> Result<InstructionOutcome, BenchGateError> {
        let counts = load_instruction_counts(&self.summary)?;
        let baseline = InstructionBaseline::load(&self.baseline)?;
        let mut report = evaluate_instructions(&baseline, &counts);
        if let Some(path) = &self.budgets {
            let budgets = load_budgets(path)?;
            report.overhead = evaluate_overhead(
                &budgets.instruction_ratio,
                &budgets.instruction_absolute,
                &counts,
            );
            report.overhead_advisory = self.advisory_budgets;
        }
        Ok(InstructionOutcome::Gated(report))
    }

    /// Writes this run's counts as the new baseline, keeping the allowance of the
    /// existing one (or [`DEFAULT_MAX_INCREASE_PCT`] when there is none). A baseline
    /// that exists but does not parse is an error, never silently overwritten.
    pub fn update_baseline(&self) -> Result<InstructionOutcome, BenchGateError> {
        let counts = load_instruction_counts(&self.summary)?;
        let pct = if self.baseline.exists() {
            InstructionBaseline::load(&self.baseline)?.max_increase_pct
        } else {
            DEFAULT_MAX_INCREASE_PCT
        };
        InstructionBaseline::from_counts(&counts, pct).save(&self.baseline)?;
        Ok(InstructionOutcome::BaselineWritten {
            benches: counts.len(),
            path: self.baseline.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::budgets::DEFAULT_BUDGETS_FILE;
    use crate::error::BenchGateErrorKind;
    use crate::evaluate::Verdict;
    use crate::results::NEW_LABEL;
    use crate::test_support::{
        BUDGETS, assert_markdown, copy_tree, criterion_fixture, fixture_run, run_start,
        set_all_written, set_written, write_bench,
    };

    const HOUR: Duration = Duration::from_secs(3600);

    /// The fixture run under `root/criterion`, written a minute after `run_start()`,
    /// and its budgets file; the gate over them in budgets mode.
    fn budgets_gate(root: &Path, since: Option<SystemTime>) -> WallClockGate {
        let criterion_dir = root.join("criterion");
        fixture_run(&criterion_dir, 1.0);
        set_all_written(
            &criterion_dir,
            NEW_LABEL,
            run_start() + Duration::from_secs(60),
        );
        let budgets = root.join("budgets.toml");
        std::fs::write(&budgets, BUDGETS).expect("write budgets");
        WallClockGate {
            criterion_dir,
            mode: WallClockMode::Budgets(budgets),
            since,
        }
    }

    #[test]
    fn with_since_fresh_results_are_gated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let gate = budgets_gate(dir.path(), Some(run_start()));
        let outcome = gate.run_at(run_start() + HOUR).expect("fresh results");
        assert!(outcome.report.passed(), "{}", outcome.report.to_markdown());
        assert_eq!(outcome.report.checks.len(), 4);
        assert_eq!(outcome.unchecked, None);
    }

    #[test]
    fn with_since_a_result_left_by_an_earlier_run_is_an_input_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let gate = budgets_gate(dir.path(), Some(run_start()));
        let stale = gate.criterion_dir.join("requests_note_page/rate_1.0/new");
        set_written(&stale, run_start() - 5 * HOUR);
        let err = gate.run_at(run_start() + HOUR).expect_err("a stale result");
        assert_eq!(err.path, stale.join("estimates.json"));
        assert!(matches!(
            err.kind,
            BenchGateErrorKind::Stale { ref id, others: 0, .. } if id == "requests/note_page/rate_1.0"
        ));
        let message = err.to_string();
        assert!(message.contains("written 6 h 0 min ago"), "{message}");
        assert!(message.contains("unix time 1700000000"), "{message}");
    }

    #[test]
    fn without_since_the_gate_runs_and_reports_the_oldest_result() {
        let dir = tempfile::tempdir().expect("tempdir");
        let gate = budgets_gate(dir.path(), None);
        let old = gate.criterion_dir.join("queries_point_query/raw/new");
        set_written(&old, run_start() - 5 * HOUR);
        let outcome = gate
            .run_at(run_start() + HOUR)
            .expect("no check without since");
        // The gate itself is judged as before (the pair is 6 h apart, so not one run).
        assert!(!outcome.report.passed());
        let warning = outcome.unchecked.expect("the oldest result is reported");
        assert_eq!(warning.id, "queries/point_query/raw");
        assert_eq!(warning.file, old.join("estimates.json"));
        assert_eq!(warning.age, 6 * HOUR);
    }

    /// The shipped budgets over the committed criterion tree: every budgeted bench has
    /// a result there (the ids budgeted are the ids criterion writes), and the verdicts
    /// on that run's medians are the ones the README's wall-clock table records.
    #[test]
    fn shipped_budgets_judge_a_committed_criterion_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let criterion_dir = dir.path().join("criterion");
        copy_tree(&criterion_fixture(), &criterion_dir);
        set_all_written(&criterion_dir, "base", run_start() - 24 * HOUR);
        set_all_written(
            &criterion_dir,
            NEW_LABEL,
            run_start() + Duration::from_secs(90),
        );
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let gate = WallClockGate {
            criterion_dir,
            mode: WallClockMode::Budgets(workspace.join(DEFAULT_BUDGETS_FILE)),
            since: Some(run_start()),
        };
        let report = gate
            .run_at(run_start() + HOUR)
            .expect("the fixture gates")
            .report;
        let md = report.to_markdown();
        assert_eq!(report.checks.len(), 13, "{md}");
        for check in &report.checks {
            assert!(
                !matches!(check.verdict, Verdict::Missing(_)),
                "{}: {:?}",
                check.name,
                check.verdict
            );
        }
        let passed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.verdict.passed())
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            passed,
            [
                "1 MiB+ static asset, sampling 1.0 vs off",
                "1 MiB+ static asset, sampling 0.0 vs off",
                "record an HTTP event, sampling 0.0",
                "record a database event, sampling 0.0",
                "record a render event, sampling 0.0",
            ],
            "{md}"
        );
        assert_markdown(
            &md,
            "❌ Bench gate: 5 of 13 checks passed",
            &[
                "| note page, sampling 0.0 vs off | `requests/note_page/rate_0.0` | \
                 `requests/note_page/off` | 34098 | 35574 |",
                "| monitored point query, time added | ",
                "| +258 ns (",
            ],
        );

        // The same tree left over from an earlier run is refused, not gated.
        let stale = WallClockGate {
            since: Some(run_start() + HOUR),
            ..gate
        };
        let err = stale.run_at(run_start() + HOUR).expect_err("stale tree");
        assert!(
            matches!(err.kind, BenchGateErrorKind::Stale { others: 16, .. }),
            "{err}"
        );
    }

    #[test]
    fn baseline_mode_checks_only_the_latest_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for id in ["g/a", "g/b"] {
            write_bench(root, id, NEW_LABEL, id, 100.0, 100.0);
            write_bench(root, id, "main", id, 100.0, 100.0);
        }
        // The saved baseline is a day old, as baselines are; the latest run is fresh.
        set_all_written(root, "main", run_start() - 24 * HOUR);
        set_all_written(root, NEW_LABEL, run_start() + Duration::from_secs(1));
        let gate = WallClockGate {
            criterion_dir: root.to_path_buf(),
            mode: WallClockMode::Baseline {
                name: "main".to_owned(),
                max_regression: 0.05,
            },
            since: Some(run_start()),
        };
        let outcome = gate.run_at(run_start() + HOUR).expect("fresh latest run");
        assert!(outcome.report.passed(), "{}", outcome.report.to_markdown());

        set_written(&root.join("g/b").join(NEW_LABEL), run_start() - HOUR);
        let err = gate
            .run_at(run_start() + HOUR)
            .expect_err("stale latest run");
        assert!(matches!(err.kind, BenchGateErrorKind::Stale { ref id, .. } if id == "g/b"));

        let unchecked = WallClockGate {
            since: None,
            ..gate
        }
        .run_at(run_start() + HOUR)
        .expect("no check without since")
        .unchecked
        .expect("the oldest latest result");
        assert_eq!((unchecked.id.as_str(), unchecked.age), ("g/b", 2 * HOUR));
    }

    /// A temp dir holding the committed gungraun fixture summary, and its path.
    fn fixture_summary() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let summary = dir.path().join("summary.jsonl");
        std::fs::write(
            &summary,
            include_str!("../../fixtures/bench/gungraun-0.20-summary.jsonl"),
        )
        .expect("write summary");
        (dir, summary)
    }

    #[test]
    fn updating_the_instruction_baseline_keeps_its_allowance() {
        let (dir, summary) = fixture_summary();
        let gate = InstructionGate {
            summary,
            baseline: dir.path().join("baseline.toml"),
            budgets: None,
            advisory_budgets: false,
        };
        // No baseline yet: the default allowance.
        let written = gate.update_baseline().expect("first baseline");
        assert_eq!(
            written,
            InstructionOutcome::BaselineWritten {
                benches: 3,
                path: gate.baseline.clone(),
            }
        );
        let first = InstructionBaseline::load(&gate.baseline).expect("written baseline");
        assert_eq!(first.max_increase_pct, DEFAULT_MAX_INCREASE_PCT);

        // A baseline with its own allowance keeps it; its counts are replaced.
        let mut custom = first.clone();
        custom.max_increase_pct = 1.5;
        custom.counts.values_mut().for_each(|n| *n = 1);
        custom.save(&gate.baseline).expect("save");
        gate.update_baseline().expect("update");
        let updated = InstructionBaseline::load(&gate.baseline).expect("updated baseline");
        assert_eq!(updated.max_increase_pct, 1.5);
        assert_eq!(updated.counts, first.counts);

        match gate.run().expect("gate against itself") {
            InstructionOutcome::Gated(report) => assert!(report.passed()),
            other => panic!("expected a report, got {other:?}"),
        }

        // A broken baseline is an error, never overwritten.
        std::fs::write(&gate.baseline, "not = [toml").expect("write");
        assert!(gate.update_baseline().is_err());
        assert_eq!(
            std::fs::read_to_string(&gate.baseline).expect("read"),
            "not = [toml"
        );
    }

    #[test]
    fn instruction_budgets_fail_the_gate_unless_advisory_and_a_missing_count_always() {
        let (dir, summary) = fixture_summary();
        let baseline = dir.path().join("baseline.toml");
        let budgets = dir.path().join("budgets.toml");
        let gate = |advisory_budgets| InstructionGate {
            summary: summary.clone(),
            baseline: baseline.clone(),
            budgets: Some(budgets.clone()),
            advisory_budgets,
        };
        std::fs::write(
            &budgets,
            "[[instruction_absolute]]\nbench = \"recording/http_off\"\nmax_ir = 1000\n",
        )
        .expect("write budgets");
        gate(false).update_baseline().expect("baseline");
        let passed = |advisory| match gate(advisory).run().expect("gate") {
            InstructionOutcome::Gated(report) => (report.passed(), report.to_markdown()),
            other => panic!("expected a report, got {other:?}"),
        };
        let (ok, table) = passed(false);
        assert!(ok, "{table}");
        assert!(
            table.contains("| recording/http_off | 199 Ir | ≤ 1,000 Ir | ✅ pass |"),
            "{table}"
        );

        // 199 instructions over a budget of 150: a breach fails, unless advisory.
        std::fs::write(
            &budgets,
            "[[instruction_absolute]]\nbench = \"recording/http_off\"\nmax_ir = 150\n",
        )
        .expect("write budgets");
        assert!(!passed(false).0);
        let (ok, table) = passed(true);
        assert!(ok, "{table}");
        assert!(table.contains("⚠️ over (advisory)"), "{table}");

        // A ratio naming a bench the run did not count fails even when advisory.
        std::fs::write(
            &budgets,
            "[[instruction_ratio]]\nnumerator = \"requests/static_small_rate_1_0\"\n\
             denominator = \"requests/static_small_off\"\nmax = 1.02\n",
        )
        .expect("write budgets");
        let (ok, table) = passed(true);
        assert!(!ok, "{table}");
        assert!(
            table.contains("not counted: requests/static_small_rate_1_0"),
            "{table}"
        );
    }
}
