//! The instruction-count gate: gungraun's callgrind counts of the hot paths against a
//! baseline committed with the code.
//!
//! Wall-clock budgets need a quiet machine; instruction counts do not. Valgrind counts
//! the same instructions for the same binary and inputs however busy the machine is,
//! so this gate can run on shared CI runners and fail only when the code changed.
//!
//! Input is what `cargo bench -p rc-benches --bench instructions --
//! --output-format=json` prints on stdout: one JSON object per benchmark (gungraun's
//! summary schema). A bench's id is `<function>/<bench>`, e.g. `requests/feed_off`,
//! and its count is callgrind's `Ir` total over every thread.
//!
//! The baseline (`bench-gate/instructions-baseline.toml`) maps ids to counts. A bench
//! fails when its count is more than `max_increase_pct` above the baseline, or when it
//! is in the baseline but was not measured. Counts can differ between machines,
//! compilers and C libraries: regenerate the baseline (`--update-baseline`) when the
//! toolchain changes, in a commit of its own.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{BenchGateError, BenchGateErrorKind};
use crate::overhead::{OverheadCheck, overhead_markdown};

/// Where the committed baseline lives, relative to the workspace root.
pub const DEFAULT_INSTRUCTIONS_BASELINE: &str = "bench-gate/instructions-baseline.toml";

/// The allowed increase when a new baseline is written: 3%.
pub const DEFAULT_MAX_INCREASE_PCT: f64 = 3.0;

/// Callgrind instruction counts (`Ir`) by bench id, from one gungraun run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstructionCounts {
    counts: BTreeMap<String, u64>,
}

impl InstructionCounts {
    /// The count of bench `id`, if it was measured.
    pub fn get(&self, id: &str) -> Option<u64> {
        self.counts.get(id).copied()
    }

    /// Every `(id, count)`, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.counts.iter().map(|(id, n)| (id.as_str(), *n))
    }

    /// How many benches were measured.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether no bench was measured.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

/// Reads gungraun's JSON-lines summary (`--output-format=json`) from `path`.
pub fn load_instruction_counts(
    path: impl AsRef<Path>,
) -> Result<InstructionCounts, BenchGateError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .map_err(|e| BenchGateError::new(path, BenchGateErrorKind::Io(e)))?;
    parse_instruction_counts(&text).map_err(|kind| BenchGateError::new(path, kind))
}

/// Parses gungraun's JSON-lines summary; blank lines are skipped.
pub fn parse_instruction_counts(text: &str) -> Result<InstructionCounts, BenchGateErrorKind> {
    let mut counts = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let summary: serde_json::Value =
            serde_json::from_str(line).map_err(|error| BenchGateErrorKind::Summary {
                line: line_no,
                reason: format!("not JSON: {error}"),
            })?;
        let (id, count) =
            summary_count(&summary).map_err(|reason| BenchGateErrorKind::Summary {
                line: line_no,
                reason,
            })?;
        match counts.entry(id) {
            Entry::Vacant(slot) => {
                slot.insert(count);
            }
            Entry::Occupied(slot) => {
                return Err(BenchGateErrorKind::Summary {
                    line: line_no,
                    reason: format!("bench id `{}` appears twice", slot.key()),
                });
            }
        }
    }
    if counts.is_empty() {
        return Err(BenchGateErrorKind::NoInstructionCounts);
    }
    Ok(InstructionCounts { counts })
}

/// The id and callgrind `Ir` total of one gungraun summary object.
fn summary_count(summary: &serde_json::Value) -> Result<(String, u64), String> {
    let text = |field: &str| {
        summary
            .get(field)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("`{field}` is missing or not a string"))
    };
    let id = format!("{}/{}", text("function_name")?, text("id")?);
    let profiles = summary
        .get("profiles")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| format!("{id}: `profiles` is missing or not an array"))?;
    let callgrind = profiles
        .iter()
        .find(|p| p.get("tool").and_then(serde_json::Value::as_str) == Some("Callgrind"))
        .ok_or_else(|| {
            format!("{id}: no Callgrind profile (was the bench run with another tool?)")
        })?;
    let pointer = "/data/total/metrics/Ir/values/new";
    let count = callgrind
        .pointer(pointer)
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| format!("{id}: Callgrind `{pointer}` is missing or not a count"))?;
    Ok((id, count))
}

/// The committed baseline: counts by bench id and the allowed increase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstructionBaseline {
    /// How far above its baseline a count may go, in percent (3.0 = 3%).
    pub max_increase_pct: f64,
    /// Callgrind `Ir` by bench id.
    pub counts: BTreeMap<String, u64>,
}

