//! What a run's browser steps are given: Chromium as looked for at the edge (found,
//! skipped or required), and where screenshots go.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::prerequisite::{Prerequisite, Status, Unavailable};

/// Chromium as found once per run, and the screenshot directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSetup {
    /// Found, missing (steps skip), or missing while `HARNESS_REQUIRE_BROWSER=1`.
    pub chromium: Status,
    /// Where each page's screenshot is written (each scenario and variant in its own
    /// directory below it, see [`BrowserSetup::for_pass`]); `None`: no screenshots.
    pub screenshot_dir: Option<PathBuf>,
}

impl Default for BrowserSetup {
    /// Not looked for: browser steps skip, saying so.
    fn default() -> Self {
        Self {
            chromium: Status::Skip(Unavailable::NoChromium(
                "Chromium was not looked for (the run was given no browser setup)".to_owned(),
            )),
            screenshot_dir: None,
        }
    }
}

impl BrowserSetup {
    /// Looks for Chromium through `env` (the process's at the CLI edge, a map in tests).
    pub fn find(env: impl Fn(&str) -> Option<OsString>, screenshot_dir: Option<PathBuf>) -> Self {
        Self {
            chromium: Prerequisite::Chromium.check(env),
            screenshot_dir,
        }
    }

    /// The setup of one scenario's variant: screenshots in `<dir>/<scenario>[/<variant>]`,
    /// so two scenarios loading the same page do not overwrite each other and the gate
    /// pairs a baseline's screenshot with the candidate's by scenario and page.
    pub fn for_pass(&self, scenario: &str, variant: &str) -> Self {
        let mut setup = self.clone();
        setup.screenshot_dir = self.screenshot_dir.as_ref().map(|dir| {
            let dir = dir.join(path_segment(scenario));
            if variant.is_empty() {
                dir
            } else {
                dir.join(path_segment(variant))
            }
        });
        setup
    }
}

/// A name as one safe path segment: ASCII letters, digits, `_` and `-` kept,
/// anything else `-` (no separators, no `..`).
pub(crate) fn path_segment(name: &str) -> String {
    let segment: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if segment.is_empty() {
        "-".to_owned()
    } else {
        segment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scenario_and_variant_screenshots_in_its_own_directory() {
        let setup = BrowserSetup {
            screenshot_dir: Some(PathBuf::from("/r/screenshots")),
            ..BrowserSetup::default()
        };
        assert_eq!(
            setup.for_pass("browser home", "").screenshot_dir,
            Some(PathBuf::from("/r/screenshots/browser-home"))
        );
        assert_eq!(
            setup.for_pass("s", "../x").screenshot_dir,
            Some(PathBuf::from("/r/screenshots/s/---x"))
        );
        assert_eq!(
            BrowserSetup::default().for_pass("s", "v").screenshot_dir,
            None
        );
    }
}
