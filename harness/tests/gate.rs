//! The differential gate proven on the reference server: the candidate is the server
//! with a regression switch on, the baseline the same server without it. Each of the
//! nine switches must show as a regression naming what regressed (the series, the
//! asset or the check), and each scenario used here against itself shows none (ports,
//! dates and timestamps differ between the boots). Each scenario's baseline run is
//! made once and shared by its tests.
//!
//! With the generic scenario (`scenarios/gate/generic.toml`), which names no metric:
//!
//! - `unwired-db-metrics`: the database series stop moving (`type="database"`,
//!   `/types/database/count`);
//! - `wrong-content-type`: the stylesheet's `Content-Type` changes (here, and through
//!   the `harness gate` binary against a saved report);
//! - `buffered-body-size`: the stylesheet answers 500;
//! - `legacy-sampling`: the render operations series lag the traffic
//!   (`refserver_operations_total{type="render"}`);
//! - `nagle-stall`: a check on a `/static/` asset fails;
//! - `plural-sampling-key`: the sampled-events series fall
//!   (`refserver_events_sampled_total{type="http"}`, `/types/http/sampled`).
//!
//! The generic scenario neither writes through Micropub nor boots an invalid
//! configuration, so the other three are proven with the project's scenario whose
//! `catches` names them:
//!
//! - `any-bearer-token` (`scenarios/micropub-write.toml`): the stolen token's
//!   `POST /micropub: status` check (401 expected, 201 seen);
//! - `accept-empty-note` (`scenarios/micropub-write.toml`): the empty note's
//!   `POST /micropub: status` (400 expected, 201 seen) and `body` checks;
//! - `silent-config-fallback` (`scenarios/sampling-config.toml`): the
//!   `refuses to start with ...: exit code` check of each refused configuration.

use std::collections::BTreeMap;
use std::path::PathBuf;

use harness::compare::{Comparison, Finding, FindingArea, compare_runs};
use harness::report::RunReport;
use harness::report::json::Document;
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::server::TargetSpec;
use tokio::sync::OnceCell;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scenario of the project against the reference server (a process), with its
/// baseline run (no switch) made once and shared by every test that uses it: a
/// `Document` is plain data, so it outlives the test runtime that made it.
struct Baseline {
    /// The scenario file, relative to the workspace.
    scenario: &'static str,
    /// Whether its traffic must move some counting series on the baseline (the
    /// generic scenario's metric diff is only meaningful if it does).
    moves_series: bool,
    run: OnceCell<Document>,
}

impl Baseline {
    const fn new(scenario: &'static str, moves_series: bool) -> Self {
        Self {
            scenario,
            moves_series,
            run: OnceCell::const_new(),
        }
    }

    /// The scenario against the reference server with `switch` on.
    async fn run(&self, switch: Option<&str>) -> Document {
        let spec = TargetSpec::load(&workspace().join("scenarios/targets/reference-process.toml"))
            .expect("target file");
        let scenario = Scenario::load(&workspace().join(self.scenario)).expect("scenario");
        let options = RunOptions {
            extra_env: switch
                .map(|s| ("REFSERVER_REGRESSIONS".to_owned(), s.to_owned()))
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
            record_metric_deltas: true,
            ..RunOptions::default()
        };
        let mut report = RunReport::new();
        run_scenarios(&[scenario], &spec, &options, &mut report).await;
        Document::new(&report)
    }

    /// The run without a switch, made by the first test that asks.
    async fn document(&self) -> &Document {
        self.run
            .get_or_init(|| async {
                let baseline = self.run(None).await;
                assert_eq!(
                    baseline.exit_code, 0,
                    "the baseline passes {}: {baseline:#?}",
                    self.scenario
                );
                if self.moves_series {
                    assert!(
                        baseline.scenarios[0]
                            .metric_deltas
                            .iter()
                            .any(|d| d.series.iter().any(|s| s.delta > 0.0)),
                        "the baseline's traffic moved some series: {:#?}",
                        baseline.scenarios[0].metric_deltas
                    );
                }
                baseline
            })
            .await
    }

    /// Baseline without a switch (shared), candidate with `switch` (`None`: the same
    /// server again).
    async fn gate(&self, switch: Option<&str>) -> Comparison {
        let baseline = self.document().await;
        let candidate = self.run(switch).await;
        compare_runs(baseline, &candidate)
    }
}

/// Names no metric: sees what breaks the assets or a counting series' response.
static GENERIC: Baseline = Baseline::new("scenarios/gate/generic.toml", true);

/// Baseline without a switch, candidate with it, under the generic scenario.
async fn gate(switch: &str) -> Comparison {
    GENERIC.gate(Some(switch)).await
}

