//! What headless Chromium sees, proven able to fail: the reference server passes with a
//! screenshot written; with `wrong-content-type` Chromium applies no rule of the
//! stylesheet (served as `application/octet-stream`) and the failure names it and its
//! type; with `buffered-body-size` the
//! sub-resources answer 500; a page whose script fetches a missing JSON file fails
//! naming that file. `check-assets` with the browser: what only a script fetches gets
//! the crawl's HTTP checks (through the `harness check-assets --browser` binary), and
//! a scenario's `check-assets = { browser = true }` fails `wrong-content-type` both
//! ways, the crawl's Content-Type check and the browser's unapplied stylesheet. In the
//! gate, the server against itself renders the same (the
//! figures are printed), and the unstyled `wrong-content-type` page is a rendering
//! change: information, or a regression with `rendering = "unchanged"`.
//!
//! Needs Chromium (`HARNESS_CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`;
//! `apt-get install chromium`). Without it the tests are reported ignored (skipped)
//! with one line on stderr, or fail with the reason when `HARNESS_REQUIRE_BROWSER=1`.

use harness::prerequisite::{Prerequisite, run_suite};

fn main() {
    run_suite("browser", Prerequisite::Chromium, browser::trials)
}

// Every name starts `browser::`, so `cargo test -p harness browser` selects them all.
mod browser {
    use std::collections::BTreeMap;
    use std::future::Future;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use std::ffi::OsString;

    use harness::browser::{BrowserSetup, Chromium, LoadOptions, PageLoad, classify};
    use harness::compare::{
        DEFAULT_THRESHOLD, DEFAULT_TOLERANCE, Finding, FindingArea, ScreenshotOptions,
        compare_runs, compare_screenshots, pixels,
    };
    use harness::outcome::{CheckOutcome, Verdict};
    use harness::prerequisite::{self, Found, Status};
    use harness::report::RunReport;
    use harness::report::json::Document;
    use harness::scenario::{RunOptions, Scenario, run_scenarios};
    use harness::server::{Server, TargetSpec, boot};
    use libtest_mimic::Trial;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    pub(crate) fn trials(status: &Arc<Status>) -> Vec<Trial> {
        vec![
            needs_chromium(
                status,
                "the_reference_server_passes_with_a_screenshot",
                the_reference_server_passes_with_a_screenshot,
            ),
            needs_chromium(
                status,
                "wrong_content_type_fails_naming_the_unapplied_stylesheet_and_its_type",
                wrong_content_type_fails_naming_the_unapplied_stylesheet_and_its_type,
            ),
            needs_chromium(
                status,
                "buffered_body_size_fails_the_sub_resources_answered_500",
                buffered_body_size_fails_the_sub_resources_answered_500,
            ),
            needs_chromium(
                status,
                "a_script_fetching_a_missing_json_file_fails_naming_it",
                a_script_fetching_a_missing_json_file_fails_naming_it,
            ),
            needs_chromium(
                status,
                "the_browser_step_fails_wrong_content_type_with_its_origin_and_screenshots",
                the_browser_step_fails_wrong_content_type_with_its_origin_and_screenshots,
            ),
            needs_chromium(
                status,
                "check_assets_browser_checks_what_only_a_script_fetched_through_the_cli",
                check_assets_browser_checks_what_only_a_script_fetched_through_the_cli,
            ),
            needs_chromium(
                status,
                "check_assets_browser_fails_wrong_content_type_both_ways",
                check_assets_browser_fails_wrong_content_type_both_ways,
            ),
            needs_chromium(
                status,
                "the_gate_finds_the_unstyled_page_rendered_differently",
                the_gate_finds_the_unstyled_page_rendered_differently,
            ),
            needs_chromium(
                status,
                "the_cli_gate_links_screenshots_and_fails_a_changed_page_asked_unchanged",
                the_cli_gate_links_screenshots_and_fails_a_changed_page_asked_unchanged,
            ),
            // Needs no Chromium: what the step does without one.
            Trial::test(
                "browser::without_chromium_the_step_is_skipped_or_fails_when_required",
                || {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("tokio runtime")
                        .block_on(without_chromium_the_step_is_skipped_or_fails_when_required());
                    Ok(())
                },
            ),
        ]
    }

