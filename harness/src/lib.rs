//! rc-harness: boots a blog server, checks its assets, metrics and configuration, and
//! gates a release candidate with reports CI understands.
//!
//! The library never parses command lines; `main.rs` is a thin CLI over it.

pub mod assets;
pub mod browser;
pub mod compare;
pub mod exit_codes;
pub mod metrics;
pub mod outcome;
pub mod prerequisite;
pub mod probe;
pub mod report;
pub mod scenario;
pub mod server;
