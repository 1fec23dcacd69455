//! What a test suite needs from outside the workspace (a Docker engine, an nginx
//! binary, Chromium), and what the suite does without it: skip, reported as skipped, or fail
//! when the environment requires it (CI sets `HARNESS_REQUIRE_DOCKER=1`,
//! `HARNESS_REQUIRE_NGINX=1`, `HARNESS_REQUIRE_BROWSER=1`).
//!
//! A suite that returns early without its prerequisite would count as passed; the
//! suites use [`Prerequisite::check`] to mark their tests ignored instead, or failed.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};

/// Something a test suite needs that the workspace cannot provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prerequisite {
    /// A Docker engine answering `docker info` (`DOCKER_HOST` or the CLI's context).
    Docker,
    /// An nginx binary: `HARNESS_NGINX`, else `/usr/sbin/nginx`, else `nginx` on `PATH`.
    Nginx,
    /// A Chromium binary: `HARNESS_CHROMIUM`, else `chromium` or `chromium-browser` on
    /// `PATH` (see [`crate::browser::find_chromium`]).
    Chromium,
}

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A Docker engine answered; its server version.
    DockerEngine {
        /// As `docker info` reports it.
        server_version: String,
    },
    /// The nginx binary to run.
    Nginx(PathBuf),
    /// The Chromium binary to run.
    Chromium(PathBuf),
}

/// Why a prerequisite cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// `docker info` failed or could not run.
    #[error("no Docker engine answers `docker info` ({host}): {detail}")]
    NoEngine {
        /// `DOCKER_HOST=...`, or that the CLI's context was used.
        host: String,
        /// The CLI's error, or why it did not run.
        detail: String,
    },
    /// `HARNESS_NGINX` names something that is not a file.
    #[error("HARNESS_NGINX={} is not a file", .0.display())]
    NginxNotAFile(PathBuf),
    /// No nginx where one is looked for.
    #[error(
        "nginx is not installed: neither /usr/sbin/nginx nor nginx on PATH (apt-get install nginx-light)"
    )]
    NoNginx,
    /// No Chromium where one is looked for, or `HARNESS_CHROMIUM` is wrong.
    #[error("{0}")]
    NoChromium(String),
    /// The require variable is set to something other than `1` or `0`: a typo in CI
    /// must not turn a requirement into a skip.
    #[error("{var}={value:?}: expected 1 (required) or 0 (skipped when missing)")]
    BadRequireValue {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
}

/// What a suite does about its prerequisite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Present: run the suite with it.
    Available(Found),
    /// Missing and not required: report the suite's tests as ignored (skipped).
    Skip(Unavailable),
    /// Missing but required, or the require variable is malformed: every test fails.
    Required(Unavailable),
}

/// Where Debian's nginx package puts the binary.
const DEBIAN_NGINX: &str = "/usr/sbin/nginx";

