//! Container targets: a locally built image run through testcontainers, published on a
//! random host port, probed like any other target, and removed when dropped.
//!
//! testcontainers 0.15 is used for its docker-CLI client: later releases talk to the
//! engine through bollard at API 1.44 or newer and fail on engines that speak less
//! (Debian 12's Docker 20.10 speaks 1.41), while the CLI negotiates any version and
//! honours `DOCKER_HOST` and docker contexts. Nothing is ever pulled: the image must
//! exist locally (`ci/build-image.sh` builds the reference server's).
//!
//! Every container is named `rc-harness-<pid>-<n>-<nanos>` so that [`sweep`] finds it
//! even when the image does not carry the `rc-harness=1` label (the reference image
//! does; testcontainers 0.15 cannot add labels at run time).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use testcontainers::clients::Cli;
use testcontainers::{Container, GenericImage, RunnableImage};
use url::Url;

use super::spec::{ContainerSpec, TargetSpec};
use super::{BootError, Target};

/// The label that marks what the harness started (containers of the reference image
/// and volumes the harness creates).
pub const LABEL: &str = "rc-harness=1";

/// The prefix of every container name the harness gives.
pub const NAME_PREFIX: &str = "rc-harness-";

/// Lines of container output kept for failure reports (as for process targets).
const TAIL_LINES: usize = 80;

/// How long `stop` gives the server to shut down before the engine kills it.
const STOP_GRACE_SECS: u32 = 10;

/// One testcontainers client per process; containers borrow it for `'static`.
static CLI: OnceLock<Cli> = OnceLock::new();

/// Containers started by this process, for unique names.
static STARTED: AtomicU64 = AtomicU64::new(0);

/// Per-boot options a target file cannot express.
#[derive(Debug, Clone, Default)]
pub struct ContainerOptions {
    /// Mounts as `(source, container path)`: a named volume or an absolute host path.
    /// Without one, the image's `VOLUME`s get an anonymous volume that is removed with
    /// the container.
    pub volumes: Vec<(String, String)>,
}

/// A running container; dropping it removes the container (`docker rm -f -v`), also
/// during a panic. `TESTCONTAINERS=keep` keeps it for debugging, as testcontainers
/// documents.
pub struct ContainerTarget {
    /// `None` only while dropping; boxed because testcontainers' handle is large and
    /// `Target` is moved around.
    container: Option<Box<Container<'static, GenericImage>>>,
    id: String,
    name: String,
    base_url: Url,
}

impl std::fmt::Debug for ContainerTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerTarget")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("base_url", &self.base_url.as_str())
            .finish()
    }
}

impl Drop for ContainerTarget {
    fn drop(&mut self) {
        let Some(container) = self.container.take() else {
            return;
        };
        // testcontainers 0.15 panics when `docker rm` fails; a panic in a destructor
        // while a test is already panicking aborts the process. Only let it remove a
        // container that still exists; otherwise there is nothing to remove.
        if docker(&["container", "inspect", "--format", "{{.Id}}", &self.id]).is_ok() {
            drop(container);
        } else {
            std::mem::forget(container);
        }
    }
}

impl ContainerTarget {
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
        let started = tokio::task::spawn_blocking(move || start(&container, &env, &options))
            .await
            .map_err(|e| BootError::Unsupported(format!("container start task failed: {e}")))??;
        let mut target = Target::Container(started);
        wait_until_ready(&mut target, spec, client, deadline).await?;
        match target {
            Target::Container(container) => Ok(container),
            _ => Err(BootError::Unsupported(
                "container target changed kind while booting".to_owned(),
            )),
        }
    }

    /// Where the server answers on this machine (the published host port).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The container id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The container name (`rc-harness-…`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The last lines the container wrote, stdout and stderr interleaved by time, each
    /// prefixed with `[stdout]` or `[stderr]` like a process target's.
    pub fn output(&self) -> String {
        logs_tail(&self.id).unwrap_or_else(|e| format!("(container logs unavailable: {e})"))
    }

    /// `Some(exit code)` once the container is no longer running.
    pub fn exited(&self) -> Option<Option<i32>> {
        exit_state(&self.id)
    }

    /// Stops the container gracefully (SIGTERM, then SIGKILL after a grace period). The
    /// container and its volumes stay until the target is dropped.
    pub fn stop(&self) -> Result<(), String> {
        let grace = STOP_GRACE_SECS.to_string();
        docker(&["stop", "--time", &grace, &self.id]).map(drop)
    }

    /// Kills the container with SIGKILL, as a crash or an OOM kill would.
    pub fn kill(&self) -> Result<(), String> {
        docker(&["kill", "--signal", "KILL", &self.id]).map(drop)
    }
}

