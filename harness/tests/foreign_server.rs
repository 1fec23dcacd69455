//! The asset checks against a server this project did not write: Debian's nginx serving
//! `fixtures/site/` passes every check, and an nginx misconfigured the classic ways (a
//! stylesheet dir typed `application/octet-stream`, validators switched off) fails
//! exactly the checks that guard against those mistakes.
//!
//! nginx runs as the current user in the foreground, as a single process, with its
//! config, pid, logs and temp dirs in a temp dir, on a free port; it is killed and
//! reaped on drop, also after a panic.
//!
//! Needs nginx (`HARNESS_NGINX`, else `/usr/sbin/nginx`, else `nginx` on `PATH`; `apt-get
//! install nginx-light`). Without it, the tests are reported ignored (skipped) with one
//! line on stderr, or fail with the reason when `HARNESS_REQUIRE_NGINX=1`. Run by
//! libtest-mimic (`harness = false`), so a skip is counted as one; each test gets its
//! own tokio runtime.

use harness::prerequisite::Prerequisite;

#[path = "support/suite.rs"]
mod suite;

fn main() {
    suite::run(
        "foreign_server",
        Prerequisite::Nginx,
        foreign_server::trials,
    )
}

// Every name starts `foreign_server::`, so `cargo test -p harness foreign_server`
// selects every test here.
mod foreign_server {
    use std::collections::BTreeSet;
    use std::future::Future;
    use std::net::{Ipv4Addr, TcpListener};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, OnceLock};
    use std::time::{Duration, Instant};

    use harness::assets::{AssetOptions, StaticDir, check_site};
    use harness::outcome::{CheckOutcome, Verdict};
    use harness::prerequisite::{Found, Status};
    use libtest_mimic::Trial;
    use tempfile::TempDir;
    use url::Url;

    /// Debian's table of extensions to media types.
    const MIME_TYPES: &str = "/etc/nginx/mime.types";
    /// How long nginx may take to answer `GET /` after it was started.
    const READY_TIMEOUT: Duration = Duration::from_secs(20);
    /// Attempts at a free port: nginx cannot bind port 0, so one is picked, released and
    /// handed to nginx, and something else may take it in between.
    const PORT_ATTEMPTS: usize = 5;
    /// Fewer distinct asset URLs than this means the crawl lost part of the site.
    const MIN_ASSETS: usize = 15;

    /// Every test of the suite, under nginx's `status`.
    pub(crate) fn trials(status: &Arc<Status>) -> Vec<Trial> {
        vec![
            needs_nginx(
                status,
                "nginx_serving_the_fixture_site_passes_every_asset_check",
                nginx_serving_the_fixture_site_passes_every_asset_check,
            ),
            needs_nginx(
                status,
                "a_misconfigured_nginx_fails_the_checks_that_guard_the_mistakes",
                a_misconfigured_nginx_fails_the_checks_that_guard_the_mistakes,
            ),
        ]
    }

    /// A test given the nginx binary, run on its own current-thread runtime (as
    /// `#[tokio::test]` does): ignored when nginx is missing, failing with the reason
    /// when it is required (or when run anyway with `--ignored`).
    fn needs_nginx<T, F>(status: &Arc<Status>, name: &str, test: T) -> Trial
    where
        T: FnOnce(PathBuf) -> F + Send + 'static,
        F: Future<Output = ()>,
    {
        let skipped = matches!(**status, Status::Skip(_));
        let status = Arc::clone(status);
        Trial::test(format!("foreign_server::{name}"), move || {
            let Status::Available(Found::Nginx(binary)) = &*status else {
                return Err(status
                    .failure()
                    .unwrap_or_else(|| format!("not nginx: {status:?}"))
                    .into());
            };
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime")
                .block_on(test(binary.clone()));
            Ok(())
        })
        .with_ignored_flag(skipped)
    }

    fn fixture_site() -> PathBuf {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/site"));
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }

    /// What the config adds inside the `server` block.
    #[derive(Clone, Copy)]
    enum Variant {
        /// Stock static serving: `etag on`, Debian's types plus the manifest's.
        Correct,
        /// `/static/css/` typed `application/octet-stream` (an empty `types {}` in a
        /// location, a real-world slip), and no ETag nor If-Modified-Since handling.
        Broken,
    }

    impl Variant {
        fn server_extras(self) -> &'static str {
            match self {
                Self::Correct => "",
                Self::Broken => {
                    "etag off;
        if_modified_since off;
        location /static/css/ {
            types { }
            default_type application/octet-stream;
        }"
                }
            }
        }
    }

    /// A running nginx; killed and reaped on drop, then its temp dir is removed.
    struct Nginx {
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
        /// Starts nginx serving the fixture site on a free port, retrying with another
        /// port when the one picked was taken before nginx could bind it.
        async fn start(binary: &Path, variant: Variant) -> Self {
            let mut taken = Vec::new();
            for _ in 0..PORT_ATTEMPTS {
                let port = free_port();
                match Self::start_on(binary, variant, port).await {
                    Ok(nginx) => return nginx,
                    Err(PortTaken(log)) => taken.push(format!("port {port}: {log}")),
                }
            }
            panic!(
                "nginx could not bind any of {PORT_ATTEMPTS} free ports:\n{}",
                taken.join("\n")
            );
        }

        async fn start_on(binary: &Path, variant: Variant, port: u16) -> Result<Self, PortTaken> {
            let dir = tempfile::Builder::new()
                .prefix("harness-nginx-")
                .tempdir()
                .expect("temp dir for nginx");
            let conf = dir.path().join("nginx.conf");
            std::fs::write(&conf, config(binary, dir.path(), port, variant))
                .expect("write nginx.conf");
            let stderr = std::fs::File::create(dir.path().join("stderr.log"))
                .expect("create nginx stderr log");
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
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            let base = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("base URL");
            let mut nginx = Self { child, dir, base };
            nginx.wait_ready().await?;
            Ok(nginx)
        }

        /// Polls `GET /` until nginx answers 200 (with `Server: nginx`, so nothing else
        /// that grabbed the port is mistaken for it). An early exit from a taken port is
        /// `Err`; any other exit, or no answer within [`READY_TIMEOUT`], panics with
        /// nginx's logs.
        async fn wait_ready(&mut self) -> Result<(), PortTaken> {
            let client = client();
            let started = Instant::now();
            loop {
                match self.child.try_wait() {
                    Ok(Some(status)) => {
                        let log = self.logs();
                        if log.contains("Address already in use") {
                            return Err(PortTaken(log));
                        }
                        panic!(
                            "nginx exited ({status}) before serving {}:\n{log}",
                            self.base
                        );
                    }
                    Ok(None) => {}
                    Err(e) => panic!("cannot wait for nginx: {e}"),
                }
                let answer = client
                    .get(self.base.clone())
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await;
                let last = match answer {
                    Ok(r) if r.status() == 200 && is_nginx(&r) => return Ok(()),
                    Ok(r) => format!(
                        "status {}, Server {:?}",
                        r.status(),
                        r.headers().get("server")
                    ),
                    Err(e) => e.to_string(),
                };
                assert!(
                    started.elapsed() < READY_TIMEOUT,
                    "nginx did not answer GET {} with 200 within {READY_TIMEOUT:?} (last: {last}); logs:\n{}",
                    self.base,
                    self.logs()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }

        /// Everything nginx wrote: stderr, the startup log and the error log.
        fn logs(&self) -> String {
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

        fn url(&self, path: &str) -> Url {
            self.base.join(path).expect("URL")
        }

        /// The asset checks as the harness runs them: start page `/`, plus every file
        /// of `fixtures/site/static` under `/static/`.
        async fn check(&self) -> Vec<CheckOutcome> {
            let mut options = AssetOptions::new(vec![self.url("/")]);
            options.static_dir = Some(StaticDir {
                path: fixture_site().join("static"),
                url_prefix: self.url("/static/"),
            });
            check_site(&client(), &options).await
        }
    }

    /// nginx exited because its port was taken; carries its logs.
    struct PortTaken(String);

    fn is_nginx(response: &reqwest::Response) -> bool {
        response
            .headers()
            .get("server")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|s| s.starts_with("nginx"))
    }

    /// A port nothing listens on right now (the OS picks it; it is released at once).
    fn free_port() -> u16 {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("bind 127.0.0.1:0")
            .port()
    }

    /// Never through a proxy from the environment: the server is on loopback.
    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("HTTP client")
    }

    /// nginx's build options (`nginx -V` prints them on stderr), read once.
    fn build_options(binary: &Path) -> &'static str {
        static OPTIONS: OnceLock<String> = OnceLock::new();
        OPTIONS.get_or_init(|| {
            Command::new(binary)
                .arg("-V")
                .stdin(Stdio::null())
                .output()
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                .unwrap_or_default()
        })
    }

    /// Whether `mime.types` already maps `ext` (its tokens are types, extensions and
    /// `;`, so an extension is a whole token).
    fn maps_extension(mime_types: &str, ext: &str) -> bool {
        mime_types
            .split(|c: char| c.is_whitespace() || c == ';')
            .any(|token| token == ext)
    }

    /// A `"quoted"` config string (nginx reads `\"` and `\\` inside double quotes).
    fn quoted(path: &Path) -> String {
        let text = path.display().to_string();
        assert!(
            !text.contains('$'),
            "{text}: nginx would read `$` in a path as a variable"
        );
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }

    /// The whole config: one process in the foreground, everything it writes under
    /// `dir`, Debian's types plus the two the fixture site needs (when missing), the
    /// fixture site as root.
    fn config(binary: &Path, dir: &Path, port: u16, variant: Variant) -> String {
        let mime_types = std::fs::read_to_string(MIME_TYPES).unwrap_or_else(|e| {
            panic!("nginx is installed but {MIME_TYPES} is not readable ({e}); apt-get install nginx-light")
        });
        let mut extra_types = Vec::new();
        for (media_type, ext) in [
            ("application/manifest+json", "webmanifest"),
            ("font/woff2", "woff2"),
        ] {
            if !maps_extension(&mime_types, ext) {
                extra_types.push(format!("{media_type} {ext};"));
            }
        }
        // A temp path directive exists only when its module is built in; each must
        // point into `dir`, or nginx tries to create /var/lib/nginx/... at startup.
        let options = build_options(binary);
        let temp_paths: String = [
            ("client_body_temp_path", None),
            ("proxy_temp_path", Some("proxy")),
            ("fastcgi_temp_path", Some("fastcgi")),
            ("uwsgi_temp_path", Some("uwsgi")),
            ("scgi_temp_path", Some("scgi")),
        ]
        .iter()
        .filter(|(_, module)| {
            module.is_none_or(|m| !options.contains(&format!("--without-http_{m}_module")))
        })
        .map(|(directive, _)| {
            let name = directive.trim_end_matches("_temp_path");
            format!(
                "    {directive} {};\n",
                quoted(&dir.join(format!("{name}_temp")))
            )
        })
        .collect();
        let p = |name: &str| quoted(&dir.join(name));
        format!(
            "# Generated by harness/tests/foreign_server.rs.
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
            pid = p("nginx.pid"),
            lock = p("nginx.lock"),
            error_log = p("error.log"),
            access_log = p("access.log"),
            mime_types = quoted(Path::new(MIME_TYPES)),
            extra_types = if extra_types.is_empty() {
                String::new()
            } else {
                format!("    types {{ {} }}\n", extra_types.join(" "))
            },
            root = quoted(&fixture_site()),
            extras = variant.server_extras(),
        )
    }

    fn failures(outcomes: &[CheckOutcome]) -> Vec<String> {
        outcomes
            .iter()
            .filter_map(|o| match &o.verdict {
                Verdict::Fail { expected, seen } => Some(format!(
                    "{} at {}: expected {expected}, seen {seen}",
                    o.name, o.location
                )),
                Verdict::Pass | Verdict::Warn { .. } => None,
            })
            .collect()
    }

    /// The asset paths that got a `GET 200` check, e.g. `/static/css/style.css`.
    fn checked_assets(outcomes: &[CheckOutcome]) -> BTreeSet<String> {
        outcomes
            .iter()
            .filter_map(|o| o.name.strip_prefix("GET 200 "))
            .map(str::to_owned)
            .collect()
    }

    async fn nginx_serving_the_fixture_site_passes_every_asset_check(binary: PathBuf) {
        let nginx = Nginx::start(&binary, Variant::Correct).await;
        let outcomes = nginx.check().await;

        let failed = failures(&outcomes);
        assert!(
            failed.is_empty(),
            "{} of {} checks failed against nginx at {}:\n{}",
            failed.len(),
            outcomes.len(),
            nginx.base,
            failed.join("\n")
        );
        let assets = checked_assets(&outcomes);
        assert!(
            assets.len() >= MIN_ASSETS,
            "only {} distinct assets checked (want >= {MIN_ASSETS}): {assets:?}",
            assets.len()
        );
        // Every asset went through all six checks and both conformance groups (the
        // fixture has no empty file).
        let checks = [
            "GET 200",
            "Content-Type",
            "length",
            "HEAD",
            "304",
            "Range",
            "conditional",
            "ranges",
        ];
        for check in checks {
            let count = outcomes
                .iter()
                .filter(|o| o.name.starts_with(&format!("{check} /")))
                .count();
            assert_eq!(count, assets.len(), "`{check}` outcomes vs assets");
        }
        for page in ["page /", "static dir", "assets found"] {
            assert!(
                outcomes.iter().any(|o| o.name == page),
                "no `{page}` outcome"
            );
        }
    }

    async fn a_misconfigured_nginx_fails_the_checks_that_guard_the_mistakes(binary: PathBuf) {
        let nginx = Nginx::start(&binary, Variant::Broken).await;
        let outcomes = nginx.check().await;

        let assets = checked_assets(&outcomes);
        assert!(
            assets.len() >= MIN_ASSETS,
            "only {} distinct assets checked (want >= {MIN_ASSETS}): {assets:?}",
            assets.len()
        );
        let sheets = ["/static/css/print.css", "/static/css/style.css"];
        // No If-Modified-Since: the 304 check and the table's revalidation rows fail.
        let mut want: BTreeSet<String> = assets.iter().map(|a| format!("304 {a}")).collect();
        want.extend(assets.iter().map(|a| format!("conditional {a}")));
        want.extend(sheets.iter().map(|s| format!("Content-Type {s}")));
        let failed: BTreeSet<String> = outcomes
            .iter()
            .filter(|o| !o.passed())
            .map(|o| o.name.clone())
            .collect();
        assert_eq!(
            failed,
            want,
            "failing checks against the misconfigured nginx:\n{}",
            failures(&outcomes).join("\n")
        );

        for sheet in sheets {
            let o = outcomes
                .iter()
                .find(|o| o.name == format!("Content-Type {sheet}"))
                .expect("Content-Type outcome");
            assert_eq!(o.location, format!("{} [Content-Type]", nginx.url(sheet)));
            let Verdict::Fail { expected, seen } = &o.verdict else {
                unreachable!("listed as failing");
            };
            assert!(expected.contains("text/css"), "{expected}");
            assert_eq!(seen, "Content-Type application/octet-stream");
        }
        let o = outcomes
            .iter()
            .find(|o| o.name == "304 /static/js/app.js")
            .expect("304 outcome");
        let Verdict::Fail { expected, seen } = &o.verdict else {
            unreachable!("listed as failing");
        };
        assert!(
            expected.starts_with("status 304 for If-Modified-Since: "),
            "{expected}"
        );
        assert!(seen.starts_with("status 200 with "), "{seen}");
    }
}
