//! Overhead budgets in instructions: monitoring on vs off (and monitored vs raw) as
//! ratios of two counts from the same gungraun run (the wall-clock gate's
//! [`RatioBudget`] shape), and absolute counts per operation.
//! The same budgets as the wall-clock gate's, checked where the machine's load cannot
//! blur them. From `budgets.toml`:
//!
//! ```toml
//! [[instruction_ratio]]      # numerator / denominator <= max, both from this run
//! name = "note page, sampling 1.0 vs off"
//! numerator = "requests/note_page_rate_1_0"
//! denominator = "requests/note_page_off"
//! max = 1.02
//!
//! [[instruction_absolute]]   # bench <= max_ir
//! bench = "recording/http_rate_0_0"
//! max_ir = 150
//! ```

use std::fmt::Write as _;

use serde::Deserialize;

use crate::budgets::RatioBudget;
use crate::instructions::{InstructionCounts, thousands};

/// `bench <= max_ir` instructions per iteration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstructionAbsoluteBudget {
    /// What the budget is about, for the report.
    pub name: Option<String>,
    /// The bench id.
    pub bench: String,
    /// Most instructions one iteration may take.
    pub max_ir: u64,
}

/// How one overhead budget came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverheadVerdict {
    /// Within the budget.
    Pass,
    /// Over it.
    Over,
    /// A bench it names was not counted: always a failure.
    Missing,
}

/// One row of the overhead table.
#[derive(Debug, Clone, PartialEq)]
pub struct OverheadCheck {
    /// The budget's name, or the ids compared.
    pub name: String,
    /// What was measured, as the table shows it (`1.049×`, `255 Ir`).
    pub measured: String,
    /// The limit, as the table shows it (`≤ 1.02×`, `≤ 150 Ir`).
    pub limit: String,
    /// How it came out.
    pub verdict: OverheadVerdict,
}

/// Checks every instruction budget against this run's counts.
pub fn evaluate_overhead(
    ratios: &[RatioBudget],
    absolutes: &[InstructionAbsoluteBudget],
    counts: &InstructionCounts,
) -> Vec<OverheadCheck> {
    let mut checks = Vec::new();
    for budget in ratios {
        let name = budget.display_name();
        let limit = format!("≤ {:.3}×", budget.max);
        checks.push(
            match (
                counts.get(&budget.numerator),
                counts.get(&budget.denominator),
            ) {
                (Some(on), Some(off)) if off > 0 => {
                    let ratio = on as f64 / off as f64;
                    OverheadCheck {
                        name,
                        measured: format!(
                            "{ratio:.3}× ({} / {} Ir)",
                            thousands(on),
                            thousands(off)
                        ),
                        limit,
                        verdict: if ratio <= budget.max {
                            OverheadVerdict::Pass
                        } else {
                            OverheadVerdict::Over
                        },
                    }
                }
                _ => missing(
                    name,
                    limit,
                    &[&budget.numerator, &budget.denominator],
                    counts,
                ),
            },
        );
    }
    for budget in absolutes {
        let name = budget.name.clone().unwrap_or_else(|| budget.bench.clone());
        let limit = format!("≤ {} Ir", thousands(budget.max_ir));
        checks.push(match counts.get(&budget.bench) {
            Some(n) => OverheadCheck {
                name,
                measured: format!("{} Ir", thousands(n)),
                limit,
                verdict: if n <= budget.max_ir {
                    OverheadVerdict::Pass
                } else {
                    OverheadVerdict::Over
                },
            },
            None => missing(name, limit, &[&budget.bench], counts),
        });
    }
    checks
}

fn missing(name: String, limit: String, ids: &[&str], counts: &InstructionCounts) -> OverheadCheck {
    let absent: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| counts.get(id).is_none_or(|n| n == 0))
        .collect();
    OverheadCheck {
        name,
        measured: format!("not counted: {}", absent.join(", ")),
        limit,
        verdict: OverheadVerdict::Missing,
    }
}