    /// A test given the Chromium binary: see `prerequisite::binary_trial`.
    fn needs_chromium<T, F>(status: &Arc<Status>, name: &str, test: T) -> Trial
    where
        T: FnOnce(PathBuf) -> F + Send + 'static,
        F: Future<Output = ()>,
    {
        prerequisite::binary_trial(status, format!("browser::{name}"), test)
    }

    fn workspace() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// The reference server as a process, with `switch` on.
    async fn reference(switch: Option<&str>) -> Server {
        let spec = TargetSpec::load(&workspace().join("scenarios/targets/reference-process.toml"))
            .expect("target file");
        let env: BTreeMap<String, String> = switch
            .map(|s| ("REFSERVER_REGRESSIONS".to_owned(), s.to_owned()))
            .into_iter()
            .collect();
        boot(&spec, &env, &reqwest::Client::new())
            .await
            .unwrap_or_else(|e| panic!("boot: {e}"))
    }

    /// Loads `url` in a fresh Chromium, closed afterwards; screenshots go to `shots`.
    async fn load(binary: &Path, url: &str, shots: Option<&Path>) -> PageLoad {
        let mut chromium = Chromium::launch(binary)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let options = LoadOptions {
            screenshot_dir: shots.map(Path::to_path_buf),
            ..LoadOptions::default()
        };
        let load = chromium.load(url, &options).await;
        chromium.close().await;
        load.unwrap_or_else(|e| panic!("{e}"))
    }

    fn failures(checks: &[CheckOutcome]) -> Vec<(String, String)> {
        checks
            .iter()
            .filter_map(|c| match &c.verdict {
                Verdict::Fail { seen, .. } => Some((c.name.clone(), seen.clone())),
                Verdict::Pass | Verdict::Warn { .. } | Verdict::Skip { .. } => None,
            })
            .collect()
    }

    async fn the_reference_server_passes_with_a_screenshot(binary: PathBuf) {
        let server = reference(None).await;
        let shots = tempfile::tempdir().expect("temp dir");
        let page = server.url("/").expect("url").to_string();
        let load = load(&binary, &page, Some(shots.path())).await;
        let checks = classify(&load);
        assert_eq!(failures(&checks), [], "{load:#?}");
        assert!(
            load.requests
                .iter()
                .any(|r| r.resource_type == "Stylesheet"),
            "the home page's stylesheet was requested: {load:#?}"
        );
        assert!(load.load_time.is_some(), "the load event was timed");
        let shot = load.screenshot.expect("a screenshot");
        assert_eq!(shot, shots.path().join("browser-index.png"));
        let png = std::fs::read(&shot).expect("screenshot written");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
    }

    async fn wrong_content_type_fails_naming_the_unapplied_stylesheet_and_its_type(
        binary: PathBuf,
    ) {
        let server = reference(Some("wrong-content-type")).await;
        let page = server.url("/").expect("url").to_string();
        let checks = classify(&load(&binary, &page, None).await);
        let failed = failures(&checks);
        assert!(
            failed
                .iter()
                .any(|(name, seen)| name.starts_with("browser Stylesheet ")
                    && name.ends_with(".css")
                    && seen.contains("applied no rule")
                    && seen.contains("application/octet-stream")),
            "{failed:#?}"
        );
    }

    async fn buffered_body_size_fails_the_sub_resources_answered_500(binary: PathBuf) {
        let server = reference(Some("buffered-body-size")).await;
        let page = server.url("/").expect("url").to_string();
        let checks = classify(&load(&binary, &page, None).await);
        let failed = failures(&checks);
        assert!(
            failed
                .iter()
                .any(|(name, seen)| name.starts_with("browser Stylesheet ")
                    && seen.contains("status 500")),
            "{failed:#?}"
        );
    }

    /// A page whose script `/app.js` fetches `fetched`, which nothing links: only a
    /// browser finds it. The caller mounts `fetched` (or leaves it missing).
    async fn page_whose_script_fetches(fetched: &str) -> MockServer {
        let site = MockServer::start().await;
        Mock::given(path("/"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                "<!doctype html><title>t</title><link rel=icon href=data:,>\
                 <script src=/app.js></script><p>hi</p>",
                "text/html",
            ))
            .mount(&site)
            .await;
        Mock::given(path("/app.js"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                format!("fetch('{fetched}').then(r => r.text());"),
                "text/javascript",
            ))
            .mount(&site)
            .await;
        site
    }