fn lines(comparison: &Comparison) -> Vec<String> {
    comparison
        .regressions
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A scenario against the same server: two boots differ in ports, dates and
/// timestamps, and none of that may count.
fn assert_no_findings(comparison: &Comparison) {
    assert!(
        comparison.regressions.is_empty(),
        "{:#?}",
        lines(comparison)
    );
    assert!(comparison.already_failing.is_empty(), "{comparison:#?}");
}

#[tokio::test]
async fn the_server_against_itself_has_no_regression() {
    let comparison = GENERIC.gate(None).await;
    assert_no_findings(&comparison);
}

#[tokio::test]
async fn unwired_db_metrics_is_a_regression_naming_the_database_series() {
    let comparison = gate("unwired-db-metrics").await;
    let metric: Vec<String> = comparison
        .regressions
        .iter()
        .filter(|f| f.area == FindingArea::Metric)
        .map(ToString::to_string)
        .collect();
    assert!(
        metric.iter().any(|l| l.contains("type=\"database\"")),
        "{metric:#?}"
    );
    assert!(
        metric.iter().any(|l| l.contains("/types/database/count")),
        "{metric:#?}"
    );
}

#[tokio::test]
async fn wrong_content_type_is_a_regression_naming_the_asset() {
    let comparison = gate("wrong-content-type").await;
    let assets: Vec<String> = comparison
        .regressions
        .iter()
        .filter(|f| f.area == FindingArea::Asset && f.what == "Content-Type changed")
        .map(ToString::to_string)
        .collect();
    assert!(
        assets
            .iter()
            .any(|l| l.contains("/static/css/style.css") && l.contains("application/octet-stream")),
        "{:#?}",
        lines(&comparison)
    );
}

#[tokio::test]
async fn buffered_body_size_is_a_regression_naming_the_asset_and_the_byte_counter() {
    let comparison = gate("buffered-body-size").await;
    let all = lines(&comparison);
    assert!(
        comparison
            .regressions
            .iter()
            .any(|f| f.area == FindingArea::Asset
                && f.subject == "/static/css/style.css"
                && f.candidate == "status 500"),
        "{all:#?}"
    );
}

/// `harness gate ARGS` with the generic scenario, reports under `dir`: its exit code.
fn cli(dir: &std::path::Path, args: &[&str]) -> i32 {
    let root = workspace();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("gate")
        .arg("--scenario")
        .arg(root.join("scenarios/gate/generic.toml"))
        .arg("--target")
        .arg(root.join("scenarios/targets/reference-process.toml"))
        .arg("--report-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("harness runs");
    let code = output.status.code().unwrap_or(-1);
    if code > 1 {
        panic!(
            "harness gate {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    code
}

#[test]
fn the_cli_gates_against_a_saved_report_and_against_a_baseline_target() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path().join("base");
    assert_eq!(cli(&base, &[]), 0, "the last release passes on its own");
    let saved = base.join("report.json");
    let saved = saved.to_str().expect("utf-8 path");

    // The candidate with the switch, against the saved report: exit 1, and the
    // regressions come first in every format, naming the asset.
    let cand = tmp.path().join("cand");
    let args = [
        "--env",
        "REFSERVER_REGRESSIONS=wrong-content-type",
        "--baseline-report",
        saved,
    ];
    assert_eq!(cli(&cand, &args), 1);
    let gate: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cand.join("gate.json")).expect("gate.json"))
            .expect("json");
    assert_eq!(gate["verdict"], "fail");
    let regressions = gate["regressions"].as_array().cloned().unwrap_or_default();
    assert!(
        regressions
            .iter()
            .any(|r| r["subject"] == "/static/css/style.css"
                && r["what"] == "Content-Type changed"
                && r["baseline"] == "text/css"
                && r["candidate"] == "application/octet-stream"),
        "{regressions:#?}"
    );
    let summary = std::fs::read_to_string(cand.join("summary.md")).expect("summary.md");
    assert!(
        summary.starts_with("## Gate against the baseline\n\n❌"),
        "{summary}"
    );
    let junit = std::fs::read_to_string(cand.join("gate-junit.xml")).expect("junit");
    assert!(junit.contains("asset /static/css/style.css"), "{junit}");

    // The same server as its own baseline target passes, strict or not.
    let same = tmp.path().join("same");
    let baseline = workspace().join("scenarios/targets/reference-process.toml");
    let baseline = baseline.to_str().expect("utf-8 path");
    assert_eq!(cli(&same, &["--baseline", baseline, "--strict"]), 0);
    assert!(same.join("baseline/report.json").is_file());
}

#[tokio::test]
async fn legacy_sampling_is_a_regression_naming_the_counts_it_lost() {
    let comparison = gate("legacy-sampling").await;
    let metric: Vec<String> = comparison
        .regressions
        .iter()
        .filter(|f| f.area == FindingArea::Metric)
        .map(ToString::to_string)
        .collect();
    assert!(
        metric
            .iter()
            .any(|l| l.contains("refserver_operations_total") && l.contains("type=\"render\"")),
        "{metric:#?}"
    );
}

#[tokio::test]
async fn nagle_stall_is_a_regression_naming_the_asset() {
    let comparison = gate("nagle-stall").await;
    assert!(
        comparison
            .regressions
            .iter()
            .any(|f| f.area == FindingArea::Check && f.subject.contains("/static/")),
        "{:#?}",
        lines(&comparison)
    );
}

/// With only the canonical key's default in effect, the switch samples 10%: the
/// counts of sampled events fall under the same traffic.
#[tokio::test]
async fn plural_sampling_key_is_a_regression_naming_the_sampled_events_series() {
    let comparison = gate("plural-sampling-key").await;
    let metric: Vec<String> = comparison
        .regressions
        .iter()
        .filter(|f| f.area == FindingArea::Metric)
        .map(ToString::to_string)
        .collect();
    assert!(
        metric
            .iter()
            .any(|l| l.contains("refserver_events_sampled_total{type=\"http\"}")),
        "{:#?}",
        lines(&comparison)
    );
    assert!(
        metric.iter().any(|l| l.contains("/types/http/sampled")),
        "{metric:#?}"
    );
}

/// The write path (`micropub-write.toml`): the generic scenario writes nothing, so the
/// Micropub switches are proven with the project's own scenario that catches them.
static MICROPUB_WRITE: Baseline = Baseline::new("scenarios/micropub-write.toml", true);

/// The regressions whose line names `subject` and contains every one of `texts`.
fn naming<'a>(comparison: &'a Comparison, subject: &str, texts: &[&str]) -> Vec<&'a Finding> {
    comparison
        .regressions
        .iter()
        .filter(|f| f.subject == subject)
        .filter(|f| texts.iter().all(|t| f.to_string().contains(t)))
        .collect()
}

