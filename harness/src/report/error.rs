//! The errors of the report layer: a format that cannot render, a report file that
//! cannot be written, and a reporter that could not do its job.
//!
//! They live here, below every module that returns them, so the formats, the file
//! writer and the reporters all depend on this module and never on each other.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// A report format could not render the run.
#[derive(Debug, Error)]
pub enum RenderError {
    /// quick-junit refused the document.
    #[error("cannot serialize JUnit XML: {0}")]
    Junit(quick_junit::SerializeError),
    /// serde_json refused the document.
    #[error("cannot serialize JSON: {0}")]
    Json(serde_json::Error),
}

/// What went wrong with one report file.
#[derive(Debug, Error)]
pub(crate) enum ReportErrorKind {
    /// The report directory could not be created.
    #[error("cannot create its directory: {0}")]
    CreateDir(io::Error),
    /// The format could not render the run.
    #[error("{0}")]
    Render(RenderError),
    /// The file could not be written.
    #[error("cannot write it: {0}")]
    Write(io::Error),
}

/// A report file could not be written; the message names the file.
#[derive(Debug, Error)]
#[error("report {}: {kind}", path.display())]
pub struct ReportError {
    /// The file (or, for `CreateDir`, the directory) that failed.
    pub(crate) path: PathBuf,
    /// What went wrong.
    pub(crate) kind: ReportErrorKind,
}

/// A reporter could not do its job. The run's verdict still stands, but the harness
/// must not exit 0 when what it shows or writes is incomplete.
#[derive(Debug, Error)]
pub enum ReporterError {
    /// The terminal reporter could not write its output: the first failed write (it
    /// went on trying, so later lines may have been written).
    #[error("cannot write the terminal report: {0}")]
    Terminal(io::Error),
}
