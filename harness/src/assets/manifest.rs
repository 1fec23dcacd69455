//! Asset references in a web app manifest: `icons[].src`, `screenshots[].src` and
//! `shortcuts[].icons[].src`.

use serde_json::Value;
use url::Url;

use super::link::{Expect, Link, LinkSink};

/// Why a manifest's references could not be read.
#[derive(Debug, thiserror::Error)]
#[error("web app manifest {manifest}: {kind}")]
pub struct ManifestError {
    /// The manifest's URL.
    pub manifest: Url,
    /// What was wrong.
    pub kind: ManifestErrorKind,
}

/// What was wrong with a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ManifestErrorKind {
    /// Not JSON at all.
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not an object.
    #[error("the top level is not a JSON object")]
    NotAnObject,
    /// A member that must list images is something else.
    #[error("`{field}` is not an array")]
    NotAnArray {
        /// The member, e.g. `icons`.
        field: String,
    },
    /// An image entry without a string `src`.
    #[error("`{field}[{index}]` has no string `src`")]
    MissingSrc {
        /// The member, e.g. `icons`.
        field: String,
        /// The entry's position.
        index: usize,
    },
}

/// Every same-origin image `json` (served at `manifest`) references; relative `src`s
/// resolve against the manifest's URL, as browsers do.
pub fn links_in_manifest(manifest: &Url, json: &str) -> Result<Vec<Link>, ManifestError> {
    let error = |kind| ManifestError {
        manifest: manifest.clone(),
        kind,
    };
    let value: Value = serde_json::from_str(json).map_err(|e| error(e.into()))?;
    let Value::Object(root) = &value else {
        return Err(error(ManifestErrorKind::NotAnObject));
    };
    let mut sink = LinkSink::new(manifest);
    images(
        &mut sink,
        root.get("icons"),
        "icons",
        Expect::Icon,
        "manifest icons",
    )
    .map_err(error)?;
    images(
        &mut sink,
        root.get("screenshots"),
        "screenshots",
        Expect::Image,
        "manifest screenshots",
    )
    .map_err(error)?;
    if let Some(shortcuts) = root.get("shortcuts") {
        let shortcuts = shortcuts.as_array().ok_or_else(|| {
            error(ManifestErrorKind::NotAnArray {
                field: "shortcuts".into(),
            })
        })?;
        for (i, shortcut) in shortcuts.iter().enumerate() {
            let field = format!("shortcuts[{i}].icons");
            images(
                &mut sink,
                shortcut.get("icons"),
                &field,
                Expect::Icon,
                "manifest shortcut icons",
            )
            .map_err(error)?;
        }
    }
    Ok(sink.links)
}

fn images(
    sink: &mut LinkSink<'_>,
    list: Option<&Value>,
    field: &str,
    expect: Expect,
    via: &'static str,
) -> Result<(), ManifestErrorKind> {
    let Some(list) = list else {
        return Ok(());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ManifestErrorKind::NotAnArray {
            field: field.to_owned(),
        })?;
    for (index, entry) in list.iter().enumerate() {
        let src = entry.get("src").and_then(Value::as_str).ok_or_else(|| {
            ManifestErrorKind::MissingSrc {
                field: field.to_owned(),
                index,
            }
        })?;
        sink.push(src, expect, via);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Url {
        Url::parse("http://h:8080/static/site.webmanifest").expect("test URL")
    }

    #[test]
    fn icons_screenshots_and_shortcut_icons_resolve_against_the_manifest() {
        let json = r#"{
            "name": "X", "start_url": "/",
            "icons": [
                {"src": "icons/a.png", "sizes": "192x192"},
                {"src": "/static/icons/b.png#x"},
                {"src": "https://cdn.example/c.png"},
                {"src": "data:image/png;base64,AAAA"}
            ],
            "screenshots": [{"src": "../shot.jpg"}],
            "shortcuts": [{"name": "New", "url": "/new", "icons": [{"src": "/s.png"}]}, {"name": "no icons"}]
        }"#;
        let got: Vec<_> = links_in_manifest(&manifest(), json)
            .expect("valid manifest")
            .into_iter()
            .map(|l| (l.url.to_string(), l.expect, l.via))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "http://h:8080/static/icons/a.png".to_owned(),
                    Expect::Icon,
                    "manifest icons"
                ),
                (
                    "http://h:8080/static/icons/b.png".to_owned(),
                    Expect::Icon,
                    "manifest icons"
                ),
                (
                    "http://h:8080/shot.jpg".to_owned(),
                    Expect::Image,
                    "manifest screenshots"
                ),
                (
                    "http://h:8080/s.png".to_owned(),
                    Expect::Icon,
                    "manifest shortcut icons"
                ),
            ]
        );
    }

    #[test]
    fn a_manifest_without_images_has_no_links() {
        let links = links_in_manifest(&manifest(), r#"{"name": "X"}"#).expect("valid manifest");
        assert!(links.is_empty());
    }

    #[test]
    fn broken_manifests_are_errors_that_name_the_url() {
        let cases = [
            ("{ nope", "not valid JSON"),
            ("[1, 2]", "not a JSON object"),
            (r#"{"icons": {"src": "a.png"}}"#, "`icons` is not an array"),
            (
                r#"{"icons": [{"src": "a.png"}, {"sizes": "1x1"}]}"#,
                "`icons[1]` has no string `src`",
            ),
            (
                r#"{"shortcuts": [{"icons": 3}]}"#,
                "`shortcuts[0].icons` is not an array",
            ),
        ];
        for (json, want) in cases {
            let message = links_in_manifest(&manifest(), json)
                .expect_err(json)
                .to_string();
            assert!(message.contains(want), "{message}");
            assert!(
                message.contains("http://h:8080/static/site.webmanifest"),
                "{message}"
            );
        }
    }
}
