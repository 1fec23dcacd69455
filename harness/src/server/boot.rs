//! Booting a target file's server: build it once per run, start it as its kind
//! says, and wait in the one readiness loop until it answers.

use std::collections::BTreeMap;
use std::time::Instant;

use url::Url;

use super::build;
use super::container::{ContainerOptions, ContainerServer};
use super::error::BootError;
use super::process;
use super::ready;
use super::running::Server;
use super::spec::{Kind, TargetSpec};

/// Starts the target file's server with `extra_env` and waits until its readiness
/// probe answers.
pub async fn boot(
    spec: &TargetSpec,
    extra_env: &BTreeMap<String, String>,
    client: &reqwest::Client,
) -> Result<Server, BootError> {
    let deadline = Instant::now() + spec.ready.timeout();
    match spec.kind {
        Kind::Url => {
            if !extra_env.is_empty() {
                return Err(BootError::Unsupported(format!(
                    "target {:?} is a running server (kind = \"url\"): it cannot be booted with {}",
                    spec.name,
                    extra_env.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            let raw = spec.url.as_deref().unwrap_or_default();
            let url =
                Url::parse(raw).map_err(|e| BootError::Unsupported(format!("url {raw:?}: {e}")))?;
            let mut server = Server::Url(url);
            ready::wait(&mut server, &spec.ready, client, deadline).await?;
            Ok(server)
        }
        Kind::Process => {
            let Some(process) = &spec.process else {
                return Err(BootError::Unsupported("[process] missing".to_owned()));
            };
            if let Some(command) = &process.build {
                build::once(spec, command).await?;
            }
            let deadline = Instant::now() + spec.ready.timeout();
            let (spec_owned, process_owned, env) =
                (spec.clone(), process.clone(), extra_env.clone());
            let started = tokio::task::spawn_blocking(move || {
                process::spawn(&spec_owned, &process_owned, &env, deadline)
            })
            .await
            .map_err(|e| BootError::Unsupported(format!("boot task failed: {e}")))??;
            let mut server = Server::Process(started);
            ready::wait(&mut server, &spec.ready, client, deadline).await?;
            Ok(server)
        }
        Kind::Container => {
            if let Some(command) = spec.container.as_ref().and_then(|c| c.build.as_ref()) {
                build::once(spec, command).await?;
            }
            ContainerServer::boot(spec, extra_env, &ContainerOptions::default(), client)
                .await
                .map(Server::Container)
        }
    }
}

/// Boots a server that is expected to refuse to start; returns its exit code and
/// output.
pub async fn boot_expecting_exit(
    spec: &TargetSpec,
    extra_env: &BTreeMap<String, String>,
    client: &reqwest::Client,
) -> Result<(Option<i32>, String), String> {
    match boot(spec, extra_env, client).await {
        Ok(server) => Err(format!(
            "target started and answered at {} instead of exiting; output:\n{}",
            server.base_url(),
            server.output()
        )),
        Err(BootError::Exited { code, output }) => Ok((code, output)),
        Err(other) => Err(other.to_string()),
    }
}
