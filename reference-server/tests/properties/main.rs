//! Property tests of the reference server's configuration and sampling: in-process
//! against the resolver (10,000 generated environments), end-to-end against booted
//! binaries (dozens), and a statistical check of the sampler. One binary, a module per
//! area; generated cases carry their own oracle.
//!
//! Failing cases are saved next to the module that found them (`<module>.regressions`
//! in this directory) and replayed first on every run; commit those files.

mod end_to_end;
mod env;
mod resolver;
mod sampling_values;
mod server;
mod spelling;
mod statistics;

pub use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};

/// The shared proptest settings: `cases` per run, regressions saved beside the source.
pub fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}
