//! `mock-token-endpoint = { token = "...", me = "...", scope = "create" }`: start a
//! stand-in IndieAuth token endpoint; later boots get `TOKEN_ENDPOINT`.

use serde::Deserialize;

use crate::outcome::CheckOutcome;
use crate::report::ScenarioErrorKind;
use crate::scenario::context::{Context, Stop};
use crate::scenario::token_endpoint::TokenEndpoint;

/// The step, as written and as run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MockTokenEndpoint {
    /// The one token the endpoint accepts.
    token: String,
    /// The `me` it answers with (the site's URL).
    me: String,
    /// The scopes it grants.
    #[serde(default = "create")]
    scope: String,
}

fn create() -> String {
    "create".to_owned()
}

impl MockTokenEndpoint {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        // Where the target can reach it: a container cannot reach 127.0.0.1.
        let endpoint = TokenEndpoint::start_for(cx.spec.kind, &self.token, &self.me, &self.scope)
            .await
            .map_err(|e| Stop::error(ScenarioErrorKind::Target, e))?;
        cx.env.insert("TOKEN_ENDPOINT".to_owned(), endpoint.url());
        cx.token_endpoint = Some(endpoint);
        Ok(Vec::new())
    }
}
