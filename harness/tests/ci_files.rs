//! The files a user copies or follows, checked so none goes stale:
//!
//! - `ci/github-actions.yml` is valid YAML, uses only public actions, and runs nothing
//!   but scripts under `ci/`, each of which `.ci/run` exercises here (the same script,
//!   and for `ci/gate.sh` the same stages), but for clippy and the wall-clock
//!   measurement (`WORKFLOW_ONLY`, with why);
//! - every shell command in the README is run by `.ci/run` or by a named test;
//! - the README's target files are the real ones (process, container), and its URL
//!   target is run for real against a live server.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use harness::outcome::Verdict;
use harness::report::RunReport;
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::server::{TargetSpec, boot};
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn scenario(name: &str) -> Scenario {
    let path = root().join("scenarios").join(format!("{name}.toml"));
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn target(name: &str) -> TargetSpec {
    let path = root()
        .join("scenarios/targets")
        .join(format!("{name}.toml"));
    TargetSpec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

async fn run(scenarios: &[Scenario], spec: &TargetSpec) -> RunReport {
    let mut report = RunReport::new();
    run_scenarios(scenarios, spec, &RunOptions::default(), &mut report).await;
    report
}

fn failure_lines(report: &RunReport) -> Vec<String> {
    report
        .failures()
        .filter_map(|(scenario, check)| match &check.verdict {
            Verdict::Fail { expected, seen } => Some(format!(
                "{}/{}: expected {expected}, seen {seen}",
                scenario.name, check.name
            )),
            Verdict::Pass | Verdict::Warn { .. } | Verdict::Skip { .. } => None,
        })
        .collect()
}

fn read(path: &str) -> String {
    let path = root().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Actions from the public marketplace the workflow may use, at these versions.
const ACTIONS: [&str; 6] = [
    "actions/checkout@v4",
    "actions/upload-artifact@v4",
    "dtolnay/rust-toolchain@master",
    "Swatinem/rust-cache@v2",
    "taiki-e/install-action@v2",
    "mikepenz/action-junit-report@v5",
];

fn workflow() -> Yaml {
    let text = read("ci/github-actions.yml");
    let mut docs = YamlLoader::load_from_str(&text).expect("ci/github-actions.yml is valid YAML");
    assert_eq!(docs.len(), 1, "one YAML document");
    docs.remove(0)
}

/// Every step of every job: `(job, step)`.
fn steps(workflow: &Yaml) -> Vec<(String, Yaml)> {
    let jobs = workflow["jobs"].as_hash().expect("`jobs` is a mapping");
    assert!(!jobs.is_empty(), "the workflow has jobs");
    let mut out = Vec::new();
    for (name, job) in jobs {
        let name = name.as_str().expect("job names are strings").to_owned();
        assert!(
            job["runs-on"].as_str().is_some(),
            "job {name} says where it runs"
        );
        let job_steps = job["steps"]
            .as_vec()
            .unwrap_or_else(|| panic!("job {name} has steps"));
        out.extend(job_steps.iter().map(|s| (name.clone(), s.clone())));
    }
    out
}

/// The `run:` commands of the workflow, with `${{ matrix.x }}` replaced by each of the
/// job's matrix values.
fn run_commands(workflow: &Yaml) -> Vec<String> {
    let mut commands = Vec::new();
    for (job, step) in steps(workflow) {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        assert!(
            !run.trim().contains('\n'),
            "job {job}: `run: {run}` is one command (put scripts under ci/)"
        );
        let matrix = &workflow["jobs"][job.as_str()]["strategy"]["matrix"];
        let mut expanded = vec![run.trim().to_owned()];
        if let Some(matrix) = matrix.as_hash() {
            for (key, values) in matrix {
                let key = key.as_str().expect("matrix keys are strings");
                let placeholder = format!("${{{{ matrix.{key} }}}}");
                let values: Vec<String> = values
                    .as_vec()
                    .expect("matrix values are a list")
                    .iter()
                    .map(|v| match v {
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::String(s) => s.clone(),
                        other => panic!("matrix value {other:?}"),
                    })
                    .collect();
                expanded = expanded
                    .iter()
                    .flat_map(|c| values.iter().map(|v| c.replace(&placeholder, v)))
                    .collect();
            }
        }
        commands.extend(expanded);
    }
    commands
}

#[test]
fn workflow_is_valid_yaml_with_the_jobs_a_user_needs() {
    let workflow = workflow();
    assert_eq!(workflow["name"].as_str(), Some("rc-gate"));
    assert!(!workflow["on"].is_badvalue(), "the workflow has triggers");
    let jobs: BTreeSet<&str> = workflow["jobs"]
        .as_hash()
        .expect("jobs")
        .keys()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(jobs, BTreeSet::from(["bench", "gate", "lint", "tests"]));
    let text = read("ci/github-actions.yml");
    for needed in [
        "target/rc-report/*/junit.xml",
        "HARNESS_REQUIRE_NGINX: \"1\"",
        "HARNESS_REQUIRE_DOCKER: \"1\"",
        "ci/install-prerequisites.sh",
        "target/criterion/",
        "ci/gate.sh container",
        "ci/gate.sh instructions",
    ] {
        assert!(text.contains(needed), "the workflow mentions {needed}");
    }
}

#[test]
fn workflow_uses_only_public_actions_and_ci_scripts() {
    let workflow = workflow();
    for (job, step) in steps(&workflow) {
        match (step["uses"].as_str(), step["run"].as_str()) {
            (Some(action), None) => assert!(
                ACTIONS.contains(&action),
                "job {job}: `uses: {action}` is not one of the known public actions {ACTIONS:?}"
            ),
            (None, Some(_)) => {}
            other => panic!("job {job}: a step has exactly one of `uses` and `run`: {other:?}"),
        }
    }
    for command in run_commands(&workflow) {
        let script = command.split_whitespace().next().unwrap_or_default();
        assert!(
            script.starts_with("ci/") && script.ends_with(".sh"),
            "`{command}` runs a script under ci/"
        );
        let path = root().join(script);
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions();
        assert!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o111 != 0,
            "{script} is executable"
        );
    }
}

/// `STAGE...` lists of `ci/gate.sh`: `ALL` and `FAST`.
fn gate_stages(list: &str) -> Vec<String> {
    let text = read("ci/gate.sh");
    let start = format!("{list}=(");
    let line = text
        .lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("ci/gate.sh defines {list}"));
    line[start.len()..]
        .trim_end_matches(')')
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// What `.ci/run` exercises: the scripts it calls with their arguments, `--fast`
/// expanded to its stages, and `tests` when it runs the test command itself.
fn exercised_by_ci_run() -> BTreeSet<String> {
    let text = read(".ci/run");
    let mut out = BTreeSet::new();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        let Some(at) = line.find("ci/") else {
            continue;
        };
        let command: Vec<&str> = line[at..]
            .split([';', '|', '&', ')'])
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if command.first().is_some_and(|s| s.ends_with(".sh")) {
            if command.get(1) == Some(&"--fast") {
                for stage in gate_stages("FAST") {
                    out.insert(format!("ci/gate.sh {stage}"));
                }
            } else if command.first() == Some(&"ci/gate.sh") {
                // `ci/gate.sh A B C` runs each stage as `ci/gate.sh A` would.
                for stage in &command[1..] {
                    out.insert(format!("ci/gate.sh {stage}"));
                }
            } else {
                out.insert(command.join(" "));
            }
        }
    }
    let gate = read("ci/gate.sh");
    // The scripts ci/gate.sh's stages call (the image build, the bench stages) run
    // whenever .ci/run runs the gate.
    if out.iter().any(|c| c.starts_with("ci/gate.sh ")) {
        for line in gate.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
            let body = line.split_once(") ").map_or(line, |(_, rest)| rest);
            for part in body
                .split("&&")
                .flat_map(|p| p.split("||"))
                .flat_map(|p| p.split(";;"))
            {
                let part = part.trim();
                if part.starts_with("ci/") && part.contains(".sh") {
                    out.insert(part.to_owned());
                }
            }
        }
    }
    if text.contains("cargo test --workspace --locked")
        && gate.contains("tests) cargo test --workspace --locked ;;")
    {
        out.insert("ci/gate.sh tests".to_owned());
    }
    out
}

