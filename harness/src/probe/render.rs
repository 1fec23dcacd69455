//! The scenario file a probe becomes: TOML the scenario loader reads, with comments
//! saying what was found and why each step is there.

use std::fmt::Write as _;

use super::run::Probe;
use super::series::{SeriesFinding, Verdict};

/// How many series each "not a step" list shows before summing up the rest.
const LISTED: usize = 20;

impl Probe {
    /// The scenario file: `boot`, the probe's own traffic, one `metric` step with
    /// `delta` per series that moved by exactly that traffic, and `check-assets` last
    /// (its crawl requests the pages too, which the deltas must not count).
    pub fn to_scenario(&self) -> String {
        let n = self.requests_per_page;
        let total = u64::from(n) * self.pages.len() as u64;
        let mut out = String::new();
        let mut line = |text: &str| {
            out.push_str(text);
            out.push('\n');
        };
        line(&format!(
            "# Written by `harness probe` against {:?}: a starting point, edit it freely.",
            self.target
        ));
        line("#");
        line("# Pages: the start page and the pages it links that answer 200 with HTML:");
        for page in &self.pages {
            line(&format!("#   {page}"));
        }
        if !self.skipped.is_empty() {
            line("# Links left out:");
            for (path, why) in &self.skipped {
                line(&format!("#   {path}: {why}"));
            }
        }
        line(&format!("# Assets the pages link: {}.", self.assets));
        line(&format!(
            "name = {}",
            quote(&format!("probe-{}", slug(&self.target)))
        ));
        line(&format!(
            "description = {}",
            quote(&format!(
                "Written by harness probe against {}: {n} GET requests to each of {} page(s), \
                 the counting series that moved by exactly that traffic, and every asset the \
                 pages link.",
                self.target,
                self.pages.len()
            ))
        ));
        line("");
        line("# (Re)start the target (a `url` target is only waited for). The metric steps'");
        line("# deltas count from a reading the harness takes right after it.");
        line("[[steps]]");
        line("boot = {}");
        line("");
        line(&format!(
            "# The traffic the probe drove: {n} GET requests to each page, one after another \
             ({total} in all)."
        ));
        line("[[steps]]");
        line(&format!(
            "traffic = {{ paths = [{}], requests = {n} }}",
            self.pages
                .iter()
                .map(|p| quote(p))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for endpoint in &self.endpoints {
            line("");
            let key = endpoint.endpoint;
            let path = &endpoint.path;
            if let Some(error) = &endpoint.error {
                line(&format!("# {key} ({path}): not read, so no steps: {error}"));
                continue;
            }
            let steps: Vec<&SeriesFinding> = endpoint
                .series
                .iter()
                .filter(|s| s.verdict.is_step())
                .collect();
            line(&format!(
                "# {key} ({path}): {} of {} counting series moved by exactly the traffic.",
                steps.len(),
                endpoint.series.len()
            ));
            for finding in steps {
                let why = match (&finding.verdict, self.pages.len()) {
                    (_, 1) => format!("the {n} requests to the one page"),
                    (Verdict::OnePage, _) => {
                        format!("the {n} requests to one page (a per-route series)")
                    }
                    _ => format!("all {total} requests (an aggregate series)"),
                };
                line(&format!("# Moved by {}: {why}.", number(finding.delta)));
                line("[[steps]]");
                line(&format!(
                    "metric = {{ {key} = {}, delta = \"== {}\" }}",
                    quote(&finding.written),
                    number(finding.delta)
                ));
            }
            let other: Vec<String> = endpoint
                .series
                .iter()
                .filter_map(|s| match &s.verdict {
                    Verdict::Other => Some(format!(
                        "{} moved by {} (not {n} per page nor {total} in all)",
                        s.written,
                        number(s.delta)
                    )),
                    Verdict::Restless(by) => Some(format!(
                        "{} moved by {} with no traffic at all (time, or the metrics reads)",
                        s.written,
                        number(*by)
                    )),
                    Verdict::NotSelectable(why) => Some(format!(
                        "{} moved by {}, but {why}",
                        s.written,
                        number(s.delta)
                    )),
                    Verdict::OnePage | Verdict::AllPages | Verdict::Unmoved => None,
                })
                .collect();
            if !other.is_empty() {
                line("# Not steps (add one if its change is what you expect):");
                for text in other.iter().take(LISTED) {
                    line(&format!("#   {text}"));
                }
                if other.len() > LISTED {
                    line(&format!("#   ... and {} more", other.len() - LISTED));
                }
            }
            let unmoved = endpoint
                .series
                .iter()
                .filter(|s| s.verdict == Verdict::Unmoved)
                .count();
            if unmoved > 0 {
                line(&format!("# {unmoved} series did not move: no steps."));
            }
        }
        line("");
        if self.assets == 0 {
            line("# No check-assets step: the pages link no asset, and the step needs one.");
        } else {
            line("# Every asset the pages link, checked last: its crawl requests the pages");
            line("# again, which the deltas above would count.");
            line("[[steps]]");
            line(&format!(
                "check-assets = {{ pages = [{}] }}",
                self.pages
                    .iter()
                    .map(|p| quote(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out
    }
}

/// A TOML string: literal (`'...'`, no escapes, so selectors read as written) when it
/// can be, basic otherwise.
fn quote(text: &str) -> String {
    if text.contains(['\'', '\n', '\r']) || text.chars().any(char::is_control) {
        toml::Value::String(text.to_owned()).to_string()
    } else {
        format!("'{text}'")
    }
}

/// Lower-case letters and digits, runs of anything else as one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A delta as a comparison takes it: integers without a fraction.
fn number(value: f64) -> String {
    let mut out = String::new();
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let _ = write!(out, "{}", value as i64);
    } else {
        let _ = write!(out, "{value}");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::metrics::responsiveness::SeriesId;
    use crate::probe::EndpointFindings;
    use crate::scenario::Scenario;

    fn finding(written: &str, delta: f64, verdict: Verdict) -> SeriesFinding {
        SeriesFinding {
            id: SeriesId::named(written),
            written: written.to_owned(),
            delta,
            verdict,
        }
    }

    fn probe(assets: usize) -> Probe {
        Probe {
            target: "Flask blog (url)".to_owned(),
            pages: vec!["/".to_owned(), "/posts/it's".to_owned()],
            skipped: vec![(
                "/feed".to_owned(),
                "application/rss+xml, not HTML".to_owned(),
            )],
            assets,
            requests_per_page: 3,
            endpoints: vec![
                EndpointFindings {
                    endpoint: "prometheus",
                    path: "/metrics".to_owned(),
                    error: None,
                    series: vec![
                        finding("hits_total{path=\"/\"}", 3.0, Verdict::OnePage),
                        finding("all_total", 6.0, Verdict::AllPages),
                        finding("db_total", 2.0, Verdict::Other),
                        finding("scrapes_total", 0.0, Verdict::Restless(1.0)),
                        finding("idle_total", 0.0, Verdict::Unmoved),
                    ],
                },
                EndpointFindings {
                    endpoint: "json",
                    path: "/stats".to_owned(),
                    error: Some("GET /stats: status 401".to_owned()),
                    series: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn the_file_loads_and_holds_a_step_per_exact_series_only() {
        let text = probe(4).to_scenario();
        let scenario = Scenario::parse(&text, Path::new("probe.toml")).expect(&text);
        assert_eq!(scenario.name, "probe-flask-blog-url");
        // boot, traffic, two metric steps, check-assets.
        assert_eq!(scenario.steps.len(), 5, "{text}");
        assert!(
            text.contains("metric = { prometheus = 'hits_total{path=\"/\"}', delta = \"== 3\" }"),
            "{text}"
        );
        assert!(
            text.contains("metric = { prometheus = 'all_total', delta = \"== 6\" }"),
            "{text}"
        );
        assert!(!text.contains("prometheus = 'db_total'"), "{text}");
        assert!(
            text.contains("#   db_total moved by 2 (not 3 per page nor 6 in all)"),
            "{text}"
        );
        assert!(
            text.contains("#   scrapes_total moved by 1 with no traffic"),
            "{text}"
        );
        assert!(text.contains("# 1 series did not move"), "{text}");
        assert!(
            text.contains("# json (/stats): not read, so no steps: GET /stats: status 401"),
            "{text}"
        );
        assert!(
            text.contains("traffic = { paths = ['/', \"/posts/it's\"], requests = 3 }"),
            "{text}"
        );
        assert!(
            text.contains("#   /feed: application/rss+xml, not HTML"),
            "{text}"
        );
        let last = text.trim_end().lines().last().unwrap_or_default();
        assert_eq!(last, "check-assets = { pages = ['/', \"/posts/it's\"] }");
    }

    #[test]
    fn without_assets_there_is_no_check_assets_step() {
        let text = probe(0).to_scenario();
        let scenario = Scenario::parse(&text, Path::new("probe.toml")).expect(&text);
        assert_eq!(scenario.steps.len(), 4, "{text}");
        assert!(!text.contains("check-assets ="), "{text}");
    }
}
