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
    /// Where each page's screenshot is written; `None`: no screenshots.
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
}
