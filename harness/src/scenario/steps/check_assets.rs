//! `check-assets = { pages = ["/"], static_dir = "...", url_prefix = "/static/" }`:
//! crawl the pages (and the files of a static directory) and check every asset. Also
//! the one step of `harness check-assets`, against a server already running.
//! `browser = true` also loads each page in Chromium, judged as the `browser` step
//! judges it, and adds what only the browser requested to the assets checked.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::Step;
use crate::assets::{
    AssetOptions, Require, SiteCheck, StallLimit, StaticDir, check_site_counted, links_from_browser,
};
use crate::browser::load_pages;
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::report::{Observation, ScenarioErrorKind};
use crate::scenario::context::{Context, Stop};
use crate::server::{self, BootError};

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
    /// Features the server must support: `range`, `validators`.
    #[serde(default)]
    require: Vec<String>,
    /// Also load the pages in Chromium.
    #[serde(default)]
    browser: bool,
}

fn static_prefix() -> String {
    "/static/".to_owned()
}
fn one() -> usize {
    1
}

/// Pages to crawl (never none), an optional directory whose every file is an asset
/// (resolved against the scenario file), the fewest assets that may be found, and
/// which server the step checks.
#[derive(Debug, Clone)]
pub(crate) struct CheckAssets {
    pages: Vec<String>,
    static_dir: Option<(PathBuf, String)>,
    /// `None`: no count check beyond the crawl's own "assets found".
    min_assets: Option<usize>,
    /// What not supporting fails instead of warns.
    require: Require,
    /// Load the pages in Chromium too: its checks, and its requests as assets.
    browser: bool,
    meets: Meets,
}

/// Which server the step checks, and how it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meets {
    /// The one a `boot` step started, with the run's client, for which a redirect is
    /// an answer to check: a scenario file's step.
    Booted,
    /// The target file's server as it runs (a URL server, met without a `boot` step
    /// or a readiness probe), followed through redirects as a browser would:
    /// `harness check-assets`.
    AsRunning,
}

/// The bound on each request of `harness check-assets` (the run's default).
const AS_RUNNING_TIMEOUT: Duration = Duration::from_secs(15);

impl Step {
    /// The one step of `harness check-assets`: crawl `pages` of the target file's
    /// server as it runs (see [`Meets::AsRunning`]), and every file of `static_dir`
    /// (a path as given, and the URL prefix it is served under); no asset-count floor
    /// beyond the crawl's own; with `browser`, the pages loaded in Chromium too.
    pub(crate) fn check_assets_as_running(
        pages: Vec<String>,
        static_dir: Option<(PathBuf, String)>,
        require: Require,
        browser: bool,
    ) -> Self {
        Self::CheckAssets(CheckAssets {
            pages,
            static_dir,
            min_assets: None,
            require,
            browser,
            meets: Meets::AsRunning,
        })
    }
}

