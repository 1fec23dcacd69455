//! `boot = { env = {...} }` starts (or restarts) the target; `expect-boot-failure`
//! starts it with a configuration it must refuse, and checks the exit code and what it
//! said.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::output::{last_lines, mentions};
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::report::ScenarioErrorKind;
use crate::scenario::context::{Context, Stop};
use crate::server::{self, BootError};

/// `boot = { env = {...} }`, as written and as run: nothing to validate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Boot {
    /// Extra environment for this boot.
    #[serde(default)]
    env: BTreeMap<String, String>,
}

impl Boot {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        // The previous target (if any) is killed before the next one starts.
        cx.target = None;
        let env = cx.boot_env(&self.env);
        let started = Instant::now();
        match server::boot(cx.spec, &env, cx.client).await {
            Ok(target) => {
                let location = target.base_url().to_string();
                cx.target = Some(target);
                Ok(vec![CheckOutcome::new(
                    CheckKind::Startup,
                    format!("boot {}", describe_env(&self.env, cx.variant_env)),
                    location,
                    Verdict::Pass,
                    started.elapsed(),
                )])
            }
            Err(e) => Err(boot_stop(e, started.elapsed(), &cx.spec.ready.path)),
        }
    }
}

/// `expect-boot-failure = { env = {...}, exit_code = 2, message = ["..."] }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BootFailure {
    /// Extra environment that must make start-up fail.
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// The exit code expected.
    exit_code: i32,
    /// Texts the output must contain (e.g. the offending key).
    #[serde(default)]
    message: Vec<String>,
}

impl BootFailure {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        cx.target = None;
        let env = cx.boot_env(&self.env);
        let started = Instant::now();
        let name = format!(
            "refuses to start with {}",
            describe_env(&self.env, &BTreeMap::new())
        );
        let exit_check = |verdict| {
            CheckOutcome::new(
                CheckKind::Startup,
                format!("{name}: exit code"),
                "process exit code",
                verdict,
                started.elapsed(),
            )
        };
        match server::boot_expecting_exit(cx.spec, &env, cx.client).await {
            Ok((code, output)) => {
                let mut checks = vec![exit_check(Verdict::expect(
                    code == Some(self.exit_code),
                    format!("exit code {}", self.exit_code),
                    code.map_or("killed by a signal".to_owned(), |c| {
                        format!("exit code {c}")
                    }),
                ))];
                for text in &self.message {
                    checks.push(mentions(&format!("{name}: says"), &output, text, started));
                }
                Ok(checks)
            }
            Err(seen) => Ok(vec![exit_check(Verdict::Fail {
                expected: format!("start-up refused with exit code {}", self.exit_code),
                seen,
            })]),
        }
    }
}

/// Why a boot stopped the variant: a target that never got ready is an error of the
/// run; one that exited is a failed check, with its output attached.
fn boot_stop(error: BootError, waited: Duration, ready_path: &str) -> Stop {
    let output = error.output().map(str::to_owned);
    match error {
        BootError::NeverReady { .. } => Stop {
            error: Some((ScenarioErrorKind::TargetNotReady, error.to_string())),
            check: None,
            output,
        },
        BootError::Exited { code, ref output } => Stop {
            error: None,
            check: Some(Box::new(CheckOutcome::new(
                CheckKind::Startup,
                "boot",
                "process exit code",
                Verdict::Fail {
                    expected: format!("ready (2xx at {ready_path})"),
                    seen: format!(
                        "exited with {}: {}",
                        code.map_or("a signal".to_owned(), |c| format!("exit code {c}")),
                        last_lines(output, 3)
                    ),
                },
                waited,
            ))),
            output: Some(output.clone()),
        },
        other => Stop {
            error: Some((ScenarioErrorKind::Target, other.to_string())),
            check: None,
            output,
        },
    }
}

/// `KEY=VALUE ...` of a boot's environment (the variant's, then the step's).
fn describe_env(step: &BTreeMap<String, String>, variant: &BTreeMap<String, String>) -> String {
    let all: BTreeMap<&String, &String> = variant.iter().chain(step).collect();
    if all.is_empty() {
        return "with the target's defaults".to_owned();
    }
    all.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}
