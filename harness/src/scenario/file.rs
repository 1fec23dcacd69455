//! Scenario files: TOML lists of steps (boot, traffic, checks). Parsed strictly: a key
//! the harness does not know is a scenario-file error, never silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::steps::{RawStep, Step};
use crate::assets::Require;
use crate::server::Kind;

/// A scenario file as written: its steps still raw, validated into a [`Scenario`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    description: String,
    #[serde(default)]
    catches: Vec<Catch>,
    #[serde(default)]
    variants: Vec<Variant>,
    steps: Vec<RawStepEntry>,
}

/// A step as written, and the target kinds it holds on: `kinds = ["process"]` beside
/// the step's one key. For a check another layer can hide, as `catches` has: Docker's
/// port proxy reads a response into its own buffers, so a server behind it may finish
/// sending a body the client hung up on, and never see the hang-up.
#[derive(Debug)]
struct RawStepEntry {
    step: RawStep,
    kinds: Vec<Kind>,
}

impl<'de> Deserialize<'de> for RawStepEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut table = toml::Table::deserialize(deserializer)?;
        let kinds = match table.remove("kinds") {
            None => Vec::new(),
            Some(value) => Vec::<Kind>::deserialize(value)
                .map_err(|e| D::Error::custom(format!("`kinds`: {e}")))?,
        };
        if table.len() > 1 {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            return Err(D::Error::custom(format!(
                "a step is one key (`traffic`, `metric`, ...) and optionally `kinds`; \
                 found `{}`",
                keys.join("`, `")
            )));
        }
        let step = RawStep::deserialize(toml::Value::Table(table)).map_err(D::Error::custom)?;
        Ok(Self { step, kinds })
    }
}

/// A loaded scenario: every step validated into typed values, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Stable name: report sections and JUnit suites use it.
    pub name: String,
    /// What the scenario protects against, for people.
    pub description: String,
    /// Regression switches this scenario must catch, and a text its failure must show.
    pub catches: Vec<Catch>,
    /// Run every step once per variant (e.g. per sampling rate); none means once.
    pub variants: Vec<Variant>,
    /// The steps, in order.
    pub(crate) steps: Vec<Step>,
    /// The steps that hold only on some target kinds, by index; every other step holds
    /// on all. On another kind such a step is reported as skipped, with the reason.
    pub(crate) step_kinds: BTreeMap<usize, Vec<Kind>>,
    /// Where the file is.
    pub path: PathBuf,
}

/// A regression the scenario is proven to catch (by the self-validation suite).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catch {
    /// The reference server's `REFSERVER_REGRESSIONS` value: one name or a comma list.
    pub switch: String,
    /// Text that some failure message must contain: proves the failure points at the cause.
    pub message: String,
    /// The target kinds (`process`, `container`) the catch is proven on; all when
    /// empty. For a bug another layer hides: Docker's port proxy terminates the
    /// client's TCP connection, so a server's Nagle stall never reaches the harness.
    #[serde(default)]
    pub kinds: Vec<String>,
}

impl Catch {
    /// Whether the catch is proven on the target kind named `kind`.
    pub fn holds_on(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)
    }
}

