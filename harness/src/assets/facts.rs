//! What an asset check saw of one asset, kept beside its checks so two runs can be
//! compared without any expectation written down: status, type, length, validators
//! and Range support.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, LAST_MODIFIED};
use serde::{Deserialize, Serialize};

use super::fetch::Fetched;

/// The facts of one asset as the target served it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetFacts {
    /// The asset's path and query on the target (no scheme, host or port: two targets
    /// on different ports serve the same paths).
    pub path: String,
    /// The GET's status; `None` when no response came.
    pub status: Option<u16>,
    /// Why no response came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The `Content-Type` header as sent.
    pub content_type: Option<String>,
    /// The body's length in bytes.
    pub length: Option<u64>,
    /// Whether the response carried an `ETag`.
    pub etag: bool,
    /// Whether the response carried a `Last-Modified`.
    pub last_modified: bool,
    /// Whether `Range: bytes=0-9` got a 206; `None` when not tried (an empty body, or
    /// the GET failed).
    pub range: Option<bool>,
}

impl AssetFacts {
    /// The path (and query) of `url`, the asset's identity across targets.
    pub fn path_of(url: &url::Url) -> String {
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// An asset whose GET produced no response.
    pub(crate) fn unreachable(url: &url::Url, error: String) -> Self {
        Self {
            path: Self::path_of(url),
            status: None,
            error: Some(error),
            content_type: None,
            length: None,
            etag: false,
            last_modified: false,
            range: None,
        }
    }

    /// What the GET answered; Range not yet tried.
    pub(crate) fn from_get(url: &url::Url, get: &Fetched) -> Self {
        let length = get
            .header(CONTENT_LENGTH)
            .and_then(|v| v.trim().parse().ok())
            .or(Some(get.body.len() as u64));
        Self {
            path: Self::path_of(url),
            status: Some(get.status.as_u16()),
            error: None,
            content_type: get.header(CONTENT_TYPE).map(str::to_owned),
            length,
            etag: get.header(ETAG).is_some(),
            last_modified: get.header(LAST_MODIFIED).is_some(),
            range: None,
        }
    }

    /// Records the answer to the Range request.
    pub(crate) fn with_range(mut self, partial: Option<&Fetched>) -> Self {
        self.range = Some(partial.is_some_and(|p| p.status == StatusCode::PARTIAL_CONTENT));
        self
    }

    /// Whether the asset was served: a response below 400.
    pub fn served(&self) -> bool {
        self.status.is_some_and(|s| s < 400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_name_the_path_and_what_the_get_and_range_answered() {
        let url = url::Url::parse("http://127.0.0.1:4242/static/a.css?v=2").expect("url");
        let get = Fetched::canned(
            200,
            &[("content-type", "text/css"), ("etag", "\"x\"")],
            b"body{}",
        );
        let facts = AssetFacts::from_get(&url, &get);
        assert_eq!(facts.path, "/static/a.css?v=2");
        assert_eq!(facts.status, Some(200));
        assert_eq!(facts.content_type.as_deref(), Some("text/css"));
        assert_eq!(facts.length, Some(6));
        assert!(facts.etag && !facts.last_modified);
        assert_eq!(facts.range, None);
        let partial = Fetched::canned(206, &[("content-range", "bytes 0-5/6")], b"body{}");
        assert_eq!(facts.clone().with_range(Some(&partial)).range, Some(true));
        assert_eq!(facts.clone().with_range(Some(&get)).range, Some(false));
        assert_eq!(facts.with_range(None).range, Some(false));
        let broken = AssetFacts::from_get(&url, &Fetched::canned::<&str>(500, &[], b"oops"));
        assert!(!broken.served());
        assert!(!AssetFacts::unreachable(&url, "refused".into()).served());
    }
}
