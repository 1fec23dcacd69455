//! Stalls on a kept-alive connection: browsers reuse connections, and a server that
//! leaves Nagle's algorithm on (no `TCP_NODELAY`) makes every small response on a
//! reused connection wait for the client's delayed ACK, about 40 ms on Linux. No
//! loopback or LAN server needs anywhere near that for a small file.

use std::time::Duration;

use super::fetch;
use super::link::path_label;
use crate::outcome::{CheckKind, CheckOutcome, Verdict};

/// Fetches on the reused connection; the verdict reads their minimum, so one slow
/// fetch on a busy machine is not a stall.
const REUSED_FETCHES: usize = 3;
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

/// Fetches `url` once to open a connection, then [`REUSED_FETCHES`] times on it, and
/// fails when even the fastest of those is slower than `limit`.
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
    let mut times = Vec::with_capacity(REUSED_FETCHES + 1);
    for _ in 0..=REUSED_FETCHES {
        match fetch::send(client.get(url.clone()), timeout).await {
            Ok(got) => times.push(got.elapsed),
            Err(e) => {
                let verdict = Verdict::Fail {
                    expected: format!(
                        "{} fetches on one kept-alive connection",
                        REUSED_FETCHES + 1
                    ),
                    seen: e.message,
                };
                return outcome(verdict, e.elapsed);
            }
        }
    }
    let total = times.iter().sum();
    let reused = &times[1..];
    let fastest = reused.iter().min().copied().unwrap_or_default();
    let shown: Vec<String> = reused.iter().map(|t| format!("{:.1} ms", ms(*t))).collect();
    let verdict = Verdict::expect(
        fastest <= limit.0,
        format!(
            "a small file fetched again on a kept-alive connection within {:.0} ms",
            ms(limit.0)
        ),
        format!(
            "{} on the reused connection (first fetch {:.1} ms): a stall that no loopback or \
             LAN server needs, most likely Nagle's algorithm waiting for the client's delayed \
             ACK (the server does not set TCP_NODELAY)",
            shown.join(", "),
            ms(times[0])
        ),
    );
    outcome(verdict, total)
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
