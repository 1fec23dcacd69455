//! Assets that only a browser finds: what scripts fetch, fonts a page preloads, the
//! `srcset` candidate Chromium chose. Taken from a page load's requests so that the
//! crawl's HTTP checks run on them too (`check-assets = { browser = true }`).
//!
//! The rule: a `GET` the browser made to the page's own origin (`http`/`https`;
//! `data:` and `blob:` URLs never reach the server and are ignored), without its
//! fragment, except documents (the page itself, where it redirected, a frame: pages,
//! not assets) and the `/favicon.ico` a page that links no icon is asked for anyway
//! (the browser check only warns for it). Whatever the crawl also found keeps the
//! crawl's expectation; the rest is checked as "found by the browser".

use url::Url;

use super::link::{Expect, Link, resolve};
use crate::browser::PageLoad;

/// The same-origin sub-resources `load` requested, as links found in its page, in
/// request order, each once. Nothing when the page URL does not parse.
pub fn links_from_browser(load: &PageLoad) -> Vec<Link> {
    let Ok(page) = Url::parse(&load.page) else {
        return Vec::new();
    };
    let mut links: Vec<Link> = Vec::new();
    for request in &load.requests {
        if request.method != "GET" || request.resource_type == "Document" {
            continue;
        }
        let Some(url) = resolve(&page, &page, &request.url) else {
            continue;
        };
        let implicit_favicon = url.path() == "/favicon.ico"
            && !load
                .linked_icons
                .iter()
                .any(|icon| Url::parse(icon).is_ok_and(|i| i == url));
        if implicit_favicon || url == page || links.iter().any(|l| l.url == url) {
            continue;
        }
        let (expect, via) = as_used(&request.resource_type);
        links.push(Link {
            url,
            expect,
            found_in: page.clone(),
            via,
        });
    }
    links
}

/// What the browser's resource type says about the type the server must send, and
/// the `via` the asset is reported with.
fn as_used(resource_type: &str) -> (Expect, &'static str) {
    match resource_type {
        "Stylesheet" => (Expect::Stylesheet, "browser Stylesheet"),
        "Script" => (Expect::Script, "browser Script"),
        "Image" => (Expect::Image, "browser Image"),
        "Font" => (Expect::Font, "browser Font"),
        "Manifest" => (Expect::Manifest, "browser Manifest"),
        "Fetch" => (Expect::Any, "browser Fetch"),
        "XHR" => (Expect::Any, "browser XHR"),
        "Media" => (Expect::Any, "browser Media"),
        _ => (Expect::Any, "browser request"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::RequestRecord;

    fn request(url: &str, method: &str, kind: &str) -> RequestRecord {
        RequestRecord {
            url: url.to_owned(),
            method: method.to_owned(),
            resource_type: kind.to_owned(),
            status: Some(200),
            mime_type: None,
            duration: None,
        }
    }

    #[test]
    fn only_same_origin_gets_of_sub_resources_count_once_each() {
        let load = PageLoad {
            page: "http://h:1/".to_owned(),
            load_time: None,
            requests: vec![
                request("http://h:1/", "GET", "Document"),
                request("http://h:1/app.js", "GET", "Script"),
                request("http://h:1/data.json#x", "GET", "Fetch"),
                request("http://h:1/data.json", "GET", "Fetch"),
                request("http://h:1/api", "POST", "Fetch"),
                request("http://other:1/cdn.js", "GET", "Script"),
                request("data:image/png;base64,AAAA", "GET", "Image"),
                request("blob:http://h:1/1234", "GET", "Image"),
                request("http://h:1/frame.html", "GET", "Document"),
                request("http://h:1/favicon.ico", "GET", "Other"),
                request("http://h:1/f.woff2", "GET", "Font"),
            ],
            failed: Vec::new(),
            console_errors: Vec::new(),
            linked_icons: Vec::new(),
            unapplied_stylesheets: Vec::new(),
            screenshot: None,
        };
        let got: Vec<(String, Expect, &str)> = links_from_browser(&load)
            .into_iter()
            .map(|l| (l.url.to_string(), l.expect, l.via))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "http://h:1/app.js".to_owned(),
                    Expect::Script,
                    "browser Script"
                ),
                (
                    "http://h:1/data.json".to_owned(),
                    Expect::Any,
                    "browser Fetch"
                ),
                (
                    "http://h:1/f.woff2".to_owned(),
                    Expect::Font,
                    "browser Font"
                ),
            ]
        );
        let mut linked = load.clone();
        linked
            .linked_icons
            .push("http://h:1/favicon.ico".to_owned());
        assert!(
            links_from_browser(&linked)
                .iter()
                .any(|l| l.url.path() == "/favicon.ico"),
            "a linked icon is an asset"
        );
    }
}
