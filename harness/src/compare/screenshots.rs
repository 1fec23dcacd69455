//! The gate's screenshot comparison: each browser page's screenshot on the baseline
//! paired with the candidate's (same scenario, variant, step and page), compared pixel
//! by pixel, with a diff image written beside the reports. A page whose rendering
//! changed beyond the threshold is information, or a regression when its step asks
//! for `rendering = "unchanged"`.
//!
//! It reads files, unlike the rest of the comparison: both runs' screenshot paths are
//! resolved against their report directories (a saved `report.json` names them
//! relative to its own).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::finding::{Comparison, Finding, FindingArea, ScreenshotPair};
use super::pixels;
use super::runs::compare_runs;
use crate::outcome::{Origin, Rendering};
use crate::report::json::{Check, Document};

/// The share of pixels that may change before a page counts as rendered differently:
/// two renders of the same page differ by nothing (the reference server's home page,
/// measured in `tests/browser.rs`), and an unstyled page by far more.
pub const DEFAULT_THRESHOLD: f64 = 0.01;

/// How far one channel may move before a pixel counts as changed: absorbs
/// anti-aliasing and font hinting noise, not a changed color.
pub const DEFAULT_TOLERANCE: u8 = 16;

/// The directory under the report directory that receives the diff images.
pub const DIFF_DIR_NAME: &str = "screenshot-diffs";

/// How screenshots are compared and where the diff images go.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenshotOptions {
    /// [`DEFAULT_THRESHOLD`] unless set.
    pub threshold: f64,
    /// [`DEFAULT_TOLERANCE`] unless set.
    pub tolerance: u8,
    /// Where the baseline's `report.json` is (its relative paths start there).
    pub baseline_dir: PathBuf,
    /// Where the candidate's report files are written: relative paths start there,
    /// the diff images go in its [`DIFF_DIR_NAME`], and the pairs name every image
    /// relative to it (where `summary.md` is).
    pub report_dir: PathBuf,
}

impl ScreenshotOptions {
    /// The defaults for a baseline whose `report.json` is `saved` (its screenshot paths
    /// start in its directory).
    pub fn beside_report(saved: &Path, report_dir: PathBuf) -> Self {
        let baseline_dir = saved.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::new(baseline_dir, report_dir)
    }

    /// The defaults, for these directories.
    pub fn new(baseline_dir: PathBuf, report_dir: PathBuf) -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            tolerance: DEFAULT_TOLERANCE,
            baseline_dir,
            report_dir,
        }
    }
}

/// A page check's identity across runs: where it came from and the screenshot's file
/// name (which carries the page's path, not its port).
type Key = (String, Option<String>, usize, String);

fn keyed(document: &Document) -> BTreeMap<Key, (&str, &Check)> {
    let mut out = BTreeMap::new();
    for scenario in &document.scenarios {
        for check in &scenario.checks {
            let (Some(shot), Some(Origin { variant, step, .. })) =
                (&check.screenshot, &check.origin)
            else {
                continue;
            };
            let file = shot
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.entry((scenario.name.clone(), variant.clone(), *step, file))
                .or_insert((scenario.name.as_str(), check));
        }
    }
    out
}

/// The whole gate's comparison: [`compare_runs`], then [`compare_screenshots`].
pub fn compare_with_screenshots(
    baseline: &Document,
    candidate: &Document,
    options: &ScreenshotOptions,
) -> Comparison {
    let mut out = compare_runs(baseline, candidate);
    compare_screenshots(baseline, candidate, options, &mut out);
    out
}

