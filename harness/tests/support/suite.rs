//! The `main` of a test suite that needs a prerequisite (Docker, nginx): its tests are
//! reported ignored (skipped), with one line saying why, when it is missing, and fail
//! with the reason when it is required. Included by the suites with `#[path]`.

use std::sync::Arc;

use harness::prerequisite::{Prerequisite, Status};
use libtest_mimic::{Arguments, Trial};

/// Runs the suite's trials, made for the prerequisite's status, and exits.
pub fn run(prerequisite: Prerequisite, trials: impl FnOnce(&Arc<Status>) -> Vec<Trial>) -> ! {
    let args = Arguments::from_args();
    let status = Arc::new(prerequisite.check_process_env());
    let trials = trials(&status);
    if let Status::Skip(reason) = &*status {
        let skipped = trials
            .iter()
            .filter(|t| t.has_ignored_flag() && args.is_ignored(t) && !args.is_filtered_out(t))
            .count();
        if !args.list && skipped > 0 {
            eprintln!("{}", prerequisite.skip_line(skipped, reason));
        }
    }
    libtest_mimic::run(&args, trials).exit()
}
