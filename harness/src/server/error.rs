//! Why a server under test did not come up, whatever its kind.

use std::time::Duration;

/// Why a server did not come up.
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
    /// The program (or container) could not be started.
    #[error("cannot start `{command}`: {message}")]
    Spawn {
        /// The program.
        command: String,
        /// The OS (or engine) error.
        message: String,
    },
    /// The server ended during boot.
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
        /// What the server printed.
        output: String,
    },
}

impl BootError {
    /// The server's output, when it had any.
    pub fn output(&self) -> Option<&str> {
        match self {
            Self::Exited { output, .. }
            | Self::BadAddressLine { output, .. }
            | Self::NeverReady { output, .. } => Some(output),
            _ => None,
        }
    }
}
