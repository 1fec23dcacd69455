//! The asset diff: the assets a scenario's pages linked on the baseline, each looked up
//! by path on the candidate. Gone, or answering 4xx/5xx, a changed media type, a lost
//! `ETag`, `Last-Modified` or Range support are regressions; a changed length (a new
//! build of the same file) is information.

use std::collections::BTreeMap;

use super::finding::{Comparison, Finding, FindingArea};
use crate::assets::AssetFacts;
use crate::report::json::Scenario;

/// Each path once: the first time it was served (variants check the same assets).
fn by_path(assets: &[AssetFacts]) -> BTreeMap<&str, &AssetFacts> {
    let mut out: BTreeMap<&str, &AssetFacts> = BTreeMap::new();
    for facts in assets {
        let keep = out.get(facts.path.as_str()).is_some_and(|f| f.served());
        if !keep {
            out.insert(&facts.path, facts);
        }
    }
    out
}

/// The status in words: `200`, or the transport error.
fn status(facts: &AssetFacts) -> String {
    match (facts.status, &facts.error) {
        (Some(code), _) => format!("status {code}"),
        (None, Some(error)) => format!("no response: {error}"),
        (None, None) => "no response".to_owned(),
    }
}

/// The media type without parameters, lowercased: `text/css; charset=utf-8` is
/// `text/css`.
fn essence(content_type: Option<&str>) -> Option<String> {
    content_type.map(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    })
}

fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_owned(), str::to_owned)
}

fn yes_no(present: bool) -> String {
    if present { "sent" } else { "not sent" }.to_owned()
}

pub(super) fn compare(base: &Scenario, cand: &Scenario, out: &mut Comparison) {
    let candidates = by_path(&cand.assets);
    for (path, before) in by_path(&base.assets) {
        let finding = |what: &str, baseline: String, candidate: String| Finding {
            scenario: base.name.clone(),
            area: FindingArea::Asset,
            subject: path.to_owned(),
            what: what.to_owned(),
            baseline,
            candidate,
        };
        let Some(after) = candidates.get(path) else {
            if before.served() {
                out.regressions.push(finding(
                    "linked on the baseline, not found on the candidate",
                    status(before),
                    "not linked".to_owned(),
                ));
            }
            continue;
        };
        match (before.served(), after.served()) {
            (true, false) => {
                let what = "served on the baseline, not on the candidate";
                out.regressions
                    .push(finding(what, status(before), status(after)));
                continue;
            }
            (false, false) => {
                let what = "not served on either";
                out.already_failing
                    .push(finding(what, status(before), status(after)));
                continue;
            }
            (false, true) => {
                let what = "served on the candidate only";
                out.information
                    .push(finding(what, status(before), status(after)));
                continue;
            }
            (true, true) => {}
        }
        let (old_type, new_type) = (
            before.content_type.as_deref(),
            after.content_type.as_deref(),
        );
        if essence(old_type) != essence(new_type) {
            out.regressions.push(finding(
                "Content-Type changed",
                shown(old_type),
                shown(new_type),
            ));
        } else if old_type != new_type {
            out.information.push(finding(
                "Content-Type parameters changed",
                shown(old_type),
                shown(new_type),
            ));
        }
        if before.range == Some(true) && after.range == Some(false) {
            out.regressions.push(finding(
                "Range support lost",
                "206 to bytes=0-9".to_owned(),
                "no 206 to bytes=0-9".to_owned(),
            ));
        }
        for (name, old, new) in [
            ("ETag", before.etag, after.etag),
            ("Last-Modified", before.last_modified, after.last_modified),
        ] {
            if old && !new {
                out.regressions.push(finding(
                    &format!("validator {name} lost"),
                    yes_no(old),
                    yes_no(new),
                ));
            }
        }
        if before.length != after.length {
            let bytes =
                |l: Option<u64>| l.map_or_else(|| "unknown".to_owned(), |l| format!("{l} bytes"));
            out.information.push(finding(
                "length changed",
                bytes(before.length),
                bytes(after.length),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::test_support::{asset, document, scenario};

    fn diff(before: Vec<AssetFacts>, after: Vec<AssetFacts>) -> Comparison {
        let mut base = document(vec![scenario("s", Vec::new())]);
        base.scenarios[0].assets = before;
        let mut cand = document(vec![scenario("s", Vec::new())]);
        cand.scenarios[0].assets = after;
        crate::compare::compare_runs(&base, &cand)
    }

    fn whats(found: &[Finding]) -> Vec<String> {
        found
            .iter()
            .map(|f| {
                format!(
                    "{} {}: {} -> {}",
                    f.subject, f.what, f.baseline, f.candidate
                )
            })
            .collect()
    }

    #[test]
    fn the_same_assets_differ_in_nothing() {
        let a = asset("/a.css");
        assert_eq!(diff(vec![a.clone()], vec![a]), Comparison::default());
    }

    #[test]
    fn an_asset_gone_or_broken_on_the_candidate_is_a_regression() {
        let found = diff(vec![asset("/a.css")], Vec::new());
        assert_eq!(
            whats(&found.regressions),
            ["/a.css linked on the baseline, not found on the candidate: status 200 -> not linked"]
        );
        let mut broken = asset("/a.css");
        broken.status = Some(500);
        let found = diff(vec![asset("/a.css")], vec![broken.clone()]);
        assert_eq!(
            whats(&found.regressions),
            ["/a.css served on the baseline, not on the candidate: status 200 -> status 500"]
        );
        let both = diff(vec![broken.clone()], vec![broken]);
        assert!(both.regressions.is_empty());
        assert_eq!(both.already_failing.len(), 1);
    }

    #[test]
    fn a_changed_type_or_lost_range_or_validator_is_a_regression() {
        let mut changed = asset("/a.css");
        changed.content_type = Some("application/octet-stream".into());
        changed.range = Some(false);
        changed.etag = false;
        let found = diff(vec![asset("/a.css")], vec![changed]);
        assert_eq!(
            whats(&found.regressions),
            [
                "/a.css Content-Type changed: text/css; charset=utf-8 -> application/octet-stream",
                "/a.css Range support lost: 206 to bytes=0-9 -> no 206 to bytes=0-9",
                "/a.css validator ETag lost: sent -> not sent",
            ]
        );
    }

    #[test]
    fn a_changed_length_or_charset_is_information_only() {
        let mut rebuilt = asset("/a.css");
        rebuilt.length = Some(99);
        rebuilt.content_type = Some("text/css; charset=UTF-8".into());
        let found = diff(vec![asset("/a.css")], vec![rebuilt]);
        assert!(found.regressions.is_empty(), "{:?}", found.regressions);
        assert_eq!(
            whats(&found.information),
            [
                "/a.css Content-Type parameters changed: text/css; charset=utf-8 -> text/css; charset=UTF-8",
                "/a.css length changed: 120 bytes -> 99 bytes",
            ]
        );
    }
}
