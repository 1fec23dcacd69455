//! The `main` of a suite that needs a prerequisite, included by the suites with `#[path]`.

pub use harness::prerequisite::run_suite as run;
