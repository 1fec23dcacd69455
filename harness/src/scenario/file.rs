//! Scenario files: TOML lists of steps (boot, traffic, checks). Parsed strictly: a key
//! the harness does not know is a scenario-file error, never silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::metrics::{Comparison, PromSelector};

/// A scenario as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable name: report sections and JUnit suites use it.
    pub name: String,
    /// What the scenario protects against, for people.
    pub description: String,
    /// Regression switches this scenario must catch, and a text its failure must show.
    #[serde(default)]
    pub catches: Vec<Catch>,
    /// Run every step once per variant (e.g. per sampling rate); none means once.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Where the file is; relative paths in steps resolve against its directory.
    #[serde(skip)]
    pub path: PathBuf,
}

/// A regression the scenario is proven to catch (by the self-validation suite).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catch {
    /// The reference server's `REFSERVER_REGRESSIONS` name.
    pub switch: String,
    /// Text that some failure message must contain: proves the failure points at the cause.
    pub message: String,
}

/// One pass over the steps with extra environment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Prefixes check names, e.g. `rate-0.1`.
    pub name: String,
    /// Added to every boot of this variant.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// What a step does. Each is a table with one key, e.g. `[[steps]] traffic = {...}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Start (or restart) the target with extra environment.
    Boot(BootStep),
    /// Start the target and expect it to refuse: exit code and a message.
    ExpectBootFailure(BootFailureStep),
    /// The running target's output so far contains a text (e.g. a config warning).
    ExpectOutput(OutputStep),
    /// Send a bounded number of requests.
    Traffic(TrafficStep),
    /// Crawl pages and check every asset.
    CheckAssets(AssetsStep),
    /// Read a metric and compare it.
    Metric(MetricStep),
    /// Read a JSON document and check one value.
    ExpectJson(JsonStep),
    /// Start a mock IndieAuth token endpoint; later boots get `TOKEN_ENDPOINT`.
    MockTokenEndpoint(TokenEndpointStep),
    /// Send one request and check the response.
    Request(RequestStep),
}

impl Step {
    /// Whether the step only prepares (boots, mocks) and asserts nothing of its own.
    fn sets_up_only(&self) -> bool {
        matches!(self, Step::Boot(_) | Step::MockTokenEndpoint(_))
    }
}

/// `boot = { env = {...} }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootStep {
    /// Extra environment for this boot.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `expect-boot-failure = { env = {...}, exit_code = 2, message = "..." }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootFailureStep {
    /// Extra environment that must make start-up fail.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The exit code expected.
    pub exit_code: i32,
    /// Texts the output must contain (e.g. the offending key).
    #[serde(default)]
    pub message: Vec<String>,
}

/// `expect-output = { contains = [...] }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputStep {
    /// Texts the target's output must contain.
    pub contains: Vec<String>,
}

/// `traffic = { paths = [...], requests = 3 }`: `requests` rounds over `paths`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficStep {
    /// Paths requested in turn.
    pub paths: Vec<String>,
    /// Rounds: each path is requested this many times.
    pub requests: u32,
    /// HTTP method (GET or HEAD).
    #[serde(default = "get")]
    pub method: String,
    /// Status every response must have.
    #[serde(default = "ok")]
    pub expect_status: u16,
    /// Hang up after this many body bytes instead of reading the whole response: a
    /// client that leaves mid-download, which the server must count as aborted.
    pub hang_up_after_bytes: Option<u64>,
}

/// `check-assets = { pages = ["/"], static_dir = "...", url_prefix = "/static/" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetsStep {
    /// Pages to crawl.
    pub pages: Vec<String>,
    /// Also every file under this directory (relative to the scenario file).
    pub static_dir: Option<String>,
    /// The URL path `static_dir` is served under.
    #[serde(default = "static_prefix")]
    pub url_prefix: String,
    /// Fewer assets than this is a failure (a crawl that finds nothing never passes).
    #[serde(default = "one")]
    pub min_assets: usize,
}

