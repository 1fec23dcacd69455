//! Admin endpoints, all behind the admin bearer token: the dashboard, metrics as JSON
//! and Prometheus text, and the effective configuration.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde_json::Value;

use super::pages::SITE_NAME;
use crate::error::AppError;
use crate::monitoring::PROMETHEUS_CONTENT_TYPE;
use crate::render::FONT_FILE;
use crate::state::AppState;

/// `/admin/metrics`: the monitor's snapshot plus pool statistics.
pub(crate) async fn metrics_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    state.admin.check(&headers)?;
    Ok(Json(metrics_value(&state)?))
}

/// `/admin/config`: the effective configuration with sources and warnings.
pub(crate) async fn config_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    state.admin.check(&headers)?;
    Ok(Json(config_value(&state)))
}

/// `/metrics`: Prometheus text exposition.
pub(crate) async fn prometheus(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state.admin.check(&headers)?;
    let pool = state.pool.stats();
    let gauges = [
        (
            "refserver_db_pool_connections",
            "Connections the pool has opened.",
            pool.size as f64,
        ),
        (
            "refserver_db_pool_idle",
            "Connections idle in the pool.",
            pool.idle as f64,
        ),
        (
            "refserver_db_pool_in_use",
            "Connections lent out.",
            pool.in_use as f64,
        ),
        (
            "refserver_db_pool_acquired",
            "Connections handed out since start.",
            pool.acquired as f64,
        ),
        (
            "refserver_db_pool_timeouts",
            "Callers that gave up waiting for a connection.",
            pool.timeouts as f64,
        ),
    ];
    let text = state.metrics.encode_prometheus(&gauges);
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROMETHEUS_CONTENT_TYPE),
    );
    Ok(response)
}

/// `/admin`: the dashboard, the same numbers as tables.
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Html<String>, AppError> {
    state.admin.check(&headers)?;
    let metrics = metrics_value(&state)?;
    let config = config_value(&state);
    let html = state.renderer.page(
        "admin.html",
        context! { site_name => SITE_NAME, font_file => FONT_FILE, metrics, config },
    )?;
    Ok(Html(html))
}

fn metrics_value(state: &AppState) -> Result<Value, AppError> {
    let mut value =
        serde_json::to_value(state.metrics.snapshot()).map_err(|e| AppError::Internal(e.into()))?;
    let pool =
        serde_json::to_value(state.pool.stats()).map_err(|e| AppError::Internal(e.into()))?;
    if let Value::Object(map) = &mut value {
        map.insert("pool".to_owned(), pool);
    }
    Ok(value)
}

fn config_value(state: &AppState) -> Value {
    state.config.to_json()
}
