//! Starting headless Chromium with its own temporary profile, connecting to its
//! DevTools endpoint, and making sure no Chromium process outlives the harness.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::cdp::{Connection, Event};
use super::error::{BrowserError, BrowserErrorKind};

/// How long Chromium may take to open its DevTools endpoint.
const LAUNCH_BOUND: Duration = Duration::from_secs(30);
/// How often the endpoint file is looked for while Chromium starts.
const POLL: Duration = Duration::from_millis(50);

/// A running headless Chromium; dropping it kills Chromium and its helpers.
pub struct Chromium {
    pub(super) connection: Connection,
    pub(super) events: mpsc::UnboundedReceiver<Event>,
    child: Child,
    // Held so the profile lives as long as Chromium; removed on drop.
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts `binary` headless (with `--no-sandbox` as root, where the sandbox
    /// cannot start) and connects to it.
    pub async fn launch(binary: &Path) -> Result<Self, BrowserError> {
        let context = format!("starting {}", binary.display());
        let fail = |kind| BrowserError::new(context.clone(), kind);
        let profile = tempfile::Builder::new()
            .prefix("rc-harness-chromium-")
            .tempdir()
            .map_err(|e| fail(e.into()))?;
        let stderr =
            std::fs::File::create(profile.path().join("stderr.log")).map_err(|e| fail(e.into()))?;
        let mut command = Command::new(binary);
        command
            .arg("--headless")
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args([
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-gpu",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--mute-audio",
                "--window-size=1280,800",
            ]);
        if running_as_root() {
            command.arg("--no-sandbox");
        }
        command
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| fail(e.into()))?;
        let ws_url = match wait_for_endpoint(profile.path(), &mut child).await {
            Ok(url) => url,
            Err(kind) => {
                kill_group(&mut child);
                return Err(fail(kind));
            }
        };
        let (connection, events) = match Connection::connect(&ws_url).await {
            Ok(pair) => pair,
            Err(kind) => {
                kill_group(&mut child);
                return Err(fail(kind));
            }
        };
        Ok(Self {
            connection,
            events,
            child,
            _profile: profile,
        })
    }

    /// Asks Chromium to close and waits for it, boundedly; killed if it lingers.
    pub async fn close(mut self) {
        let _ = self
            .connection
            .call(
                None,
                "Browser.close",
                serde_json::Value::Null,
                Duration::from_secs(5),
            )
            .await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            kill_group(&mut self.child);
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// Kills Chromium's whole process group (its renderers and zygotes too).
fn kill_group(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    if let Some(pid) = child.id() {
        // The group id is Chromium's pid (`process_group(0)`); `kill` needs no unsafe.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.start_kill();
}

/// Whether the harness runs as root, where Chromium's sandbox refuses to start.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Polls the `DevToolsActivePort` file Chromium writes into its profile (port, then
/// path) until it appears, Chromium exits, or the bound runs out.
async fn wait_for_endpoint(profile: &Path, child: &mut Child) -> Result<String, BrowserErrorKind> {
    let deadline = Instant::now() + LAUNCH_BOUND;
    let file = profile.join("DevToolsActivePort");
    loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                return Ok(format!("ws://127.0.0.1:{port}{path}"));
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(BrowserErrorKind::Launch(format!(
                "exited ({status}) before opening DevTools: {}",
                stderr_tail(profile)
            )));
        }
        if Instant::now() >= deadline {
            return Err(BrowserErrorKind::Timeout {
                what: format!(
                    "Chromium's DevTools endpoint ({}); its stderr: {}",
                    file.display(),
                    stderr_tail(profile)
                ),
                secs: LAUNCH_BOUND.as_secs_f64(),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The last lines Chromium wrote to stderr, for an error message.
fn stderr_tail(profile: &Path) -> String {
    let text = std::fs::read_to_string(profile.join("stderr.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}
