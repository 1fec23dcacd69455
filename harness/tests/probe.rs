//! `harness probe`: the scenario file it writes loads with the harness's own loader and
//! passes against the server it probed, and its `metric` steps catch a server whose
//! counting stops. Proven on the reference server (a process, also through the real
//! binary as the README shows it) and on a foreign wiremock server with a hand-written
//! exposition (a `url` target whose counters did not start at 0).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use harness::probe::{ProbeOptions, probe};
use harness::report::RunReport;
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::server::TargetSpec;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn reference_target() -> TargetSpec {
    TargetSpec::load(&workspace().join("scenarios/targets/reference-process.toml"))
        .expect("target file")
}

/// Runs the scenario file at `file` against `spec` with `env` on every boot.
async fn run_file(file: &Path, spec: &TargetSpec, env: &[(&str, &str)]) -> RunReport {
    let scenario = Scenario::load(file).expect("the probe's file loads");
    let options = RunOptions {
        extra_env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        ..RunOptions::default()
    };
    let mut report = RunReport::new();
    run_scenarios(&[scenario], spec, &options, &mut report).await;
    report
}

fn failures(report: &RunReport) -> Vec<String> {
    report
        .failures()
        .map(|(_, c)| {
            let (expected, seen) = c.verdict.expected_and_seen().unwrap_or_default();
            format!("{}: expected {expected}, seen {seen}", c.name)
        })
        .collect()
}

/// The `metric = ...` lines of a scenario file.
fn metric_steps(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("metric = "))
        .collect()
}

#[tokio::test]
async fn the_reference_servers_probe_passes_against_it_and_catches_unwired_db_metrics() {
    let spec = reference_target();
    let probed = probe(&spec, &ProbeOptions::default())
        .await
        .expect("the reference server probes");
    assert!(probed.pages.len() >= 2, "/ links notes: {:?}", probed.pages);
    let text = probed.to_scenario();
    let steps = metric_steps(&text);
    assert!(
        steps.iter().any(|l| l.contains("operation=\"GET /\"")
            && l.contains("refserver_operations_total")
            && l.contains("delta = \"== 3\"")),
        "a per-route step for the home page: {text}"
    );
    // The metrics endpoints' own series move with the reads, not the traffic.
    assert!(!steps.iter().any(|l| l.contains("/metrics")), "{steps:#?}");
    assert!(text.contains("check-assets = { pages = ['/', "), "{text}");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("probe.toml");
    std::fs::write(&file, &text).expect("write");
    let report = run_file(&file, &spec, &[]).await;
    assert!(report.passed(), "{:#?}\n{text}", failures(&report));
    assert!(
        report.totals().passed > steps.len(),
        "every metric step ran: {:?}",
        report.totals()
    );

    // The same file against a server whose database calls are no longer counted.
    let report = run_file(
        &file,
        &spec,
        &[("REFSERVER_REGRESSIONS", "unwired-db-metrics")],
    )
    .await;
    let failed = failures(&report);
    assert!(
        failed
            .iter()
            .any(|f| f.contains("operation=\"SELECT notes\"") && f.contains("delta == ")),
        "{failed:#?}"
    );
}

