//! The site as it is served: one tower service in front of the router, which sends
//! static files straight to their service and wraps everything else in HTTP
//! monitoring when that is on.
//!
//! Static files skip the router, with monitoring on or off alike: they are most of a
//! site's requests, and the router's work for them (matching, then inserting the
//! catch-all's path parameter into the request) is about 1,300 instructions of the
//! 17,000 a small file costs. The static service's body then records its request
//! itself (`static_files::body::Announced`), where wrapping a finished response boxes
//! the body a second time.

use std::convert::Infallible;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::future::RouteFuture;
use pin_project_lite::pin_project;
use tower::Service;

use crate::http_monitor::{self, HttpMonitor, Pending};
use crate::monitoring::Metrics;
use crate::static_files::{Serving, StaticFiles};

/// The site as it is served: static files, the router, and HTTP monitoring around
/// both when enabled. A tower service (`Request` in, `Response` out, never failing),
/// served by `axum::serve` or called in-process with `tower::ServiceExt::oneshot`.
#[derive(Clone)]
pub struct Site {
    router: Router,
    /// `/static/...`, served without the router, with the monitor's index of its
    /// route (unused when unmonitored). `None` when another route shares the prefix
    /// (then the router decides) or under `buffered-body-size`, whose wrapper must see
    /// every response.
    files: Option<(StaticFiles, usize)>,
    monitor: Option<Arc<HttpMonitor>>,
}

impl Site {
    /// `router` (whose route templates are `templates`) with `files` in front of it,
    /// monitored into `metrics` when given. `buffered` is the `buffered-body-size`
    /// regression.
    pub(crate) fn new(
        router: Router,
        templates: &[&'static str],
        files: StaticFiles,
        metrics: Option<Arc<Metrics>>,
        buffered: bool,
    ) -> Self {
        let monitor =
            metrics.map(|metrics| Arc::new(HttpMonitor::new(templates, metrics, buffered)));
        let route = match &monitor {
            Some(monitor) => monitor.route_of(StaticFiles::TEMPLATE),
            None => Some(0),
        };
        let bypass = !buffered && files.owns_prefix(templates);
        Self {
            router,
            files: bypass.then_some(files).zip(route),
            monitor,
        }
    }
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("monitored", &self.monitor.is_some())
            .field("static_files_bypass_router", &self.files.is_some())
            .finish_non_exhaustive()
    }
}

impl Service<Request> for Site {
    type Response = Response;
    type Error = Infallible;
    type Future = SiteFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // A router is always ready, and so are static files.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> SiteFuture {
        if let Some((files, route)) = &self.files
            && files.serves(request.uri().path())
        {
            let pending = self
                .monitor
                .as_ref()
                .map(|monitor| Pending::start(monitor.route_endpoint(*route, request.method())));
            return SiteFuture::new(match files.serve(request, pending) {
                Serving::Ready(response) => State::Ready {
                    response: Some(response),
                },
                Serving::Later(inner) => State::Static { inner },
            });
        }
        let Some(monitor) = &self.monitor else {
            return SiteFuture::new(State::Plain {
                inner: self.router.call(request),
            });
        };
        if !monitor.buffered() {
            // Nothing that needs dropping may be live while the router's future is
            // built, or (to drop it should building unwind) LLVM builds the future
            // aside and copies it twice (callgrind: ~130 instructions per request):
            // `pending` is taken out of `ManuallyDrop` only once the future exists. A
            // panic in the router leaks one `Arc` instead.
            let endpoint = monitor.endpoint(request.method(), request.uri().path());
            let pending = ManuallyDrop::new(Pending::start(endpoint));
            return SiteFuture::new(State::Monitored {
                inner: self.router.call(request),
                pending: Some(ManuallyDrop::into_inner(pending)),
            });
        }
        let pending = Pending::start(monitor.endpoint(request.method(), request.uri().path()));
        let inner = self.router.call(request);
        SiteFuture::new(State::Buffered {
            inner: Box::pin(async move {
                let response = match inner.await {
                    Ok(response) => response,
                    Err(infallible) => match infallible {},
                };
                http_monitor::buffered(response, pending).await
            }),
        })
    }
}

pin_project! {
    /// The site's future: a static file's, or the router's with the response body
    /// counted when monitoring is on.
    pub struct SiteFuture {
        #[pin]
        state: State,
    }
}

impl SiteFuture {
    fn new(state: State) -> Self {
        Self { state }
    }
}

pin_project! {
    #[project = StateProjection]
    enum State {
        /// A static file from memory, counted by its own body when monitoring is on.
        Ready {
            response: Option<Response>,
        },
        /// A static file from disk, likewise.
        Static {
            inner: Pin<Box<dyn Future<Output = Response> + Send>>,
        },
        /// Monitoring off.
        Plain {
            #[pin]
            inner: RouteFuture<Infallible>,
        },
        /// Monitoring on: the body is wrapped when the response head is ready.
        Monitored {
            #[pin]
            inner: RouteFuture<Infallible>,
            pending: Option<Pending>,
        },
        /// Regression `buffered-body-size`.
        Buffered {
            inner: Pin<Box<dyn Future<Output = Response> + Send>>,
        },
    }
}

