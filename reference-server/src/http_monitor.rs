//! HTTP monitoring middleware: every request becomes an `http` operation, with the
//! response size counted as body frames stream out.
//!
//! The body is never collected: [`CountingBody`] wraps it, adds up the bytes of each
//! data frame and records the operation when the stream ends, or as aborted when the
//! body is dropped early (client went away). This is what StarPunk v1.1.2-rc.1 got
//! wrong; the `buffered-body-size` regression switch brings that bug back.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::monitoring::{EventDetail, Metrics, Outcome};

/// What the middleware needs: where to record, and whether to re-enact the old bug.
#[derive(Clone)]
pub struct HttpMonitor {
    /// The shared metrics registry.
    pub metrics: Arc<Metrics>,
    /// Regression `buffered-body-size`: buffer bodies to measure them.
    pub buffer_bodies: bool,
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn monitor(State(monitor): State<HttpMonitor>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| route_label(path.as_str()));
    let response = next.run(request).await;
    // Nested services (static files) name their route on the response instead.
    let route = matched
        .or_else(|| {
            response
                .extensions()
                .get::<RouteLabel>()
                .map(|l| l.0.to_owned())
        })
        .unwrap_or_else(|| "unmatched".to_owned());
    let recorder = Recorder {
        metrics: monitor.metrics,
        operation: format!("{method} {route}"),
        head: method == Method::HEAD,
        method,
        route,
        status: response.status(),
        started,
    };
    if monitor.buffer_bodies {
        return buffered(response, recorder).await;
    }
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Body::new(CountingBody::new(body, recorder)))
}

/// A route name set on responses by services that axum's `MatchedPath` cannot see into.
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel(pub &'static str);

/// Route templates as metrics show them: nested services' tail parameters become `*`.
fn route_label(path: &str) -> String {
    match path.find("{*") {
        Some(tail) => format!("{}*", &path[..tail]),
        None => path.to_owned(),
    }
}

/// Regression `buffered-body-size`: the v1.1.2-rc.1 hook read the whole body to take
/// its length. Streamed responses (static files) are in "direct passthrough mode" and
/// the read fails, so every one of them became a 500.
async fn buffered(response: Response, recorder: Recorder) -> Response {
    let (parts, body) = response.into_parts();
    if body.size_hint().exact().is_none() {
        let message = "RuntimeError: Attempted implicit sequence conversion but the \
                       response object is in direct passthrough mode.";
        tracing::error!(route = recorder.route, "{message}");
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

/// Everything needed to record one request once its body is done.
struct Recorder {
    metrics: Arc<Metrics>,
    operation: String,
    method: Method,
    route: String,
    status: StatusCode,
    head: bool,
    started: Instant,
}

impl Recorder {
    fn finish(self, bytes: u64, complete: bool) {
        // HEAD responses carry no body, whatever the handler produced.
        let bytes = if self.head { 0 } else { bytes };
        let outcome = if !complete {
            Outcome::Aborted
        } else if self.status.is_server_error() {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        let Self {
            metrics,
            operation,
            method,
            route,
            status,
            started,
            ..
        } = self;
        metrics.record_http(&operation, started.elapsed(), outcome, bytes, || {
            EventDetail::Http {
                method: method.to_string(),
                route,
                status: status.as_u16(),
                bytes,
            }
        });
    }
}

pin_project! {
    /// A response body that counts the bytes passing through it.
    pub struct CountingBody<B: HttpBody> {
        #[pin]
        inner: B,
        bytes: u64,
        recorder: Option<Recorder>,
    }

    impl<B: HttpBody> PinnedDrop for CountingBody<B> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(recorder) = this.recorder.take() {
                // An empty body is never polled, so it ends here, complete. Any other
                // body dropped before its end means the client went away mid-stream.
                let complete = this.inner.is_end_stream();
                recorder.finish(*this.bytes, complete);
            }
        }
    }
}

impl<B: HttpBody> CountingBody<B> {
    fn new(inner: B, recorder: Recorder) -> Self {
        Self {
            inner,
            bytes: 0,
            recorder: Some(recorder),
        }
    }
}

impl<B: HttpBody<Data = Bytes>> HttpBody for CountingBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let polled = this.inner.as_mut().poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.bytes += data.len() as u64;
                }
                // Servers stop polling once `is_end_stream` says so: record now.
                if this.inner.is_end_stream()
                    && let Some(recorder) = this.recorder.take()
                {
                    recorder.finish(*this.bytes, true);
                }
            }
            Poll::Ready(None) => {
                if let Some(recorder) = this.recorder.take() {
                    recorder.finish(*this.bytes, true);
                }
            }
            Poll::Ready(Some(Err(_))) => {
                if let Some(recorder) = this.recorder.take() {
                    recorder.finish(*this.bytes, false);
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_tail_parameters_become_stars() {
        assert_eq!(
            route_label("/static/{*__private__axum_nest_tail_param}"),
            "/static/*"
        );
        assert_eq!(route_label("/notes/{slug}"), "/notes/{slug}");
    }
}
