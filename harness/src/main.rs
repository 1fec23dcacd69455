//! The `harness` command line: a thin layer over the library.
//!
//! Exit codes (see `harness::exit_codes`): 0 pass, 1 a check failed, 2 usage or
//! scenario-file error, 3 the target never became ready.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Context;
use bench_gate::{InstructionGate, InstructionOutcome, WallClockGate, WallClockMode};
use clap::{Parser, Subcommand};
use harness::assets::Require;
use harness::browser::BrowserSetup;
use harness::compare::{ScreenshotOptions, compare_with_screenshots, gate_exit_code, render};
use harness::exit_codes;
use harness::probe::ProbeOptions;
use harness::report::{Fanout, Reporter, TerminalMode, TerminalReporter, json, write_all};
use harness::scenario::{RunOptions, Scenario, run_scenarios};
use harness::server::docker::sweep;
use harness::server::{Kind, TargetSpec};

/// Where this workspace keeps scenarios: the defaults when run with `cargo run`.
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

#[derive(Parser)]
#[command(
    version,
    about = "Release-candidate regression harness for blog servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot the target, run every scenario, print a summary and write reports.
    Gate {
        /// Target file (default: the reference server as a process).
        #[arg(long)]
        target: Option<PathBuf>,
        /// Scenario files to run (default: every scenarios/*.toml).
        #[arg(long = "scenario")]
        scenarios: Vec<PathBuf>,
        /// Where junit.xml, report.json and summary.md go (default: target/rc-report).
        /// The variable lets a CI script keep several runs apart without changing the
        /// command it runs.
        #[arg(long, env = "HARNESS_REPORT_DIR")]
        report_dir: Option<PathBuf>,
        /// Extra environment for every boot, KEY=VALUE (repeatable); with --baseline,
        /// the baseline's boots get it too.
        #[arg(long = "env", value_parser = parse_key_value)]
        env: Vec<(String, String)>,
        /// Gate against a baseline: run the same scenarios against this target file
        /// first (the last release), then fail only on what the candidate broke.
        #[arg(long, conflicts_with = "baseline_report")]
        baseline: Option<PathBuf>,
        /// Gate against the report.json of an earlier run instead of running a baseline.
        #[arg(long, value_name = "PATH")]
        baseline_report: Option<PathBuf>,
        /// With a baseline: checks that already failed on it fail the gate too
        /// (otherwise they are warnings).
        #[arg(long)]
        strict: bool,
    },
    /// Boot (or find) a target, send a few requests to each page `/` links, and print a
    /// scenario file checking its assets and every counting series that moved by
    /// exactly that traffic: a starting point for a server whose metrics nobody named.
    Probe {
        /// Target file.
        #[arg(long)]
        target: PathBuf,
        /// Write the scenario here instead of to stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check every asset of a running site, ad hoc.
    CheckAssets(CheckAssetsArgs),
    /// Compare criterion results with budgets (or gungraun instruction counts with their
    /// committed baseline); print a Markdown table; exit 1 on a breach.
    BenchGate {
        /// Criterion's output directory.
        #[arg(long)]
        criterion_dir: Option<PathBuf>,
        /// The budgets file.
        #[arg(long)]
        budgets: Option<PathBuf>,
        /// Instead of budgets, compare against this saved criterion baseline...
        #[arg(long, conflicts_with = "budgets")]
        baseline: Option<String>,
        /// ...allowing this relative slow-down (0.05 = 5%).
        #[arg(long, default_value_t = 0.05)]
        max_regression: f64,
        /// Refuse (exit 2) criterion results written before this time, in seconds since
        /// the Unix epoch: `date +%s` taken just before `cargo bench`, as ci/bench.sh
        /// does. Without it the gate only warns with the oldest result's age.
        #[arg(long, value_name = "UNIX_SECONDS")]
        since: Option<u64>,
        /// Instead of criterion, gate gungraun's instruction counts: the JSON lines of
        /// `cargo bench -p rc-benches --bench instructions -- --output-format=json`.
        #[arg(long, value_name = "SUMMARY", conflicts_with_all = ["criterion_dir", "budgets", "baseline", "since"])]
        instructions: Option<PathBuf>,
        /// The committed instruction-count baseline.
        #[arg(long, requires = "instructions", value_name = "FILE")]
        instructions_baseline: Option<PathBuf>,
        /// Write this run's counts as the new baseline (keeping its allowance) instead
        /// of gating.
        #[arg(long, requires = "instructions")]
        update_baseline: bool,
        /// With --instructions: the budgets file whose `instruction_ratio` and
        /// `instruction_absolute` budgets are checked on the same counts.
        #[arg(long, requires = "instructions", value_name = "FILE")]
        instruction_budgets: Option<PathBuf>,
        /// Report an instruction budget breach without failing (a bench the budgets
        /// name but the run did not count fails either way).
        #[arg(long, requires = "instructions")]
        advisory_budgets: bool,
    },
}

