//! Comparison of two runs: a baseline (the last release, or its saved `report.json`)
//! and a candidate under the same scenarios. What the candidate broke is a regression;
//! what was already broken in the baseline is said apart; harmless differences are
//! information. Pure functions over the JSON report's model, so a saved report and a
//! run just made compare the same way; only the screenshot comparison reads (and
//! writes) files, the PNGs both reports name.

mod assets;
mod finding;
mod gate;
mod metrics;
pub mod pixels;
pub mod render;
mod runs;
mod screenshots;
#[cfg(test)]
mod test_support;

pub use finding::{Comparison, Finding, FindingArea, ScreenshotPair};
pub use gate::gate_exit_code;
pub use runs::compare_runs;
pub use screenshots::{
    DEFAULT_THRESHOLD, DEFAULT_TOLERANCE, DIFF_DIR_NAME, ScreenshotOptions, compare_screenshots,
    compare_with_screenshots,
};
