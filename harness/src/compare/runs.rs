//! The run-level comparison: scenario by scenario, checks matched by name and step
//! (never by URL: ports differ), then the asset and metric diffs.

use std::collections::BTreeMap;

use super::finding::{Comparison, Finding, FindingArea};
use super::{assets, metrics};
use crate::report::json::{Check, Document, Outcome, Scenario};

/// Compares a candidate run with its baseline (both as the JSON report's model: a
/// run just made converts with `Document::new`). A check that passed (or warned) on
/// the baseline and fails on the candidate is a regression; one that fails on both is
/// already failing; one the candidate fixed, or that went from pass to a warning, is
/// information; a failing check the baseline did not make at all is a regression. A
/// skip (a check not made, e.g. for want of Chromium) is neither: a
/// check the candidate skipped is information, never a regression; one the baseline
/// skipped and the candidate fails is a regression, since nothing shows it failed
/// before. A scenario that could not run on the candidate is a regression, or
/// already failing when it could not run on the baseline either.
pub fn compare_runs(baseline: &Document, candidate: &Document) -> Comparison {
    let mut out = Comparison::default();
    let candidates: BTreeMap<&str, &Scenario> = candidate
        .scenarios
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    for base in &baseline.scenarios {
        let Some(cand) = candidates.get(base.name.as_str()) else {
            out.information.push(Finding {
                scenario: base.name.clone(),
                area: FindingArea::Check,
                subject: "scenario".to_owned(),
                what: "not run on the candidate".to_owned(),
                baseline: verdict(base.verdict).to_owned(),
                candidate: "not run".to_owned(),
            });
            continue;
        };
        scenario_errors(base, cand, &mut out);
        checks(base, cand, &mut out);
        assets::compare(base, cand, &mut out);
        metrics::compare(base, cand, &mut out);
    }
    out
}

fn verdict(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Warn => "warn",
        Outcome::Fail => "fail",
        Outcome::Skip => "skip",
    }
}

/// A check's answer in words: `pass`, `fail: expected X, seen Y` or `skip: reason`.
fn answer(check: &Check) -> String {
    if let Some(reason) = &check.reason {
        return format!("{}: {reason}", verdict(check.verdict));
    }
    match (&check.expected, &check.seen) {
        (Some(expected), Some(seen)) => {
            format!(
                "{}: expected {expected}, seen {seen}",
                verdict(check.verdict)
            )
        }
        _ => verdict(check.verdict).to_owned(),
    }
}

