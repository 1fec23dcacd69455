//! Who may do what: the admin bearer token and IndieAuth token verification.

use axum::http::{HeaderMap, header};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::error::AppError;

/// The admin token, compared in constant time so response timing leaks nothing.
#[derive(Clone)]
pub struct AdminToken {
    token: String,
    generated: bool,
}

impl AdminToken {
    /// Uses the configured token, or generates a random one to print once at start.
    pub(crate) fn from_config(configured: Option<&str>) -> Result<Self, getrandom::Error> {
        match configured {
            Some(token) => Ok(Self {
                token: token.to_owned(),
                generated: false,
            }),
            None => {
                let mut bytes = [0u8; 24];
                getrandom::fill(&mut bytes)?;
                let token = bytes.iter().map(|b| format!("{b:02x}")).collect();
                Ok(Self {
                    token,
                    generated: true,
                })
            }
        }
    }

    /// The token itself, for the one start-up line that prints a generated token.
    pub fn reveal(&self) -> &str {
        &self.token
    }

    /// Whether nobody configured it, so the operator must be told it.
    pub fn was_generated(&self) -> bool {
        self.generated
    }

    /// Accepts `Authorization: Bearer <token>` when the token matches.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), AppError> {
        let presented = bearer(headers)
            .ok_or_else(|| AppError::Unauthorized("missing bearer token".to_owned()))?;
        if bool::from(presented.as_bytes().ct_eq(self.token.as_bytes())) {
            Ok(())
        } else {
            Err(AppError::Unauthorized("invalid admin token".to_owned()))
        }
    }
}

/// The token of an `Authorization: Bearer` header, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What an IndieAuth token endpoint says about a token.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenInfo {
    /// The user the token was issued to.
    pub(crate) me: String,
    /// Space-separated scopes.
    #[serde(default)]
    pub(crate) scope: String,
    /// The app that holds the token.
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "checked when the answer is parsed; nothing reads it"
    )]
    pub(crate) client_id: Option<String>,
}

/// Asks the IndieAuth token endpoint whether `token` may create posts on `site`.
pub(crate) async fn verify_token(
    client: &reqwest::Client,
    endpoint: Option<&str>,
    token: &str,
    site: &str,
) -> Result<TokenInfo, AppError> {
    let endpoint = endpoint.ok_or_else(|| {
        AppError::Unavailable("micropub is disabled: TOKEN_ENDPOINT is not set".to_owned())
    })?;
    let response = client
        .get(endpoint)
        .bearer_auth(token)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| AppError::Unavailable(format!("token endpoint did not answer: {e}")))?;
    if !response.status().is_success() {
        return Err(AppError::Unauthorized(format!(
            "token rejected by the token endpoint ({})",
            response.status()
        )));
    }
    let info: TokenInfo = response.json().await.map_err(|e| {
        AppError::Unavailable(format!("token endpoint answered with malformed JSON: {e}"))
    })?;
    if normalise(&info.me) != normalise(site) {
        return Err(AppError::Forbidden(format!(
            "token was issued to {} but this site is {site}",
            info.me
        )));
    }
    if !info
        .scope
        .split_whitespace()
        .any(|s| s == "create" || s == "post")
    {
        return Err(AppError::Forbidden(format!(
            "token scope {:?} lacks \"create\"",
            info.scope
        )));
    }
    Ok(info)
}

fn normalise(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(auth).expect("ascii"),
        );
        h
    }

    #[test]
    fn admin_token_checks_scheme_and_value() {
        let admin = AdminToken::from_config(Some("s3cret-token-0123456789")).expect("token");
        for (authorization, accepted) in [
            ("Bearer s3cret-token-0123456789", true),
            ("bearer s3cret-token-0123456789", true),
            ("Bearer s3cret-token-012345678", false),
            ("Basic s3cret-token-0123456789", false),
        ] {
            let checked = admin.check(&headers(authorization));
            assert_eq!(checked.is_ok(), accepted, "{authorization}");
        }
        assert!(admin.check(&HeaderMap::new()).is_err());
    }

    #[test]
    fn generated_tokens_are_random_and_long() {
        let a = AdminToken::from_config(None).expect("a");
        let b = AdminToken::from_config(None).expect("b");
        assert!(a.was_generated());
        assert_eq!(a.reveal().len(), 48);
        assert_ne!(a.reveal(), b.reveal());
    }
}