#[tokio::test]
async fn micropub_write_against_itself_has_no_regression() {
    let comparison = MICROPUB_WRITE.gate(None).await;
    assert_no_findings(&comparison);
}

#[tokio::test]
async fn any_bearer_token_is_a_regression_naming_the_refused_token_check() {
    let comparison = MICROPUB_WRITE.gate(Some("any-bearer-token")).await;
    let all = lines(&comparison);
    let refused = naming(
        &comparison,
        "POST /micropub: status",
        &["baseline: pass", "expected status 401, seen status 201"],
    );
    assert_eq!(refused.len(), 1, "{all:#?}");
    // The empty note is still refused: the finding is the token, not the write.
    assert!(
        naming(
            &comparison,
            "POST /micropub: status",
            &["expected status 400"]
        )
        .is_empty(),
        "{all:#?}"
    );
}

#[tokio::test]
async fn accept_empty_note_is_a_regression_naming_the_empty_note_checks() {
    let comparison = MICROPUB_WRITE.gate(Some("accept-empty-note")).await;
    let all = lines(&comparison);
    let status = naming(
        &comparison,
        "POST /micropub: status",
        &["baseline: pass", "expected status 400, seen status 201"],
    );
    assert_eq!(status.len(), 1, "{all:#?}");
    let body = naming(
        &comparison,
        "POST /micropub: body",
        &["baseline: pass", "expected body containing \"content\""],
    );
    assert_eq!(body.len(), 1, "{all:#?}");
    // The stolen token is still refused.
    assert!(
        naming(
            &comparison,
            "POST /micropub: status",
            &["expected status 401"]
        )
        .is_empty(),
        "{all:#?}"
    );
}

/// The configuration's spellings (`sampling-config.toml`): the generic scenario boots
/// with a valid configuration only, where a silent fallback changes nothing, so the
/// config switch is proven with the scenario that boots the invalid ones.
static SAMPLING_CONFIG: Baseline = Baseline::new("scenarios/sampling-config.toml", false);

#[tokio::test]
async fn sampling_config_against_itself_has_no_regression() {
    let comparison = SAMPLING_CONFIG.gate(None).await;
    assert_no_findings(&comparison);
}

#[tokio::test]
async fn silent_config_fallback_is_a_regression_naming_each_configuration_it_accepted() {
    let comparison = SAMPLING_CONFIG.gate(Some("silent-config-fallback")).await;
    let all = lines(&comparison);
    for refused in [
        "METRICS_SAMPLING_RATE=1.0 METRICS_SAMPLING_RATES=0.1",
        "CONFIG_STRICT=true METRICS_SAMPLNG_RATE=0.5",
        "METRICS_SAMPLING_RATE=1.5",
    ] {
        let subject = format!("refuses to start with {refused}: exit code");
        let found = naming(
            &comparison,
            &subject,
            &[
                "baseline: pass",
                "expected start-up refused with exit code 2, seen target started",
            ],
        );
        assert_eq!(found.len(), 1, "{subject}: {all:#?}");
    }
}
