//! Test support: a fresh app in a fresh temp dir, and request helpers.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::BodyExt;
use reference_server::App;
use reference_server::config::{self, EnvMap};
use tempfile::TempDir;
use tower::ServiceExt;

/// The admin token every test app uses.
pub const ADMIN: &str = "test-admin-token-0123456789";

/// A response, fully read.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// A 200 whose `Content-Type` is exactly `content_type`.
    pub fn assert_ok_as(&self, content_type: &str) {
        assert_eq!(self.status, 200);
        assert_eq!(self.header("content-type"), Some(content_type));
    }
}

/// An app over its own data directory, removed when dropped.
pub struct TestApp {
    pub app: App,
    /// Kept alive (not read) so the data directory outlives the app.
    _dir: TempDir,
}

impl TestApp {
    /// Builds an app from `extra` on top of a temp `DATA_PATH` and the test admin token.
    pub fn new(extra: &[(&str, &str)]) -> Self {
        // Server-side errors show up in the failing test's output.
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let config = config::resolve(&env(&dir, extra)).expect("valid test config");
        let app = App::build(config).expect("app builds");
        Self { app, _dir: dir }
    }

    /// The response to `GET uri`, its body not read: for tests of how a body is
    /// taken (streamed, dropped early).
    pub async fn response(&self, uri: &str) -> Response<Body> {
        let request = Request::get(uri).body(Body::empty()).expect("request");
        self.app.site().oneshot(request).await.expect("infallible")
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.site().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("body reads").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn admin_get(&self, uri: &str) -> Reply {
        let request = Request::get(uri)
            .header("authorization", format!("Bearer {ADMIN}"))
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }
}

/// The environment a test app starts from.
pub fn env(dir: &TempDir, extra: &[(&str, &str)]) -> EnvMap {
    let mut env = EnvMap::new();
    env.insert("DATA_PATH".into(), dir.path().display().to_string());
    env.insert("ADMIN_TOKEN".into(), ADMIN.into());
    for (key, value) in extra {
        env.insert((*key).into(), (*value).into());
    }
    env
}

/// Runs `reference-server config` with exactly `env` and a fixed `DATA_PATH` (so what
/// it prints is the same on every machine): the exit code, stdout and stderr.
pub fn run_config(env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_reference-server"));
    command
        .arg("config")
        .env_clear()
        .env("DATA_PATH", "/srv/blog-data");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().expect("run reference-server config");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Masks dates so snapshots survive the calendar.
pub fn date_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[rfc3339]",
        ),
        (
            r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}",
            "[rfc2822]",
        ),
        (
            r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC",
            "[human date]",
        ),
    ]
}