/// Workflow commands `.ci/run` leaves out, each with why: only a measurement, which a
/// shared 2-core CI machine cannot make, and whose parts are checked otherwise.
const WORKFLOW_ONLY: [(&str, &str); 2] = [
    (
        "ci/gate.sh wall-clock",
        "a criterion run in release is minutes of compile for a measurement that is \
         noise on a shared machine; .ci/run compiles every bench in the test profile, \
         and bench-gate's tests read criterion's files from fixtures",
    ),
    (
        "ci/lint.sh",
        "clippy is a second build of the whole dependency tree (check mode shares \
         nothing with the test build): 212 s of an 837 s .ci/run on 2 cores; .ci/run \
         keeps the formatting check",
    ),
];

#[test]
fn every_workflow_command_is_exercised_by_ci_run() {
    let exercised = exercised_by_ci_run();
    let all = gate_stages("ALL");
    let ci_run = read(".ci/run");
    for needed in [
        "cargo test --locked -p rc-benches --benches --no-run",
        "cargo fmt --all --check",
    ] {
        assert!(
            ci_run.contains(needed),
            "{WORKFLOW_ONLY:?} rely on .ci/run running `{needed}`"
        );
    }
    for command in run_commands(&workflow()) {
        if let Some(stage) = command.strip_prefix("ci/gate.sh ") {
            assert!(
                all.iter().any(|s| s == stage),
                "ci/gate.sh has stage {stage}"
            );
        }
        if WORKFLOW_ONLY.iter().any(|(c, _)| *c == command) {
            assert!(
                !exercised.contains(&command),
                "`{command}` is in WORKFLOW_ONLY but .ci/run runs it: take it off the list"
            );
            continue;
        }
        assert!(
            exercised.contains(&command),
            "the workflow runs `{command}`, which .ci/run does not (it runs: {exercised:?})"
        );
    }
}

