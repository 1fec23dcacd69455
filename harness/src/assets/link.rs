//! What a reference to an asset is: its URL, where it was found, and what the referring
//! element implies about the type the server must send back.

use url::Url;

/// What the linking element implies about the asset's `Content-Type`.
///
/// A `<link rel=stylesheet>` that gets `application/octet-stream` back is broken in a
/// browser even when the status is 200, so the expectation travels with the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Expect {
    /// `text/css`.
    Stylesheet,
    /// A JavaScript type.
    Script,
    /// `image/*`.
    Image,
    /// `font/*` or `application/font-*`.
    Font,
    /// `application/manifest+json` or `application/json`.
    Manifest,
    /// A favicon or touch icon: `image/*`.
    Icon,
    /// Nothing implied; only the file extension counts.
    Any,
}

impl Expect {
    /// How much this expectation constrains the type; when one URL is linked twice the
    /// stricter expectation wins, so a weak reference cannot hide a strong one.
    pub(crate) fn strictness(self) -> u8 {
        match self {
            Self::Any => 0,
            Self::Image => 1,
            Self::Icon => 2,
            Self::Stylesheet | Self::Script | Self::Font | Self::Manifest => 3,
        }
    }

    /// A short phrase for failure messages, e.g. `linked as a stylesheet`.
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            Self::Stylesheet => "linked as a stylesheet",
            Self::Script => "linked as a script",
            Self::Image => "linked as an image",
            Self::Font => "linked as a font",
            Self::Manifest => "linked as a web app manifest",
            Self::Icon => "linked as an icon",
            Self::Any => "linked without a type",
        }
    }

    /// The expectation a bare file name implies (static dir files, CSS `url()`).
    pub(crate) fn from_extension(url: &Url) -> Self {
        let Some(ext) = extension(url) else {
            return Self::Any;
        };
        match ext.as_str() {
            "css" => Self::Stylesheet,
            "js" | "mjs" | "cjs" => Self::Script,
            "webmanifest" => Self::Manifest,
            "ico" => Self::Icon,
            e if is_font_extension(e) => Self::Font,
            _ => {
                let image = mime_guess::from_ext(&ext)
                    .iter()
                    .any(|m| m.type_() == mime_guess::mime::IMAGE);
                if image { Self::Image } else { Self::Any }
            }
        }
    }
}

/// One reference to an asset, as found in a page, a stylesheet or a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Absolute, same-origin, without fragment.
    pub url: Url,
    /// What the referring element implies about the type.
    pub expect: Expect,
    /// The page, stylesheet or manifest the reference is in.
    pub found_in: Url,
    /// Which construct referenced it, e.g. `img[srcset]` or `css @import`.
    pub via: &'static str,
}

/// The lower-cased extension of the URL's last path segment, if it has one.
pub(crate) fn extension(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Web font file extensions.
pub(crate) fn is_font_extension(ext: &str) -> bool {
    matches!(ext, "woff2" | "woff" | "ttf" | "otf" | "eot")
}

/// Resolves a reference as written in a document against `base`, keeping it only when it
/// points at a fetchable resource on the same origin as `origin_of`.
///
/// Returns `None` for empty and fragment-only references, non-HTTP schemes (`data:`,
/// `blob:`, `javascript:`, `mailto:` ...), and other origins: the harness checks the
/// server under test, not a CDN.
pub(crate) fn resolve(base: &Url, origin_of: &Url, raw: &str) -> Option<Url> {
    let raw = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    if raw.is_empty() || raw.starts_with('#') {
        return None;
    }
    let mut url = base.join(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.origin() != origin_of.origin() {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// The label used in check names: path plus query, e.g. `/static/app.js?v=3`.
pub(crate) fn path_label(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Collects links, resolving against a base and keeping only same-origin ones.
pub(crate) struct LinkSink<'a> {
    pub(crate) base: Url,
    pub(crate) origin_of: &'a Url,
    pub(crate) found_in: &'a Url,
    pub(crate) links: Vec<Link>,
}

impl<'a> LinkSink<'a> {
    /// A sink for references in `found_in`, resolved against `found_in` itself.
    pub(crate) fn new(found_in: &'a Url) -> Self {
        Self {
            base: found_in.clone(),
            origin_of: found_in,
            found_in,
            links: Vec::new(),
        }
    }

    /// Adds `raw` if it resolves to a same-origin asset.
    pub(crate) fn push(&mut self, raw: &str, expect: Expect, via: &'static str) {
        self.push_with(raw, via, |_| expect);
    }

    /// Adds `raw` if it resolves to a same-origin asset, deriving the expectation from
    /// the resolved URL (e.g. its extension).
    pub(crate) fn push_with(
        &mut self,
        raw: &str,
        via: &'static str,
        expect: impl FnOnce(&Url) -> Expect,
    ) {
        if let Some(url) = resolve(&self.base, self.origin_of, raw) {
            self.links.push(Link {
                expect: expect(&url),
                url,
                found_in: self.found_in.clone(),
                via,
            });
        }
    }
}

/// Asserts that scanned links, as (URL, expectation, construct), are `want` in order;
/// shared by the HTML and CSS scanners' tests, which list what they expect as strings.
#[cfg(test)]
pub(super) fn assert_links(got: &[(String, Expect, &str)], want: &[(&str, Expect, &str)]) {
    let got: Vec<_> = got.iter().map(|(u, e, v)| (u.as_str(), *e, *v)).collect();
    assert_eq!(got, want);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn resolves_relative_absolute_protocol_relative_and_query() {
        let page = url("http://h:8080/notes/x.html");
        let cases = [
            ("a.png", Some("http://h:8080/notes/a.png")),
            ("../s/a.css", Some("http://h:8080/s/a.css")),
            ("/s/a.css?v=2#frag", Some("http://h:8080/s/a.css?v=2")),
            ("//h:8080/s/a.js", Some("http://h:8080/s/a.js")),
            ("http://h:8080/s/a.js", Some("http://h:8080/s/a.js")),
            ("?page=2", Some("http://h:8080/notes/x.html?page=2")),
            ("  /spaced.png \n", Some("http://h:8080/spaced.png")),
            ("//cdn.example/a.js", None),
            ("http://h/s/a.js", None),
            ("https://h:8080/s/a.js", None),
            ("data:image/png;base64,AAAA", None),
            ("blob:http://h:8080/uuid", None),
            ("javascript:void(0)", None),
            ("mailto:me@h", None),
            ("#top", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(
                resolve(&page, &page, raw).map(String::from),
                want.map(str::to_owned),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn extension_and_expectation_come_from_the_last_segment() {
        assert_eq!(
            extension(&url("http://h/a/b.WOFF2?x=1")).as_deref(),
            Some("woff2")
        );
        assert_eq!(extension(&url("http://h/a.b/c")), None);
        assert_eq!(extension(&url("http://h/")), None);
        assert_eq!(
            Expect::from_extension(&url("http://h/x.css")),
            Expect::Stylesheet
        );
        assert_eq!(
            Expect::from_extension(&url("http://h/x.png")),
            Expect::Image
        );
        assert_eq!(Expect::from_extension(&url("http://h/x.ttf")), Expect::Font);
        assert_eq!(Expect::from_extension(&url("http://h/x.txt")), Expect::Any);
        assert_eq!(path_label(&url("http://h/a.js?v=1")), "/a.js?v=1");
    }
}
