//! What a comparison found: each finding names its scenario and subject (a check, an
//! asset path, a series) and gives the baseline's and the candidate's answer side by
//! side.

use std::fmt;

use super::screenshots::ScreenshotPair;

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
