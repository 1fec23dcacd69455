//! Target files: how to start (or find) the server under test, where its metrics are,
//! and how to authenticate. TOML, parsed strictly: an unknown key is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// A target file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Shown in reports.
    pub name: String,
    /// How the server is run; the matching section must be present.
    pub kind: Kind,
    /// `[process]`, for `kind = "process"`.
    pub process: Option<ProcessSpec>,
    /// The base URL, for `kind = "url"`.
    pub url: Option<String>,
    /// `[container]`, for `kind = "container"`.
    pub container: Option<ContainerSpec>,
    /// How readiness is probed.
    #[serde(default)]
    pub ready: ReadySpec,
    /// Where metrics are read.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// How admin endpoints authenticate.
    #[serde(default)]
    pub auth: Option<AuthSpec>,
    /// How slow (milliseconds) a small file fetched again on a kept-alive connection
    /// may be before `check-assets` calls it a stall: 30 when unset, right for
    /// loopback and LAN; raise it for a server across a real network.
    #[serde(default)]
    pub keepalive_stall_ms: Option<u64>,
    /// The directory relative paths in this file are resolved against.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// The three ways a target exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A command the harness starts, once per boot.
    Process,
    /// A server that is already running.
    Url,
    /// A locally built container image.
    Container,
}

impl Kind {
    /// As a target file writes it: `process`, `url` or `container`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Process => "process",
            Kind::Url => "url",
            Kind::Container => "container",
        }
    }
}

/// `[process]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessSpec {
    /// Program to run; a path with a `/` is relative to the target file.
    pub command: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Run once before the first boot (e.g. `cargo build -p reference-server`).
    #[serde(default)]
    pub build: Option<Vec<String>>,
    /// Working directory, relative to the target file.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Environment; `{data_dir}` becomes a fresh temporary directory per boot.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Whether to clear the inherited environment first (default: yes, so a
    /// developer's shell cannot change results).
    #[serde(default = "yes")]
    pub clear_env: bool,
    /// Where the address comes from.
    #[serde(default)]
    pub address: AddressSpec,
}

/// How the harness learns where a process listens.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum AddressSpec {
    /// The first stdout line is `listening on http://ADDR` (port 0 support).
    #[default]
    FirstStdoutLine,
    /// A fixed URL.
    Url(String),
}

/// `[container]`: see the container server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    /// Local image name.
    pub image: String,
    /// Image tag.
    #[serde(default = "latest")]
    pub tag: String,
    /// Port the server listens on inside the container.
    pub port: u16,
    /// Run once before the first boot, like `[process] build` (e.g.
    /// `["../../ci/build-image.sh"]`); a program path with a `/` is relative to the
    /// target file.
    #[serde(default)]
    pub build: Option<Vec<String>>,
    /// Environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `[ready]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadySpec {
    /// Path probed until it answers 2xx.
    #[serde(default = "health")]
    pub path: String,
    /// How long to wait, in seconds.
    #[serde(default = "thirty")]
    pub timeout_secs: f64,
    /// Not written in target files: the server is taken as ready without a probe
    /// ([`TargetSpec::running_at`]).
    #[serde(skip)]
    pub(crate) assumed: bool,
}

impl Default for ReadySpec {
    fn default() -> Self {
        Self {
            path: health(),
            timeout_secs: thirty(),
            assumed: false,
        }
    }
}

impl ReadySpec {
    /// The bound on waiting for readiness.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_secs.max(0.0))
    }
}

/// `[metrics]`: paths (or URLs) of the metrics endpoints.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// Prometheus text exposition.
    pub prometheus: Option<String>,
    /// A JSON document read with JSON pointers.
    pub json: Option<String>,
}

/// `[auth]`: a bearer token, from exactly one place.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    /// The token itself (fine for local throwaway tokens).
    pub bearer: Option<String>,
    /// Name of an environment variable holding it.
    pub bearer_env: Option<String>,
    /// A file holding it, relative to the target file.
    pub bearer_file: Option<String>,
}

/// Why a target file was refused.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read target file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid target description.
    #[error("target file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the TOML location.
        message: String,
    },
}

impl TargetSpec {
    /// A `url` target for a server already running at `url`, named by it, with no
    /// metrics or auth, and taken as ready without a probe: what `harness check-assets`
    /// runs against, where a page that does not answer is a failed check of that page,
    /// not a server that never became ready.
    pub fn running_at(url: &Url) -> Self {
        Self {
            name: url.to_string(),
            kind: Kind::Url,
            process: None,
            url: Some(url.to_string()),
            container: None,
            ready: ReadySpec {
                assumed: true,
                ..ReadySpec::default()
            },
            metrics: MetricsSpec::default(),
            auth: None,
            keepalive_stall_ms: None,
            base_dir: PathBuf::from("."),
        }
    }

