//! The scenario files against the reference server run as a container
//! (`targets/reference-container.toml`): every scenario passes, and every declared
//! catch fails with its declared message when its regression switch is passed as
//! container env. When the suite's last running test ends, no container this test
//! process started is left.
//!
//! Runs only when a Docker engine answers (`DOCKER_HOST` or the docker CLI's context).
//! Builds the image first with `ci/build-image.sh` (a no-op when its inputs did not
//! change), bounded in time. Without an engine: prints one line and passes, unless
//! `HARNESS_REQUIRE_DOCKER=1`, which makes a missing engine a failure.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use harness::exit_codes;
use harness::scenario::Scenario;
use harness::target::TargetSpec;
use harness::target::container::{LABEL, NAME_PREFIX, engine_available};
use scenarios::{failure_lines, run, scenario, scenario_dir, target};

/// The first build compiles a static release binary: minutes on two cores.
const BUILD_TIMEOUT: Duration = Duration::from_secs(25 * 60);

fn docker_required() -> bool {
    std::env::var("HARNESS_REQUIRE_DOCKER").as_deref() == Ok("1")
}

/// The container target with its image built, or `None` (skip) when no Docker engine
/// answers; panics on a missing engine under `HARNESS_REQUIRE_DOCKER=1`, and when the
/// image cannot be built.
fn container_target() -> Option<TargetSpec> {
    static ENGINE: OnceLock<Result<(), String>> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let engine = engine_available();
        if engine.is_err() && !docker_required() {
            // Written past libtest's capture on purpose (once per test binary): a skip
            // must be visible.
            let _ = writeln!(
                std::io::stderr(),
                "skipping container scenarios: no Docker engine (set HARNESS_REQUIRE_DOCKER=1 to make this a failure)"
            );
        }
        engine
    });
    if let Err(e) = engine {
        assert!(!docker_required(), "HARNESS_REQUIRE_DOCKER=1 but {e}");
        return None;
    }
    static IMAGE: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(e) = IMAGE.get_or_init(build_image) {
        panic!("{e}");
    }
    let mut spec = target("reference-container");
    // Built above, bounded in time: the target file's own `build` is for `harness gate`.
    if let Some(container) = &mut spec.container {
        container.build = None;
    }
    Some(spec)
}

fn build_image() -> Result<(), String> {
    let root = scenario_dir().join("..");
    harness::target::container::build_image(&root.join("ci/build-image.sh"), &root, BUILD_TIMEOUT)
}

/// Tests of this binary that may have containers running.
static ACTIVE: Mutex<usize> = Mutex::new(0);

fn active() -> MutexGuard<'static, usize> {
    ACTIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A test that boots containers. Whenever the last one running leaves, none of this
/// process's containers may exist: every target is removed when its scenario ends.
struct Running;

impl Running {
    fn enter() -> Self {
        *active() += 1;
        Self
    }

    /// Leaves; the last test to leave checks that nothing of ours is left (while
    /// holding the count, so no other test starts a container meanwhile).
    fn leave(self) {
        let leftovers = {
            let mut count = active();
            *count -= 1;
            if *count == 0 { ours() } else { Vec::new() }
        };
        std::mem::forget(self);
        assert!(
            leftovers.is_empty(),
            "containers of this test process left behind: {leftovers:?}"
        );
    }
}

impl Drop for Running {
    /// A test that panicked leaves without checking.
    fn drop(&mut self) {
        *active() -= 1;
    }
}

/// Containers (any state) carrying [`LABEL`] or our name prefix that this process
/// started (`rc-harness-<pid>-…`).
fn ours() -> Vec<String> {
    let mine = format!("{NAME_PREFIX}{}-", std::process::id());
    let mut names = Vec::new();
    for filter in [format!("label={LABEL}"), format!("name={NAME_PREFIX}")] {
        let out = Command::new("docker")
            .args(["ps", "--all", "--filter", &filter, "--format", "{{.Names}}"])
            .stdin(Stdio::null())
            .output()
            .expect("docker ps");
        assert!(
            out.status.success(),
            "docker ps: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        names.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|n| n.trim().trim_start_matches('/').to_owned())
                .filter(|n| n.starts_with(&mine)),
        );
    }
    names.sort();
    names.dedup();
    names
}