/// The README's fenced blocks of one language, with the line each starts on.
fn readme_blocks(language: &str) -> Vec<(usize, String)> {
    let text = read("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(lang)) if lang.trim() == language => {
                current = Some((index + 1, String::new()))
            }
            (Some(_), Some("")) => blocks.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// Commands the README shows that a test runs (rather than `.ci/run`): the command,
/// and the test (file, function) that runs it.
const RUN_BY_TESTS: [(&str, &str, &str); 7] = [
    (
        "cargo run -p harness -- gate --target my-url-target.toml --scenario scenarios/static-assets.toml",
        "harness/tests/ci_files.rs",
        "readme_url_target_passes_against_a_live_server",
    ),
    (
        "cargo run -p harness -- gate --scenario scenarios/gate/generic.toml --report-dir target/rc-report/last-release",
        "harness/tests/gate.rs",
        "the_cli_gates_against_a_saved_report_and_against_a_baseline_target",
    ),
    (
        "cargo run -p harness -- gate --scenario scenarios/gate/generic.toml --env REFSERVER_REGRESSIONS=wrong-content-type --baseline-report target/rc-report/last-release/report.json",
        "harness/tests/gate.rs",
        "the_cli_gates_against_a_saved_report_and_against_a_baseline_target",
    ),
    (
        "cargo run -p harness -- gate --scenario scenarios/gate/generic.toml --baseline scenarios/targets/reference-process.toml --strict",
        "harness/tests/gate.rs",
        "the_cli_gates_against_a_saved_report_and_against_a_baseline_target",
    ),
    (
        "cargo run -p harness -- gate --scenario scenarios/gate/generic.toml --target scenarios/targets/reference-container.toml --baseline last-release.toml",
        "harness/tests/container.rs",
        "gate_against_an_image_tag_through_the_cli",
    ),
    (
        "cargo run -p harness -- probe --target scenarios/targets/reference-process.toml --out my-server.toml",
        "harness/tests/probe.rs",
        "the_cli_probes_and_the_gate_runs_what_it_wrote",
    ),
    (
        "cargo run -p harness -- gate --target scenarios/targets/reference-process.toml --scenario my-server.toml",
        "harness/tests/probe.rs",
        "the_cli_probes_and_the_gate_runs_what_it_wrote",
    ),
];

/// A command as written, without the flags CI adds for reproducibility and quiet.
fn normalize(command: &str) -> String {
    command
        .split_whitespace()
        .filter(|w| !matches!(*w, "--locked" | "-q" | "--quiet"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every command line of `.ci/run` and the `ci/` scripts, normalized, each also split
/// at `case` labels and `&&`/`||`/`;;`, so a command inside a stage counts.
fn ci_command_lines() -> BTreeSet<String> {
    let mut text = read(".ci/run");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(root().join("ci"))
        .expect("ci/")
        .map(|entry| entry.expect("ci/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "sh"))
        .collect();
    scripts.sort();
    for path in scripts {
        text.push('\n');
        text.push_str(&std::fs::read_to_string(&path).expect("ci script"));
    }
    let text = text.replace("\\\n", " ");
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let body = line.split_once(") ").map_or(line, |(_, rest)| rest);
        for part in body
            .split("&&")
            .flat_map(|p| p.split("||"))
            .flat_map(|p| p.split(";;"))
        {
            out.insert(normalize(part.trim()));
        }
    }
    out
}

#[test]
fn every_readme_command_is_run_by_ci_or_a_test() {
    let ci = ci_command_lines();
    let mut checked = 0;
    for (line, block) in readme_blocks("sh") {
        for command in block.lines() {
            let command = command.split(" #").next().unwrap_or_default().trim();
            if command.is_empty() || command.starts_with('#') {
                continue;
            }
            checked += 1;
            if ci.contains(&normalize(command)) {
                continue;
            }
            let (_, file, marker) = RUN_BY_TESTS
                .iter()
                .find(|(c, _, _)| *c == command)
                .unwrap_or_else(|| {
                    panic!(
                        "README.md line {line}: `{command}` is run neither by .ci/run (or a ci/ \
                         script) nor by a test listed in RUN_BY_TESTS"
                    )
                });
            assert!(
                read(file).contains(marker),
                "README.md line {line}: `{command}` is said to be run by {file} ({marker}), which no longer has it"
            );
        }
    }
    assert!(
        checked >= 8,
        "the README shows its commands ({checked} found)"
    );
}

/// The README shows the real target files, not copies that could drift.
#[test]
fn readme_target_files_are_the_real_ones() {
    let blocks = readme_blocks("toml");
    for file in [
        "scenarios/targets/reference-process.toml",
        "scenarios/targets/reference-container.toml",
    ] {
        let real = read(file);
        assert!(
            blocks.iter().any(|(_, b)| *b == real),
            "README.md shows {file} exactly as committed"
        );
    }
    // Every target block parses as a target file (unknown keys are errors).
    let mut targets = 0;
    for (line, block) in &blocks {
        if block.contains("\nkind = ") || block.starts_with("kind = ") {
            TargetSpec::parse(block, root())
                .unwrap_or_else(|e| panic!("README.md line {line}: target block: {e}"));
            targets += 1;
        }
    }
    assert!(
        targets >= 3,
        "the README shows a process, a container and a URL target"
    );
}

/// The README's URL target, pointed at a live reference server, passes the
/// static-assets scenario: the command the README shows for servers already running.
#[tokio::test]
async fn readme_url_target_passes_against_a_live_server() {
    let client = reqwest::Client::new();
    let server = boot(&target("reference-process"), &BTreeMap::new(), &client)
        .await
        .expect("the reference server boots");
    let (line, block) = readme_blocks("toml")
        .into_iter()
        .find(|(_, b)| b.contains("kind = \"url\""))
        .expect("the README shows a URL target");
    let live = server.base_url().as_str();
    // The live server's address and admin token stand in for staging's.
    let text = block.replace("https://staging.example/", live).replace(
        "bearer_env = \"STAGING_ADMIN_TOKEN\"",
        "bearer = \"rc-harness-local-admin-token\"",
    );
    assert!(
        text.contains(live) && text.contains("rc-harness-local-admin-token"),
        "README.md line {line}: the URL target names https://staging.example/ and STAGING_ADMIN_TOKEN"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("my-url-target.toml");
    std::fs::write(&file, &text).expect("write target");
    let spec = TargetSpec::load(&file).unwrap_or_else(|e| panic!("README.md line {line}: {e}"));
    let report = run(&[scenario("static-assets")], &spec).await;
    assert!(
        report.passed() && report.totals().checks > 15,
        "the README's URL target against {live}:\n{}",
        failure_lines(&report).join("\n")
    );
    drop(server);
}
