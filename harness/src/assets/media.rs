//! Whether a response's `Content-Type` fits the file: its extension (through
//! `mime_guess`, with the aliases real servers use) and the element that linked it.

use url::Url;

use super::link::{Expect, extension};
use crate::outcome::Verdict;

/// The verdict on one response `Content-Type` (`None` when the header is missing).
///
/// A browser refuses a stylesheet served as `application/octet-stream` and a script
/// served as `text/plain`, so both the extension and the link must agree with it.
pub(crate) fn content_type_verdict(url: &Url, expect: Expect, header: Option<&str>) -> Verdict {
    let by_ext = extension(url).and_then(|ext| types_for_extension(&ext).map(|t| (ext, t)));

    let mut wanted = Vec::new();
    if let Some((ext, types)) = &by_ext {
        wanted.push(format!("{} (the .{ext} extension)", types.join(" or ")));
    }
    if let Some(desc) = expect_description(expect) {
        wanted.push(format!("{desc} ({})", expect.phrase()));
    }
    let expected = if wanted.is_empty() {
        "a Content-Type header".to_owned()
    } else {
        format!("Content-Type {}", wanted.join(" and "))
    };

    let Some(header) = header else {
        return Verdict::Fail {
            expected,
            seen: "no Content-Type header".to_owned(),
        };
    };
    let essence = essence(header);
    let canon = canonical(&essence);
    let ext_ok = by_ext
        .as_ref()
        .is_none_or(|(_, types)| types.iter().any(|t| canonical(t) == canon));
    let expect_ok = fits_expectation(expect, &essence, canon);
    Verdict::expect(
        ext_ok && expect_ok,
        expected,
        format!("Content-Type {header}"),
    )
}

/// The media type without parameters, lower-cased: `Text/CSS; charset=utf-8` -> `text/css`.
pub(crate) fn essence(header: &str) -> String {
    header
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// One name per family of aliases, so `application/javascript` and `text/javascript`
/// compare equal.
fn canonical(essence: &str) -> &str {
    match essence {
        "text/javascript"
        | "application/javascript"
        | "application/x-javascript"
        | "application/ecmascript"
        | "text/ecmascript"
        | "text/x-javascript" => "text/javascript",
        "image/x-icon" | "image/vnd.microsoft.icon" => "image/x-icon",
        "font/woff2" | "application/font-woff2" | "application/x-font-woff2" => "font/woff2",
        "font/woff" | "application/font-woff" | "application/x-font-woff" => "font/woff",
        // TrueType and OpenType are both SFNT containers; servers and mime_guess mix the
        // names (mime_guess calls .otf `application/font-sfnt`).
        "font/ttf"
        | "font/otf"
        | "font/sfnt"
        | "application/font-sfnt"
        | "application/x-font-ttf"
        | "application/x-font-truetype"
        | "application/x-font-otf"
        | "application/x-font-opentype"
        | "application/vnd.ms-opentype" => "font/sfnt",
        "application/manifest+json" | "application/json" => "application/json",
        other => other,
    }
}

/// The types the extension allows, or `None` when the extension says nothing.
fn types_for_extension(ext: &str) -> Option<Vec<String>> {
    let fixed: &[&str] = match ext {
        // mime_guess says text/plain for source maps; servers send JSON.
        "map" => &["application/json", "text/plain"],
        "js" | "mjs" | "cjs" => &["text/javascript"],
        "webmanifest" => &["application/manifest+json"],
        _ => &[],
    };
    if !fixed.is_empty() {
        return Some(fixed.iter().map(|t| (*t).to_owned()).collect());
    }
    let guesses: Vec<String> = mime_guess::from_ext(ext)
        .iter()
        .map(|m| m.essence_str().to_owned())
        .collect();
    (!guesses.is_empty()).then_some(guesses)
}

fn expect_description(expect: Expect) -> Option<&'static str> {
    match expect {
        Expect::Stylesheet => Some("text/css"),
        Expect::Script => Some("a JavaScript type"),
        Expect::Image | Expect::Icon => Some("image/*"),
        Expect::Font => Some("font/* or application/font-*"),
        Expect::Manifest => Some("application/manifest+json or application/json"),
        Expect::Any => None,
    }
}

