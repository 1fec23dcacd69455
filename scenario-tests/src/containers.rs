//! What container runs need: the image, built once per test process and bounded in
//! time, and a check that when the last running container test leaves, none of this
//! process's containers is left behind.

use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use harness::server::TargetSpec;
use harness::server::docker::{LABEL, NAME_PREFIX};

use crate::{scenario_dir, target};

/// The first build compiles a static release binary: minutes on two cores.
const BUILD_TIMEOUT: Duration = Duration::from_secs(25 * 60);

/// The container target with its image built; `Err` when the image cannot be built.
pub fn container_target() -> Result<TargetSpec, String> {
    static IMAGE: OnceLock<Result<(), String>> = OnceLock::new();
    IMAGE.get_or_init(build_image).clone()?;
    let mut spec = target("reference-container");
    // Built above, bounded in time: the target file's own `build` is for `harness gate`.
    if let Some(container) = &mut spec.container {
        container.build = None;
    }
    Ok(spec)
}

fn build_image() -> Result<(), String> {
    let root = scenario_dir().join("..");
    harness::server::build_image(&root.join("ci/build-image.sh"), &root, BUILD_TIMEOUT)
}

/// Tests of this process that may have containers running.
static ACTIVE: Mutex<usize> = Mutex::new(0);

fn active() -> MutexGuard<'static, usize> {
    ACTIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A test that boots containers. Whenever the last one running leaves, none of this
/// process's containers may exist: every target is removed when its scenario ends.
pub struct Running;

impl Running {
    /// Enters; pair with [`Running::leave`].
    pub fn enter() -> Self {
        *active() += 1;
        Self
    }

    /// Leaves; the last test to leave checks that nothing of ours is left (while
    /// holding the count, so no other test starts a container meanwhile).
    pub fn leave(self) -> Result<(), String> {
        let leftovers = {
            let mut count = active();
            *count -= 1;
            if *count == 0 { ours()? } else { Vec::new() }
        };
        std::mem::forget(self);
        if leftovers.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "containers of this test process left behind: {leftovers:?}"
            ))
        }
    }
}

impl Drop for Running {
    /// A test that failed leaves without checking.
    fn drop(&mut self) {
        *active() -= 1;
    }
}

/// Containers (any state) carrying [`LABEL`] or our name prefix that this process
/// started (`rc-harness-<pid>-…`).
fn ours() -> Result<Vec<String>, String> {
    let mine = format!("{NAME_PREFIX}{}-", std::process::id());
    let mut names = Vec::new();
    for filter in [format!("label={LABEL}"), format!("name={NAME_PREFIX}")] {
        let out = Command::new("docker")
            .args(["ps", "--all", "--filter", &filter, "--format", "{{.Names}}"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("docker ps: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "docker ps: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        names.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|n| n.trim().trim_start_matches('/').to_owned())
                .filter(|n| n.starts_with(&mine)),
        );
    }
    names.sort();
    names.dedup();
    Ok(names)
}
