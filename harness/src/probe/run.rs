//! The probe itself: boot, find pages and assets, read the metrics twice with no
//! traffic between (to spot series that move by themselves), drive the traffic, read
//! once more.

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use super::series::{EndpointFindings, classify};

use crate::assets::{AssetOptions, discover, find_pages};
use crate::metrics::MetricsError;
use crate::scenario::{Endpoint, Reader, Reading, drive_gets, read_metrics};
use crate::server::{BootError, Server, TargetSpec, boot};

/// How hard the probe pushes.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// `GET`s per page, sent one after another; small, so a low-traffic bug shows.
    pub requests_per_page: u32,
    /// The most pages traffic is sent to, the start page included.
    pub max_pages: usize,
    /// Bound on each request.
    pub request_timeout: Duration,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            requests_per_page: 3,
            max_pages: 8,
            request_timeout: Duration::from_secs(15),
        }
    }
}

/// What the probe found: enough to write the scenario file.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The target file's name.
    pub target: String,
    /// Pages traffic went to, the start page first.
    pub pages: Vec<String>,
    /// Linked paths left out, with why.
    pub skipped: Vec<(String, String)>,
    /// How many assets the pages link (a `check-assets` step needs at least one).
    pub assets: usize,
    /// `GET`s sent to each page.
    pub requests_per_page: u32,
    /// Per metrics endpoint of the target file, what each counting series did.
    pub endpoints: Vec<EndpointFindings>,
}

/// Why the probe could not write a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The target did not come up.
    #[error("target {target:?}: {source}")]
    Boot {
        /// The target file's name.
        target: String,
        /// Why.
        #[source]
        source: BootError,
    },
    /// The start page is not a page (not 200 with HTML): nothing to probe.
    #[error("{0}")]
    StartPage(String),
    /// The probe's own traffic failed, so a scenario repeating it would too.
    #[error("the probe's traffic failed: {0}")]
    Traffic(String),
    /// No HTTP client could be built.
    #[error("cannot build an HTTP client: {0}")]
    Client(String),
}

impl ProbeError {
    /// Whether the target never answered its readiness probe (exit 3, as a gate's).
    pub fn target_never_ready(&self) -> bool {
        matches!(
            self,
            Self::Boot {
                source: BootError::NeverReady { .. },
                ..
            }
        )
    }
}

impl Probe {
    /// How many series became `metric` steps.
    pub fn metric_steps(&self) -> usize {
        self.endpoints
            .iter()
            .flat_map(|e| &e.series)
            .filter(|s| s.verdict.is_step())
            .count()
    }

    /// One line for the terminal: what was found.
    pub fn summary(&self) -> String {
        format!(
            "probed {} page(s) with {} asset(s); {} metric step(s)",
            self.pages.len(),
            self.assets,
            self.metric_steps()
        )
    }
}

/// Probes the target of `spec`: boots it (a `url` target is only waited for), finds
/// the pages `/` links to, and observes its counting series under a few requests to
/// each. The server is stopped (a URL server left alone) before returning.
pub async fn probe(spec: &TargetSpec, options: &ProbeOptions) -> Result<Probe, ProbeError> {
    // As the scenario runner's client: redirects are answers, not followed.
    let client = reqwest::Client::builder()
        .timeout(options.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ProbeError::Client(e.to_string()))?;
    let server = boot(spec, &BTreeMap::new(), &client)
        .await
        .map_err(|source| ProbeError::Boot {
            target: spec.name.clone(),
            source,
        })?;
    let start = server
        .url("/")
        .map_err(|e| ProbeError::StartPage(format!("/ on {}: {e}", server.base_url())))?;
    let metrics_paths: Vec<String> = [&spec.metrics.prometheus, &spec.metrics.json]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let found = find_pages(
        &client,
        &start,
        options.max_pages.max(1),
        &metrics_paths,
        options.request_timeout,
    )
    .await
    .map_err(ProbeError::StartPage)?;
    let assets = count_assets(&client, &server, &found.pages).await;

    let reader = Reader {
        spec,
        client: &client,
    };
    let quiet = read_all(reader, &server).await;
    let before = read_all(reader, &server).await;
    let (server, traffic) = drive_gets(
        spec,
        &client,
        server,
        found.pages.clone(),
        options.requests_per_page,
    )
    .await;
    let failures: Vec<String> = traffic
        .map_err(ProbeError::Traffic)?
        .iter()
        .filter(|o| !o.passed())
        .map(|o| match o.verdict.expected_and_seen() {
            Some((expected, seen)) => format!("{}: expected {expected}, seen {seen}", o.name),
            None => o.name.clone(),
        })
        .collect();
    if !failures.is_empty() {
        return Err(ProbeError::Traffic(failures.join("; ")));
    }
    let Some(server) = server else {
        return Err(ProbeError::Traffic(
            "the target was lost during the traffic".to_owned(),
        ));
    };
    let after = read_all(reader, &server).await;
    drop(server);

    let endpoints = quiet
        .into_iter()
        .zip(before)
        .zip(after)
        .map(
            |(((endpoint, path, quiet), (_, _, before)), (_, _, after))| {
                let mut findings = EndpointFindings {
                    endpoint: endpoint.key(),
                    path,
                    error: None,
                    series: Vec::new(),
                };
                match (quiet, before, after) {
                    (Ok(quiet), Ok(before), Ok(after)) => {
                        findings.series = classify(
                            &quiet,
                            &before,
                            &after,
                            options.requests_per_page,
                            found.pages.len(),
                        );
                    }
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                        findings.error = Some(e.to_string());
                    }
                }
                findings
            },
        )
        .collect();
    Ok(Probe {
        target: spec.name.clone(),
        pages: found.pages,
        skipped: found.skipped,
        assets,
        requests_per_page: options.requests_per_page,
        endpoints,
    })
}

/// One reading of every metrics endpoint the target file names, with its path.
async fn read_all(
    reader: Reader<'_>,
    server: &Server,
) -> Vec<(Endpoint, String, Result<Reading, MetricsError>)> {
    let mut out = Vec::new();
    for endpoint in Endpoint::ALL {
        let path = match endpoint {
            Endpoint::Prometheus => reader.spec.metrics.prometheus.clone(),
            Endpoint::Json => reader.spec.metrics.json.clone(),
        };
        if let (Some(path), Some(reading)) = (path, read_metrics(reader, server, endpoint).await) {
            out.push((endpoint, path, reading));
        }
    }
    out
}

/// How many assets the pages link, by the asset crawl's own discovery (without the
/// checks: the scenario's `check-assets` step runs those).
async fn count_assets(client: &reqwest::Client, server: &Server, pages: &[String]) -> usize {
    let start_urls: Vec<Url> = pages.iter().filter_map(|p| server.url(p).ok()).collect();
    let mut options = AssetOptions::new(start_urls);
    options.conformance = false;
    discover(client, &options).await.assets.len()
}
