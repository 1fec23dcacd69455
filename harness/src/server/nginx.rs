//! Debian's nginx serving a directory: the side-by-side reference for HTTP behaviour.
//! A static-file server that many sites run and that follows RFC 9110 closely, started
//! here exactly as the fairness tests and the README's answer table need it.
//!
//! nginx runs as the current user in the foreground, as a single process
//! (`master_process off`), with its config, pid, logs and temp dirs in a temp dir, on
//! a free port; it is killed and reaped on drop.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use url::Url;

/// Debian's table of extensions to media types.
const MIME_TYPES: &str = "/etc/nginx/mime.types";
/// How long nginx may take to answer `GET /` after it was started.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Attempts at a free port: nginx cannot bind port 0, so one is picked, released and
/// handed to nginx, and something else may take it in between.
const PORT_ATTEMPTS: usize = 5;

/// Why nginx could not serve.
#[derive(Debug, thiserror::Error)]
pub enum NginxError {
    /// Its config, temp dir or log could not be written or read.
    #[error("nginx setup: {what}: {source}")]
    Setup {
        /// What was being done.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The binary could not be run.
    #[error("cannot run {}: {source}", binary.display())]
    Spawn {
        /// The nginx binary.
        binary: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A path nginx's config cannot quote (a `$` reads as a variable).
    #[error("{0}: nginx would read `$` in a path as a variable")]
    Unquotable(String),
    /// Every port tried was taken before nginx could bind it.
    #[error("nginx could not bind any of {PORT_ATTEMPTS} free ports:\n{logs}")]
    NoFreePort {
        /// nginx's logs, per port.
        logs: String,
    },
    /// It exited, or never answered, before serving; the logs say why.
    #[error("nginx did not serve {base}: {why}; logs:\n{logs}")]
    NotServing {
        /// Where it should have answered.
        base: String,
        /// What happened.
        why: String,
        /// Everything it wrote.
        logs: String,
    },
}

/// A running nginx serving `root`; killed and reaped on drop, then its temp dir goes.
pub struct Nginx {
    child: Child,
    dir: TempDir,
    base: Url,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // `master_process off`: this is the only nginx process, no workers to chase.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    /// Starts `binary` serving `root` on a free port with Debian's types (plus the
    /// web-font and manifest types when Debian's table lacks them) and `extras` inside
    /// the `server` block, retrying with another port when the one picked was taken.
    pub async fn serve(binary: &Path, root: &Path, extras: &str) -> Result<Self, NginxError> {
        let mut taken = Vec::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port().map_err(|source| NginxError::Setup {
                what: "pick a free port".into(),
                source,
            })?;
            match Self::serve_on(binary, root, extras, port).await {
                Ok(nginx) => return Ok(nginx),
                Err(Started::PortTaken(log)) => taken.push(format!("port {port}: {log}")),
                Err(Started::Failed(e)) => return Err(e),
            }
        }
        Err(NginxError::NoFreePort {
            logs: taken.join("\n"),
        })
    }

    /// Its base URL, `http://127.0.0.1:PORT/`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Everything nginx wrote: stderr, the startup log and the error log.
    pub fn logs(&self) -> String {
        ["stderr.log", "startup-error.log", "error.log"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.dir.path().join(name))
                    .unwrap_or_else(|e| format!("(unreadable: {e})"));
                format!("--- {name}\n{}", text.trim_end())
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    async fn serve_on(
        binary: &Path,
        root: &Path,
        extras: &str,
        port: u16,
    ) -> Result<Self, Started> {
        let setup = |what: &str| {
            let what = what.to_owned();
            move |source| Started::Failed(NginxError::Setup { what, source })
        };
        let dir = tempfile::Builder::new()
            .prefix("harness-nginx-")
            .tempdir()
            .map_err(setup("create a temp dir"))?;
        let conf = dir.path().join("nginx.conf");
        let text = config(binary, dir.path(), root, port, extras).map_err(Started::Failed)?;
        std::fs::write(&conf, text).map_err(setup("write nginx.conf"))?;
        let stderr = std::fs::File::create(dir.path().join("stderr.log"))
            .map_err(setup("create nginx's stderr log"))?;
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("startup-error.log"))
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|source| {
                Started::Failed(NginxError::Spawn {
                    binary: binary.to_path_buf(),
                    source,
                })
            })?;
        let base = Url::parse(&format!("http://127.0.0.1:{port}/"))
            .expect("an IPv4 address and a port make a URL");
        let mut nginx = Self { child, dir, base };
        nginx.wait_ready().await?;
        Ok(nginx)
    }