/// `harness check-assets`'s arguments, as given.
#[derive(clap::Args)]
struct CheckAssetsArgs {
    /// The site's base URL, e.g. http://127.0.0.1:8000/.
    url: url::Url,
    /// Pages to crawl, relative to URL (default: /).
    #[arg(long = "page")]
    pages: Vec<String>,
    /// Also check every file under this directory...
    #[arg(long)]
    static_dir: Option<PathBuf>,
    /// ...served under this URL path.
    #[arg(long, default_value = "/static/")]
    static_prefix: String,
    /// Features the site must support, so that their absence fails instead of
    /// warning: `range`, `validators` (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = ["range", "validators"])]
    require: Vec<String>,
    /// Where reports go (none when omitted).
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Also load each page in Chromium, judged as a `browser` step; what only it
    /// requested (script fetches, preloaded fonts, `srcset` choices) is checked too.
    #[arg(long)]
    browser: bool,
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("harness: cannot start the async runtime: {e}");
            return ExitCode::from(exit_codes::USAGE as u8);
        }
    };
    let result = match cli.command {
        Command::Gate {
            target,
            scenarios,
            report_dir,
            env,
            baseline,
            baseline_report,
            strict,
        } => {
            let baseline = match (baseline, baseline_report) {
                (Some(target), _) => Some(BaselineArg::Target(target)),
                (None, Some(report)) => Some(BaselineArg::Report(report)),
                (None, None) => None,
            };
            runtime.block_on(gate(
                target,
                scenarios,
                report_dir,
                env.into_iter().collect(),
                baseline,
                strict,
            ))
        }
        Command::Probe { target, out } => runtime.block_on(probe(target, out)),
        Command::CheckAssets(args) => runtime.block_on(check_assets(args)),
        Command::BenchGate {
            instructions: Some(summary),
            instructions_baseline,
            update_baseline,
            instruction_budgets,
            advisory_budgets,
            ..
        } => instruction_gate(
            summary,
            instructions_baseline,
            instruction_budgets,
            update_baseline,
            advisory_budgets,
        ),
        Command::BenchGate {
            criterion_dir,
            budgets,
            baseline,
            max_regression,
            since,
            ..
        } => wall_clock_gate(criterion_dir, budgets, baseline, max_regression, since),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // Not eprintln!: when the error is that stderr cannot be written (the terminal
            // reporter's), printing it must not panic and turn exit 2 into 101.
            let _ = writeln!(std::io::stderr(), "harness: {e:#}");
            ExitCode::from(exit_codes::USAGE as u8)
        }
    }
}

/// The workspace root, without `..` in it (report paths are printed).
fn workspace() -> PathBuf {
    std::fs::canonicalize(WORKSPACE).unwrap_or_else(|_| PathBuf::from(WORKSPACE))
}

fn default_report_dir() -> PathBuf {
    workspace().join("target/rc-report")
}