fn scenario_errors(base: &Scenario, cand: &Scenario, out: &mut Comparison) {
    if cand.errors.is_empty() {
        return;
    }
    let seen: Vec<String> = cand
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.kind, e.message))
        .collect();
    let finding = Finding {
        scenario: base.name.clone(),
        area: FindingArea::Check,
        subject: "scenario".to_owned(),
        what: "could not run to completion".to_owned(),
        baseline: if base.errors.is_empty() {
            "ran to completion".to_owned()
        } else {
            base.errors
                .iter()
                .map(|e| format!("{}: {}", e.kind, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        },
        candidate: seen.join("; "),
    };
    if base.errors.is_empty() {
        out.regressions.push(finding);
    } else {
        out.already_failing.push(finding);
    }
}

/// A check's identity across runs: its name (which carries the variant) and the step
/// that made it; repeated identities pair up in order.
fn keyed(checks: &[Check]) -> BTreeMap<(String, Option<usize>, usize), &Check> {
    let mut seen: BTreeMap<(String, Option<usize>), usize> = BTreeMap::new();
    checks
        .iter()
        .map(|c| {
            let step = c.origin.as_ref().map(|o| o.step);
            let n = seen.entry((c.name.clone(), step)).or_default();
            *n += 1;
            ((c.name.clone(), step, *n), c)
        })
        .collect()
}

fn checks(base: &Scenario, cand: &Scenario, out: &mut Comparison) {
    let candidates = keyed(&cand.checks);
    let baselines = keyed(&base.checks);
    // A failing check the baseline never made (an asset or request only the candidate
    // has, one more console error) is new breakage: nothing shows it failed before.
    for (key, after) in &candidates {
        if after.verdict == Outcome::Fail && !baselines.contains_key(key) {
            out.regressions.push(Finding {
                scenario: base.name.clone(),
                area: FindingArea::Check,
                subject: key.0.clone(),
                what: "fails on the candidate; the baseline made no such check".to_owned(),
                baseline: "not made".to_owned(),
                candidate: answer(after),
            });
        }
    }
    for (key, before) in baselines {
        let Some(after) = candidates.get(&key) else {
            continue;
        };
        let finding = |what: &str| Finding {
            scenario: base.name.clone(),
            area: FindingArea::Check,
            subject: key.0.clone(),
            what: what.to_owned(),
            baseline: answer(before),
            candidate: answer(after),
        };
        match (before.verdict, after.verdict) {
            (Outcome::Pass | Outcome::Warn, Outcome::Fail) => {
                out.regressions
                    .push(finding("passed on the baseline, fails on the candidate"));
            }
            (Outcome::Fail, Outcome::Fail) => {
                out.already_failing.push(finding("fails on both"));
            }
            (Outcome::Fail, Outcome::Pass | Outcome::Warn) => {
                out.information.push(finding("fixed on the candidate"));
            }
            (Outcome::Pass, Outcome::Warn) => {
                out.information.push(finding("now warns"));
            }
            (Outcome::Skip, Outcome::Fail) => {
                out.regressions
                    .push(finding("skipped on the baseline, fails on the candidate"));
            }
            (Outcome::Pass | Outcome::Warn | Outcome::Fail, Outcome::Skip) => {
                out.information.push(finding("skipped on the candidate"));
            }
            (Outcome::Pass, Outcome::Pass)
            | (Outcome::Warn, Outcome::Pass | Outcome::Warn)
            | (Outcome::Skip, Outcome::Pass | Outcome::Warn | Outcome::Skip) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::test_support::{check, document, scenario};
    use crate::report::ScenarioErrorKind;
    use crate::report::json::Error;

    #[test]
    fn a_failing_check_only_the_candidate_made_is_a_regression_a_passing_one_is_not() {
        let base = document(vec![scenario("s", vec![check("GET 200 /a.css", None)])]);
        let cand = document(vec![scenario(
            "s",
            vec![
                check("GET 200 /a.css", None),
                check("GET 200 /new.js", None),
                check("browser Fetch /data.json", Some(("loads", "status 404"))),
            ],
        )]);
        let found = compare_runs(&base, &cand);
        let subjects: Vec<&str> = found
            .regressions
            .iter()
            .map(|f| f.subject.as_str())
            .collect();
        assert_eq!(subjects, ["browser Fetch /data.json"], "{found:#?}");
        assert_eq!(found.regressions[0].baseline, "not made");
    }

    #[test]
    fn a_check_that_passed_and_now_fails_is_a_regression_with_both_answers() {
        let base = document(vec![scenario("s", vec![check("GET 200 /a.css", None)])]);
        let cand = document(vec![scenario(
            "s",
            vec![check("GET 200 /a.css", Some(("status 200", "status 500")))],
        )]);
        let found = compare_runs(&base, &cand);
        assert_eq!(found.regressions.len(), 1, "{found:?}");
        let regression = &found.regressions[0];
        assert_eq!(regression.subject, "GET 200 /a.css");
        assert_eq!(regression.baseline, "pass");
        assert_eq!(
            regression.candidate,
            "fail: expected status 200, seen status 500"
        );
        assert!(found.fails(false));
        // The same runs the other way round: a fix, no regression.
        let fixed = compare_runs(&cand, &base);
        assert!(fixed.regressions.is_empty());
        assert_eq!(fixed.information[0].what, "fixed on the candidate");
        assert!(!fixed.fails(true));
    }

    #[test]
    fn a_check_skipped_on_the_candidate_is_information_never_a_regression() {
        let base = document(vec![scenario("s", vec![check("browser load /", None)])]);
        let mut cand = base.clone();
        let skipped = &mut cand.scenarios[0].checks[0];
        skipped.verdict = Outcome::Skip;
        skipped.reason = Some("no Chromium".into());
        let found = compare_runs(&base, &cand);
        assert!(found.regressions.is_empty(), "{found:?}");
        assert!(!found.fails(true));
        assert_eq!(found.information.len(), 1);
        assert_eq!(found.information[0].what, "skipped on the candidate");
        assert_eq!(found.information[0].baseline, "pass");
        assert_eq!(found.information[0].candidate, "skip: no Chromium");
        // Skipped on both: nothing to say.
        assert_eq!(compare_runs(&cand, &cand), Comparison::default());
    }

    #[test]
    fn a_check_failing_on_both_is_already_failing_and_fails_only_when_strict() {
        let failing = || {
            document(vec![scenario(
                "s",
                vec![check("length /a.css", Some(("6 bytes", "5 bytes")))],
            )])
        };
        let found = compare_runs(&failing(), &failing());
        assert!(found.regressions.is_empty());
        assert_eq!(found.already_failing.len(), 1);
        assert!(!found.fails(false));
        assert!(found.fails(true));
    }

    #[test]
    fn the_gate_exit_code_follows_the_comparison_and_the_inputs() {
        use crate::compare::gate_exit_code;
        use crate::exit_codes::{CHECK_FAILED, PASS, TARGET_NOT_READY, USAGE};
        let pass = document(vec![scenario("s", vec![check("a", None)])]);
        let fail = document(vec![scenario("s", vec![check("a", Some(("x", "y")))])]);
        let gate =
            |b: &Document, c: &Document, strict| gate_exit_code(b, c, &compare_runs(b, c), strict);
        assert_eq!(gate(&pass, &pass, true), PASS);
        assert_eq!(gate(&pass, &fail, false), CHECK_FAILED);
        assert_eq!(gate(&fail, &fail, false), PASS);
        assert_eq!(gate(&fail, &fail, true), CHECK_FAILED);
        let mut unready = pass.clone();
        unready.exit_code = TARGET_NOT_READY;
        assert_eq!(gate(&unready, &pass, false), TARGET_NOT_READY);
        let mut wrong_file = pass.clone();
        wrong_file.exit_code = USAGE;
        assert_eq!(gate(&pass, &wrong_file, false), USAGE);
    }

    #[test]
    fn checks_pair_by_name_and_step_not_by_location() {
        let mut base = document(vec![scenario("s", vec![check("GET 200 /a.css", None)])]);
        base.scenarios[0].checks[0].location = "http://127.0.0.1:1111/a.css".into();
        let mut cand = base.clone();
        cand.scenarios[0].checks[0].location = "http://127.0.0.1:2222/a.css".into();
        assert_eq!(compare_runs(&base, &cand), Comparison::default());
    }

    #[test]
    fn a_scenario_that_cannot_run_on_the_candidate_is_a_regression() {
        let base = document(vec![scenario("s", vec![check("boot", None)])]);
        let mut cand = base.clone();
        cand.scenarios[0].errors.push(Error {
            kind: ScenarioErrorKind::TargetNotReady,
            message: "no answer".into(),
        });
        let found = compare_runs(&base, &cand);
        assert_eq!(found.regressions.len(), 1);
        assert_eq!(
            found.regressions[0].candidate,
            "target-not-ready: no answer"
        );
        let both = compare_runs(&cand, &cand);
        assert!(both.regressions.is_empty());
        assert_eq!(both.already_failing.len(), 1);
    }
}
