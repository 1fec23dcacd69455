//! The scenario runner: boots targets, runs steps, turns every expectation into a
//! [`CheckOutcome`] and streams [`RunEvent`]s to a reporter.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use url::Url;

use super::file::{
    AssetsStep, BootFailureStep, JsonStep, MetricStep, OutputStep, RequestStep, Scenario, Step,
    TrafficStep, Variant,
};
use super::token_endpoint::TokenEndpoint;
use super::traffic;
use crate::assets::{AssetOptions, StaticDir, check_site};
use crate::metrics::{self, Comparison, PromSelector};
use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::report::{Reporter, RunEvent, ScenarioErrorKind};
use crate::target::{self, BootError, Target, TargetSpec};

/// Settings for a whole run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Environment added to every boot (the self-validation suite passes
    /// `REFSERVER_REGRESSIONS` here).
    pub extra_env: BTreeMap<String, String>,
    /// Bound on every HTTP request the harness makes.
    pub request_timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            extra_env: BTreeMap::new(),
            request_timeout: Duration::from_secs(15),
        }
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
    for variant in variants {
        let mut run = VariantRun {
            scenario,
            spec,
            client: &client,
            variant,
            env: options.extra_env.clone(),
            target: None,
            token_endpoint: None,
            failed: false,
        };
        for (key, value) in &variant.env {
            run.env.insert(key.clone(), value.clone());
        }
        for step in &scenario.steps {
            // A boot's own check is not an assertion: a scenario must check more.
            let asserts = !matches!(step, Step::Boot(_));
            match run.step(step).await {
                Ok(outcomes) => {
                    for mut outcome in outcomes {
                        if !variant.name.is_empty() {
                            outcome.name = format!("[{}] {}", variant.name, outcome.name);
                        }
                        run.failed |= !outcome.passed();
                        checks += usize::from(asserts);
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
                            outcome: *outcome,
                        });
                    }
                    if let Some(output) = stop.output.filter(|o| !o.is_empty()) {
                        reporter.on_event(&RunEvent::TargetOutput {
                            scenario: name.clone(),
                            output,
                        });
                    }
                    run.failed = true;
                    run.target = None;
                    break;
                }
            }
        }
        if run.failed
            && let Some(target) = &run.target
        {
            reporter.on_event(&RunEvent::TargetOutput {
                scenario: name.clone(),
                output: target.output(),
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

/// Why a variant stopped early: an error event, a failing check, and output to attach.
struct Stop {
    error: Option<(ScenarioErrorKind, String)>,
    check: Option<Box<CheckOutcome>>,
    output: Option<String>,
}

impl Stop {
    fn error(kind: ScenarioErrorKind, message: impl Into<String>) -> Self {
        Self {
            error: Some((kind, message.into())),
            check: None,
            output: None,
        }
    }
}

/// The state of one variant's pass over the steps.
struct VariantRun<'a> {
    scenario: &'a Scenario,
    spec: &'a TargetSpec,
    client: &'a reqwest::Client,
    variant: &'a Variant,
    env: BTreeMap<String, String>,
    target: Option<Target>,
    token_endpoint: Option<TokenEndpoint>,
    failed: bool,
}

impl VariantRun<'_> {
    async fn step(&mut self, step: &Step) -> Result<Vec<CheckOutcome>, Stop> {
        match step {
            Step::Boot(boot) => self.boot(&boot.env).await,
            Step::ExpectBootFailure(step) => self.expect_boot_failure(step).await,
            Step::ExpectOutput(step) => self.expect_output(step).await,
            Step::Traffic(step) => self.traffic(step).await,
            Step::CheckAssets(step) => self.check_assets(step).await,
            Step::Metric(step) => self.metric(step).await,
            Step::ExpectJson(step) => self.expect_json(step).await,
            Step::MockTokenEndpoint(step) => {
                // Where the target can reach it: a container cannot reach 127.0.0.1.
                let endpoint =
                    TokenEndpoint::start_for(self.spec.kind, &step.token, &step.me, &step.scope)
                        .await
                        .map_err(|e| Stop::error(ScenarioErrorKind::Target, e))?;
                self.env.insert("TOKEN_ENDPOINT".to_owned(), endpoint.url());
                self.token_endpoint = Some(endpoint);
                Ok(Vec::new())
            }
            Step::Request(step) => self.request(step).await,
        }
    }

    fn boot_env(&self, step_env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut env = self.env.clone();
        env.extend(step_env.iter().map(|(k, v)| (k.clone(), v.clone())));
        env
    }

    async fn boot(
        &mut self,
        step_env: &BTreeMap<String, String>,
    ) -> Result<Vec<CheckOutcome>, Stop> {
        // The previous target (if any) is killed before the next one starts.
        self.target = None;
        let env = self.boot_env(step_env);
        let started = Instant::now();
        match target::boot(self.spec, &env, self.client).await {
            Ok(target) => {
                let location = target.base_url().to_string();
                self.target = Some(target);
                Ok(vec![CheckOutcome::new(
                    CheckKind::Startup,
                    format!("boot {}", describe_env(step_env, &self.variant.env)),
                    location,
                    Verdict::Pass,
                    started.elapsed(),
                )])
            }
            Err(e) => Err(boot_stop(e, started.elapsed(), &self.spec.ready.path)),
        }
    }

    async fn expect_boot_failure(
        &mut self,
        step: &BootFailureStep,
    ) -> Result<Vec<CheckOutcome>, Stop> {
        self.target = None;
        let env = self.boot_env(&step.env);
        let started = Instant::now();
        let name = format!(
            "refuses to start with {}",
            describe_env(&step.env, &BTreeMap::new())
        );
        match target::boot_expecting_exit(self.spec, &env, self.client).await {
            Ok((code, output)) => {
                let mut checks = vec![CheckOutcome::new(
                    CheckKind::Startup,
                    format!("{name}: exit code"),
                    "process exit code",
                    Verdict::expect(
                        code == Some(step.exit_code),
                        format!("exit code {}", step.exit_code),
                        code.map_or("killed by a signal".to_owned(), |c| {
                            format!("exit code {c}")
                        }),
                    ),
                    started.elapsed(),
                )];
                for text in &step.message {
                    checks.push(mentions(&format!("{name}: says"), &output, text, started));
                }
                Ok(checks)
            }
            Err(seen) => Ok(vec![CheckOutcome::new(
                CheckKind::Startup,
                format!("{name}: exit code"),
                "process exit code",
                Verdict::Fail {
                    expected: format!("start-up refused with exit code {}", step.exit_code),
                    seen,
                },
                started.elapsed(),
            )]),
        }
    }

    fn running(&self, step: &str) -> Result<&Target, Stop> {
        self.target.as_ref().ok_or_else(|| {
            Stop::error(
                ScenarioErrorKind::ScenarioFile,
                format!("`{step}` needs a running target: add a `boot` step before it"),
            )
        })
    }

    async fn expect_output(&mut self, step: &OutputStep) -> Result<Vec<CheckOutcome>, Stop> {
        let target = self.running("expect-output")?;
        let started = Instant::now();
        // Output arrives through reader threads: wait (bounded) for it to show up.
        let deadline = started + Duration::from_secs(5);
        let mut output = target.output();
        while !step.contains.iter().all(|t| output.contains(t.as_str()))
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
            output = target.output();
        }
        Ok(step
            .contains
            .iter()
            .map(|text| mentions("output says", &output, text, started))
            .collect())
    }

    async fn traffic(&mut self, step: &TrafficStep) -> Result<Vec<CheckOutcome>, Stop> {
        let target = self.running("traffic")?;
        let mut outcomes = Vec::new();
        for path in &step.paths {
            let url = join(target, path)?;
            let started = Instant::now();
            let mut failure = None;
            for round in 1..=step.requests {
                let seen = match step.hang_up_after_bytes {
                    Some(bytes) => traffic::hang_up(&url, bytes, step.expect_status).await,
                    None => {
                        let method = reqwest::Method::from_bytes(step.method.as_bytes())
                            .unwrap_or(reqwest::Method::GET);
                        traffic::complete(self.client, method, &url, step.expect_status).await
                    }
                };
                if failure.is_none() {
                    failure = seen.err().map(|e| format!("request {round}: {e}"));
                }
            }
            let verdict = match failure {
                None => Verdict::Pass,
                Some(seen) => Verdict::Fail {
                    expected: match step.hang_up_after_bytes {
                        Some(bytes) => format!(
                            "status {} and at least {bytes} body bytes before hanging up, on all {} requests",
                            step.expect_status, step.requests
                        ),
                        None => format!(
                            "status {} and the whole body on all {} requests",
                            step.expect_status, step.requests
                        ),
                    },
                    seen,
                },
            };
            outcomes.push(CheckOutcome::new(
                CheckKind::Http,
                match step.hang_up_after_bytes {
                    Some(bytes) => format!(
                        "traffic {} {path} x{}, hanging up after {bytes} bytes",
                        step.method, step.requests
                    ),
                    None => format!("traffic {} {path} x{}", step.method, step.requests),
                },
                url.to_string(),
                verdict,
                started.elapsed(),
            ));
        }
        Ok(outcomes)
    }

    async fn check_assets(&mut self, step: &AssetsStep) -> Result<Vec<CheckOutcome>, Stop> {
        let target = self.running("check-assets")?;
        let start_urls = step
            .pages
            .iter()
            .map(|p| join(target, p))
            .collect::<Result<Vec<_>, _>>()?;
        let static_dir = match &step.static_dir {
            Some(dir) => Some(StaticDir {
                path: self.scenario.dir().join(dir),
                url_prefix: join(target, &step.url_prefix)?,
            }),
            None => None,
        };
        let mut options = AssetOptions::new(start_urls);
        options.static_dir = static_dir;
        let started = Instant::now();
        let mut outcomes = check_site(self.client, &options).await;
        let checked: std::collections::BTreeSet<&str> = outcomes
            .iter()
            .filter(|o| o.kind == CheckKind::Asset && o.name.starts_with("GET "))
            .map(|o| o.location.as_str())
            .collect();
        let count = checked.len();
        outcomes.push(CheckOutcome::new(
            CheckKind::Asset,
            "asset count",
            step.pages.join(", "),
            Verdict::expect(
                count >= step.min_assets,
                format!("at least {} assets", step.min_assets),
                format!("{count} assets"),
            ),
            started.elapsed(),
        ));
        Ok(outcomes)
    }

    fn bearer(&self) -> Result<Option<String>, Stop> {
        self.spec
            .bearer_token()
            .map_err(|e| Stop::error(ScenarioErrorKind::ScenarioFile, e))
    }

    async fn metric(&mut self, step: &MetricStep) -> Result<Vec<CheckOutcome>, Stop> {
        let target = self.running("metric")?;
        let started = Instant::now();
        let bearer = self.bearer()?;
        let comparison: Comparison = step.expect.parse().map_err(|e: metrics::MetricsError| {
            Stop::error(ScenarioErrorKind::ScenarioFile, e.to_string())
        })?;
        let (source, path, selector) = match (&step.prometheus, &step.json) {
            (Some(selector), _) => (
                "prometheus",
                self.spec.metrics.prometheus.as_deref(),
                selector,
            ),
            (None, Some(pointer)) => ("json", self.spec.metrics.json.as_deref(), pointer),
            (None, None) => {
                return Err(Stop::error(
                    ScenarioErrorKind::ScenarioFile,
                    "metric needs prometheus or json",
                ));
            }
        };
        let path = path.ok_or_else(|| {
            Stop::error(
                ScenarioErrorKind::ScenarioFile,
                format!(
                    "a {source} metric step needs `[metrics] {source}` in target file {:?}",
                    self.spec.name
                ),
            )
        })?;
        let url = join(target, path)?;
        let read = || async {
            let body = metrics::fetch(self.client, &url, bearer.as_deref()).await?;
            if source == "prometheus" {
                let series = metrics::parse_exposition(&body).map_err(|message| {
                    metrics::MetricsError::Parse {
                        url: url.to_string(),
                        format: "Prometheus text",
                        message,
                    }
                })?;
                let selector: PromSelector = selector.parse()?;
                selector.select(&series).map(|(value, _)| value)
            } else {
                let document: serde_json::Value =
                    serde_json::from_str(&body).map_err(|e| metrics::MetricsError::Parse {
                        url: url.to_string(),
                        format: "JSON",
                        message: e.to_string(),
                    })?;
                metrics::read_pointer(&document, selector)
            }
        };
        let mut reading = read().await;
        if let Some(secs) = step.within_secs {
            // Bounded polling: the value may land a moment after the traffic did.
            let deadline = started + Duration::from_secs_f64(secs);
            while !matches!(reading, Ok(value) if comparison.holds(value))
                && Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(25)).await;
                reading = read().await;
            }
        }
        let verdict = match reading {
            Ok(value) => Verdict::expect(
                comparison.holds(value),
                comparison.to_string(),
                format_number(value),
            ),
            Err(e) => Verdict::Fail {
                expected: comparison.to_string(),
                seen: e.to_string(),
            },
        };
        Ok(vec![CheckOutcome::new(
            CheckKind::Metric,
            format!("{selector} {comparison}"),
            format!("{url} {selector}"),
            verdict,
            started.elapsed(),
        )])
    }

    async fn expect_json(&mut self, step: &JsonStep) -> Result<Vec<CheckOutcome>, Stop> {
        let target = self.running("expect-json")?;
        let started = Instant::now();
        let bearer = self.bearer()?;
        let url = join(target, &step.path)?;
        let expectation = match (&step.equals, &step.contains) {
            (Some(equals), _) => JsonExpectation::Equals(
                serde_json::to_value(equals).unwrap_or(serde_json::Value::Null),
            ),
            (None, Some(part)) => JsonExpectation::Contains(
                serde_json::to_value(part).unwrap_or(serde_json::Value::Null),
            ),
            (None, None) => {
                return Err(Stop::error(
                    ScenarioErrorKind::ScenarioFile,
                    "expect-json needs equals or contains",
                ));
            }
        };
        let expected = expectation.to_string();
        let verdict = match metrics::fetch(self.client, &url, bearer.as_deref()).await {
            Ok(body) => match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(document) => match document.pointer(&step.pointer) {
                    Some(seen) => {
                        Verdict::expect(expectation.holds(seen), expected, seen.to_string())
                    }
                    None => Verdict::Fail {
                        expected,
                        seen: format!("nothing at {}", step.pointer),
                    },
                },
                Err(e) => Verdict::Fail {
                    expected,
                    seen: format!("not JSON: {e}"),
                },
            },
            Err(e) => Verdict::Fail {
                expected,
                seen: e.to_string(),
            },
        };
        Ok(vec![CheckOutcome::new(
            CheckKind::Config,
            format!("{} {}", step.path, step.pointer),
            format!("{url} {}", step.pointer),
            verdict,
            started.elapsed(),
        )])
    }

    async fn request(&mut self, step: &RequestStep) -> Result<Vec<CheckOutcome>, Stop> {
        let target = self.running("request")?;
        let started = Instant::now();
        let url = join(target, &step.path)?;
        let method = reqwest::Method::from_bytes(step.method.as_bytes()).map_err(|_| {
            Stop::error(
                ScenarioErrorKind::ScenarioFile,
                format!("request method {:?} is not valid", step.method),
            )
        })?;
        let mut request = self.client.request(method, url.clone());
        if let Some(token) = &step.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(form) = &step.form {
            request = request.form(form);
        }
        if let Some(json) = &step.json {
            request = request.json(json);
        }
        let name = format!("{} {}", step.method, step.path);
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                return Ok(vec![CheckOutcome::new(
                    CheckKind::Http,
                    format!("{name}: status"),
                    url.to_string(),
                    Verdict::Fail {
                        expected: format!("status {}", step.expect_status),
                        seen: format!("no response: {e}"),
                    },
                    started.elapsed(),
                )]);
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        let mut outcomes = vec![CheckOutcome::new(
            CheckKind::Http,
            format!("{name}: status"),
            url.to_string(),
            Verdict::expect(
                status == step.expect_status,
                format!("status {}", step.expect_status),
                format!("status {status}: {}", excerpt(&body)),
            ),
            started.elapsed(),
        )];
        for (header, wanted) in &step.expect_headers {
            let seen = headers
                .get(header)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            outcomes.push(CheckOutcome::new(
                CheckKind::Http,
                format!("{name}: {header}"),
                format!("{url} [{header}]"),
                Verdict::expect(
                    seen.contains(wanted.as_str()),
                    format!("{header} containing {wanted:?}"),
                    if seen.is_empty() {
                        "no such header".to_owned()
                    } else {
                        seen.to_owned()
                    },
                ),
                started.elapsed(),
            ));
        }
        if let Some(wanted) = &step.expect_body {
            outcomes.push(CheckOutcome::new(
                CheckKind::Http,
                format!("{name}: body"),
                url.to_string(),
                Verdict::expect(
                    body.contains(wanted.as_str()),
                    format!("body containing {wanted:?}"),
                    excerpt(&body),
                ),
                started.elapsed(),
            ));
        }
        Ok(outcomes)
    }
}

