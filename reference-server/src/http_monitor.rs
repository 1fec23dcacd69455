//! HTTP monitoring: every request becomes an `http` operation, with the response size
//! counted as body frames stream out.
//!
//! The body is never collected: [`CountingBody`] wraps it, adds up the bytes of each
//! data frame and records the operation when the stream ends, or as aborted when the
//! body is dropped early (client went away). This is what StarPunk v1.1.2-rc.1 got
//! wrong; the `buffered-body-size` regression switch brings that bug back.
//!
//! Monitoring wraps the whole router ([`crate::site::Site`]) instead of each route
//! (`Router::layer`): a per-route layer boxes and clones every route's service and
//! future once more per request, which cost more than the rest of monitoring put
//! together (callgrind, a small static file: +8% instructions at sampling 0.0). The
//! route a request matched is found by the same matcher axum uses (`matchit`), over the
//! same templates ([`crate::routes::Routes`] records them as routes are added), and each
//! route and method resolves its interned [`Operation`] once: a request allocates
//! nothing for monitoring but the body wrapper, and a static file not even that (its
//! body holds the [`Recorder`]).

use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use pin_project_lite::pin_project;

use crate::monitoring::{EventDetail, Metrics, Name, OpType, Operation, Outcome, Ticks};
use crate::routes::{Tail, exclusive_prefix};

/// The route name of requests no route matched (the fallback's 404s).
const UNMATCHED: &str = "unmatched";

/// The methods with a slot per route; others (extension methods) are looked up by
/// name on each request.
const METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
    Method::CONNECT,
    Method::TRACE,
];

