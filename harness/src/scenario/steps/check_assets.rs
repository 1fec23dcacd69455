//! `check-assets = { pages = ["/"], static_dir = "...", url_prefix = "/static/" }`:
//! crawl the pages (and the files of a static directory) and check every asset.

use std::path::PathBuf;
use std::time::Instant;

use serde::Deserialize;

use crate::assets::{AssetOptions, SiteCheck, StaticDir, check_site_counted};
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::scenario::context::{Context, Stop};

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCheckAssets {
    pages: Vec<String>,
    static_dir: Option<String>,
    #[serde(default = "static_prefix")]
    url_prefix: String,
    #[serde(default = "one")]
    min_assets: usize,
}

fn static_prefix() -> String {
    "/static/".to_owned()
}
fn one() -> usize {
    1
}

/// Pages to crawl (never none), an optional directory whose every file is an asset
/// (resolved against the scenario file), and the fewest assets that may be found.
#[derive(Debug, Clone)]
pub(crate) struct CheckAssets {
    pages: Vec<String>,
    static_dir: Option<(PathBuf, String)>,
    min_assets: usize,
}

impl CheckAssets {
    /// Validates the step; relative `static_dir`s resolve against `dir`, the scenario
    /// file's directory.
    pub(crate) fn new(raw: RawCheckAssets, dir: &std::path::Path) -> Result<Self, String> {
        if raw.pages.is_empty() {
            return Err("check-assets needs at least one page in `pages`".to_owned());
        }
        Ok(Self {
            pages: raw.pages,
            static_dir: raw.static_dir.map(|d| (dir.join(d), raw.url_prefix)),
            min_assets: raw.min_assets,
        })
    }

    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("check-assets")?;
        let start_urls = self
            .pages
            .iter()
            .map(|p| cx.url(target, p))
            .collect::<Result<Vec<_>, _>>()?;
        let mut options = AssetOptions::new(start_urls);
        if let Some((path, prefix)) = &self.static_dir {
            options.static_dir = Some(StaticDir {
                path: path.clone(),
                url_prefix: cx.url(target, prefix)?,
            });
        }
        let started = Instant::now();
        let SiteCheck {
            mut outcomes,
            assets,
        } = check_site_counted(cx.client, &options).await;
        outcomes.push(CheckOutcome::new(
            CheckKind::Asset,
            "asset count",
            self.pages.join(", "),
            Verdict::expect(
                assets >= self.min_assets,
                format!("at least {} assets", self.min_assets),
                format!("{assets} assets"),
            ),
            started.elapsed(),
        ));
        Ok(outcomes)
    }
}
