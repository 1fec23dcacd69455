//! Container servers: a locally built image run on a Docker engine, one container per
//! boot, published on a random host port, probed like any other server, and removed
//! when dropped (also during a panic). The Docker commands themselves are
//! [`super::docker`]'s.

use std::collections::BTreeMap;
use std::time::Instant;

use url::Url;

use super::docker;
use super::error::BootError;
use super::ready::{self, Booting};
use super::spec::{ContainerSpec, TargetSpec};

/// Per-boot options a target file cannot express.
#[derive(Debug, Clone, Default)]
pub struct ContainerOptions {
    /// Mounts as `(source, container path)`: a named volume or an absolute host path.
    /// Without one, the image's `VOLUME`s get an anonymous volume that is removed with
    /// the container.
    pub volumes: Vec<(String, String)>,
}

/// A running container; dropping it removes the container and its anonymous volumes
/// (`docker rm --force --volumes`), also during a panic. `TESTCONTAINERS=keep` keeps
/// it for debugging, as it did when testcontainers ran the containers.
pub struct ContainerServer {
    id: String,
    name: String,
    base_url: Url,
    keep: bool,
}

impl std::fmt::Debug for ContainerServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerServer")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("base_url", &self.base_url.as_str())
            .finish()
    }
}

impl Drop for ContainerServer {
    fn drop(&mut self) {
        if !self.keep {
            // Already gone (removed by a sweep, or never started) is fine.
            let _ = docker::remove(&self.id);
        }
    }
}

impl ContainerServer {
    /// Runs the target file's image with its env plus `extra_env`, and waits until the
    /// readiness probe answers 2xx, the container exits, or `[ready] timeout_secs` pass.
    pub async fn boot(
        spec: &TargetSpec,
        extra_env: &BTreeMap<String, String>,
        options: &ContainerOptions,
        client: &reqwest::Client,
    ) -> Result<Self, BootError> {
        let Some(container) = &spec.container else {
            return Err(BootError::Unsupported("[container] missing".to_owned()));
        };
        let deadline = Instant::now() + spec.ready.timeout();
        let (container, env, options) = (container.clone(), extra_env.clone(), options.clone());
        let mut server = tokio::task::spawn_blocking(move || start(&container, &env, &options))
            .await
            .map_err(|e| BootError::Unsupported(format!("container start task failed: {e}")))??;
        ready::wait(&mut server, &spec.ready, client, deadline).await?;
        Ok(server)
    }

    /// Where the server answers on this machine (the published host port).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The container id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The last lines the container wrote, stdout and stderr interleaved by time, each
    /// prefixed with `[stdout]` or `[stderr]` like a process server's.
    pub fn output(&self) -> String {
        docker::logs_tail(&self.id).unwrap_or_else(|e| format!("(container logs unavailable: {e})"))
    }

    /// `Some(exit code)` once the container is no longer running (`Some(None)`: no
    /// code known, e.g. removed).
    pub fn exited(&self) -> Option<Option<i32>> {
        docker::exit_state(&self.id)
    }

    /// Stops the container gracefully (SIGTERM, then SIGKILL after a grace period). The
    /// container and its volumes stay until the server is dropped.
    pub fn stop(&self) -> Result<(), String> {
        docker::stop(&self.id)
    }

    /// Kills the container with SIGKILL, as a crash or an OOM kill would.
    pub fn kill(&self) -> Result<(), String> {
        docker::kill(&self.id)
    }
}

impl Booting for ContainerServer {
    fn base_url(&self) -> &Url {
        &self.base_url
    }

    async fn exit_error(&mut self) -> Option<BootError> {
        // `docker inspect` and `docker logs` block: off the async threads.
        let id = self.id.clone();
        let (code, output) = tokio::task::spawn_blocking(move || {
            let code = docker::exit_state(&id)?;
            Some((code, docker::logs_tail(&id).unwrap_or_default()))
        })
        .await
        .ok()
        .flatten()?;
        Some(BootError::Exited { code, output })
    }

    fn output(&self) -> String {
        ContainerServer::output(self)
    }
}

/// Starts the container and learns its published port; readiness is the caller's.
fn start(
    spec: &ContainerSpec,
    extra_env: &BTreeMap<String, String>,
    options: &ContainerOptions,
) -> Result<ContainerServer, BootError> {
    let image = format!("{}:{}", spec.image, spec.tag);
    let command = format!("docker run {image}");
    let spawn_error = |message: String| BootError::Spawn {
        command: command.clone(),
        message,
    };
    docker::engine_available().map_err(spawn_error)?;
    if !docker::image_present(&image) {
        return Err(spawn_error(format!(
            "image {image} is not on the engine ({}); nothing is pulled, so build it first \
             (the reference server's: ci/build-image.sh)",
            docker::docker_host_text()
        )));
    }
    let mut env = spec.env.clone();
    env.extend(extra_env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let name = docker::container_name();
    let id = docker::run(&docker::Run {
        image: &image,
        name: &name,
        port: spec.port,
        env: &env,
        volumes: &options.volumes,
    })
    .map_err(|e| spawn_error(format!("the engine refused to start it: {e}")))?;
    // From here on, dropping `server` removes the container.
    let mut server = ContainerServer {
        id,
        name,
        base_url: Url::parse("http://127.0.0.1/").map_err(|e| spawn_error(e.to_string()))?,
        keep: std::env::var("TESTCONTAINERS").is_ok_and(|v| v == "keep"),
    };
    let host_port = docker::published_port(&server.id, spec.port).map_err(spawn_error)?;
    let Some(host_port) = host_port else {
        // No published port: the container exited before it was inspected, or the
        // port is wrong.
        if let Some(code) = server.exited() {
            return Err(BootError::Exited {
                code,
                output: server.output(),
            });
        }
        return Err(spawn_error(format!(
            "container port {} is not published",
            spec.port
        )));
    };
    let raw = format!("http://{}:{host_port}/", docker::published_host());
    server.base_url = Url::parse(&raw).map_err(|e| spawn_error(format!("base URL {raw}: {e}")))?;
    Ok(server)
}
