//! The real binary booted for one case: fresh temp `DATA_PATH`, port 0, every wait
//! bounded, the child killed and reaped on drop (also when a check panics).

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reference_server::config::EnvMap;
use tempfile::TempDir;

#[path = "../support/child.rs"]
mod child;
use child::{Reaped, stdout_lines};

const BIN: &str = env!("CARGO_BIN_EXE_reference-server");

/// The admin token every booted server gets.
pub const ADMIN_TOKEN: &str = "property-admin-token-0123456789";

/// How long the server may take to print its address or to exit.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(30);

/// What came of starting the binary.
pub enum Boot {
    /// It printed `listening on http://ADDR`.
    Serving(Server),
    /// It exited without printing anything on stdout.
    Exited { status: ExitStatus, stderr: String },
}

/// A server that runs until dropped.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stderr: Arc<Mutex<String>>,
    _child: Reaped,
    /// Dropped after the child, so the database outlives the server.
    _data: TempDir,
}

impl Server {
    /// What the server has written to stderr so far, for failure messages.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `env` plus what every booted server needs: a fresh data dir, port 0, the admin token
/// and quiet logs. The returned env is exactly what the process sees.
pub fn server_env(env: &EnvMap, data: &TempDir) -> EnvMap {
    let mut full = env.clone();
    full.insert("DATA_PATH".into(), data.path().display().to_string());
    full.insert("BIND_ADDR".into(), "127.0.0.1:0".into());
    full.insert("ADMIN_TOKEN".into(), ADMIN_TOKEN.into());
    full.insert("RUST_LOG".into(), "warn".into());
    full
}

/// Starts the binary with exactly `env` (nothing inherited) and waits, at most
/// [`BOOT_TIMEOUT`], until it either serves or exits.
pub fn boot(env: &EnvMap, data: TempDir) -> Boot {
    let mut child = Command::new(BIN)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the reference-server binary");
    let lines = stdout_lines(&mut child);
    let (stderr, stderr_done) = collect_stderr(&mut child);
    let mut child = Reaped(child);

    match lines.recv_timeout(BOOT_TIMEOUT) {
        Ok(first) => {
            let url = first
                .strip_prefix("listening on ")
                .unwrap_or_else(|| {
                    panic!("the first stdout line must name the address, got {first:?}")
                })
                .to_owned();
            Boot::Serving(Server {
                url,
                stderr,
                _child: child,
                _data: data,
            })
        }
        Err(RecvTimeoutError::Disconnected) => {
            // Stdout closed without a line: the process is exiting. Stderr closes too.
            let stderr = stderr_done.recv_timeout(BOOT_TIMEOUT).unwrap_or_else(|_| {
                panic!("the server closed stdout but not stderr within {BOOT_TIMEOUT:?}")
            });
            let status = child.0.wait().expect("reap the exited server");
            Boot::Exited { status, stderr }
        }
        Err(RecvTimeoutError::Timeout) => panic!(
            "the server neither printed `listening on` nor exited within {BOOT_TIMEOUT:?}; \
             stderr so far:\n{}",
            stderr.lock().unwrap_or_else(PoisonError::into_inner)
        ),
    }
}

/// Stderr, accumulated on a thread (so a chatty server never blocks on a full pipe);
/// the receiver gets the whole text once the stream closes.
fn collect_stderr(child: &mut Child) -> (Arc<Mutex<String>>, Receiver<String>) {
    let mut stderr = child.stderr.take().expect("piped stderr");
    let shared = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let writer = Arc::clone(&shared);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => writer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        let text = writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let _ = tx.send(text);
    });
    (shared, rx)
}
