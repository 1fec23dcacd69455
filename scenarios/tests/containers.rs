//! The scenario files against the reference server run as a container
//! (`targets/reference-container.toml`): every scenario passes, and every declared
//! catch fails with its declared messages when its regression switch is passed as
//! container env. When the suite's last running test ends, no container this test
//! process started is left.
//!
//! Needs a Docker engine answering `docker info` (`DOCKER_HOST` or the docker CLI's
//! context). Builds the image first with `ci/build-image.sh` (a no-op when its inputs
//! did not change), bounded in time. Without an engine, every test that needs one is
//! reported ignored (skipped) with one line on stderr, or fails with the reason when
//! `HARNESS_REQUIRE_DOCKER=1`. Run by libtest-mimic (`harness = false`), so a skip is
//! counted as one; each test gets its own tokio runtime.

use std::collections::BTreeMap;
use std::future::Future;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use harness::exit_codes;
use harness::prerequisite::{Prerequisite, Status};
use harness::scenario::Scenario;
use harness::target::TargetSpec;
use harness::target::container::{LABEL, NAME_PREFIX};
use libtest_mimic::{Arguments, Trial};
use scenarios::{failure_lines, run, scenario, scenario_dir, target};

/// The first build compiles a static release binary: minutes on two cores.
const BUILD_TIMEOUT: Duration = Duration::from_secs(25 * 60);

/// Test name and scenario file of each scenario that must pass in a container.
const PASSES: &[(&str, &str)] = &[
    ("static_assets", "static-assets"),
    ("low_traffic_metrics", "low-traffic-metrics"),
    ("sampling_config", "sampling-config"),
    ("micropub_write", "micropub-write"),
];

/// Test name, scenario file and regression switch of each catch a scenario file
/// declares; one container run checks every message declared for the switch.
const CATCHES: &[(&str, &str, &str)] = &[
    (
        "static_assets_catches_buffered_body_size",
        "static-assets",
        "buffered-body-size",
    ),
    (
        "static_assets_catches_wrong_content_type",
        "static-assets",
        "wrong-content-type",
    ),
    (
        "low_traffic_metrics_catches_legacy_sampling",
        "low-traffic-metrics",
        "legacy-sampling",
    ),
    (
        "low_traffic_metrics_catches_unwired_db_metrics",
        "low-traffic-metrics",
        "unwired-db-metrics",
    ),
    (
        "low_traffic_metrics_catches_the_starpunk_rc1_combination",
        "low-traffic-metrics",
        "plural-sampling-key,legacy-sampling",
    ),
    (
        "sampling_config_catches_plural_sampling_key",
        "sampling-config",
        "plural-sampling-key",
    ),
    (
        "sampling_config_catches_silent_config_fallback",
        "sampling-config",
        "silent-config-fallback",
    ),
    (
        "micropub_write_catches_unwired_db_metrics",
        "micropub-write",
        "unwired-db-metrics",
    ),
    (
        "micropub_write_catches_any_bearer_token",
        "micropub-write",
        "any-bearer-token",
    ),
    (
        "micropub_write_catches_accept_empty_note",
        "micropub-write",
        "accept-empty-note",
    ),
];

fn main() {
    let args = Arguments::from_args();
    let docker = Prerequisite::Docker;
    let status = Arc::new(docker.check_process_env());
    let mut trials: Vec<Trial> = PASSES
        .iter()
        .map(|&(test, name)| needs_engine(&status, test, move || passes(name)))
        .chain(CATCHES.iter().map(|&(test, name, switch)| {
            needs_engine(&status, test, move || catches(name, switch))
        }))
        .collect();
    trials.push(Trial::test(
        "every_scenario_and_declared_catch_runs_in_a_container",
        every_scenario_and_declared_catch_runs_in_a_container,
    ));
    if let Status::Skip(reason) = &*status {
        let skipped = trials
            .iter()
            .filter(|t| t.has_ignored_flag() && args.is_ignored(t) && !args.is_filtered_out(t))
            .count();
        if !args.list && skipped > 0 {
            eprintln!("{}", docker.skip_line(skipped, reason));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// A test that needs the engine, run on its own current-thread runtime (as
/// `#[tokio::test]` does): ignored when the engine is missing, failing with the reason
/// when it is required (or when run anyway with `--ignored`).
fn needs_engine<T, F>(status: &Arc<Status>, name: &str, test: T) -> Trial
where
    T: FnOnce() -> F + Send + 'static,
    F: Future<Output = ()>,
{
    let skipped = matches!(**status, Status::Skip(_));
    let status = Arc::clone(status);
    Trial::test(name, move || {
        if let Some(reason) = status.failure() {
            return Err(reason.into());
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(test());
        Ok(())
    })
    .with_ignored_flag(skipped)
}

/// The container target with its image built; panics when the image cannot be built.
fn container_target() -> TargetSpec {
    static IMAGE: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(e) = IMAGE.get_or_init(build_image) {
        panic!("{e}");
    }
    let mut spec = target("reference-container");
    // Built above, bounded in time: the target file's own `build` is for `harness gate`.
    if let Some(container) = &mut spec.container {
        container.build = None;
    }
    spec
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
    let spec = container_target();
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
/// container env, with a failure naming each message `name` declares for `switch`.
async fn catches(name: &str, switch: &str) {
    let spec = container_target();
    let file = scenario(name);
    let messages: Vec<String> = file
        .catches
        .iter()
        .filter(|c| c.switch == switch)
        .map(|c| c.message.clone())
        .collect();
    assert!(
        !messages.is_empty(),
        "{name} declares no catch for {switch}"
    );
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
    for message in &messages {
        assert!(
            failures.iter().any(|f| f.contains(message)),
            "{name} with {switch} in a container: no failure mentions {message:?}:\n{}",
            failures.join("\n")
        );
    }
    running.leave();
}

/// Every scenario file and every catch it declares (each switch once, however many
/// messages it declares) has a container test in [`PASSES`] or [`CATCHES`].
fn every_scenario_and_declared_catch_runs_in_a_container() -> Result<(), libtest_mimic::Failed> {
    let mut declared: Vec<(String, Option<String>)> = Scenario::load_dir(&scenario_dir())
        .map_err(|e| format!("scenario files load: {e}"))?
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
    declared.dedup();
    let mut tested: Vec<(String, Option<String>)> = PASSES
        .iter()
        .map(|&(_, name)| (name, None))
        .chain(
            CATCHES
                .iter()
                .map(|&(_, name, switch)| (name, Some(switch))),
        )
        .map(|(name, switch)| (name.to_owned(), switch.map(str::to_owned)))
        .collect();
    tested.sort();
    assert_eq!(declared, tested);
    Ok(())
}
