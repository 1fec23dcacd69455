//! `/health`: 200 when the database answers, 503 when it does not.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::db::ping;
use crate::state::AppState;

/// Readiness and liveness in one: the blog is useless without its database.
pub(crate) async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.pool.run(ping).await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok" })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "not answering" })),
            )
        }
    }
}
