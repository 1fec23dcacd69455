//! Monitoring on vs off in wall-clock time, interleaved: the two variants take turns in
//! ABBA order within one process, so the machine's drift falls on both alike.
//!
//! Criterion measures each variant for seconds before the next, and on a shared
//! machine the speed drifts between them by more than a 1% budget (run to run, the
//! same code measured a note page at 0.90× and 1.19× of itself). Here a round times a
//! block of requests off, two on, one off (or the mirror), and its ratio is the two on
//! blocks over the two off blocks: a drift that is linear through the round cancels.
//! The verdict takes the median of the rounds' ratios and a distribution-free 95%
//! interval for it (order statistics), and says "over" only when the whole interval is
//! above the budget: on a noisy machine a verdict is inconclusive rather than wrong.

use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use bench_gate::RatioBudget;
use reference_server::Site;
use reference_server::db::MonitoredConnection;
use reference_server::monitoring::Metrics;
use tokio::runtime::Runtime;

use crate::point_query::{self, POINT, SLUG};
use crate::served::{self, ServedError};
use crate::{ENDPOINTS, Endpoint, MONITORING, Monitoring, get};

/// How long one block of requests should take: long enough that the clock's
/// resolution and one slow request are small beside it, short enough that a round
/// sees little drift.
const BLOCK: Duration = Duration::from_millis(2);

/// The median of the rounds' ratios and its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The median.
    pub median: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// `ratios`' median and a 95% interval for it from order statistics (the normal
/// approximation to the binomial: ranks n/2 ∓ 0.98·√n), which assumes nothing about
/// how the ratios are distributed. `None` for fewer than six ratios, where no pair of
/// order statistics covers the median with 95% confidence.
pub fn median_interval(ratios: &[f64]) -> Option<Interval> {
    let n = ratios.len();
    if n < 6 {
        return None;
    }
    let mut sorted = ratios.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let half_width = 0.98 * (n as f64).sqrt();
    let nf = n as f64;
    // 0-based ranks, widened outwards (floor, ceil) and kept inside the sample.
    let low = ((nf / 2.0 - half_width).floor() as usize).min(n - 1);
    let high = ((nf / 2.0 + half_width).ceil() as usize)
        .saturating_sub(1)
        .min(n - 1);
    Some(Interval {
        median,
        low: sorted[low],
        high: sorted[high],
    })
}

/// How a measured interval stands against a budget's largest ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairedVerdict {
    /// The whole interval is within the budget.
    Within,
    /// The whole interval is above the budget: a breach, whatever the noise.
    Over,
    /// The interval straddles the budget: this machine cannot tell.
    Inconclusive,
}

impl PairedVerdict {
    /// The verdict of `interval` against `max`.
    pub fn of(interval: Interval, max: f64) -> Self {
        if interval.high <= max {
            PairedVerdict::Within
        } else if interval.low > max {
            PairedVerdict::Over
        } else {
            PairedVerdict::Inconclusive
        }
    }

    /// As the report shows it.
    pub fn label(self, median_within: bool) -> &'static str {
        match (self, median_within) {
            (PairedVerdict::Within, _) => "✅ pass",
            (PairedVerdict::Over, _) => "❌ over budget",
            (PairedVerdict::Inconclusive, true) => "✅ pass ⚠️ inconclusive",
            (PairedVerdict::Inconclusive, false) => "⚠️ over at the median, inconclusive",
        }
    }
}

/// Why a pair could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum PairedError {
    /// A request budget that does not compare a variant with `off` of one endpoint.
    #[error(
        "{budget}: expected served_requests/<endpoint>/<variant> over \
         served_requests/<endpoint>/off (or requests/... for in-process), \
         found {numerator} over {denominator}"
    )]
    NotAPair {
        /// The budget's name.
        budget: String,
        /// Its numerator id.
        numerator: String,
        /// Its denominator id.
        denominator: String,
    },
    /// A request budget naming an endpoint or variant the benches do not have.
    #[error("{budget}: no request bench {id} (endpoints: {endpoints}; variants: {variants})")]
    Unknown {
        /// The budget's name.
        budget: String,
        /// The id not found.
        id: String,
        /// The endpoints there are.
        endpoints: String,
        /// The variants there are.
        variants: String,
    },
    /// The point query failed or found another row than the raw query.
    #[error("the point query: {0}")]
    Query(String),
    /// A served request got no whole response.
    #[error("a served request: {0}")]
    Served(#[from] ServedError),
    /// A variant did not answer `200 OK` with the body expected.
    #[error(
        "GET {uri} answered {status} with {bytes} bytes with {variant}, \
         expected 200 with at least {min_body}"
    )]
    BadAnswer {
        /// The request.
        uri: &'static str,
        /// Which site.
        variant: &'static str,
        /// Its status.
        status: StatusCode,
        /// Its body's length.
        bytes: usize,
        /// The fewest bytes expected.
        min_body: usize,
    },
}

