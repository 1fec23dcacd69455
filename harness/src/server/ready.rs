//! The one readiness loop: every kind of server (process, container, URL) is probed
//! the same way until it answers, exits, or runs out of time.

use std::time::{Duration, Instant};

use url::Url;

use super::error::BootError;
use super::spec::ReadySpec;

/// What the readiness loop needs of a server being booted, whatever its kind.
pub(crate) trait Booting {
    /// Where the server answers.
    fn base_url(&self) -> &Url;

    /// The error for a server that has exited (its exit code and output), once it
    /// has; a server that cannot exit (one found at a URL) never has.
    async fn exit_error(&mut self) -> Option<BootError>;

    /// What the server printed last.
    fn output(&self) -> String;
}

/// Probes `[ready] path` until it answers 2xx, the server exits, or `deadline`
/// passes; returns at once when the target file takes readiness for granted.
pub(crate) async fn wait(
    server: &mut impl Booting,
    ready: &ReadySpec,
    client: &reqwest::Client,
    deadline: Instant,
) -> Result<(), BootError> {
    if ready.assumed {
        return Ok(());
    }
    let started = Instant::now();
    let url = server
        .base_url()
        .join(&ready.path)
        .map_err(|e| BootError::Unsupported(format!("[ready] path: {e}")))?;
    let mut pause = Duration::from_millis(20);
    let mut last = String::from("no probe sent");
    loop {
        // Before every probe: a server that refused its configuration exits at once,
        // and its exit code and output say more than waiting out the timeout would.
        if let Some(exited) = server.exit_error().await {
            return Err(exited);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(BootError::NeverReady {
                url: url.to_string(),
                waited: started.elapsed(),
                last,
                output: server.output(),
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