/// The target's output mentions `text` (a warning, an offending key).
fn mentions(name: &str, output: &str, text: &str, started: Instant) -> CheckOutcome {
    CheckOutcome::new(
        CheckKind::Config,
        format!("{name} {text:?}"),
        "target output",
        Verdict::expect(
            output.contains(text),
            format!("output mentioning {text:?}"),
            last_lines(output, 6),
        ),
        started.elapsed(),
    )
}

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

fn join(target: &Target, path: &str) -> Result<Url, Stop> {
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

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    if tail.is_empty() {
        "(no output)".to_owned()
    } else {
        tail.join(" | ")
    }
}

fn excerpt(body: &str) -> String {
    let cut: String = body.chars().take(200).collect();
    if cut.len() < body.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// What an `expect-json` step wants of the value it points at.
enum JsonExpectation {
    Equals(serde_json::Value),
    Contains(serde_json::Value),
}

impl JsonExpectation {
    fn holds(&self, seen: &serde_json::Value) -> bool {
        match self {
            Self::Equals(want) => json_equal(seen, want),
            Self::Contains(part) => json_contains(seen, part),
        }
    }
}

impl std::fmt::Display for JsonExpectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Equals(want) => write!(f, "{want}"),
            Self::Contains(part) => write!(f, "a value containing {part}"),
        }
    }
}