const BASELINE_HEADER: &str = "\
# Callgrind instruction counts (Ir) of the monitoring hot paths, the baseline of the
# instruction-count gate (`harness bench-gate --instructions`). A bench fails when its
# count is more than max_increase_pct above the number here.
#
# Counts depend on the compiler, the C library and the CPU features valgrind reports:
# regenerate this file when the toolchain changes, or when a change is meant to cost
# more, with `ci/bench.sh update-baseline`, and commit it on its own.
";

impl InstructionBaseline {
    /// A baseline of `counts` allowing `max_increase_pct`.
    pub fn from_counts(counts: &InstructionCounts, max_increase_pct: f64) -> Self {
        Self {
            max_increase_pct,
            counts: counts.counts.clone(),
        }
    }

    /// Reads and checks a baseline file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, BenchGateError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| BenchGateError::new(path, BenchGateErrorKind::Io(e)))?;
        Self::parse(&text).map_err(|kind| BenchGateError::new(path, kind))
    }

    /// Parses and checks baseline TOML.
    pub fn parse(text: &str) -> Result<Self, BenchGateErrorKind> {
        let baseline: Self = toml::from_str(text).map_err(BenchGateErrorKind::Toml)?;
        if !(baseline.max_increase_pct.is_finite() && baseline.max_increase_pct >= 0.0) {
            return Err(BenchGateErrorKind::InvalidBudget {
                name: "max_increase_pct".to_owned(),
                reason: format!(
                    "must be a finite percentage >= 0 (3.0 = 3%), got {}",
                    baseline.max_increase_pct
                ),
            });
        }
        if baseline.counts.is_empty() {
            return Err(BenchGateErrorKind::NoBudgets);
        }
        if let Some((id, _)) = baseline.counts.iter().find(|(_, n)| **n == 0) {
            return Err(BenchGateErrorKind::InvalidBudget {
                name: id.clone(),
                reason: "a baseline count of 0 instructions cannot be compared".to_owned(),
            });
        }
        Ok(baseline)
    }

    /// The file text: an explanatory header, then the TOML.
    pub fn to_toml(&self) -> String {
        // A struct of a float and a map of integers always serializes.
        let body = toml::to_string(self).unwrap_or_default();
        format!("{BASELINE_HEADER}\n{body}")
    }

    /// Writes the baseline to `path`, replacing it.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), BenchGateError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_toml())
            .map_err(|e| BenchGateError::new(path, BenchGateErrorKind::Io(e)))
    }
}

/// How one bench's count compares with its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstructionVerdict {
    /// At most `max_increase_pct` above the baseline.
    Pass,
    /// More than `max_increase_pct` above the baseline.
    OverBaseline,
    /// In the baseline, but not measured: a failure.
    Missing,
    /// Measured, but not in the baseline yet. Listed; does not fail.
    NoBaseline,
}

impl InstructionVerdict {
    /// Whether this verdict lets the gate pass.
    pub fn passed(self) -> bool {
        matches!(self, Self::Pass | Self::NoBaseline)
    }
}

/// One bench's row of the instruction gate.
#[derive(Debug, Clone, PartialEq)]
pub struct InstructionCheck {
    /// `<function>/<bench>`.
    pub bench: String,
    /// The committed count.
    pub baseline: Option<u64>,
    /// This run's count.
    pub measured: Option<u64>,
    /// How it ended.
    pub verdict: InstructionVerdict,
}

impl InstructionCheck {
    /// Change from the baseline in percent (+1.5 = 1.5% more instructions).
    pub fn change_pct(&self) -> Option<f64> {
        let (base, now) = (self.baseline?, self.measured?);
        Some((now as f64 / base as f64 - 1.0) * 100.0)
    }
}

/// Every bench of one instruction gate run, sorted by id.
#[derive(Debug, Clone, PartialEq)]
pub struct InstructionReport {
    /// The allowed increase, in percent.
    pub max_increase_pct: f64,
    /// One row per bench in the baseline or the run.
    pub checks: Vec<InstructionCheck>,
    /// The overhead budgets (on vs off ratios, absolute counts) from the same run.
    pub overhead: Vec<OverheadCheck>,
    /// Whether an overhead breach is reported without failing (a count the budgets
    /// name but the run lacks fails either way).
    pub overhead_advisory: bool,
}

