//! Container targets against a real Docker engine: the reference image (built by
//! `ci/build-image.sh`, never pulled) boots, serves health and static assets, takes the
//! regression switches as env, reports a refused configuration, is removed on drop (also
//! after a panic), keeps notes written through Micropub across stop/start and
//! SIGKILL on the same volume, and is gated against itself as a baseline (also through
//! the CLI, as the README shows it, with the image under a second tag as the baseline).
//!
//! Needs a Docker engine answering `docker info`. Without one, every test that needs it
//! is reported ignored (skipped) with one line on stderr, or fails with the reason when
//! `HARNESS_REQUIRE_DOCKER=1`. Run by libtest-mimic (`harness = false`), so a skip is
//! counted as one; each test gets its own tokio runtime.

use harness::prerequisite::{Prerequisite, run_suite};

fn main() {
    run_suite("container", Prerequisite::Docker, container::trials)
}

// Every name starts `container::`, so `cargo test -p harness container` selects every
// test here (the Docker CLI's unit tests are `harness::server::docker`'s).
mod container {
    use std::collections::BTreeMap;
    use std::future::Future;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use harness::prerequisite::Status;
    use harness::server::docker::{LABEL, bridge_gateway, engine_available, sweep};
    use harness::server::{
        BootError, ContainerOptions, ContainerServer, Server, TargetSpec, boot, boot_expecting_exit,
    };
    use libtest_mimic::{Failed, Trial};
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const IMAGE: &str = "rc-harness/reference-server";
    const TAG: &str = "dev";
    /// The first build compiles a static release binary: minutes on two cores.
    const BUILD_TIMEOUT: Duration = Duration::from_secs(25 * 60);
    const SITE: &str = "https://blog.example";
    const GOOD: &str = "good-token";
    /// Set in the child process that [`without_an_engine_boot_says_so`] starts.
    const NO_ENGINE_CHILD: &str = "HARNESS_TEST_NO_ENGINE_CHILD";

    /// Every test of the suite, under the engine's `status`.
    pub(crate) fn trials(status: &Arc<Status>) -> Vec<Trial> {
        vec![
            needs_engine(
                status,
                "serves_health_and_static_assets",
                serves_health_and_static_assets,
            ),
            needs_engine(
                status,
                "regression_switch_reaches_the_container",
                regression_switch_reaches_the_container,
            ),
            needs_engine(
                status,
                "refused_configuration_reports_exit_code_and_output",
                refused_configuration_reports_exit_code_and_output,
            ),
            needs_engine(
                status,
                "missing_image_is_a_clear_boot_error",
                missing_image_is_a_clear_boot_error,
            ),
            needs_engine(
                status,
                "container_is_removed_on_drop_even_after_a_panic",
                container_is_removed_on_drop_even_after_a_panic,
            ),
            Trial::test(
                "container::without_an_engine_boot_says_so",
                without_an_engine_boot_says_so,
            ),
            needs_engine(
                status,
                "sweep_removes_leftovers_but_not_live_runs",
                sweep_removes_leftovers_but_not_live_runs,
            ),
            needs_engine(
                status,
                "notes_survive_stop_start_and_sigkill_on_the_same_volume",
                notes_survive_stop_start_and_sigkill_on_the_same_volume,
            ),
            needs_engine(
                status,
                "gate_catches_switches_against_a_baseline_container",
                gate_catches_switches_against_a_baseline_container,
            ),
            needs_engine(
                status,
                "gate_against_an_image_tag_through_the_cli",
                gate_against_an_image_tag_through_the_cli,
            ),
        ]
    }

    /// The generic gate scenario (no metric named) against the repository's container
    /// target file, with `switch` on, recording the metric deltas.
    async fn generic_run(switch: Option<&str>) -> harness::report::json::Document {
        use harness::report::RunReport;
        use harness::scenario::{RunOptions, Scenario, run_scenarios};
        let root = workspace_root();
        let spec = TargetSpec::load(&root.join("scenarios/targets/reference-container.toml"))
            .expect("target file");
        let scenario = Scenario::load(&root.join("scenarios/gate/generic.toml")).expect("scenario");
        let options = RunOptions {
            extra_env: env(&switch
                .map(|s| vec![("REFSERVER_REGRESSIONS", s)])
                .unwrap_or_default()),
            record_metric_deltas: true,
            ..RunOptions::default()
        };
        let mut report = RunReport::new();
        run_scenarios(&[scenario], &spec, &options, &mut report).await;
        harness::report::json::Document::new(&report)
    }