impl CheckAssets {
    /// Validates the step; relative `static_dir`s resolve against `dir`, the scenario
    /// file's directory.
    pub(crate) fn new(raw: RawCheckAssets, dir: &std::path::Path) -> Result<Self, String> {
        if raw.pages.is_empty() {
            return Err("check-assets needs at least one page in `pages`".to_owned());
        }
        let require = Require::parse(raw.require.iter().map(String::as_str))
            .map_err(|e| format!("check-assets `require`: {e}"))?;
        Ok(Self {
            pages: raw.pages,
            static_dir: raw.static_dir.map(|d| (dir.join(d), raw.url_prefix)),
            min_assets: Some(raw.min_assets),
            require,
            browser: raw.browser,
            meets: Meets::Booted,
        })
    }

    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        // `AsRunning`: the server is met for this step only (a URL server has nothing
        // to stop, and no output to attach to a failure).
        let met;
        let (target, client) = match self.meets {
            Meets::Booted => (cx.running("check-assets")?, cx.client.clone()),
            Meets::AsRunning => {
                met = server::boot(cx.spec, &BTreeMap::new(), cx.client)
                    .await
                    .map_err(|e| {
                        let kind = match e {
                            BootError::NeverReady { .. } => ScenarioErrorKind::TargetNotReady,
                            _ => ScenarioErrorKind::Target,
                        };
                        Stop::error(kind, e.to_string())
                    })?;
                let client = reqwest::Client::builder()
                    .timeout(AS_RUNNING_TIMEOUT)
                    .build()
                    .map_err(|e| {
                        Stop::error(
                            ScenarioErrorKind::Target,
                            format!("cannot build an HTTP client: {e}"),
                        )
                    })?;
                (&met, client)
            }
        };
        let start_urls = self
            .pages
            .iter()
            .map(|p| cx.url(target, p))
            .collect::<Result<Vec<_>, _>>()?;
        // Chromium first: what it requested joins the crawl's assets.
        let seen = if self.browser {
            let where_ = self.pages.join(", ");
            Some(load_pages(cx.browser, &start_urls, "check-assets", where_).await)
        } else {
            None
        };
        let mut options = AssetOptions::new(start_urls);
        if let Some(seen) = &seen {
            options.from_browser = seen.loads.iter().flat_map(links_from_browser).collect();
        }
        options.require = self.require;
        if let Some(ms) = cx.spec.keepalive_stall_ms {
            options.stall_limit = StallLimit(Duration::from_millis(ms));
        }
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
            facts,
        } = check_site_counted(&client, &options).await;
        cx.observations
            .extend(facts.into_iter().map(Observation::Asset));
        if let Some(min_assets) = self.min_assets {
            outcomes.push(CheckOutcome::new(
                CheckKind::Asset,
                "asset count",
                self.pages.join(", "),
                Verdict::expect(
                    assets >= min_assets,
                    format!("at least {min_assets} assets"),
                    format!("{assets} assets"),
                ),
                started.elapsed(),
            ));
        }
        if let Some(seen) = seen {
            outcomes.extend(seen.checks);
        }
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use crate::exit_codes;
    use crate::report::RunReport;
    use crate::scenario::{RunOptions, Scenario, run_scenarios};
    use crate::server::TargetSpec;

    /// `harness check-assets URL --page PAGE`, as `main` runs it.
    async fn check_assets(url: &str, page: &str) -> RunReport {
        let url = url::Url::parse(url).expect("url");
        let scenario =
            Scenario::check_assets(vec![page.to_owned()], None, Default::default(), false);
        let mut report = RunReport::new();
        let spec = TargetSpec::running_at(&url);
        run_scenarios(&[scenario], &spec, &RunOptions::default(), &mut report).await;
        report
    }

    fn failed(report: &RunReport) -> Vec<String> {
        report.failures().map(|(_, c)| c.name.clone()).collect()
    }

    /// The run failed checks (exit 1), `page`'s among them.
    fn assert_page_failed(report: &RunReport, page: &str) {
        assert_eq!(report.exit_code(), exit_codes::CHECK_FAILED);
        let failed = failed(report);
        assert!(failed.contains(&format!("page {page}")), "{failed:?}");
    }

    #[tokio::test]
    async fn a_page_answering_404_is_a_failed_check_not_a_server_never_ready() {
        let site = MockServer::start().await;
        let report = check_assets(&site.uri(), "/missing").await;
        assert_page_failed(&report, "/missing");
    }

    #[tokio::test]
    async fn a_server_that_does_not_answer_is_a_failed_check() {
        // Port 1: nothing listens; not probed, so not "never ready" (exit 3).
        let report = check_assets("http://127.0.0.1:1/", "/").await;
        assert_page_failed(&report, "/");
    }

    #[tokio::test]
    async fn pages_are_followed_through_redirects_as_before() {
        let site = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/"))
            .respond_with(ResponseTemplate::new(301).insert_header("location", "/home"))
            .mount(&site)
            .await;
        Mock::given(method("GET"))
            .and(path("/home"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw("<!doctype html><p>hi", "text/html"),
            )
            .mount(&site)
            .await;
        let report = check_assets(&site.uri(), "/").await;
        let failed = failed(&report);
        assert!(!failed.contains(&"page /".to_owned()), "{failed:?}");
        // The page has no assets: the crawl's own floor fails, and nothing else counts.
        assert_eq!(failed, vec!["assets found".to_owned()]);
    }

    #[tokio::test]
    async fn each_asset_checked_is_reported_with_what_it_was_served_as() {
        let site = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"<!doctype html><link rel="stylesheet" href="/a.css"><script src="/b.js"></script>"#,
                "text/html",
            ))
            .mount(&site)
            .await;
        Mock::given(method("GET"))
            .and(path("/a.css"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("body{}", "text/css"))
            .mount(&site)
            .await;
        Mock::given(method("GET"))
            .and(path("/b.js"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&site)
            .await;
        let report = check_assets(&site.uri(), "/").await;
        let facts: Vec<(String, Option<u16>, Option<String>)> = report.scenarios()[0]
            .assets
            .iter()
            .map(|f| (f.path.clone(), f.status, f.content_type.clone()))
            .collect();
        assert_eq!(
            facts,
            [
                ("/a.css".to_owned(), Some(200), Some("text/css".to_owned())),
                ("/b.js".to_owned(), Some(500), None),
            ]
        );
    }
}
