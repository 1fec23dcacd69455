//! Writing the report files of a finished run into a directory: every format's
//! `render` output under its `FILE_NAME`.

use std::path::{Path, PathBuf};

use super::error::{RenderError, ReportError, ReportErrorKind};
use super::run_report::RunReport;
use super::{json, junit, markdown};

/// Where `write_all` put each report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `junit.xml`
    pub junit: PathBuf,
    /// `report.json`
    pub json: PathBuf,
    /// `summary.md`
    pub markdown: PathBuf,
}

/// Writes `junit.xml`, `report.json` and `summary.md` into `dir`, creating it (and its
/// parents) if needed. Existing files are replaced. Screenshots inside `dir` are named
/// relative to it, so the directory can move (a CI artifact) with its links intact.
pub fn write_all(report: &RunReport, dir: &Path) -> Result<ReportFiles, ReportError> {
    std::fs::create_dir_all(dir).map_err(|e| ReportError {
        path: dir.to_owned(),
        kind: ReportErrorKind::CreateDir(e),
    })?;
    let report = &report.with_screenshots_relative_to(dir);
    Ok(ReportFiles {
        junit: write_one(dir, junit::FILE_NAME, junit::render(report))?,
        json: write_one(dir, json::FILE_NAME, json::render(report))?,
        markdown: write_one(dir, markdown::FILE_NAME, markdown::render(report))?,
    })
}

fn write_one(
    dir: &Path,
    name: &str,
    rendered: Result<String, RenderError>,
) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    let result = rendered
        .map_err(ReportErrorKind::Render)
        .and_then(|text| std::fs::write(&path, text).map_err(ReportErrorKind::Write));
    match result {
        Ok(()) => Ok(path),
        Err(kind) => Err(ReportError { path, kind }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::scenario_events;

    #[test]
    fn report_files_are_written_into_a_new_dir() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("target/rc-report");
        let report = RunReport::from_events(&scenario_events("a", 1, 1));
        let files = write_all(&report, &dir)?;
        assert_eq!(files.junit, dir.join("junit.xml"));
        assert_eq!(files.json, dir.join("report.json"));
        assert_eq!(files.markdown, dir.join("summary.md"));
        assert!(std::fs::read_to_string(&files.junit)?.contains("<testsuite name=\"a\""));
        assert!(std::fs::read_to_string(&files.json)?.contains("\"schema_version\": 4"));
        assert!(std::fs::read_to_string(&files.markdown)?.starts_with("## ❌"));
        Ok(())
    }

    #[test]
    fn screenshots_in_the_report_dir_are_named_relative_to_it()
    -> Result<(), Box<dyn std::error::Error>> {
        use crate::outcome::{CheckKind, CheckOutcome, Rendering, Screenshot, Verdict};
        use crate::report::RunEvent;
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("rc-report");
        let shot = |path: std::path::PathBuf| {
            let mut outcome = CheckOutcome::new(
                CheckKind::Asset,
                "browser load /",
                "http://h/",
                Verdict::Pass,
                std::time::Duration::ZERO,
            );
            outcome.screenshot = Some(Screenshot {
                path,
                rendering: Rendering::MayChange,
            });
            RunEvent::Check {
                scenario: "s".into(),
                outcome,
            }
        };
        let elsewhere = tmp.path().join("elsewhere/b.png");
        let report = RunReport::from_events(&[
            shot(dir.join("screenshots/s/a.png")),
            shot(elsewhere.clone()),
        ]);
        let files = write_all(&report, &dir)?;
        let doc = json::load(&std::fs::read_to_string(&files.json)?)?;
        let paths: Vec<_> = doc.scenarios[0]
            .checks
            .iter()
            .filter_map(|c| c.screenshot.as_ref().map(|s| s.path.clone()))
            .collect();
        assert_eq!(
            paths,
            [std::path::PathBuf::from("screenshots/s/a.png"), elsewhere]
        );
        assert!(
            std::fs::read_to_string(&files.junit)?.contains("[[ATTACHMENT|screenshots/s/a.png]]")
        );
        assert!(std::fs::read_to_string(&files.markdown)?.contains("(<screenshots/s/a.png>)"));
        Ok(())
    }

    #[test]
    fn report_error_names_the_failing_path() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let blocker = tmp.path().join("not-a-dir");
        std::fs::write(&blocker, "")?;
        let report = RunReport::new();
        let err = write_all(&report, &blocker.join("reports")).err();
        let err = err.ok_or("writing under a file must fail")?;
        assert_eq!(err.path, blocker.join("reports"));
        assert!(matches!(err.kind, ReportErrorKind::CreateDir(_)));
        assert!(err.to_string().starts_with(&format!(
            "report {}: cannot create its directory: ",
            blocker.join("reports").display()
        )));

        // A directory where the file should go: the file is named.
        let dir = tmp.path().join("out");
        std::fs::create_dir_all(dir.join("junit.xml"))?;
        let err = write_all(&report, &dir).err().ok_or("must fail")?;
        assert_eq!(err.path, dir.join("junit.xml"));
        assert!(matches!(err.kind, ReportErrorKind::Write(_)));
        Ok(())
    }
}