/// What `gate` compares the candidate with.
enum BaselineArg {
    /// A target file, run with the same scenarios first.
    Target(PathBuf),
    /// A saved `report.json`.
    Report(PathBuf),
}

async fn gate(
    target: Option<PathBuf>,
    scenario_files: Vec<PathBuf>,
    report_dir: Option<PathBuf>,
    env: BTreeMap<String, String>,
    baseline: Option<BaselineArg>,
    strict: bool,
) -> anyhow::Result<i32> {
    if strict && baseline.is_none() {
        anyhow::bail!("--strict needs --baseline or --baseline-report");
    }
    let target =
        target.unwrap_or_else(|| workspace().join("scenarios/targets/reference-process.toml"));
    let spec = TargetSpec::load(&target)?;
    let scenarios = if scenario_files.is_empty() {
        Scenario::load_dir(&workspace().join("scenarios"))?
    } else {
        scenario_files
            .iter()
            .map(|p| Scenario::load(p))
            .collect::<Result<Vec<_>, _>>()?
    };
    // Every gate records the metric deltas, so its report.json can be a later
    // candidate's --baseline-report.
    let report_dir = report_dir.unwrap_or_else(default_report_dir);
    // Chromium is looked for once, at the edge; screenshots go beside the reports.
    let options = RunOptions {
        extra_env: env,
        record_metric_deltas: true,
        browser: BrowserSetup::find(
            |key| std::env::var_os(key),
            Some(report_dir.join("screenshots")),
        ),
        ..RunOptions::default()
    };
    let baseline = match baseline {
        None => None,
        Some(BaselineArg::Report(path)) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("--baseline-report {}", path.display()))?;
            let document = json::load(&text)
                .with_context(|| format!("--baseline-report {}", path.display()))?;
            Some((document, path))
        }
        Some(BaselineArg::Target(path)) => {
            let baseline_spec = TargetSpec::load(&path)?;
            eprintln!("harness: baseline run: {}", baseline_spec.name);
            let mut reporter = Fanout::new().with(TerminalReporter::new(
                Box::new(std::io::stderr()),
                TerminalMode::detect(),
            ));
            let baseline_options = options.screenshots_in(report_dir.join("baseline/screenshots"));
            run_target(&scenarios, &baseline_spec, &baseline_options, &mut reporter).await;
            reporter.finish()?;
            let report = reporter.into_report();
            let files = write_all(&report, &report_dir.join("baseline"))?;
            eprintln!("harness: baseline report: {}", files.json.display());
            Some((json::Document::new(&report), files.json))
        }
    };
    if baseline.is_some() {
        eprintln!("harness: candidate run: {}", spec.name);
    }
    let mut reporter = Fanout::new().with(TerminalReporter::new(
        Box::new(std::io::stderr()),
        TerminalMode::detect(),
    ));
    run_target(&scenarios, &spec, &options, &mut reporter).await;
    match baseline {
        None => finish(reporter, Some(report_dir)),
        Some((base, saved)) => finish_gate(reporter, &report_dir, &base, saved, strict),
    }
}

/// Runs the scenarios against one target, sweeping leftover containers around a
/// container run.
async fn run_target(
    scenarios: &[Scenario],
    spec: &TargetSpec,
    options: &RunOptions,
    reporter: &mut dyn Reporter,
) {
    let containers = spec.kind == Kind::Container;
    if containers {
        sweep_leftovers("before the run");
    }
    run_scenarios(scenarios, spec, options, reporter).await;
    if containers {
        sweep_leftovers("after the run");
    }
}