/// What the monitor knows of the site: its routes, and an [`Endpoint`] per route and
/// method, resolved on first use.
pub(crate) struct HttpMonitor {
    metrics: Arc<Metrics>,
    /// Route template → index into `routes`.
    matcher: matchit::Router<usize>,
    /// Routes of one parameter after a prefix no other template shares
    /// (`/static/{*path}`, `/notes/{slug}`), tried before `matcher`: a prefix
    /// comparison instead of a tree walk (about 300 instructions with matchit's
    /// parameter capture), for the requests a site serves most.
    prefixes: Vec<(&'static str, Tail, usize)>,
    /// One per template, then [`UNMATCHED`].
    routes: Vec<RouteOperations>,
    buffered: bool,
}

/// A route's name as metrics show it (`/static/*`) and its endpoint per method.
struct RouteOperations {
    /// As added to the router; `None` for [`UNMATCHED`].
    template: Option<&'static str>,
    route: Name,
    /// Most requests are GETs: their endpoint is resolved when the monitor is built,
    /// so finding it is one comparison (a slot of `by_method` costs about 20
    /// instructions more: the slot search and its `OnceLock`).
    get: Arc<Endpoint>,
    /// The other methods' endpoints, resolved on first use (the GET slot stays empty).
    by_method: [OnceLock<Arc<Endpoint>>; METHODS.len()],
}

/// Everything recording a request of one route and method needs, shared by all of
/// them: a request in flight holds one `Arc` of it and its start time, nothing else.
pub(crate) struct Endpoint {
    metrics: Arc<Metrics>,
    /// `METHOD route`, interned.
    operation: Operation,
    method: Name,
    route: Name,
    /// HEAD responses count no body bytes.
    head: bool,
}

impl HttpMonitor {
    /// A monitor of the routes `templates`, recording into `metrics`; `buffered` is
    /// the `buffered-body-size` regression.
    pub(crate) fn new(templates: &[&'static str], metrics: Arc<Metrics>, buffered: bool) -> Self {
        let mut matcher = matchit::Router::new();
        let mut routes = Vec::with_capacity(templates.len() + 1);
        let mut prefixes = Vec::new();
        for template in templates {
            // The router accepted every template already, and matchit is its matcher:
            // a template it refuses here would be a bug in `Routes`, so it is skipped
            // (its requests count as unmatched) rather than taking the server down.
            if matcher.insert(*template, routes.len()).is_ok() {
                if let Some((prefix, tail)) = exclusive_prefix(template, templates) {
                    prefixes.push((prefix, tail, routes.len()));
                }
                routes.push(RouteOperations::new(
                    Some(template),
                    route_name(template),
                    &metrics,
                ));
            } else {
                tracing::error!(template, "route template not monitored");
            }
        }
        routes.push(RouteOperations::new(None, Name::from(UNMATCHED), &metrics));
        Self {
            metrics,
            matcher,
            prefixes,
            routes,
            buffered,
        }
    }

    /// Whether the `buffered-body-size` regression is on.
    pub(crate) fn buffered(&self) -> bool {
        self.buffered
    }

    /// The endpoint `method path` records into.
    pub(crate) fn endpoint(&self, method: &Method, path: &str) -> Arc<Endpoint> {
        self.route_endpoint(self.route_index(path), method)
    }

    /// The route added as `template`, for a caller that knows which route a request
    /// takes without matching its path (static files, see `crate::site`).
    pub(crate) fn route_of(&self, template: &str) -> Option<usize> {
        self.routes
            .iter()
            .position(|route| route.template == Some(template))
    }

    /// The endpoint `method` requests of route `route` (an index [`Self::route_of`]
    /// gave) record into.
    #[inline]
    pub(crate) fn route_endpoint(&self, route: usize, method: &Method) -> Arc<Endpoint> {
        let route = &self.routes[route];
        if *method == Method::GET {
            return Arc::clone(&route.get);
        }
        self.other_endpoint(route, method)
    }

    fn other_endpoint(&self, route: &RouteOperations, method: &Method) -> Arc<Endpoint> {
        match METHODS.iter().position(|known| known == method) {
            Some(slot) => Arc::clone(
                route.by_method[slot].get_or_init(|| intern(&self.metrics, method, &route.route)),
            ),
            None => intern(&self.metrics, method, &route.route),
        }
    }

    /// The index of the route `path` matches, as axum's router matches it.
    fn route_index(&self, path: &str) -> usize {
        for (prefix, tail, index) in &self.prefixes {
            if let Some(rest) = path.strip_prefix(prefix)
                && tail.matches(rest)
            {
                return *index;
            }
        }
        self.matcher
            .at(path)
            .map_or(self.routes.len() - 1, |found| *found.value)
    }
}

/// The endpoint of `method` requests to `route`, its operation interned in `metrics`.
/// An operation is shown once it has counted a request, so resolving GET endpoints
/// ahead of any request adds nothing to what metrics show.
#[cold]
fn intern(metrics: &Arc<Metrics>, method: &Method, route: &Name) -> Arc<Endpoint> {
    let name = format!("{method} {route}");
    // Only the standard methods' names are kept for the process: a client can send
    // any number of extension methods.
    let operation = if METHODS.contains(method) {
        metrics.operation_named(OpType::Http, Name::interned(&name))
    } else {
        metrics.operation(OpType::Http, &name)
    };
    Arc::new(Endpoint {
        metrics: Arc::clone(metrics),
        operation,
        method: method_name(method),
        route: route.clone(),
        head: method == Method::HEAD,
    })
}

impl RouteOperations {
    fn new(template: Option<&'static str>, route: Name, metrics: &Arc<Metrics>) -> Self {
        Self {
            template,
            get: intern(metrics, &Method::GET, &route),
            route,
            by_method: std::array::from_fn(|_| OnceLock::new()),
        }
    }
}

/// A route template as metrics name it: a catch-all tail (`{*path}`) becomes `*`.
fn route_name(template: &'static str) -> Name {
    match template.find("{*") {
        Some(tail) => Name::interned(&format!("{}*", &template[..tail])),
        None => Name::from(template),
    }
}

/// The method's name, without allocating for the standard ones.
fn method_name(method: &Method) -> Name {
    match METHODS.iter().position(|known| known == method) {
        Some(slot) => Name::from(
            [
                "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
            ][slot],
        ),
        None => Name::from(method.to_string()),
    }
}

/// What a request in flight carries until its response head is ready: handed to
/// [`count_response`] with the response, or, as a [`Recorder`], to the body a handler
/// builds (static files).
pub(crate) struct Pending {
    endpoint: Arc<Endpoint>,
    started: Ticks,
}

impl Pending {
    /// A request of `endpoint` starting now.
    #[inline]
    pub(crate) fn start(endpoint: Arc<Endpoint>) -> Self {
        Self {
            endpoint,
            started: Ticks::now(),
        }
    }

