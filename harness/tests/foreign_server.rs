//! The asset checks against a server this project did not write: Debian's nginx serving
//! `fixtures/site/` passes every check, and an nginx misconfigured the classic ways (a
//! stylesheet dir typed `application/octet-stream`, validators switched off) fails
//! exactly the checks that guard against those mistakes.
//!
//! nginx is started by `harness::server::nginx`, the harness's side-by-side reference.
//!
//! Needs nginx (`HARNESS_NGINX`, else `/usr/sbin/nginx`, else `nginx` on `PATH`; `apt-get
//! install nginx-light`). Without it, the tests are reported ignored (skipped) with one
//! line on stderr, or fail with the reason when `HARNESS_REQUIRE_NGINX=1`. Run by
//! libtest-mimic (`harness = false`), so a skip is counted as one; each test gets its
//! own tokio runtime.

use harness::prerequisite::{Prerequisite, run_suite};

fn main() {
    run_suite(
        "foreign_server",
        Prerequisite::Nginx,
        foreign_server::trials,
    )
}

// Every name starts `foreign_server::`, so `cargo test -p harness foreign_server`
// selects every test here.
mod foreign_server {
    use std::collections::BTreeSet;
    use std::future::Future;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use std::collections::BTreeMap;
    use std::time::Duration;

    use harness::assets::{
        AssetOptions, Require, RowAnswer, StaticDir, Table, check_site, row_answers,
    };
    use harness::outcome::{CheckOutcome, Verdict};
    use harness::prerequisite::{self, Status};
    use harness::server::nginx::Nginx;
    use harness::server::{TargetSpec, boot};
    use libtest_mimic::Trial;
    use url::Url;

    /// Fewer distinct asset URLs than this means the crawl lost part of the site.
    const MIN_ASSETS: usize = 15;

    /// Every test of the suite, under nginx's `status`.
    pub(crate) fn trials(status: &Arc<Status>) -> Vec<Trial> {
        vec![
            needs_nginx(
                status,
                "nginx_serving_the_fixture_site_passes_every_asset_check",
                nginx_serving_the_fixture_site_passes_every_asset_check,
            ),
            needs_nginx(
                status,
                "a_misconfigured_nginx_fails_the_checks_that_guard_the_mistakes",
                a_misconfigured_nginx_fails_the_checks_that_guard_the_mistakes,
            ),
            needs_nginx(
                status,
                "readme_answer_table_is_what_the_reference_server_and_nginx_answer",
                readme_answer_table_is_what_the_reference_server_and_nginx_answer,
            ),
        ]
    }

    /// A test given the nginx binary: see `prerequisite::binary_trial`.
    fn needs_nginx<T, F>(status: &Arc<Status>, name: &str, test: T) -> Trial
    where
        T: FnOnce(PathBuf) -> F + Send + 'static,
        F: Future<Output = ()>,
    {
        prerequisite::binary_trial(status, format!("foreign_server::{name}"), test)
    }

    fn fixture_site() -> PathBuf {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/site"));
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }

    /// What the config adds inside the `server` block.
    #[derive(Clone, Copy)]
    enum Variant {
        /// Stock static serving: `etag on`, Debian's types plus the manifest's.
        Correct,
        /// `/static/css/` typed `application/octet-stream` (an empty `types {}` in a
        /// location, a real-world slip), and no ETag nor If-Modified-Since handling.
        Broken,
    }

