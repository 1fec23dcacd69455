//! Whether a response's `Content-Type` fits the file: its extension (through
//! `mime_guess`, with the aliases real servers use) and the element that linked it.
//!
//! A mismatch fails the run only where Chromium and Firefox refuse the file for the way
//! the page uses it; everywhere else it is a warning:
//!
//! - a stylesheet must be `text/css`: both browsers ignore a sheet of another type in
//!   standards mode, and refuse one with no type under `X-Content-Type-Options: nosniff`
//!   (Fetch, "should response to request be blocked due to nosniff?"). Without nosniff
//!   both apply a sheet sent with no type at all, so that alone only warns;
//! - a script must have a JavaScript type: module scripts and workers need one always
//!   (HTML, "fetch a single module script"), every script needs one under nosniff, and
//!   no script runs as `image/*`, `audio/*`, `video/*` or `text/csv` (Fetch, "should
//!   response to request be blocked due to its MIME type?"). The crawl cannot tell a
//!   classic script from a module, so any other type fails;
//! - an SVG image or icon must be `image/svg+xml`: browsers pick the SVG decoder by
//!   type and never sniff SVG;
//! - raster images and icons (sniffed), fonts (type ignored), manifests (Chromium reads
//!   any type), source maps (only developer tools fetch them) and files no element
//!   types only warn.
//!
//! A file linked without a type (`Expect::Any`: a `preload` without `as`, a CSS `url()`
//! that names neither a font nor an image) is judged by what its extension says it is,
//! as static-dir files are (`Expect::from_extension`): a `.css` or `.js` is held to the
//! stylesheet and script rules wherever it was found.

use url::Url;

use super::link::{Expect, extension};
use crate::outcome::{Severity, Verdict};

/// The verdict on one response `Content-Type` (`None` when the header is missing);
/// `nosniff` says whether the response carried `X-Content-Type-Options: nosniff`.
///
/// Both the extension and the link must agree with the type for a pass. A mismatch
/// fails when a browser would refuse the file for how the page uses it, and warns
/// otherwise; the expected text says which and why.
pub(crate) fn content_type_verdict(
    url: &Url,
    expect: Expect,
    header: Option<&str>,
    nosniff: bool,
) -> Verdict {
    let ext = extension(url);
    let by_ext = ext
        .as_deref()
        .and_then(|ext| types_for_extension(ext).map(|t| (ext, t)));

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

    let essence = header.map(essence);
    let ok = essence.as_deref().is_some_and(|essence| {
        let canon = canonical(essence);
        let ext_ok = by_ext
            .as_ref()
            .is_none_or(|(_, types)| types.iter().any(|t| canonical(t) == canon));
        ext_ok && fits_expectation(expect, essence, canon)
    });
    if ok {
        return Verdict::Pass;
    }

    let usage = usage(url, expect);
    let ext = ext.as_deref();
    let (severity, why) = match refusal(usage, ext, essence.as_deref(), nosniff) {
        Some(why) => (Severity::Must, why),
        None => (Severity::May, tolerance(usage, ext, essence.as_deref())),
    };
    let seen = header.map_or_else(
        || "no Content-Type header".to_owned(),
        |h| format!("Content-Type {h}"),
    );
    Verdict::judge(false, severity, format!("{expected}; {why}"), seen)
}

/// Whether an `X-Content-Type-Options` value turns sniffing off: its first
/// comma-separated value is `nosniff`, in any case (Fetch, "determine nosniff").
pub(crate) fn is_nosniff(header: Option<&str>) -> bool {
    header
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().eq_ignore_ascii_case("nosniff"))
}

// Why a browser refuses the file: these make a mismatch fail.
const STYLE_TYPE: &str = "browsers ignore a stylesheet of any other type \
    (HTML, link type \"stylesheet\", in standards mode)";
const STYLE_NOSNIFF: &str = "under X-Content-Type-Options: nosniff browsers refuse a \
    stylesheet that is not text/css (Fetch, should response to request be blocked due to nosniff?)";
const SCRIPT_NEVER: &str = "browsers never run a script sent as image/*, audio/*, video/* \
    or text/csv (Fetch, should response to request be blocked due to its MIME type?)";
const SCRIPT_NOSNIFF: &str = "under X-Content-Type-Options: nosniff browsers refuse a \
    script whose type is not JavaScript (Fetch, should response to request be blocked due to nosniff?)";
const SCRIPT_MODULE: &str = "browsers refuse a module script or worker whose type is not \
    JavaScript (HTML, fetch a single module script)";
