//! One step run outside a scenario file, against a server the caller booted: how
//! `harness probe` drives exactly the traffic step it then writes down.

use crate::browser::BrowserSetup;
use std::collections::BTreeMap;

use super::context::Context;
use super::steps::Traffic;
use crate::outcome::CheckOutcome;
use crate::server::{Server, TargetSpec};

/// Sends `rounds` `GET`s to each of `paths` on `server` as the `traffic` step does
/// (whole bodies, status 200), and gives the server back with the step's checks, or
/// why the step could not run.
pub(crate) async fn drive_gets(
    spec: &TargetSpec,
    client: &reqwest::Client,
    server: Server,
    paths: Vec<String>,
    rounds: u32,
) -> (Option<Server>, Result<Vec<CheckOutcome>, String>) {
    let step = match Traffic::gets(paths, rounds) {
        Ok(step) => step,
        Err(why) => return (Some(server), Err(why)),
    };
    let no_env = BTreeMap::new();
    let no_browser = BrowserSetup::default();
    let mut cx = Context {
        spec,
        client,
        variant_env: &no_env,
        env: BTreeMap::new(),
        target: Some(server),
        token_endpoint: None,
        references: None,
        observations: Vec::new(),
        browser: &no_browser,
    };
    let result = step.run(&mut cx).await.map_err(|stop| {
        stop.error
            .map(|(_, message)| message)
            .unwrap_or_else(|| "the traffic step stopped".to_owned())
    });
    (cx.target.take(), result)
}