/// One pass over the steps with extra environment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Names the pass in reports, e.g. `rate-0.1`.
    pub name: String,
    /// Added to every boot of this variant.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
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
        Self::parse(&text, path).map_err(error)
    }

    /// Parses and validates a scenario's text; `path` is where it came from (relative
    /// paths in steps resolve against its directory).
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Self, String> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| e.to_string())?;
        if raw.steps.is_empty() {
            return Err("`steps` is empty: a scenario must check something".to_owned());
        }
        for (index, catch) in raw.catches.iter().enumerate() {
            if let Some(kind) = catch
                .kinds
                .iter()
                .find(|k| !matches!(k.as_str(), "process" | "container"))
            {
                return Err(format!(
                    "catches[{index}]: unknown target kind `{kind}` in `kinds` (expected \
                     `process` or `container`)"
                ));
            }
        }
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        let mut step_kinds = BTreeMap::new();
        let steps = raw
            .steps
            .into_iter()
            .enumerate()
            .map(|(index, entry)| {
                if !entry.kinds.is_empty() {
                    step_kinds.insert(index, entry.kinds);
                }
                Step::from_raw(entry.step, dir).map_err(|why| format!("steps[{index}]: {why}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if steps.iter().all(Step::sets_up_only) {
            return Err(
                "no step makes an assertion: boot and mock-token-endpoint only set up; \
                 add a check (traffic, metric, check-assets, ...)"
                    .to_owned(),
            );
        }
        Ok(Self {
            name: raw.name,
            description: raw.description,
            catches: raw.catches,
            variants: raw.variants,
            step_kinds,
            steps,
            path: path.to_path_buf(),
        })
    }

    /// The one-step scenario `harness check-assets` runs against a server already
    /// running (`TargetSpec::running_at`): a `check-assets` step over `pages` (`/`
    /// when none), and over every file of `static_dir` (as given, and the URL prefix it
    /// is served under), with no `boot` step; with `browser`, each page is loaded in
    /// Chromium too (`check-assets = { browser = true }`).
    pub fn check_assets(
        pages: Vec<String>,
        static_dir: Option<(PathBuf, String)>,
        require: Require,
        browser: bool,
    ) -> Self {
        let pages = if pages.is_empty() {
            vec!["/".to_owned()]
        } else {
            pages
        };
        Self {
            name: "check-assets".to_owned(),
            description: "every asset of a running site, checked ad hoc".to_owned(),
            catches: Vec::new(),
            variants: Vec::new(),
            steps: vec![Step::check_assets_as_running(
                pages, static_dir, require, browser,
            )],
            step_kinds: BTreeMap::new(),
            path: PathBuf::new(),
        }
    }

    /// Loads every `*.toml` directly under `dir`, sorted by file name.
    pub fn load_dir(dir: &Path) -> Result<Vec<Self>, ScenarioFileError> {
        let entries = std::fs::read_dir(dir).map_err(|e| ScenarioFileError {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, String> {
        Scenario::parse(text, Path::new("x.toml"))
    }

    #[test]
    fn a_catch_names_only_known_target_kinds() {
        let scenario = |kinds: &str| {
            parse(&format!(
                "name = \"n\"\ndescription = \"d\"\n\
                 catches = [{{ switch = \"nagle-stall\", message = \"m\", kinds = {kinds} }}]\n\
                 [[steps]]\ntraffic = {{ paths = [\"/\"], requests = 1 }}\n"
            ))
        };
        let only_process = scenario("[\"process\"]").expect("valid");
        assert!(only_process.catches[0].holds_on("process"));
        assert!(!only_process.catches[0].holds_on("container"));
        let error = scenario("[\"vm\"]").expect_err("unknown kind");
        assert!(
            error.contains("catches[0]: unknown target kind `vm`"),
            "{error}"
        );
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
    fn a_step_may_hold_on_some_target_kinds_only() {
        let scenario = |kinds: &str| {
            parse(&format!(
                "name = \"n\"\ndescription = \"d\"\n\
                 [[steps]]\ntraffic = {{ paths = [\"/\"], requests = 1 }}\n\
                 [[steps]]\ntraffic = {{ paths = [\"/\"], requests = 2 }}\nkinds = {kinds}\n"
            ))
        };
        let only_process = scenario("[\"process\"]").expect("valid");
        assert_eq!(only_process.steps.len(), 2);
        assert_eq!(
            only_process.step_kinds,
            BTreeMap::from([(1, vec![Kind::Process])]),
            "the second step only"
        );
        let error = scenario("[\"vm\"]").expect_err("unknown kind");
        assert!(error.contains("`kinds`") && error.contains("vm"), "{error}");
        // `kinds` is the only key allowed beside the step's own.
        let error = parse(
            "name = \"n\"\ndescription = \"d\"\n[[steps]]\ntraffic = { paths = [\"/\"], requests = 1 }\nkind = [\"process\"]\n",
        )
        .expect_err("a stray key");
        assert!(error.contains("kind"), "{error}");
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