impl Prerequisite {
    /// The variable that, set to `1`, makes a missing prerequisite a failure.
    pub fn require_var(self) -> &'static str {
        match self {
            Self::Docker => "HARNESS_REQUIRE_DOCKER",
            Self::Nginx => "HARNESS_REQUIRE_NGINX",
            Self::Chromium => "HARNESS_REQUIRE_BROWSER",
        }
    }

    /// Looks for the prerequisite and decides, reading the environment only through
    /// `env` (the process's is [`std::env::var_os`]; tests pass a map).
    pub fn check(self, env: impl Fn(&str) -> Option<OsString>) -> Status {
        let required = match required(self.require_var(), env(self.require_var())) {
            Ok(required) => required,
            Err(bad) => return Status::Required(bad),
        };
        let found = match self {
            Self::Docker => docker_engine(env("DOCKER_HOST").as_deref()),
            Self::Nginx => find_nginx(&env, Path::new(DEBIAN_NGINX)).map(Found::Nginx),
            Self::Chromium => find_chromium(&env),
        };
        match found {
            Ok(found) => Status::Available(found),
            Err(missing) if required => Status::Required(missing),
            Err(missing) => Status::Skip(missing),
        }
    }

    /// [`Self::check`] against the process environment.
    pub fn check_process_env(self) -> Status {
        self.check(|key| std::env::var_os(key))
    }

    /// Writes `<dir>/<suite>.xml`, a JUnit report of `tests` skipped for `reason`, so
    /// CI shows a skipped suite as skipped (cargo test and nextest's JUnit leave
    /// ignored tests out). Returns the file written.
    pub fn write_skipped_junit(
        self,
        dir: &Path,
        suite: &str,
        tests: &[String],
        reason: &Unavailable,
    ) -> std::io::Result<PathBuf> {
        use quick_junit::{Report, TestCase, TestCaseStatus, TestSuite};
        let message = format!(
            "{reason} (set {}=1 to make this a failure)",
            self.require_var()
        );
        let mut junit_suite = TestSuite::new(suite);
        for name in tests {
            let mut status = TestCaseStatus::skipped();
            status.set_message(message.as_str());
            junit_suite.add_test_case(TestCase::new(name.as_str(), status));
        }
        let mut report = Report::new(suite);
        report.add_test_suite(junit_suite);
        let xml = report.to_string().map_err(std::io::Error::other)?;
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{suite}.xml"));
        std::fs::write(&path, xml)?;
        Ok(path)
    }

    /// Says that a suite's `tests` are skipped for `reason`: one stderr line, and JUnit
    /// `skipped` elements in `<dir>/<suite>.xml` (see [`Self::write_skipped_junit`]).
    pub fn report_skipped(self, dir: &Path, suite: &str, tests: &[String], reason: &Unavailable) {
        eprintln!("{}", self.skip_line(tests.len(), reason));
        match self.write_skipped_junit(dir, suite, tests, reason) {
            Ok(path) => eprintln!("skipped tests listed in {}", path.display()),
            Err(e) => eprintln!("cannot write the skipped-tests JUnit report: {e}"),
        }
    }

    /// The one stderr line a suite prints when it skips `tests` tests for `reason`.
    pub fn skip_line(self, tests: usize, reason: &Unavailable) -> String {
        let plural = if tests == 1 { "" } else { "s" };
        format!(
            "skipped {tests} test{plural}: {reason} (set {}=1 to make this a failure)",
            self.require_var()
        )
    }
}

/// The `main` of a libtest-mimic suite that needs `prerequisite`: runs the trials made
/// for its status and exits. Skipped tests are also written as JUnit `skipped` elements
/// to `target/rc-report/skipped/<suite>.xml`, so CI shows a skip, never a pass.
pub fn run_suite(
    suite: &str,
    prerequisite: Prerequisite,
    trials: impl FnOnce(&Arc<Status>) -> Vec<Trial>,
) -> ! {
    let args = Arguments::from_args();
    let status = Arc::new(prerequisite.check_process_env());
    let trials = trials(&status);
    if let Status::Skip(reason) = &*status {
        let skipped: Vec<String> = trials
            .iter()
            .filter(|t| t.has_ignored_flag() && args.is_ignored(t) && !args.is_filtered_out(t))
            .map(|t| t.name().to_owned())
            .collect();
        if !args.list && !skipped.is_empty() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/rc-report/skipped");
            prerequisite.report_skipped(&dir, suite, &skipped, reason);
        }
    }
    libtest_mimic::run(&args, trials).exit()
}

