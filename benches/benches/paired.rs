//! The wall-clock request and point-query budgets of `bench-gate/budgets.toml`,
//! measured interleaved: monitoring off and on take turns in ABBA rounds in one
//! process (see `rc_benches::paired`), where criterion measures each variant on its
//! own for seconds and this machine drifts between them by more than the budgets.
//!
//!   cargo bench -p rc-benches --bench paired [-- --advisory] [--rounds N]
//!
//! Every `[[ratio]]` budget between two request benches is measured twice: served over
//! HTTP/1.1 on an in-memory connection (`served_requests/<endpoint>/<variant>`, as the
//! served instruction benches count them: the HTTP request, hyper's work included) and
//! in-process (`requests/...`, the site's service called directly). The transport the
//! budget's ids name is judged; the other row is shown beside it to locate the cost.
//! The `[[ratio]]` and `[[added]]` budgets of the monitored point query against the raw
//! one are measured from the same rounds. Prints a Markdown table (also to
//! `target/rc-report/bench/paired.md`). Exits 1 when an interval lies wholly above its
//! budget (unless `--advisory`); an interval that straddles a budget is reported as
//! inconclusive and does not fail; 2 when the budgets cannot be read or name a request
//! or variant this runner does not know.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use bench_gate::load_budgets;
use rc_benches::paired::{
    Interval, PairedVerdict, RequestPair, Target, Transport, measure, measure_point_query,
    median_interval, point_query_pair, request_pair,
};
use rc_benches::{BenchApp, Monitoring, point_query, runtime};

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
    let mut queries: Vec<(Monitoring, QueryBudget)> = Vec::new();
    for budget in &budgets.ratio {
        let name = budget.display_name();
        if let Some(pair) = request_pair(budget)? {
            pairs.push((budget, pair));
        } else if let Some(monitoring) =
            point_query_pair(&name, &budget.numerator, &budget.denominator)?
        {
            queries.push((monitoring, QueryBudget::Ratio(budget.max, name)));
        }
    }
    for budget in &budgets.added {
        let name = budget.display_name();
        if let Some(monitoring) = point_query_pair(&name, &budget.numerator, &budget.denominator)? {
            queries.push((monitoring, QueryBudget::Added(budget.max_ns, name)));
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
    let mut report = Report::new(rounds);
    // One app per variant, shared by its budgets (building one seeds a database).
    let mut apps: Vec<(Monitoring, BenchApp)> = Vec::new();
    for (budget, pair) in pairs {
        let RequestPair {
            endpoint,
            monitoring,
            judged,
        } = pair;
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
            let measured = measure(&rt, &mut off_target, &mut on_target, &endpoint, rounds)?;
            let ratios: Vec<f64> = measured.iter().map(|round| round.ratio).collect();
            let row = if transport == judged {
                Report::ratio
            } else {
                Report::diagnostic
            };
            row(
                &mut report,
                &budget.display_name(),
                transport.label(),
                &ratios,
                budget.max,
            )?;
        }
    }
    // The point query: one measurement per variant, for its ratio and added budgets.
    let conn = point_query::in_memory_copy(off.app().pool().path())
        .context("copying the bench database into memory")?;
    let mut variants: Vec<Monitoring> = Vec::new();
    for (variant, _) in &queries {
        if !variants.contains(variant) {
            variants.push(*variant);
        }
    }
    for variant in variants {
        let measured = measure_point_query(&conn, variant, rounds)?;
        for (_, budget) in queries.iter().filter(|(of, _)| *of == variant) {
            match budget {
                QueryBudget::Ratio(max, name) => {
                    let ratios: Vec<f64> = measured.iter().map(|round| round.ratio).collect();
                    report.ratio(name, QUERY, &ratios, *max)?;
                }
                QueryBudget::Added(max_ns, name) => {
                    let added: Vec<f64> = measured.iter().map(|round| round.added_ns).collect();
                    report.added(name, &added, *max_ns)?;
                }
            }
        }
    }
    let Report {
        text: mut report,
        breached,
        inconclusive,
    } = report;
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

/// How the point query's rows name what they measure.
const QUERY: &str = "SQLite point query, in memory";

/// A point-query budget: a largest ratio or a most nanoseconds added, with its name.
enum QueryBudget {
    Ratio(f64, String),
    Added(f64, String),
}

/// The report's table, and its verdicts counted.
struct Report {
    text: String,
    breached: usize,
    inconclusive: usize,
}

impl Report {
    fn new(rounds: usize) -> Self {
        let text = format!(
            "### Monitoring overhead, interleaved: {rounds} ABBA rounds per budget, blocks of about 2 ms\n\n\
             | Check | Measured on | Rounds | Median on / off | 95% interval | Budget | Verdict |\n\
             | --- | --- | ---: | ---: | ---: | ---: | --- |\n"
        );
        Self {
            text,
            breached: 0,
            inconclusive: 0,
        }
    }

    /// The verdict of `values` against `max`, counted; the interval.
    fn judge(&mut self, values: &[f64], max: f64) -> anyhow::Result<(Interval, PairedVerdict)> {
        let interval = median_interval(values).context("at least 6 rounds")?;
        let verdict = PairedVerdict::of(interval, max);
        match verdict {
            PairedVerdict::Over => self.breached += 1,
            PairedVerdict::Inconclusive => self.inconclusive += 1,
            PairedVerdict::Within => {}
        }
        Ok((interval, verdict))
    }

    /// A row for a ratio budget.
    fn ratio(&mut self, name: &str, on: &str, ratios: &[f64], max: f64) -> anyhow::Result<()> {
        let (interval, verdict) = self.judge(ratios, max)?;
        writeln!(
            self.text,
            "| {name} | {on} | {} | {:.3}× | {:.3}× – {:.3}× | ≤ {max:.3}× | {} |",
            ratios.len(),
            interval.median,
            interval.low,
            interval.high,
            verdict.label(interval.median <= max)
        )?;
        Ok(())
    }

    /// A row measured on the transport the budget does not name: where the cost lies,
    /// never a verdict.
    fn diagnostic(&mut self, name: &str, on: &str, ratios: &[f64], max: f64) -> anyhow::Result<()> {
        let interval = median_interval(ratios).context("at least 6 rounds")?;
        writeln!(
            self.text,
            "| {name} | {on} | {} | {:.3}× | {:.3}× – {:.3}× | ({max:.3}×) | not judged: \
             locates the cost |",
            ratios.len(),
            interval.median,
            interval.low,
            interval.high,
        )?;
        Ok(())
    }

    /// A row for an added-time budget (nanoseconds per operation).
    fn added(&mut self, name: &str, added: &[f64], max_ns: f64) -> anyhow::Result<()> {
        let (interval, verdict) = self.judge(added, max_ns)?;
        writeln!(
            self.text,
            "| {name} | {QUERY} | {} | {:+.1} ns | {:+.1} – {:+.1} ns | ≤ {max_ns:+.0} ns | {} |",
            added.len(),
            interval.median,
            interval.low,
            interval.high,
            verdict.label(interval.median <= max_ns)
        )?;
        Ok(())
    }
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
