//! What one page load recorded: its requests, the ones that failed or were refused,
//! console errors and the load time, folded from DevTools events.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// One request the page made, as the browser saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    /// The URL requested.
    pub url: String,
    /// The HTTP method (`GET`, `POST`, ...): only GETs can be fetched again by the crawl.
    pub method: String,
    /// The browser's resource type: `Document`, `Stylesheet`, `Script`, `Fetch`, ...
    pub resource_type: String,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The response's MIME type as the browser read it.
    pub mime_type: Option<String>,
    /// From the request to its last byte (or failure), when both were seen.
    #[serde(with = "millis")]
    pub duration: Option<Duration>,
}

/// A request that never completed: failed, blocked or refused by the browser.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedRequest {
    /// The URL requested.
    pub url: String,
    /// The browser's resource type.
    pub resource_type: String,
    /// The browser's own words, e.g. `net::ERR_BLOCKED_BY_ORB`.
    pub error_text: String,
    /// Why it was blocked (`mixed-content`, `corp-not-same-origin`, ...), if it was.
    pub blocked_reason: Option<String>,
    /// The CORS error, if CORS refused it.
    pub cors_error: Option<String>,
}

/// An error the page's console showed: a script error, `console.error`, or the
/// browser's own complaint (e.g. "Refused to apply style ... MIME type").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsoleMessage {
    /// Where it came from: `javascript`, `network`, `security`, `console-api`, ...
    pub source: String,
    /// The message.
    pub text: String,
    /// The URL it names, when the browser gave one.
    pub url: Option<String>,
}

/// Everything one page load recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageLoad {
    /// The page loaded.
    pub page: String,
    /// From navigation to the load event.
    #[serde(with = "millis")]
    pub load_time: Option<Duration>,
    /// Every request, in the order they were made (redirects are separate entries).
    pub requests: Vec<RequestRecord>,
    /// Requests that did not complete.
    pub failed: Vec<FailedRequest>,
    /// Console errors.
    pub console_errors: Vec<ConsoleMessage>,
    /// The icons the page links (`<link rel=icon>`), so a missing implicit
    /// `/favicon.ico` can be told from a missing linked one.
    pub linked_icons: Vec<String>,
    /// Stylesheets the page links from which Chromium applied no rule (refused for
    /// their type, or failed): what makes a page render unstyled.
    pub unapplied_stylesheets: Vec<String>,
    /// Where the screenshot was written, when it was.
    pub screenshot: Option<PathBuf>,
}

/// Folds DevTools events of one page's session into a [`PageLoad`], and knows which
/// requests are still in flight (for network idle).
#[derive(Debug)]
pub(crate) struct Recorder {
    load: PageLoad,
    /// Request id -> index in `load.requests` and the start time (CDP seconds).
    open: BTreeMap<String, (usize, f64)>,
    /// Ids already finished, so a late event does not reopen them.
    closed: BTreeSet<String>,
    pub(crate) load_fired: bool,
}

impl Recorder {
    pub(crate) fn new(page: &str) -> Self {
        Self {
            load: PageLoad {
                page: page.to_owned(),
                load_time: None,
                requests: Vec::new(),
                failed: Vec::new(),
                console_errors: Vec::new(),
                linked_icons: Vec::new(),
                unapplied_stylesheets: Vec::new(),
                screenshot: None,
            },
            open: BTreeMap::new(),
            closed: BTreeSet::new(),
            load_fired: false,
        }
    }

    /// How many requests are in flight.
    pub(crate) fn in_flight(&self) -> usize {
        self.open.len()
    }

    /// The URLs still in flight, for a time-out message.
    pub(crate) fn in_flight_urls(&self) -> Vec<String> {
        self.open
            .values()
            .map(|(i, _)| self.load.requests[*i].url.clone())
            .collect()
    }

