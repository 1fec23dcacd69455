//! Build commands: the one place a build runs (a target file's `build`, run once per
//! harness run before the first boot, and the image script the container suites
//! run), always without cargo's package environment and bounded in time, its whole
//! process group killed when time runs out.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::BootError;
use super::spec::TargetSpec;

/// The bound on a target file's build command: a first `cargo build` on two cores
/// takes minutes; a build still running after this is stuck.
const TARGET_BUILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Lines of a failed build's stderr kept in its error.
const STDERR_LINES: usize = 40;

/// Build commands already run in this process, so each runs once per harness run.
static BUILT: Mutex<Vec<Vec<String>>> = Mutex::new(Vec::new());

/// Held while a build command runs, so concurrent boots wait for it instead of
/// starting it a second time.
static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs a target file's `build` command (`[process]` or `[container]`) unless this
/// process already ran it. A program path with a `/` is relative to the target file;
/// the command runs in the target file's directory.
pub(crate) async fn once(spec: &TargetSpec, build: &[String]) -> Result<(), BootError> {
    let _building = BUILDING.lock().await;
    {
        let built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
        if built.iter().any(|b| b == build) {
            return Ok(());
        }
    }
    let line = build.join(" ");
    let failed = |message: String| BootError::Build {
        command: line.clone(),
        message,
    };
    let Some((program, args)) = build.split_first() else {
        return Err(failed("build command is empty".to_owned()));
    };
    // Made absolute: the child runs in the target file's directory.
    let program = if program.contains('/') {
        std::path::absolute(spec.base_dir.join(program)).map_err(|e| failed(e.to_string()))?
    } else {
        PathBuf::from(program)
    };
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let cwd = spec.base_dir.clone();
    tokio::task::spawn_blocking(move || run(&program, &args, &cwd, TARGET_BUILD_TIMEOUT))
        .await
        .map_err(|e| failed(format!("build task failed: {e}")))?
        .map_err(|e| failed(e.to_string()))?;
    BUILT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(build.to_vec());
    Ok(())
}

/// Runs an image build script (e.g. `ci/build-image.sh`, a no-op when its inputs did
/// not change) with `bash` from `cwd`, bounded by `timeout`. The error names the
/// script and carries the end of its stderr.
pub fn build_image(script: &Path, cwd: &Path, timeout: Duration) -> Result<(), String> {
    run(Path::new("bash"), &[script.into()], cwd, timeout)
        .map_err(|e| format!("{} failed: {e}", script.display()))
}

/// Why a build command failed.
#[derive(Debug, thiserror::Error)]
enum BuildFailure {
    #[error("cannot start it: {0}")]
    Start(std::io::Error),
    #[error("did not finish within {0:?}; killed")]
    TimedOut(Duration),
    #[error("waiting for it: {0}")]
    Wait(std::io::Error),
    #[error("{status}\n{stderr}")]
    Failed { status: ExitStatus, stderr: String },
}

/// Runs `program args` in `cwd` without cargo's package env, stdout discarded, in its
/// own process group, which is killed if it is still running after `timeout`.
fn run(
    program: &Path,
    args: &[OsString],
    cwd: &Path,
    timeout: Duration,
) -> Result<(), BuildFailure> {
    let mut command = Command::new(program);
    for key in cargo_package_env() {
        command.env_remove(key);
    }
    let mut child = command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(BuildFailure::Start)?;
    let stderr = child.stderr.take();
    let collect = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        }
        text
    });
    let status = wait_bounded(&mut child, timeout)?;
    let stderr = collect.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let tail: Vec<&str> = stderr.lines().rev().take(STDERR_LINES).collect();
    Err(BuildFailure::Failed {
        status,
        stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    })
}

/// Waits for `child`, killing its process group after `timeout`.
fn wait_bounded(child: &mut Child, timeout: Duration) -> Result<ExitStatus, BuildFailure> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.wait();
                return Err(BuildFailure::TimedOut(timeout));
            }
            // Polling with a bounded total wait: there is no portable wait-with-timeout
            // for a std child.
            Ok(None) => std::thread::sleep(pause),
            Err(e) => return Err(BuildFailure::Wait(e)),
        }
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// The variables cargo sets for the package it runs (`cargo run`, `cargo test`), as
/// present in this process. A build command that runs cargo must not inherit them:
/// cargo tracks build-script inputs such as ring's `CARGO_MANIFEST_DIR`, so a build
/// started from `cargo run -p harness` would rebuild those crates, and the next plain
/// `cargo build` would rebuild them back.
fn cargo_package_env() -> Vec<OsString> {
    const EXACT: [&str; 7] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
    ];
    std::env::vars_os()
        .map(|(key, _)| key)
        .filter(|key| {
            key.to_str().is_some_and(|k| {
                EXACT.contains(&k) || k.starts_with("CARGO_PKG_") || k.starts_with("CARGO_BIN_EXE_")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Result<(), BuildFailure> {
        run(
            Path::new("sh"),
            &["-c".into(), script.into()],
            Path::new("."),
            timeout,
        )
    }

    #[test]
    fn a_failed_build_reports_its_status_and_stderr() {
        let error = sh("echo out; echo broken >&2; exit 3", Duration::from_secs(30))
            .expect_err("exit 3 fails");
        let message = error.to_string();
        assert!(message.contains("exit status: 3"), "{message}");
        assert!(message.contains("broken"), "{message}");
        assert!(
            !message.contains("out"),
            "stdout is not the error: {message}"
        );
        sh("true", Duration::from_secs(30)).expect("exit 0 passes");
    }

    #[test]
    fn a_build_past_its_bound_is_killed_with_its_children() {
        let started = Instant::now();
        let error =
            sh("sleep 30 & sleep 30; wait", Duration::from_millis(300)).expect_err("timed out");
        assert!(matches!(error, BuildFailure::TimedOut(_)), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not waited out"
        );
    }

    #[test]
    fn cargo_package_env_is_not_passed_on() {
        // Under `cargo test`, cargo sets CARGO_PKG_NAME for this package.
        let cleared = cargo_package_env();
        assert!(cleared.iter().any(|k| k == "CARGO_PKG_NAME"), "{cleared:?}");
        sh(
            "test -z \"$CARGO_PKG_NAME\" && test -z \"$CARGO_MANIFEST_DIR\"",
            Duration::from_secs(30),
        )
        .expect("the build does not see them");
    }
}