/// A trial of a suite run by [`run_suite`] that needs a binary (nginx, Chromium):
/// given the binary, on its own current-thread runtime (as `#[tokio::test]` does);
/// ignored when the binary is missing, failing with the reason when it is required (or
/// when run anyway with `--ignored`).
pub fn binary_trial<T, F>(status: &Arc<Status>, name: String, test: T) -> Trial
where
    T: FnOnce(PathBuf) -> F + Send + 'static,
    F: Future<Output = ()>,
{
    let skipped = matches!(**status, Status::Skip(_));
    let status = Arc::clone(status);
    Trial::test(name, move || {
        let binary = match &*status {
            Status::Available(found) => found.binary().map(Path::to_path_buf),
            _ => None,
        };
        let Some(binary) = binary else {
            return Err(status
                .failure()
                .unwrap_or_else(|| format!("not a binary: {status:?}"))
                .into());
        };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot build a tokio runtime: {e}"))?
            .block_on(test(binary));
        Ok(())
    })
    .with_ignored_flag(skipped)
}

impl Found {
    /// The binary to run, for the prerequisites that are one.
    pub fn binary(&self) -> Option<&Path> {
        match self {
            Found::Nginx(binary) | Found::Chromium(binary) => Some(binary),
            Found::DockerEngine { .. } => None,
        }
    }
}

impl Status {
    /// Why a test of the suite cannot run (`None` when it can): what a required test
    /// fails with, and an ignored one run anyway (`--ignored`).
    pub fn failure(&self) -> Option<String> {
        match self {
            Self::Available(_) => None,
            Self::Skip(reason) => Some(reason.to_string()),
            Self::Required(bad @ Unavailable::BadRequireValue { .. }) => Some(bad.to_string()),
            Self::Required(reason) => Some(format!("{}=1 but {reason}", reason.require_var())),
        }
    }
}

impl Unavailable {
    /// The require variable of the prerequisite this is about.
    fn require_var(&self) -> &'static str {
        match self {
            Self::NoEngine { .. } => Prerequisite::Docker.require_var(),
            Self::NginxNotAFile(_) | Self::NoNginx => Prerequisite::Nginx.require_var(),
            Self::NoChromium(_) => Prerequisite::Chromium.require_var(),
            Self::BadRequireValue { var, .. } => var,
        }
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DockerEngine { server_version } => write!(f, "Docker engine {server_version}"),
            Self::Nginx(path) => write!(f, "nginx at {}", path.display()),
            Self::Chromium(path) => write!(f, "Chromium at {}", path.display()),
        }
    }
}

/// `1` requires, unset, empty or `0` does not; anything else is refused.
fn required(var: &'static str, value: Option<OsString>) -> Result<bool, Unavailable> {
    match value.as_deref().map(OsStr::to_string_lossy).as_deref() {
        None | Some("" | "0") => Ok(false),
        Some("1") => Ok(true),
        Some(other) => Err(Unavailable::BadRequireValue {
            var,
            value: other.to_owned(),
        }),
    }
}

/// Looks for Chromium as the browser checks do, reading only `HARNESS_CHROMIUM` and
/// `PATH` through `env`.
fn find_chromium(env: &impl Fn(&str) -> Option<OsString>) -> Result<Found, Unavailable> {
    let vars = ["HARNESS_CHROMIUM", "PATH"]
        .into_iter()
        .filter_map(|key| Some((key.to_owned(), env(key)?.to_string_lossy().into_owned())))
        .collect();
    crate::browser::find_chromium(&vars)
        .map(Found::Chromium)
        .map_err(|e| Unavailable::NoChromium(e.kind.to_string()))
}

