//! Process servers: a command started per boot, killed and reaped when dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use url::Url;

use super::error::BootError;
use super::output::OutputTail;
use super::ready::Booting;
use super::spec::{AddressSpec, ProcessSpec, TargetSpec};

/// A running process; dropping it kills and reaps the child, also during a panic.
pub struct ProcessServer {
    child: Mutex<Child>,
    base_url: Url,
    output: OutputTail,
    readers: Vec<mpsc::Receiver<()>>,
    _data_dir: TempDir,
}

impl Drop for ProcessServer {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl ProcessServer {
    /// Where the server listens.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// What the process printed last.
    pub fn output(&self) -> String {
        self.output.text()
    }

    /// `Some(exit code)` once the process has exited (`Some(None)`: killed by a
    /// signal).
    pub fn exited(&self) -> Option<Option<i32>> {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        child.try_wait().ok().flatten().map(|status| status.code())
    }

    /// The error for a process that ended during boot, with its exit code and output.
    fn exited_error(&mut self) -> BootError {
        // Let the reader threads drain what the process wrote before it ended (bounded:
        // a grandchild could hold the pipes open).
        for reader in self.readers.drain(..) {
            let _ = reader.recv_timeout(Duration::from_secs(2));
        }
        BootError::Exited {
            code: self.exited().flatten(),
            output: self.output(),
        }
    }
}

impl Booting for ProcessServer {
    fn base_url(&self) -> &Url {
        &self.base_url
    }

    async fn exit_error(&mut self) -> Option<BootError> {
        self.exited()?;
        Some(self.exited_error())
    }

    fn output(&self) -> String {
        ProcessServer::output(self)
    }
}

/// Starts the process with `extra_env` on top of the target file's, and waits for its
/// address. Readiness is probed by the caller.
pub(crate) fn spawn(
    spec: &TargetSpec,
    process: &ProcessSpec,
    extra_env: &BTreeMap<String, String>,
    deadline: Instant,
) -> Result<ProcessServer, BootError> {
    let data_dir = tempfile::tempdir().map_err(|e| BootError::Spawn {
        command: process.command.clone(),
        message: format!("cannot create a data directory: {e}"),
    })?;
    let program = resolve_program(&spec.base_dir, &process.command);
    let mut command = Command::new(&program);
    command
        .args(&process.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if process.clear_env {
        command.env_clear();
        // Keep what a program needs to run at all.
        for key in ["PATH", "HOME", "TMPDIR", "LANG", "RUST_BACKTRACE"] {
            if let Ok(value) = std::env::var(key) {
                command.env(key, value);
            }
        }
    }
    let data = data_dir.path().display().to_string();
    for (key, value) in process.env.iter().chain(extra_env) {
        command.env(key, value.replace("{data_dir}", &data));
    }
    if let Some(cwd) = &process.cwd {
        command.current_dir(spec.base_dir.join(cwd));
    }
    let mut child = command.spawn().map_err(|e| BootError::Spawn {
        command: program.display().to_string(),
        message: e.to_string(),
    })?;
    let output = OutputTail::default();
    let (tx, rx) = mpsc::channel();
    let mut readers = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        readers.push(output.follow(stdout, "stdout", Some(tx)));
    }
    if let Some(stderr) = child.stderr.take() {
        readers.push(output.follow(stderr, "stderr", None));
    }
    let mut target = ProcessServer {
        child: Mutex::new(child),
        base_url: Url::parse("http://0.0.0.0/").map_err(|e| BootError::Spawn {
            command: process.command.clone(),
            message: e.to_string(),
        })?,
        output,
        readers,
        _data_dir: data_dir,
    };
    target.base_url = match &process.address {
        AddressSpec::Url(url) => Url::parse(url).map_err(|e| BootError::Spawn {
            command: process.command.clone(),
            message: format!("[process] address url {url:?}: {e}"),
        })?,
        AddressSpec::FirstStdoutLine => first_line_address(&mut target, &rx, deadline)?,
    };
    Ok(target)
}

/// Waits (bounded) for `listening on http://ADDR` as the first stdout line.
fn first_line_address(
    target: &mut ProcessServer,
    rx: &mpsc::Receiver<String>,
    deadline: Instant,
) -> Result<Url, BootError> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_millis(100))) {
            Ok(line) => {
                let address = line.trim().strip_prefix("listening on ").unwrap_or("");
                return Url::parse(address).map_err(|_| BootError::BadAddressLine {
                    line,
                    output: target.output(),
                });
            }
            Err(mpsc::RecvTimeoutError::Disconnected) | Err(mpsc::RecvTimeoutError::Timeout)
                if target.exited().is_some() =>
            {
                return Err(target.exited_error());
            }
            Err(_) if left.is_zero() => {
                return Err(BootError::NeverReady {
                    url: "(address not announced on stdout)".to_owned(),
                    waited: Duration::ZERO,
                    last: "no first stdout line".to_owned(),
                    output: target.output(),
                });
            }
            Err(_) => {}
        }
    }
}

fn resolve_program(base: &Path, command: &str) -> PathBuf {
    if command.contains('/') && !Path::new(command).is_absolute() {
        base.join(command)
    } else {
        PathBuf::from(command)
    }
}
