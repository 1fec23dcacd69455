//! The handlers' shared state: the configuration, metrics, pool, templates, HTTP client
//! and admin token every route reads. Built by [`crate::app`], read by
//! [`crate::routes`].

use std::sync::Arc;

use axum::http::HeaderMap;

use crate::auth::AdminToken;
use crate::config::Config;
use crate::db::Pool;
use crate::monitoring::Metrics;
use crate::render::Renderer;

/// Shared by every handler.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) pool: Pool,
    pub(crate) renderer: Renderer,
    pub(crate) client: reqwest::Client,
    pub(crate) admin: AdminToken,
}

/// The handlers' state: cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState(pub(crate) Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Shared {
    /// `SITE_URL`, else the origin the client used: works behind a mapped port.
    pub(crate) fn site_url(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.config.site_url.value {
            return url.clone();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    }
}