/// Asks the engine `docker_host` (or the CLI's context when `None`) for its version.
fn docker_engine(docker_host: Option<&OsStr>) -> Result<Found, Unavailable> {
    let host = match docker_host {
        Some(host) => format!("DOCKER_HOST={}", host.to_string_lossy()),
        None => "DOCKER_HOST unset: the docker CLI's current context".to_owned(),
    };
    let mut command = Command::new("docker");
    command
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdin(Stdio::null());
    // The lookup, not the process, decides which engine is asked.
    match docker_host {
        Some(value) => command.env("DOCKER_HOST", value),
        None => command.env_remove("DOCKER_HOST"),
    };
    let output = command.output().map_err(|e| Unavailable::NoEngine {
        host: host.clone(),
        detail: format!("cannot run the docker CLI: {e}"),
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() && !stdout.is_empty() {
        return Ok(Found::DockerEngine {
            server_version: stdout,
        });
    }
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    Err(Unavailable::NoEngine {
        host,
        detail: if stderr.is_empty() {
            format!("`docker info` {}", output.status)
        } else {
            stderr
        },
    })
}

/// The nginx binary: `HARNESS_NGINX` when set (a missing file there counts as not
/// installed, never as "look elsewhere"), else `debian`, else `nginx` on `PATH`.
fn find_nginx(
    env: impl Fn(&str) -> Option<OsString>,
    debian: &Path,
) -> Result<PathBuf, Unavailable> {
    if let Some(path) = env("HARNESS_NGINX") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Unavailable::NginxNotAFile(path))
        };
    }
    if debian.is_file() {
        return Ok(debian.to_path_buf());
    }
    env("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
        .ok_or(Unavailable::NoNginx)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_skipped_suite_writes_junit_skipped_elements() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = Prerequisite::Nginx
            .write_skipped_junit(
                dir.path(),
                "foreign_server",
                &["a".to_owned(), "b".to_owned()],
                &Unavailable::NoNginx,
            )
            .expect("written");
        let xml = std::fs::read_to_string(path).expect("read");
        assert_eq!(xml.matches("<skipped").count(), 2, "{xml}");
        assert!(xml.contains("disabled=\"2\""), "{xml}");
        assert!(xml.contains("HARNESS_REQUIRE_NGINX=1"), "{xml}");
    }

    fn lookup(pairs: &[(&str, &OsStr)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let map: BTreeMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key| map.get(key).cloned()
    }

    fn os(s: &str) -> &OsStr {
        OsStr::new(s)
    }

    /// An empty file `name` in `dir`, standing in for an nginx binary.
    fn empty_file(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, "").expect("write");
        path
    }

    #[test]
    fn the_require_variable_is_1_or_0_and_nothing_else() {
        let var = "HARNESS_REQUIRE_NGINX";
        assert_eq!(required(var, None), Ok(false));
        assert_eq!(required(var, Some("".into())), Ok(false));
        assert_eq!(required(var, Some("0".into())), Ok(false));
        assert_eq!(required(var, Some("1".into())), Ok(true));
        let bad = required(var, Some("true".into())).expect_err("refused");
        assert_eq!(
            bad.to_string(),
            "HARNESS_REQUIRE_NGINX=\"true\": expected 1 (required) or 0 (skipped when missing)"
        );
    }

    #[test]
    fn harness_nginx_wins_and_a_missing_file_there_is_not_installed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let chosen = empty_file(dir.path(), "my-nginx");
        let debian = empty_file(dir.path(), "debian-nginx");

        let env = lookup(&[("HARNESS_NGINX", chosen.as_os_str())]);
        assert_eq!(find_nginx(&env, &debian), Ok(chosen));

        let gone = dir.path().join("nonexistent");
        let env = lookup(&[("HARNESS_NGINX", gone.as_os_str())]);
        assert_eq!(
            find_nginx(&env, &debian),
            Err(Unavailable::NginxNotAFile(gone))
        );
    }

    #[test]
    fn nginx_is_looked_for_in_debians_place_then_on_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("mkdir");
        let debian = dir.path().join("sbin-nginx");
        let path = std::env::join_paths([dir.path().join("empty"), bin.clone()]).expect("PATH");
        let env = lookup(&[("PATH", &path)]);

        assert_eq!(find_nginx(&env, &debian), Err(Unavailable::NoNginx));
        let on_path = empty_file(&bin, "nginx");
        assert_eq!(find_nginx(&env, &debian), Ok(on_path));
        let debian = empty_file(dir.path(), "sbin-nginx");
        assert_eq!(find_nginx(&env, &debian), Ok(debian));
    }

    #[test]
    fn missing_nginx_skips_unless_required() {
        let env = |require: &str| {
            lookup(&[
                ("HARNESS_NGINX", os("/nonexistent/nginx")),
                ("HARNESS_REQUIRE_NGINX", os(require)),
            ])
        };
        let missing = Unavailable::NginxNotAFile("/nonexistent/nginx".into());
        let skip = Prerequisite::Nginx.check(env("0"));
        assert_eq!(skip, Status::Skip(missing.clone()));
        assert_eq!(
            skip.failure().as_deref(),
            Some("HARNESS_NGINX=/nonexistent/nginx is not a file")
        );

        let required = Prerequisite::Nginx.check(env("1"));
        assert_eq!(required, Status::Required(missing.clone()));
        assert_eq!(
            required.failure().as_deref(),
            Some("HARNESS_REQUIRE_NGINX=1 but HARNESS_NGINX=/nonexistent/nginx is not a file")
        );

        let bad = Prerequisite::Nginx.check(env("yes"));
        assert!(
            matches!(bad, Status::Required(Unavailable::BadRequireValue { .. })),
            "{bad:?}"
        );
    }

    #[test]
    fn present_nginx_is_available_whatever_is_required() {
        let dir = tempfile::tempdir().expect("temp dir");
        let binary = empty_file(dir.path(), "nginx");
        for require in ["0", "1"] {
            let env = lookup(&[
                ("HARNESS_NGINX", binary.as_os_str()),
                ("HARNESS_REQUIRE_NGINX", os(require)),
            ]);
            let status = Prerequisite::Nginx.check(env);
            assert_eq!(status, Status::Available(Found::Nginx(binary.clone())));
            assert_eq!(status.failure(), None);
        }
    }

    /// Runs the docker CLI (or fails to): either way no engine is at that socket.
    #[test]
    fn no_engine_at_docker_host_skips_unless_required() {
        let socket = os("unix:///nonexistent/docker.sock");
        let skip = Prerequisite::Docker.check(lookup(&[("DOCKER_HOST", socket)]));
        let Status::Skip(Unavailable::NoEngine { host, .. }) = &skip else {
            panic!("{skip:?}");
        };
        assert_eq!(host, "DOCKER_HOST=unix:///nonexistent/docker.sock");

        let required = Prerequisite::Docker.check(lookup(&[
            ("DOCKER_HOST", socket),
            ("HARNESS_REQUIRE_DOCKER", os("1")),
        ]));
        assert!(
            matches!(required, Status::Required(Unavailable::NoEngine { .. })),
            "{required:?}"
        );
        let failure = required.failure().unwrap_or_default();
        assert!(
            failure.starts_with(
                "HARNESS_REQUIRE_DOCKER=1 but no Docker engine answers `docker info` \
                 (DOCKER_HOST=unix:///nonexistent/docker.sock): "
            ),
            "{failure}"
        );
    }

    #[test]
    fn the_skip_line_names_the_count_the_reason_and_the_variable() {
        assert_eq!(
            Prerequisite::Nginx.skip_line(2, &Unavailable::NoNginx),
            "skipped 2 tests: nginx is not installed: neither /usr/sbin/nginx nor nginx on \
             PATH (apt-get install nginx-light) (set HARNESS_REQUIRE_NGINX=1 to make this a failure)"
        );
        let line = Prerequisite::Docker.skip_line(
            1,
            &Unavailable::NoEngine {
                host: "DOCKER_HOST=unix:///x".to_owned(),
                detail: "exit status: 1".to_owned(),
            },
        );
        assert_eq!(
            line,
            "skipped 1 test: no Docker engine answers `docker info` (DOCKER_HOST=unix:///x): \
             exit status: 1 (set HARNESS_REQUIRE_DOCKER=1 to make this a failure)"
        );
    }
}
