//! The steps a scenario file can hold, one module each: its TOML form, its validation
//! into typed values when the file is loaded, and its execution.

mod boot;
mod browser;
mod check_assets;
mod expect_json;
mod metric;
mod mock_token_endpoint;
mod output;
mod request;
mod traffic;

pub(crate) use traffic::Traffic;

use std::path::Path;

use serde::Deserialize;

use check_assets::CheckAssets;

use super::context::{Context, Stop};
use crate::outcome::CheckOutcome;

/// A step as written: a table with one key, e.g. `[[steps]] traffic = {...}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawStep {
    Boot(boot::Boot),
    ExpectBootFailure(boot::BootFailure),
    ExpectOutput(output::RawOutput),
    Traffic(traffic::RawTraffic),
    CheckAssets(check_assets::RawCheckAssets),
    Metric(metric::RawMetric),
    ExpectJson(expect_json::RawExpectJson),
    MockTokenEndpoint(mock_token_endpoint::MockTokenEndpoint),
    Request(request::RawRequest),
    Browser(browser::RawBrowser),
}

/// A validated step, ready to run.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Start (or restart) the target with extra environment.
    Boot(boot::Boot),
    /// Start the target and expect it to refuse: exit code and a message.
    ExpectBootFailure(boot::BootFailure),
    /// The running target's output so far contains a text (e.g. a config warning).
    ExpectOutput(output::ExpectOutput),
    /// Send a bounded number of requests.
    Traffic(traffic::Traffic),
    /// Crawl pages and check every asset.
    CheckAssets(CheckAssets),
    /// Read a metric and compare it.
    Metric(metric::Metric),
    /// Read a JSON document and check one value.
    ExpectJson(expect_json::ExpectJson),
    /// Start a mock IndieAuth token endpoint; later boots get `TOKEN_ENDPOINT`.
    MockTokenEndpoint(mock_token_endpoint::MockTokenEndpoint),
    /// Send one request and check the response.
    Request(request::Request),
    /// Load pages in headless Chromium and judge what it saw.
    Browser(browser::Browser),
}

impl Step {
    /// Validates a step as written; `dir` is the scenario file's directory, against
    /// which relative paths resolve.
    pub(crate) fn from_raw(raw: RawStep, dir: &Path) -> Result<Self, String> {
        Ok(match raw {
            RawStep::Boot(step) => Step::Boot(step),
            RawStep::ExpectBootFailure(step) => Step::ExpectBootFailure(step),
            RawStep::ExpectOutput(step) => Step::ExpectOutput(step.try_into()?),
            RawStep::Traffic(step) => Step::Traffic(step.try_into()?),
            RawStep::CheckAssets(step) => Step::CheckAssets(CheckAssets::new(step, dir)?),
            RawStep::Metric(step) => Step::Metric(step.try_into()?),
            RawStep::ExpectJson(step) => Step::ExpectJson(step.try_into()?),
            RawStep::MockTokenEndpoint(step) => Step::MockTokenEndpoint(step),
            RawStep::Request(step) => Step::Request(step.try_into()?),
            RawStep::Browser(step) => Step::Browser(step.try_into()?),
        })
    }

    /// Whether the step only prepares (boots, mocks) and asserts nothing of its own.
    pub(crate) fn sets_up_only(&self) -> bool {
        matches!(self, Step::Boot(_) | Step::MockTokenEndpoint(_))
    }

    /// Whether the step (re)starts the target, so metrics read before it are stale.
    pub(crate) fn boots(&self) -> bool {
        matches!(self, Step::Boot(_) | Step::ExpectBootFailure(_))
    }

    /// Whether the step reads a change since the reference reading.
    pub(crate) fn needs_reference(&self) -> bool {
        matches!(self, Step::Metric(step) if step.needs_reference())
    }

    /// Whether its checks count as assertions: a boot's own check does not, so a
    /// scenario must check more than that it booted.
    pub(crate) fn asserts(&self) -> bool {
        !matches!(self, Step::Boot(_))
    }

    /// Runs the step in a variant's context.
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        match self {
            Step::Boot(step) => step.run(cx).await,
            Step::ExpectBootFailure(step) => step.run(cx).await,
            Step::ExpectOutput(step) => step.run(cx).await,
            Step::Traffic(step) => step.run(cx).await,
            Step::CheckAssets(step) => step.run(cx).await,
            Step::Metric(step) => step.run(cx).await,
            Step::ExpectJson(step) => step.run(cx).await,
            Step::MockTokenEndpoint(step) => step.run(cx).await,
            Step::Request(step) => step.run(cx).await,
            Step::Browser(step) => step.run(cx).await,
        }
    }
}