const SVG_TYPE: &str = "browsers draw SVG only when it is sent as image/svg+xml: they pick \
    the decoder by type and never sniff SVG (MIME Sniffing, image type pattern matching)";
const NOT_SVG: &str = "browsers decode anything sent as image/svg+xml as SVG, so a raster \
    image sent as SVG is not drawn";

// Why a browser does not care: these make a mismatch a warning.
const STYLE_UNTYPED: &str = "browsers apply a stylesheet sent without a type unless \
    X-Content-Type-Options: nosniff is set, so this is a warning";
const EXTENSION_ONLY: &str = "browsers go by the type, which suits the use; only the \
    extension disagrees, so this is a warning";
const IMAGE_SNIFFED: &str = "browsers sniff raster images, so a wrong type is a warning";
const FONT_IGNORED: &str = "browsers ignore a font's type, so a wrong type is a warning";
const MANIFEST_READ: &str = "Chromium reads a web app manifest whatever its type, so a \
    wrong type is a warning";
const SOURCE_MAP: &str = "only developer tools fetch source maps, so a wrong type is a warning";
const UNTYPED_USE: &str = "no browser checks the type of a file used this way, so a wrong \
    type is a warning";

/// How the page uses the file: the link's expectation, or for a file linked without
/// one, what its extension says.
fn usage(url: &Url, expect: Expect) -> Expect {
    match expect {
        Expect::Any => Expect::from_extension(url),
        other => other,
    }
}

/// Why Chromium and Firefox refuse a response of this type (`None`: missing) for this
/// use, or `None` when they take it.
fn refusal(
    usage: Expect,
    ext: Option<&str>,
    essence: Option<&str>,
    nosniff: bool,
) -> Option<&'static str> {
    match usage {
        Expect::Stylesheet => match essence {
            Some("text/css") => None,
            _ if nosniff => Some(STYLE_NOSNIFF),
            Some(_) => Some(STYLE_TYPE),
            None => None,
        },
        Expect::Script => match essence {
            Some(e) if canonical(e) == "text/javascript" => None,
            Some(e) if never_a_script(e) => Some(SCRIPT_NEVER),
            _ if nosniff => Some(SCRIPT_NOSNIFF),
            _ => Some(SCRIPT_MODULE),
        },
        Expect::Image | Expect::Icon => {
            let sent_svg = essence == Some("image/svg+xml");
            match ext {
                Some("svg" | "svgz") if !sent_svg => Some(SVG_TYPE),
                Some(e) if sent_svg && is_raster_extension(e) => Some(NOT_SVG),
                _ => None,
            }
        }
        Expect::Font | Expect::Manifest | Expect::Any => None,
    }
}

/// Why a mismatch the browsers take is only a warning.
fn tolerance(usage: Expect, ext: Option<&str>, essence: Option<&str>) -> &'static str {
    match usage {
        Expect::Stylesheet if essence.is_none() => STYLE_UNTYPED,
        Expect::Stylesheet | Expect::Script => EXTENSION_ONLY,
        Expect::Image | Expect::Icon => IMAGE_SNIFFED,
        Expect::Font => FONT_IGNORED,
        Expect::Manifest => MANIFEST_READ,
        Expect::Any if ext == Some("map") => SOURCE_MAP,
        Expect::Any => UNTYPED_USE,
    }
}

/// Types no browser runs as a script, nosniff or not.
fn never_a_script(essence: &str) -> bool {
    essence.starts_with("image/")
        || essence.starts_with("audio/")
        || essence.starts_with("video/")
        || essence == "text/csv"
}

