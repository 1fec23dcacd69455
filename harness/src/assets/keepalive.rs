//! Stalls on a kept-alive connection: browsers reuse connections, and a server that
//! leaves Nagle's algorithm on (no `TCP_NODELAY`) makes every small response on a
//! reused connection wait for the client's delayed ACK, about 40 ms on Linux. No
//! loopback or LAN server needs anywhere near that for a small file.

use std::time::Duration;

use super::fetch;
use super::link::path_label;
use crate::outcome::{CheckKind, CheckOutcome, Verdict};

/// Fetches before the timed ones: the first opens the connection, and Linux ACKs the
/// first exchanges on a new connection at once ("quick ACK" mode), so a stall shows
/// only from about the third fetch on (measured: 32 ms, 0.7 ms, then 44-56 ms each,
/// against a server without `TCP_NODELAY`).
const WARM_FETCHES: usize = 2;
/// Timed fetches on the reused connection; the verdict reads their median, so neither
/// one slow fetch on a busy machine nor one prompt fetch of a stalling server decides.
const REUSED_FETCHES: usize = 5;
/// Larger files may take real time to transfer; the stall shows on small ones.
pub(crate) const MAX_SIZE: u64 = 256 * 1024;

/// How slow a fetch on a reused connection may be before it is a stall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StallLimit(pub Duration);

impl Default for StallLimit {
    /// 30 ms: a loopback or LAN server answers a small file in well under 1 ms, and a
    /// delayed-ACK stall takes about 40 ms.
    fn default() -> Self {
        Self(Duration::from_millis(30))
    }
}

/// Fetches `url` [`WARM_FETCHES`] times to open a connection and leave its quick-ACK
/// phase, then [`REUSED_FETCHES`] times on it, and fails when the median of those is
/// slower than `limit`.
pub(crate) async fn check_keepalive(
    url: &url::Url,
    limit: StallLimit,
    timeout: Duration,
) -> CheckOutcome {
    let label = path_label(url);
    let outcome = |verdict, elapsed| {
        CheckOutcome::new(
            CheckKind::Asset,
            format!("keep-alive {label}"),
            format!("{url} [kept-alive connection]"),
            verdict,
            elapsed,
        )
    };
    // One connection, kept: a client of its own with a pool of one.
    let client = match reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .pool_max_idle_per_host(1)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            let verdict = Verdict::Fail {
                expected: "an HTTP client for the kept-alive fetches".into(),
                seen: e.to_string(),
            };
            return outcome(verdict, Duration::ZERO);
        }
    };
    let fetches = WARM_FETCHES + REUSED_FETCHES;
    let mut times = Vec::with_capacity(fetches);
    for _ in 0..fetches {
        match fetch::send(client.get(url.clone()), timeout).await {
            Ok(got) => times.push(got.elapsed),
            Err(e) => {
                let verdict = Verdict::Fail {
                    expected: format!("{fetches} fetches on one kept-alive connection"),
                    seen: e.message,
                };
                return outcome(verdict, e.elapsed);
            }
        }
    }
    let total = times.iter().sum();
    let reused = &times[WARM_FETCHES..];
    let median = median(reused);
    let shown: Vec<String> = reused.iter().map(|t| format!("{:.1} ms", ms(*t))).collect();
    let warm: Vec<String> = times[..WARM_FETCHES]
        .iter()
        .map(|t| format!("{:.1} ms", ms(*t)))
        .collect();
    let verdict = Verdict::expect(
        median <= limit.0,
        format!(
            "a small file fetched again on a kept-alive connection within {:.0} ms",
            ms(limit.0)
        ),
        format!(
            "{} on the reused connection (median {:.1} ms; first fetches {}): a stall that \
             no loopback or LAN server needs, most likely Nagle's algorithm waiting for the \
             client's delayed ACK (the server does not set TCP_NODELAY)",
            shown.join(", "),
            ms(median),
            warm.join(", ")
        ),
    );
    outcome(verdict, total)
}

/// The middle one of `times` (the upper middle for an even count).
fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    async fn server(delay: Duration) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw("a{}", "text/css")
                    .set_delay(delay),
            )
            .mount(&server)
            .await;
        server
    }

    /// One prompt fetch of a stalling server (the quick-ACK phase lasting a little
    /// longer) does not hide the stall, and one slow fetch of a prompt server on a busy
    /// machine does not make one.
    #[test]
    fn the_median_decides_not_one_outlier() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(50), ms(1), ms(48), ms(52), ms(44)]), ms(48));
        assert_eq!(median(&[ms(1), ms(90), ms(1), ms(2), ms(1)]), ms(1));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[tokio::test]
    async fn a_prompt_server_passes_and_a_stalling_one_fails_naming_nagle() {
        let limit = StallLimit::default();
        let timeout = Duration::from_secs(5);
        let fast = server(Duration::ZERO).await;
        let url = url::Url::parse(&format!("{}/a.css", fast.uri())).expect("url");
        let outcome = check_keepalive(&url, limit, timeout).await;
        assert!(outcome.passed(), "{outcome:?}");

        // Every answer 45 ms late, as a delayed ACK makes them.
        let slow = server(Duration::from_millis(45)).await;
        let url = url::Url::parse(&format!("{}/a.css", slow.uri())).expect("url");
        let outcome = check_keepalive(&url, limit, timeout).await;
        assert_eq!(outcome.name, "keep-alive /a.css");
        let Verdict::Fail { seen, .. } = &outcome.verdict else {
            panic!("a 45 ms answer on a reused connection is a stall: {outcome:?}");
        };
        assert!(seen.contains("TCP_NODELAY"), "{seen}");
        // A limit raised for a real network lets it pass.
        let relaxed = check_keepalive(&url, StallLimit(Duration::from_millis(500)), timeout).await;
        assert!(relaxed.passed(), "{relaxed:?}");
    }
}
