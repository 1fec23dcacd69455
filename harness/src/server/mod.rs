//! Targets: the server under test, started as a process, found at a URL, or run in a
//! container; booted per scenario step and torn down when dropped.

pub mod container;
mod output;
mod process;
mod spec;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use url::Url;

pub use output::OutputTail;
pub use process::ProcessTarget;
pub use spec::{
    AddressSpec, AuthSpec, ContainerSpec, Kind, MetricsSpec, ProcessSpec, ReadySpec, SpecError,
    TargetSpec,
};

/// Why a target did not come up.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BootError {
    /// The target file cannot be booted this way (e.g. env on a `url` target).
    #[error("{0}")]
    Unsupported(String),
    /// The build command failed.
    #[error("build command `{command}` failed: {message}")]
    Build {
        /// The command line.
        command: String,
        /// Exit status and output tail.
        message: String,
    },
    /// The program could not be started.
    #[error("cannot start `{command}`: {message}")]
    Spawn {
        /// The program.
        command: String,
        /// The OS error.
        message: String,
    },
    /// The process ended during boot.
    #[error("target exited during boot with {}", code.map_or("a signal".to_owned(), |c| format!("exit code {c}")))]
    Exited {
        /// Its exit code, if it had one.
        code: Option<i32>,
        /// What it printed.
        output: String,
    },
    /// The first stdout line did not announce an address.
    #[error("expected the first stdout line `listening on http://ADDR`, got {line:?}")]
    BadAddressLine {
        /// The line seen.
        line: String,
        /// What it printed.
        output: String,
    },
    /// The readiness probe never answered 2xx in time.
    #[error("target never became ready: {url} after {waited:?} (last: {last})")]
    NeverReady {
        /// The probed URL.
        url: String,
        /// How long we waited.
        waited: Duration,
        /// The last probe result.
        last: String,
        /// What the target printed.
        output: String,
    },
}

impl BootError {
    /// The target's output, when it had any.
    pub fn output(&self) -> Option<&str> {
        match self {
            Self::Exited { output, .. }
            | Self::BadAddressLine { output, .. }
            | Self::NeverReady { output, .. } => Some(output),
            _ => None,
        }
    }
}

/// A booted target.
pub enum Target {
    /// A child process.
    Process(ProcessTarget),
    /// Something already running.
    Url(Url),
    /// A container run from a local image.
    Container(container::ContainerTarget),
}

impl Target {
    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        match self {
            Self::Process(p) => p.base_url(),
            Self::Url(url) => url,
            Self::Container(c) => c.base_url(),
        }
    }

    /// The target's recent output, for failure reports.
    pub fn output(&self) -> String {
        match self {
            Self::Process(p) => p.output(),
            Self::Url(_) => String::new(),
            Self::Container(c) => c.output(),
        }
    }

    /// Resolves a path (or absolute URL) against the base URL.
    pub fn url(&self, path: &str) -> Result<Url, url::ParseError> {
        self.base_url().join(path)
    }
}

/// Build commands already run in this process, so each runs once per harness run.
static BUILT: Mutex<Vec<Vec<String>>> = Mutex::new(Vec::new());

