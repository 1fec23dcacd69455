//! Loading one page: a fresh tab, the load event, then network idle, all within one
//! bound; then the linked icons and a screenshot.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use super::error::{BrowserError, BrowserErrorKind};
use super::launch::Chromium;
use super::record::{PageLoad, Recorder};

/// The bound on each DevTools command.
const COMMAND_BOUND: Duration = Duration::from_secs(15);

/// Read from the loaded page: `icons` it links, and stylesheet links Chromium left
/// `unapplied`: no sheet, or a sheet without a rule (what Chromium keeps for a
/// stylesheet it refused for its MIME type). Cross-origin sheets, whose rules a page
/// cannot read, count as applied.
const PAGE_FACTS: &str = "({\
    icons: [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href),\
    unapplied: [...document.querySelectorAll('link[rel~=stylesheet]')]\
        .filter(l => {\
            if (l.disabled) return false;\
            if (!l.sheet) return true;\
            try { return l.sheet.cssRules.length === 0; } catch (e) { return false; }\
        }).map(l => l.href)\
})";

/// How a page is loaded.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The most one page may take, load event and network idle included.
    pub bound: Duration,
    /// How long no request may be in flight before the network counts as idle.
    pub idle: Duration,
    /// Where the screenshot goes; `None`: none is taken.
    pub screenshot_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            bound: Duration::from_secs(30),
            idle: Duration::from_millis(500),
            screenshot_dir: None,
        }
    }
}

impl Chromium {
    /// Loads `url` in a new tab and records what the browser saw. An error means the
    /// page could not be judged (no load event in time, navigation refused); what
    /// the page did wrong is in the returned record.
    pub async fn load(
        &mut self,
        url: &str,
        options: &LoadOptions,
    ) -> Result<PageLoad, BrowserError> {
        let context = format!("loading {url} in Chromium");
        let fail = |kind| BrowserError::new(context.clone(), kind);
        let target = self
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await
            .map_err(fail)?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_owned();
        let result = self.load_in(&target_id, url, options).await.map_err(fail);
        let _ = self
            .call(None, "Target.closeTarget", json!({ "targetId": target_id }))
            .await;
        result
    }

    async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, BrowserErrorKind> {
        self.connection
            .call(session, method, params, COMMAND_BOUND)
            .await
    }

    async fn load_in(
        &mut self,
        target_id: &str,
        url: &str,
        options: &LoadOptions,
    ) -> Result<PageLoad, BrowserErrorKind> {
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await?;
        let session = attached["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let s = Some(session.as_str());
        for method in [
            "Page.enable",
            "Network.enable",
            "Runtime.enable",
            "Log.enable",
        ] {
            self.call(s, method, json!({})).await?;
        }
        self.call(
            s,
            "Network.setCacheDisabled",
            json!({ "cacheDisabled": true }),
        )
        .await?;
        let mut recorder = Recorder::new(url);
        let started = Instant::now();
        let deadline = started + options.bound;
        let navigated = self.call(s, "Page.navigate", json!({ "url": url })).await?;
        if let Some(error) = navigated.get("errorText").and_then(Value::as_str) {
            return Err(BrowserErrorKind::Command {
                method: "Page.navigate".to_owned(),
                message: error.to_owned(),
            });
        }
        let mut load_time = None;
        let mut last_activity = Instant::now();
        loop {
            let idle_at = last_activity + options.idle;
            let settled = recorder.load_fired && recorder.in_flight() == 0;
            if settled && Instant::now() >= idle_at {
                break;
            }
            let wake = if settled {
                idle_at.min(deadline)
            } else {
                deadline
            };
            if Instant::now() >= deadline {
                let what = if recorder.load_fired {
                    format!(
                        "network idle ({} ms without a request); still loading: {}",
                        options.idle.as_millis(),
                        recorder.in_flight_urls().join(", ")
                    )
                } else {
                    "the load event".to_owned()
                };
                return Err(BrowserErrorKind::Timeout {
                    what,
                    secs: options.bound.as_secs_f64(),
                });
            }
            let event = match tokio::time::timeout_at(wake.into(), self.events.recv()).await {
                Err(_) => continue,
                Ok(None) => {
                    return Err(BrowserErrorKind::Connection(
                        "Chromium closed the connection".to_owned(),
                    ));
                }
                Ok(Some(event)) => event,
            };
            if event.session.as_deref() != s {
                continue;
            }
            if event.method == "Page.loadEventFired" && !recorder.load_fired {
                recorder.load_fired = true;
                load_time = Some(started.elapsed());
                last_activity = Instant::now();
            } else if recorder.event(&event.method, &event.params) {
                last_activity = Instant::now();
            }
        }
        // What the page itself ended up with: the icons it links, and the stylesheets
        // Chromium did not apply.
        let found = self
            .call(
                s,
                "Runtime.evaluate",
                json!({
                    "expression": PAGE_FACTS,
                    "returnByValue": true
                }),
            )
            .await?;
        let strings = |key: &str| -> Vec<String> {
            found
                .pointer(&format!("/result/value/{key}"))
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let (linked_icons, unapplied) = (strings("icons"), strings("unapplied"));
        let mut load = recorder.finish_load(load_time, linked_icons, unapplied);
        if let Some(dir) = &options.screenshot_dir {
            load.screenshot = Some(self.screenshot(s, url, dir).await?);
        }
        Ok(load)
    }

    async fn screenshot(
        &self,
        session: Option<&str>,
        url: &str,
        dir: &Path,
    ) -> Result<PathBuf, BrowserErrorKind> {
        let shot = self
            .call(
                session,
                "Page.captureScreenshot",
                json!({ "format": "png" }),
            )
            .await?;
        let data = shot["data"].as_str().unwrap_or_default();
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| BrowserErrorKind::Connection(format!("screenshot data: {e}")))?;
        std::fs::create_dir_all(dir)?;
        let path = dir.join(screenshot_name(url));
        std::fs::write(&path, png)?;
        Ok(path)
    }
}

/// `browser-<path>.png` from a page URL: stable across ports, so a baseline's and a
/// candidate's screenshots of one page share a name.
pub(crate) fn screenshot_name(url: &str) -> String {
    let path = url::Url::parse(url)
        .map(|u| {
            format!(
                "{}{}",
                u.path(),
                u.query().map(|q| format!("?{q}")).unwrap_or_default()
            )
        })
        .unwrap_or_else(|_| url.to_owned());
    let slug: String = path
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let slug = if slug.is_empty() {
        "index".to_owned()
    } else {
        slug
    };
    format!("browser-{slug}.png")
}

#[cfg(test)]
mod tests {
    use super::screenshot_name;

    #[test]
    fn screenshot_names_do_not_depend_on_the_port() {
        assert_eq!(
            screenshot_name("http://127.0.0.1:4000/"),
            "browser-index.png"
        );
        assert_eq!(
            screenshot_name("http://127.0.0.1:9/posts/a b?x=1"),
            "browser-posts-a-20b-x-1.png"
        );
    }
}
