//! `browser = { pages = ["/"] }`: load each page of the booted target in headless
//! Chromium and judge what it saw (see [`crate::browser`]). Without Chromium the step
//! says so in one line and is skipped; with `HARNESS_REQUIRE_BROWSER=1` it fails.
//! `rendering = "unchanged"` makes `harness gate --baseline` fail a page whose
//! screenshot changed beyond the pixel threshold (by default a change is information).

use serde::Deserialize;

use crate::browser::load_pages;
use crate::outcome::{CheckOutcome, Rendering};
use crate::scenario::context::{Context, Stop};

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBrowser {
    pages: Vec<String>,
    #[serde(default)]
    rendering: Rendering,
}

/// The pages to load (never none).
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    pages: Vec<String>,
    rendering: Rendering,
}

impl TryFrom<RawBrowser> for Browser {
    type Error = String;

    fn try_from(raw: RawBrowser) -> Result<Self, String> {
        if raw.pages.is_empty() {
            return Err("`browser.pages` is empty: name at least one page, e.g. [\"/\"]".into());
        }
        Ok(Self {
            pages: raw.pages,
            rendering: raw.rendering,
        })
    }
}

impl Browser {
    /// Loads every page in one Chromium, closed at the end (killed if the step stops);
    /// the launching, skipping and judging are [`load_pages`]'s, shared with
    /// `check-assets = { browser = true }`.
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("browser")?;
        let pages = self
            .pages
            .iter()
            .map(|p| cx.url(target, p))
            .collect::<Result<Vec<_>, _>>()?;
        let where_ = self.pages.join(", ");
        let seen = load_pages(cx.browser, &pages, "browser", where_).await;
        Ok(seen
            .checks
            .into_iter()
            .map(|check| check.with_rendering(self.rendering))
            .collect())
    }
}
