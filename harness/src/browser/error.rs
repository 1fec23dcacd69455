//! The browser's errors: what was being done, and why it did not work.

use std::path::PathBuf;

/// A browser operation that did not complete; `context` names the page or binary.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {kind}")]
pub struct BrowserError {
    /// What was being done, e.g. `loading http://127.0.0.1:4000/`.
    pub context: String,
    /// Why it did not work.
    pub kind: BrowserErrorKind,
}

/// Why a browser operation did not work.
#[derive(Debug, thiserror::Error)]
pub enum BrowserErrorKind {
    /// No Chromium binary was found where the harness looks.
    #[error(
        "no Chromium found: set HARNESS_CHROMIUM to its path, or put `chromium` or \
         `chromium-browser` on PATH (Debian: apt-get install chromium)"
    )]
    NotFound,
    /// `HARNESS_CHROMIUM` names a file that is not there.
    #[error("HARNESS_CHROMIUM={0} does not exist")]
    Missing(PathBuf),
    /// Starting Chromium, or a file it needs, failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Chromium did not open its DevTools endpoint in time, or exited.
    #[error("Chromium did not start: {0}")]
    Launch(String),
    /// The DevTools connection failed or closed.
    #[error("DevTools connection: {0}")]
    Connection(String),
    /// Chromium answered a DevTools command with an error.
    #[error("DevTools command {method} failed: {message}")]
    Command {
        /// The command, e.g. `Page.navigate`.
        method: String,
        /// Chromium's message.
        message: String,
    },
    /// A bounded wait ran out.
    #[error("timed out after {secs:.1} s waiting for {what}")]
    Timeout {
        /// What never happened, e.g. `the load event`.
        what: String,
        /// The bound, in seconds.
        secs: f64,
    },
}

impl BrowserError {
    /// Wraps `kind` with what was being done.
    pub(crate) fn new(context: impl Into<String>, kind: BrowserErrorKind) -> Self {
        Self {
            context: context.into(),
            kind,
        }
    }
}
