//! The exit code of `harness gate --baseline`: what the comparison and both runs'
//! inputs amount to.

use super::finding::Comparison;
use crate::exit_codes;
use crate::report::json::Document;

/// The exit code of a gate against a baseline: a baseline or candidate whose scenario
/// or target files are wrong is a usage error (2); a baseline that never became ready
/// compared nothing, so it is not a pass (3); otherwise 1 when the candidate fails the
/// gate (a regression; with `strict`, also anything already failing), else 0. A
/// candidate failure the baseline shares does not fail a gate without `strict`.
pub fn gate_exit_code(
    baseline: &Document,
    candidate: &Document,
    comparison: &Comparison,
    strict: bool,
) -> i32 {
    let usage = |d: &Document| d.exit_code == exit_codes::USAGE;
    if usage(baseline) || usage(candidate) {
        exit_codes::USAGE
    } else if baseline.exit_code == exit_codes::TARGET_NOT_READY {
        exit_codes::TARGET_NOT_READY
    } else if comparison.fails(strict) {
        exit_codes::CHECK_FAILED
    } else {
        exit_codes::PASS
    }
}
