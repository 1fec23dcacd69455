#!/usr/bin/env bash
# Formatting and lints, warnings as errors: `cargo fmt --check`, then clippy on every
# target (lib, bins, tests, benches) of every package.
#
# The workflow's lint job runs it; .ci/run runs only the formatting check. Clippy is a
# second build of the whole dependency tree (check mode shares nothing with the test
# build): 212 s of an 837 s .ci/run on the 2-core CI machine, which has to stay under
# 15 minutes. Run it before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
