//! The site's routes; each file holds one area of the site.

mod admin;
mod feed;
mod health;
mod micropub;
mod pages;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// Every dynamic route; static files are added by [`crate::static_files`].
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/notes/{slug}", get(pages::note))
        .route("/feed.xml", get(feed::feed))
        .route("/health", get(health::health))
        .route("/micropub", get(micropub::query).post(micropub::create))
        .route("/admin", get(admin::dashboard))
        .route("/admin/metrics", get(admin::metrics_json))
        .route("/admin/config", get(admin::config_json))
        .route("/metrics", get(admin::prometheus))
        .fallback(pages::not_found)
}
