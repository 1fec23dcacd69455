//! A step's pages in one Chromium: launched once, each page loaded and judged with
//! [`classify`], then closed; without Chromium, the one check saying why no page was
//! loaded (skipped, or a failure when required). The `browser` step and
//! `check-assets = { browser = true }` both go through here, so a page is judged alike.

use std::time::Duration;

use url::Url;

use super::classify::{classify, shown};
use super::launch::Chromium;
use super::load::LoadOptions;
use super::record::PageLoad;
use super::setup::BrowserSetup;
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::prerequisite::{Found, Prerequisite, Status};

/// What loading the pages gave.
#[derive(Debug)]
pub(crate) struct PagesSeen {
    /// Each page's checks, or the one check saying why no page was loaded.
    pub(crate) checks: Vec<CheckOutcome>,
    /// The record of each page that loaded, in the order given.
    pub(crate) loads: Vec<PageLoad>,
}

/// Loads `pages` in one Chromium found through `setup`; `step` names the step in the
/// one line printed when Chromium is skipped, `where_` is the skip check's location.
pub(crate) async fn load_pages(
    setup: &BrowserSetup,
    pages: &[Url],
    step: &str,
    where_: String,
) -> PagesSeen {
    let not_loaded = |check| PagesSeen {
        checks: vec![check],
        loads: Vec::new(),
    };
    let binary = match &setup.chromium {
        Status::Available(Found::Chromium(binary)) => binary.clone(),
        Status::Skip(reason) => {
            let plural = if pages.len() == 1 { "" } else { "s" };
            let line = format!(
                "skipped {} page{plural}: {reason} (set {}=1 to make this a failure)",
                pages.len(),
                Prerequisite::Chromium.require_var()
            );
            eprintln!("{step} step: {line}");
            return not_loaded(not_run(where_, Verdict::Skip { reason: line }));
        }
        other => {
            let why = other
                .failure()
                .unwrap_or_else(|| format!("not Chromium: {other:?}"));
            return not_loaded(not_run(
                where_,
                Verdict::Fail {
                    expected: "pages loaded in Chromium".to_owned(),
                    seen: why,
                },
            ));
        }
    };
    let mut chromium = match Chromium::launch(&binary).await {
        Ok(chromium) => chromium,
        Err(e) => {
            return not_loaded(not_run(
                where_,
                Verdict::Fail {
                    expected: "Chromium starts".to_owned(),
                    seen: e.to_string(),
                },
            ));
        }
    };
    let options = LoadOptions {
        screenshot_dir: setup.screenshot_dir.clone(),
        ..LoadOptions::default()
    };
    let mut seen = PagesSeen {
        checks: Vec::new(),
        loads: Vec::new(),
    };
    for page in pages {
        match chromium.load(page.as_str(), &options).await {
            Ok(load) => {
                seen.checks.extend(classify(&load));
                seen.loads.push(load);
            }
            Err(e) => seen.checks.push(CheckOutcome::new(
                CheckKind::Asset,
                format!("browser load {}", shown(page.as_str(), page.as_str())),
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
    seen
}

/// The one check of a step that could not load its pages.
fn not_run(pages: String, verdict: Verdict) -> CheckOutcome {
    CheckOutcome::new(CheckKind::Asset, "browser", pages, verdict, Duration::ZERO)
}
