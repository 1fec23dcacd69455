//! `browser = { pages = ["/"] }`: load each page of the booted target in headless
//! Chromium and judge what it saw (see [`crate::browser`]). Without Chromium the step
//! says so in one line and warns; with `HARNESS_REQUIRE_BROWSER=1` it fails.

use std::time::Duration;

use serde::Deserialize;

use crate::browser::{Chromium, LoadOptions, classify};
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::prerequisite::{Found, Prerequisite, Status};
use crate::scenario::context::{Context, Stop};

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBrowser {
    pages: Vec<String>,
}

/// The pages to load (never none).
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    pages: Vec<String>,
}

impl TryFrom<RawBrowser> for Browser {
    type Error = String;

    fn try_from(raw: RawBrowser) -> Result<Self, String> {
        if raw.pages.is_empty() {
            return Err("`browser.pages` is empty: name at least one page, e.g. [\"/\"]".into());
        }
        Ok(Self { pages: raw.pages })
    }
}

impl Browser {
    /// Loads every page in one Chromium, closed at the end (killed if the step stops).
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("browser")?;
        let pages = self
            .pages
            .iter()
            .map(|p| cx.url(target, p))
            .collect::<Result<Vec<_>, _>>()?;
        let where_ = self.pages.join(", ");
        let binary = match &cx.browser.chromium {
            Status::Available(Found::Chromium(binary)) => binary.clone(),
            Status::Skip(reason) => {
                let plural = if pages.len() == 1 { "" } else { "s" };
                let line = format!(
                    "skipped {} page{plural}: {reason} (set {}=1 to make this a failure)",
                    pages.len(),
                    Prerequisite::Chromium.require_var()
                );
                eprintln!("browser step: {line}");
                // The report model has no skipped outcome yet: a warning says it,
                // and never fails the run.
                return Ok(vec![not_run(
                    where_,
                    Verdict::Warn {
                        expected: "pages loaded in Chromium".to_owned(),
                        seen: format!("skipped: {line}"),
                    },
                )]);
            }
            other => {
                let why = other
                    .failure()
                    .unwrap_or_else(|| format!("not Chromium: {other:?}"));
                return Ok(vec![not_run(
                    where_,
                    Verdict::Fail {
                        expected: "pages loaded in Chromium".to_owned(),
                        seen: why,
                    },
                )]);
            }
        };
        let mut chromium = match Chromium::launch(&binary).await {
            Ok(chromium) => chromium,
            Err(e) => {
                return Ok(vec![not_run(
                    where_,
                    Verdict::Fail {
                        expected: "Chromium starts".to_owned(),
                        seen: e.to_string(),
                    },
                )]);
            }
        };
        let options = LoadOptions {
            screenshot_dir: cx.browser.screenshot_dir.clone(),
            ..LoadOptions::default()
        };
        let mut checks = Vec::new();
        for page in pages {
            match chromium.load(page.as_str(), &options).await {
                Ok(load) => checks.extend(classify(&load)),
                Err(e) => checks.push(CheckOutcome::new(
                    CheckKind::Asset,
                    format!("browser load {page}"),
                    page.to_string(),
                    Verdict::Fail {
                        expected: "the page loads in Chromium within the bound".to_owned(),
                        seen: e.to_string(),
                    },
                    options.bound,
                )),
            }
        }
        chromium.close().await;
        Ok(checks)
    }
}

/// The one check of a step that could not load its pages.
fn not_run(pages: String, verdict: Verdict) -> CheckOutcome {
    CheckOutcome::new(CheckKind::Asset, "browser", pages, verdict, Duration::ZERO)
}