fn fits_expectation(expect: Expect, essence: &str, canon: &str) -> bool {
    match expect {
        Expect::Stylesheet => essence == "text/css",
        Expect::Script => canon == "text/javascript",
        Expect::Image | Expect::Icon => essence.starts_with("image/"),
        Expect::Font => {
            essence.starts_with("font/")
                || essence.starts_with("application/font-")
                || essence.starts_with("application/x-font-")
                || essence == "application/vnd.ms-fontobject"
                || essence == "application/vnd.ms-opentype"
        }
        Expect::Manifest => canon == "application/json",
        Expect::Any => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(path: &str, expect: Expect, header: Option<&str>) -> Verdict {
        let url = Url::parse(&format!("http://h{path}")).expect("test URL");
        content_type_verdict(&url, expect, header)
    }

    #[test]
    fn matching_types_and_aliases_pass() {
        let ok = [
            ("/a.css", Expect::Stylesheet, "text/css; charset=utf-8"),
            ("/a.css", Expect::Stylesheet, "TEXT/CSS"),
            ("/a.js", Expect::Script, "application/javascript"),
            ("/a.js", Expect::Script, "text/javascript; charset=utf-8"),
            ("/a.mjs", Expect::Script, "application/x-javascript"),
            ("/favicon.ico", Expect::Icon, "image/vnd.microsoft.icon"),
            ("/favicon.ico", Expect::Icon, "image/x-icon"),
            ("/f.woff2", Expect::Font, "font/woff2"),
            ("/f.woff2", Expect::Font, "application/font-woff2"),
            ("/f.woff", Expect::Font, "font/woff"),
            ("/f.ttf", Expect::Font, "font/ttf"),
            ("/f.otf", Expect::Font, "font/otf"),
            (
                "/site.webmanifest",
                Expect::Manifest,
                "application/manifest+json",
            ),
            ("/site.webmanifest", Expect::Manifest, "application/json"),
            (
                "/manifest.json",
                Expect::Manifest,
                "application/manifest+json",
            ),
            ("/a.png", Expect::Image, "image/png"),
            ("/a.svg", Expect::Icon, "image/svg+xml"),
            ("/a.map", Expect::Any, "application/json"),
            ("/no-extension", Expect::Image, "image/webp"),
            ("/LICENSE.txt", Expect::Any, "text/plain; charset=utf-8"),
            ("/unknown.zzqx", Expect::Any, "application/octet-stream"),
        ];
        for (path, expect, header) in ok {
            assert_eq!(
                verdict(path, expect, Some(header)),
                Verdict::Pass,
                "{path} {header}"
            );
        }
    }

    #[test]
    fn mismatches_fail_with_both_sides_spelled_out() {
        let bad = [
            ("/a.js", Expect::Script, "application/octet-stream"),
            ("/a.css", Expect::Stylesheet, "text/plain"),
            ("/a.png", Expect::Image, "image/jpeg"),
            ("/no-extension", Expect::Stylesheet, "text/html"),
            ("/x.php", Expect::Image, "text/html"),
            ("/f.woff2", Expect::Font, "application/octet-stream"),
            ("/site.webmanifest", Expect::Manifest, "text/plain"),
            // the extension agrees, the link does not
            ("/a.png", Expect::Stylesheet, "image/png"),
        ];
        for (path, expect, header) in bad {
            assert!(
                !verdict(path, expect, Some(header)).passed(),
                "{path} {header}"
            );
        }
        assert_eq!(
            verdict("/a.js", Expect::Script, Some("application/octet-stream")),
            Verdict::Fail {
                expected: "Content-Type text/javascript (the .js extension) and a JavaScript type (linked as a script)".into(),
                seen: "Content-Type application/octet-stream".into(),
            }
        );
        assert_eq!(
            verdict("/a.css", Expect::Any, None),
            Verdict::Fail {
                expected: "Content-Type text/css (the .css extension)".into(),
                seen: "no Content-Type header".into(),
            }
        );
    }
}