/// The overhead table, under a summary line; `advisory` says a breach is reported,
/// not failed (a missing count fails either way).
pub fn overhead_markdown(checks: &[OverheadCheck], advisory: bool) -> String {
    let over = checks
        .iter()
        .filter(|c| c.verdict == OverheadVerdict::Over)
        .count();
    let missing = checks
        .iter()
        .filter(|c| c.verdict == OverheadVerdict::Missing)
        .count();
    let icon = if missing > 0 || (over > 0 && !advisory) {
        "❌"
    } else if over > 0 {
        "⚠️"
    } else {
        "✅"
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{icon} Overhead budgets in instructions: {} of {} within budget{}{}\n",
        checks.len() - over - missing,
        checks.len(),
        if missing > 0 {
            format!(", {missing} not counted")
        } else {
            String::new()
        },
        if over > 0 && advisory {
            " (advisory: breaches reported, not failed)"
        } else {
            ""
        },
    );
    out.push_str("| Budget | Measured | Limit | Verdict |\n| --- | ---: | ---: | --- |\n");
    for check in checks {
        let verdict = match check.verdict {
            OverheadVerdict::Pass => "✅ pass",
            OverheadVerdict::Over if advisory => "⚠️ over (advisory)",
            OverheadVerdict::Over => "❌ over",
            OverheadVerdict::Missing => "❌ not counted",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {verdict} |",
            check.name, check.measured, check.limit
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instructions::parse_instruction_counts;

    fn counts(pairs: &[(&str, &str, u64)]) -> InstructionCounts {
        let lines: Vec<String> = pairs
            .iter()
            .map(|(function, id, ir)| {
                format!(
                    r#"{{"function_name":"{function}","id":"{id}","profiles":[{{"tool":"Callgrind","data":{{"total":{{"metrics":{{"Ir":{{"values":{{"new":{ir}}}}}}}}}}}}}]}}"#
                )
            })
            .collect();
        parse_instruction_counts(&lines.join("\n")).expect("summary")
    }

    fn ratio(max: f64) -> RatioBudget {
        RatioBudget {
            name: None,
            numerator: "requests/feed_rate_1_0".into(),
            denominator: "requests/feed_off".into(),
            max,
        }
    }

    #[test]
    fn ratios_and_absolutes_pass_breach_or_miss() {
        let run = counts(&[
            ("requests", "feed_rate_1_0", 1_049),
            ("requests", "feed_off", 1_000),
            ("recording", "http_rate_0_0", 255),
        ]);
        let absolute = |max_ir| InstructionAbsoluteBudget {
            name: Some("recording at 0.0".into()),
            bench: "recording/http_rate_0_0".into(),
            max_ir,
        };
        let checks = evaluate_overhead(&[ratio(1.05), ratio(1.02)], &[absolute(150)], &run);
        let verdicts: Vec<OverheadVerdict> = checks.iter().map(|c| c.verdict).collect();
        assert_eq!(
            verdicts,
            [
                OverheadVerdict::Pass,
                OverheadVerdict::Over,
                OverheadVerdict::Over
            ]
        );
        assert_eq!(checks[1].measured, "1.049× (1,049 / 1,000 Ir)");
        assert_eq!(checks[2].limit, "≤ 150 Ir");

        let partial = counts(&[("requests", "feed_off", 1_000)]);
        let checks = evaluate_overhead(&[ratio(1.02)], &[], &partial);
        assert_eq!(checks[0].verdict, OverheadVerdict::Missing);
        assert_eq!(checks[0].measured, "not counted: requests/feed_rate_1_0");
    }

    #[test]
    fn advisory_softens_a_breach_but_never_a_missing_count() {
        let over = OverheadCheck {
            name: "n".into(),
            measured: "1.1×".into(),
            limit: "≤ 1.02×".into(),
            verdict: OverheadVerdict::Over,
        };
        assert!(overhead_markdown(std::slice::from_ref(&over), true).starts_with("⚠️"));
        assert!(overhead_markdown(std::slice::from_ref(&over), false).starts_with("❌"));
        let missing = OverheadCheck {
            verdict: OverheadVerdict::Missing,
            ..over
        };
        assert!(overhead_markdown(&[missing], true).starts_with("❌"));
    }
}
