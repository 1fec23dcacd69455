//! Metrics readers: Prometheus text exposition and JSON documents, a selector for
//! each, and comparisons that turn a reading into a check.
//!
//! Nothing passes by default: a selector that matches no series, or a pointer that
//! resolves to nothing, is a failed check that says so.

mod compare;
mod json;
mod prometheus;
pub mod responsiveness;

pub(crate) use compare::Comparison;
pub(crate) use json::read_pointer;
pub(crate) use prometheus::PromSelector;
pub use prometheus::{Series, SeriesKind, parse_exposition};

/// Why a metric could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// The endpoint did not answer 200.
    #[error("GET {url}: {message}")]
    Fetch {
        /// The metrics URL.
        url: String,
        /// Status or transport error.
        message: String,
    },
    /// The body is not the expected format.
    #[error("{url}: cannot parse {format}: {message}")]
    Parse {
        /// The metrics URL.
        url: String,
        /// `Prometheus text` or `JSON`.
        format: &'static str,
        /// The parser's complaint.
        message: String,
    },
    /// No series matched the selector.
    #[error("no series matches {selector} ({available} series of that name: {examples})")]
    NoSeries {
        /// The selector as written.
        selector: String,
        /// How many series share the metric name.
        available: usize,
        /// Some of their label sets, to spot a typo.
        examples: String,
    },
    /// The JSON pointer resolved to nothing, or not to a number.
    #[error("JSON pointer {pointer}: {message}")]
    Pointer {
        /// The pointer.
        pointer: String,
        /// What was there instead.
        message: String,
    },
    /// A selector or comparison is malformed (a scenario-file error).
    #[error("{0}")]
    Syntax(String),
}

/// Fetches `url` with an optional bearer token and returns the body text.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    url: &url::Url,
    bearer: Option<&str>,
) -> Result<String, MetricsError> {
    let mut request = client.get(url.clone());
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let fetch_error = |message: String| MetricsError::Fetch {
        url: url.to_string(),
        message,
    };
    let response = request
        .send()
        .await
        .map_err(|e| fetch_error(e.to_string()))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| fetch_error(e.to_string()))?;
    if !status.is_success() {
        let excerpt: String = body.chars().take(200).collect();
        return Err(fetch_error(format!("status {status}: {excerpt}")));
    }
    Ok(body)
}