/// Compares this run's counts with the baseline.
pub fn evaluate_instructions(
    baseline: &InstructionBaseline,
    counts: &InstructionCounts,
) -> InstructionReport {
    let mut ids: Vec<&str> = baseline.counts.keys().map(String::as_str).collect();
    ids.extend(counts.counts.keys().map(String::as_str));
    ids.sort_unstable();
    ids.dedup();
    let limit = 1.0 + baseline.max_increase_pct / 100.0;
    let checks = ids
        .into_iter()
        .map(|id| {
            let base = baseline.counts.get(id).copied();
            let now = counts.get(id);
            let verdict = match (base, now) {
                (Some(base), Some(now)) if now as f64 <= base as f64 * limit => {
                    InstructionVerdict::Pass
                }
                (Some(_), Some(_)) => InstructionVerdict::OverBaseline,
                (Some(_), None) => InstructionVerdict::Missing,
                (None, _) => InstructionVerdict::NoBaseline,
            };
            InstructionCheck {
                bench: id.to_owned(),
                baseline: base,
                measured: now,
                verdict,
            }
        })
        .collect();
    InstructionReport {
        max_increase_pct: baseline.max_increase_pct,
        checks,
        overhead: Vec::new(),
        overhead_advisory: false,
    }
}

impl InstructionReport {
    /// Whether every bench passed, and every overhead budget (unless advisory or the
    /// budget is marked `open`; a budget whose bench was not counted fails always).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.verdict.passed())
            && !self
                .overhead
                .iter()
                .any(|c| c.fails(self.overhead_advisory))
    }

    /// The benches that failed.
    pub fn failures(&self) -> impl Iterator<Item = &InstructionCheck> {
        self.checks.iter().filter(|c| !c.verdict.passed())
    }

    /// A summary line and a table: bench, baseline, measured, change, budget, verdict.
    pub fn to_markdown(&self) -> String {
        let failed = self.failures().count();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} Instruction gate: {} of {} benches within {}% of the committed baseline \
             (callgrind Ir, counted on the thread that runs each bench)\n",
            if failed == 0 { "✅" } else { "❌" },
            self.checks.len() - failed,
            self.checks.len(),
            self.max_increase_pct,
        );
        out.push_str(
            "| Bench | Baseline Ir | Ir | Change | Budget | Verdict |\n\
             | --- | ---: | ---: | ---: | ---: | --- |\n",
        );
        let count = |n: Option<u64>| n.map_or("—".to_owned(), thousands);
        for check in &self.checks {
            let change = check
                .change_pct()
                .map_or("—".to_owned(), |pct| format!("{pct:+.2}%"));
            let verdict = match check.verdict {
                InstructionVerdict::Pass => "✅ pass",
                InstructionVerdict::OverBaseline => "❌ over baseline",
                InstructionVerdict::Missing => "❌ not measured",
                InstructionVerdict::NoBaseline => "➖ new, no baseline",
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | ≤ +{}% | {} |",
                check.bench,
                count(check.baseline),
                count(check.measured),
                change,
                self.max_increase_pct,
                verdict,
            );
        }
        if !self.overhead.is_empty() {
            out.push('\n');
            out.push_str(&overhead_markdown(&self.overhead, self.overhead_advisory));
        }
        out
    }
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One summary line in gungraun 0.20's shape, trimmed to what the gate reads
    /// (plus a neighbour metric, so the pointer must pick `Ir`).
    fn line(function: &str, id: &str, ir: u64) -> String {
        serde_json::json!({
            "function_name": function,
            "id": id,
            "kind": "LibraryBenchmark",
            "profiles": [{
                "tool": "Callgrind",
                "data": {"total": {"metrics": {
                    "Dr": {"values": {"new": 7, "old": 7}},
                    "Ir": {"values": {"new": ir, "old": ir + 5}}
                }}}
            }]
        })
        .to_string()
    }

    fn counts(rows: &[(&str, &str, u64)]) -> InstructionCounts {
        let text: Vec<String> = rows.iter().map(|(f, id, n)| line(f, id, *n)).collect();
        parse_instruction_counts(&text.join("\n")).expect("valid summary")
    }

    fn baseline(rows: &[(&str, u64)], pct: f64) -> InstructionBaseline {
        InstructionBaseline {
            max_increase_pct: pct,
            counts: rows.iter().map(|(id, n)| ((*id).to_owned(), *n)).collect(),
        }
    }

    #[test]
    fn real_gungraun_output_parses() {
        let text = include_str!("../../fixtures/bench/gungraun-0.20-summary.jsonl");
        let counts = parse_instruction_counts(text).expect("gungraun's own output parses");
        assert_eq!(counts.get("recording/http_off"), Some(199));
        assert_eq!(counts.get("requests/static_small_off"), Some(47309));
        assert_eq!(counts.len(), 3);
    }

    #[test]
    fn ids_are_function_and_bench() {
        let c = counts(&[("requests", "feed_off", 100), ("recording", "http_off", 5)]);
        let ids: Vec<(&str, u64)> = c.iter().collect();
        assert_eq!(ids, [("recording/http_off", 5), ("requests/feed_off", 100)]);
    }

    #[test]
    fn bad_summaries_name_the_line_and_the_field() {
        let cases = [
            ("{not json", "line 1", "not JSON"),
            (
                r#"{"id": "x", "profiles": []}"#,
                "line 1",
                "`function_name`",
            ),
            (
                r#"{"function_name": "f", "id": "x", "profiles": [{"tool": "DHAT"}]}"#,
                "line 1",
                "no Callgrind profile",
            ),
            (
                r#"{"function_name": "f", "id": "x", "profiles": [{"tool": "Callgrind", "data": {}}]}"#,
                "line 1",
                "/data/total/metrics/Ir/values/new",
            ),
        ];
        for (text, at, what) in cases {
            let error = parse_instruction_counts(text).expect_err(text).to_string();
            assert!(
                error.contains(at) && error.contains(what),
                "{text}: {error}"
            );
        }
        let twice = format!("{}\n\n{}", line("f", "a", 1), line("f", "a", 2));
        let error = parse_instruction_counts(&twice)
            .expect_err("duplicate")
            .to_string();
        assert!(
            error.contains("line 3") && error.contains("`f/a` appears twice"),
            "{error}"
        );
        let empty = parse_instruction_counts("\n\n")
            .expect_err("empty")
            .to_string();
        assert!(empty.contains("--output-format=json"), "{empty}");
    }

    #[test]
    fn within_the_allowance_passes_and_above_fails() {
        let base = baseline(&[("f/a", 1000), ("f/b", 1000), ("f/c", 1000)], 3.0);
        let now = counts(&[("f", "a", 1030), ("f", "b", 1031), ("f", "c", 500)]);
        let report = evaluate_instructions(&base, &now);
        let verdicts: Vec<InstructionVerdict> = report.checks.iter().map(|c| c.verdict).collect();
        assert_eq!(
            verdicts,
            [
                InstructionVerdict::Pass,
                InstructionVerdict::OverBaseline,
                InstructionVerdict::Pass
            ]
        );
        assert!(!report.passed());
        let failed: Vec<&str> = report.failures().map(|c| c.bench.as_str()).collect();
        assert_eq!(failed, ["f/b"]);
    }

    #[test]
    fn unmeasured_benches_fail_and_new_ones_are_listed() {
        let base = baseline(&[("f/gone", 10), ("f/kept", 10)], 3.0);
        let now = counts(&[("f", "kept", 10), ("f", "new", 99)]);
        let report = evaluate_instructions(&base, &now);
        let rows: Vec<(&str, InstructionVerdict)> = report
            .checks
            .iter()
            .map(|c| (c.bench.as_str(), c.verdict))
            .collect();
        assert_eq!(
            rows,
            [
                ("f/gone", InstructionVerdict::Missing),
                ("f/kept", InstructionVerdict::Pass),
                ("f/new", InstructionVerdict::NoBaseline),
            ]
        );
        assert!(!report.passed());
    }

    #[test]
    fn markdown_shows_counts_change_and_verdicts() {
        let base = baseline(&[("requests/feed_off", 242_675), ("f/gone", 10)], 3.0);
        let now = counts(&[("requests", "feed_off", 250_798)]);
        insta::assert_snapshot!(evaluate_instructions(&base, &now).to_markdown());
    }

    #[test]
    fn baseline_round_trips_and_rejects_nonsense() {
        let base = InstructionBaseline::from_counts(&counts(&[("f", "a", 12_345)]), 3.0);
        let text = base.to_toml();
        assert!(text.starts_with("# Callgrind instruction counts"), "{text}");
        assert_eq!(InstructionBaseline::parse(&text).expect("round trip"), base);

        let cases = [
            ("max_increase_pct = 3.0\n[counts]\n", "defines no budget"),
            (
                "max_increase_pct = -1.0\n[counts]\n\"f/a\" = 1\n",
                "max_increase_pct",
            ),
            (
                "max_increase_pct = 3.0\n[counts]\n\"f/a\" = 0\n",
                "count of 0",
            ),
            (
                "max_increase_pct = 3.0\ncount = 1\n",
                "unknown field `count`",
            ),
            (
                "[counts]\n\"f/a\" = 1\n",
                "missing field `max_increase_pct`",
            ),
        ];
        for (text, expected) in cases {
            let error = InstructionBaseline::parse(text)
                .expect_err(text)
                .to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    /// The committed baseline, where the harness looks for it by default, must load.
    #[test]
    fn shipped_baseline_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DEFAULT_INSTRUCTIONS_BASELINE);
        let baseline = InstructionBaseline::load(&path).expect("the shipped baseline loads");
        assert_eq!(baseline.max_increase_pct, DEFAULT_MAX_INCREASE_PCT);
        assert!(baseline.counts.contains_key("recording/http_rate_0_0"));
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with(BASELINE_HEADER),
            "written by --update-baseline"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
