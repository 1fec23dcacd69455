//! One HTTP exchange with a per-request timeout, read fully, and the small helpers that
//! turn what came back (or the transport error) into words for a failure message.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{RequestBuilder, StatusCode};

/// A response read to the end.
pub(crate) struct Fetched {
    /// Where the response came from, after redirects: references resolve against it.
    pub(crate) url: url::Url,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// Time from sending to the last body byte.
    pub(crate) elapsed: Duration,
}

impl Fetched {
    /// A header as text; `None` when missing or not visible ASCII.
    pub(crate) fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the server advertised byte ranges (`Accept-Ranges: bytes`, RFC 9110
    /// §14.3), which makes Range support a promise it must keep.
    pub(crate) fn accepts_byte_ranges(&self) -> bool {
        self.header(reqwest::header::ACCEPT_RANGES)
            .is_some_and(|v| v.split(',').any(|u| u.trim().eq_ignore_ascii_case("bytes")))
    }
}

#[cfg(test)]
impl Fetched {
    /// A response as a unit test writes it, from `http://h/a.css`.
    pub(crate) fn canned<K: AsRef<str>>(status: u16, headers: &[(K, &str)], body: &[u8]) -> Self {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                HeaderName::from_bytes(name.as_ref().as_bytes()).expect("header name"),
                reqwest::header::HeaderValue::from_str(value).expect("header value"),
            );
        }
        Self {
            url: url::Url::parse("http://h/a.css").expect("test URL"),
            status: StatusCode::from_u16(status).expect("status"),
            headers: map,
            body: body.to_vec(),
            elapsed: Duration::ZERO,
        }
    }
}

/// A request that did not produce a response: the error in words, and how long it took.
pub(crate) struct TransportError {
    pub(crate) message: String,
    pub(crate) elapsed: Duration,
}

/// Sends `request` with `timeout` covering connect, headers and body.
pub(crate) async fn send(
    request: RequestBuilder,
    timeout: Duration,
) -> Result<Fetched, TransportError> {
    let started = Instant::now();
    let fail = |e: reqwest::Error| TransportError {
        message: describe(&e),
        elapsed: started.elapsed(),
    };
    let request = request.timeout(timeout);
    let retry = request.try_clone();
    let response = match (request.send().await, retry) {
        // A kept-alive connection the server closed as the request went out (nginx
        // closes one after `keepalive_requests`): the request never reached it, and
        // these requests are idempotent, so send it once more (RFC 9110 §9.2.2).
        (Err(e), Some(retry)) if e.is_request() && !e.is_timeout() => retry.send().await,
        (result, _) => result,
    }
    .map_err(fail)?;
    let url = response.url().clone();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(fail)?.to_vec();
    Ok(Fetched {
        url,
        status,
        headers,
        body,
        elapsed: started.elapsed(),
    })
}

/// The error and its causes on one line: reqwest's top-level message alone ("error
/// sending request") does not say whether the connection was refused or timed out.
fn describe(error: &reqwest::Error) -> String {
    let mut message = if error.is_timeout() {
        format!("timed out: {error}")
    } else {
        format!("transport error: {error}")
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// `status 500, body "Internal..."`: the status plus the first 200 bytes of the body.
pub(crate) fn status_and_preview(fetched: &Fetched) -> String {
    const PREVIEW: usize = 200;
    let code = fetched.status.as_u16();
    if fetched.body.is_empty() {
        return format!("status {code}, empty body");
    }
    let end = fetched.body.len().min(PREVIEW);
    let text = String::from_utf8_lossy(&fetched.body[..end]);
    let more = if fetched.body.len() > PREVIEW {
        "..."
    } else {
        ""
    };
    format!("status {code}, body \"{}{more}\"", text.escape_debug())
}