    /// `harness gate --baseline` in container mode: the image without a switch is the
    /// baseline; each switch is a regression naming the asset or the series.
    async fn gate_catches_switches_against_a_baseline_container() {
        use harness::compare::{FindingArea, compare_runs};
        let baseline = generic_run(None).await;
        assert_eq!(baseline.exit_code, 0, "{baseline:#?}");
        let wrong_type = compare_runs(&baseline, &generic_run(Some("wrong-content-type")).await);
        assert!(
            wrong_type
                .regressions
                .iter()
                .any(|f| f.area == FindingArea::Asset
                    && f.subject == "/static/css/style.css"
                    && f.candidate == "application/octet-stream"),
            "{:#?}",
            wrong_type.regressions
        );
        let unwired = compare_runs(&baseline, &generic_run(Some("unwired-db-metrics")).await);
        assert!(
            unwired
                .regressions
                .iter()
                .any(|f| f.area == FindingArea::Metric
                    && f.subject.contains("refserver_operations_total")
                    && f.subject.contains("type=\"database\"")),
            "{:#?}",
            unwired.regressions
        );
    }

    /// The image under a second tag, removed when dropped (also after a panic).
    struct Tagged(String);

    impl Tagged {
        fn new(tag: String) -> Self {
            harness::server::docker::tag_image(IMAGE, TAG, &tag)
                .unwrap_or_else(|e| panic!("tagging {IMAGE}:{TAG} as {tag}: {e}"));
            Self(tag)
        }
    }

    impl Drop for Tagged {
        fn drop(&mut self) {
            if let Err(e) = harness::server::docker::untag_image(IMAGE, &self.0) {
                eprintln!("warning: cannot remove the tag {IMAGE}:{}: {e}", self.0);
            }
        }
    }

    /// The README's image-tag baseline, run as it shows it: the built image tagged a
    /// second time is the last release, the README's `last-release.toml` block (its tag
    /// swapped for this run's) the baseline target file, `harness gate --baseline` the
    /// real binary. The image against itself passes; a candidate with
    /// `wrong-content-type` fails naming the stylesheet.
    async fn gate_against_an_image_tag_through_the_cli() {
        let root = workspace_root();
        // Per run, so concurrent runs on one engine never remove each other's tag.
        let tag = format!("baseline-test-{}", std::process::id());
        let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
        let block = readme
            .split("```toml\n")
            .filter_map(|rest| rest.split("```").next())
            .find(|b| b.contains("tag = \"last-release\""))
            .expect("the README shows the last release's container target file");
        let dir = tempfile::tempdir().expect("tempdir");
        let baseline = dir.path().join("last-release.toml");
        std::fs::write(
            &baseline,
            block.replace("tag = \"last-release\"", &format!("tag = \"{tag}\"")),
        )
        .expect("write the baseline target file");
        let missing = harness::server::docker::tag_image(IMAGE, "no-such-tag", &tag)
            .expect_err("tagging a missing image fails");
        assert!(missing.contains("no-such-tag"), "{missing}");
        let tagged = Tagged::new(tag.clone());

        let gate = |target: &Path, report: &str| {
            let output = Command::new(env!("CARGO_BIN_EXE_harness"))
                .arg("gate")
                .arg("--scenario")
                .arg(root.join("scenarios/gate/generic.toml"))
                .arg("--target")
                .arg(target)
                .arg("--baseline")
                .arg(&baseline)
                .arg("--report-dir")
                .arg(dir.path().join(report))
                .output()
                .expect("harness runs");
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        };
        let (code, stderr) = gate(
            &root.join("scenarios/targets/reference-container.toml"),
            "same",
        );
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stderr.contains("harness: baseline run: reference-server (last release)"),
            "{stderr}"
        );
        assert!(dir.path().join("same/baseline/report.json").is_file());

        let candidate = dir.path().join("candidate.toml");
        std::fs::write(
            &candidate,
            block
                .replace("(last release)", "(candidate)")
                .replace("tag = \"last-release\"", &format!("tag = \"{TAG}\""))
                .replace(
                    "RUST_LOG = \"warn\"",
                    "RUST_LOG = \"warn\", REFSERVER_REGRESSIONS = \"wrong-content-type\"",
                ),
        )
        .expect("write the candidate target file");
        let (code, stderr) = gate(&candidate, "broken");
        assert_eq!(code, Some(1), "{stderr}");
        let gate_json =
            std::fs::read_to_string(dir.path().join("broken/gate.json")).expect("gate.json");
        assert!(
            gate_json.contains("/static/css/style.css")
                && gate_json.contains("application/octet-stream"),
            "{gate_json}"
        );