/// Compares every page screenshotted on both runs, writes the diff images, and adds a
/// finding for each page whose rendering changed (or could not be compared) and the
/// pairs themselves to `out`.
pub fn compare_screenshots(
    baseline: &Document,
    candidate: &Document,
    options: &ScreenshotOptions,
    out: &mut Comparison,
) {
    let before = keyed(baseline);
    for (key, (scenario, after)) in keyed(candidate) {
        let Some((_, before)) = before.get(&key) else {
            continue;
        };
        let (Some(base_shot), Some(cand_shot)) = (&before.screenshot, &after.screenshot) else {
            continue;
        };
        let base_path = options.baseline_dir.join(&base_shot.path);
        let cand_path = options.report_dir.join(&cand_shot.path);
        let diff_path = options
            .report_dir
            .join(DIFF_DIR_NAME)
            .join(crate::browser::path_segment(scenario))
            .join(
                key.1
                    .as_deref()
                    .map(crate::browser::path_segment)
                    .unwrap_or_default(),
            )
            .join(format!("step{}-{}", key.2, key.3));
        let mut pair = ScreenshotPair {
            scenario: scenario.to_owned(),
            variant: key.1.clone(),
            page: page_path(&after.location),
            baseline: relative(&base_path, &options.report_dir),
            candidate: relative(&cand_path, &options.report_dir),
            diff: None,
            changed: 0,
            pixels: 0,
            rendering_changed: false,
            error: None,
        };
        match compare_files(&base_path, &cand_path, &diff_path, options.tolerance) {
            Ok(found) => {
                pair.changed = found.changed;
                pair.pixels = found.pixels;
                pair.rendering_changed = found.changed_beyond(options.threshold);
                pair.diff = Some(relative(&diff_path, &options.report_dir));
                if pair.rendering_changed {
                    let size = if found.same_size {
                        String::new()
                    } else {
                        format!(
                            ", and its size changed to {}x{}",
                            found.image.width, found.image.height
                        )
                    };
                    let finding = Finding {
                        scenario: scenario.to_owned(),
                        area: FindingArea::Rendering,
                        subject: pair.page.clone(),
                        what: format!(
                            "rendering changed: {} of pixels differ (threshold {:.2}%){size}; \
                             diff {}",
                            pair.changed_text(),
                            options.threshold * 100.0,
                            relative(&diff_path, &options.report_dir).display()
                        ),
                        baseline: pair.baseline.display().to_string(),
                        candidate: pair.candidate.display().to_string(),
                    };
                    if cand_shot.rendering == Rendering::Unchanged {
                        out.regressions.push(finding);
                    } else {
                        out.information.push(finding);
                    }
                }
            }
            Err(error) => {
                pair.error = Some(error.clone());
                out.information.push(Finding {
                    scenario: scenario.to_owned(),
                    area: FindingArea::Rendering,
                    subject: pair.page.clone(),
                    what: format!("screenshots not compared: {error}"),
                    baseline: pair.baseline.display().to_string(),
                    candidate: pair.candidate.display().to_string(),
                });
            }
        }
        out.screenshots.push(pair);
    }
}

