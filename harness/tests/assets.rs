//! Asset checks against wiremock-built sites: a correct one passes every check, and each
//! broken variant fails exactly the check that guards it, naming URL, expected and seen.

// One module named after the area, so `cargo test -p harness assets` selects every test
// here as well as the unit tests in `harness::assets`.
mod assets {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;
    use std::time::Duration;

    use harness::assets::{
        AssetOptions, Expect, Require, StaticDir, check_site, discover, links_in_css,
        links_in_html, links_in_manifest,
    };
    use harness::outcome::{CheckKind, CheckOutcome, Verdict};
    use url::Url;
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

    /// One file the fake site serves, and how it misbehaves.
    #[derive(Clone)]
    struct File {
        body: Vec<u8>,
        content_type: Option<&'static str>,
        status: u16,
        etag: bool,
        last_modified: bool,
        /// Answer `If-None-Match`/`If-Modified-Since` with 304 (when a validator is sent).
        revalidate: bool,
        range: bool,
        /// HEAD announces this many bytes instead of the real length.
        head_len: Option<usize>,
        delay: Option<Duration>,
    }

    impl File {
        fn new(content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
            Self {
                body: body.into(),
                content_type: Some(content_type),
                status: 200,
                etag: true,
                last_modified: false,
                revalidate: true,
                range: true,
                head_len: None,
                delay: None,
            }
        }

        fn etag(&self) -> String {
            // FNV-1a: stable, and different for different bodies.
            let hash = self.body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
            });
            format!("\"{hash:016x}\"")
        }
    }

    const LAST_MODIFIED: &str = "Tue, 18 Nov 2025 10:00:00 GMT";

    /// A static file server with the behaviours the checks look at: HEAD, ETag and
    /// Last-Modified revalidation, and `Range: bytes=a-b`.
    #[derive(Clone, Default)]
    struct Site {
        files: BTreeMap<String, File>,
    }

    impl Site {
        fn file(&mut self, path: &str) -> &mut File {
            self.files.get_mut(path).expect("fixture path")
        }
    }

    impl Respond for Site {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let Some(file) = self.files.get(request.url.path()) else {
                return ResponseTemplate::new(404).set_body_string("not found");
            };
            let mut template = respond_file(file, request);
            if let Some(delay) = file.delay {
                template = template.set_delay(delay);
            }
            template
        }
    }

    fn respond_file(file: &File, request: &Request) -> ResponseTemplate {
        if file.status != 200 {
            return ResponseTemplate::new(file.status)
                .insert_header("content-type", "text/plain")
                .set_body_string("Internal Server Error: body consumed by a monitoring hook");
        }
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        let etag = file.etag();
        let mut headers: Vec<(&str, String)> = Vec::new();
        if let Some(t) = file.content_type {
            headers.push(("content-type", t.to_owned()));
        }
        if file.etag {
            headers.push(("etag", etag.clone()));
        }
        if file.last_modified {
            headers.push(("last-modified", LAST_MODIFIED.to_owned()));
        }
        if file.range {
            headers.push(("accept-ranges", "bytes".to_owned()));
        }
        let not_modified = file.revalidate
            && ((file.etag && header("if-none-match") == Some(etag.as_str()))
                || (file.last_modified && header("if-modified-since") == Some(LAST_MODIFIED)));

        let (status, body) = if not_modified {
            (304, Vec::new())
        } else if request.method.as_str() == "HEAD" {
            // hyper drops a HEAD response's body but announces its length.
            (200, vec![0; file.head_len.unwrap_or(file.body.len())])
        } else if let Some((start, end)) =
            header("range").filter(|_| file.range).and_then(parse_range)
        {
            let end = end.min(file.body.len().saturating_sub(1));
            if start > end {
                return ResponseTemplate::new(416);
            }
            headers.push((
                "content-range",
                format!("bytes {start}-{end}/{}", file.body.len()),
            ));
            (206, file.body[start..=end].to_vec())
        } else {
            (200, file.body.clone())
        };
        let mut template = ResponseTemplate::new(status).set_body_bytes(body);
        for (name, value) in headers {
            template = template.insert_header(name, value.as_str());
        }
        template
    }

    fn parse_range(value: &str) -> Option<(usize, usize)> {
        let (start, end) = value.strip_prefix("bytes=")?.split_once('-')?;
        Some((start.parse().ok()?, end.parse().ok()?))
    }

    const INDEX: &str = r##"<!doctype html>
