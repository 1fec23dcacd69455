//! `traffic = { paths = [...], requests = 3 }`: a bounded number of requests, each read
//! to the end (a body that breaks off fails), or hung up mid-body on purpose, as a
//! visitor who leaves mid-download does.

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use url::Url;

use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::scenario::context::{Context, Stop};

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTraffic {
    paths: Vec<String>,
    requests: u32,
    #[serde(default = "get")]
    method: String,
    #[serde(default = "ok")]
    expect_status: u16,
    hang_up_after_bytes: Option<u64>,
}

fn get() -> String {
    "GET".to_owned()
}
fn ok() -> u16 {
    200
}

/// What each request reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// `GET`, the whole body.
    Get,
    /// `HEAD`: no body.
    Head,
    /// `GET`, then hang up after this many body bytes (the server must count an abort).
    HangUpAfter(u64),
}

/// Paths requested in turn, `rounds` times each.
#[derive(Debug, Clone)]
pub(crate) struct Traffic {
    paths: Vec<String>,
    rounds: u32,
    read: Read,
    expect_status: u16,
}

impl TryFrom<RawTraffic> for Traffic {
    type Error = String;

    fn try_from(raw: RawTraffic) -> Result<Self, String> {
        if raw.paths.is_empty() || raw.requests == 0 {
            return Err("traffic needs at least one path and requests >= 1".to_owned());
        }
        let read = match (raw.method.as_str(), raw.hang_up_after_bytes) {
            ("GET", None) => Read::Get,
            ("GET", Some(bytes)) => Read::HangUpAfter(bytes),
            ("HEAD", None) => Read::Head,
            ("HEAD", Some(_)) => {
                return Err(
                    "traffic hang_up_after_bytes needs method GET (HEAD has no body)".to_owned(),
                );
            }
            (other, _) => return Err(format!("traffic method {other:?}: expected GET or HEAD")),
        };
        Ok(Self {
            paths: raw.paths,
            rounds: raw.requests,
            read,
            expect_status: raw.expect_status,
        })
    }
}

impl Traffic {
    /// `GET` each of `paths` in turn, `rounds` times each, expecting 200: the step as
    /// `traffic = { paths = [...], requests = rounds }` writes it (what `harness probe`
    /// drives, then writes down).
    pub(crate) fn gets(paths: Vec<String>, rounds: u32) -> Result<Self, String> {
        RawTraffic {
            paths,
            requests: rounds,
            method: get(),
            expect_status: ok(),
            hang_up_after_bytes: None,
        }
        .try_into()
    }

    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("traffic")?;
        let method = if self.read == Read::Head {
            "HEAD"
        } else {
            "GET"
        };
        let mut outcomes = Vec::new();
        for path in &self.paths {
            let url = cx.url(target, path)?;
            let started = Instant::now();
            let mut failure = None;
            for round in 1..=self.rounds {
                let seen = match self.read {
                    Read::HangUpAfter(bytes) => hang_up(&url, bytes, self.expect_status).await,
                    Read::Get => {
                        complete(cx.client, reqwest::Method::GET, &url, self.expect_status).await
                    }
                    Read::Head => {
                        complete(cx.client, reqwest::Method::HEAD, &url, self.expect_status).await
                    }
                };
                if failure.is_none() {
                    failure = seen.err().map(|e| format!("request {round}: {e}"));
                }
            }
            let (name, expected) = match self.read {
                Read::HangUpAfter(bytes) => (
                    format!(
                        "traffic {method} {path} x{}, hanging up after {bytes} bytes",
                        self.rounds
                    ),
                    format!(
                        "status {} and at least {bytes} body bytes before hanging up, on all {} requests",
                        self.expect_status, self.rounds
                    ),
                ),
                Read::Get | Read::Head => (
                    format!("traffic {method} {path} x{}", self.rounds),
                    format!(
                        "status {} and the whole body on all {} requests",
                        self.expect_status, self.rounds
                    ),
                ),
            };
            let verdict = match failure {
                None => Verdict::Pass,
                Some(seen) => Verdict::Fail { expected, seen },
            };
            outcomes.push(CheckOutcome::new(
                CheckKind::Http,
                name,
                url.to_string(),
                verdict,
                started.elapsed(),
            ));
        }
        Ok(outcomes)
    }
}

/// Bound on the whole of one hang-up request.
const HANG_UP_TIMEOUT: Duration = Duration::from_secs(15);

/// A small receive buffer, so the server cannot hand the whole body to the kernel
/// before the hang-up: it must still be writing when the connection goes.
const HANG_UP_RECV_BUFFER: u32 = 4096;

