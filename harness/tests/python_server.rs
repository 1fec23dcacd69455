//! Fairness: Python's `http.server` serving `fixtures/site` passes `check-assets` with
//! warnings and nothing failed. It has no Range support and no ETag, both MAYs in
//! RFC 9110, so the checks that need them warn; it revalidates with
//! If-Modified-Since, which it advertises with Last-Modified, so those rows must pass.
//!
//! Needs `python3` on `PATH` (`ci/install-prerequisites.sh` installs it).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use harness::assets::{AssetOptions, Require, StaticDir, check_site};
use harness::exit_codes;
use harness::outcome::{CheckOutcome, Verdict};
use harness::report::RunReport;
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::server::TargetSpec;
use url::Url;

/// How long `python3 -m http.server` may take to say which port it bound.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// `python3 -m http.server 0`, killed and reaped on drop.
struct PythonServer {
    child: Child,
    base: Url,
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PythonServer {
    /// Serves `root` on a port the OS picks; the port is read from the server's own
    /// "Serving HTTP on 127.0.0.1 port N" line.
    fn start(root: &Path) -> Self {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .arg("--directory")
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run python3 ({e}): install it (ci/install-prerequisites.sh does)")
            });
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let port = line
                    .split_once(" port ")
                    .and_then(|(_, rest)| rest.split_whitespace().next())
                    .and_then(|p| p.parse::<u16>().ok());
                if let Some(port) = port {
                    let _ = tx.send(port);
                }
            }
        });
        let port = rx.recv_timeout(READY_TIMEOUT).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("python3 -m http.server did not say its port within {READY_TIMEOUT:?}")
        });
        let base = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("base URL");
        Self { child, base }
    }
}

fn fixture_site() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/site")
}

async fn check(server: &PythonServer, require: Require) -> Vec<CheckOutcome> {
    let mut options = AssetOptions::new(vec![server.base.join("/").expect("page URL")]);
    options.static_dir = Some(StaticDir {
        path: fixture_site().join("static"),
        url_prefix: server.base.join("/static/").expect("prefix URL"),
    });
    options.require = require;
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client");
    check_site(&client, &options).await
}

fn named(outcomes: &[CheckOutcome], verdict: fn(&Verdict) -> bool) -> Vec<&str> {
    outcomes
        .iter()
        .filter(|o| verdict(&o.verdict))
        .map(|o| o.name.as_str())
        .collect()
}

#[tokio::test]
async fn python_http_server_passes_with_warnings_and_fails_when_range_is_required() {
    let server = PythonServer::start(&fixture_site());
    let outcomes = check(&server, Require::default()).await;
    let failed = named(&outcomes, |v| matches!(v, Verdict::Fail { .. }));
    assert!(
        failed.is_empty(),
        "an RFC-conformant server without Range or ETags must not fail: {:#?}",
        outcomes.iter().filter(|o| !o.passed()).collect::<Vec<_>>()
    );
    let warned = named(&outcomes, |v| matches!(v, Verdict::Warn { .. }));
    assert!(
        warned.contains(&"ranges /static/css/style.css")
            && warned.contains(&"Range /static/css/style.css"),
        "no Range support is a warning: {warned:#?}"
    );
    // Last-Modified is sent and If-Modified-Since honoured: revalidation passes.
    assert!(
        outcomes
            .iter()
            .any(|o| o.name == "304 /static/css/style.css" && o.verdict == Verdict::Pass),
        "304 by If-Modified-Since"
    );

    // As `harness check-assets` runs it: the run passes, with its warnings, exit 0.
    let scenario = Scenario::check_assets(
        vec!["/".to_owned()],
        Some((fixture_site().join("static"), "/static/".to_owned())),
        Require::default(),
        false,
    );
    let mut report = RunReport::new();
    let spec = TargetSpec::running_at(&server.base);
    run_scenarios(&[scenario], &spec, &RunOptions::default(), &mut report).await;
    assert_eq!(
        report.exit_code(),
        exit_codes::PASS,
        "{}",
        report.headline()
    );
    assert!(report.totals().warned > 0, "{}", report.headline());

    let required = Require {
        range: true,
        validators: true,
    };
    let outcomes = check(&server, required).await;
    let failed = named(&outcomes, |v| matches!(v, Verdict::Fail { .. }));
    for name in [
        "ranges /static/css/style.css",
        "conditional /static/css/style.css",
    ] {
        assert!(
            failed.contains(&name),
            "required, {name} fails: {failed:#?}"
        );
    }
}
