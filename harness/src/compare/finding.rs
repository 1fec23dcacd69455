//! What a comparison found: each finding names its scenario and subject (a check, an
//! asset path, a series, a page) and gives the baseline's and the candidate's answer
//! side by side; each page's two screenshots are kept as a pair for the reports.

use std::fmt;
use std::path::PathBuf;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingArea {
    /// A check of a scenario (or a scenario that could not run).
    Check,
    /// An asset's facts.
    Asset,
    /// A counting series' response to the traffic.
    Metric,
    /// A page's screenshot.
    Rendering,
}

impl FindingArea {
    /// A word for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Asset => "asset",
            Self::Metric => "metric",
            Self::Rendering => "rendering",
        }
    }
}

/// One difference between the runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The scenario it belongs to.
    pub scenario: String,
    /// What kind of thing differs.
    pub area: FindingArea,
    /// The check's name, the asset's path or the series.
    pub subject: String,
    /// What happened, in a few words (`Content-Type changed`).
    pub what: String,
    /// The baseline's answer.
    pub baseline: String,
    /// The candidate's answer.
    pub candidate: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {} (baseline: {}; candidate: {})",
            self.scenario,
            self.area.as_str(),
            self.subject,
            self.what,
            self.baseline,
            self.candidate
        )
    }
}

/// Everything two runs differ in, sorted into what fails a gate and what does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// What worked on the baseline and is broken on the candidate.
    pub regressions: Vec<Finding>,
    /// What fails on the candidate and already failed on the baseline.
    pub already_failing: Vec<Finding>,
    /// Differences that break nothing (a changed length, a fixed check).
    pub information: Vec<Finding>,
    /// Each page screenshotted on both runs, side by side (filled by
    /// [`compare_screenshots`](super::compare_screenshots), which reads the files).
    pub screenshots: Vec<ScreenshotPair>,
}

impl Comparison {
    /// Whether the candidate fails the gate: any regression, and with `strict`, any
    /// failure the baseline already had.
    pub fn fails(&self, strict: bool) -> bool {
        !self.regressions.is_empty() || (strict && !self.already_failing.is_empty())
    }
}

/// One page's screenshots on both runs, and what the comparison made of them. Paths
/// are relative to the report directory when inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenshotPair {
    /// The scenario.
    pub scenario: String,
    /// The variant, when the scenario has variants.
    pub variant: Option<String>,
    /// The page's path and query (the same on both runs, unlike its port).
    pub page: String,
    /// The baseline's screenshot.
    pub baseline: PathBuf,
    /// The candidate's screenshot.
    pub candidate: PathBuf,
    /// The diff image, when both could be read.
    pub diff: Option<PathBuf>,
    /// Pixels that differ (0 when none could be compared).
    pub changed: u64,
    /// Pixels compared.
    pub pixels: u64,
    /// Whether the page counts as rendered differently.
    pub rendering_changed: bool,
    /// Why the pair could not be compared.
    pub error: Option<String>,
}

impl ScreenshotPair {
    /// The changed share in words: `0.00%`, `12.34%`, or the error.
    pub fn changed_text(&self) -> String {
        match &self.error {
            Some(error) => format!("not compared: {error}"),
            None if self.pixels == 0 => "0.00%".to_owned(),
            None => format!("{:.2}%", self.changed as f64 * 100.0 / self.pixels as f64),
        }
    }
}