    /// The recorder of this request, answered with `status`.
    pub(crate) fn into_recorder(self, status: StatusCode) -> Recorder {
        Recorder {
            endpoint: self.endpoint,
            status,
            started: self.started,
        }
    }
}

/// Regression `buffered-body-size`: the v1.1.2-rc.1 hook read `response.data` to take
/// the body's length. Werkzeug refuses that for a streamed response ("direct
/// passthrough mode") with `RuntimeError: Attempted implicit sequence conversion ...`,
/// so every static file became a 500. This simulates that refusal rather than
/// buffering: a body without an exact size hint (a streamed file) is answered with a
/// fixed 500 carrying the RuntimeError text; a body of known size (pages, JSON) is
/// read into memory and passed on, as in rc.1.
pub(crate) async fn buffered(response: Response, pending: Pending) -> Response {
    let recorder = pending.into_recorder(response.status());
    let (parts, body) = response.into_parts();
    if body.size_hint().exact().is_none() {
        let message = "RuntimeError: Attempted implicit sequence conversion but the \
                       response object is in direct passthrough mode.";
        tracing::error!(route = recorder.endpoint.route.as_str(), "{message}");
        let recorder = Recorder {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..recorder
        };
        recorder.finish(0, true);
        return (StatusCode::INTERNAL_SERVER_ERROR, message).into_response();
    }
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            recorder.finish(bytes.len() as u64, true);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            recorder.finish(0, false);
            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    }
}

/// The slack that makes a counted finished response (`CountingBody<Body, _>`) 64
/// bytes: see [`CountingBody`].
type ResponseSlack = [u8; 8];

/// `response` with its body counted into the request `pending` stands for.
///
/// The result is boxed as axum's own body type, which `Body::new` takes as it is:
/// any other body gets one more layer (`MapErr`) polled on every frame.
pub(crate) fn count_response(mut response: Response, pending: Pending) -> Response {
    let recorder = pending.into_recorder(response.status());
    let body = std::mem::take(response.body_mut());
    let counted = CountingBody::<_, ResponseSlack>::new(body, recorder);
    *response.body_mut() = Body::new(counted.boxed_unsync());
    response
}

/// Everything needed to record one request once its body is done: held by the body,
/// which alone knows when it is done and how many bytes it sent.
pub(crate) struct Recorder {
    endpoint: Arc<Endpoint>,
    status: StatusCode,
    started: Ticks,
}

impl Recorder {
    /// Records the request: `bytes` of body sent, `complete` unless cut short.
    pub(crate) fn finish(self, bytes: u64, complete: bool) {
        let endpoint = &*self.endpoint;
        // HEAD responses carry no body, whatever the handler produced.
        let bytes = if endpoint.head { 0 } else { bytes };
        let outcome = if !complete {
            Outcome::Aborted
        } else if self.status.is_server_error() {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        endpoint.metrics.record_operation_since(
            &endpoint.operation,
            self.started,
            outcome,
            bytes,
            || EventDetail::Http {
                method: endpoint.method.clone(),
                route: endpoint.route.clone(),
                status: self.status.as_u16(),
                bytes,
            },
        );
    }
}

pin_project! {
    /// A response body that counts the bytes passing through it, and records the
    /// request when it is dropped: servers drop a body as soon as it has ended (hyper
    /// once `is_end_stream` says so, or once `Content-Length` bytes are out, which is
    /// why the site's bodies that know their length say they have ended with their
    /// last frame), or when the client goes away mid-stream. Polling only counts, so
    /// the recording is written once.
    ///
    /// The bytes of `S`, never written, round the body's allocation up to a power of
    /// two. Rust's allocations reach mimalloc v3 as `mi_malloc_aligned`, whose fast
    /// path serves only size classes that hold a free block; a class that is not a
    /// power of two never gets one, as every request in it is over-allocated into the
    /// next class (microsoft/mimalloc#889, purpleprotocol/mimalloc_rust#170). That
    /// slow path cost about 65 instructions per monitored request (measured when this
    /// type still wrapped static files' bodies, a third of monitoring's cost there).
    /// Aligning the type to 64 bytes gives
    /// the same sizes with one attribute, but mimalloc's 64-byte blocks are not all
    /// 64-byte aligned, and such a request took a slower path still (allocate, free,
    /// over-allocate: about 120 instructions per page). Unit tests check the sizes.
    pub(crate) struct CountingBody<B: HttpBody, S> {
        #[pin]
        inner: B,
        bytes: u64,
        // The stream said it has no more frames.
        ended: bool,
        // The stream failed: the response is cut short whatever came before.
        failed: bool,
        recorder: Option<Recorder>,
        slack: MaybeUninit<S>,
    }

    impl<B: HttpBody, S> PinnedDrop for CountingBody<B, S> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(recorder) = this.recorder.take() {
                // An empty body is never polled, so it ends here, complete. Any other
                // body dropped before its end means the client went away mid-stream.
                let complete = !*this.failed && (*this.ended || this.inner.is_end_stream());
                recorder.finish(*this.bytes, complete);
            }
        }
    }
}

impl<B: HttpBody, S> CountingBody<B, S> {
    fn new(inner: B, recorder: Recorder) -> Self {
        Self {
            inner,
            bytes: 0,
            ended: false,
            failed: false,
            recorder: Some(recorder),
            slack: MaybeUninit::uninit(),
        }
    }
}

impl<B: HttpBody<Data = Bytes>, S> HttpBody for CountingBody<B, S> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.bytes += data.len() as u64;
                }
            }
            Poll::Ready(None) => *this.ended = true,
            Poll::Ready(Some(Err(_))) => *this.failed = true,
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A recorder of one `GET /` request into `metrics`, for tests of bodies that record.
#[cfg(test)]
pub(crate) fn recorder_for_tests(metrics: &Arc<Metrics>) -> Recorder {
    let monitor = HttpMonitor::new(&["/"], Arc::clone(metrics), false);
    Pending::start(monitor.endpoint(&Method::GET, "/")).into_recorder(StatusCode::OK)
}