/// Extensions of raster images (what `mime_guess` calls `image/*`, except SVG).
fn is_raster_extension(ext: &str) -> bool {
    !matches!(ext, "svg" | "svgz")
        && mime_guess::from_ext(ext)
            .iter()
            .any(|m| m.type_() == mime_guess::mime::IMAGE)
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
        // The JavaScript MIME types of the MIME Sniffing standard.
        "text/javascript"
        | "application/javascript"
        | "application/x-javascript"
        | "application/ecmascript"
        | "application/x-ecmascript"
        | "text/ecmascript"
        | "text/x-ecmascript"
        | "text/x-javascript"
        | "text/javascript1.0"
        | "text/javascript1.1"
        | "text/javascript1.2"
        | "text/javascript1.3"
        | "text/javascript1.4"
        | "text/javascript1.5"
        | "text/jscript"
        | "text/livescript" => "text/javascript",
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
        verdict_nosniff(path, expect, header, false)
    }

    fn verdict_nosniff(path: &str, expect: Expect, header: Option<&str>, nosniff: bool) -> Verdict {
        let url = Url::parse(&format!("http://h{path}")).expect("test URL");
        content_type_verdict(&url, expect, header, nosniff)
    }

    fn is_fail(v: &Verdict) -> bool {
        matches!(v, Verdict::Fail { .. })
    }

    /// What `v` expected ends with `why`: the reason a failure or a warning gives.
    fn assert_because(v: &Verdict, why: &str) {
        let (expected, _) = v
            .expected_and_seen()
            .unwrap_or_else(|| panic!("neither a failure nor a warning: {v:?}"));
        assert!(expected.ends_with(why), "{expected}");
    }

    #[test]
    fn matching_types_and_aliases_pass() {
        let ok = [
            ("/a.css", Expect::Stylesheet, "text/css; charset=utf-8"),
            ("/a.css", Expect::Stylesheet, "TEXT/CSS"),
            ("/a.js", Expect::Script, "application/javascript"),
            ("/a.js", Expect::Script, "text/javascript; charset=utf-8"),
            ("/a.mjs", Expect::Script, "application/x-javascript"),
            ("/a.js", Expect::Script, "text/jscript"),
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
            for nosniff in [false, true] {
                assert_eq!(
                    verdict_nosniff(path, expect, Some(header), nosniff),
                    Verdict::Pass,
                    "{path} {header} nosniff={nosniff}"
                );
            }
        }
    }

    #[test]
    fn mismatches_fail_or_warn_with_both_sides_spelled_out() {
        // Browsers refuse the `Must` rows for the way the page uses them: they fail. They
        // take the `May` rows anyway: these warn (until 11 they failed too).
        use Severity::{May, Must};
        for (path, expect, header, severity) in [
            ("/a.js", Expect::Script, "application/octet-stream", Must),
            ("/a.css", Expect::Stylesheet, "text/plain", Must),
            ("/no-extension", Expect::Stylesheet, "text/html", Must),
            // the extension agrees, the link does not
            ("/a.png", Expect::Stylesheet, "image/png", Must),
            ("/a.png", Expect::Image, "image/jpeg", May),
            ("/x.php", Expect::Image, "text/html", May),
            ("/f.woff2", Expect::Font, "application/octet-stream", May),
            ("/site.webmanifest", Expect::Manifest, "text/plain", May),
        ] {
            let v = verdict(path, expect, Some(header));
            let judged = match severity {
                Must => !v.passed() && is_fail(&v),
                May => v.passed() && v.warned(),
            };
            assert!(judged, "{path} {header}: {v:?}");
        }
        assert_eq!(
            verdict("/a.js", Expect::Script, Some("application/octet-stream")),
            Verdict::Fail {
                expected: format!(
                    "Content-Type text/javascript (the .js extension) and a JavaScript type \
                     (linked as a script); {SCRIPT_MODULE}"
                ),
                seen: "Content-Type application/octet-stream".into(),
            }
        );
        // A stylesheet sent without a type is applied (without nosniff): a warning now.
        assert_eq!(
            verdict("/a.css", Expect::Any, None),
            Verdict::Warn {
                expected: format!("Content-Type text/css (the .css extension); {STYLE_UNTYPED}"),
                seen: "no Content-Type header".into(),
            }
        );
    }

    #[test]
    fn a_stylesheet_or_script_of_another_type_fails_and_says_why() {
        assert_eq!(
            verdict(
                "/a.css",
                Expect::Stylesheet,
                Some("application/octet-stream")
            ),
            Verdict::Fail {
                expected: format!(
                    "Content-Type text/css (the .css extension) and text/css \
                     (linked as a stylesheet); {STYLE_TYPE}"
                ),
                seen: "Content-Type application/octet-stream".into(),
            }
        );
        let script = verdict("/a.js", Expect::Script, Some("text/plain"));
        assert!(is_fail(&script), "{script:?}");
        assert_because(&script, SCRIPT_MODULE);
        // Never a script, nosniff or not.
        let image = verdict("/a.js", Expect::Script, Some("image/png"));
        assert!(is_fail(&image), "{image:?}");
        assert_because(&image, SCRIPT_NEVER);
        // A module script with no type fails too.
        assert!(is_fail(&verdict("/a.mjs", Expect::Script, None)));
        // Files in the static dir (linked without a type) go by their extension.
        assert!(is_fail(&verdict(
            "/app.js",
            Expect::Any,
            Some("text/plain")
        )));
        assert!(is_fail(&verdict(
            "/site.css",
            Expect::Any,
            Some("text/plain")
        )));
    }

    #[test]
    fn files_browsers_do_not_type_only_warn() {
        // Debian's nginx has no .map type: MkDocs Material's four source maps.
        assert_eq!(
            verdict(
                "/assets/javascripts/bundle.js.map",
                Expect::Any,
                Some("application/octet-stream")
            ),
            Verdict::Warn {
                expected: format!(
                    "Content-Type application/json or text/plain (the .map extension); {SOURCE_MAP}"
                ),
                seen: "Content-Type application/octet-stream".into(),
            }
        );
        // Pelican's theme font on nginx.
        let ttf = verdict("/theme/font.ttf", Expect::Font, Some("text/plain"));
        assert!(ttf.warned(), "{ttf:?}");
        assert_because(&ttf, FONT_IGNORED);
        let ttf_in_dir = verdict("/theme/font.ttf", Expect::Any, Some("text/plain"));
        assert!(ttf_in_dir.warned(), "{ttf_in_dir:?}");

        let png = verdict("/a.png", Expect::Image, Some("application/octet-stream"));
        assert!(png.warned(), "{png:?}");
        assert_because(&png, IMAGE_SNIFFED);
        assert!(verdict("/favicon.ico", Expect::Icon, Some("text/plain")).warned());
        assert!(verdict("/no-extension", Expect::Image, Some("text/plain")).warned());
        assert!(verdict("/f.woff2", Expect::Font, None).warned());
        assert!(verdict("/site.webmanifest", Expect::Manifest, None).warned());
        assert!(verdict("/notes.zzqx", Expect::Any, None).warned());
        // The type suits the use; only the extension disagrees.
        let sheet = verdict("/style.txt", Expect::Stylesheet, Some("text/css"));
        assert!(sheet.warned(), "{sheet:?}");
        assert_because(&sheet, EXTENSION_ONLY);
    }

    #[test]
    fn svg_must_be_sent_as_svg_and_only_svg() {
        for expect in [Expect::Image, Expect::Icon, Expect::Any] {
            let v = verdict("/logo.svg", expect, Some("text/plain"));
            assert!(is_fail(&v), "{expect:?}: {v:?}");
            assert_because(&v, SVG_TYPE);
        }
        assert!(is_fail(&verdict("/logo.svg", Expect::Image, None)));
        let raster = verdict("/a.png", Expect::Image, Some("image/svg+xml"));
        assert!(is_fail(&raster), "{raster:?}");
        assert_because(&raster, NOT_SVG);
    }

    #[test]
    fn nosniff_tightens_stylesheets_and_scripts_only() {
        // No type on a stylesheet: applied without nosniff, refused with it.
        assert!(verdict_nosniff("/a.css", Expect::Stylesheet, None, false).warned());
        let refused = verdict_nosniff("/a.css", Expect::Stylesheet, None, true);
        assert_eq!(
            refused,
            Verdict::Fail {
                expected: format!(
                    "Content-Type text/css (the .css extension) and text/css \
                     (linked as a stylesheet); {STYLE_NOSNIFF}"
                ),
                seen: "no Content-Type header".into(),
            }
        );
        let sheet = verdict_nosniff("/a.css", Expect::Stylesheet, Some("text/plain"), true);
        assert_because(&sheet, STYLE_NOSNIFF);
        for header in [Some("text/plain"), None] {
            let script = verdict_nosniff("/a.js", Expect::Script, header, true);
            assert!(is_fail(&script), "{header:?}: {script:?}");
            assert_because(&script, SCRIPT_NOSNIFF);
        }
        // nosniff does not make browsers check images, fonts or source maps.
        for (path, expect, header) in [
            ("/a.png", Expect::Image, "text/plain"),
            ("/f.ttf", Expect::Font, "text/plain"),
            ("/a.js.map", Expect::Any, "application/octet-stream"),
            ("/site.webmanifest", Expect::Manifest, "text/plain"),
        ] {
            let v = verdict_nosniff(path, expect, Some(header), true);
            assert!(v.warned(), "{path}: {v:?}");
        }
    }

    #[test]
    fn nosniff_is_the_first_value_in_any_case() {
        assert!(is_nosniff(Some("nosniff")));
        assert!(is_nosniff(Some(" NoSniFF , foo")));
        assert!(!is_nosniff(Some("foo, nosniff")));
        assert!(!is_nosniff(Some("")));
        assert!(!is_nosniff(None));
    }
}