/// `metric = { prometheus = 'x{a="b"}', expect = "== 3" }` or `{ json = "/p", ... }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricStep {
    /// A Prometheus selector, read from the target's `[metrics] prometheus`.
    pub prometheus: Option<String>,
    /// A JSON pointer, read from the target's `[metrics] json`.
    pub json: Option<String>,
    /// The comparison, e.g. `>= 10`.
    pub expect: String,
    /// Poll until the comparison holds, for at most this many seconds: for effects
    /// that land after the response (an aborted download is recorded when the server
    /// notices the hang-up). Without it the metric is read once.
    pub within_secs: Option<f64>,
}

/// `expect-json = { path = "/admin/config", pointer = "/x", equals = 1 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonStep {
    /// Path of the JSON document (sent with the target's auth).
    pub path: String,
    /// RFC 6901 pointer.
    pub pointer: String,
    /// The value must equal this.
    pub equals: Option<toml::Value>,
    /// The value must contain this one: a substring of a string, or a value equal to
    /// (or containing) it anywhere inside an array or object.
    pub contains: Option<toml::Value>,
}

/// `mock-token-endpoint = { token = "...", me = "...", scope = "create" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEndpointStep {
    /// The one token the endpoint accepts.
    pub token: String,
    /// The `me` it answers with (the site's URL).
    pub me: String,
    /// The scopes it grants.
    #[serde(default = "create")]
    pub scope: String,
}

/// `request = { method = "POST", path = "/micropub", form = {...}, expect_status = 201 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestStep {
    /// HTTP method.
    #[serde(default = "get")]
    pub method: String,
    /// Path on the target.
    pub path: String,
    /// Form fields (sent url-encoded).
    pub form: Option<BTreeMap<String, String>>,
    /// A JSON body.
    pub json: Option<toml::Value>,
    /// A bearer token to send.
    pub bearer: Option<String>,
    /// Expected status.
    pub expect_status: u16,
    /// Headers that must be present, each value a substring it must contain.
    #[serde(default)]
    pub expect_headers: BTreeMap<String, String>,
    /// A text the body must contain.
    pub expect_body: Option<String>,
}

fn get() -> String {
    "GET".to_owned()
}
fn ok() -> u16 {
    200
}
fn one() -> usize {
    1
}
fn static_prefix() -> String {
    "/static/".to_owned()
}
fn create() -> String {
    "create".to_owned()
}