/// Sends one request and reads the whole body: a request is only complete when its
/// body is, and a body that breaks off is a failure naming the bytes received.
async fn complete(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &Url,
    expect_status: u16,
) -> Result<(), String> {
    let mut response = client
        .request(method, url.clone())
        .send()
        .await
        .map_err(|e| format!("failed: {e}"))?;
    let status = response.status().as_u16();
    if status != expect_status {
        return Err(format!("status {status}"));
    }
    let announced = response.content_length();
    let mut received: u64 = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received += chunk.len() as u64,
            Ok(None) => return Ok(()),
            Err(e) => {
                let of = announced.map_or(String::new(), |n| format!(" of {n} announced"));
                return Err(format!(
                    "body of {} broke off after {received} bytes{of}: {e}",
                    url.path()
                ));
            }
        }
    }
}

/// Sends `GET` over a fresh connection, reads the status and at least `bytes` of the
/// body, then closes the connection with the rest unread.
async fn hang_up(url: &Url, bytes: u64, expect_status: u16) -> Result<(), String> {
    tokio::time::timeout(HANG_UP_TIMEOUT, hang_up_inner(url, bytes, expect_status))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no {bytes} body bytes of {} within {} s",
                url.path(),
                HANG_UP_TIMEOUT.as_secs()
            ))
        })
}

async fn hang_up_inner(url: &Url, bytes: u64, expect_status: u16) -> Result<(), String> {
    if url.scheme() != "http" {
        return Err(format!(
            "hang_up_after_bytes needs a plain http:// target, not {}",
            url.scheme()
        ));
    }
    let address = url
        .socket_addrs(|| Some(80))
        .map_err(|e| format!("cannot resolve {url}: {e}"))?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{url} resolves to no address"))?;
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| format!("cannot open a socket: {e}"))?;
    socket
        .set_recv_buffer_size(HANG_UP_RECV_BUFFER)
        .map_err(|e| format!("cannot shrink the receive buffer: {e}"))?;
    let mut stream = socket
        .connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("cannot send the request: {e}"))?;

    let mut received = Vec::with_capacity(8192);
    let mut chunk = [0u8; 1024];
    let mut body_start = None;
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the response: {e}"))?;
        if n == 0 {
            let body = body_start.map_or(0, |start| received.len() - start);
            return Err(format!(
                "the server finished after {body} body bytes, before the {bytes} to hang up at: \
                 use a larger resource"
            ));
        }
        received.extend_from_slice(&chunk[..n]);
        if body_start.is_none() {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&received) {
                Ok(httparse::Status::Complete(head)) => {
                    let status = response.code.unwrap_or_default();
                    if status != expect_status {
                        return Err(format!("status {status}"));
                    }
                    body_start = Some(head);
                }
                Ok(httparse::Status::Partial) => continue,
                Err(e) => return Err(format!("not an HTTP response: {e}")),
            }
        }
        if let Some(start) = body_start
            && (received.len() - start) as u64 >= bytes
        {
            // Dropping the stream with data unread resets the connection mid-body.
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A one-connection server that answers every request with `response` and closes.
    async fn serve_once(response: &'static [u8]) -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let _ = stream.write_all(response).await;
        });
        Url::parse(&format!("http://{address}/static/app.js")).expect("url")
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_fails_naming_path_and_bytes() {
        let url = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789").await;
        let client = reqwest::Client::new();
        let error = complete(&client, reqwest::Method::GET, &url, 200)
            .await
            .expect_err("a truncated body must fail");
        assert!(
            error.contains("/static/app.js broke off after 10 bytes of 1000 announced"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_whole_body_passes_and_a_wrong_status_fails() {
        let url = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc").await;
        let client = reqwest::Client::new();
        complete(&client, reqwest::Method::GET, &url, 200)
            .await
            .expect("whole body");
        let url = serve_once(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n").await;
        let error = complete(&client, reqwest::Method::GET, &url, 200)
            .await
            .expect_err("500");
        assert_eq!(error, "status 500");
    }

    #[tokio::test]
    async fn hanging_up_needs_enough_body_and_the_right_status() {
        let url = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").await;
        let error = hang_up(&url, 1024, 200).await.expect_err("too small");
        assert!(error.contains("after 5 body bytes"), "{error}");

        let url = serve_once(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").await;
        let error = hang_up(&url, 1, 200).await.expect_err("404");
        assert_eq!(error, "status 404");

        let url =
            serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789").await;
        hang_up(&url, 8, 200).await.expect("enough body to hang up");
    }
}
