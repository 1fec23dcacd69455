//! The bench gate: reads criterion's results, checks the monitoring-overhead budgets
//! of `bench-gate/budgets.toml` and renders the verdict as a Markdown table. A second
//! gate, in [`instructions`], compares gungraun's instruction counts with a committed
//! baseline: the one that runs in shared CI, where wall-clock time is noise.
//!
//! Its own crate so the budgets, the baseline and the code that reads them travel
//! together, and so the harness's CLI is a thin front end over it (this library never
//! parses command lines).
//!
//! Inputs are what `cargo bench -p rc-benches` leaves behind: for every bench,
//! `target/criterion/<group>/<function>/<value>/new/{benchmark.json,estimates.json}`.
//! Bench ids come from `benchmark.json` (`full_id`), never from directory names, which
//! criterion mangles. Times are criterion's point estimates in nanoseconds per
//! iteration — the median unless the budgets file says `statistic = "mean"`.
//!
//! Ratios and added times compare two benches of the same run (both sides' estimates
//! must have been written within `max_run_gap_s`). A budget naming a bench with no
//! result fails: nothing passes silently. Given the time the run started
//! ([`WallClockGate::since`]), a result written before it is refused, because criterion
//! leaves old results in place; without it the gate reports the oldest result's age.
//!
//! ```no_run
//! use bench_gate::{DEFAULT_BUDGETS_FILE, DEFAULT_CRITERION_DIR, evaluate,
//!     load_budgets, load_results};
//! # fn main() -> Result<(), bench_gate::BenchGateError> {
//! let budgets = load_budgets(DEFAULT_BUDGETS_FILE)?;
//! let results = load_results(DEFAULT_CRITERION_DIR)?;
//! let report = evaluate(&budgets, &results);
//! println!("{}", report.to_markdown());
//! std::process::exit(if report.passed() { 0 } else { 1 });
//! # }
//! ```

#![warn(missing_docs)]

mod baseline;
mod budgets;
mod error;
mod evaluate;
mod freshness;
mod gate;
pub mod instructions;
mod overhead;
mod results;

#[cfg(test)]
mod test_support;

pub use baseline::{compare_baseline, compare_results};
pub use budgets::{
    AbsoluteBudget, AddedBudget, Budgets, DEFAULT_BUDGETS_FILE, DEFAULT_MAX_RUN_GAP_S, RatioBudget,
    load_budgets,
};
pub use error::{BenchGateError, BenchGateErrorKind};
pub use evaluate::{Check, GateReport, Limit, Verdict, evaluate};
pub use freshness::{StalenessWarning, check_since, format_age, oldest_result};
pub use gate::{
    InstructionGate, InstructionOutcome, WallClockGate, WallClockMode, WallClockOutcome,
};
pub use instructions::{
    DEFAULT_INSTRUCTIONS_BASELINE, DEFAULT_MAX_INCREASE_PCT, InstructionBaseline, InstructionCheck,
    InstructionCounts, InstructionReport, InstructionVerdict, evaluate_instructions,
    load_instruction_counts, parse_instruction_counts,
};
pub use overhead::{InstructionAbsoluteBudget, OverheadCheck, OverheadVerdict, evaluate_overhead};
pub use results::{
    BenchResult, DEFAULT_CRITERION_DIR, Estimate, NEW_LABEL, Results, Statistic, load_labelled,
    load_results,
};