<html><head>
<link rel="stylesheet" href="/static/css/site.css">
<link rel="stylesheet" href="https://cdn.example/bootstrap.css">
<link rel="icon" href="/static/favicon.ico">
<link rel="manifest" href="/static/site.webmanifest">
<script src="/static/js/app.js" defer></script>
</head><body>
<a href="/notes/hello">a note</a>
<img src="/static/img/logo.png" srcset="/static/img/logo.png 1x, data:image/png;base64,AAAA 2x" alt="">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
</body></html>"##;

    const SITE_CSS: &str = r#"@import url("base.css");
.brand { background: url(../img/logo.png) no-repeat; }
"#;

    const BASE_CSS: &str = r#"@font-face { font-family: F; src: url("../fonts/f.woff2") format("woff2"); }
@media (prefers-color-scheme: dark) { body { background: url('../img/bg.png') } }
"#;

    const MANIFEST: &str = r#"{"name": "T", "icons": [
  {"src": "/static/icons/i192.png", "sizes": "192x192"},
  {"src": "icons/i512.png", "sizes": "512x512"}
]}"#;

    /// Every asset of the good site, by path.
    const ASSET_PATHS: [&str; 10] = [
        "/static/css/base.css",
        "/static/css/site.css",
        "/static/favicon.ico",
        "/static/fonts/f.woff2",
        "/static/icons/i192.png",
        "/static/icons/i512.png",
        "/static/img/bg.png",
        "/static/img/logo.png",
        "/static/js/app.js",
        "/static/site.webmanifest",
    ];

    fn good_site() -> Site {
        let png = |n: u8| {
            let mut body = b"\x89PNG\r\n\x1a\n".to_vec();
            body.extend(std::iter::repeat_n(n, 40 + usize::from(n)));
            body
        };
        let mut site = Site::default();
        let mut add = |path: &str, file: File| {
            site.files.insert(path.to_owned(), file);
        };
        add("/", File::new("text/html; charset=utf-8", INDEX));
        add(
            "/static/css/site.css",
            File::new("text/css; charset=utf-8", SITE_CSS),
        );
        add("/static/css/base.css", File::new("text/css", BASE_CSS));
        add(
            "/static/fonts/f.woff2",
            File::new("font/woff2", b"wOF2\x00\x01\x00\x00fontdata".to_vec()),
        );
        add("/static/img/logo.png", File::new("image/png", png(1)));
        add("/static/img/bg.png", File::new("image/png", png(2)));
        add("/static/icons/i192.png", File::new("image/png", png(3)));
        add("/static/icons/i512.png", File::new("image/png", png(4)));
        add(
            "/static/favicon.ico",
            File::new("image/vnd.microsoft.icon", vec![0, 0, 1, 0, 1, 0, 16, 16]),
        );
        add(
            "/static/js/app.js",
            File::new(
                "text/javascript; charset=utf-8",
                "document.documentElement.classList.add('js');\n",
            ),
        );
        add(
            "/static/site.webmanifest",
            File::new("application/manifest+json", MANIFEST),
        );
        site
    }

    async fn serve(site: Site) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(any()).respond_with(site).mount(&server).await;
        server
    }

    fn options(server: &MockServer, pages: &[&str]) -> AssetOptions {
        let base = Url::parse(&server.uri()).expect("server URL");
        let mut options = AssetOptions::new(
            pages
                .iter()
                .map(|p| base.join(p).expect("page URL"))
                .collect(),
        );
        options.timeout = Duration::from_secs(5);
        // This mock serves what the six basic checks look at, not all of RFC 9110: the
        // conformance table is proven on its own broken servers and on real ones.
        options.conformance = false;
        options
    }

    async fn run(site: Site) -> (MockServer, Vec<CheckOutcome>) {
        run_with(site, |_, _| {}).await
    }

    /// Checks `site` from `/`, with the options as `adjust` changes them.
    async fn run_with(
        site: Site,
        adjust: impl FnOnce(&mut AssetOptions, &MockServer),
    ) -> (MockServer, Vec<CheckOutcome>) {
        let server = serve(site).await;
        let mut options = options(&server, &["/"]);
        adjust(&mut options, &server);
        let outcomes = check_site(&reqwest::Client::new(), &options).await;
        (server, outcomes)
    }

    /// Checks `site` with its static files at `dir`, served under the path `prefix`.
    async fn run_with_static_dir(
        site: Site,
        dir: &Path,
        prefix: &str,
    ) -> (MockServer, Vec<CheckOutcome>) {
        run_with(site, |options, server| {
            options.static_dir = Some(StaticDir {
                path: dir.to_owned(),
                url_prefix: Url::parse(&format!("{}{prefix}", server.uri())).expect("prefix"),
            });
        })
        .await
    }

    fn failing(outcomes: &[CheckOutcome]) -> Vec<&CheckOutcome> {
        outcomes.iter().filter(|o| !o.passed()).collect()
    }

    fn failing_names(outcomes: &[CheckOutcome]) -> Vec<&str> {
        failing(outcomes).iter().map(|o| o.name.as_str()).collect()
    }

    /// The one failure named `name`, as (location, expected, seen).
    fn failure<'a>(outcomes: &'a [CheckOutcome], name: &str) -> (&'a str, &'a str, &'a str) {
        let outcome = outcomes
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("no outcome {name:?} in {outcomes:#?}"));
        assert_eq!(outcome.kind, CheckKind::Asset);
        match &outcome.verdict {
            Verdict::Fail { expected, seen } => (&outcome.location, expected, seen),
            other => panic!("{name} did not fail: {other:?}"),
        }
    }

    /// `name` is the one check that failed, at `server`'s `at`: its (expected, seen).
    fn only_failure<'a>(
        outcomes: &'a [CheckOutcome],
        name: &str,
        server: &MockServer,
        at: &str,
    ) -> (&'a str, &'a str) {
        assert_eq!(failing_names(outcomes), [name]);
        let (location, expected, seen) = failure(outcomes, name);
        assert_eq!(location, format!("{}{at}", server.uri()));
        (expected, seen)
    }

    #[tokio::test]
    async fn a_correct_site_passes_every_check_and_finds_exactly_its_assets() {
        let server = serve(good_site()).await;
        let client = reqwest::Client::new();
        let options = options(&server, &["/"]);

        let discovery = discover(&client, &options).await;
        assert_eq!(discovery.problems, []);
        let paths: Vec<&str> = discovery.assets.iter().map(|a| a.url.path()).collect();
        assert_eq!(paths, ASSET_PATHS);
        let expect: BTreeMap<&str, Expect> = discovery
            .assets
            .iter()
            .map(|a| (a.url.path(), a.expect))
            .collect();
        assert_eq!(expect["/static/css/base.css"], Expect::Stylesheet);
        assert_eq!(expect["/static/fonts/f.woff2"], Expect::Font);
        assert_eq!(expect["/static/favicon.ico"], Expect::Icon);
        assert_eq!(expect["/static/icons/i512.png"], Expect::Icon);
        assert_eq!(expect["/static/site.webmanifest"], Expect::Manifest);
        let logo = &discovery.assets[7];
        assert_eq!(logo.found_in.len(), 2, "the page and site.css: {logo:?}");

        let outcomes = check_site(&client, &options).await;
        assert_eq!(failing(&outcomes), Vec::<&CheckOutcome>::new());
        // 7 checks per asset + the page + 3 parsed files (2 sheets, 1 manifest) + the count.
        assert_eq!(outcomes.len(), ASSET_PATHS.len() * 7 + 1 + 3 + 1);
        let checks = [
            "GET 200",
            "Content-Type",
            "length",
            "HEAD",
            "304",
            "Range",
            "keep-alive",
        ];
        for path in ASSET_PATHS {
            for check in checks {
                let name = format!("{check} {path}");
                assert!(outcomes.iter().any(|o| o.name == name), "missing {name}");
            }
        }

        // Deterministic order: by URL, then check name.
        let again = check_site(&client, &options).await;
        let names = |o: &[CheckOutcome]| o.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&outcomes), names(&again));
        let js: Vec<&str> = outcomes
            .iter()
            .filter(|o| o.name.ends_with(" /static/js/app.js"))
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(
            js,
            [
                "304 /static/js/app.js",
                "Content-Type /static/js/app.js",
                "GET 200 /static/js/app.js",
                "HEAD /static/js/app.js",
                "Range /static/js/app.js",
                "keep-alive /static/js/app.js",
                "length /static/js/app.js",
            ]
        );
    }

    #[tokio::test]
    async fn a_500_on_an_imported_stylesheet_fails_its_get_and_its_crawl() {
        let mut site = good_site();
        site.file("/static/css/base.css").status = 500;
        let (server, outcomes) = run(site).await;
        assert_eq!(
            failing_names(&outcomes),
            ["GET 200 /static/css/base.css", "parse /static/css/base.css"]
        );
        let (location, expected, seen) = failure(&outcomes, "GET 200 /static/css/base.css");
        assert_eq!(location, format!("{}/static/css/base.css", server.uri()));
        assert_eq!(expected, "status 200");
        assert_eq!(
            seen,
            "status 500, body \"Internal Server Error: body consumed by a monitoring hook\""
        );
        // Its font and image were never discovered, so they are not checked.
        assert!(
            !outcomes
                .iter()
                .any(|o| o.name.ends_with("/static/fonts/f.woff2"))
        );
    }

    #[tokio::test]
    async fn octet_stream_on_the_script_fails_content_type() {
        let mut site = good_site();
        site.file("/static/js/app.js").content_type = Some("application/octet-stream");
        let (server, outcomes) = run(site).await;
        let (expected, seen) = only_failure(
            &outcomes,
            "Content-Type /static/js/app.js",
            &server,
            "/static/js/app.js [Content-Type]",
        );
        assert_eq!(
            expected,
            "Content-Type text/javascript (the .js extension) and a JavaScript type (linked as a script); \
             browsers refuse a module script or worker whose type is not JavaScript \
             (HTML, fetch a single module script)"
        );
        assert_eq!(seen, "Content-Type application/octet-stream");
    }

    #[tokio::test]
    async fn a_missing_content_type_on_a_stylesheet_warns() {
        let mut site = good_site();
        site.file("/static/css/site.css").content_type = None;
        let (_server, outcomes) = run(site).await;
        // Browsers apply a stylesheet sent without a type unless nosniff is set (issue 11).
        assert_eq!(failing_names(&outcomes), Vec::<&str>::new());
        assert_eq!(
            warning_names(&outcomes),
            ["Content-Type /static/css/site.css"]
        );
        let warning = outcomes
            .iter()
            .find(|o| o.name == "Content-Type /static/css/site.css")
            .expect("the Content-Type check");
        let (_, seen) = warning.verdict.expected_and_seen().expect("a warning");
        assert_eq!(seen, "no Content-Type header");
    }

    #[tokio::test]
    async fn a_head_that_announces_another_length_fails_head() {
        let mut site = good_site();
        let logo_len = site.file("/static/img/logo.png").body.len();
        site.file("/static/img/logo.png").head_len = Some(999);
        let (server, outcomes) = run(site).await;
        let (expected, seen) = only_failure(
            &outcomes,
            "HEAD /static/img/logo.png",
            &server,
            "/static/img/logo.png",
        );
        assert_eq!(
            expected,
            format!(
                "status 200, Content-Type image/png, Content-Length {logo_len}, empty body (as the GET)"
            )
        );
        assert_eq!(
            seen,
            "status 200, Content-Type image/png, Content-Length 999, body 0 bytes"
        );
    }

    #[tokio::test]
    async fn a_body_that_differs_from_the_file_on_disk_fails_length() {
        let site = good_site();
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, file) in &site.files {
            let Some(relative) = path.strip_prefix("/static/") else {
                continue;
            };
            let on_disk = dir.path().join(relative);
            std::fs::create_dir_all(on_disk.parent().expect("parent")).expect("mkdir");
            let mut body = file.body.clone();
            if relative == "img/bg.png" {
                body.extend_from_slice(b"stale build");
            }
            std::fs::write(on_disk, body).expect("write");
        }
        let (server, outcomes) = run_with_static_dir(site, dir.path(), "/static/").await;
        let (expected, seen) = only_failure(
            &outcomes,
            "length /static/img/bg.png",
            &server,
            "/static/img/bg.png [Content-Length]",
        );
        assert_eq!(
            expected,
            "Content-Length == body length == size on disk (61 bytes)"
        );
        assert_eq!(seen, "Content-Length 50, body 50 bytes, 61 bytes on disk");
        // Same assets as the crawl alone: the static dir adds sizes, not new URLs.
        assert_eq!(outcomes.len(), ASSET_PATHS.len() * 7 + 1 + 3 + 1 + 1);
    }

    #[tokio::test]
    async fn a_static_file_nobody_links_is_still_checked() {
        let mut site = good_site();
        site.files.insert(
            "/static/img/unlinked.png".into(),
            File::new("application/octet-stream", b"\x89PNG".to_vec()),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("img")).expect("mkdir");
        std::fs::write(dir.path().join("img/unlinked.png"), b"\x89PNG").expect("write");
        let (_server, outcomes) = run_with_static_dir(site, dir.path(), "/static").await;
        // Browsers sniff a PNG sent as application/octet-stream: a warning (issue 11).
        assert_eq!(failing_names(&outcomes), Vec::<&str>::new());
        assert_eq!(
            warning_names(&outcomes),
            ["Content-Type /static/img/unlinked.png"]
        );
    }

    #[tokio::test]
    async fn a_missing_or_empty_static_dir_fails() {
        let empty = tempfile::tempdir().expect("temp dir");
        for (path, seen) in [
            (empty.path().to_owned(), "an empty directory".to_owned()),
            (empty.path().join("missing"), "cannot read it:".to_owned()),
        ] {
            let (_server, outcomes) = run_with_static_dir(good_site(), &path, "/static/").await;
            assert_eq!(failing_names(&outcomes), ["static dir"]);
            let (location, _, got) = failure(&outcomes, "static dir");
            assert_eq!(location, path.display().to_string());
            assert!(got.starts_with(&seen), "{got}");
        }
    }

    /// Runs `site` as is, where `check` only warns, then requiring `requirement`, where
    /// `check` alone fails at the server's `at`: that failure's (expected, seen).
    async fn warns_unless_required(
        site: Site,
        requirement: &str,
        check: &str,
        at: &str,
    ) -> (String, String) {
        let (_server, outcomes) = run(site.clone()).await;
        assert_eq!(failing_names(&outcomes), Vec::<&str>::new());
        assert_eq!(warning_names(&outcomes), [check]);
        let (server, outcomes) = run_with(site, |options, _| {
            options.require = Require::parse([requirement]).expect("requirement name");
        })
        .await;
        let (expected, seen) = only_failure(&outcomes, check, &server, at);
        (expected.to_owned(), seen.to_owned())
    }

    fn warning_names(outcomes: &[CheckOutcome]) -> Vec<&str> {
        outcomes
            .iter()
            .filter(|o| o.warned())
            .map(|o| o.name.as_str())
            .collect()
    }

    #[tokio::test]
    async fn no_validators_warns_and_fails_the_304_check_when_required() {
        let mut site = good_site();
        site.file("/static/img/bg.png").etag = false;
        // Validators are a SHOULD (RFC 9110 §8.8.1): missing, they warn unless the
        // scenario requires them.
        let check = "304 /static/img/bg.png";
        let (expected, seen) =
            warns_unless_required(site, "validators", check, "/static/img/bg.png [ETag]").await;
        assert!(expected.contains("ETag or Last-Modified"), "{expected}");
        assert_eq!(seen, "no ETag or Last-Modified");
    }

    #[tokio::test]
    async fn last_modified_alone_revalidates_with_if_modified_since() {
        let mut site = good_site();
        let file = site.file("/static/img/bg.png");
        file.etag = false;
        file.last_modified = true;
        let (_server, outcomes) = run(site).await;
        assert_eq!(failing(&outcomes), Vec::<&CheckOutcome>::new());
        let outcome = outcomes
            .iter()
            .find(|o| o.name == "304 /static/img/bg.png")
            .expect("304 check");
        assert!(
            outcome.location.ends_with(" [If-Modified-Since]"),
            "{}",
            outcome.location
        );
    }

    #[tokio::test]
    async fn a_server_that_ignores_if_none_match_fails_the_304_check() {
        let mut site = good_site();
        site.file("/static/css/site.css").revalidate = false;
        let (server, outcomes) = run(site).await;
        let (expected, seen) = only_failure(
            &outcomes,
            "304 /static/css/site.css",
            &server,
            "/static/css/site.css [If-None-Match]",
        );
        assert!(
            expected.starts_with("status 304 for If-None-Match: \""),
            "{expected}"
        );
        assert_eq!(
            seen,
            format!("status 200 with {} body bytes", SITE_CSS.len())
        );
    }

    #[tokio::test]
    async fn an_ignored_range_warns_and_fails_the_range_check_when_required() {
        let mut site = good_site();
        site.file("/static/js/app.js").range = false;
        // A server without Accept-Ranges MAY ignore Range (RFC 9110 §14.2): that warns
        // unless the scenario requires Range.
        let check = "Range /static/js/app.js";
        let (expected, seen) =
            warns_unless_required(site, "range", check, "/static/js/app.js [Range]").await;
        assert_eq!(
            expected,
            "status 206, 10 bytes, Content-Range bytes 0-9/46 (RFC 9110 §14.2)"
        );
        assert_eq!(seen, "status 200, 46 bytes, no Content-Range");
    }

    #[tokio::test]
    async fn a_range_on_a_file_shorter_than_ten_bytes_gets_the_whole_file() {
        let mut site = good_site();
        assert_eq!(site.file("/static/favicon.ico").body.len(), 8);
        site.file("/static/favicon.ico").range = true;
        let (_server, outcomes) = run(site).await;
        assert_eq!(failing(&outcomes), Vec::<&CheckOutcome>::new());
    }

    #[tokio::test]
    async fn a_page_without_assets_fails_the_count() {
        let mut site = Site::default();
        site.files.insert(
            "/".into(),
            File::new(
                "text/html",
                "<html><body><a href=\"/static/x.css\">x</a></body></html>",
            ),
        );
        let (server, outcomes) = run(site).await;
        let (expected, seen) = only_failure(&outcomes, "assets found", &server, "/");
        assert_eq!(expected, "at least one asset");
        assert_eq!(seen, "0 assets");
    }

    #[tokio::test]
    async fn a_start_page_that_is_missing_or_not_html_fails() {
        let mut site = good_site();
        site.files.insert(
            "/feed.xml".into(),
            File::new("application/rss+xml", "<rss/>"),
        );
        let server = serve(site).await;
        let options = options(&server, &["/", "/nope", "/feed.xml"]);
        let outcomes = check_site(&reqwest::Client::new(), &options).await;
        assert_eq!(failing_names(&outcomes), ["page /feed.xml", "page /nope"]);
        let (_, expected, seen) = failure(&outcomes, "page /nope");
        assert_eq!(expected, "status 200 with Content-Type text/html");
        assert_eq!(seen, "status 404, body \"not found\"");
        let (_, _, seen) = failure(&outcomes, "page /feed.xml");
        assert_eq!(seen, "status 200 with Content-Type application/rss+xml");
    }

    #[tokio::test]
    async fn an_external_stylesheet_is_never_fetched() {
        let cdn = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_raw("a{}", "text/css"))
            .mount(&cdn)
            .await;
        let mut site = good_site();
        let page = INDEX.replace(
            "https://cdn.example/bootstrap.css",
            &format!("{}/bootstrap.css", cdn.uri()),
        );
        site.file("/").body = page.into_bytes();
        let (_server, outcomes) = run(site).await;
        assert_eq!(failing(&outcomes), Vec::<&CheckOutcome>::new());
        let requests = cdn.received_requests().await.expect("recording on");
        assert!(
            requests.is_empty(),
            "fetched from another origin: {requests:?}"
        );
        assert!(!outcomes.iter().any(|o| o.name.contains("bootstrap")));
    }

    #[tokio::test]
    async fn a_broken_manifest_fails_its_crawl() {
        let mut site = good_site();
        site.file("/static/site.webmanifest").body = br#"{"icons": [{"sizes": "1x1"}]}"#.to_vec();
        let (server, outcomes) = run(site).await;
        let (expected, seen) = only_failure(
            &outcomes,
            "parse /static/site.webmanifest",
            &server,
            "/static/site.webmanifest",
        );
        assert_eq!(expected, "status 200 and a web app manifest that parses");
        assert_eq!(seen, "`icons[0]` has no string `src`");
    }

    #[tokio::test]
    async fn import_cycles_end_and_each_sheet_is_checked_once() {
        let mut site = good_site();
        site.file("/static/css/base.css").body =
            br#"@import "site.css"; @import url(base.css);"#.to_vec();
        let server = serve(site).await;
        let discovery = discover(&reqwest::Client::new(), &options(&server, &["/"])).await;
        assert_eq!(discovery.problems, []);
        let sheets = discovery
            .assets
            .iter()
            .filter(|a| a.expect == Expect::Stylesheet)
            .count();
        assert_eq!(sheets, 2);
        let crawls = discovery
            .passed
            .iter()
            .filter(|o| o.name.starts_with("parse /static/css/"))
            .count();
        assert_eq!(crawls, 2);
    }

    #[tokio::test]
    async fn a_timeout_is_a_failing_outcome_not_a_panic() {
        let mut site = good_site();
        site.file("/static/js/app.js").delay = Some(Duration::from_secs(3));
        let (server, outcomes) = run_with(site, |options, _| {
            options.timeout = Duration::from_millis(300)
        })
        .await;
        let (expected, seen) = only_failure(
            &outcomes,
            "GET 200 /static/js/app.js",
            &server,
            "/static/js/app.js",
        );
        assert_eq!(expected, "status 200");
        assert!(seen.starts_with("timed out: "), "{seen}");
        assert!(seen.contains("/static/js/app.js"), "{seen}");
    }

    #[tokio::test]
    async fn a_refused_connection_fails_the_page_and_the_count() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("addr").port()
        };
        let url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("URL");
        let outcomes = check_site(&reqwest::Client::new(), &AssetOptions::new(vec![url])).await;
        assert_eq!(failing_names(&outcomes), ["assets found", "page /"]);
        let (_, _, seen) = failure(&outcomes, "page /");
        assert!(seen.starts_with("transport error: "), "{seen}");
    }

    // ---------- the fixture site on disk ----------

    fn fixture_site() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/site"))
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The file under the fixture site a same-origin URL points at.
    fn on_disk(url: &Url) -> std::path::PathBuf {
        fixture_site().join(url.path().trim_start_matches('/'))
    }

    #[test]
    fn the_fixture_site_references_only_files_that_exist_and_uses_every_one() {
        let origin = Url::parse("http://fixture.test/").expect("URL");
        let index = origin.join("/").expect("URL");
        let mut found: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
        let mut record = |links: Vec<harness::assets::Link>| {
            for link in links {
                assert!(
                    on_disk(&link.url).is_file(),
                    "{} ({}) is not on disk",
                    link.url,
                    link.via
                );
                found
                    .entry(link.url.path().to_owned())
                    .or_default()
                    .insert(link.via);
            }
        };

        let page = links_in_html(&index, &read(&fixture_site().join("index.html")));
        let sheets: Vec<Url> = page
            .iter()
            .filter(|l| l.expect == Expect::Stylesheet)
            .map(|l| l.url.clone())
            .collect();
        let manifest = page
            .iter()
            .find(|l| l.expect == Expect::Manifest)
            .map(|l| l.url.clone())
            .expect("a manifest link");
        record(page);

        let mut queue = sheets;
        let mut seen = BTreeSet::new();
        while let Some(sheet) = queue.pop() {
            if !seen.insert(sheet.clone()) {
                continue;
            }
            let links = links_in_css(&sheet, &read(&on_disk(&sheet)));
            queue.extend(
                links
                    .iter()
                    .filter(|l| l.expect == Expect::Stylesheet)
                    .map(|l| l.url.clone()),
            );
            record(links);
        }
        record(
            links_in_manifest(&manifest, &read(&on_disk(&manifest)))
                .expect("fixture manifest parses"),
        );

        let mut expected: Vec<String> = Vec::new();
        collect_files(&fixture_site().join("static"), &mut expected);
        // Text files and `files/` (downloads no page links: the low-traffic scenario's
        // 16 MiB hang-up file) are on disk without being referenced.
        expected.retain(|p| !p.ends_with(".txt") && !p.starts_with("/static/files/"));
        let found_paths: Vec<String> = found.keys().cloned().collect();
        assert_eq!(found_paths, expected);

        // A few references that need the tricky parts: srcset, @import, @font-face, og:image.
        assert!(found["/static/img/photo-960.png"].contains("img[srcset]"));
        assert!(found["/static/css/print.css"].contains("css @import"));
        assert!(found["/static/fonts/dejavu-sans-bold-latin.woff2"].contains("css @font-face src"));
        assert!(found["/static/img/logo.png"].contains("meta[property=og:image]"));
        assert!(found["/static/icons/icon-512.png"].contains("manifest icons"));
    }

    fn collect_files(dir: &Path, out: &mut Vec<String>) {
        let root = fixture_site();
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("fixture dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                collect_files(&path, out);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                out.push(format!("/{}", relative.to_string_lossy()));
            }
        }
        out.sort();
    }

    #[test]
    fn the_fixture_stylesheets_tokenize_without_errors() {
        for name in ["style.css", "print.css"] {
            let url = Url::parse(&format!("http://fixture.test/static/css/{name}")).expect("URL");
            let scan = harness::assets::scan_css(&url, &read(&on_disk(&url)));
            assert_eq!(scan.errors, Vec::<String>::new(), "{name}");
        }
    }
}
