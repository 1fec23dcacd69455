//! Issue 11 end to end: a `Content-Type` check fails only where Chromium and Firefox
//! refuse the file for how the page uses it, and warns everywhere else. Each case is a
//! file on a wiremock site, reached the way real sites reach it (a `<link>`, a
//! `<script>`, a CSS `url()`, the static dir), with and without
//! `X-Content-Type-Options: nosniff`.

use std::collections::BTreeMap;
use std::time::Duration;

use harness::assets::{AssetOptions, StaticDir, check_site};
use harness::outcome::{CheckOutcome, Verdict};
use url::Url;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const PAGE: &str = r#"<!doctype html>
<html><head>
<link rel="stylesheet" href="/css/site.css">
<link rel="stylesheet" href="/css/print.css">
<link rel="stylesheet" href="/css/untyped.css">
<link rel="icon" href="/favicon.svg">
<script src="/js/app.js"></script>
<script type="module" src="/js/module.js"></script>
</head><body><img src="/img/logo.png" alt=""></body></html>"#;

/// Path -> (Content-Type, nosniff, body).
type Files = BTreeMap<&'static str, (Option<&'static str>, bool, &'static [u8])>;

fn site() -> Files {
    BTreeMap::from([
        ("/", (Some("text/html"), false, PAGE.as_bytes())),
        // Served right: passes, nosniff or not.
        (
            "/css/site.css",
            (
                Some("text/css"),
                true,
                b"@font-face{font-family:f;src:url(/fonts/theme.ttf)}".as_slice(),
            ),
        ),
        // Wrong type on a stylesheet: both browsers ignore it. Fails.
        (
            "/css/print.css",
            (Some("application/octet-stream"), false, b"p{}".as_slice()),
        ),
        // No type on a stylesheet, nosniff set: Fetch blocks it. Fails.
        ("/css/untyped.css", (None, true, b"p{}".as_slice())),
        // A classic script as text/plain under nosniff: blocked. Fails.
        (
            "/js/app.js",
            (Some("text/plain"), true, b"var a = 1;".as_slice()),
        ),
        // A module as text/plain without nosniff: modules need a JavaScript type. Fails.
        (
            "/js/module.js",
            (Some("text/plain"), false, b"export {};".as_slice()),
        ),
        // Pelican on nginx: the theme font as text/plain. Warns.
        (
            "/fonts/theme.ttf",
            (Some("text/plain"), true, b"\0\x01\0\0font".as_slice()),
        ),
        // A PNG sent as octet-stream, even under nosniff: browsers sniff it. Warns.
        (
            "/img/logo.png",
            (
                Some("application/octet-stream"),
                true,
                b"\x89PNG\r\n\x1a\n".as_slice(),
            ),
        ),
        // An SVG icon sent as text/plain: never sniffed, so not drawn. Fails.
        (
            "/favicon.svg",
            (
                Some("text/plain"),
                false,
                b"<svg xmlns='http://www.w3.org/2000/svg'/>".as_slice(),
            ),
        ),
        // MkDocs Material on Debian's nginx: source maps as octet-stream. Warns.
        (
            "/js/app.js.map",
            (
                Some("application/octet-stream"),
                false,
                b"{\"version\":3}".as_slice(),
            ),
        ),
    ])
}

struct Site(Files);

impl Respond for Site {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some((content_type, nosniff, body)) = self.0.get(request.url.path()) else {
            return ResponseTemplate::new(404);
        };
        let mut template = ResponseTemplate::new(200).set_body_bytes(*body);
        if let Some(t) = content_type {
            template = template.insert_header("content-type", *t);
        }
        if *nosniff {
            template = template.insert_header("x-content-type-options", "nosniff");
        }
        template
    }
}

/// The `Content-Type` verdicts, by path.
async fn content_type_verdicts() -> BTreeMap<String, Verdict> {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Site(site()))
        .mount(&server)
        .await;
    let base = Url::parse(&server.uri()).expect("server URL");

    // The source map ships in the static dir; no page links it.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("js")).expect("mkdir");
    std::fs::write(dir.path().join("js/app.js.map"), b"{\"version\":3}").expect("write");

    let mut options = AssetOptions::new(vec![base.clone()]);
    options.timeout = Duration::from_secs(5);
    options.conformance = false;
    options.static_dir = Some(StaticDir {
        path: dir.path().to_owned(),
        url_prefix: base,
    });
    let outcomes: Vec<CheckOutcome> = check_site(&reqwest::Client::new(), &options).await;
    outcomes
        .into_iter()
        .filter_map(|o| {
            let path = o.name.strip_prefix("Content-Type ")?.to_owned();
            Some((path, o.verdict))
        })
        .collect()
}

fn expected(verdict: &Verdict) -> &str {
    verdict
        .expected_and_seen()
        .map_or("", |(expected, _)| expected)
}

#[tokio::test]
async fn types_browsers_enforce_fail_and_types_they_tolerate_warn() {
    let verdicts = content_type_verdicts().await;
    let kind = |path: &str| match verdicts.get(path) {
        Some(Verdict::Pass) => "pass",
        Some(Verdict::Warn { .. }) => "warn",
        Some(Verdict::Fail { .. }) => "fail",
        Some(Verdict::Skip { .. }) => "skip",
        None => panic!("no Content-Type check for {path} in {verdicts:#?}"),
    };
    let got: Vec<(&str, &str)> = [
        "/css/site.css",
        "/css/print.css",
        "/css/untyped.css",
        "/js/app.js",
        "/js/module.js",
        "/fonts/theme.ttf",
        "/img/logo.png",
        "/favicon.svg",
        "/js/app.js.map",
    ]
    .into_iter()
    .map(|path| (path, kind(path)))
    .collect();
    assert_eq!(
        got,
        [
            ("/css/site.css", "pass"),
            ("/css/print.css", "fail"),
            ("/css/untyped.css", "fail"),
            ("/js/app.js", "fail"),
            ("/js/module.js", "fail"),
            ("/fonts/theme.ttf", "warn"),
            ("/img/logo.png", "warn"),
            ("/favicon.svg", "fail"),
            ("/js/app.js.map", "warn"),
        ]
    );
}

#[tokio::test]
async fn every_verdict_says_why() {
    let verdicts = content_type_verdicts().await;
    let why = [
        (
            "/css/print.css",
            "browsers ignore a stylesheet of any other type",
        ),
        ("/css/untyped.css", "under X-Content-Type-Options: nosniff"),
        ("/js/app.js", "under X-Content-Type-Options: nosniff"),
        ("/js/module.js", "fetch a single module script"),
        ("/fonts/theme.ttf", "browsers ignore a font's type"),
        ("/img/logo.png", "browsers sniff raster images"),
        ("/favicon.svg", "never sniff SVG"),
        ("/js/app.js.map", "only developer tools fetch source maps"),
    ];
    for (path, reason) in why {
        let text = expected(&verdicts[path]);
        assert!(text.contains(reason), "{path}: {text:?} lacks {reason:?}");
    }
    // The warnings say they are warnings.
    for path in ["/fonts/theme.ttf", "/img/logo.png", "/js/app.js.map"] {
        let text = expected(&verdicts[path]);
        assert!(text.ends_with("is a warning"), "{path}: {text:?}");
    }
}
