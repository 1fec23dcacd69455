//! The two gates as whole runs, inputs in and a report (or a rewritten baseline) out:
//! what `harness bench-gate` calls. Printing and exit codes stay with the caller, so
//! this library needs no command-line parser and any front end gets the same verdicts.

use std::path::PathBuf;

use crate::baseline::compare_baseline;
use crate::budgets::load_budgets;
use crate::error::BenchGateError;
use crate::evaluate::{GateReport, evaluate};
use crate::instructions::{
    DEFAULT_MAX_INCREASE_PCT, InstructionBaseline, InstructionReport, evaluate_instructions,
    load_instruction_counts,
};
use crate::results::load_results;

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
}

/// What a wall-clock gate run found.
#[derive(Debug, Clone, PartialEq)]
pub struct WallClockOutcome {
    /// One check per budget (or per bench against the baseline).
    pub report: GateReport,
}

impl WallClockGate {
    /// Reads the results and the budgets (or baseline) and checks them. An `Err` is
    /// an input the gate cannot judge; a breach is a report that did not pass.
    pub fn run(&self) -> Result<WallClockOutcome, BenchGateError> {
        let report = match &self.mode {
            WallClockMode::Baseline {
                name,
                max_regression,
            } => compare_baseline(&self.criterion_dir, name, *max_regression)?,
            WallClockMode::Budgets(path) => {
                let budgets = load_budgets(path)?;
                let results = load_results(&self.criterion_dir)?;
                evaluate(&budgets, &results)
            }
        };
        Ok(WallClockOutcome { report })
    }
}

/// One run of the instruction-count gate.
#[derive(Debug, Clone, PartialEq)]
pub struct InstructionGate {
    /// gungraun's JSON-lines summary of this run.
    pub summary: PathBuf,
    /// The committed baseline file.
    pub baseline: PathBuf,
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
        Ok(InstructionOutcome::Gated(evaluate_instructions(
            &baseline, &counts,
        )))
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
