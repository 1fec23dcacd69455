//! Reports: one stream of [`RunEvent`]s, recorded once into a [`RunReport`] by the
//! run's [`Reporter`] (a [`Fanout`]) and shown to the views that read it (the
//! terminal); the report files are written from the finished report.
//!
//! Each file format is a module with the same small interface: `FILE_NAME` and
//! `render(&RunReport) -> Result<String, RenderError>`. [`write_all`] writes them all.
//!
//! Module dependencies point one way, and `crate::exit_codes` only numbers the report's
//! outcome:
//!
//! ```text
//! files ──> json, junit, markdown ──> error, exit_codes, text
//! terminal ──> reporter, exit_codes, error, text
//! reporter ──> run_report, error
//! exit_codes ──> run_report ──> event, text
//! ```

mod error;
mod event;
mod files;
pub mod json;
pub mod junit;
pub mod markdown;
mod reporter;
pub(crate) mod run_report;
mod terminal;
#[cfg(test)]
pub(crate) mod test_support;
mod text;

pub use error::{RenderError, ReportError, ReporterError};
pub use event::{Observation, RunEvent, ScenarioErrorKind};
pub use files::{ReportFiles, write_all};
pub use reporter::{Fanout, ReportView, Reporter};
pub use run_report::{RunReport, ScenarioErrorRecord, ScenarioReport, Totals};
pub use terminal::{TerminalMode, TerminalReporter};
