//! Pages a site's start page links to: same-origin `a[href]` and `area[href]` that
//! answer 200 with HTML. Where `harness probe` drives its traffic; the asset crawl
//! itself never follows navigation.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use scraper::{Html, Selector};
use url::Url;

use super::fetch;
use super::link::{path_label, resolve};
use super::media::essence;

/// The pages found, and the links left out with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundPages {
    /// Path (and query) of each page that answered 200 with HTML, the start page first.
    pub pages: Vec<String>,
    /// Linked paths that are not pages to drive traffic to, each with why.
    pub skipped: Vec<(String, String)>,
}

/// Same-origin navigation links of `html` (served at `page`), without fragments,
/// deduplicated, in document order. `<base href>` is honoured as browsers do.
pub fn page_links(page: &Url, html: &str) -> Vec<Url> {
    let document = Html::parse_document(html);
    let base = Selector::parse("base[href]")
        .ok()
        .and_then(|s| document.select(&s).next())
        .and_then(|e| e.value().attr("href"))
        .and_then(|href| page.join(href.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let Ok(anchors) = Selector::parse("a[href], area[href]") else {
        return Vec::new();
    };
    let mut out: Vec<Url> = Vec::new();
    for element in document.select(&anchors) {
        let Some(href) = element.value().attr("href") else {
            continue;
        };
        if let Some(url) = resolve(&base, page, href)
            && !out.contains(&url)
        {
            out.push(url);
        }
    }
    out
}

/// Reads `start` and the pages it links (at most `max` pages in all, `exclude`d paths
/// left out, e.g. the metrics endpoints), keeping those that answer 200 with HTML.
/// The start page must be one: without it there is nothing to probe.
pub async fn find_pages(
    client: &reqwest::Client,
    start: &Url,
    max: usize,
    exclude: &[String],
    timeout: Duration,
) -> Result<FoundPages, String> {
    let links = match read_html(client, start, timeout).await {
        Ok(html) => page_links(start, &html),
        Err(why) => return Err(format!("start page {}: {why}", path_label(start))),
    };
    let mut found = FoundPages {
        pages: vec![path_label(start)],
        skipped: Vec::new(),
    };
    for url in links {
        let label = path_label(&url);
        if found.pages.contains(&label) || found.skipped.iter().any(|(p, _)| *p == label) {
            continue;
        }
        if exclude.iter().any(|e| *e == url.path()) {
            found
                .skipped
                .push((label, "a metrics endpoint of the target file".to_owned()));
        } else if found.pages.len() >= max {
            found
                .skipped
                .push((label, format!("beyond the first {max} pages")));
        } else {
            match read_html(client, &url, timeout).await {
                Ok(_) => found.pages.push(label),
                Err(why) => found.skipped.push((label, why)),
            }
        }
    }
    Ok(found)
}

/// The body of `url` when it answers 200 with an HTML type; else what it answered.
async fn read_html(
    client: &reqwest::Client,
    url: &Url,
    timeout: Duration,
) -> Result<String, String> {
    let fetched = fetch::send(client.get(url.clone()), timeout)
        .await
        .map_err(|e| e.message)?;
    if fetched.status != reqwest::StatusCode::OK {
        return Err(format!("status {}", fetched.status.as_u16()));
    }
    match fetched.header(CONTENT_TYPE).map(essence).as_deref() {
        Some("text/html" | "application/xhtml+xml") => {
            Ok(String::from_utf8_lossy(&fetched.body).into_owned())
        }
        Some(other) => Err(format!("{other}, not HTML")),
        None => Err("no Content-Type, not HTML".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_same_origin_navigation_without_fragments_once_each() {
        let page = Url::parse("http://h/blog/").expect("url");
        let html = r##"<html><head><link rel="stylesheet" href="/s.css"></head><body>
            <a href="/">home</a> <a href="post#top">post</a> <a href="post">again</a>
            <a href="https://elsewhere.example/">out</a> <a href="mailto:a@b">mail</a>
            <a href="#x">here</a> <map><area href="/map" alt=""></map>
            <img src="/i.png"></body></html>"##;
        let got: Vec<String> = page_links(&page, html).iter().map(path_label).collect();
        assert_eq!(got, ["/", "/blog/post", "/map"]);
    }

    #[test]
    fn a_base_href_moves_relative_links() {
        let page = Url::parse("http://h/a/b").expect("url");
        let html = r#"<base href="/root/"><a href="x">x</a>"#;
        let got: Vec<String> = page_links(&page, html).iter().map(path_label).collect();
        assert_eq!(got, ["/root/x"]);
    }
}