/// What [`sweep`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Container ids.
    pub containers: Vec<String>,
    /// Volume names.
    pub volumes: Vec<String>,
}

/// Removes what harness runs left behind: every container carrying [`LABEL`] or named
/// with [`NAME_PREFIX`], then every volume carrying [`LABEL`], except those named
/// `rc-harness-<pid>-…` whose process is still alive on this machine (this one
/// included), so that concurrent runs (nextest's parallel test processes, a second
/// `harness gate`) keep their targets. Call it at the start and end of a run. Note that
/// every container of the reference image carries the label (it is set in the image),
/// so a hand-started one is removed too.
pub fn sweep() -> Result<Swept, String> {
    let mut containers: Vec<(String, String)> = Vec::new();
    let name_filter = format!("name=^/?{NAME_PREFIX}");
    for filter in [format!("label={LABEL}"), name_filter] {
        let out = docker(&[
            "ps",
            "--all",
            "--no-trunc",
            "--filter",
            &filter,
            "--format",
            "{{.ID}} {{.Names}}",
        ])?;
        for line in out.lines() {
            if let Some((id, name)) = line.trim().split_once(' ') {
                containers.push((id.to_owned(), name.to_owned()));
            }
        }
    }
    containers.sort();
    containers.dedup();
    let mut swept = Swept::default();
    for (id, name) in containers {
        if owner_alive(&name) {
            continue;
        }
        match docker(&["rm", "--force", "--volumes", &id]) {
            Ok(_) => swept.containers.push(id),
            // Removed meanwhile (by its own drop, or another sweep).
            Err(e) if e.contains("No such container") => {}
            Err(e) => return Err(e),
        }
    }
    let volumes = docker(&[
        "volume",
        "ls",
        "--quiet",
        "--filter",
        &format!("label={LABEL}"),
    ])?;
    for volume in volumes.lines().map(str::trim).filter(|v| !v.is_empty()) {
        if owner_alive(volume) {
            continue;
        }
        match docker(&["volume", "rm", "--force", volume]) {
            Ok(_) => swept.volumes.push(volume.to_owned()),
            // Still mounted by a container that is not ours to remove: leave it.
            Err(e) if e.contains("in use") || e.contains("No such volume") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(swept)
}

/// Whether `rc-harness-<pid>-…` names a process alive on this machine.
fn owner_alive(name: &str) -> bool {
    name.trim_start_matches('/')
        .strip_prefix(NAME_PREFIX)
        .and_then(|rest| rest.split('-').next())
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// Runs an image build script (e.g. `ci/build-image.sh`, a no-op when its inputs did
/// not change) from `cwd`, bounded by `timeout`; on time-out kills its whole process
/// group (cargo included). The error carries the script's stderr.
pub fn build_image(
    script: &std::path::Path,
    cwd: &std::path::Path,
    timeout: Duration,
) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new("bash");
    for key in super::cargo_package_env() {
        command.env_remove(key);
    }
    let mut child = command
        .arg(script)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stderr = child.stderr.take();
    let collect = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {timeout:?}",
                    script.display()
                ));
            }
            // Polling a child with a bounded total wait: there is no portable
            // wait-with-timeout for a std child.
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(format!("waiting for {}: {e}", script.display())),
        }
    };
    let log = collect.join().unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status}):\n{log}", script.display()))
    }
}

/// Whether a Docker engine answers (`DOCKER_HOST` or the default socket); the error
/// says why not.
pub fn engine_available() -> Result<(), String> {
    docker(&["version", "--format", "{{.Server.Version}}"])
        .map(drop)
        .map_err(|e| format!("no Docker engine answers ({}): {e}", docker_host_text()))
}

/// The address containers on the default bridge network (where container targets
/// run) reach this machine at: the network's gateway, or by Docker's convention the
/// subnet's first address (the default bridge often reports no gateway). Only a local
/// engine's bridge is an address of this machine; with a remote `DOCKER_HOST`, binding
/// to it fails.
pub fn bridge_gateway() -> Result<Ipv4Addr, String> {
    let text = docker(&[
        "network",
        "inspect",
        "bridge",
        "--format",
        "{{range .IPAM.Config}}{{.Gateway}} {{.Subnet}} {{end}}",
    ])?;
    gateway_of(&text)
        .ok_or_else(|| format!("the bridge network has no IPv4 subnet: {:?}", text.trim()))
}

