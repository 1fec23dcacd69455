//! The scenario runner: runs each variant's pass over the steps, stamps every check
//! with the step it came from, and streams [`RunEvent`]s to a reporter. What a step
//! does is the step's own business (`steps/`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::context::Context;
use super::file::{Scenario, Variant};
use super::reference;
use crate::metrics::responsiveness::EndpointDeltas;
use crate::outcome::{CheckKind, CheckOutcome, Origin, Verdict};
use crate::report::{Observation, Reporter, RunEvent, ScenarioErrorKind};
use crate::server::{Kind, TargetSpec};
/// Settings for a whole run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Environment added to every boot (the self-validation suite passes
    /// `REFSERVER_REGRESSIONS` here).
    pub extra_env: BTreeMap<String, String>,
    /// Bound on every HTTP request the harness makes.
    pub request_timeout: Duration,
    /// Read every counting series before and after each variant's traffic and report
    /// the deltas (for the responsiveness diff of `harness gate --baseline`): costs two
    /// metrics reads per boot.
    pub record_metric_deltas: bool,
    /// Chromium for `browser` steps, and where their screenshots go.
    pub browser: crate::browser::BrowserSetup,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            extra_env: BTreeMap::new(),
            request_timeout: Duration::from_secs(15),
            record_metric_deltas: false,
            browser: crate::browser::BrowserSetup::default(),
        }
    }
}

impl RunOptions {
    /// The same options with `browser` steps' screenshots written to `dir` (a
    /// baseline's beside the candidate's, not over them).
    pub fn screenshots_in(&self, dir: std::path::PathBuf) -> Self {
        let mut options = self.clone();
        options.browser.screenshot_dir = Some(dir);
        options
    }
}

/// Runs `scenarios` in order against `spec`, framing them with run events.
pub async fn run_scenarios(
    scenarios: &[Scenario],
    spec: &TargetSpec,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) {
    let started = Instant::now();
    reporter.on_event(&RunEvent::RunStarted {
        target: spec.name.clone(),
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
    });
    for scenario in scenarios {
        run_scenario(scenario, spec, options, reporter).await;
    }
    reporter.on_event(&RunEvent::RunFinished {
        duration: started.elapsed(),
    });
}

