#!/usr/bin/env bash
# The release-candidate gate in one command: every stage runs (a failure does not hide
# the stages after it), then one verdict line, and a non-zero exit if any stage failed.
#
#   ci/gate.sh                 all stages
#   ci/gate.sh --fast          all but `tests`, `bench-smoke` and `wall-clock` (what
#                              .ci/run adds to the README's test command; the
#                              instruction counts and the wall-clock run build and run
#                              every bench anyway)
#   ci/gate.sh STAGE...        just these stages, in this order
#
# Stages:
#   tests          cargo test --workspace
#   process        the README's main command: harness gate against the reference
#                  server as a process
#   container      build the image, then the README's container gate
#                  (skipped, and said so, when no Docker engine answers)
#   bench-smoke    every bench compiled and run once (ci/bench.sh smoke)
#   instructions   instruction counts vs the committed baseline (ci/bench.sh instructions)
#   wall-clock     criterion run and wall-clock budgets (ci/bench.sh wall-clock), then
#                  the request budgets interleaved (ci/bench.sh paired); pass
#                  RC_WALL_CLOCK=advisory on shared runners to report without failing
#
# Reports: target/rc-report/{process,container}/ (junit.xml, report.json, summary.md)
# and target/rc-report/bench/. The verdict line is also written to
# target/rc-report/verdict.txt.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL=(tests process container bench-smoke instructions wall-clock)
FAST=(process container instructions)
REPORTS="$ROOT/target/rc-report"

usage() {
    echo "usage: ci/gate.sh [--fast | STAGE...]; stages: ${ALL[*]}" >&2
    exit 2
}

stages=()
if [ $# -eq 0 ]; then
    stages=("${ALL[@]}")
elif [ "$1" = --fast ] && [ $# -eq 1 ]; then
    stages=("${FAST[@]}")
else
    for stage in "$@"; do
        case " ${ALL[*]} " in
        *" $stage "*) stages+=("$stage") ;;
        *) echo "ci/gate.sh: unknown stage '$stage'" >&2; usage ;;
        esac
    done
fi

engine_answers() {
    docker info >/dev/null 2>&1
}

# Appends a harness summary to the GitHub job summary, when there is one.
job_summary() {
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$1" ]; then
        cat "$1" >>"$GITHUB_STEP_SUMMARY"
    fi
}

run_stage() {
    local status=0
    case "$1" in
    tests) cargo test --workspace --locked ;;
    # The README's two gate commands, as written; HARNESS_REPORT_DIR keeps their
    # reports apart.
    process)
        local -x HARNESS_REPORT_DIR="$REPORTS/process"
        cargo run --locked -q -p harness -- gate || status=$?
        job_summary "$REPORTS/process/summary.md"
        return "$status"
        ;;
    container)
        ci/build-image.sh || return
        local -x HARNESS_REPORT_DIR="$REPORTS/container"
        cargo run --locked -q -p harness -- gate --target scenarios/targets/reference-container.toml || status=$?
        job_summary "$REPORTS/container/summary.md"
        return "$status"
        ;;
    bench-smoke) ci/bench.sh smoke ;;
    instructions) ci/bench.sh instructions ;;
    wall-clock)
        # Criterion's run, then the request budgets interleaved (off and on in turns).
        if [ "${RC_WALL_CLOCK:-enforce}" = advisory ]; then
            ci/bench.sh wall-clock --advisory || status=$?
            ci/bench.sh paired --advisory || status=$?
        else
            ci/bench.sh wall-clock || status=$?
            ci/bench.sh paired || status=$?
        fi
        return "$status"
        ;;
    esac
}

started=$SECONDS
results=()
failed=0
for stage in "${stages[@]}"; do
    if [ "$stage" = container ] && ! engine_answers; then
        echo "==> $stage: skipped (no Docker engine answers; DOCKER_HOST=${DOCKER_HOST:-unset})"
        results+=("$stage skipped")
        continue
    fi
    echo "==> $stage"
    stage_started=$SECONDS
    if run_stage "$stage"; then
        results+=("$stage ok")
    else
        code=$?
        results+=("$stage FAILED (exit $code)")
        failed=1
    fi
    echo "==> $stage: ${results[-1]#"$stage "} in $((SECONDS - stage_started)) s"
done

summary=$(IFS=,; echo "${results[*]}" | sed 's/,/, /g')
if [ "$failed" = 0 ]; then
    verdict="rc-gate: PASS in $((SECONDS - started)) s: $summary"
else
    verdict="rc-gate: FAIL in $((SECONDS - started)) s: $summary"
fi
mkdir -p "$REPORTS"
echo "$verdict" >"$REPORTS/verdict.txt"
echo "$verdict"
exit "$failed"