/// The IPv4 gateway in `Gateway Subnet` pairs, else the first IPv4 subnet's first
/// address (`Gateway` may be empty).
fn gateway_of(ipam: &str) -> Option<Ipv4Addr> {
    let words: Vec<&str> = ipam.split_whitespace().collect();
    words
        .iter()
        .find_map(|w| w.parse::<Ipv4Addr>().ok())
        .or_else(|| {
            words
                .iter()
                .filter_map(|w| w.split_once('/'))
                .find_map(|(network, _)| network.parse::<Ipv4Addr>().ok())
                .map(|network| Ipv4Addr::from(u32::from(network).wrapping_add(1)))
        })
}

/// Starts the container and learns its published port; readiness is the caller's.
fn start(
    spec: &ContainerSpec,
    extra_env: &BTreeMap<String, String>,
    options: &ContainerOptions,
) -> Result<ContainerTarget, BootError> {
    let image = format!("{}:{}", spec.image, spec.tag);
    let command = format!("docker run {image}");
    let spawn_error = |message: String| BootError::Spawn {
        command: command.clone(),
        message,
    };
    engine_available().map_err(spawn_error)?;
    docker(&["image", "inspect", "--format", "{{.Id}}", &image]).map_err(|_| {
        spawn_error(format!(
            "image {image} is not on the engine ({}); nothing is pulled, so build it first \
             (the reference server's: ci/build-image.sh)",
            docker_host_text()
        ))
    })?;

    let name = container_name();
    let mut generic =
        GenericImage::new(spec.image.clone(), spec.tag.clone()).with_exposed_port(spec.port);
    for (key, value) in spec.env.iter().chain(extra_env) {
        generic = generic.with_env_var(key.clone(), value.clone());
    }
    let mut runnable = RunnableImage::from(generic).with_container_name(name.clone());
    for (source, path) in &options.volumes {
        runnable = runnable.with_volume((source.clone(), path.clone()));
    }
    let cli = CLI.get_or_init(Cli::default);
    // testcontainers 0.15 panics when `docker run` fails (and logs why only through the
    // `log` crate): turn that into an error that says what was run.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cli.run(runnable)));
    let container = match run {
        Ok(container) => container,
        Err(_) => {
            let detail = docker(&[
                "container",
                "inspect",
                "--format",
                "{{.State.Error}}",
                &name,
            ])
            .unwrap_or_default();
            let _ = docker(&["rm", "--force", "--volumes", &name]);
            return Err(spawn_error(format!(
                "the engine refused to start it{}",
                if detail.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", detail.trim())
                }
            )));
        }
    };
    let id = container.id().to_owned();
    let Some(host_port) = container.ports().map_to_host_port_ipv4(spec.port) else {
        // No published port: the container exited before it was inspected, or the
        // port is wrong.
        let output = logs_tail(&id).unwrap_or_default();
        if let Some(code) = exit_state(&id) {
            drop(container);
            return Err(BootError::Exited { code, output });
        }
        drop(container);
        return Err(spawn_error(format!(
            "container port {} is not published (does the image EXPOSE it?)",
            spec.port
        )));
    };
    let raw = format!("http://{}:{host_port}/", docker_host_address());
    let base_url = match Url::parse(&raw) {
        Ok(url) => url,
        Err(e) => {
            drop(container);
            return Err(spawn_error(format!("base URL {raw}: {e}")));
        }
    };
    Ok(ContainerTarget {
        container: Some(Box::new(container)),
        id,
        name,
        base_url,
    })
}

/// The harness's HTTP probe, in slices, checking between slices whether the container
/// has exited (a refused configuration exits at once: report its code and output
/// rather than waiting out the whole timeout).
async fn wait_until_ready(
    target: &mut Target,
    spec: &TargetSpec,
    client: &reqwest::Client,
    deadline: Instant,
) -> Result<(), BootError> {
    const SLICE: Duration = Duration::from_millis(500);
    let started = Instant::now();
    loop {
        let slice_end = (Instant::now() + SLICE).min(deadline);
        match super::wait_ready(target, spec, client, slice_end).await {
            Ok(()) => return Ok(()),
            Err(BootError::NeverReady {
                url, last, output, ..
            }) => {
                if let Target::Container(container) = target {
                    let id = container.id.clone();
                    if let Some(code) = tokio::task::spawn_blocking(move || exit_state(&id))
                        .await
                        .ok()
                        .flatten()
                    {
                        return Err(BootError::Exited {
                            code,
                            output: container.output(),
                        });
                    }
                }
                if Instant::now() >= deadline {
                    return Err(BootError::NeverReady {
                        url,
                        waited: started.elapsed(),
                        last,
                        output,
                    });
                }
            }
            Err(other) => return Err(other),
        }
    }
}

