//! Finding Chromium: `HARNESS_CHROMIUM`, else `chromium` or `chromium-browser` on PATH.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::error::{BrowserError, BrowserErrorKind};

/// The names looked for on PATH, in order.
const NAMES: [&str; 2] = ["chromium", "chromium-browser"];

/// Finds the Chromium binary from the environment read at the edge (`env`): the
/// override first, so CI can pin one, then PATH.
pub fn find_chromium(env: &BTreeMap<String, String>) -> Result<PathBuf, BrowserError> {
    let context = "finding Chromium";
    if let Some(path) = env.get("HARNESS_CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(BrowserError::new(context, BrowserErrorKind::Missing(path)))
        };
    }
    let path = env.get("PATH").map(String::as_str).unwrap_or_default();
    NAMES
        .iter()
        .flat_map(|name| std::env::split_paths(path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| BrowserError::new(context, BrowserErrorKind::NotFound))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_override_wins_and_a_wrong_one_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = dir.path().join("my-chromium");
        std::fs::write(&fake, "").expect("write");
        let found = find_chromium(&env(&[("HARNESS_CHROMIUM", fake.to_str().expect("utf-8"))]));
        assert_eq!(found.expect("found"), fake);
        let err =
            find_chromium(&env(&[("HARNESS_CHROMIUM", "/nowhere/chromium")])).expect_err("missing");
        assert!(err.to_string().contains("/nowhere/chromium"), "{err}");
    }

    #[test]
    fn path_is_searched_for_both_names_and_absence_says_how_to_install() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_str().expect("utf-8").to_owned();
        let err = find_chromium(&env(&[("PATH", &path)])).expect_err("none there");
        assert!(
            err.to_string().contains("apt-get install chromium"),
            "{err}"
        );
        std::fs::write(dir.path().join("chromium-browser"), "").expect("write");
        let found = find_chromium(&env(&[("PATH", &path)])).expect("found");
        assert_eq!(found, dir.path().join("chromium-browser"));
    }
}
