//! The site's routes; each file holds one area of the site.

mod admin;
mod feed;
mod health;
mod micropub;
mod pages;

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use tower::Service;

use crate::state::AppState;

/// A router that remembers the template of every route added, so HTTP monitoring
/// matches requests to routes exactly as the router does (see `http_monitor`).
pub(crate) struct Routes {
    router: Router<AppState>,
    templates: Vec<&'static str>,
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            templates: Vec::new(),
        }
    }

    /// Adds `methods` at `template`.
    fn route(mut self, template: &'static str, methods: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(template, methods);
        self.templates.push(template);
        self
    }

    /// Adds a whole service at `template`.
    pub(crate) fn route_service<T>(mut self, template: &'static str, service: T) -> Self
    where
        T: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
        T::Response: IntoResponse,
        T::Future: Send + 'static,
    {
        self.router = self.router.route_service(template, service);
        self.templates.push(template);
        self
    }

    /// The router and its templates.
    pub(crate) fn into_parts(self) -> (Router<AppState>, Vec<&'static str>) {
        (self.router, self.templates)
    }
}

/// What a route template leaves after its literal prefix, when that is one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    /// `{*name}`: one character or more, `/` included.
    CatchAll,
    /// `{name}`: one character or more, up to the next `/` (none may follow).
    Segment,
}

impl Tail {
    /// Whether `rest`, what a path has after the prefix, is matched by this tail.
    pub(crate) fn matches(self, rest: &str) -> bool {
        match self {
            Tail::CatchAll => !rest.is_empty(),
            Tail::Segment => !rest.is_empty() && !rest.contains('/'),
        }
    }
}

/// The literal prefix of `template` and its tail when it is a plain prefix ending in
/// `/` followed by one parameter (`/static/{*path}` gives `/static/` and a catch-all,
/// `/notes/{slug}` gives `/notes/` and a segment), and no other template starts with
/// that prefix: then a path matches this route exactly when it starts with the prefix
/// and its tail matches, whatever the rest of the tree (the tests check this against
/// matchit, the matcher axum routes with).
pub(crate) fn exclusive_prefix(
    template: &'static str,
    templates: &[&'static str],
) -> Option<(&'static str, Tail)> {
    let brace = template.find('{')?;
    let (prefix, parameter) = template.split_at(brace);
    let name = parameter.strip_prefix('{')?.strip_suffix('}')?;
    let (name, tail) = match name.strip_prefix('*') {
        Some(name) => (name, Tail::CatchAll),
        None => (name, Tail::Segment),
    };
    let plain_name = !name.is_empty() && !name.contains(['{', '}', '/', '*']);
    let shared = templates
        .iter()
        .any(|other| *other != template && other.starts_with(prefix));
    (prefix.ends_with('/') && plain_name && !shared).then_some((prefix, tail))
}

/// Every dynamic route; static files are added by [`crate::static_files`].
pub(crate) fn routes() -> Routes {
    let routes = Routes::new()
        .route("/", get(pages::home))
        .route("/notes/{slug}", get(pages::note))
        .route("/feed.xml", get(feed::feed))
        .route("/health", get(health::health))
        .route("/micropub", get(micropub::query).post(micropub::create))
        .route("/admin", get(admin::dashboard))
        .route("/admin/metrics", get(admin::metrics_json))
        .route("/admin/config", get(admin::config_json))
        .route("/metrics", get(admin::prometheus));
    Routes {
        router: routes.router.fallback(pages::not_found),
        ..routes
    }
}