impl Future for SiteFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Ready { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("a static file's response polled after it was ready"),
            },
            StateProjection::Static { inner } | StateProjection::Buffered { inner } => {
                inner.as_mut().poll(cx).map(Ok)
            }
            StateProjection::Plain { inner } => inner.poll(cx),
            StateProjection::Monitored { inner, pending } => {
                let response = match inner.poll(cx) {
                    Poll::Ready(Ok(response)) => response,
                    Poll::Ready(Err(infallible)) => match infallible {},
                    Poll::Pending => return Poll::Pending,
                };
                let Some(pending) = pending.take() else {
                    // Polled again after completion: nothing left to record.
                    return Poll::Ready(Ok(response));
                };
                Poll::Ready(Ok(http_monitor::count_response(response, pending)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{HeaderMap, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::App;
    use crate::config::{EnvMap, resolve};
    use crate::monitoring::OpType;

    /// A monitored app serving `files` from a temp dir; the dir lives as long as it.
    fn app_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().expect("temp dir");
        let statics = dir.path().join("static");
        for (name, contents) in files {
            let path = statics.join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&path, contents).expect("write");
        }
        let env = EnvMap::from([
            ("DATA_PATH".to_owned(), dir.path().display().to_string()),
            (
                "ADMIN_TOKEN".to_owned(),
                "site-test-admin-token-0123".to_owned(),
            ),
            ("STATIC_DIR".to_owned(), statics.display().to_string()),
        ]);
        let app = App::build(resolve(&env).expect("valid config")).expect("app builds");
        (dir, app)
    }

    async fn answer(site: &Site, request: Request) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = site.clone().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("body reads").to_bytes();
        (parts.status, parts.headers, body.to_vec())
    }

    /// Request fields, name and value.
    type Fields = &'static [(&'static str, &'static str)];

    fn request(method: &str, uri: &str, headers: Fields) -> Request {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).expect("request")
    }

    /// The shortcut past the router is only a shortcut: every answer (status, fields,
    /// bytes) is the router's, and each request is recorded once, as `/static/*`.
    #[tokio::test]
    async fn static_files_answer_past_the_router_as_through_it() {
        let (_dir, app) = app_with(&[
            ("css/style.css", b"body { color: black }"),
            ("big.bin", &[7u8; 200_000]),
        ]);
        let site = app.site();
        assert!(
            site.files.is_some(),
            "monitored static files skip the router"
        );
        let routed = Site {
            files: None,
            ..site.clone()
        };
        let cases: [(&str, &str, Fields); 10] = [
            ("GET", "/static/css/style.css", &[]),
            ("GET", "/static/big.bin", &[]),
            ("HEAD", "/static/css/style.css", &[]),
            ("GET", "/static/css/style.css", &[("range", "bytes=2-5")]),
            ("GET", "/static/big.bin", &[("range", "bytes=0-1,-3")]),
            ("GET", "/static/css/style.css", &[("if-none-match", "*")]),
            ("POST", "/static/css/style.css", &[]),
            ("GET", "/static/missing.css", &[]),
            ("GET", "/static/../Cargo.toml", &[]),
            ("GET", "/static/css/", &[]),
        ];
        let count = || app.metrics().snapshot().get(OpType::Http).count;
        for (method, uri, headers) in cases {
            let described = format!("{method} {uri}");
            let before = count();
            let (status, mut fields, body) = answer(&site, request(method, uri, headers)).await;
            let (routed_status, mut routed_fields, routed_body) =
                answer(&routed, request(method, uri, headers)).await;
            let body = without_boundary(&mut fields, body);
            let routed_body = without_boundary(&mut routed_fields, routed_body);
            assert_eq!(status, routed_status, "{described}");
            assert_eq!(fields, routed_fields, "{described}");
            assert!(body == routed_body, "{described}: bodies differ");
            assert_eq!(
                count() - before,
                2,
                "{described}: one recording per request"
            );
        }
    }

    /// A multipart boundary is drawn at random per response: replaced by a fixed one in
    /// `Content-Type` and the body, so two responses compare.
    fn without_boundary(fields: &mut HeaderMap, body: Vec<u8>) -> String {
        let body = String::from_utf8_lossy(&body).into_owned();
        let Some(content_type) = fields.get("content-type").and_then(|v| v.to_str().ok()) else {
            return body;
        };
        let Some((kind, boundary)) = content_type.split_once("; boundary=") else {
            return body;
        };
        let body = body.replace(boundary, "BOUNDARY");
        let fixed = format!("{kind}; boundary=BOUNDARY");
        fields.insert("content-type", fixed.parse().expect("a field value"));
        body
    }

    #[test]
    fn only_paths_below_the_prefix_skip_the_router() {
        let (_dir, app) = app_with(&[]);
        let (files, _) = app.site().files.expect("static files skip the router");
        for (path, below) in [
            ("/static/a", true),
            ("/static/css/style.css", true),
            ("/static//a", true),
            ("/static/", false),
            ("/static", false),
            ("/staticx/a", false),
            ("/", false),
        ] {
            assert_eq!(files.serves(path), below, "{path}");
        }
    }
}