/// Ends a gate against a baseline: compares, prints the comparison (regressions first),
/// writes the candidate's reports with the comparison before the Markdown summary, and
/// `gate.json` and `gate-junit.xml` beside them (`saved`: the baseline's `report.json`).
fn finish_gate(
    mut reporter: Fanout<'_>,
    dir: &std::path::Path,
    baseline: &json::Document,
    saved: PathBuf,
    strict: bool,
) -> anyhow::Result<i32> {
    let reported = reporter.finish();
    let report = reporter.into_report();
    let candidate = json::Document::new(&report);
    let shots = ScreenshotOptions::beside_report(&saved, dir.to_path_buf());
    let comparison = compare_with_screenshots(baseline, &candidate, &shots);
    let files = write_all(&report, dir)?;
    let summary = std::fs::read_to_string(&files.markdown)
        .with_context(|| format!("reading {}", files.markdown.display()))?;
    let markdown = format!("{}\n{summary}", render::to_markdown(&comparison, strict));
    let gate_json = dir.join(render::JSON_FILE_NAME);
    let gate_junit = dir.join(render::JUNIT_FILE_NAME);
    for (path, text) in [
        (&files.markdown, markdown),
        (&gate_json, render::to_json(&comparison, strict)?),
        (&gate_junit, render::to_junit(&comparison, strict)?),
    ] {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut err = std::io::stderr().lock();
    writeln!(err, "{}", render::to_text(&comparison, strict))?;
    writeln!(
        err,
        "reports: {}, {}, {}, {}, {}",
        files.junit.display(),
        files.json.display(),
        files.markdown.display(),
        gate_json.display(),
        gate_junit.display()
    )?;
    writeln!(err, "candidate alone: {}", report.headline())?;
    reported?;
    Ok(gate_exit_code(baseline, &candidate, &comparison, strict))
}

/// Removes containers and volumes earlier harness runs left behind, saying so when there
/// were any; a failed sweep is a warning (without an engine, boots say so themselves).
fn sweep_leftovers(when: &str) {
    match sweep() {
        Ok(swept) if swept.containers.is_empty() && swept.volumes.is_empty() => {}
        Ok(swept) => eprintln!(
            "harness: removed {} leftover container(s) and {} volume(s) {when}",
            swept.containers.len(),
            swept.volumes.len()
        ),
        Err(e) => eprintln!("harness: warning: cannot sweep leftover containers {when}: {e}"),
    }
}

/// `harness probe`: the scenario file to stdout or `out`; exit 3 when the target never
/// became ready, 2 for any other failure to probe.
async fn probe(target: PathBuf, out: Option<PathBuf>) -> anyhow::Result<i32> {
    let spec = TargetSpec::load(&target)?;
    let probed = match harness::probe::probe(&spec, &ProbeOptions::default()).await {
        Ok(probed) => probed,
        Err(e) if e.target_never_ready() => {
            let _ = writeln!(std::io::stderr(), "harness: {e}");
            return Ok(exit_codes::TARGET_NOT_READY);
        }
        Err(e) => return Err(e).with_context(|| format!("probing {}", target.display())),
    };
    let text = probed.to_scenario();
    let written = match &out {
        Some(path) => std::fs::write(path, &text)
            .map(|()| format!(", written to {}", path.display()))
            .with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map(|()| String::new())
            .context("writing the scenario to stdout")?,
    };
    writeln!(std::io::stderr(), "harness: {}{written}", probed.summary())?;
    Ok(exit_codes::PASS)
}

/// `harness check-assets`: the one-step scenario of a `check-assets` step, run by the
/// scenario runner against the server at `url`, taken as it runs (no readiness probe:
/// a page that does not answer is a failed check, exit 1). With `browser`, Chromium is
/// looked for here, at the edge; screenshots go beside the reports, when there are.
async fn check_assets(args: CheckAssetsArgs) -> anyhow::Result<i32> {
    let require =
        Require::parse(args.require.iter().map(String::as_str)).map_err(anyhow::Error::msg)?;
    let spec = TargetSpec::running_at(&args.url);
    let static_dir = args.static_dir.map(|dir| (dir, args.static_prefix));
    let scenario = Scenario::check_assets(args.pages, static_dir, require, args.browser);
    let mut options = RunOptions::default();
    if args.browser {
        let screenshots = args.report_dir.as_ref().map(|dir| dir.join("screenshots"));
        options.browser = BrowserSetup::find(|key| std::env::var_os(key), screenshots);
    }
    let mut reporter = Fanout::new().with(TerminalReporter::new(
        Box::new(std::io::stderr()),
        TerminalMode::detect(),
    ));
    run_scenarios(&[scenario], &spec, &options, &mut reporter).await;
    finish(reporter, args.report_dir)
}

/// Ends a run: writes the reports when there is a directory (printing where they are
/// and the headline), then fails if a reporter failed (the terminal could not be
/// written), else picks the exit code.
fn finish(mut reporter: Fanout<'_>, dir: Option<PathBuf>) -> anyhow::Result<i32> {
    let reported = reporter.finish();
    let report = reporter.into_report();
    if let Some(dir) = dir {
        let files = write_all(&report, &dir)?;
        let mut err = std::io::stderr().lock();
        writeln!(
            err,
            "reports: {}, {}, {}",
            files.junit.display(),
            files.json.display(),
            files.markdown.display()
        )?;
        writeln!(err, "{}", report.headline())?;
    }
    reported?;
    Ok(exit_codes::for_run(&report))
}

/// `harness bench-gate` without `--instructions`: the wall-clock gate of the
/// bench-gate crate, printed as Markdown.
fn wall_clock_gate(
    criterion_dir: Option<PathBuf>,
    budgets: Option<PathBuf>,
    baseline: Option<String>,
    max_regression: f64,
    since: Option<u64>,
) -> anyhow::Result<i32> {
    let mode = match baseline {
        Some(name) => WallClockMode::Baseline {
            name,
            max_regression,
        },
        None => WallClockMode::Budgets(
            budgets.unwrap_or_else(|| workspace().join(bench_gate::DEFAULT_BUDGETS_FILE)),
        ),
    };
    let gate = WallClockGate {
        criterion_dir: criterion_dir
            .unwrap_or_else(|| workspace().join(bench_gate::DEFAULT_CRITERION_DIR)),
        mode,
        since: since
            .map(|secs| {
                UNIX_EPOCH
                    .checked_add(Duration::from_secs(secs))
                    .with_context(|| format!("--since {secs}: not a time this clock can hold"))
            })
            .transpose()?,
    };
    let outcome = gate.run()?;
    if let Some(warning) = &outcome.unchecked {
        eprintln!(
            "harness: warning: {warning}; pass --since UNIX_SECONDS (the run's start, as \
             ci/bench.sh does) to refuse results from before the run"
        );
    }
    println!("{}", outcome.report.to_markdown());
    Ok(if outcome.report.passed() {
        exit_codes::PASS
    } else {
        exit_codes::CHECK_FAILED
    })
}

/// `harness bench-gate --instructions`: gate gungraun's counts, or rewrite the
/// committed baseline from them.
fn instruction_gate(
    summary: PathBuf,
    baseline: Option<PathBuf>,
    budgets: Option<PathBuf>,
    update: bool,
    advisory_budgets: bool,
) -> anyhow::Result<i32> {
    let gate = InstructionGate {
        summary,
        baseline: baseline
            .unwrap_or_else(|| workspace().join(bench_gate::DEFAULT_INSTRUCTIONS_BASELINE)),
        budgets: Some(
            budgets.unwrap_or_else(|| workspace().join(bench_gate::DEFAULT_BUDGETS_FILE)),
        ),
        advisory_budgets,
    };
    let outcome = if update {
        gate.update_baseline()?
    } else {
        gate.run()?
    };
    match outcome {
        InstructionOutcome::BaselineWritten { benches, path } => {
            println!("wrote {benches} instruction counts to {}", path.display());
            Ok(exit_codes::PASS)
        }
        InstructionOutcome::Gated(report) => {
            println!("{}", report.to_markdown());
            Ok(if report.passed() {
                exit_codes::PASS
            } else {
                exit_codes::CHECK_FAILED
            })
        }
    }
}