    impl Variant {
        fn server_extras(self) -> &'static str {
            match self {
                Self::Correct => "",
                Self::Broken => {
                    "etag off;
        if_modified_since off;
        location /static/css/ {
            types { }
            default_type application/octet-stream;
        }"
                }
            }
        }
    }

    /// nginx serving the fixture site as `variant` configures it.
    struct Site {
        nginx: Nginx,
    }

    impl Site {
        async fn start(binary: &Path, variant: Variant) -> Self {
            let nginx = Nginx::serve(binary, &fixture_site(), variant.server_extras())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            Self { nginx }
        }

        fn url(&self, path: &str) -> Url {
            self.nginx.base().join(path).expect("URL")
        }

        /// The asset checks as the harness runs them: start page `/`, plus every file
        /// of `fixtures/site/static` under `/static/`.
        async fn check(&self) -> Vec<CheckOutcome> {
            let mut options = AssetOptions::new(vec![self.url("/")]);
            options.static_dir = Some(StaticDir {
                path: fixture_site().join("static"),
                url_prefix: self.url("/static/"),
            });
            let client = reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("HTTP client");
            check_site(&client, &options).await
        }
    }

    fn failures(outcomes: &[CheckOutcome]) -> Vec<String> {
        outcomes
            .iter()
            .filter_map(|o| match &o.verdict {
                Verdict::Fail { expected, seen } => Some(format!(
                    "{} at {}: expected {expected}, seen {seen}",
                    o.name, o.location
                )),
                Verdict::Pass | Verdict::Warn { .. } | Verdict::Skip { .. } => None,
            })
            .collect()
    }

    /// The asset paths that got a `GET 200` check, e.g. `/static/css/style.css`.
    fn checked_assets(outcomes: &[CheckOutcome]) -> BTreeSet<String> {
        outcomes
            .iter()
            .filter_map(|o| o.name.strip_prefix("GET 200 "))
            .map(str::to_owned)
            .collect()
    }

    async fn nginx_serving_the_fixture_site_passes_every_asset_check(binary: PathBuf) {
        let nginx = Site::start(&binary, Variant::Correct).await;
        let outcomes = nginx.check().await;

        let failed = failures(&outcomes);
        assert!(
            failed.is_empty(),
            "{} of {} checks failed against nginx at {}:\n{}",
            failed.len(),
            outcomes.len(),
            nginx.nginx.base(),
            failed.join("\n")
        );
        let assets = checked_assets(&outcomes);
        assert!(
            assets.len() >= MIN_ASSETS,
            "only {} distinct assets checked (want >= {MIN_ASSETS}): {assets:?}",
            assets.len()
        );
        // Every asset went through the same checks, the conformance groups among them
        // (the fixture has no empty file).
        for check in ["GET 200", "HEAD", "Range", "conditional", "ranges"] {
            let count = outcomes
                .iter()
                .filter(|o| o.name.starts_with(&format!("{check} /")))
                .count();
            assert_eq!(count, assets.len(), "`{check}` outcomes vs assets");
        }
        for page in ["page /", "static dir", "assets found"] {
            assert!(
                outcomes.iter().any(|o| o.name == page),
                "no `{page}` outcome"
            );
        }
    }

    async fn a_misconfigured_nginx_fails_the_checks_that_guard_the_mistakes(binary: PathBuf) {
        let nginx = Site::start(&binary, Variant::Broken).await;
        let outcomes = nginx.check().await;

        let assets = checked_assets(&outcomes);
        assert!(
            assets.len() >= MIN_ASSETS,
            "only {} distinct assets checked (want >= {MIN_ASSETS}): {assets:?}",
            assets.len()
        );
        let sheets = ["/static/css/print.css", "/static/css/style.css"];
        // No If-Modified-Since: the 304 check and the table's revalidation rows fail.
        let mut want: BTreeSet<String> = assets.iter().map(|a| format!("304 {a}")).collect();
        want.extend(assets.iter().map(|a| format!("conditional {a}")));
        want.extend(sheets.iter().map(|s| format!("Content-Type {s}")));
        let failed: BTreeSet<String> = outcomes
            .iter()
            .filter(|o| !o.passed())
            .map(|o| o.name.clone())
            .collect();
        assert_eq!(
            failed,
            want,
            "failing checks against the misconfigured nginx:\n{}",
            failures(&outcomes).join("\n")
        );

        for sheet in sheets {
            let o = outcomes
                .iter()
                .find(|o| o.name == format!("Content-Type {sheet}"))
                .expect("Content-Type outcome");
            assert_eq!(o.location, format!("{} [Content-Type]", nginx.url(sheet)));
            let Verdict::Fail { expected, seen } = &o.verdict else {
                unreachable!("listed as failing");
            };
            assert!(expected.contains("text/css"), "{expected}");
            assert_eq!(seen, "Content-Type application/octet-stream");
        }
        let o = outcomes
            .iter()
            .find(|o| o.name == "304 /static/js/app.js")
            .expect("304 outcome");
        let Verdict::Fail { expected, seen } = &o.verdict else {
            unreachable!("listed as failing");
        };
        assert!(
            expected.starts_with("status 304 for If-Modified-Since: "),
            "{expected}"
        );
        assert!(seen.starts_with("status 200 with "), "{seen}");
    }

    /// The README's side-by-side table lies between these markers.
    const TABLE_BEGIN: &str = "<!-- http-answers:begin (written by the foreign_server test; RC_UPDATE_README=1 rewrites it) -->";
    const TABLE_END: &str = "<!-- http-answers:end -->";

    /// Every row of the conformance table, sent to the reference server (with Range and
    /// validators required) and to nginx serving the same file: the reference server
    /// answers every row as RFC 9110 allows, nginx fails none, and the README's table
    /// is what they answered (`RC_UPDATE_README=1` rewrites it).
    async fn readme_answer_table_is_what_the_reference_server_and_nginx_answer(binary: PathBuf) {
        let nginx = Site::start(&binary, Variant::Correct).await;
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("HTTP client");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let spec = TargetSpec::load(&root.join("scenarios/targets/reference-process.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let server = boot(&spec, &BTreeMap::new(), &client)
            .await
            .unwrap_or_else(|e| panic!("the reference server boots: {e}"));
        let table = Table::builtin().unwrap_or_else(|e| panic!("{e}"));
        let file = "/static/css/style.css";
        let timeout = Duration::from_secs(10);
        let required = Require {
            range: true,
            validators: true,
        };
        let ours = row_answers(
            &client,
            &table,
            &server.url(file).expect("URL"),
            required,
            timeout,
        )
        .await
        .unwrap_or_else(|e| panic!("reference server: {e}"));
        let theirs = row_answers(
            &client,
            &table,
            &nginx.url(file),
            Require::default(),
            timeout,
        )
        .await
        .unwrap_or_else(|e| panic!("nginx: {e}"));

        let not_passed = |answers: &[RowAnswer], severe: fn(&Verdict) -> bool| -> Vec<String> {
            answers
                .iter()
                .filter(|a| severe(&a.verdict))
                .map(|a| format!("{}: {:?}", a.id, a.verdict))
                .collect()
        };
        let ours_wrong = not_passed(&ours, |v| !matches!(v, Verdict::Pass));
        assert!(
            ours_wrong.is_empty(),
            "the reference server, Range and validators required:\n{}",
            ours_wrong.join("\n")
        );
        let theirs_failed = not_passed(&theirs, |v| matches!(v, Verdict::Fail { .. }));
        assert!(
            theirs_failed.is_empty(),
            "nginx must not fail a row:\n{}",
            theirs_failed.join("\n")
        );

        let rendered = answer_table(&ours, &theirs);
        let readme_path = root.join("README.md");
        let readme = std::fs::read_to_string(&readme_path).expect("README.md");
        let (Some(begin), Some(end)) = (readme.find(TABLE_BEGIN), readme.find(TABLE_END)) else {
            panic!("README.md has no {TABLE_BEGIN} ... {TABLE_END} block");
        };
        let body_start = begin + TABLE_BEGIN.len();
        let current = &readme[body_start..end];
        if current != rendered {
            if std::env::var_os("RC_UPDATE_README").is_some() {
                let updated = format!("{}{rendered}{}", &readme[..body_start], &readme[end..]);
                std::fs::write(&readme_path, updated).expect("write README.md");
            } else {
                panic!(
                    "README.md's answer table is not what the servers answer now \
                     (RC_UPDATE_README=1 rewrites it):\n{rendered}"
                );
            }
        }
    }

    /// The Markdown table: one line per row, each server's answer, marked `⚠` where it
    /// only warns and `✗` where it fails.
    fn answer_table(ours: &[RowAnswer], theirs: &[RowAnswer]) -> String {
        let mark = |a: &RowAnswer| match a.verdict {
            Verdict::Pass => a.answer.clone(),
            Verdict::Warn { .. } => format!("⚠ {}", a.answer),
            Verdict::Fail { .. } => format!("✗ {}", a.answer),
            Verdict::Skip { .. } => format!("skipped: {}", a.answer),
        };
        let mut text = String::from(
            "\n| row | request (to `/static/css/style.css`) | RFC 9110 allows | reference server | nginx |\n|---|---|---|---|---|\n",
        );
        for ours in ours {
            let nginx = theirs
                .iter()
                .find(|t| t.id == ours.id)
                .map_or_else(|| "(skipped)".to_owned(), mark);
            text.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {nginx} |\n",
                ours.id,
                ours.request,
                ours.allowed,
                mark(ours)
            ));
        }
        text
    }
}