/// A request budget as this runner measures it: which endpoint, which variant against
/// `off`, and on which transport the budget is judged.
#[derive(Debug, Clone, Copy)]
pub struct RequestPair {
    /// The endpoint requested.
    pub endpoint: Endpoint,
    /// The variant compared with `off`.
    pub monitoring: Monitoring,
    /// The transport the budget's ids name; the other one is measured beside it, to
    /// locate the cost, and never judged.
    pub judged: Transport,
}

/// The request pair `budget` compares, when it is a budget between two request benches
/// of one transport (`served_requests/<endpoint>/<variant>` over `.../off`, or
/// `requests/...` for in-process); `None` for other budgets (queries).
pub fn request_pair(budget: &RatioBudget) -> Result<Option<RequestPair>, PairedError> {
    let not_a_pair = || PairedError::NotAPair {
        budget: budget.display_name(),
        numerator: budget.numerator.clone(),
        denominator: budget.denominator.clone(),
    };
    let (numerator, denominator) = match (
        Transport::of_id(&budget.numerator),
        Transport::of_id(&budget.denominator),
    ) {
        (None, None) => return Ok(None),
        (Some(numerator), Some(denominator)) if numerator.0 == denominator.0 => {
            (numerator, denominator)
        }
        _ => return Err(not_a_pair()),
    };
    let judged = numerator.0;
    let (Some((endpoint, variant)), Some((base, "off"))) =
        (numerator.1.split_once('/'), denominator.1.split_once('/'))
    else {
        return Err(not_a_pair());
    };
    if endpoint != base {
        return Err(not_a_pair());
    }
    let found = ENDPOINTS.iter().find(|known| known.name == endpoint);
    let monitoring = MONITORING.iter().find(|m| m.id() == variant);
    match (found, monitoring) {
        (Some(found), Some(monitoring)) => Ok(Some(RequestPair {
            endpoint: *found,
            monitoring: *monitoring,
            judged,
        })),
        _ => Err(PairedError::Unknown {
            budget: budget.display_name(),
            id: budget.numerator.clone(),
            endpoints: ENDPOINTS.map(|e| e.name).join(", "),
            variants: MONITORING.map(Monitoring::id).join(", "),
        }),
    }
}

/// How a variant's requests reach its site.
pub enum Target {
    /// Through the site's service, in-process (`oneshot`): the site's work alone, as
    /// criterion's request benches measure it.
    InProcess(Site),
    /// Served over HTTP/1.1 by `axum::serve` on one kept-alive in-memory connection, as
    /// the served instruction benches count it: hyper's parsing and writing are in the
    /// time too.
    Served(Box<served::Connection>, served::Prepared),
}

impl Target {
    /// `site` reached as `transport` says, for requests of `uri`. A served target's
    /// connection is served by a task of `rt`.
    pub fn new(rt: &Runtime, site: Site, transport: Transport, uri: &str) -> Self {
        match transport {
            Transport::InProcess => Target::InProcess(site),
            Transport::Served => {
                let connection = rt.block_on(async { served::Connection::open(site) });
                Target::Served(Box::new(connection), served::Prepared::get(uri))
            }
        }
    }

    /// One request of `uri`: its status and body length.
    async fn request(&mut self, uri: &str) -> Result<(StatusCode, usize), ServedError> {
        match self {
            Target::InProcess(site) => {
                let (status, body) = get(site.clone(), uri).await;
                Ok((status, body.len()))
            }
            Target::Served(connection, request) => connection.send(request).await,
        }
    }
}

/// How requests reach a site: the two ways the request budgets are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `oneshot`, no HTTP.
    InProcess,
    /// HTTP/1.1 over an in-memory connection.
    Served,
}

impl Transport {
    /// Both, in the order reports show them.
    pub const ALL: [Transport; 2] = [Transport::InProcess, Transport::Served];

    /// How bench ids of this transport begin: criterion's groups and the budgets.
    pub fn prefix(self) -> &'static str {
        match self {
            Transport::InProcess => "requests/",
            Transport::Served => "served_requests/",
        }
    }

    /// The transport a request bench id names, and the rest of the id.
    pub fn of_id(id: &str) -> Option<(Transport, &str)> {
        Transport::ALL
            .into_iter()
            .find_map(|transport| Some((transport, id.strip_prefix(transport.prefix())?)))
    }

    /// As reports name it.
    pub fn label(self) -> &'static str {
        match self {
            Transport::InProcess => "in-process",
            Transport::Served => "served over HTTP/1.1",
        }
    }
}

