//! A stand-in IndieAuth token endpoint, so write paths can be exercised without a
//! real identity provider. Built on wiremock, which is what it is made for.

use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::server::Kind;

/// A running mock endpoint; stops when dropped.
pub(crate) struct TokenEndpoint {
    server: MockServer,
}

impl TokenEndpoint {
    /// Accepts exactly `token` (answering `me` and `scope`), rejects every other with
    /// 401; listens where a server of `kind` can reach it (on the Docker bridge gateway
    /// for a container, on 127.0.0.1 otherwise: the server model knows which).
    pub(crate) async fn start_for(
        kind: Kind,
        token: &str,
        me: &str,
        scope: &str,
    ) -> Result<Self, String> {
        let listener = kind
            .reachable_listener()
            .await
            .map_err(|e| format!("the mock token endpoint {e}"))?;
        let server = MockServer::builder().listener(listener).start().await;
        Ok(Self::mount(server, token, me, scope).await)
    }

    async fn mount(server: MockServer, token: &str, me: &str, scope: &str) -> Self {
        Mock::given(method("GET"))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "me": me,
                "scope": scope,
                "client_id": "https://rc-harness.invalid/",
            })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(serde_json::json!({"error": "invalid_token"})),
            )
            .mount(&server)
            .await;
        Self { server }
    }

    /// The URL to put in the target's `TOKEN_ENDPOINT`.
    pub(crate) fn url(&self) -> String {
        format!("{}/token", self.server.uri())
    }
}
