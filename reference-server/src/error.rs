//! The one error type handlers return: it decides the status and hides internals.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::db::DbError;
use crate::render::RenderError;

/// A request failed. Client errors say what to fix; server errors are logged in full
/// and answered with a generic message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    /// A field of the request is missing or malformed.
    #[error("{field}: {message}")]
    BadRequest {
        /// The request field at fault, as the client named it.
        field: &'static str,
        /// What was expected.
        message: String,
    },
    /// No credentials, or credentials that were rejected.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Valid credentials without the needed scope.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A service we depend on (the token endpoint) is not configured or not answering.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or an I/O failure; never shown to clients.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        Self::Internal(e.into())
    }
}

impl From<RenderError> for AppError {
    fn from(e: RenderError) -> Self {
        Self::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error, description) = match &self {
            Self::BadRequest { .. } => {
                (StatusCode::BAD_REQUEST, "invalid_request", self.to_string())
            }
            Self::Unauthorized(why) => (StatusCode::UNAUTHORIZED, "unauthorized", why.clone()),
            Self::Forbidden(why) => (StatusCode::FORBIDDEN, "insufficient_scope", why.clone()),
            Self::Unavailable(why) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", why.clone()),
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "internal server error".to_owned(),
                )
            }
        };
        // The shape Micropub clients expect: {"error": ..., "error_description": ...}.
        let mut response = (
            status,
            Json(json!({ "error": error, "error_description": description })),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