/// Times `count` requests of `uri` to `target`, in one task.
fn block(
    rt: &Runtime,
    target: &mut Target,
    uri: &str,
    count: usize,
) -> Result<Duration, ServedError> {
    rt.block_on(async {
        let started = Instant::now();
        for _ in 0..count {
            black_box(target.request(black_box(uri)).await?);
        }
        Ok(started.elapsed())
    })
}

/// One ABBA round: the time with the overhead over the time without, and the time it
/// added per operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Round {
    /// On over off.
    pub ratio: f64,
    /// Nanoseconds added per operation (negative when on was faster).
    pub added_ns: f64,
}

/// How many operations make a block of about [`BLOCK`], one taking `per_operation`.
fn block_size(per_operation: Duration) -> usize {
    (BLOCK.as_nanos() / per_operation.as_nanos().max(1)).clamp(4, 100_000) as usize
}

/// `rounds` ABBA rounds of blocks of `count` operations: `time(on, count)` times one
/// block with the overhead (`on`) or without. Even rounds run off, on, on, off; odd
/// rounds the mirror.
fn abba<E>(
    rounds: usize,
    count: usize,
    mut time: impl FnMut(bool, usize) -> Result<Duration, E>,
) -> Result<Vec<Round>, E> {
    let mut measured = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let on_first = round % 2 == 1;
        let a1 = time(on_first, count)?;
        let b1 = time(!on_first, count)?;
        let b2 = time(!on_first, count)?;
        let a2 = time(on_first, count)?;
        let (off, on) = if on_first {
            (b1 + b2, a1 + a2)
        } else {
            (a1 + a2, b1 + b2)
        };
        measured.push(Round {
            ratio: on.as_secs_f64() / off.as_secs_f64(),
            added_ns: (on.as_secs_f64() - off.as_secs_f64()) * 1e9 / (2 * count) as f64,
        });
    }
    Ok(measured)
}

/// `rounds` ABBA rounds of `endpoint`, `on` against `off`, each block sized to take
/// about [`BLOCK`].
pub fn measure(
    rt: &Runtime,
    off: &mut Target,
    on: &mut Target,
    endpoint: &Endpoint,
    rounds: usize,
) -> Result<Vec<Round>, PairedError> {
    let uri = endpoint.uri;
    for (variant, target) in [("monitoring off", &mut *off), ("monitoring on", &mut *on)] {
        let (status, bytes) = rt.block_on(target.request(uri))?;
        if status != StatusCode::OK || bytes < endpoint.min_body {
            return Err(PairedError::BadAnswer {
                uri,
                variant,
                status,
                bytes,
                min_body: endpoint.min_body,
            });
        }
    }
    // Size the blocks on the off site, after a warm-up of both.
    block(rt, off, uri, 16)?;
    block(rt, on, uri, 16)?;
    let count = block_size(block(rt, off, uri, 16)? / 16);
    let rounds = abba(rounds, count, |monitored, count| {
        let target = if monitored { &mut *on } else { &mut *off };
        block(rt, target, uri, count)
    })?;
    Ok(rounds)
}

/// The point query's budgets: `queries/point_query/monitored_<variant>` over
/// `queries/point_query/raw`, the monitoring `variant` compares; `None` for a budget
/// between other benches.
pub fn point_query_pair(
    budget: &str,
    numerator: &str,
    denominator: &str,
) -> Result<Option<Monitoring>, PairedError> {
    let (Some(variant), Some(raw)) = (
        numerator.strip_prefix("queries/point_query/monitored_"),
        denominator.strip_prefix("queries/point_query/"),
    ) else {
        return Ok(None);
    };
    if raw != "raw" {
        return Err(PairedError::NotAPair {
            budget: budget.to_owned(),
            numerator: numerator.to_owned(),
            denominator: denominator.to_owned(),
        });
    }
    match MONITORING.iter().find(|m| m.id() == variant) {
        Some(monitoring) => Ok(Some(*monitoring)),
        None => Err(PairedError::Unknown {
            budget: budget.to_owned(),
            id: numerator.to_owned(),
            endpoints: "point_query".to_owned(),
            variants: MONITORING.map(Monitoring::id).join(", "),
        }),
    }
}

