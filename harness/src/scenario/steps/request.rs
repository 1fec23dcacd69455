//! `request = { method = "POST", path = "/micropub", form = {...}, expect_status = 201 }`:
//! one request, and its status, headers and body checked.

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::Method;
use reqwest::header::HeaderName;
use serde::Deserialize;

use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::scenario::context::{Context, Stop};

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    #[serde(default = "get")]
    method: String,
    path: String,
    form: Option<BTreeMap<String, String>>,
    json: Option<toml::Value>,
    bearer: Option<String>,
    expect_status: u16,
    #[serde(default)]
    expect_headers: BTreeMap<String, String>,
    expect_body: Option<String>,
}

fn get() -> String {
    "GET".to_owned()
}

/// What the request carries.
#[derive(Debug, Clone)]
enum Body {
    None,
    /// Sent url-encoded.
    Form(BTreeMap<String, String>),
    Json(serde_json::Value),
}

/// One request and what its response must show: a status, headers containing texts,
/// and a body containing a text.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    method: Method,
    path: String,
    body: Body,
    bearer: Option<String>,
    expect_status: u16,
    expect_headers: Vec<(HeaderName, String)>,
    expect_body: Option<String>,
}

impl TryFrom<RawRequest> for Request {
    type Error = String;

    fn try_from(raw: RawRequest) -> Result<Self, String> {
        let method = Method::from_bytes(raw.method.as_bytes())
            .map_err(|_| format!("request method {:?} is not valid", raw.method))?;
        let body = match (raw.form, raw.json) {
            (Some(_), Some(_)) => return Err("request takes form or json, not both".to_owned()),
            (Some(form), None) => Body::Form(form),
            (None, Some(json)) => Body::Json(
                serde_json::to_value(json)
                    .map_err(|e| format!("request json is not representable as JSON: {e}"))?,
            ),
            (None, None) => Body::None,
        };
        if !(100..=599).contains(&raw.expect_status) {
            return Err(format!(
                "request expect_status {}: expected an HTTP status, 100 to 599",
                raw.expect_status
            ));
        }
        let expect_headers = raw
            .expect_headers
            .into_iter()
            .map(|(name, wanted)| {
                HeaderName::from_bytes(name.as_bytes())
                    .map(|header| (header, wanted))
                    .map_err(|_| format!("request expect_headers: {name:?} is not a header name"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            method,
            path: raw.path,
            body,
            bearer: raw.bearer,
            expect_status: raw.expect_status,
            expect_headers,
            expect_body: raw.expect_body,
        })
    }
}

impl Request {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("request")?;
        let started = Instant::now();
        let url = cx.url(target, &self.path)?;
        let mut request = cx.client.request(self.method.clone(), url.clone());
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        request = match &self.body {
            Body::None => request,
            Body::Form(form) => request.form(form),
            Body::Json(json) => request.json(json),
        };
        let name = format!("{} {}", self.method, self.path);
        let check = |what: &str, location: String, verdict| {
            CheckOutcome::new(
                CheckKind::Http,
                format!("{name}: {what}"),
                location,
                verdict,
                started.elapsed(),
            )
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                return Ok(vec![check(
                    "status",
                    url.to_string(),
                    Verdict::Fail {
                        expected: format!("status {}", self.expect_status),
                        seen: format!("no response: {e}"),
                    },
                )]);
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.text().await {
            Ok(body) => body,
            Err(e) => format!("(the body broke off: {e})"),
        };
        let mut outcomes = vec![check(
            "status",
            url.to_string(),
            Verdict::expect(
                status == self.expect_status,
                format!("status {}", self.expect_status),
                format!("status {status}: {}", excerpt(&body)),
            ),
        )];
        for (header, wanted) in &self.expect_headers {
            let seen = headers
                .get(header)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            outcomes.push(check(
                header.as_str(),
                format!("{url} [{header}]"),
                Verdict::expect(
                    seen.contains(wanted.as_str()),
                    format!("{header} containing {wanted:?}"),
                    if seen.is_empty() {
                        "no such header".to_owned()
                    } else {
                        seen.to_owned()
                    },
                ),
            ));
        }
        if let Some(wanted) = &self.expect_body {
            outcomes.push(check(
                "body",
                url.to_string(),
                Verdict::expect(
                    body.contains(wanted.as_str()),
                    format!("body containing {wanted:?}"),
                    excerpt(&body),
                ),
            ));
        }
        Ok(outcomes)
    }
}

/// The first 200 characters of a body, marked when cut.
fn excerpt(body: &str) -> String {
    let cut: String = body.chars().take(200).collect();
    if cut.len() < body.len() {
        format!("{cut}…")
    } else {
        cut
    }
}