/// Equality with numbers compared as numbers (`1` equals `1.0`).
fn json_equal(seen: &serde_json::Value, want: &serde_json::Value) -> bool {
    match (seen.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => seen == want,
    }
}

/// Values, never their text: a string contains a substring, an array or object
/// contains `part` when one of its elements or member values does (keys do not count),
/// and anything contains a value equal to it.
fn json_contains(seen: &serde_json::Value, part: &serde_json::Value) -> bool {
    use serde_json::Value;
    json_equal(seen, part)
        || match (seen, part) {
            (Value::String(s), Value::String(p)) => s.contains(p.as_str()),
            (Value::Array(items), _) => items.iter().any(|item| json_contains(item, part)),
            (Value::Object(members), _) => members.values().any(|v| json_contains(v, part)),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_comparisons() {
        assert!(json_equal(&json!(1.0), &json!(1)));
        assert!(!json_equal(&json!("1"), &json!(1)));
        assert!(json_contains(
            &json!([{"key": "METRICS_SAMPLNG_RATE"}]),
            &json!("SAMPLNG")
        ));
        assert!(!json_contains(&json!("abc"), &json!("x")));
        // Values, not the serialised text: 1 is not in 10, a key is not a value.
        assert!(!json_contains(&json!({"rate": 10}), &json!(1)));
        assert!(!json_contains(
            &json!({"deprecated": true}),
            &json!("deprecated")
        ));
        assert!(json_contains(&json!({"rates": [0.5, 1]}), &json!(1.0)));
        assert!(json_contains(&json!([true, false]), &json!(false)));
        assert!(!json_contains(&json!(["0.5"]), &json!(0.5)));
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.1), "0.1");
    }
}