/// Held while a build command runs, so concurrent boots wait for it instead of
/// starting it a second time.
static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Starts the target with `extra_env` and waits until its readiness probe answers.
pub async fn boot(
    spec: &TargetSpec,
    extra_env: &BTreeMap<String, String>,
    client: &reqwest::Client,
) -> Result<Target, BootError> {
    let deadline = Instant::now() + spec.ready.timeout();
    match spec.kind {
        Kind::Url => {
            if !extra_env.is_empty() {
                return Err(BootError::Unsupported(format!(
                    "target {:?} is a running server (kind = \"url\"): it cannot be booted with {}",
                    spec.name,
                    extra_env.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            let raw = spec.url.as_deref().unwrap_or_default();
            let url =
                Url::parse(raw).map_err(|e| BootError::Unsupported(format!("url {raw:?}: {e}")))?;
            let mut target = Target::Url(url);
            wait_ready(&mut target, spec, client, deadline).await?;
            Ok(target)
        }
        Kind::Process => {
            let Some(process) = &spec.process else {
                return Err(BootError::Unsupported("[process] missing".to_owned()));
            };
            if let Some(build) = &process.build {
                build_once(spec, build).await?;
            }
            let deadline = Instant::now() + spec.ready.timeout();
            let (spec_owned, process_owned, env) =
                (spec.clone(), process.clone(), extra_env.clone());
            let target = tokio::task::spawn_blocking(move || {
                process::spawn(&spec_owned, &process_owned, &env, deadline)
            })
            .await
            .map_err(|e| BootError::Unsupported(format!("boot task failed: {e}")))??;
            let mut target = Target::Process(target);
            wait_ready(&mut target, spec, client, deadline).await?;
            Ok(target)
        }
        Kind::Container => {
            if let Some(build) = spec.container.as_ref().and_then(|c| c.build.as_ref()) {
                build_once(spec, build).await?;
            }
            let options = container::ContainerOptions::default();
            container::ContainerTarget::boot(spec, extra_env, &options, client)
                .await
                .map(Target::Container)
        }
    }
}

/// Boots a target that is expected to refuse to start; returns its exit code and output.
pub async fn boot_expecting_exit(
    spec: &TargetSpec,
    extra_env: &BTreeMap<String, String>,
    client: &reqwest::Client,
) -> Result<(Option<i32>, String), String> {
    match boot(spec, extra_env, client).await {
        Ok(target) => Err(format!(
            "target started and answered at {} instead of exiting; output:\n{}",
            target.base_url(),
            target.output()
        )),
        Err(BootError::Exited { code, output }) => Ok((code, output)),
        Err(other) => Err(other.to_string()),
    }
}

/// The variables cargo sets for the package it runs (`cargo run`, `cargo test`), as
/// present in this process. A build command that runs cargo must not inherit them:
/// cargo tracks build-script inputs such as ring's `CARGO_MANIFEST_DIR`, so a build
/// started from `cargo run -p harness` would rebuild those crates, and the next plain
/// `cargo build` would rebuild them back.
pub(crate) fn cargo_package_env() -> Vec<std::ffi::OsString> {
    const EXACT: [&str; 7] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
    ];
    std::env::vars_os()
        .map(|(key, _)| key)
        .filter(|key| {
            key.to_str().is_some_and(|k| {
                EXACT.contains(&k) || k.starts_with("CARGO_PKG_") || k.starts_with("CARGO_BIN_EXE_")
            })
        })
        .collect()
}

async fn build_once(spec: &TargetSpec, build: &[String]) -> Result<(), BootError> {
    let _building = BUILDING.lock().await;
    {
        let built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
        if built.iter().any(|b| b == build) {
            return Ok(());
        }
    }
    let Some((program, args)) = build.split_first() else {
        return Err(BootError::Build {
            command: String::new(),
            message: "build command is empty".to_owned(),
        });
    };
    let line = build.join(" ");
    // Like a process target's command, a path with a `/` is relative to the target
    // file; made absolute, as the child runs in the target file's directory.
    let program = if program.contains('/') {
        std::path::absolute(spec.base_dir.join(program)).map_err(|e| BootError::Build {
            command: line.clone(),
            message: e.to_string(),
        })?
    } else {
        std::path::PathBuf::from(program)
    };
    let mut command = tokio::process::Command::new(program);
    for key in cargo_package_env() {
        command.env_remove(key);
    }
    let output = command
        .args(args)
        .current_dir(&spec.base_dir)
        .output()
        .await
        .map_err(|e| BootError::Build {
            command: line.clone(),
            message: e.to_string(),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        return Err(BootError::Build {
            command: line,
            message: format!(
                "{}\n{}",
                output.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ),
        });
    }
    BUILT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(build.to_vec());
    Ok(())
}

/// Probes the readiness path until 2xx, the process exits, or the deadline passes.
async fn wait_ready(
    target: &mut Target,
    spec: &TargetSpec,
    client: &reqwest::Client,
    deadline: Instant,
) -> Result<(), BootError> {
    let started = Instant::now();
    let url = target
        .url(&spec.ready.path)
        .map_err(|e| BootError::Unsupported(format!("[ready] path: {e}")))?;
    let mut pause = Duration::from_millis(20);
    let mut last = String::from("no probe sent");
    loop {
        if let Target::Process(process) = target
            && process.exited().is_some()
        {
            return Err(process::exited(process));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(BootError::NeverReady {
                url: url.to_string(),
                waited: started.elapsed(),
                last,
                output: target.output(),
            });
        }
        let probe = client
            .get(url.clone())
            .timeout(left.min(Duration::from_secs(5)))
            .send()
            .await;
        match probe {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => last = format!("status {}", response.status()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