/// The size of `body` counted with the spare bytes of `S`: what [`count_response`]
/// allocates for `S` = [`ResponseSlack`].
#[cfg(test)]
pub(crate) fn counted_size<B: HttpBody, S>(body: B) -> usize {
    use crate::monitoring::MonitorSettings;
    let metrics = Arc::new(Metrics::new(MonitorSettings::default()));
    let recorder = recorder_for_tests(&metrics);
    std::mem::size_of_val(&CountingBody::<B, S>::new(body, recorder))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::MonitorSettings;

    #[test]
    fn operations_are_method_and_route_with_tails_as_stars() {
        let metrics = Arc::new(Metrics::new(MonitorSettings::default()));
        let monitor = HttpMonitor::new(
            &["/", "/notes/{slug}", "/static", "/static/{*path}"],
            metrics,
            false,
        );
        let cases = [
            (Method::GET, "/static/css/style.css", "GET /static/*"),
            (Method::HEAD, "/notes/hello", "HEAD /notes/{slug}"),
            (Method::GET, "/static", "GET /static"),
            (Method::GET, "/", "GET /"),
            (Method::POST, "/nowhere", "POST unmatched"),
            (Method::GET, "/notes/a/b", "GET unmatched"),
            (
                Method::from_bytes(b"BREW").expect("a valid method"),
                "/",
                "BREW /",
            ),
        ];
        for (method, path, expected) in cases {
            let endpoint = monitor.endpoint(&method, path);
            assert_eq!(endpoint.operation.name(), expected, "{method} {path}");
            assert_eq!(
                format!("{} {}", endpoint.method, endpoint.route),
                expected,
                "{method} {path}"
            );
            assert_eq!(endpoint.head, method == Method::HEAD);
        }
    }

    /// The prefix shortcut agrees with matchit, the matcher axum routes with, on any
    /// path: near misses, empty tails, other routes' prefixes, odd bytes.
    #[test]
    fn the_prefix_shortcut_matches_as_the_router_does() {
        use proptest::prelude::*;

        let templates = [
            "/",
            "/notes/{slug}",
            "/static",
            "/static/{*path}",
            "/files/{*path}",
            "/files/special",
            "/a/{id}/{*rest}",
            "/tags/{tag}",
            "/tags/{tag}/feed",
            "/x{id}",
            "/x/{id}.txt",
        ];
        let metrics = Arc::new(Metrics::new(MonitorSettings::default()));
        let monitor = HttpMonitor::new(&templates, metrics, false);
        assert_eq!(
            monitor.prefixes,
            [
                ("/notes/", Tail::Segment, 1),
                ("/static/", Tail::CatchAll, 3)
            ],
            "only exclusive plain prefixes and one parameter after them"
        );
        let matched = |path: &str| {
            monitor
                .matcher
                .at(path)
                .map_or(monitor.routes.len() - 1, |found| *found.value)
        };
        let pieces = prop::sample::select(vec![
            "/", "static", "/static", "/static/", "files", "special", "a", "x", ".", "%2F", "é",
            "", "notes", "/notes/", "tags", "/tags/", "feed", "txt", ".txt",
        ]);
        proptest!(|(parts in prop::collection::vec(pieces, 0..6))| {
            let path = parts.concat();
            prop_assert_eq!(monitor.route_index(&path), matched(&path), "{}", path);
        });
    }

    #[test]
    fn a_counted_response_is_allocated_in_a_power_of_two_size_class() {
        let size = counted_size::<_, ResponseSlack>(Body::empty());
        assert_eq!(size, 64, "set ResponseSlack to match");
    }

    #[test]
    fn endpoints_resolved_ahead_show_nothing_until_they_count() {
        let metrics = Arc::new(Metrics::new(MonitorSettings::default()));
        let monitor = HttpMonitor::new(&["/", "/notes/{slug}"], Arc::clone(&metrics), false);
        assert_eq!(metrics.operation_views(OpType::Http), []);
        drop(monitor.endpoint(&Method::GET, "/notes/a"));
        assert_eq!(metrics.operation_views(OpType::Http), []);
    }

    #[test]
    fn a_route_and_method_is_interned_once() {
        let metrics = Arc::new(Metrics::new(MonitorSettings::default()));
        let monitor = HttpMonitor::new(&["/notes/{slug}"], metrics, false);
        let first = monitor.endpoint(&Method::GET, "/notes/a");
        let second = monitor.endpoint(&Method::GET, "/notes/b");
        assert!(Arc::ptr_eq(&first, &second));
    }
}
