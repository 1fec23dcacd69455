//! Scenarios: declarative TOML files of steps, and the runner that executes them
//! against a target, emitting [`crate::report::RunEvent`]s.
//!
//! `file` loads and validates a file, `steps/` holds one module per step kind (its
//! TOML form, validation and execution), `context` is what a step runs in, and
//! `runner` runs the variants and stamps each check with where it came from.

mod context;
mod file;
mod reference;
mod runner;
mod standalone;
mod steps;
mod token_endpoint;

pub use file::{Catch, Scenario, ScenarioFileError, Variant};
pub(crate) use reference::{Endpoint, Reader, Reading, read as read_metrics};
pub use runner::{RunOptions, run_scenario, run_scenarios};
pub(crate) use standalone::drive_gets;
