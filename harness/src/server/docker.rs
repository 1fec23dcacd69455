//! The Docker CLI, and nothing else: every `docker` command the harness runs (run,
//! inspect, logs, stop, kill, rm, the leftover sweep, the bridge network) is built
//! here, so the rest of the server model never spells a command line.
//!
//! The CLI rather than the engine API: it negotiates any API version (Debian 12's
//! Docker 20.10 speaks 1.41), and honours `DOCKER_HOST` and docker contexts. Nothing
//! is ever pulled.
//!
//! Every container is labelled [`LABEL`] and named `rc-harness-<pid>-<n>-<nanos>`
//! ([`NAME_PREFIX`]), so that [`sweep`] finds what a run left behind and spares what a
//! live run still uses.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use url::Url;

/// The label that marks what the harness started (every container it runs, and the
/// volumes it creates).
pub const LABEL: &str = "rc-harness=1";

/// The prefix of every container name the harness gives.
pub const NAME_PREFIX: &str = "rc-harness-";

/// Lines of container output kept for failure reports (as for process servers).
const TAIL_LINES: usize = 80;

/// How long `stop` gives the server to shut down before the engine kills it.
const STOP_GRACE_SECS: u32 = 10;

/// Containers started by this process, for unique names.
static STARTED: AtomicU64 = AtomicU64::new(0);

/// A `docker run` of a local image, detached, with one container port published on a
/// random host port.
pub(crate) struct Run<'a> {
    /// `image:tag`.
    pub(crate) image: &'a str,
    /// The container's name (see [`container_name`]).
    pub(crate) name: &'a str,
    /// The port the server listens on inside the container.
    pub(crate) port: u16,
    /// Environment.
    pub(crate) env: &'a BTreeMap<String, String>,
    /// Mounts as `(source, container path)`.
    pub(crate) volumes: &'a [(String, String)],
}

/// Starts the container; its id, or the engine's refusal. A container the engine
/// created but could not start is removed.
pub(crate) fn run(run: &Run<'_>) -> Result<String, String> {
    let mut args: Vec<String> = [
        "run",
        "--detach",
        "--pull",
        "never",
        "--name",
        run.name,
        "--label",
        LABEL,
        "--publish",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(run.port.to_string());
    for (key, value) in run.env {
        args.extend(["--env".to_owned(), format!("{key}={value}")]);
    }
    for (source, path) in run.volumes {
        args.extend(["--volume".to_owned(), format!("{source}:{path}")]);
    }
    args.push(run.image.to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    docker(&args)
        .map(|id| id.trim().to_owned())
        .inspect_err(|_| {
            let _ = remove(run.name);
        })
}

/// Whether `image` (`name:tag`) is on the engine.
pub(crate) fn image_present(image: &str) -> bool {
    docker(&["image", "inspect", "--format", "{{.Id}}", image]).is_ok()
}

/// The host port `port/tcp` of container `id` is published on (its IPv4 binding),
/// `None` when it is not published (or the container is no longer running).
pub(crate) fn published_port(id: &str, port: u16) -> Result<Option<u16>, String> {
    let text = docker(&[
        "container",
        "inspect",
        "--format",
        "{{json .NetworkSettings.Ports}}",
        id,
    ])?;
    Ok(host_port_of(&text, port))
}

/// The IPv4 host port in `{"8000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}, ...]}`.
fn host_port_of(ports_json: &str, port: u16) -> Option<u16> {
    let ports: serde_json::Value = serde_json::from_str(ports_json.trim()).ok()?;
    ports
        .get(format!("{port}/tcp"))?
        .as_array()?
        .iter()
        .filter(|binding| {
            binding["HostIp"]
                .as_str()
                .is_none_or(|ip| ip.is_empty() || ip.parse::<Ipv4Addr>().is_ok())
        })
        .find_map(|binding| binding["HostPort"].as_str()?.parse().ok())
}

/// `Some(exit code)` when the container is not running (or no longer exists).
pub(crate) fn exit_state(id: &str) -> Option<Option<i32>> {
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

/// The last lines of the container's stdout and stderr, merged by timestamp, each
/// prefixed with `[stdout]` or `[stderr]` like a process server's.
pub(crate) fn logs_tail(id: &str) -> Result<String, String> {
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

/// Stops the container gracefully (SIGTERM, then SIGKILL after a grace period).
pub(crate) fn stop(id: &str) -> Result<(), String> {
    let grace = STOP_GRACE_SECS.to_string();
    docker(&["stop", "--time", &grace, id]).map(drop)
}

/// Kills the container with SIGKILL.
pub(crate) fn kill(id: &str) -> Result<(), String> {
    docker(&["kill", "--signal", "KILL", id]).map(drop)
}

/// Removes the container and its anonymous volumes, running or not.
pub(crate) fn remove(id: &str) -> Result<(), String> {
    docker(&["rm", "--force", "--volumes", id]).map(drop)
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
/// `harness gate`) keep their servers. Call it at the start and end of a run. Note that
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
        match remove(&id) {
            Ok(()) => swept.containers.push(id),
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

/// Whether a Docker engine answers (`DOCKER_HOST` or the default socket); the error
/// says why not.
pub fn engine_available() -> Result<(), String> {
    docker(&["version", "--format", "{{.Server.Version}}"])
        .map(drop)
        .map_err(|e| format!("no Docker engine answers ({}): {e}", docker_host_text()))
}

/// The address containers on the default bridge network (where container servers
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

/// A name no other container has: pid, a per-process counter and the clock.
pub(crate) fn container_name() -> String {
    let n = STARTED.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{NAME_PREFIX}{}-{n}-{nanos:08x}", std::process::id())
}

/// The host published ports are reached on: the engine's host for a TCP `DOCKER_HOST`,
/// this machine otherwise.
pub(crate) fn published_host() -> String {
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

/// Which engine the CLI talks to, for error messages.
pub(crate) fn docker_host_text() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(host) => format!("DOCKER_HOST={host}"),
        Err(_) => "DOCKER_HOST unset: the docker CLI's current context".to_owned(),
    }
}

/// Gives the local image `image:from` a second tag, `image:to`: how a release's image
/// is kept as a later candidate's baseline (`tag = "to"` in a container target file)
/// after the working tag moves on.
pub fn tag_image(image: &str, from: &str, to: &str) -> Result<(), String> {
    docker(&["tag", &format!("{image}:{from}"), &format!("{image}:{to}")]).map(|_| ())
}

/// Removes the tag `image:tag`; the image itself stays while another tag names it.
pub fn untag_image(image: &str, tag: &str) -> Result<(), String> {
    docker(&["rmi", &format!("{image}:{tag}")]).map(|_| ())
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
    fn the_published_port_is_the_ipv4_binding_of_the_container_port() {
        let ports = r#"{"8000/tcp":[{"HostIp":"::","HostPort":"49999"},{"HostIp":"0.0.0.0","HostPort":"49153"}],"9000/tcp":null}"#;
        assert_eq!(host_port_of(ports, 8000), Some(49153));
        assert_eq!(host_port_of(ports, 9000), None, "exposed, not published");
        assert_eq!(host_port_of(ports, 7000), None);
        assert_eq!(host_port_of("null", 8000), None, "not running");
        assert_eq!(
            host_port_of(r#"{"8000/tcp":[{"HostIp":"","HostPort":"5"}]}"#, 8000),
            Some(5)
        );
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
