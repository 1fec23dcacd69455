//! The wall-clock request budgets of `bench-gate/budgets.toml`, measured interleaved:
//! monitoring off and on take turns in ABBA rounds in one process (see
//! `rc_benches::paired`), where criterion measures each variant on its own for
//! seconds and this machine drifts between them by more than the budgets.
//!
//!   cargo bench -p rc-benches --bench paired [-- --advisory] [--rounds N]
//!
//! Every `[[ratio]]` budget between two `requests/<endpoint>/<variant>` ids is
//! measured twice: in-process, as criterion's benches send requests, and served over
//! HTTP/1.1 on an in-memory connection, as the served instruction benches count them
//! (the HTTP request the budget is about, hyper's work included). Prints a Markdown table (also to `target/rc-report/bench/paired.md`).
//! Exits 1 when an interval lies wholly above its budget (unless `--advisory`); an
//! interval that straddles a budget is reported as inconclusive and does not fail; 2
//! when the budgets cannot be read or name a request or variant this runner does not
//! know.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use bench_gate::load_budgets;
use rc_benches::paired::{
    PairedVerdict, Target, Transport, measure, median_interval, request_pair,
};
use rc_benches::{BenchApp, Monitoring, runtime};

/// Rounds per budget and transport when `--rounds` is not given: about two seconds
/// each, and a small file's interval about ±0.5% wide on the 2-core CI machine (40
/// rounds gave ±1.5%).
const ROUNDS: usize = 200;

/// Rounds of a smoke run (`cargo test --benches`): the fewest an interval needs.
const SMOKE_ROUNDS: usize = 6;

struct Options {
    advisory: bool,
    rounds: Option<usize>,
    /// `cargo bench` passes `--bench`; `cargo test --benches` does not.
    measuring: bool,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        advisory: false,
        rounds: None,
        measuring: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--advisory" => options.advisory = true,
            "--rounds" => {
                let value = args.next().context("--rounds needs a number of rounds")?;
                let rounds = value
                    .parse()
                    .ok()
                    .filter(|&rounds| rounds >= SMOKE_ROUNDS)
                    .with_context(|| {
                        format!(
                            "--rounds {value}: expected a whole number, at least {SMOKE_ROUNDS}"
                        )
                    })?;
                options.rounds = Some(rounds);
            }
            "--bench" => options.measuring = true,
            other => bail!("unknown argument {other:?}: expected --advisory or --rounds N"),
        }
    }
    Ok(options)
}

fn run() -> anyhow::Result<bool> {
    let mut options = options()?;
    let rounds = match (options.rounds, options.measuring) {
        (Some(rounds), _) => rounds,
        (None, true) => ROUNDS,
        (None, false) => {
            options.advisory = true;
            SMOKE_ROUNDS
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let budgets_path = root.join("bench-gate/budgets.toml");
    let budgets = load_budgets(&budgets_path)?;
    let mut pairs = Vec::new();
    for budget in &budgets.ratio {
        if let Some((endpoint, monitoring)) = request_pair(budget)? {
            pairs.push((budget, endpoint, monitoring));
        }
    }
    if pairs.is_empty() {
        bail!(
            "{} has no [[ratio]] budget between request benches",
            budgets_path.display()
        );
    }

    let rt = runtime();
    let off = BenchApp::new(Monitoring::Off)?;
    let mut report = format!(
        "### Monitoring overhead, interleaved: {} ABBA rounds per budget, blocks of about 2 ms\n\n\
         | Check | Requests | Rounds | Median on / off | 95% interval | Budget | Verdict |\n\
         | --- | --- | ---: | ---: | ---: | ---: | --- |\n",
        rounds
    );
    let mut breached = 0;
    let mut inconclusive = 0;
    // One app per variant, shared by its budgets (building one seeds a database).
    let mut apps: Vec<(Monitoring, BenchApp)> = Vec::new();
    for (budget, endpoint, monitoring) in pairs {
        let index = match apps.iter().position(|(built, _)| *built == monitoring) {
            Some(index) => index,
            None => {
                apps.push((monitoring, BenchApp::new(monitoring)?));
                apps.len() - 1
            }
        };
        let on = &apps[index].1;
        for transport in Transport::ALL {
            let mut off_target = Target::new(&rt, off.app().site(), transport, endpoint.uri);
            let mut on_target = Target::new(&rt, on.app().site(), transport, endpoint.uri);
            let ratios = measure(&rt, &mut off_target, &mut on_target, &endpoint, rounds)?;
            let interval = median_interval(&ratios).context("at least 6 rounds")?;
            let verdict = PairedVerdict::of(interval, budget.max);
            match verdict {
                PairedVerdict::Over => breached += 1,
                PairedVerdict::Inconclusive => inconclusive += 1,
                PairedVerdict::Within => {}
            }
            writeln!(
                report,
                "| {} | {} | {} | {:.3}× | {:.3}× – {:.3}× | ≤ {:.3}× | {} |",
                budget.display_name(),
                transport.label(),
                ratios.len(),
                interval.median,
                interval.low,
                interval.high,
                budget.max,
                verdict.label(interval.median <= budget.max)
            )?;
        }
    }
    writeln!(
        report,
        "\n{breached} over budget, {inconclusive} inconclusive (the interval straddles the budget: \
         this machine cannot tell), the rest within."
    )?;
    print!("{report}");
    // A smoke run is no measurement: it leaves the last report in place.
    if options.measuring || options.rounds.is_some() {
        let out = root.join("target/rc-report/bench/paired.md");
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&out, &report).with_context(|| format!("writing {}", out.display()))?;
    }
    if breached > 0 && options.advisory {
        eprintln!("paired: advisory: {breached} budget(s) over, not failing");
    }
    Ok(breached == 0 || options.advisory)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("paired: {error:#}");
            ExitCode::from(2)
        }
    }
}