/// Why a scenario file was refused.
#[derive(Debug, thiserror::Error)]
#[error("scenario file {path}: {message}")]
pub struct ScenarioFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, with the TOML location.
    pub message: String,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioFileError> {
        let error = |message: String| ScenarioFileError {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let mut scenario: Self = toml::from_str(&text).map_err(|e| error(e.to_string()))?;
        scenario.path = path.to_path_buf();
        scenario.validate().map_err(error)?;
        Ok(scenario)
    }

    /// Loads every `*.toml` directly under `dir` (a crate's `Cargo.toml` aside, since
    /// the scenario directory is also the crate running them), sorted by file name.
    pub fn load_dir(dir: &Path) -> Result<Vec<Self>, ScenarioFileError> {
        let entries = std::fs::read_dir(dir).map_err(|e| ScenarioFileError {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter(|p| p.file_name().is_some_and(|n| n != "Cargo.toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(ScenarioFileError {
                path: dir.to_path_buf(),
                message: "no *.toml scenario files here".to_owned(),
            });
        }
        paths.iter().map(|p| Self::load(p)).collect()
    }

    /// The directory relative paths resolve against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }

    /// Checks what serde cannot: selectors, comparisons, one source per metric.
    fn validate(&self) -> Result<(), String> {
        if self.steps.is_empty() {
            return Err("`steps` is empty: a scenario must check something".to_owned());
        }
        if self.steps.iter().all(Step::sets_up_only) {
            return Err(
                "no step makes an assertion: boot and mock-token-endpoint only set up; \
                 add a check (traffic, metric, check-assets, ...)"
                    .to_owned(),
            );
        }
        for (index, step) in self.steps.iter().enumerate() {
            let at = |why: String| format!("steps[{index}]: {why}");
            match step {
                Step::Metric(m) => {
                    match (&m.prometheus, &m.json) {
                        (Some(sel), None) => {
                            sel.parse::<PromSelector>().map_err(|e| at(e.to_string()))?;
                        }
                        (None, Some(pointer)) if pointer.starts_with('/') => {}
                        (None, Some(pointer)) => {
                            return Err(at(format!(
                                "json pointer {pointer:?} must start with '/'"
                            )));
                        }
                        _ => {
                            return Err(at(
                                "metric needs exactly one of prometheus, json".to_owned()
                            ));
                        }
                    }
                    m.expect
                        .parse::<Comparison>()
                        .map_err(|e| at(e.to_string()))?;
                    if let Some(secs) = m.within_secs
                        && !(secs > 0.0 && secs <= 60.0)
                    {
                        return Err(at(format!(
                            "metric within_secs = {secs}: expected seconds in (0, 60]"
                        )));
                    }
                }
                Step::ExpectJson(j) if j.equals.is_none() == j.contains.is_none() => {
                    return Err(at(
                        "expect-json needs exactly one of equals, contains".to_owned()
                    ));
                }
                Step::ExpectOutput(o) if o.contains.is_empty() => {
                    return Err(at(
                        "expect-output needs at least one text in `contains`".to_owned()
                    ));
                }
                Step::CheckAssets(a) if a.pages.is_empty() => {
                    return Err(at(
                        "check-assets needs at least one page in `pages`".to_owned()
                    ));
                }
                Step::Traffic(t) if t.paths.is_empty() || t.requests == 0 => {
                    return Err(at(
                        "traffic needs at least one path and requests >= 1".to_owned()
                    ));
                }
                Step::Traffic(t) if t.hang_up_after_bytes.is_some() && t.method != "GET" => {
                    return Err(at(
                        "traffic hang_up_after_bytes needs method GET (HEAD has no body)"
                            .to_owned(),
                    ));
                }
                Step::Traffic(t) if !["GET", "HEAD"].contains(&t.method.as_str()) => {
                    return Err(at(format!(
                        "traffic method {:?}: expected GET or HEAD",
                        t.method
                    )));
                }
                Step::Request(r) if r.form.is_some() && r.json.is_some() => {
                    return Err(at("request takes form or json, not both".to_owned()));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, String> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
        s.path = PathBuf::from("x.toml");
        s.validate()?;
        Ok(s)
    }

    #[test]
    fn parses_steps_and_variants() {
        let s = parse(
            r#"
            name = "low-traffic"
            description = "d"
            catches = [{ switch = "unwired-db-metrics", message = "== 3" }]
            [[variants]]
            name = "rate-0"
            env = { METRICS_SAMPLING_RATE = "0" }
            [[steps]]
            boot = {}
            [[steps]]
            traffic = { paths = ["/"], requests = 3 }
            [[steps]]
            metric = { prometheus = 'refserver_operations_total{type="database"}', expect = "== 3" }
            "#,
        )
        .expect("valid");
        assert_eq!(s.steps.len(), 3);
        assert_eq!(s.variants[0].env["METRICS_SAMPLING_RATE"], "0");
    }

    #[test]
    fn unknown_keys_and_bad_steps_are_errors() {
        let cases = [
            (
                "name = \"x\"\ndescription = \"d\"\nstepz = []\nsteps = []",
                "stepz",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nboot = { evn = {} }",
                "evn",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nteleport = {}",
                "teleport",
            ),
            ("name = \"x\"\ndescription = \"d\"\nsteps = []", "empty"),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nmetric = { json = \"/a\", expect = \"3\" }",
                "operator",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nmetric = { expect = \"== 3\" }",
                "exactly one",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nmetric = { prometheus = \"a{b=1}\", expect = \"== 3\" }",
                "selector",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\ntraffic = { paths = [], requests = 1 }",
                "at least one path",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nboot = {}",
                "no step makes an assertion",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\nexpect-output = { contains = [] }",
                "at least one text",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nboot = {}\n[[steps]]\ncheck-assets = { pages = [] }",
                "at least one page",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\nmetric = { json = \"/a\", expect = \"== 1\", within_secs = 0 }",
                "within_secs",
            ),
            (
                "name = \"x\"\ndescription = \"d\"\n[[steps]]\ntraffic = { paths = [\"/\"], requests = 1, method = \"HEAD\", hang_up_after_bytes = 10 }",
                "needs method GET",
            ),
        ];
        for (text, needle) in cases {
            let err = parse(text).expect_err(needle);
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
