#!/usr/bin/env bash
# Runs one shard of the scenario suites (process and container) with cargo-nextest, so
# CI can split them across runners:
#
#   ci/scenario-shard.sh 1 2     # on one runner
#   ci/scenario-shard.sh 2 2     # on another
#   ci/scenario-shard.sh --check 2
#                                # list the 2 shards (nothing runs) and check that
#                                # together they hold every scenario test exactly once
#
# Every scenario test boots its own target on port 0 and shares nothing with the
# others, so any split runs correctly in any order. JUnit XML:
# target/nextest/ci/junit.xml. Container tests are required when an engine answers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() {
    echo "usage: ci/scenario-shard.sh SHARD TOTAL | --check TOTAL   (1 <= SHARD <= TOTAL), e.g. 1 2" >&2
    exit 2
}
count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

list() { cargo nextest list --locked -p scenario-tests --message-format oneline "$@" | sort; }

if [ $# -eq 2 ] && [ "$1" = --check ] && count "$2"; then
    all=$(list)
    shards=$(for shard in $(seq 1 "$2"); do list --partition "count:$shard/$2"; done | sort)
    if [ -z "$all" ] || [ "$all" != "$shards" ]; then
        echo "the $2 shards do not partition the scenario tests:"
        diff <(echo "$all") <(echo "$shards") || true
        exit 1
    fi
    echo "shards: $(echo "$all" | wc -l) scenario tests, each in exactly one of $2 shards"
    exit 0
fi
if [ $# -ne 2 ] || ! count "$1" || ! count "$2" || [ "$1" -gt "$2" ]; then
    usage
fi
if docker info >/dev/null 2>&1; then
    export HARNESS_REQUIRE_DOCKER=1
fi
cargo nextest run --locked --profile ci -p scenario-tests --partition "count:$1/$2"