/// Reads, compares and writes the diff image; the error names the file.
fn compare_files(
    baseline: &Path,
    candidate: &Path,
    diff_path: &Path,
    tolerance: u8,
) -> Result<pixels::PixelDiff, String> {
    let read = |path: &Path| {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        pixels::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    let found = pixels::diff(&read(baseline)?, &read(candidate)?, tolerance);
    let png = pixels::encode(&found.image).map_err(|e| e.to_string())?;
    if let Some(dir) = diff_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(diff_path, png).map_err(|e| format!("{}: {e}", diff_path.display()))?;
    Ok(found)
}

/// `path` relative to `dir` when inside it, else as it is.
fn relative(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// A page URL's path and query (`/`, `/posts?page=2`); the location itself when it is
/// not a URL.
fn page_path(location: &str) -> String {
    match url::Url::parse(location) {
        Ok(url) => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        },
        Err(_) => location.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::pixels::{Image, encode};
    use crate::compare::test_support::{check, document, scenario};
    use crate::outcome::Screenshot;

    /// A 10x10 white page with `dark` black pixels in its first row.
    fn page_png(dark: usize) -> Vec<u8> {
        let mut rgba = [255u8; 4].repeat(100);
        for px in rgba.chunks_exact_mut(4).take(dark) {
            px.copy_from_slice(&[0, 0, 0, 255]);
        }
        encode(&Image {
            width: 10,
            height: 10,
            rgba,
        })
        .expect("encodes")
    }

    /// A run of scenario `s` whose page check at `port` has a screenshot at `path`.
    fn run(port: u16, path: &str, rendering: Rendering) -> Document {
        let mut page = check("browser load /", None);
        page.location = format!("http://127.0.0.1:{port}/");
        page.origin = Some(Origin {
            scenario: "s".into(),
            variant: None,
            step: 1,
        });
        page.screenshot = Some(Screenshot {
            path: path.into(),
            rendering,
        });
        document(vec![scenario("s", vec![page])])
    }

    /// Writes the baseline's and the candidate's screenshots and compares the runs.
    fn gate(dark: (usize, usize), rendering: Rendering) -> (Comparison, tempfile::TempDir) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let report_dir = tmp.path().join("rc-report");
        let baseline_dir = report_dir.join("baseline");
        let shot = "screenshots/s/browser-index.png";
        for (dir, dark) in [(&baseline_dir, dark.0), (&report_dir, dark.1)] {
            std::fs::create_dir_all(dir.join("screenshots/s")).expect("dir");
            std::fs::write(dir.join(shot), page_png(dark)).expect("written");
        }
        let mut out = Comparison::default();
        compare_screenshots(
            &run(1111, shot, Rendering::MayChange),
            &run(2222, shot, rendering),
            &ScreenshotOptions::new(baseline_dir, report_dir),
            &mut out,
        );
        (out, tmp)
    }

    #[test]
    fn the_same_page_pairs_across_ports_and_has_no_finding() {
        let (out, tmp) = gate((0, 0), Rendering::MayChange);
        assert!(
            out.information.is_empty() && out.regressions.is_empty(),
            "{out:?}"
        );
        let pair = &out.screenshots[0];
        assert_eq!(pair.page, "/");
        assert_eq!((pair.changed, pair.pixels), (0, 100));
        assert_eq!(
            pair.baseline,
            PathBuf::from("baseline/screenshots/s/browser-index.png")
        );
        assert_eq!(
            pair.candidate,
            PathBuf::from("screenshots/s/browser-index.png")
        );
        let diff = pair.diff.as_ref().expect("a diff image");
        assert_eq!(
            diff,
            &PathBuf::from("screenshot-diffs/s/step1-browser-index.png")
        );
        assert!(tmp.path().join("rc-report").join(diff).is_file());
    }

    #[test]
    fn a_change_under_the_threshold_is_nothing_and_over_it_information() {
        let (under, _tmp) = gate((0, 1), Rendering::MayChange);
        assert!(under.information.is_empty(), "1% is not over 1%: {under:?}");
        assert_eq!(under.screenshots[0].changed_text(), "1.00%");
        let (over, _tmp) = gate((0, 20), Rendering::MayChange);
        assert!(over.regressions.is_empty());
        assert_eq!(over.information.len(), 1, "{over:?}");
        let finding = &over.information[0];
        assert_eq!(finding.area, FindingArea::Rendering);
        assert_eq!(finding.subject, "/");
        assert!(
            finding
                .what
                .starts_with("rendering changed: 20.00% of pixels differ"),
            "{finding:?}"
        );
        assert!(!over.fails(true));
    }

    #[test]
    fn a_change_is_a_regression_when_the_step_asks_for_unchanged_rendering() {
        let (out, _tmp) = gate((0, 20), Rendering::Unchanged);
        assert_eq!(out.regressions.len(), 1, "{out:?}");
        assert!(out.fails(false));
        let (same, _tmp) = gate((3, 3), Rendering::Unchanged);
        assert!(!same.fails(true), "{same:?}");
    }

    #[test]
    fn a_missing_screenshot_is_information_naming_the_file() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let shot = "screenshots/s/browser-index.png";
        let mut out = Comparison::default();
        compare_screenshots(
            &run(1, shot, Rendering::Unchanged),
            &run(2, shot, Rendering::Unchanged),
            &ScreenshotOptions::new(tmp.path().join("b"), tmp.path().join("c")),
            &mut out,
        );
        assert!(out.regressions.is_empty());
        assert_eq!(out.information.len(), 1);
        assert!(
            out.information[0].what.contains("browser-index.png"),
            "{out:?}"
        );
        assert!(out.screenshots[0].error.is_some());
    }
}