/// `harness probe --target T --out FILE`, then `harness gate --scenario FILE`, through
/// the real binary, as the README shows them.
#[test]
fn the_cli_probes_and_the_gate_runs_what_it_wrote() {
    let root = workspace();
    let target = root.join("scenarios/targets/reference-process.toml");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("my-server.toml");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("probe")
        .arg("--target")
        .arg(&target)
        .arg("--out")
        .arg(&file)
        .output()
        .expect("harness runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("metric step(s), written to"), "{stderr}");
    let text = std::fs::read_to_string(&file).expect("the file was written");
    assert!(!metric_steps(&text).is_empty(), "{text}");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("gate")
        .arg("--target")
        .arg(&target)
        .arg("--scenario")
        .arg(&file)
        .arg("--report-dir")
        .arg(dir.path().join("report"))
        .output()
        .expect("harness runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Without --out, the file goes to stdout.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("probe")
        .arg("--target")
        .arg(&target)
        .output()
        .expect("harness runs");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("[[steps]]\nboot = {}"), "{stdout}");
}

#[test]
fn a_target_that_never_answers_exits_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let target = dir.path().join("gone.toml");
    std::fs::write(
        &target,
        format!(
            "name = \"gone\"\nkind = \"url\"\nurl = \"http://{address}/\"\n[ready]\n\
             timeout_secs = 1\n"
        ),
    )
    .expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("probe")
        .arg("--target")
        .arg(&target)
        .output()
        .expect("harness runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("never became ready"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// A foreign server: `/` links `/about` (a page), `/feed` (not HTML) and a
/// stylesheet. Its hand-written exposition has a per-page counter and an aggregate
/// (both started at 100, as a server already running), a counter no request moves,
/// and one that counts the scrapes themselves. `counting` off: the pages stop
/// counting, as an unwired instrumentation would.
struct Foreign {
    server: MockServer,
    counting: Arc<AtomicBool>,
}

#[derive(Default)]
struct Counts {
    home: AtomicU64,
    about: AtomicU64,
    scrapes: AtomicU64,
}

async fn foreign() -> Foreign {
    struct Page {
        html: &'static str,
        count: fn(&Counts) -> &AtomicU64,
        counts: Arc<Counts>,
        counting: Arc<AtomicBool>,
    }
    impl Respond for Page {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            if self.counting.load(Ordering::SeqCst) {
                (self.count)(&self.counts).fetch_add(1, Ordering::SeqCst);
            }
            ResponseTemplate::new(200).set_body_raw(self.html, "text/html; charset=utf-8")
        }
    }
    struct Metrics(Arc<Counts>);
    impl Respond for Metrics {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            let counts = &self.0;
            let scrapes = counts.scrapes.fetch_add(1, Ordering::SeqCst) + 1;
            let home = counts.home.load(Ordering::SeqCst);
            let about = counts.about.load(Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_raw(
                format!(
                    "# HELP flask_http_request_total Requests by page.\n\
                     # TYPE flask_http_request_total counter\n\
                     flask_http_request_total{{method=\"GET\",path=\"/\"}} {}\n\
                     flask_http_request_total{{method=\"GET\",path=\"/about\"}} {}\n\
                     # TYPE flask_views_total counter\n\
                     flask_views_total {}\n\
                     # TYPE flask_logins_total counter\n\
                     flask_logins_total 7\n\
                     # TYPE flask_scrapes_total counter\n\
                     flask_scrapes_total {scrapes}\n\
                     # TYPE flask_up gauge\n\
                     flask_up 1\n",
                    100 + home,
                    100 + about,
                    200 + home + about,
                ),
                "text/plain; version=0.0.4",
            )
        }
    }
    let server = MockServer::start().await;
    let counts = Arc::new(Counts::default());
    let counting = Arc::new(AtomicBool::new(true));
    let page = |html: &'static str, count: fn(&Counts) -> &AtomicU64| Page {
        html,
        count,
        counts: Arc::clone(&counts),
        counting: Arc::clone(&counting),
    };
    Mock::given(path("/"))
        .respond_with(page(
            r#"<!doctype html><link rel="stylesheet" href="/static/site.css">
               <a href="/about">About</a> <a href="/feed">Feed</a>"#,
            |c| &c.home,
        ))
        .mount(&server)
        .await;
    Mock::given(path("/about"))
        .respond_with(page(r#"<!doctype html><a href="/">Home</a>"#, |c| &c.about))
        .mount(&server)
        .await;
    Mock::given(path("/feed"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<rss/>", "application/rss+xml"))
        .mount(&server)
        .await;
    Mock::given(path("/static/site.css"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("body{}", "text/css"))
        .mount(&server)
        .await;
    Mock::given(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/metrics"))
        .respond_with(Metrics(counts))
        .mount(&server)
        .await;
    Foreign { server, counting }
}

fn url_target(server: &MockServer) -> TargetSpec {
    TargetSpec::parse(
        &format!(
            "name = \"flask blog\"\nkind = \"url\"\nurl = \"{}/\"\n[ready]\npath = \"/health\"\n\
             [metrics]\nprometheus = \"/metrics\"\n",
            server.uri()
        ),
        std::env::temp_dir(),
    )
    .expect("valid target")
}

#[tokio::test]
async fn a_foreign_servers_probe_names_its_counters_and_only_those_that_moved() {
    let foreign = foreign().await;
    let spec = url_target(&foreign.server);
    let probed = probe(&spec, &ProbeOptions::default())
        .await
        .expect("the foreign server probes");
    assert_eq!(probed.pages, ["/", "/about"]);
    let text = probed.to_scenario();
    assert_eq!(
        metric_steps(&text),
        [
            "metric = { prometheus = 'flask_http_request_total{method=\"GET\",path=\"/\"}', delta = \"== 3\" }",
            "metric = { prometheus = 'flask_http_request_total{method=\"GET\",path=\"/about\"}', delta = \"== 3\" }",
            "metric = { prometheus = 'flask_views_total', delta = \"== 6\" }",
        ],
        "{text}"
    );
    // The counter nothing moves is no step (nor listed); the scrape counter is a
    // comment saying why it is not a step.
    assert!(!text.contains("flask_logins_total"), "{text}");
    assert!(text.contains("# 1 series did not move"), "{text}");
    assert!(
        text.contains("#   flask_scrapes_total moved by 1 with no traffic at all"),
        "{text}"
    );
    assert!(
        text.contains("#   /feed: application/rss+xml, not HTML"),
        "{text}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("probe.toml");
    std::fs::write(&file, &text).expect("write");
    let report = run_file(&file, &spec, &[]).await;
    assert!(report.passed(), "{:#?}\n{text}", failures(&report));

    // The same server once its pages stop counting: every metric step fails.
    foreign.counting.store(false, Ordering::SeqCst);
    let report = run_file(&file, &spec, &[]).await;
    let failed = failures(&report);
    assert_eq!(failed.len(), 3, "{failed:#?}");
    assert!(failed.iter().all(|f| f.ends_with("seen 0")), "{failed:#?}");
}
