//! `BenchGateError`: every way reading budgets or criterion's results can fail, each
//! naming the file or directory at fault.

use std::path::PathBuf;
use std::time::Duration;

use crate::freshness::format_age;

/// The bench gate could not read its inputs. Always names the file or directory.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct BenchGateError {
    /// The file or directory at fault.
    pub path: PathBuf,
    /// What was wrong with it.
    pub kind: BenchGateErrorKind,
}

impl BenchGateError {
    pub(crate) fn new(path: impl Into<PathBuf>, kind: BenchGateErrorKind) -> Self {
        Self {
            path: path.into(),
            kind,
        }
    }
}

/// What was wrong with a bench gate input.
#[derive(Debug, thiserror::Error)]
pub enum BenchGateErrorKind {
    /// The file or directory could not be read.
    #[error("cannot read: {0}")]
    Io(std::io::Error),
    /// A criterion file is not the JSON criterion writes.
    #[error("not a valid criterion {expected} file: {error}")]
    Json {
        /// Which file kind was expected: `benchmark.json` or `estimates.json`.
        expected: &'static str,
        /// What serde_json objected to (with line and column).
        error: serde_json::Error,
    },
    /// The budgets file is not valid TOML, or has unknown or missing keys.
    #[error("not a valid budgets file: {0}")]
    Toml(toml::de::Error),
    /// The budgets file defines no budget at all, so it could only ever pass.
    #[error("defines no budget (`[[ratio]]`, `[[added]]` or `[[absolute]]`)")]
    NoBudgets,
    /// A budget parses but cannot be evaluated (bad limit, empty id...).
    #[error("budget `{name}`: {reason}")]
    InvalidBudget {
        /// The budget's name (or the bench it names).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The directory holds no criterion results of that label at all.
    #[error(
        "no criterion results labelled `{label}` (no `{label}/benchmark.json`); \
         run `cargo bench -p rc-benches` first{hint}"
    )]
    NoResults {
        /// `new` for the latest run, or a baseline name.
        label: String,
        /// Extra advice (e.g. how to save a baseline), or empty.
        hint: String,
    },
    /// Two result directories claim the same bench id.
    #[error("bench id `{id}` appears twice (also in {})", other.display())]
    DuplicateId {
        /// The full criterion bench id.
        id: String,
        /// The other directory holding it.
        other: PathBuf,
    },
    /// A value criterion should have written is missing or not a number.
    #[error("`{field}` is missing or not a finite number >= 0")]
    BadEstimate {
        /// The JSON path, e.g. `median.point_estimate`.
        field: &'static str,
    },
    /// The baseline name cannot name a saved baseline (`new`, empty, or a path).
    #[error("`{0}` is not a baseline name (use the NAME given to `--save-baseline NAME`)")]
    InvalidBaselineName(String),
    /// A line of gungraun's JSON summary is not what gungraun writes.
    #[error("line {line} of the gungraun summary: {reason}")]
    Summary {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The gungraun summary holds no benchmark at all.
    #[error(
        "holds no gungraun benchmark summary; write it with \
         `cargo bench -p rc-benches --bench instructions -- --output-format=json > FILE`"
    )]
    NoInstructionCounts,
    /// A result was written before the run being gated started: criterion left it
    /// behind from an earlier run, so it says nothing about the code under test.
    #[error(
        "bench `{id}` was measured before this run: written {} ago, {} before the run \
         started (unix time {since_unix}){}; re-run the benches (a bench that no longer \
         exists leaves its directory behind: delete it)",
        format_age(*.age),
        format_age(*.before_start),
        others_too(*.others)
    )]
    Stale {
        /// The bench's full criterion id.
        id: String,
        /// How long before the gate ran the result was written.
        age: Duration,
        /// How long before the run started it was written.
        before_start: Duration,
        /// When the run started, in seconds since the Unix epoch.
        since_unix: u64,
        /// How many other results are older than the run too.
        others: usize,
    },
    /// A result's write time cannot be read, so it cannot be shown to be from this run.
    #[error(
        "bench `{id}`: cannot tell when its estimates were written, so not whether they are from this run"
    )]
    Undated {
        /// The bench's full criterion id.
        id: String,
    },
    /// `max_regression` is not a finite number >= 0.
    #[error("max_regression must be a finite number >= 0 (0.05 = 5% slower), got {0}")]
    InvalidRegression(f64),
}

/// `, as are N other results` when more than the one named are stale.
fn others_too(others: usize) -> String {
    match others {
        0 => String::new(),
        1 => ", as is 1 other result".to_owned(),
        n => format!(", as are {n} other results"),
    }
}