/// Runs one scenario (every variant), emitting its events.
pub async fn run_scenario(
    scenario: &Scenario,
    spec: &TargetSpec,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) {
    let started = Instant::now();
    let name = scenario.name.clone();
    reporter.on_event(&RunEvent::ScenarioStarted {
        scenario: name.clone(),
    });
    let client = match reqwest::Client::builder()
        .timeout(options.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            reporter.on_event(&RunEvent::ScenarioError {
                scenario: name.clone(),
                kind: ScenarioErrorKind::Target,
                message: format!("cannot build an HTTP client: {e}"),
            });
            reporter.on_event(&RunEvent::ScenarioFinished {
                scenario: name,
                duration: started.elapsed(),
            });
            return;
        }
    };
    let single = [Variant {
        name: String::new(),
        env: BTreeMap::new(),
    }];
    let variants: &[Variant] = if scenario.variants.is_empty() {
        &single
    } else {
        &scenario.variants
    };
    let mut checks = 0;
    let mut errored = false;
    let needs_reference =
        options.record_metric_deltas || scenario.steps.iter().any(|s| s.needs_reference());
    for variant in variants {
        let browser = options.browser.for_pass(&scenario.name, &variant.name);
        let mut cx = Context {
            spec,
            client: &client,
            variant_env: &variant.env,
            env: options.extra_env.clone(),
            target: None,
            token_endpoint: None,
            references: None,
            observations: Vec::new(),
            browser: &browser,
        };
        cx.env
            .extend(variant.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut failed = false;
        for (index, step) in scenario.steps.iter().enumerate() {
            let origin = Origin {
                scenario: name.clone(),
                variant: (!variant.name.is_empty()).then(|| variant.name.clone()),
                step: index,
            };
            let stamp = |mut outcome: crate::outcome::CheckOutcome| {
                outcome.origin = Some(origin.clone());
                outcome
            };
            if let Some(kinds) = scenario.step_kinds.get(&index)
                && !kinds.contains(&spec.kind)
            {
                reporter.on_event(&RunEvent::Check {
                    scenario: name.clone(),
                    outcome: stamp(skipped_step(index, kinds, spec.kind)),
                });
                continue;
            }
            if step.boots() {
                cx.references = None;
            } else if needs_reference
                && cx.references.is_none()
                && let Some(target) = cx.target.as_ref()
            {
                cx.references = Some(reference::take(cx.reader(), target).await);
            }
            let result = step.run(&mut cx).await;
            for observation in std::mem::take(&mut cx.observations) {
                reporter.on_event(&RunEvent::Observed {
                    scenario: name.clone(),
                    observation,
                });
            }
            match result {
                Ok(outcomes) => {
                    for outcome in outcomes {
                        let outcome = stamp(outcome);
                        failed |= !outcome.passed();
                        checks += usize::from(step.asserts());
                        reporter.on_event(&RunEvent::Check {
                            scenario: name.clone(),
                            outcome,
                        });
                    }
                }
                Err(stop) => {
                    if let Some((kind, message)) = stop.error {
                        errored = true;
                        let prefix = if variant.name.is_empty() {
                            String::new()
                        } else {
                            format!("[{}] ", variant.name)
                        };
                        reporter.on_event(&RunEvent::ScenarioError {
                            scenario: name.clone(),
                            kind,
                            message: format!("{prefix}{message}"),
                        });
                    }
                    if let Some(outcome) = stop.check {
                        checks += 1;
                        reporter.on_event(&RunEvent::Check {
                            scenario: name.clone(),
                            outcome: stamp(*outcome),
                        });
                    }
                    if let Some(output) = stop.output.filter(|o| !o.is_empty()) {
                        reporter.on_event(&RunEvent::TargetOutput {
                            scenario: name.clone(),
                            output,
                        });
                    }
                    failed = true;
                    cx.target = None;
                    break;
                }
            }
        }
        if options.record_metric_deltas
            && let (Some(target), Some(references)) = (cx.target.as_ref(), cx.references.as_ref())
        {
            for (endpoint, found) in reference::deltas_since(cx.reader(), target, references).await
            {
                let (series, error) = match found {
                    Ok(series) => (series, None),
                    Err(e) => (Vec::new(), Some(e)),
                };
                reporter.on_event(&RunEvent::Observed {
                    scenario: name.clone(),
                    observation: Observation::MetricDeltas(EndpointDeltas {
                        variant: (!variant.name.is_empty()).then(|| variant.name.clone()),
                        endpoint: endpoint.key().to_owned(),
                        error,
                        series,
                    }),
                });
            }
        }
        // A failed variant shows what its server said; a URL server says nothing.
        if failed
            && let Some(output) = cx.target.as_ref().map(|t| t.output())
            && !output.is_empty()
        {
            reporter.on_event(&RunEvent::TargetOutput {
                scenario: name.clone(),
                output,
            });
        }
    }
    if checks == 0 && !errored {
        reporter.on_event(&RunEvent::ScenarioError {
            scenario: name.clone(),
            kind: ScenarioErrorKind::ScenarioFile,
            message: "the scenario made no checks beyond booting; a scenario that checks \
                      nothing cannot pass"
                .to_owned(),
        });
    }
    reporter.on_event(&RunEvent::ScenarioFinished {
        scenario: name,
        duration: started.elapsed(),
    });
}

/// The check reported for step `index`, which holds only on `kinds`, on a target of
/// another kind: skipped, saying why, never failed.
fn skipped_step(index: usize, kinds: &[Kind], target: Kind) -> CheckOutcome {
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    CheckOutcome::new(
        CheckKind::Http,
        format!("steps[{index}] (on {} targets only)", names.join(", ")),
        format!("a {} target", target.name()),
        Verdict::Skip {
            reason: format!(
                "the step holds on {} targets only (`kinds`), this target is {}",
                names.join(", "),
                target.name()
            ),
        },
        Duration::ZERO,
    )
}
