//! Scenarios: declarative TOML files of steps, and the runner that executes them
//! against a target, emitting [`crate::report::RunEvent`]s.

mod file;
mod run;
mod token_endpoint;
mod traffic;

pub use file::{
    AssetsStep, BootFailureStep, BootStep, Catch, JsonStep, MetricStep, OutputStep, RequestStep,
    Scenario, ScenarioFileError, Step, TokenEndpointStep, TrafficStep, Variant,
};
pub use run::{RunOptions, run_scenario, run_scenarios};
pub use token_endpoint::TokenEndpoint;
