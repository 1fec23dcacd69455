//! Small wording helpers shared by the human-readable reports: durations, plurals,
//! check kinds and the one-line failure message.

use std::time::Duration;

use crate::outcome::{CheckKind, CheckOutcome};

/// Stable kebab-case name of a check kind, as `CheckKind` serializes it.
pub(crate) fn kind_name(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Asset => "asset",
        CheckKind::Metric => "metric",
        CheckKind::Startup => "startup",
        CheckKind::Http => "http",
        CheckKind::Config => "config",
    }
}

/// `expected X, seen Y at LOCATION` for a failed or warning check, `None` for a pass.
pub(crate) fn failure_message(outcome: &CheckOutcome) -> Option<String> {
    let (expected, seen) = outcome.verdict.expected_and_seen()?;
    Some(format!(
        "expected {expected}, seen {seen} at {}",
        outcome.location
    ))
}

/// A duration for humans: `850ms`, `1.25s`, `2m 05s`. Real numbers only: snapshots
/// mask them with a filter on numbers-with-units.
pub(crate) fn human_duration(d: Duration) -> String {
    let millis = d.as_millis();
    if millis < 1000 {
        format!("{millis}ms")
    } else if d.as_secs() < 60 {
        format!("{:.2}s", d.as_secs_f64())
    } else {
        let secs = d.as_secs();
        format!("{}m {:02}s", secs / 60, secs % 60)
    }
}

/// `1 check`, `2 checks`.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Verdict;

    #[test]
    fn report_durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_micros(1500)), "1ms");
        assert_eq!(human_duration(Duration::from_millis(999)), "999ms");
        assert_eq!(human_duration(Duration::from_millis(1250)), "1.25s");
        assert_eq!(human_duration(Duration::from_secs(125)), "2m 05s");
    }

    #[test]
    fn report_failure_message_says_expected_seen_where() {
        let outcome = CheckOutcome::new(
            CheckKind::Metric,
            "database ops",
            "m{type=\"database\"}",
            Verdict::expect(false, "== 3", "0"),
            Duration::ZERO,
        );
        assert_eq!(
            failure_message(&outcome).as_deref(),
            Some("expected == 3, seen 0 at m{type=\"database\"}")
        );
        assert_eq!(count(1, "check", "checks"), "1 check");
        assert_eq!(count(0, "check", "checks"), "0 checks");
    }

    #[test]
    fn report_kind_names_match_serde() {
        for kind in [
            CheckKind::Asset,
            CheckKind::Metric,
            CheckKind::Startup,
            CheckKind::Http,
            CheckKind::Config,
        ] {
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::from(kind_name(kind)))
            );
        }
    }
}
