//! The budgets file (`bench-gate/budgets.toml`): which bench ids are compared and the
//! most overhead each comparison may show.
//!
//! ```toml
//! statistic = "median"      # or "mean": which criterion point estimate is compared
//! max_run_gap_s = 300       # ratio/added pairs must be measured this close together
//!
//! [[ratio]]                 # numerator / denominator <= max
//! name = "note page, sampling 1.0 vs off"
//! numerator = "requests/note_page/rate_1.0"
//! denominator = "requests/note_page/off"
//! max = 1.02
//!
//! [[added]]                 # numerator - denominator <= max_ns
//! numerator = "queries/point_query/monitored_rate_1.0"
//! denominator = "queries/point_query/raw"
//! max_ns = 100
//!
//! [[absolute]]              # bench <= max_ns
//! bench = "recording/database/rate_0.0"
//! max_ns = 50
//! ```
//!
//! Unknown keys are errors (a typo never disables a budget), and `name` is optional:
//! it defaults to the ids compared.

use std::path::Path;

use serde::Deserialize;

use crate::error::{BenchGateError, BenchGateErrorKind};
use crate::overhead::InstructionAbsoluteBudget;
use crate::results::Statistic;

/// The budgets file this crate ships, relative to the workspace root.
pub const DEFAULT_BUDGETS_FILE: &str = "bench-gate/budgets.toml";

/// Default for [`Budgets::max_run_gap_s`]: a full `cargo bench -p rc-benches` measures
/// the variants of one group well within this; a partial re-run minutes later does not.
pub const DEFAULT_MAX_RUN_GAP_S: u64 = 300;

/// Every budget the gate enforces.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// Which point estimate is compared (default: median).
    #[serde(default)]
    pub statistic: Statistic,
    /// The two sides of a ratio or added budget must have been written at most this
    /// many seconds apart, i.e. come from the same run; otherwise the check fails.
    #[serde(default = "default_max_run_gap_s")]
    pub max_run_gap_s: u64,
    /// Relative budgets: numerator / denominator.
    #[serde(default)]
    pub ratio: Vec<RatioBudget>,
    /// Added-time budgets: numerator - denominator, in ns.
    #[serde(default)]
    pub added: Vec<AddedBudget>,
    /// Absolute budgets on one bench, in ns.
    #[serde(default)]
    pub absolute: Vec<AbsoluteBudget>,
    /// The same overheads in instructions: ratios of two counts of one gungraun run.
    #[serde(default)]
    pub instruction_ratio: Vec<RatioBudget>,
    /// Absolute instruction counts per iteration.
    #[serde(default)]
    pub instruction_absolute: Vec<InstructionAbsoluteBudget>,
}

fn default_max_run_gap_s() -> u64 {
    DEFAULT_MAX_RUN_GAP_S
}

/// `numerator / denominator <= max`, e.g. monitoring on vs off.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioBudget {
    /// What the budget is about, for the report.
    pub name: Option<String>,
    /// The bench id measured with the overhead (e.g. `.../rate_1.0`).
    pub numerator: String,
    /// The bench id measured without it (e.g. `.../off`).
    pub denominator: String,
    /// Largest ratio allowed, e.g. `1.02` for 2% overhead.
    pub max: f64,
    /// A breach known and tracked (`open = "issue 13: ..."`): reported with this
    /// reason and never failed, while every other budget's breach fails. Instruction
    /// budgets only (a wall-clock ratio with it is an error).
    #[serde(default)]
    pub open: Option<String>,
}

/// `numerator - denominator <= max_ns`: overhead as time added per iteration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddedBudget {
    /// What the budget is about, for the report.
    pub name: Option<String>,
    /// The bench id measured with the overhead.
    pub numerator: String,
    /// The bench id measured without it.
    pub denominator: String,
    /// Most nanoseconds the overhead may add.
    pub max_ns: f64,
}

/// `bench <= max_ns` per iteration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsoluteBudget {
    /// What the budget is about, for the report.
    pub name: Option<String>,
    /// The bench id.
    pub bench: String,
    /// Most nanoseconds one iteration may take.
    pub max_ns: f64,
}

impl RatioBudget {
    /// The name given, else `numerator / denominator`.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{} / {}", self.numerator, self.denominator))
    }
}

impl AddedBudget {
    /// The name given, else `numerator - denominator`.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{} - {}", self.numerator, self.denominator))
    }
}

impl AbsoluteBudget {
    /// The name given, else the bench id.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.bench.clone())
    }
}

