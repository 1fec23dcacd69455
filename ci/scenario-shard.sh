#!/usr/bin/env bash
# Runs one shard of the scenario suites (process and container) with cargo-nextest, so
# CI can split them across runners:
#
#   ci/scenario-shard.sh 1 2     # on one runner
#   ci/scenario-shard.sh 2 2     # on another
#
# Every scenario test boots its own target on port 0 and shares nothing with the
# others, so any split runs correctly in any order. JUnit XML:
# target/nextest/ci/junit.xml. Container tests are required when an engine answers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ $# -ne 2 ] || ! [[ "$1" =~ ^[1-9][0-9]*$ && "$2" =~ ^[1-9][0-9]*$ ]] || [ "$1" -gt "$2" ]; then
    echo "usage: ci/scenario-shard.sh SHARD TOTAL   (1 <= SHARD <= TOTAL), e.g. 1 2" >&2
    exit 2
fi
if docker info >/dev/null 2>&1; then
    export HARNESS_REQUIRE_DOCKER=1
fi
cargo nextest run --locked --profile ci -p scenarios --partition "count:$1/$2"