    /// Reads and validates a target file.
    pub fn load(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::parse(&text, base_dir).map_err(|message| SpecError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses target TOML; relative paths resolve against `base_dir`.
    pub fn parse(text: &str, base_dir: PathBuf) -> Result<Self, String> {
        let mut spec: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        spec.base_dir = base_dir;
        let sections = [
            (Kind::Process, "[process]", spec.process.is_some()),
            (Kind::Url, "url", spec.url.is_some()),
            (Kind::Container, "[container]", spec.container.is_some()),
        ];
        for (kind, section, present) in sections {
            if kind == spec.kind && !present {
                return Err(format!("kind = {:?} needs {section}", spec.kind));
            }
            if kind != spec.kind && present {
                return Err(format!(
                    "{section} does not belong in a {:?} target",
                    spec.kind
                ));
            }
        }
        if let Some(auth) = &spec.auth {
            let given = [&auth.bearer, &auth.bearer_env, &auth.bearer_file]
                .iter()
                .filter(|v| v.is_some())
                .count();
            if given != 1 {
                return Err(format!(
                    "[auth] needs exactly one of bearer, bearer_env, bearer_file; {given} given"
                ));
            }
        }
        if !spec.ready.path.starts_with('/') {
            return Err(format!(
                "[ready] path must start with '/', got {:?}",
                spec.ready.path
            ));
        }
        Ok(spec)
    }

    /// The bearer token for admin endpoints, if the target needs one.
    pub fn bearer_token(&self) -> Result<Option<String>, String> {
        let Some(auth) = &self.auth else {
            return Ok(None);
        };
        if let Some(token) = &auth.bearer {
            return Ok(Some(token.clone()));
        }
        if let Some(var) = &auth.bearer_env {
            return std::env::var(var)
                .map(Some)
                .map_err(|_| format!("[auth] bearer_env: environment variable {var} is not set"));
        }
        if let Some(file) = &auth.bearer_file {
            let path = self.base_dir.join(file);
            return std::fs::read_to_string(&path)
                .map(|t| Some(t.trim().to_owned()))
                .map_err(|e| format!("[auth] bearer_file {}: {e}", path.display()));
        }
        Ok(None)
    }

    /// Whether boots can take per-scenario environment variables.
    pub fn accepts_env(&self) -> bool {
        self.kind != Kind::Url
    }
}

fn yes() -> bool {
    true
}
fn latest() -> String {
    "latest".to_owned()
}
fn health() -> String {
    "/health".to_owned()
}
fn thirty() -> f64 {
    30.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid target file, as if it stood in `scenarios/targets`.
    fn parse(toml: &str) -> TargetSpec {
        TargetSpec::parse(toml, PathBuf::from("scenarios/targets")).expect("valid")
    }

    #[test]
    fn parses_a_process_target() {
        let spec = parse(
            r#"
            name = "reference"
            kind = "process"
            [process]
            command = "../../target/debug/reference-server"
            build = ["cargo", "build", "-p", "reference-server"]
            env = { BIND_ADDR = "127.0.0.1:0", DATA_PATH = "{data_dir}" }
            [ready]
            path = "/health"
            timeout_secs = 20
            [metrics]
            prometheus = "/metrics"
            json = "/admin/metrics"
            [auth]
            bearer = "token"
            "#,
        );
        assert_eq!(spec.kind, Kind::Process);
        assert_eq!(spec.ready.timeout(), Duration::from_secs(20));
        assert_eq!(
            spec.bearer_token().expect("token").as_deref(),
            Some("token")
        );
    }

    #[test]
    fn parses_a_container_target_with_a_build_command() {
        let spec = parse(
            r#"
            name = "reference-container"
            kind = "container"
            [container]
            image = "rc-harness/reference-server"
            tag = "dev"
            port = 8000
            build = ["../../ci/build-image.sh"]
            env = { ADMIN_TOKEN = "token" }
            "#,
        );
        let container = spec.container.expect("[container]");
        assert_eq!(
            container.build,
            Some(vec!["../../ci/build-image.sh".to_owned()])
        );
        assert_eq!(container.port, 8000);
    }

    #[test]
    fn unknown_keys_and_ambiguous_auth_are_errors() {
        let unknown = TargetSpec::parse(
            "name = \"x\"\nkind = \"url\"\nurl = \"http://h\"\n[ready]\npaht = \"/\"\n",
            PathBuf::new(),
        )
        .expect_err("typo refused");
        assert!(unknown.contains("paht"), "{unknown}");
        let two = TargetSpec::parse(
            "name = \"x\"\nkind = \"url\"\nurl = \"http://h\"\n[auth]\nbearer = \"a\"\nbearer_env = \"B\"\n",
            PathBuf::new(),
        )
        .expect_err("two auth sources refused");
        assert!(two.contains("exactly one"), "{two}");
        let kind = TargetSpec::parse("name = \"x\"\nkind = \"ftp\"\n", PathBuf::new())
            .expect_err("unknown kind refused");
        assert!(kind.contains("ftp"), "{kind}");
        let missing = TargetSpec::parse("name = \"x\"\nkind = \"process\"\n", PathBuf::new())
            .expect_err("missing section refused");
        assert!(missing.contains("[process]"), "{missing}");
    }
}