/// `rounds` ABBA rounds of the point query on `conn`: through a
/// `MonitoredConnection` recording into a recorder configured for `monitoring` (past
/// its minimum samples), against the same query on the raw connection, as the
/// criterion bench compares them.
pub fn measure_point_query(
    conn: &rusqlite::Connection,
    monitoring: Monitoring,
    rounds: usize,
) -> Result<Vec<Round>, PairedError> {
    let settings = monitoring.settings();
    let warm = settings.min_samples + 100;
    let metrics = Metrics::new(settings);
    let monitored = MonitoredConnection::new(conn, Some(&metrics));
    let query_failed = |error: &dyn std::fmt::Display| PairedError::Query(error.to_string());
    let expected = point_query::raw(conn, SLUG).map_err(|e| query_failed(&e))?;
    if expected.is_none() {
        return Err(PairedError::Query(format!("no note {SLUG} in the copy")));
    }
    for _ in 0..warm {
        let row = monitored
            .query_opt(&POINT, [SLUG], point_query::map)
            .map_err(|e| query_failed(&e))?;
        if row != expected {
            return Err(PairedError::Query(format!(
                "the monitored query found {row:?}, the raw one {expected:?}"
            )));
        }
    }
    let time = |on: bool, count: usize| -> Result<Duration, PairedError> {
        let started = Instant::now();
        for _ in 0..count {
            if on {
                black_box(
                    monitored
                        .query_opt(&POINT, [black_box(SLUG)], point_query::map)
                        .map_err(|e| query_failed(&e))?,
                );
            } else {
                black_box(point_query::raw(conn, black_box(SLUG)).map_err(|e| query_failed(&e))?);
            }
        }
        Ok(started.elapsed())
    };
    time(false, 256)?;
    let count = block_size(time(false, 256)? / 256);
    abba(rounds, count, time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_brackets_the_median_with_order_statistics() {
        let ratios: Vec<f64> = (1..=40).map(|i| 1.0 + f64::from(i) / 1000.0).collect();
        let interval = median_interval(&ratios).expect("enough rounds");
        assert!((interval.median - 1.0205).abs() < 1e-9, "{interval:?}");
        // n = 40: ranks 20 ∓ 6.2, widened: the 14th and the 27th smallest.
        assert_eq!((interval.low, interval.high), (1.014, 1.027));
        // Order does not matter.
        let mut shuffled = ratios.clone();
        shuffled.reverse();
        assert_eq!(median_interval(&shuffled), Some(interval));
        assert_eq!(median_interval(&ratios[..5]), None, "too few rounds");
    }

    fn budget(numerator: &str, denominator: &str) -> RatioBudget {
        RatioBudget {
            name: None,
            numerator: numerator.to_owned(),
            denominator: denominator.to_owned(),
            max: 1.02,
            open: None,
        }
    }

    #[test]
    fn request_budgets_name_an_endpoint_and_a_variant_against_off() {
        let pair = request_pair(&budget(
            "served_requests/note_page/rate_1.0",
            "served_requests/note_page/off",
        ))
        .expect("a request pair")
        .expect("measured here");
        assert_eq!(pair.endpoint.uri, "/notes/hello-world");
        assert_eq!(pair.monitoring, Monitoring::Sampled(1.0));
        assert_eq!(pair.judged, Transport::Served);
        let in_process = request_pair(&budget("requests/feed/rate_0.0", "requests/feed/off"))
            .expect("a request pair")
            .expect("measured here");
        assert_eq!(in_process.judged, Transport::InProcess);
        assert_eq!(in_process.monitoring, Monitoring::Sampled(0.0));
        let across = budget("served_requests/feed/rate_1.0", "requests/feed/off");
        assert!(
            matches!(request_pair(&across), Err(PairedError::NotAPair { .. })),
            "one transport over the other is no overhead"
        );
        let query = budget(
            "queries/point_query/monitored_rate_1.0",
            "queries/point_query/raw",
        );
        assert!(
            matches!(request_pair(&query), Ok(None)),
            "left to criterion"
        );
        let mixed = budget("requests/feed/rate_1.0", "requests/note_page/off");
        assert!(matches!(
            request_pair(&mixed),
            Err(PairedError::NotAPair { .. })
        ));
        let unknown = budget("requests/feed/rate_0.5", "requests/feed/off");
        let error = request_pair(&unknown).expect_err("no such variant");
        assert!(
            error.to_string().contains("rate_0.0, rate_0.1, rate_1.0"),
            "{error}"
        );
    }

    /// Both transports give a ratio per round, and a request that does not get the
    /// body its endpoint promises is an error naming it, never a fast ratio.
    #[test]
    fn both_transports_measure_rounds_and_refuse_a_wrong_answer() {
        use crate::{BenchApp, runtime};

        let rt = runtime();
        let off = BenchApp::new(Monitoring::Off).expect("bench app");
        let on = BenchApp::new(Monitoring::Sampled(1.0)).expect("bench app");
        let small = ENDPOINTS[0];
        let missing = Endpoint {
            name: "missing",
            uri: "/static/nothing-here.css",
            min_body: 1,
        };
        for transport in Transport::ALL {
            let target =
                |bench: &BenchApp, uri| Target::new(&rt, bench.app().site(), transport, uri);
            let (mut a, mut b) = (target(&off, small.uri), target(&on, small.uri));
            let rounds = measure(&rt, &mut a, &mut b, &small, 6).expect("measures");
            assert_eq!(rounds.len(), 6, "{transport:?}");
            assert!(
                rounds.iter().all(|r| r.ratio.is_finite() && r.ratio > 0.0),
                "{rounds:?}"
            );
            let (mut a, mut b) = (target(&off, missing.uri), target(&on, missing.uri));
            let error = measure(&rt, &mut a, &mut b, &missing, 6).expect_err("a 404");
            assert!(
                matches!(
                    error,
                    PairedError::BadAnswer {
                        uri: "/static/nothing-here.css",
                        status: StatusCode::NOT_FOUND,
                        ..
                    }
                ),
                "{transport:?}: {error}"
            );
        }
    }

    /// A round's on and off blocks are those the ABBA order says, whichever runs
    /// first: with "on" 10% slower by 50 ns per operation, every round says so.
    #[test]
    fn abba_rounds_compare_on_with_off_whichever_runs_first() {
        let mut order = Vec::new();
        let rounds = abba::<()>(4, 10, |on, count| {
            order.push(on);
            let per_op = if on { 550 } else { 500 };
            Ok(Duration::from_nanos(per_op * count as u64))
        })
        .expect("timed");
        assert_eq!(
            order,
            [
                false, true, true, false, true, false, false, true, false, true, true, false, true,
                false, false, true
            ]
        );
        for round in rounds {
            assert!((round.ratio - 1.1).abs() < 1e-9, "{round:?}");
            assert!((round.added_ns - 50.0).abs() < 1e-6, "{round:?}");
        }
    }

    #[test]
    fn point_query_budgets_name_a_monitored_variant_against_raw() {
        let pair = |n: &str, d: &str| point_query_pair("b", n, d);
        assert_eq!(
            pair(
                "queries/point_query/monitored_rate_1.0",
                "queries/point_query/raw"
            )
            .expect("a pair"),
            Some(Monitoring::Sampled(1.0))
        );
        assert_eq!(
            pair("requests/feed/rate_1.0", "requests/feed/off").expect("not ours"),
            None
        );
        assert!(matches!(
            pair(
                "queries/point_query/monitored_rate_1.0",
                "queries/point_query/monitored_off"
            ),
            Err(PairedError::NotAPair { .. })
        ));
        assert!(matches!(
            pair(
                "queries/point_query/monitored_rate_7",
                "queries/point_query/raw"
            ),
            Err(PairedError::Unknown { .. })
        ));
    }

    #[test]
    fn the_point_query_is_measured_monitored_against_raw() {
        let bench = crate::BenchApp::new(Monitoring::Off).expect("bench app");
        let conn = point_query::in_memory_copy(bench.app().pool().path()).expect("copy");
        let rounds = measure_point_query(&conn, Monitoring::Sampled(1.0), 6).expect("measures");
        assert_eq!(rounds.len(), 6);
        assert!(rounds.iter().all(|r| r.ratio.is_finite() && r.ratio > 0.0));
        let empty = rusqlite::Connection::open_in_memory().expect("a database");
        let error = measure_point_query(&empty, Monitoring::Off, 6).expect_err("no table");
        assert!(matches!(error, PairedError::Query(_)), "{error}");
    }

    #[test]
    fn only_an_interval_wholly_above_the_budget_is_over() {
        let interval = |low, high| Interval {
            median: (low + high) / 2.0,
            low,
            high,
        };
        assert_eq!(
            PairedVerdict::of(interval(0.99, 1.019), 1.02),
            PairedVerdict::Within
        );
        assert_eq!(
            PairedVerdict::of(interval(1.021, 1.05), 1.02),
            PairedVerdict::Over
        );
        assert_eq!(
            PairedVerdict::of(interval(1.0, 1.04), 1.02),
            PairedVerdict::Inconclusive
        );
    }
}
