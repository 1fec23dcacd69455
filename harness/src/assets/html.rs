//! Asset references in an HTML page: stylesheets, scripts, images (`srcset` too), icons,
//! the web app manifest, preloads and social-card images, plus `url()` in inline CSS.

use scraper::{ElementRef, Html};
use url::Url;

use super::css;
use super::link::{Expect, Link, LinkSink};

/// Every same-origin asset `html` (served at `page`) references, in document order.
///
/// Navigation (`a[href]`, `link[rel=canonical]` ...) is not an asset and is left out, as
/// are `data:`/`blob:` URLs and other origins. Relative references resolve against
/// `<base href>` when the page has one.
pub fn links_in_html(page: &Url, html: &str) -> Vec<Link> {
    let document = Html::parse_document(html);
    let root = document.root_element();
    let base = root
        .descendent_elements()
        .find(|e| e.value().name() == "base" && e.value().attr("href").is_some())
        .and_then(|e| e.value().attr("href"))
        .and_then(|href| page.join(href.trim()).ok())
        .unwrap_or_else(|| page.clone());

    let mut sink = LinkSink::new(page);
    sink.base = base;
    for element in root.descendent_elements() {
        visit(&mut sink, element);
    }
    sink.links
}

/// The attributes that name assets, by element and in the order they are read: what
/// each URL is expected to be and the `via` it is found by. A `srcset` holds several URLs.
const ASSET_ATTRIBUTES: [(&str, &str, Expect, &str); 9] = [
    ("script", "src", Expect::Script, "script[src]"),
    ("img", "src", Expect::Image, "img[src]"),
    ("img", "srcset", Expect::Image, "img[srcset]"),
    ("source", "src", Expect::Any, "source[src]"),
    ("source", "srcset", Expect::Image, "source[srcset]"),
    ("video", "poster", Expect::Image, "video[poster]"),
    ("video", "src", Expect::Any, "video[src]"),
    ("audio", "src", Expect::Any, "audio[src]"),
    ("track", "src", Expect::Any, "track[src]"),
];

fn visit(sink: &mut LinkSink<'_>, element: ElementRef<'_>) {
    let e = element.value();
    if let Some(style) = e.attr("style") {
        css::scan_into(sink, style);
    }
    for (_, attribute, expect, via) in ASSET_ATTRIBUTES
        .iter()
        .filter(|(name, ..)| *name == e.name())
    {
        let Some(value) = e.attr(attribute) else {
            continue;
        };
        if *attribute == "srcset" {
            for candidate in srcset_urls(value) {
                sink.push(candidate, *expect, via);
            }
        } else {
            sink.push(value, *expect, via);
        }
    }
    match e.name() {
        "link" => visit_link(sink, element),
        "meta" => {
            let content = e.attr("content");
            let property = e.attr("property").map(str::to_ascii_lowercase);
            let name = e.attr("name").map(str::to_ascii_lowercase);
            if let Some(content) = content {
                if property.as_deref() == Some("og:image") {
                    sink.push(content, Expect::Image, "meta[property=og:image]");
                } else if name.as_deref() == Some("twitter:image") {
                    sink.push(content, Expect::Image, "meta[name=twitter:image]");
                }
            }
        }
        "style" => {
            let text: String = element.text().collect();
            css::scan_into(sink, &text);
        }
        _ => {}
    }
}

fn visit_link(sink: &mut LinkSink<'_>, element: ElementRef<'_>) {
    let e = element.value();
    let Some(href) = e.attr("href") else {
        return;
    };
    let rel = e.attr("rel").unwrap_or_default().to_ascii_lowercase();
    let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
    let has = |r: &str| rels.contains(&r);

    if has("stylesheet") {
        sink.push(href, Expect::Stylesheet, "link[rel=stylesheet]");
    } else if has("icon") {
        sink.push(href, Expect::Icon, "link[rel=icon]");
    } else if has("apple-touch-icon") || has("apple-touch-icon-precomposed") {
        sink.push(href, Expect::Icon, "link[rel=apple-touch-icon]");
    } else if has("mask-icon") {
        sink.push(href, Expect::Icon, "link[rel=mask-icon]");
    } else if has("manifest") {
        sink.push(href, Expect::Manifest, "link[rel=manifest]");
    } else if has("modulepreload") {
        sink.push(href, Expect::Script, "link[rel=modulepreload]");
    } else if has("preload") {
        let expect = match e.attr("as").map(str::to_ascii_lowercase).as_deref() {
            Some("style") => Expect::Stylesheet,
            Some("script") => Expect::Script,
            Some("font") => Expect::Font,
            Some("image") => Expect::Image,
            _ => Expect::Any,
        };
        sink.push(href, expect, "link[rel=preload]");
        if expect == Expect::Image
            && let Some(srcset) = e.attr("imagesrcset")
        {
            for candidate in srcset_urls(srcset) {
                sink.push(candidate, Expect::Image, "link[imagesrcset]");
            }
        }
    }
}