        drop(tagged);
        let still_there = Command::new("docker")
            .args(["image", "inspect", &format!("{IMAGE}:{tag}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(!still_there, "{IMAGE}:{tag} was not removed");
    }

    /// A test that needs the engine and the image, run on its own runtime: ignored
    /// when the engine is missing, failing with the reason when it is required (or
    /// when run anyway with `--ignored`), failing when the image cannot be built.
    fn needs_engine<T, F>(status: &Arc<Status>, name: &str, test: T) -> Trial
    where
        T: FnOnce() -> F + Send + 'static,
        F: Future<Output = ()>,
    {
        let skipped = matches!(**status, Status::Skip(_));
        let status = Arc::clone(status);
        Trial::test(format!("container::{name}"), move || {
            if let Some(reason) = status.failure() {
                return Err(reason.into());
            }
            static IMAGE_BUILT: OnceLock<Result<(), String>> = OnceLock::new();
            IMAGE_BUILT.get_or_init(build_image).clone()?;
            block_on(test());
            Ok(())
        })
        .with_ignored_flag(skipped)
    }

    /// Runs a test's future on a fresh current-thread runtime, as `#[tokio::test]` does.
    fn block_on<F: Future<Output = ()>>(future: F) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(future);
    }

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".."))
    }

    fn build_image() -> Result<(), String> {
        let root = workspace_root();
        harness::server::build_image(&root.join("ci/build-image.sh"), &root, BUILD_TIMEOUT)
    }

    fn spec(tag: &str) -> TargetSpec {
        let text = format!(
            r#"
            name = "reference-container"
            kind = "container"
            [container]
            image = "{IMAGE}"
            tag = "{tag}"
            port = 8000
            env = {{ ADMIN_TOKEN = "container-admin-token" }}
            [ready]
            path = "/health"
            timeout_secs = 60
            "#
        );
        TargetSpec::parse(&text, workspace_root()).expect("valid target file")
    }

    fn http_client() -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client")
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    async fn get(client: &reqwest::Client, target: &Server, path: &str) -> reqwest::Response {
        let url = target.url(path).expect("url");
        client
            .get(url.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}\noutput:\n{}", target.output()))
    }

    /// Container ids that still exist and carry our label.
    fn labelled_containers() -> Vec<String> {
        let out = Command::new("docker")
            .args(["ps", "--all", "--no-trunc", "--quiet", "--filter"])
            .arg(format!("label={LABEL}"))
            .output()
            .expect("docker ps");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn container_exists(id: &str) -> bool {
        Command::new("docker")
            .args(["container", "inspect", id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    async fn serves_health_and_static_assets() {
        let client = http_client();
        let target = boot(&spec(TAG), &BTreeMap::new(), &client)
            .await
            .unwrap_or_else(|e| panic!("boot: {e}\n{}", e.output().unwrap_or_default()));
        assert!(matches!(target, Server::Container(_)));
        assert_eq!(target.url("/").expect("url").host_str(), Some("127.0.0.1"));

        let health = get(&client, &target, "/health").await;
        assert_eq!(health.status(), 200);
        let css = get(&client, &target, "/static/css/style.css").await;
        assert_eq!(css.status(), 200, "output:\n{}", target.output());
        let content_type = css
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(content_type.starts_with("text/css"), "{content_type}");
        assert!(!css.bytes().await.expect("body").is_empty());

        let output = target.output();
        assert!(
            output.contains("[stdout] listening on http://0.0.0.0:8000"),
            "{output}"
        );
    }

    /// Guards the `buffered-body-size` regression switch: passed as container env, it
    /// must turn streamed static responses into 500s, as the incident did.
    async fn regression_switch_reaches_the_container() {
        let client = http_client();
        let switch = env(&[("REFSERVER_REGRESSIONS", "buffered-body-size")]);
        let target = boot(&spec(TAG), &switch, &client)
            .await
            .unwrap_or_else(|e| panic!("boot: {e}\n{}", e.output().unwrap_or_default()));
        assert_eq!(get(&client, &target, "/health").await.status(), 200);
        let css = get(&client, &target, "/static/css/style.css").await;
        assert_eq!(css.status(), 500, "output:\n{}", target.output());
        assert!(
            target.output().contains("REGRESSION SWITCHES ON"),
            "{}",
            target.output()
        );
    }

    async fn refused_configuration_reports_exit_code_and_output() {
        let bad = env(&[("METRICS_SAMPLING_RATE", "2.5")]);
        let (code, output) = boot_expecting_exit(&spec(TAG), &bad, &http_client())
            .await
            .expect("the container exits");
        assert_eq!(code, Some(2), "{output}");
        assert!(output.contains("METRICS_SAMPLING_RATE"), "{output}");
    }

    async fn missing_image_is_a_clear_boot_error() {
        let Err(error) = boot(&spec("no-such-tag"), &BTreeMap::new(), &http_client()).await else {
            panic!("booted an image that does not exist");
        };
        let message = error.to_string();
        assert!(matches!(error, BootError::Spawn { .. }), "{message}");
        assert!(message.contains("no-such-tag"), "{message}");
        assert!(message.contains("ci/build-image.sh"), "{message}");
    }

    async fn container_is_removed_on_drop_even_after_a_panic() {
        let client = http_client();
        let target = boot(&spec(TAG), &BTreeMap::new(), &client)
            .await
            .expect("boot");
        let Server::Container(container) = &target else {
            panic!("not a container target");
        };
        let id = container.id().to_owned();
        assert!(labelled_containers().contains(&id), "carries {LABEL}");
        drop(target);
        assert!(!container_exists(&id), "{id} still exists after drop");
        assert!(!labelled_containers().contains(&id));

        // A test that panics while holding a target: unwinding drops it.
        let panicked = std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let target = boot(&spec(TAG), &BTreeMap::new(), &http_client())
                    .await
                    .expect("boot");
                let Server::Container(container) = &target else {
                    panic!("not a container target");
                };
                let id = container.id().to_owned();
                std::panic::panic_any(id);
            })
        })
        .join()
        .expect_err("the thread panicked");
        let id = panicked
            .downcast_ref::<String>()
            .expect("the panic carried the id")
            .clone();
        assert!(!container_exists(&id), "{id} survived a panicking test");
    }

    /// Without an engine, `boot` says plainly that no engine answers. Needs no engine,
    /// so it always runs: with one, in a child process of this test binary pointed at
    /// a socket where none answers.
    fn without_an_engine_boot_says_so() -> Result<(), Failed> {
        if std::env::var_os(NO_ENGINE_CHILD).is_some() || engine_available().is_err() {
            block_on(boot_says_no_engine_answers());
            return Ok(());
        }
        let name = "container::without_an_engine_boot_says_so";
        let exe = std::env::current_exe().map_err(|e| format!("this test binary: {e}"))?;
        let child = Command::new(exe)
            .args([name, "--exact", "--color", "never"])
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .env(NO_ENGINE_CHILD, "1")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot re-run this test binary: {e}"))?;
        let stdout = String::from_utf8_lossy(&child.stdout);
        if child.status.success() && stdout.contains("1 passed;") {
            Ok(())
        } else {
            Err(format!(
                "{name} without an engine ({}):\n{stdout}\n{}",
                child.status,
                String::from_utf8_lossy(&child.stderr)
            )
            .into())
        }
    }

    async fn boot_says_no_engine_answers() {
        let Err(error) = boot(&spec(TAG), &BTreeMap::new(), &http_client()).await else {
            panic!("booted a container without a Docker engine");
        };
        assert!(
            error.to_string().contains("no Docker engine answers"),
            "{error}"
        );
    }

    async fn sweep_removes_leftovers_but_not_live_runs() {
        let docker = |args: &[&str]| {
            let out = Command::new("docker").args(args).output().expect("docker");
            assert!(
                out.status.success(),
                "docker {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        // Left by a run whose process is gone (no pid is this large).
        let stale = format!("rc-harness-999999999-{}-stale", std::process::id());
        docker(&["create", "--name", &stale, &format!("{IMAGE}:{TAG}")]);
        docker(&["volume", "create", "--label", LABEL, &stale]);
        let live = boot(&spec(TAG), &BTreeMap::new(), &http_client())
            .await
            .expect("boot");
        let Server::Container(container) = &live else {
            panic!("not a container target");
        };

        let swept = sweep().expect("sweep");
        assert!(!container_exists(&stale), "{swept:?}");
        assert!(swept.volumes.contains(&stale), "{swept:?}");
        assert!(
            container_exists(container.id()),
            "swept a live run's container"
        );
        assert!(!swept.containers.iter().any(|id| id == container.id()));
    }

    /// A named volume, labelled like everything the harness creates; removed on drop.
    struct Volume(String);

    impl Volume {
        fn create() -> Self {
            // `rc-harness-<pid>-…`: `sweep` leaves it alone while this process lives.
            let name = format!("rc-harness-{}-volume", std::process::id());
            let status = Command::new("docker")
                .args(["volume", "create", "--label", LABEL, &name])
                .stdout(Stdio::null())
                .status()
                .expect("docker volume create");
            assert!(status.success(), "docker volume create {name}");
            Self(name)
        }
    }

    impl Drop for Volume {
        fn drop(&mut self) {
            let _ = Command::new("docker")
                .args(["volume", "rm", "--force", &self.0])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }

    /// An IndieAuth token endpoint the container can reach: bound on the bridge gateway
    /// only (not every interface), knowing one token with `create` scope.
    async fn token_endpoint(gateway: std::net::Ipv4Addr) -> MockServer {
        let listener = std::net::TcpListener::bind((gateway, 0))
            .unwrap_or_else(|e| panic!("bind the bridge gateway {gateway}: {e}"));
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(method("GET"))
            .and(header("authorization", format!("Bearer {GOOD}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "me": format!("{SITE}/"), "scope": "create",
            })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        server
    }

    async fn boot_on(
        volume: &Volume,
        server: &MockServer,
        client: &reqwest::Client,
    ) -> ContainerServer {
        let endpoint = format!("{}/token", server.uri());
        let extra = env(&[("TOKEN_ENDPOINT", &endpoint), ("SITE_URL", SITE)]);
        let options = ContainerOptions {
            volumes: vec![(volume.0.clone(), "/data".to_owned())],
        };
        ContainerServer::boot(&spec(TAG), &extra, &options, client)
            .await
            .unwrap_or_else(|e| panic!("boot: {e}\n{}", e.output().unwrap_or_default()))
    }

    async fn post_note(client: &reqwest::Client, target: &ContainerServer, slug: &str) {
        let url = target.base_url().join("/micropub").expect("url");
        let response = client
            .post(url)
            .bearer_auth(GOOD)
            .form(&[
                ("h", "entry"),
                ("name", slug),
                ("mp-slug", slug),
                ("content", "Written in a container."),
            ])
            .send()
            .await
            .expect("POST /micropub");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, 201, "{body}\noutput:\n{}", target.output());
    }

    async fn note_status(client: &reqwest::Client, target: &ContainerServer, slug: &str) -> u16 {
        let url = target
            .base_url()
            .join(&format!("/notes/{slug}"))
            .expect("url");
        client
            .get(url)
            .send()
            .await
            .expect("GET note")
            .status()
            .as_u16()
    }

    async fn notes_survive_stop_start_and_sigkill_on_the_same_volume() {
        let client = http_client();
        let volume = Volume::create();
        let server = token_endpoint(bridge_gateway().expect("the bridge gateway")).await;

        let first = boot_on(&volume, &server, &client).await;
        assert_eq!(note_status(&client, &first, "kept-across-stop").await, 404);
        post_note(&client, &first, "kept-across-stop").await;
        first.stop().expect("docker stop");
        assert_eq!(first.exited().flatten(), Some(0), "{}", first.output());
        drop(first);

        let second = boot_on(&volume, &server, &client).await;
        assert_eq!(
            note_status(&client, &second, "kept-across-stop").await,
            200,
            "a graceful stop lost the note; output:\n{}",
            second.output()
        );
        post_note(&client, &second, "kept-across-kill").await;
        second.kill().expect("docker kill");
        assert_eq!(second.exited().flatten(), Some(137), "{}", second.output());
        drop(second);

        let third = boot_on(&volume, &server, &client).await;
        for slug in ["kept-across-stop", "kept-across-kill"] {
            assert_eq!(
                note_status(&client, &third, slug).await,
                200,
                "{slug} lost after SIGKILL; output:\n{}",
                third.output()
            );
        }
    }
}