    /// Polls `GET /` until nginx answers (with `Server: nginx`, so nothing else that
    /// grabbed the port is mistaken for it). An early exit from a taken port is
    /// `PortTaken`; any other exit, or no answer within [`READY_TIMEOUT`], fails.
    async fn wait_ready(&mut self) -> Result<(), Started> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| self.not_serving(format!("no HTTP client: {e}")))?;
        let started = Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    let logs = self.logs();
                    if logs.contains("Address already in use") {
                        return Err(Started::PortTaken(logs));
                    }
                    return Err(self.not_serving(format!("exited ({status})")));
                }
                Ok(None) => {}
                Err(e) => return Err(self.not_serving(format!("cannot wait for it: {e}"))),
            }
            let answer = client
                .get(self.base.clone())
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            let last = match answer {
                Ok(r) if is_nginx(&r) => return Ok(()),
                Ok(r) => format!(
                    "status {}, Server {:?}",
                    r.status(),
                    r.headers().get("server")
                ),
                Err(e) => e.to_string(),
            };
            if started.elapsed() >= READY_TIMEOUT {
                return Err(
                    self.not_serving(format!("no answer within {READY_TIMEOUT:?} (last: {last})"))
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn not_serving(&self, why: String) -> Started {
        Started::Failed(NginxError::NotServing {
            base: self.base.to_string(),
            why,
            logs: self.logs(),
        })
    }
}

/// How one start attempt ended, when it did not serve.
enum Started {
    /// Its port was taken; carries its logs. Another port may work.
    PortTaken(String),
    Failed(NginxError),
}

fn is_nginx(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("server")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| s.starts_with("nginx"))
}

/// A port nothing listens on right now (the OS picks it; it is released at once).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// nginx's build options (`nginx -V` prints them on stderr).
fn build_options(binary: &Path) -> String {
    Command::new(binary)
        .arg("-V")
        .stdin(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default()
}

/// Whether `mime.types` already maps `ext` (its tokens are types, extensions and
/// `;`, so an extension is a whole token).
fn maps_extension(mime_types: &str, ext: &str) -> bool {
    mime_types
        .split(|c: char| c.is_whitespace() || c == ';')
        .any(|token| token == ext)
}

/// A `"quoted"` config string (nginx reads `\"` and `\\` inside double quotes).
fn quoted(path: &Path) -> Result<String, NginxError> {
    let text = path.display().to_string();
    if text.contains('$') {
        return Err(NginxError::Unquotable(text));
    }
    Ok(format!(
        "\"{}\"",
        text.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// The whole config: one process in the foreground, everything it writes under
/// `dir`, Debian's types plus the two static sites need (when missing), `root`.
fn config(
    binary: &Path,
    dir: &Path,
    root: &Path,
    port: u16,
    extras: &str,
) -> Result<String, NginxError> {
    let mime_types = std::fs::read_to_string(MIME_TYPES).map_err(|source| NginxError::Setup {
        what: format!("read {MIME_TYPES} (apt-get install nginx-light)"),
        source,
    })?;
    let extra_types: Vec<String> = [
        ("application/manifest+json", "webmanifest"),
        ("font/woff2", "woff2"),
    ]
    .iter()
    .filter(|(_, ext)| !maps_extension(&mime_types, ext))
    .map(|(media_type, ext)| format!("{media_type} {ext};"))
    .collect();
    // A temp path directive exists only when its module is built in; each must point
    // into `dir`, or nginx tries to create /var/lib/nginx/... at startup.
    let options = build_options(binary);
    let mut temp_paths = String::new();
    for (directive, module) in [
        ("client_body_temp_path", None),
        ("proxy_temp_path", Some("proxy")),
        ("fastcgi_temp_path", Some("fastcgi")),
        ("uwsgi_temp_path", Some("uwsgi")),
        ("scgi_temp_path", Some("scgi")),
    ] {
        if module.is_some_and(|m| options.contains(&format!("--without-http_{m}_module"))) {
            continue;
        }
        let name = directive.trim_end_matches("_temp_path");
        temp_paths.push_str(&format!(
            "    {directive} {};\n",
            quoted(&dir.join(format!("{name}_temp")))?
        ));
    }
    let p = |name: &str| quoted(&dir.join(name));
    Ok(format!(
        "# Generated by harness::server::nginx.
master_process off;
worker_processes 1;
pid {pid};
lock_file {lock};
error_log {error_log} info;

events {{
    worker_connections 128;
}}

http {{
    include {mime_types};
{extra_types}    default_type application/octet-stream;
    access_log {access_log};
{temp_paths}    sendfile on;
    etag on;

    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        index index.html;
        {extras}
    }}
}}
",
        pid = p("nginx.pid")?,
        lock = p("nginx.lock")?,
        error_log = p("error.log")?,
        access_log = p("access.log")?,
        mime_types = quoted(Path::new(MIME_TYPES))?,
        extra_types = if extra_types.is_empty() {
            String::new()
        } else {
            format!("    types {{ {} }}\n", extra_types.join(" "))
        },
        root = quoted(root)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_a_dollar_are_refused_and_quotes_escaped() {
        assert!(quoted(Path::new("/a/$b")).is_err());
        assert_eq!(
            quoted(Path::new("/a \"b\"")).ok().as_deref(),
            Some("\"/a \\\"b\\\"\"")
        );
    }

    #[test]
    fn an_extension_is_a_whole_token_of_mime_types() {
        let table = "types {\n text/css css;\n font/woff2 woff2;\n}";
        assert!(maps_extension(table, "woff2"));
        assert!(!maps_extension(table, "woff"));
    }
}