    /// Takes one event into account; returns whether it was network activity.
    pub(crate) fn event(&mut self, method: &str, params: &Value) -> bool {
        let id = || str_at(params, "/requestId");
        match method {
            "Network.requestWillBeSent" => {
                let Some(id) = id() else { return false };
                // A redirect reuses the id: the hop before it is complete.
                self.finish(&id, params);
                self.closed.remove(&id);
                self.load.requests.push(RequestRecord {
                    url: str_at(params, "/request/url").unwrap_or_default(),
                    method: str_at(params, "/request/method").unwrap_or_else(|| "GET".into()),
                    resource_type: str_at(params, "/type").unwrap_or_else(|| "Other".into()),
                    status: None,
                    mime_type: None,
                    duration: None,
                });
                let at = params.pointer("/timestamp").and_then(Value::as_f64);
                self.open
                    .insert(id, (self.load.requests.len() - 1, at.unwrap_or(0.0)));
                true
            }
            "Network.responseReceived" => {
                if let Some((i, _)) = id().and_then(|id| self.open.get(&id).copied()) {
                    let request = &mut self.load.requests[i];
                    request.status = params
                        .pointer("/response/status")
                        .and_then(Value::as_f64)
                        .map(|s| s as u16);
                    request.mime_type = str_at(params, "/response/mimeType");
                    if let Some(kind) = str_at(params, "/type") {
                        request.resource_type = kind;
                    }
                }
                true
            }
            "Network.loadingFinished" => {
                if let Some(id) = id() {
                    self.finish(&id, params);
                }
                true
            }
            "Network.loadingFailed" => {
                let Some(id) = id() else { return false };
                if let Some((i, _)) = self.open.get(&id).copied() {
                    let request = &self.load.requests[i];
                    self.load.failed.push(FailedRequest {
                        url: request.url.clone(),
                        resource_type: str_at(params, "/type")
                            .unwrap_or_else(|| request.resource_type.clone()),
                        error_text: str_at(params, "/errorText").unwrap_or_default(),
                        blocked_reason: str_at(params, "/blockedReason"),
                        cors_error: str_at(params, "/corsErrorStatus/corsError"),
                    });
                }
                self.finish(&id, params);
                true
            }
            "Runtime.exceptionThrown" => {
                let text = str_at(params, "/exceptionDetails/exception/description")
                    .or_else(|| str_at(params, "/exceptionDetails/text"))
                    .unwrap_or_default();
                self.console("javascript", text, str_at(params, "/exceptionDetails/url"));
                false
            }
            "Runtime.consoleAPICalled" => {
                if str_at(params, "/type").as_deref() == Some("error") {
                    let text = params
                        .pointer("/args")
                        .and_then(Value::as_array)
                        .map(|args| {
                            args.iter()
                                .map(|a| match a.get("value") {
                                    Some(Value::String(s)) => s.clone(),
                                    Some(v) => v.to_string(),
                                    None => str_at(a, "/description").unwrap_or_default(),
                                })
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default();
                    self.console("console-api", text, None);
                }
                false
            }
            "Log.entryAdded" => {
                if str_at(params, "/entry/level").as_deref() == Some("error") {
                    self.console(
                        &str_at(params, "/entry/source").unwrap_or_else(|| "other".into()),
                        str_at(params, "/entry/text").unwrap_or_default(),
                        str_at(params, "/entry/url"),
                    );
                }
                false
            }
            _ => false,
        }
    }

    fn console(&mut self, source: &str, text: String, url: Option<String>) {
        self.load.console_errors.push(ConsoleMessage {
            source: source.to_owned(),
            text,
            url: url.filter(|u| !u.is_empty()),
        });
    }

    fn finish(&mut self, id: &str, params: &Value) {
        if let Some((i, started)) = self.open.remove(id) {
            let at = params.pointer("/timestamp").and_then(Value::as_f64);
            self.load.requests[i].duration = at
                .filter(|at| *at >= started && started > 0.0)
                .map(|at| Duration::from_secs_f64(at - started));
            self.closed.insert(id.to_owned());
        }
    }

    /// The record so far, with what was read from the loaded page filled in.
    pub(crate) fn finish_load(
        mut self,
        load_time: Option<Duration>,
        linked_icons: Vec<String>,
        unapplied_stylesheets: Vec<String>,
    ) -> PageLoad {
        self.load.load_time = load_time;
        self.load.linked_icons = linked_icons;
        self.load.unapplied_stylesheets = unapplied_stylesheets;
        self.load
    }
}

fn str_at(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Durations as whole milliseconds in JSON.
mod millis {
    use std::time::Duration;

    use serde::Serializer;

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.serialize_some(&(d.as_millis() as u64)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_refused_request_is_recorded_with_the_browsers_reason_and_closes() {
        let mut recorder = Recorder::new("http://site/");
        recorder.event(
            "Network.requestWillBeSent",
            &json!({"requestId": "1", "type": "Script", "timestamp": 1.0,
                    "request": {"url": "http://other/a.js"}}),
        );
        assert_eq!(recorder.in_flight(), 1);
        recorder.event(
            "Network.loadingFailed",
            &json!({"requestId": "1", "type": "Script", "timestamp": 1.5,
                    "errorText": "net::ERR_BLOCKED_BY_ORB", "blockedReason": "orb"}),
        );
        assert_eq!(recorder.in_flight(), 0);
        let load = recorder.finish_load(None, Vec::new(), Vec::new());
        assert_eq!(load.failed[0].error_text, "net::ERR_BLOCKED_BY_ORB");
        assert_eq!(load.failed[0].blocked_reason.as_deref(), Some("orb"));
        assert_eq!(load.requests[0].duration, Some(Duration::from_millis(500)));
    }

    #[test]
    fn a_response_sets_status_and_type_and_console_errors_are_kept() {
        let mut recorder = Recorder::new("http://site/");
        recorder.event(
            "Network.requestWillBeSent",
            &json!({"requestId": "7", "type": "Fetch", "timestamp": 2.0,
                    "request": {"url": "http://site/data.json"}}),
        );
        recorder.event(
            "Network.responseReceived",
            &json!({"requestId": "7", "type": "Fetch",
                    "response": {"status": 404, "mimeType": "text/plain"}}),
        );
        recorder.event(
            "Network.loadingFinished",
            &json!({"requestId": "7", "timestamp": 2.25}),
        );
        recorder.event(
            "Log.entryAdded",
            &json!({"entry": {"level": "error", "source": "security",
                    "text": "Refused to apply style", "url": "http://site/s.css"}}),
        );
        recorder.event(
            "Log.entryAdded",
            &json!({"entry": {"level": "warning", "source": "other", "text": "meh"}}),
        );
        let load = recorder.finish_load(Some(Duration::from_millis(40)), Vec::new(), Vec::new());
        assert_eq!(load.requests[0].status, Some(404));
        assert_eq!(load.requests[0].mime_type.as_deref(), Some("text/plain"));
        assert_eq!(load.console_errors.len(), 1);
        assert_eq!(
            load.console_errors[0].url.as_deref(),
            Some("http://site/s.css")
        );
    }
}
