//! A booted server, whatever its kind: where it answers, whether it has exited, and
//! what it printed, asked the same way of a process, a container and a URL.

use url::Url;

use super::container::ContainerServer;
use super::error::BootError;
use super::process::ProcessServer;
use super::ready::Booting;

/// A booted server under test; dropping it stops it (a process is killed, a container
/// removed; a server found at a URL is left alone).
pub enum Server {
    /// A child process.
    Process(ProcessServer),
    /// Something already running: it never exits, and prints nothing the harness sees.
    Url(Url),
    /// A container run from a local image.
    Container(ContainerServer),
}

impl Server {
    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        match self {
            Self::Process(p) => p.base_url(),
            Self::Url(url) => url,
            Self::Container(c) => c.base_url(),
        }
    }

    /// Resolves a path (or absolute URL) against the base URL.
    pub fn url(&self, path: &str) -> Result<Url, url::ParseError> {
        self.base_url().join(path)
    }

    /// The server's recent output (stdout and stderr lines, each prefixed with
    /// `[stdout]` or `[stderr]`), for failure reports; empty for a URL server.
    pub fn output(&self) -> String {
        match self {
            Self::Process(p) => p.output(),
            Self::Url(_) => String::new(),
            Self::Container(c) => c.output(),
        }
    }

    /// `Some(exit code)` once the server has exited (`Some(None)`: no code, e.g.
    /// killed by a signal); always `None` for a URL server.
    pub fn exited(&self) -> Option<Option<i32>> {
        match self {
            Self::Process(p) => p.exited(),
            Self::Url(_) => None,
            Self::Container(c) => c.exited(),
        }
    }
}

impl Booting for Server {
    fn base_url(&self) -> &Url {
        Server::base_url(self)
    }

    async fn exit_error(&mut self) -> Option<BootError> {
        match self {
            Self::Process(p) => p.exit_error().await,
            Self::Url(_) => None,
            Self::Container(c) => c.exit_error().await,
        }
    }

    fn output(&self) -> String {
        Server::output(self)
    }
}
