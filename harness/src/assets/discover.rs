//! Finding a site's assets: fetch the start pages, follow stylesheets (`@import` chains)
//! and manifests, add every file of a static dir on disk, and merge duplicates.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use reqwest::header::CONTENT_TYPE;
use url::Url;

use super::conformance::Require;
use super::css::scan_css;
use super::fetch::{self, Fetched};
use super::html::links_in_html;
use super::keepalive::StallLimit;
use super::link::{Expect, Link, path_label};
use super::manifest::links_in_manifest;
use super::media::essence;
use crate::outcome::{CheckKind, CheckOutcome, Verdict};

/// A directory on disk whose every file the server must serve under `url_prefix`.
///
/// Crawling only finds what pages reference; a file nobody links yet (a new icon size)
/// still ships, so it is checked too, and its size on disk must match the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticDir {
    /// The directory, e.g. `fixtures/site/static`.
    pub path: PathBuf,
    /// Where its files are served, e.g. `http://127.0.0.1:8080/static/`.
    pub url_prefix: Url,
}

/// What to crawl and how hard to push the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetOptions {
    /// HTML pages to crawl; one level (their assets, not the pages they link to).
    pub start_urls: Vec<Url>,
    /// Also check every file under this directory.
    pub static_dir: Option<StaticDir>,
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Per request, from connect to the last body byte.
    pub timeout: Duration,
    /// Features the server must support, so that their absence fails instead of warns.
    pub require: Require,
    /// Run the conformance table on the assets (about 80 requests each). Off, only the
    /// six basic checks run: a quick look at a site across a slow network.
    pub conformance: bool,
    /// How slow a small file may be on a reused connection before it is a stall.
    pub stall_limit: StallLimit,
    /// What a browser requested loading the pages (see [`super::links_from_browser`]):
    /// those the crawl does not find are checked too, marked as found by the browser.
    pub from_browser: Vec<Link>,
}

impl AssetOptions {
    /// Crawl `start_urls` with 8 requests in flight and a 10 s timeout per request.
    pub fn new(start_urls: Vec<Url>) -> Self {
        Self {
            start_urls,
            static_dir: None,
            concurrency: 8,
            timeout: Duration::from_secs(10),
            require: Require::default(),
            conformance: true,
            stall_limit: StallLimit::default(),
            from_browser: Vec::new(),
        }
    }
}

/// One asset to check, with every place it was referenced from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Absolute, same-origin, without fragment.
    pub url: Url,
    /// The strictest expectation among all references.
    pub expect: Expect,
    /// Pages, sheets and manifests referencing it, in discovery order (empty for a file
    /// found only in the static dir).
    pub found_in: Vec<Url>,
    /// The construct of the reference that set `expect` (`static dir` for files on disk).
    pub via: &'static str,
    /// Bytes on disk, when the file is in the static dir.
    pub size_on_disk: Option<u64>,
    /// Found only by a browser loading the pages (`via` says how it was requested):
    /// its checks say so, since no page, sheet or manifest names it.
    pub by_browser: bool,
}

/// What a crawl found, and what went wrong while crawling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Every asset, sorted by URL.
    pub assets: Vec<Asset>,
    /// Failing outcomes: a page, sheet or manifest that could not be read, a bad static
    /// dir, or a crawl that found nothing.
    pub problems: Vec<CheckOutcome>,
    /// Passing outcomes of the same checks, so a report shows what was crawled.
    pub passed: Vec<CheckOutcome>,
}

/// `via` for files found in the static dir.
pub const VIA_STATIC_DIR: &str = "static dir";