/// The URLs of a `srcset` attribute, following the HTML parsing algorithm: a URL is a
/// run of non-whitespace (so it may contain commas), trailing commas end a candidate
/// without descriptors, and descriptors (`480w`, `2x`) run to the next comma outside
/// parentheses.
pub(crate) fn srcset_urls(srcset: &str) -> Vec<&str> {
    let bytes = srcset.as_bytes();
    let is_space = |b: u8| b.is_ascii_whitespace();
    let mut urls = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b',') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && !is_space(bytes[i]) {
            i += 1;
        }
        let raw = &srcset[start..i];
        let url = raw.trim_end_matches(',');
        if !url.is_empty() {
            urls.push(url);
        }
        if url.len() != raw.len() {
            continue;
        }
        let mut depth = 0usize;
        while i < bytes.len() {
            match bytes[i] {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("http://h:8080/notes/one").expect("test URL")
    }

    fn found(html: &str) -> Vec<(String, Expect, &'static str)> {
        links_in_html(&page(), html)
            .into_iter()
            .map(|l| (l.url.to_string(), l.expect, l.via))
            .collect()
    }

    #[test]
    fn srcset_candidates_drop_descriptors_and_keep_commas_inside_urls() {
        assert_eq!(srcset_urls("a.png 480w, b.png 960w"), ["a.png", "b.png"]);
        assert_eq!(srcset_urls("a.png"), ["a.png"]);
        assert_eq!(srcset_urls("a.png,b.png 2x"), ["a.png,b.png"]);
        assert_eq!(srcset_urls("a.png, b.png 2x"), ["a.png", "b.png"]);
        assert_eq!(
            srcset_urls("/img/x,y.png 1x,\n  /img/z.png?w=2,3 2x ,"),
            ["/img/x,y.png", "/img/z.png?w=2,3"]
        );
        assert_eq!(
            srcset_urls("  ,a.png 1x (weird, desc), b.png"),
            ["a.png", "b.png"]
        );
        assert!(srcset_urls(" , ").is_empty());
    }

    #[test]
    fn finds_every_kind_of_asset_reference_in_document_order() {
        let html = r##"<!doctype html><html><head>
            <link rel="stylesheet" href="/s/site.css">
            <link rel="shortcut icon" href="/favicon.ico">
            <link rel="apple-touch-icon" href="touch.png">
            <link rel="mask-icon" href="/mask.svg" color="#000">
            <link rel="preload" href="/f/a.woff2" as="font" crossorigin>
            <link rel="preload" href="/s/late.css" as="style">
            <link rel="preload" href="/p.js" as="script">
            <link rel="preload" href="/i/hero.jpg" as="image" imagesrcset="/i/hero-2x.jpg 2x">
            <link rel="modulepreload" href="/m.mjs">
            <link rel="manifest" href="/site.webmanifest">
            <link rel="canonical" href="/notes/one">
            <link rel="alternate" type="application/rss+xml" href="/feed.xml">
            <meta property="og:image" content="/og.png">
            <meta name="twitter:image" content="http://h:8080/tw.png">
            <script src="app.js?v=3"></script>
            <script>var inline = 1;</script>
            <style>body { background: url(/bg.png) }</style>
            </head><body>
            <a href="/notes/two">next</a>
            <img src="/i/a.png" srcset="/i/a-1x.png 1x, /i/a-2x.png 2x">
            <picture><source srcset="/i/b.webp" type="image/webp"><img src="/i/b.png"></picture>
            <video poster="/i/poster.jpg"><source src="/v/clip.mp4" type="video/mp4">
              <track src="/v/clip.vtt" kind="captions"></video>
            <audio src="/a/song.ogg"></audio>
            <div style="background-image: url('/i/inline.png')"></div>
            </body></html>"##;
        let want = [
            (
                "http://h:8080/s/site.css",
                Expect::Stylesheet,
                "link[rel=stylesheet]",
            ),
            ("http://h:8080/favicon.ico", Expect::Icon, "link[rel=icon]"),
            (
                "http://h:8080/notes/touch.png",
                Expect::Icon,
                "link[rel=apple-touch-icon]",
            ),
            (
                "http://h:8080/mask.svg",
                Expect::Icon,
                "link[rel=mask-icon]",
            ),
            ("http://h:8080/f/a.woff2", Expect::Font, "link[rel=preload]"),
            (
                "http://h:8080/s/late.css",
                Expect::Stylesheet,
                "link[rel=preload]",
            ),
            ("http://h:8080/p.js", Expect::Script, "link[rel=preload]"),
            (
                "http://h:8080/i/hero.jpg",
                Expect::Image,
                "link[rel=preload]",
            ),
            (
                "http://h:8080/i/hero-2x.jpg",
                Expect::Image,
                "link[imagesrcset]",
            ),
            (
                "http://h:8080/m.mjs",
                Expect::Script,
                "link[rel=modulepreload]",
            ),
            (
                "http://h:8080/site.webmanifest",
                Expect::Manifest,
                "link[rel=manifest]",
            ),
            (
                "http://h:8080/og.png",
                Expect::Image,
                "meta[property=og:image]",
            ),
            (
                "http://h:8080/tw.png",
                Expect::Image,
                "meta[name=twitter:image]",
            ),
            (
                "http://h:8080/notes/app.js?v=3",
                Expect::Script,
                "script[src]",
            ),
            ("http://h:8080/bg.png", Expect::Image, "css url()"),
            ("http://h:8080/i/a.png", Expect::Image, "img[src]"),
            ("http://h:8080/i/a-1x.png", Expect::Image, "img[srcset]"),
            ("http://h:8080/i/a-2x.png", Expect::Image, "img[srcset]"),
            ("http://h:8080/i/b.webp", Expect::Image, "source[srcset]"),
            ("http://h:8080/i/b.png", Expect::Image, "img[src]"),
            ("http://h:8080/i/poster.jpg", Expect::Image, "video[poster]"),
            ("http://h:8080/v/clip.mp4", Expect::Any, "source[src]"),
            ("http://h:8080/v/clip.vtt", Expect::Any, "track[src]"),
            ("http://h:8080/a/song.ogg", Expect::Any, "audio[src]"),
            ("http://h:8080/i/inline.png", Expect::Image, "css url()"),
        ];
        let got = found(html);
        crate::assets::link::assert_links(&got, &want);
    }

    #[test]
    fn base_href_changes_resolution_but_not_the_origin_rule() {
        let html = r##"<html><head><base href="/assets/v2/">
            <link rel="stylesheet" href="css/a.css">
            <link rel="stylesheet" href="//h:8080/b.css">
            </head><body><img src="../logo.png#x"><img src="?q=1"></body></html>"##;
        let got: Vec<String> = found(html).into_iter().map(|(u, _, _)| u).collect();
        assert_eq!(
            got,
            [
                "http://h:8080/assets/v2/css/a.css",
                "http://h:8080/b.css",
                "http://h:8080/assets/logo.png",
                "http://h:8080/assets/v2/?q=1",
            ]
        );

        let foreign_base =
            r##"<base href="https://cdn.example/"><img src="a.png"><img src="/b.png">"##;
        assert!(found(foreign_base).is_empty());
    }

    #[test]
    fn skips_data_blob_javascript_fragments_and_other_origins() {
        let html = r##"<html><head>
            <link rel="stylesheet" href="https://cdn.example/bootstrap.css">
            <link rel="stylesheet" href="//fonts.example/css?family=X">
            <link rel="icon" href="data:image/png;base64,iVBORw0KGgo=">
            <script src="http://h/other-port.js"></script>
            <script src="blob:http://h:8080/1234"></script>
            </head><body>
            <img src="javascript:alert(1)"><img src="#"><img src="mailto:x@h">
            <img srcset="data:image/png;base64,AAAA 1x, https://cdn.example/x.png 2x">
            <img src="">
            </body></html>"##;
        assert_eq!(found(html), []);
    }

    #[test]
    fn ignores_navigation_and_unlinked_rels() {
        let html = r##"<a href="/static/x.css">x</a><link rel="next" href="/?page=2">
            <link rel="webmention" href="/wm"><link href="/no-rel.css">
            <meta property="og:title" content="/not-an-image.png">"##;
        assert_eq!(found(html), []);
    }
}