impl Budgets {
    /// Parses and validates budgets from TOML text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, BenchGateError> {
        let budgets: Budgets = toml::from_str(text)
            .map_err(|e| BenchGateError::new(origin, BenchGateErrorKind::Toml(e)))?;
        budgets
            .validate()
            .map_err(|kind| BenchGateError::new(origin, kind))?;
        Ok(budgets)
    }

    /// How many budgets there are.
    pub fn len(&self) -> usize {
        self.ratio.len()
            + self.added.len()
            + self.absolute.len()
            + self.instruction_ratio.len()
            + self.instruction_absolute.len()
    }

    /// Whether there is no budget at all (never true for a loaded file).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn validate(&self) -> Result<(), BenchGateErrorKind> {
        if self.is_empty() {
            return Err(BenchGateErrorKind::NoBudgets);
        }
        for b in &self.ratio {
            check_pair(&b.display_name(), &b.numerator, &b.denominator)?;
            check_limit(&b.display_name(), "max", b.max, false)?;
            if b.open.is_some() {
                return Err(invalid(
                    &b.display_name(),
                    "`open` marks instruction budgets only; the wall-clock gate has \
                     --advisory for a noisy machine"
                        .to_owned(),
                ));
            }
        }
        for b in &self.added {
            check_pair(&b.display_name(), &b.numerator, &b.denominator)?;
            check_limit(&b.display_name(), "max_ns", b.max_ns, true)?;
        }
        for b in &self.absolute {
            check_id(&b.display_name(), "bench", &b.bench)?;
            check_limit(&b.display_name(), "max_ns", b.max_ns, false)?;
        }
        for b in &self.instruction_ratio {
            check_pair(&b.display_name(), &b.numerator, &b.denominator)?;
            check_limit(&b.display_name(), "max", b.max, false)?;
            check_open(&b.display_name(), b.open.as_deref())?;
        }
        for b in &self.instruction_absolute {
            let name = b.name.clone().unwrap_or_else(|| b.bench.clone());
            check_id(&name, "bench", &b.bench)?;
            check_limit(&name, "max_ir", b.max_ir as f64, false)?;
            check_open(&name, b.open.as_deref())?;
        }
        Ok(())
    }
}

/// Reads and validates the budgets file at `path` (usually [`DEFAULT_BUDGETS_FILE`]).
pub fn load_budgets(path: impl AsRef<Path>) -> Result<Budgets, BenchGateError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .map_err(|e| BenchGateError::new(path, BenchGateErrorKind::Io(e)))?;
    Budgets::parse(&text, path)
}

fn invalid(name: &str, reason: String) -> BenchGateErrorKind {
    BenchGateErrorKind::InvalidBudget {
        name: name.to_owned(),
        reason,
    }
}

fn check_id(name: &str, field: &str, id: &str) -> Result<(), BenchGateErrorKind> {
    if id.trim().is_empty() {
        return Err(invalid(name, format!("`{field}` is empty")));
    }
    Ok(())
}

fn check_open(name: &str, open: Option<&str>) -> Result<(), BenchGateErrorKind> {
    if open.is_some_and(|reason| reason.trim().is_empty()) {
        return Err(invalid(
            name,
            "`open` needs a reason (where the breach is tracked)".to_owned(),
        ));
    }
    Ok(())
}

fn check_pair(name: &str, numerator: &str, denominator: &str) -> Result<(), BenchGateErrorKind> {
    check_id(name, "numerator", numerator)?;
    check_id(name, "denominator", denominator)?;
    if numerator == denominator {
        return Err(invalid(
            name,
            format!("numerator and denominator are both `{numerator}`"),
        ));
    }
    Ok(())
}

fn check_limit(
    name: &str,
    field: &str,
    value: f64,
    zero_ok: bool,
) -> Result<(), BenchGateErrorKind> {
    let ok = value.is_finite() && (value > 0.0 || (zero_ok && value == 0.0));
    if !ok {
        let expected = if zero_ok { ">= 0" } else { "> 0" };
        return Err(invalid(
            name,
            format!("`{field}` must be a finite number {expected}, got {value}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_reject_typos_empty_files_and_bad_limits() {
        let origin = Path::new("bench-gate/budgets.toml");
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
            assert!(
                message.starts_with("bench-gate/budgets.toml: "),
                "{message}"
            );
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

    #[test]
    fn open_is_for_instruction_budgets_and_needs_a_reason() {
        let origin = Path::new("b.toml");
        let instruction =
            "[[instruction_ratio]]\nnumerator = \"a\"\ndenominator = \"b\"\nmax = 1.01\n";
        let parsed = Budgets::parse(&format!("{instruction}open = \"issue 13\"\n"), origin)
            .expect("an open instruction budget");
        assert_eq!(
            parsed.instruction_ratio[0].open.as_deref(),
            Some("issue 13")
        );
        let blank = Budgets::parse(&format!("{instruction}open = \" \"\n"), origin)
            .expect_err("a blank reason");
        assert!(blank.to_string().contains("needs a reason"), "{blank}");
        let wall =
            "[[ratio]]\nnumerator = \"a/b/c\"\ndenominator = \"a/b/d\"\nmax = 1.01\nopen = \"x\"\n";
        let refused = Budgets::parse(wall, origin).expect_err("open on a wall-clock ratio");
        assert!(
            refused.to_string().contains("instruction budgets only"),
            "{refused}"
        );
    }

    /// The budgets file this crate ships must always load, where the harness looks for it.
    #[test]
    fn shipped_budgets_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DEFAULT_BUDGETS_FILE);
        let budgets = load_budgets(&path).expect("bench-gate/budgets.toml loads");
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
            let prefix_ok = ["served_requests/", "requests/", "recording/", "queries/"]
                .iter()
                .any(|p| id.starts_with(p));
            assert!(prefix_ok && id.split('/').count() == 3, "bench id {id}");
        }
    }
}