/// `Some(exit code)` when the container is not running (or no longer exists).
fn exit_state(id: &str) -> Option<Option<i32>> {
    match docker(&[
        "container",
        "inspect",
        "--format",
        "{{.State.Running}} {{.State.ExitCode}}",
        id,
    ]) {
        Ok(state) => {
            let mut parts = state.split_whitespace();
            match parts.next() {
                Some("true") => None,
                _ => Some(parts.next().and_then(|c| c.parse().ok())),
            }
        }
        Err(_) => Some(None),
    }
}

/// The last [`TAIL_LINES`] of the container's stdout and stderr, merged by timestamp.
fn logs_tail(id: &str) -> Result<String, String> {
    let tail = TAIL_LINES.to_string();
    let output = docker_output(&["logs", "--timestamps", "--tail", &tail, id])?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let mut lines: Vec<(String, &str, String)> = Vec::new();
    for (bytes, label) in [(&output.stdout, "stdout"), (&output.stderr, "stderr")] {
        for line in String::from_utf8_lossy(bytes).lines() {
            let (stamp, text) = line.split_once(' ').unwrap_or(("", line));
            lines.push((stamp.to_owned(), label, text.to_owned()));
        }
    }
    // RFC 3339 stamps with a fixed width of fractional digits sort as text; the sort
    // is stable, so equal stamps keep stdout before stderr.
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let skip = lines.len().saturating_sub(TAIL_LINES);
    Ok(lines
        .into_iter()
        .skip(skip)
        .map(|(_, label, text)| format!("[{label}] {text}"))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// A name no other container has: pid, a per-process counter and the clock.
fn container_name() -> String {
    let n = STARTED.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{NAME_PREFIX}{}-{n}-{nanos:08x}", std::process::id())
}

/// The host published ports are reached on: the engine's host for a TCP `DOCKER_HOST`,
/// this machine otherwise.
fn docker_host_address() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|raw| {
            let url = Url::parse(&raw).ok()?;
            matches!(url.scheme(), "tcp" | "http" | "https")
                .then(|| url.host_str().map(str::to_owned))
                .flatten()
        })
        .unwrap_or_else(|| "127.0.0.1".to_owned())
}

fn docker_host_text() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(host) => format!("DOCKER_HOST={host}"),
        Err(_) => "DOCKER_HOST unset: the docker CLI's current context".to_owned(),
    }
}

/// Runs the docker CLI; its stdout on success, its stderr (or why it did not run) on
/// failure.
fn docker(args: &[&str]) -> Result<String, String> {
    let output = docker_output(args)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "`docker {}` failed ({}): {}",
            args.first().copied().unwrap_or_default(),
            output.status,
            stderr.trim()
        ))
    }
}

fn docker_output(args: &[&str]) -> Result<Output, String> {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run the docker CLI: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_carry_the_prefix() {
        let (a, b) = (container_name(), container_name());
        assert_ne!(a, b);
        assert!(a.starts_with(NAME_PREFIX), "{a}");
    }

    #[test]
    fn bridge_gateway_falls_back_to_the_subnets_first_address() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().ok();
        assert_eq!(gateway_of("172.17.0.1 172.17.0.0/16 "), ip("172.17.0.1"));
        assert_eq!(gateway_of(" 172.17.0.0/16 "), ip("172.17.0.1"));
        assert_eq!(
            gateway_of("fd00::1 fd00::/64  10.9.0.0/24 "),
            ip("10.9.0.1")
        );
        assert_eq!(gateway_of(""), None);
    }

    #[test]
    fn only_live_owners_protect_their_containers() {
        assert!(
            owner_alive(&container_name()),
            "this process owns its names"
        );
        assert!(owner_alive("/rc-harness-1-volume"), "pid 1 is alive");
        // Beyond the kernel's largest pid: never alive.
        assert!(!owner_alive("rc-harness-999999999-0-0"));
        assert!(!owner_alive("rc-harness-by-hand"));
        assert!(!owner_alive("someone-else"));
    }
}
