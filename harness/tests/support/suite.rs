//! The `main` of a test suite that needs a prerequisite (Docker, nginx): its tests are
//! reported ignored (skipped), with one line saying why, when it is missing, and fail
//! with the reason when it is required. Included by the suites with `#[path]`.

use std::path::Path;
use std::sync::Arc;

use harness::prerequisite::{Prerequisite, Status};
use libtest_mimic::{Arguments, Trial};

/// Runs the suite's trials, made for the prerequisite's status, and exits. Skipped
/// tests are also written as JUnit `skipped` elements to
/// `target/rc-report/skipped/<suite>.xml`.
pub fn run(
    suite: &str,
    prerequisite: Prerequisite,
    trials: impl FnOnce(&Arc<Status>) -> Vec<Trial>,
) -> ! {
    let args = Arguments::from_args();
    let status = Arc::new(prerequisite.check_process_env());
    let trials = trials(&status);
    if let Status::Skip(reason) = &*status {
        let skipped: Vec<String> = trials
            .iter()
            .filter(|t| t.has_ignored_flag() && args.is_ignored(t) && !args.is_filtered_out(t))
            .map(|t| t.name().to_owned())
            .collect();
        if !args.list && !skipped.is_empty() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/rc-report/skipped");
            prerequisite.report_skipped(&dir, suite, &skipped, reason);
        }
    }
    libtest_mimic::run(&args, trials).exit()
}