/// `name` passes against the container target.
async fn passes(name: &str) {
    let Some(spec) = container_target() else {
        return;
    };
    let running = Running::enter();
    let report = run(&[scenario(name)], &spec, BTreeMap::new()).await;
    let failures = failure_lines(&report);
    assert!(
        report.passed(),
        "scenario {name} failed in a container:\n{}",
        failures.join("\n")
    );
    assert_eq!(exit_codes::for_run(&report), exit_codes::PASS);
    assert!(report.totals().checks > 0, "scenario {name} made checks");
    running.leave();
}

/// `name` fails against the container target with regression `switch` passed as
/// container env, with a failure naming the message `name` declares for `switch`.
async fn catches(name: &str, switch: &str) {
    let Some(spec) = container_target() else {
        return;
    };
    let file = scenario(name);
    let message = file
        .catches
        .iter()
        .find(|c| c.switch == switch)
        .map(|c| c.message.clone())
        .unwrap_or_else(|| panic!("{name} declares no catch for {switch}"));
    let running = Running::enter();
    let env = BTreeMap::from([("REFSERVER_REGRESSIONS".to_owned(), switch.to_owned())]);
    let report = run(&[file], &spec, env).await;
    let failures = failure_lines(&report);
    assert!(
        !report.passed(),
        "{name} passed in a container with regression {switch} on"
    );
    assert_eq!(
        exit_codes::for_run(&report),
        exit_codes::CHECK_FAILED,
        "{name}/{switch}:\n{}",
        failures.join("\n")
    );
    assert!(
        failures.iter().any(|f| f.contains(&message)),
        "{name} with {switch} in a container: no failure mentions {message:?}:\n{}",
        failures.join("\n")
    );
    running.leave();
}

#[tokio::test]
async fn static_assets() {
    passes("static-assets").await;
}

#[tokio::test]
async fn low_traffic_metrics() {
    passes("low-traffic-metrics").await;
}

#[tokio::test]
async fn sampling_config() {
    passes("sampling-config").await;
}

#[tokio::test]
async fn micropub_write() {
    passes("micropub-write").await;
}

#[tokio::test]
async fn static_assets_catches_buffered_body_size() {
    catches("static-assets", "buffered-body-size").await;
}

#[tokio::test]
async fn static_assets_catches_wrong_content_type() {
    catches("static-assets", "wrong-content-type").await;
}

#[tokio::test]
async fn low_traffic_metrics_catches_legacy_sampling() {
    catches("low-traffic-metrics", "legacy-sampling").await;
}

#[tokio::test]
async fn low_traffic_metrics_catches_unwired_db_metrics() {
    catches("low-traffic-metrics", "unwired-db-metrics").await;
}

#[tokio::test]
async fn sampling_config_catches_plural_sampling_key() {
    catches("sampling-config", "plural-sampling-key").await;
}

#[tokio::test]
async fn micropub_write_catches_unwired_db_metrics() {
    catches("micropub-write", "unwired-db-metrics").await;
}

/// Every scenario file and every catch it declares has a container test above.
#[test]
fn every_scenario_and_declared_catch_runs_in_a_container() {
    let mut declared: Vec<(String, Option<String>)> = Scenario::load_dir(&scenario_dir())
        .expect("scenario files load")
        .into_iter()
        .flat_map(|s| {
            let name = s.name.clone();
            std::iter::once((name.clone(), None)).chain(
                s.catches
                    .into_iter()
                    .map(move |c| (name.clone(), Some(c.switch))),
            )
        })
        .collect();
    declared.sort();
    let mut tested: Vec<(String, Option<String>)> = [
        ("static-assets", None),
        ("low-traffic-metrics", None),
        ("sampling-config", None),
        ("micropub-write", None),
        ("static-assets", Some("buffered-body-size")),
        ("static-assets", Some("wrong-content-type")),
        ("low-traffic-metrics", Some("legacy-sampling")),
        ("low-traffic-metrics", Some("unwired-db-metrics")),
        ("sampling-config", Some("plural-sampling-key")),
        ("micropub-write", Some("unwired-db-metrics")),
    ]
    .into_iter()
    .map(|(name, switch)| (name.to_owned(), switch.map(str::to_owned)))
    .collect();
    tested.sort();
    assert_eq!(declared, tested);
}