    async fn a_script_fetching_a_missing_json_file_fails_naming_it(binary: PathBuf) {
        let site = page_whose_script_fetches("/data/posts.json").await;
        let page = format!("{}/", site.uri());
        let checks = classify(&load(&binary, &page, None).await);
        let failed = failures(&checks);
        let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["browser Fetch /data/posts.json"],
            "only the missing JSON file fails: {checks:#?}"
        );
        assert!(failed[0].1.contains("status 404"), "{failed:#?}");
    }

    /// A scenario file of a boot and a browser step on the home page.
    fn browser_scenario(dir: &Path) -> Scenario {
        scenario_with_step(dir, "browser = { pages = [\"/\"] }")
    }

    /// The `browser-home` scenario: a boot, then `step`.
    fn scenario_with_step(dir: &Path, step: &str) -> Scenario {
        let file = dir.join("browser.toml");
        std::fs::write(
            &file,
            format!(
                "name = \"browser-home\"\n\
                 description = \"The home page as Chromium renders it.\"\n\
                 [[steps]]\nboot = {{}}\n\
                 [[steps]]\n{step}\n"
            ),
        )
        .expect("scenario written");
        Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"))
    }

    async fn run_browser_scenario(
        switch: Option<&str>,
        browser: BrowserSetup,
        dir: &Path,
    ) -> RunReport {
        run_scenario_in(switch, browser, browser_scenario(dir)).await
    }

    async fn run_scenario_in(
        switch: Option<&str>,
        browser: BrowserSetup,
        scenario: Scenario,
    ) -> RunReport {
        let spec = TargetSpec::load(&workspace().join("scenarios/targets/reference-process.toml"))
            .expect("target file");
        let options = RunOptions {
            extra_env: switch
                .map(|s| ("REFSERVER_REGRESSIONS".to_owned(), s.to_owned()))
                .into_iter()
                .collect(),
            browser,
            ..RunOptions::default()
        };
        let mut report = RunReport::new();
        run_scenarios(&[scenario], &spec, &options, &mut report).await;
        report
    }

    /// The gate's screenshot comparison on the real stack, as `harness gate --baseline`
    /// lays it out: the baseline's screenshots under `<report>/baseline/screenshots`,
    /// the candidate's under `<report>/screenshots`, diffs under
    /// `<report>/screenshot-diffs`. Each candidate gets its own report directory.
    async fn the_gate_finds_the_unstyled_page_rendered_differently(binary: PathBuf) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let setup = |shots: PathBuf| BrowserSetup {
            chromium: Status::Available(Found::Chromium(binary.clone())),
            screenshot_dir: Some(shots),
        };
        let plain = "browser = { pages = [\"/\"] }";
        let unchanged = "browser = { pages = [\"/\"], rendering = \"unchanged\" }";
        let report_dir = |name: &str| tmp.path().join(name);
        // One baseline, shared: what the candidate's step asks decides.
        let baseline_dir = tmp.path().join("baseline");
        let baseline = Document::new(
            &run_scenario_in(
                None,
                setup(baseline_dir.join("screenshots")),
                scenario_with_step(tmp.path(), plain),
            )
            .await,
        );
        let gate = |name: &'static str, switch: Option<&'static str>, step: &'static str| {
            let dir = report_dir(name);
            let baseline = baseline.clone();
            let baseline_dir = baseline_dir.clone();
            let shots = setup(dir.join("screenshots"));
            let scenario = scenario_with_step(&dir_for(&dir), step);
            async move {
                let candidate = Document::new(&run_scenario_in(switch, shots, scenario).await);
                let mut comparison = compare_runs(&baseline, &candidate);
                compare_screenshots(
                    &baseline,
                    &candidate,
                    &ScreenshotOptions::new(baseline_dir, dir.clone()),
                    &mut comparison,
                );
                assert_eq!(comparison.screenshots.len(), 1, "{comparison:#?}");
                let pair = comparison.screenshots[0].clone();
                eprintln!(
                    "browser gate {name}: {} of {} pixels differ ({}), threshold {:.2}%, \
                     tolerance {} per channel",
                    pair.changed,
                    pair.pixels,
                    pair.changed_text(),
                    DEFAULT_THRESHOLD * 100.0,
                    DEFAULT_TOLERANCE
                );
                let read = |path: &Path| {
                    pixels::decode(&std::fs::read(dir.join(path)).expect("screenshot read"))
                        .expect("screenshot decoded")
                };
                let exact = pixels::diff(&read(&pair.baseline), &read(&pair.candidate), 0);
                eprintln!(
                    "browser gate {name}: with no tolerance, {} pixels differ",
                    exact.changed
                );
                let diff = pair.diff.as_ref().expect("a diff image");
                assert!(dir.join(diff).is_file(), "{pair:#?}");
                assert!(dir.join(&pair.baseline).is_file(), "{pair:#?}");
                assert!(dir.join(&pair.candidate).is_file(), "{pair:#?}");
                let rendering = |findings: &[Finding]| {
                    findings
                        .iter()
                        .filter(|f| f.area == FindingArea::Rendering)
                        .cloned()
                        .collect::<Vec<_>>()
                };
                (
                    pair,
                    rendering(&comparison.regressions),
                    rendering(&comparison.information),
                )
            }
        };

        let (same, regressions, information) = gate("same", None, unchanged).await;
        assert!(!same.rendering_changed, "{same:#?}");
        assert!(
            regressions.is_empty() && information.is_empty(),
            "{information:#?}"
        );

        let (unstyled, regressions, information) =
            gate("unstyled", Some("wrong-content-type"), plain).await;
        assert!(unstyled.rendering_changed, "{unstyled:#?}");
        assert!(regressions.is_empty(), "{regressions:#?}");
        assert_eq!(information.len(), 1, "{information:#?}");
        assert_eq!(information[0].subject, "/");
        assert!(
            information[0].what.starts_with("rendering changed: "),
            "{information:#?}"
        );

        let (_, regressions, information) =
            gate("asked-unchanged", Some("wrong-content-type"), unchanged).await;
        assert!(information.is_empty(), "{information:#?}");
        assert_eq!(regressions.len(), 1, "{regressions:#?}");
        assert_eq!(regressions[0].subject, "/");
    }

    /// `harness gate` itself, against a saved report: the screenshots are attached and
    /// linked in the report files, and a page asked to render unchanged that the
    /// candidate renders unstyled fails the gate (exit 1) with a diff image.
    async fn the_cli_gate_links_screenshots_and_fails_a_changed_page_asked_unchanged(
        binary: PathBuf,
    ) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let scenario = tmp.path().join("browser.toml");
        std::fs::write(
            &scenario,
            "name = \"browser-home\"\n\
             description = \"The home page must render as it did.\"\n\
             [[steps]]\nboot = {}\n\
             [[steps]]\nbrowser = { pages = [\"/\"], rendering = \"unchanged\" }\n",
        )
        .expect("scenario written");
        let gate = |dir: &Path, args: &[&str]| {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
                .arg("gate")
                .arg("--scenario")
                .arg(&scenario)
                .arg("--target")
                .arg(workspace().join("scenarios/targets/reference-process.toml"))
                .arg("--report-dir")
                .arg(dir)
                .args(args)
                .env("HARNESS_CHROMIUM", &binary)
                .output()
                .expect("harness runs");
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            (output.status.code().unwrap_or(-1), stderr)
        };
        let base = tmp.path().join("base");
        let (code, stderr) = gate(&base, &[]);
        assert_eq!(code, 0, "{stderr}");
        let shot = "screenshots/browser-home/browser-index.png";
        assert!(base.join(shot).is_file(), "{stderr}");
        let junit = std::fs::read_to_string(base.join("junit.xml")).expect("junit.xml");
        assert!(junit.contains(&format!("[[ATTACHMENT|{shot}]]")), "{junit}");
        let summary = std::fs::read_to_string(base.join("summary.md")).expect("summary.md");
        assert!(summary.contains(&format!("(<{shot}>)")), "{summary}");

        let saved = base.join("report.json");
        let cand = tmp.path().join("cand");
        let args = [
            "--env",
            "REFSERVER_REGRESSIONS=wrong-content-type",
            "--baseline-report",
            saved.to_str().expect("utf-8 path"),
        ];
        let (code, stderr) = gate(&cand, &args);
        assert_eq!(code, 1, "{stderr}");
        let gate_json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(cand.join("gate.json")).expect("gate.json"),
        )
        .expect("json");
        let regressions = gate_json["regressions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            regressions
                .iter()
                .any(|r| r["area"] == "rendering" && r["subject"] == "/"),
            "{regressions:#?}"
        );
        let pair = &gate_json["screenshots"][0];
        assert_eq!(pair["rendering_changed"], true, "{pair:#?}");
        assert_eq!(pair["candidate"], shot, "{pair:#?}");
        assert_eq!(
            pair["baseline"],
            base.join(shot).to_str().expect("utf-8 path"),
            "the saved report's relative path, resolved against its directory"
        );
        let diff = pair["diff"].as_str().expect("a diff image");
        assert!(cand.join(diff).is_file(), "{pair:#?}");
        let summary = std::fs::read_to_string(cand.join("summary.md")).expect("summary.md");
        assert!(
            summary.contains("| baseline | candidate | diff | changed |")
                && summary.contains(&format!("(<{diff}>)")),
            "{summary}"
        );
    }

    /// A directory for a report directory's scenario file, beside it.
    fn dir_for(report_dir: &Path) -> PathBuf {
        let dir = report_dir.with_extension("scenario");
        std::fs::create_dir_all(&dir).expect("scenario dir");
        dir
    }

    async fn the_browser_step_fails_wrong_content_type_with_its_origin_and_screenshots(
        binary: PathBuf,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let setup = |shots: &str| BrowserSetup {
            chromium: Status::Available(Found::Chromium(binary.clone())),
            screenshot_dir: Some(dir.path().join(shots)),
        };
        let good = run_browser_scenario(None, setup("good"), dir.path()).await;
        assert_eq!(good.failures().count(), 0, "{good:#?}");
        assert!(
            dir.path()
                .join("good/browser-home/browser-index.png")
                .is_file()
        );
        let good_doc = Document::new(&good);
        let page = good_doc.scenarios[0]
            .checks
            .iter()
            .find(|c| c.name.starts_with("browser load "))
            .expect("the page check");
        assert_eq!(
            page.screenshot.as_ref().map(|s| s.path.clone()),
            Some(dir.path().join("good/browser-home/browser-index.png")),
            "the page check carries its screenshot"
        );
        let bad = run_browser_scenario(Some("wrong-content-type"), setup("bad"), dir.path()).await;
        let failed: Vec<_> = bad.failures().map(|(_, check)| check.clone()).collect();
        assert_eq!(failed.len(), 1, "{failed:#?}");
        assert!(
            failed[0].name.ends_with("/static/css/style.css"),
            "{failed:#?}"
        );
        let origin = failed[0].origin.as_ref().expect("an origin");
        assert_eq!((origin.scenario.as_str(), origin.step), ("browser-home", 1));
        assert!(
            dir.path()
                .join("bad/browser-home/browser-index.png")
                .is_file()
        );
    }

    async fn without_chromium_the_step_is_skipped_or_fails_when_required() {
        let dir = tempfile::tempdir().expect("temp dir");
        let nowhere = |require: &'static str| {
            BrowserSetup::find(
                move |key| match key {
                    "PATH" => Some(OsString::from("/nonexistent")),
                    "HARNESS_REQUIRE_BROWSER" => Some(OsString::from(require)),
                    _ => None,
                },
                None,
            )
        };
        let skipped = run_browser_scenario(None, nowhere("0"), dir.path()).await;
        assert_eq!(skipped.failures().count(), 0, "{skipped:#?}");
        assert!(skipped.passed(), "a skip never fails the run");
        let totals = skipped.totals();
        assert_eq!((totals.skipped, totals.warned), (1, 0), "{skipped:#?}");
        let junit = harness::report::junit::render(&skipped).expect("junit");
        assert!(
            junit.contains("<skipped message=\"skipped 1 page: ")
                && junit.contains("HARNESS_REQUIRE_BROWSER=1"),
            "{junit}"
        );
        let required = run_browser_scenario(None, nowhere("1"), dir.path()).await;
        let failed: Vec<_> = required.failures().map(|(_, c)| c.clone()).collect();
        assert_eq!(failed.len(), 1, "{failed:#?}");
        assert!(
            failed[0]
                .verdict
                .expected_and_seen()
                .is_some_and(|(_, seen)| seen.contains("HARNESS_REQUIRE_BROWSER=1 but no Chromium")),
            "{failed:#?}"
        );
    }

    /// A page whose script fetches `/data.json`, which answers GET but not HEAD
    /// (wiremock's 404): only the crawl's HEAD check can see it, and only once the
    /// browser has found the file.
    async fn script_fetching_site() -> MockServer {
        let site = page_whose_script_fetches("/data.json").await;
        Mock::given(method("GET"))
            .and(path("/data.json"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("{\"a\": 1}", "application/json"))
            .mount(&site)
            .await;
        site
    }

    async fn check_assets_browser_checks_what_only_a_script_fetched_through_the_cli(
        binary: PathBuf,
    ) {
        let site = script_fetching_site().await;
        // The crawl alone never sees /data.json.
        let scenario =
            Scenario::check_assets(vec!["/".to_owned()], None, Default::default(), false);
        let url = url::Url::parse(&site.uri()).expect("url");
        let mut crawl = RunReport::new();
        run_scenarios(
            &[scenario],
            &TargetSpec::running_at(&url),
            &RunOptions::default(),
            &mut crawl,
        )
        .await;
        let text = format!("{crawl:?}");
        assert!(!text.contains("data.json"), "{text}");

        // With --browser, it gets the crawl's checks, named as found by the browser.
        let dir = tempfile::tempdir().expect("temp dir");
        let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["check-assets", &site.uri(), "--browser", "--report-dir"])
            .arg(dir.path())
            .env("HARNESS_CHROMIUM", &binary)
            .env("HARNESS_REQUIRE_BROWSER", "1")
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(std::time::Duration::from_secs(120), run)
            .await
            .expect("harness check-assets --browser ended within 120 s")
            .expect("harness runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let json = std::fs::read_to_string(dir.path().join("report.json")).expect("report.json");
        let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let checks = report["scenarios"][0]["checks"]
            .as_array()
            .expect("checks")
            .clone();
        let failed: Vec<(&str, &str)> = checks
            .iter()
            .filter(|c| c["verdict"] == "fail")
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or_default(),
                    c["location"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        // HEAD, and the conformance rows that use it: all of /data.json, all named so.
        let location = format!(
            "{}/data.json (browser Fetch on {}/)",
            site.uri(),
            site.uri()
        );
        assert!(
            failed.contains(&("HEAD /data.json (found by the browser)", location.as_str())),
            "{json}"
        );
        assert!(
            failed
                .iter()
                .all(|(name, _)| name.ends_with(" /data.json (found by the browser)")),
            "{failed:#?}"
        );
        // The browser itself saw the page load, with its load time in the report.
        let load = checks
            .iter()
            .find(|c| c["name"] == "browser load /")
            .unwrap_or_else(|| panic!("the page's browser check: {json}"));
        assert_eq!(load["verdict"], "pass", "{load}");
        assert!(
            load["duration_ms"].as_f64().is_some_and(|ms| ms > 0.0),
            "{load}"
        );
        // Screenshots sit in a directory per scenario: the ad-hoc run is `check-assets`.
        assert!(
            dir.path()
                .join("screenshots/check-assets/browser-index.png")
                .is_file()
        );
    }

    async fn check_assets_browser_fails_wrong_content_type_both_ways(binary: PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("check-assets-browser.toml");
        std::fs::write(
            &file,
            "name = \"check-assets-browser\"\n\
             description = \"The crawl and Chromium on the home page.\"\n\
             [[steps]]\nboot = {}\n\
             [[steps]]\ncheck-assets = { pages = [\"/\"], browser = true }\n",
        )
        .expect("scenario written");
        let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let spec = TargetSpec::load(&workspace().join("scenarios/targets/reference-process.toml"))
            .expect("target file");
        let options = RunOptions {
            extra_env: [(
                "REFSERVER_REGRESSIONS".to_owned(),
                "wrong-content-type".to_owned(),
            )]
            .into(),
            browser: BrowserSetup {
                chromium: Status::Available(Found::Chromium(binary)),
                screenshot_dir: None,
            },
            ..RunOptions::default()
        };
        let mut report = RunReport::new();
        run_scenarios(&[scenario], &spec, &options, &mut report).await;
        let failed: Vec<String> = report.failures().map(|(_, c)| c.name.clone()).collect();
        assert!(
            failed.contains(&"Content-Type /static/css/style.css".to_owned()),
            "the crawl's check: {failed:#?}"
        );
        assert!(
            failed
                .iter()
                .any(|n| n.starts_with("browser Stylesheet ")
                    && n.ends_with("/static/css/style.css")),
            "the browser's check: {failed:#?}"
        );
    }
}
