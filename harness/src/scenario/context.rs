//! What a step runs in: one variant's pass over the steps (the target it booted, the
//! environment so far, the mock endpoint it started), and how a step stops it.

use std::collections::BTreeMap;

use url::Url;

use super::reference::{Reader, References};
use super::token_endpoint::TokenEndpoint;
use crate::browser::BrowserSetup;
use crate::outcome::CheckOutcome;
use crate::report::{Observation, ScenarioErrorKind};
use crate::server::{Server, TargetSpec};

/// The state of one variant's pass over the steps.
pub(crate) struct Context<'a> {
    pub(crate) spec: &'a TargetSpec,
    pub(crate) client: &'a reqwest::Client,
    /// The variant's own environment, for naming boots.
    pub(crate) variant_env: &'a BTreeMap<String, String>,
    /// Environment for every boot: the run's, the variant's, then what steps added
    /// (`TOKEN_ENDPOINT`).
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) target: Option<Server>,
    pub(crate) token_endpoint: Option<TokenEndpoint>,
    /// The metrics as read before the first step after the last boot; `None` until
    /// taken (and again after each boot).
    pub(crate) references: Option<References>,
    /// Facts the steps observed beyond their checks; the runner reports and clears
    /// them after each step.
    pub(crate) observations: Vec<Observation>,
    /// Chromium for `browser` steps, as the run found it.
    pub(crate) browser: &'a BrowserSetup,
}

impl Context<'_> {
    /// The booted target, or a scenario-file error naming the step that needs one.
    pub(crate) fn running(&self, step: &str) -> Result<&Server, Stop> {
        self.target.as_ref().ok_or_else(|| {
            Stop::error(
                ScenarioErrorKind::ScenarioFile,
                format!("`{step}` needs a running target: add a `boot` step before it"),
            )
        })
    }

    /// `path` on the target.
    pub(crate) fn url(&self, target: &Server, path: &str) -> Result<Url, Stop> {
        target.url(path).map_err(|e| {
            Stop::error(
                ScenarioErrorKind::ScenarioFile,
                format!(
                    "path {path:?} does not join onto {}: {e}",
                    target.base_url()
                ),
            )
        })
    }

    /// The target file's bearer token, if it has one.
    pub(crate) fn bearer(&self) -> Result<Option<String>, Stop> {
        self.spec
            .bearer_token()
            .map_err(|e| Stop::error(ScenarioErrorKind::ScenarioFile, e))
    }

    /// What the metrics readings need.
    pub(crate) fn reader(&self) -> Reader<'_> {
        Reader {
            spec: self.spec,
            client: self.client,
        }
    }

    /// The environment of a boot: everything so far, then the step's own.
    pub(crate) fn boot_env(&self, step_env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut env = self.env.clone();
        env.extend(step_env.iter().map(|(k, v)| (k.clone(), v.clone())));
        env
    }
}

/// Why a variant stopped early: an error event, a failing check, and output to attach.
pub(crate) struct Stop {
    pub(crate) error: Option<(ScenarioErrorKind, String)>,
    pub(crate) check: Option<Box<CheckOutcome>>,
    pub(crate) output: Option<String>,
}

impl Stop {
    /// A stop that is an error of the run, not a check.
    pub(crate) fn error(kind: ScenarioErrorKind, message: impl Into<String>) -> Self {
        Self {
            error: Some((kind, message.into())),
            check: None,
            output: None,
        }
    }
}
