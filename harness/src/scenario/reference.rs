//! The reference reading of a target's metrics: taken once per boot, just before the
//! first step after the `boot` (before any of the scenario's traffic), so a `metric`
//! step's `delta` and the responsiveness deltas count only the scenario's own traffic,
//! even on a server whose counters did not start at 0.

use serde_json::Value;

use crate::metrics::responsiveness::{CounterReading, SeriesDelta, deltas};
use crate::metrics::{self, MetricsError, Series};
use crate::server::{Server, TargetSpec};

/// Which of the target's metrics endpoints a reading comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `[metrics] prometheus`.
    Prometheus,
    /// `[metrics] json`.
    Json,
}

impl Endpoint {
    /// Both, in report order.
    pub(crate) const ALL: [Endpoint; 2] = [Endpoint::Prometheus, Endpoint::Json];

    /// The target-file key, also the name reports use.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Prometheus => "prometheus",
            Self::Json => "json",
        }
    }
}

/// One parsed read of one endpoint.
#[derive(Debug, Clone)]
pub(crate) enum Reading {
    /// The exposition's series.
    Prometheus(Vec<Series>),
    /// The JSON document.
    Json(Value),
}

impl Reading {
    /// The counting series in it.
    pub(crate) fn counters(&self) -> CounterReading {
        match self {
            Self::Prometheus(series) => CounterReading::from_exposition(series),
            Self::Json(document) => CounterReading::from_json(document),
        }
    }
}

/// The reference readings of the endpoints the target file names; an endpoint that
/// could not be read keeps its error, for the checks that need it.
#[derive(Debug, Clone, Default)]
pub(crate) struct References {
    pub(crate) prometheus: Option<Result<Reading, MetricsError>>,
    pub(crate) json: Option<Result<Reading, MetricsError>>,
}

impl References {
    /// The reference of `endpoint`, if the target file names it.
    pub(crate) fn get(&self, endpoint: Endpoint) -> Option<&Result<Reading, MetricsError>> {
        match endpoint {
            Endpoint::Prometheus => self.prometheus.as_ref(),
            Endpoint::Json => self.json.as_ref(),
        }
    }
}

/// Where and how the readings are made: the target file and the run's client.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub(crate) spec: &'a TargetSpec,
    pub(crate) client: &'a reqwest::Client,
}

/// Reads and parses `endpoint` of `target` (with the target file's bearer token).
pub(crate) async fn read(
    cx: Reader<'_>,
    target: &Server,
    endpoint: Endpoint,
) -> Option<Result<Reading, MetricsError>> {
    let path = match endpoint {
        Endpoint::Prometheus => cx.spec.metrics.prometheus.as_deref(),
        Endpoint::Json => cx.spec.metrics.json.as_deref(),
    }?;
    Some(read_at(cx, target, endpoint, path).await)
}

async fn read_at(
    cx: Reader<'_>,
    target: &Server,
    endpoint: Endpoint,
    path: &str,
) -> Result<Reading, MetricsError> {
    let url = target.url(path).map_err(|e| MetricsError::Fetch {
        url: format!("{}{path}", target.base_url()),
        message: e.to_string(),
    })?;
    let bearer = cx
        .spec
        .bearer_token()
        .map_err(|message| MetricsError::Fetch {
            url: url.to_string(),
            message,
        })?;
    let body = metrics::fetch(cx.client, &url, bearer.as_deref()).await?;
    parse(endpoint, &url, &body)
}

/// Parses a body read from `endpoint` at `url`.
pub(crate) fn parse(
    endpoint: Endpoint,
    url: &url::Url,
    body: &str,
) -> Result<Reading, MetricsError> {
    match endpoint {
        Endpoint::Prometheus => metrics::parse_exposition(body)
            .map(Reading::Prometheus)
            .map_err(|message| MetricsError::Parse {
                url: url.to_string(),
                format: "Prometheus text",
                message,
            }),
        Endpoint::Json => {
            serde_json::from_str(body)
                .map(Reading::Json)
                .map_err(|e| MetricsError::Parse {
                    url: url.to_string(),
                    format: "JSON",
                    message: e.to_string(),
                })
        }
    }
}

/// Takes the reference readings of every endpoint the target file names.
pub(crate) async fn take(cx: Reader<'_>, target: &Server) -> References {
    References {
        prometheus: read(cx, target, Endpoint::Prometheus).await,
        json: read(cx, target, Endpoint::Json).await,
    }
}

/// The counting series' deltas of each endpoint since `references`: read now, per
/// endpoint whose reference and current reading both succeeded.
pub(crate) async fn deltas_since(
    cx: Reader<'_>,
    target: &Server,
    references: &References,
) -> Vec<(Endpoint, Result<Vec<SeriesDelta>, String>)> {
    let mut out = Vec::new();
    for endpoint in Endpoint::ALL {
        let Some(reference) = references.get(endpoint) else {
            continue;
        };
        let now = read(cx, target, endpoint).await;
        let found = match (reference, now) {
            (Ok(before), Some(Ok(after))) => Ok(deltas(&before.counters(), &after.counters())),
            (Err(e), _) => Err(format!("reference reading: {e}")),
            (_, Some(Err(e))) => Err(format!("reading after the traffic: {e}")),
            (_, None) => continue,
        };
        out.push((endpoint, found));
    }
    out
}
