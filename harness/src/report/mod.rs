//! Reports: one stream of [`RunEvent`]s fanned out to several [`Reporter`]s (terminal,
//! a collecting [`RunReport`]), and the report files written from the finished run.
//!
//! Each file format is a module with the same small interface: `FILE_NAME` and
//! `render(&RunReport) -> Result<String, RenderError>`. [`write_all`] writes them all.

mod event;
mod files;
pub mod json;
pub mod junit;
pub mod markdown;
pub(crate) mod run_report;
pub mod terminal;
mod text;

pub use event::{Fanout, Reporter, RunEvent, ScenarioErrorKind};
pub use files::{RenderError, ReportError, ReportErrorKind, ReportFiles, write_all};
pub use run_report::{RunInfo, RunReport, ScenarioErrorRecord, ScenarioReport, Totals};
pub use terminal::{TerminalMode, TerminalReporter};
pub use text::{failure_message, human_duration};