/// Crawls the start pages, their stylesheets (recursively, each once) and manifests, and
/// the static dir. Never fails: whatever goes wrong becomes a failing outcome.
pub async fn discover(client: &reqwest::Client, options: &AssetOptions) -> Discovery {
    let concurrency = options.concurrency.max(1);
    let mut crawl = Crawl::default();

    let pages: Vec<(Url, CheckOutcome, Vec<Link>)> = stream::iter(&options.start_urls)
        .map(|url| async move {
            let (outcome, links) = read_page(client, url, options.timeout).await;
            (url.clone(), outcome, links)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    crawl.add_read(pages);

    if let Some(dir) = &options.static_dir {
        let started = Instant::now();
        let listed = list_static_dir(dir.clone()).await;
        let location = dir.path.display().to_string();
        match listed {
            Ok(files) => {
                crawl.record(CheckOutcome::new(
                    CheckKind::Asset,
                    "static dir",
                    location,
                    Verdict::Pass,
                    started.elapsed(),
                ));
                files
                    .into_iter()
                    .for_each(|(url, size)| crawl.add_file(url, size));
            }
            Err(seen) => crawl.record(CheckOutcome::new(
                CheckKind::Asset,
                "static dir",
                location,
                Verdict::Fail {
                    expected: "a readable directory with at least one file".into(),
                    seen,
                },
                started.elapsed(),
            )),
        }
    }

    // Stylesheets import stylesheets: crawl in waves until no new sheet turns up. Each
    // URL is read once, so `@import` cycles end.
    let mut read: HashSet<Url> = HashSet::new();
    loop {
        let todo: Vec<(Url, Expect)> = crawl
            .assets
            .values()
            .filter(|a| matches!(a.expect, Expect::Stylesheet | Expect::Manifest))
            .filter(|a| !read.contains(&a.url))
            .map(|a| (a.url.clone(), a.expect))
            .collect();
        if todo.is_empty() {
            break;
        }
        read.extend(todo.iter().map(|(u, _)| u.clone()));
        let results: Vec<(Url, CheckOutcome, Vec<Link>)> = stream::iter(todo)
            .map(|(url, expect)| async move {
                let (outcome, links) =
                    read_linking_file(client, &url, expect, options.timeout).await;
                (url, outcome, links)
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        crawl.add_read(results);
    }

    // Last, what only the browser found: a link the crawl also found is the crawl's.
    // A stylesheet found this way is checked, not parsed: what it references and the
    // page uses, the browser requested too.
    for link in &options.from_browser {
        if !options.start_urls.contains(&link.url) {
            crawl.add_browser_link(link.clone());
        }
    }

    let count = crawl.assets.len();
    let location = if options.start_urls.is_empty() {
        options
            .static_dir
            .as_ref()
            .map(|d| d.url_prefix.to_string())
            .unwrap_or_else(|| "(no start URLs, no static dir)".into())
    } else {
        options
            .start_urls
            .iter()
            .map(Url::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    crawl.record(CheckOutcome::new(
        CheckKind::Asset,
        "assets found",
        location,
        Verdict::expect(count > 0, "at least one asset", format!("{count} assets")),
        Duration::ZERO,
    ));

    Discovery {
        assets: crawl.assets.into_values().collect(),
        problems: crawl.problems,
        passed: crawl.passed,
    }
}

#[derive(Default)]
struct Crawl {
    assets: BTreeMap<Url, Asset>,
    problems: Vec<CheckOutcome>,
    passed: Vec<CheckOutcome>,
}

impl Crawl {
    /// Records each read file's outcome and adds its links, in URL order: the reads end
    /// in any order, the crawl must not depend on it.
    fn add_read(&mut self, mut read: Vec<(Url, CheckOutcome, Vec<Link>)>) {
        read.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, outcome, links) in read {
            self.record(outcome);
            links.into_iter().for_each(|l| self.add_link(l));
        }
    }

    fn record(&mut self, outcome: CheckOutcome) {
        if outcome.passed() {
            self.passed.push(outcome);
        } else {
            self.problems.push(outcome);
        }
    }

    fn add_link(&mut self, link: Link) {
        let asset = self
            .assets
            .entry(link.url.clone())
            .or_insert_with(|| Asset {
                url: link.url,
                expect: link.expect,
                found_in: Vec::new(),
                via: link.via,
                size_on_disk: None,
                by_browser: false,
            });
        if link.expect.strictness() > asset.expect.strictness() {
            asset.expect = link.expect;
            asset.via = link.via;
        }
        if !asset.found_in.contains(&link.found_in) {
            asset.found_in.push(link.found_in);
        }
    }

    /// A link from the browser's requests, unless the crawl found its URL.
    fn add_browser_link(&mut self, link: Link) {
        match self.assets.get_mut(&link.url) {
            Some(asset) if asset.by_browser => {
                if !asset.found_in.contains(&link.found_in) {
                    asset.found_in.push(link.found_in);
                }
            }
            Some(_) => {}
            None => {
                self.assets.insert(
                    link.url.clone(),
                    Asset {
                        url: link.url,
                        expect: link.expect,
                        found_in: vec![link.found_in],
                        via: link.via,
                        size_on_disk: None,
                        by_browser: true,
                    },
                );
            }
        }
    }

    fn add_file(&mut self, url: Url, size: u64) {
        let expect = Expect::from_extension(&url);
        let asset = self.assets.entry(url.clone()).or_insert_with(|| Asset {
            url,
            expect,
            found_in: Vec::new(),
            via: VIA_STATIC_DIR,
            size_on_disk: None,
            by_browser: false,
        });
        if expect.strictness() > asset.expect.strictness() {
            asset.expect = expect;
            asset.via = VIA_STATIC_DIR;
        }
        asset.size_on_disk = Some(size);
    }
}

/// GETs a start page; it must be 200 and HTML.
async fn read_page(
    client: &reqwest::Client,
    url: &Url,
    timeout: Duration,
) -> (CheckOutcome, Vec<Link>) {
    let name = format!("page {}", path_label(url));
    let expected = "status 200 with Content-Type text/html";
    let fetched = match fetch::send(client.get(url.clone()), timeout).await {
        Ok(f) => f,
        Err(e) => return (fail(name, url, expected, e.message, e.elapsed), Vec::new()),
    };
    let content_type = fetched.header(CONTENT_TYPE).map(essence);
    let html = matches!(
        content_type.as_deref(),
        Some("text/html" | "application/xhtml+xml")
    );
    if fetched.status != reqwest::StatusCode::OK {
        let seen = fetch::status_and_preview(&fetched);
        return (fail(name, url, expected, seen, fetched.elapsed), Vec::new());
    }
    if !html {
        let seen = match content_type {
            Some(t) => format!("status 200 with Content-Type {t}"),
            None => "status 200 without a Content-Type".into(),
        };
        return (fail(name, url, expected, seen, fetched.elapsed), Vec::new());
    }
    let links = links_in_html(&fetched.url, &String::from_utf8_lossy(&fetched.body));
    let outcome = CheckOutcome::new(
        CheckKind::Asset,
        name,
        url.as_str(),
        Verdict::Pass,
        fetched.elapsed,
    );
    (outcome, links)
}

/// GETs a stylesheet or manifest and reads its references; a download or parse failure
/// fails the crawl of that file (its own GET check reports the status again, by design:
/// this one says the references behind it went unchecked).
async fn read_linking_file(
    client: &reqwest::Client,
    url: &Url,
    expect: Expect,
    timeout: Duration,
) -> (CheckOutcome, Vec<Link>) {
    let name = format!("parse {}", path_label(url));
    let what = if expect == Expect::Manifest {
        "web app manifest"
    } else {
        "stylesheet"
    };
    let expected = format!("status 200 and a {what} that parses");
    let fetched: Fetched = match fetch::send(client.get(url.clone()), timeout).await {
        Ok(f) => f,
        Err(e) => return (fail(name, url, &expected, e.message, e.elapsed), Vec::new()),
    };
    if fetched.status != reqwest::StatusCode::OK {
        let seen = fetch::status_and_preview(&fetched);
        return (
            fail(name, url, &expected, seen, fetched.elapsed),
            Vec::new(),
        );
    }
    let text = String::from_utf8_lossy(&fetched.body);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (links, seen) = if expect == Expect::Manifest {
        match links_in_manifest(&fetched.url, text) {
            Ok(links) => (links, None),
            Err(e) => (Vec::new(), Some(e.kind.to_string())),
        }
    } else {
        let scan = scan_css(&fetched.url, text);
        let seen = (!scan.errors.is_empty()).then(|| scan.errors.join("; "));
        (scan.links, seen)
    };
    let outcome = match seen {
        None => CheckOutcome::new(
            CheckKind::Asset,
            name,
            url.as_str(),
            Verdict::Pass,
            fetched.elapsed,
        ),
        Some(seen) => fail(name, url, &expected, seen, fetched.elapsed),
    };
    (outcome, links)
}

fn fail(name: String, url: &Url, expected: &str, seen: String, elapsed: Duration) -> CheckOutcome {
    CheckOutcome::new(
        CheckKind::Asset,
        name,
        url.as_str(),
        Verdict::Fail {
            expected: expected.to_owned(),
            seen,
        },
        elapsed,
    )
}

/// Every regular file under the dir (dot files skipped: servers usually refuse them)
/// with its URL and size; `Err` says why the dir is unusable, e.g. `no such directory`.
async fn list_static_dir(dir: StaticDir) -> Result<Vec<(Url, u64)>, String> {
    tokio::task::spawn_blocking(move || {
        let meta = std::fs::metadata(&dir.path).map_err(|e| format!("cannot read it: {e}"))?;
        if !meta.is_dir() {
            return Err("not a directory".into());
        }
        let mut files = Vec::new();
        walk(&dir.path, &dir.path, &dir.url_prefix, &mut files)?;
        if files.is_empty() {
            return Err("an empty directory".into());
        }
        files.sort();
        Ok(files)
    })
    .await
    .unwrap_or_else(|e| Err(format!("listing it panicked: {e}")))
}

fn walk(root: &Path, dir: &Path, prefix: &Url, files: &mut Vec<(Url, u64)>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
        if file_type.is_dir() {
            walk(root, &path, prefix, files)?;
            continue;
        }
        // Symlinks count when they point at a file; linked dirs are not followed (cycles).
        let meta =
            std::fs::metadata(&path).map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
        if !meta.is_file() {
            continue;
        }
        let url = file_url(root, &path, prefix)?;
        files.push((url, meta.len()));
    }
    Ok(())
}

/// `prefix` + the path relative to `root`, each segment percent-encoded.
fn file_url(root: &Path, path: &Path, prefix: &Url) -> Result<Url, String> {
    let relative = path
        .strip_prefix(root)
        .map_err(|_| format!("{} is outside {}", path.display(), root.display()))?;
    let mut url = prefix.clone();
    {
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| format!("{prefix} cannot take a path"))?;
        segments.pop_if_empty();
        for part in relative.components() {
            let part = part
                .as_os_str()
                .to_str()
                .ok_or_else(|| format!("{} is not UTF-8", path.display()))?;
            segments.push(part);
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str, expect: Expect, found_in: &str, via: &'static str) -> Link {
        Link {
            url: Url::parse(url).expect("test URL"),
            expect,
            found_in: Url::parse(found_in).expect("test URL"),
            via,
        }
    }

    #[test]
    fn duplicates_merge_keeping_the_strictest_expectation_and_every_page() {
        let mut crawl = Crawl::default();
        crawl.add_link(link(
            "http://h/a.png",
            Expect::Any,
            "http://h/one",
            "source[src]",
        ));
        crawl.add_link(link(
            "http://h/a.png",
            Expect::Icon,
            "http://h/two",
            "link[rel=icon]",
        ));
        crawl.add_link(link(
            "http://h/a.png",
            Expect::Image,
            "http://h/one",
            "img[src]",
        ));
        crawl.add_file(Url::parse("http://h/a.png").expect("test URL"), 42);
        crawl.add_file(Url::parse("http://h/b.css").expect("test URL"), 7);
        let assets: Vec<Asset> = crawl.assets.into_values().collect();
        assert_eq!(assets.len(), 2);
        assert_eq!(assets[0].expect, Expect::Icon);
        assert_eq!(assets[0].via, "link[rel=icon]");
        assert_eq!(assets[0].size_on_disk, Some(42));
        assert_eq!(
            assets[0]
                .found_in
                .iter()
                .map(Url::as_str)
                .collect::<Vec<_>>(),
            ["http://h/one", "http://h/two"]
        );
        assert_eq!(assets[1].expect, Expect::Stylesheet);
        assert_eq!(assets[1].via, VIA_STATIC_DIR);
        assert!(assets[1].found_in.is_empty());
    }

    #[test]
    fn the_browser_adds_only_what_the_crawl_did_not_find_with_every_page() {
        let mut crawl = Crawl::default();
        crawl.add_link(link(
            "http://h/a.css",
            Expect::Stylesheet,
            "http://h/",
            "link[rel=stylesheet]",
        ));
        crawl.add_browser_link(link(
            "http://h/a.css",
            Expect::Stylesheet,
            "http://h/",
            "browser Stylesheet",
        ));
        crawl.add_browser_link(link(
            "http://h/data.json",
            Expect::Any,
            "http://h/",
            "browser Fetch",
        ));
        crawl.add_browser_link(link(
            "http://h/data.json",
            Expect::Any,
            "http://h/two",
            "browser Fetch",
        ));
        let assets: Vec<Asset> = crawl.assets.into_values().collect();
        let seen: Vec<(&str, &str, bool, usize)> = assets
            .iter()
            .map(|a| (a.url.path(), a.via, a.by_browser, a.found_in.len()))
            .collect();
        assert_eq!(
            seen,
            [
                ("/a.css", "link[rel=stylesheet]", false, 1),
                ("/data.json", "browser Fetch", true, 2),
            ]
        );
    }

    #[tokio::test]
    async fn static_dir_lists_files_as_encoded_urls_and_rejects_missing_or_empty_dirs() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let prefix = Url::parse("http://h:1/static").expect("test URL");
        let dir = StaticDir {
            path: tmp.path().to_owned(),
            url_prefix: prefix.clone(),
        };
        assert_eq!(
            list_static_dir(dir.clone()).await,
            Err("an empty directory".into())
        );

        std::fs::create_dir_all(tmp.path().join("css/sub dir")).expect("mkdir");
        std::fs::write(tmp.path().join("css/sub dir/a b.css"), "a{}").expect("write");
        std::fs::write(tmp.path().join("app.js"), "").expect("write");
        std::fs::write(tmp.path().join(".hidden"), "x").expect("write");
        let files = list_static_dir(dir).await.expect("listed");
        assert_eq!(
            files,
            [
                (Url::parse("http://h:1/static/app.js").expect("test URL"), 0),
                (
                    Url::parse("http://h:1/static/css/sub%20dir/a%20b.css").expect("test URL"),
                    3
                ),
            ]
        );

        let missing = StaticDir {
            path: tmp.path().join("nope"),
            url_prefix: prefix,
        };
        let err = list_static_dir(missing).await.expect_err("missing dir");
        assert!(err.starts_with("cannot read it:"), "{err}");
    }
}
